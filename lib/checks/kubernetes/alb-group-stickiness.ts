import { humanSeconds } from '../../evidence/duration.ts';
import { cookieDuration } from '../../remediations/elbv2/enable-stickiness.ts';
import { enableAlbGroupStickiness } from '../../remediations/kubernetes/set-alb-annotations.ts';
import { advice } from '../../remediations/advice.ts';
import { albRouteFor, type AlbRoute } from '../support/alb.ts';
import { objectLabel } from '../support/kubernetes.ts';
import type { Plan } from '../../remediations/types.ts';
import { idPart, type Check, type CheckResult } from '../types.ts';

/**
 * The fix of a weighted ALB forward: `targetGroupStickinessConfig` enabled for twice the session
 * in the Ingress's `actions.<name>`, and its `app_cookie` members switched to `lb_cookie` when
 * they read their attributes from the same Ingress (else advice: two objects are not one change).
 */
export function albGroupStickinessPlan(r: AlbRoute, sessionSeconds: number): Plan {
  const a = r.action!;
  const ing = r.route.ingress;
  const appCookie = a.targetGroups.filter((t) => t.attr('stickiness.enabled') === 'true' && t.attr('stickiness.type') === 'app_cookie');
  const duration = cookieDuration(sessionSeconds);
  const title = `Keep clients on one target group of ${objectLabel(ing)}'s weighted action ${a.name} (${humanSeconds(duration)})`;
  if (appCookie.every((t) => t.attributesHolder === ing)) {
    return enableAlbGroupStickiness(a, ing, duration, `${title}${appCookie.length ? ' and switch its app_cookie target groups to lb_cookie' : ''}`, appCookie.length ? { tgs: appCookie, changes: { 'stickiness.type': 'lb_cookie' } } : undefined);
  }
  return advice('kubernetes.alb-group-stickiness', `${idPart(ing.name)}.${idPart(a.name)}`, title, `app_cookie stickiness on ${appCookie.map((t) => `Service ${t.serviceName}`).join(', ')} (set on the Service)`, 'lb_cookie stickiness on every member and targetGroupStickinessConfig enabled',
    `set stickiness.type=lb_cookie in the target-group-attributes of ${appCookie.map((t) => objectLabel(t.attributesHolder)).join(', ')} and targetGroupStickinessConfig {"enabled":true,"durationSeconds":${duration}} in ${objectLabel(ing)}'s alb.ingress.kubernetes.io/actions.${a.name}: two objects, so Sticky does not patch them as one change`);
}

/**
 * A weighted forward of an ALB Ingress (`alb.ingress.kubernetes.io/actions.<name>` with several
 * `forwardConfig.targetGroups`) serving paths that must stick, without
 * `targetGroupStickinessConfig.enabled` while a member target group is sticky: each request may
 * pick another target group, whose pods do not hold the session. `app_cookie` stickiness does not
 * work with weighted target groups at all. Group stickiness shorter than the session is reported
 * as `affinity-ttl-short`.
 */
export const kubernetesAlbGroupStickiness: Check = {
  id: 'kubernetes.alb-group-stickiness',
  layer: 'kubernetes',
  cause: 'group-stickiness-missing',
  title: 'ALB weighted forward without group stickiness',
  run: ({ ev, service }) => {
    const routes = new Map<string, { r: AlbRoute; paths: string[] }>();
    for (const host of service.hosts) {
      for (const path of [...service.paths, ...service.websocketPaths]) {
        const r = albRouteFor(ev.kubernetes, service, host, path);
        const a = r?.action;
        if (!r || !a || a.targetGroups.length + a.external.length < 2) continue;
        const k = `${r.route.ingress.namespace ?? ''}/${r.route.ingress.name}/${a.name}`;
        const e = routes.get(k) ?? { r, paths: [] };
        if (!e.paths.includes(path)) e.paths.push(path);
        routes.set(k, e);
      }
    }
    return [...routes.values()].flatMap(({ r, paths }): CheckResult[] => {
      const a = r.action!;
      const ing = r.route.ingress;
      const cfg = a.action.forwardConfig?.targetGroupStickinessConfig;
      const sticky = a.targetGroups.filter((t) => t.attr('stickiness.enabled') === 'true');
      const appCookie = sticky.filter((t) => t.attr('stickiness.type') === 'app_cookie');
      const members = a.targetGroups.length + a.external.length;
      const key = `${idPart(ing.name)}.${idPart(a.name)}`;
      const plan = albGroupStickinessPlan(r, service.sessionTimeoutSeconds);
      if ((sticky.length > 0 && !cfg?.enabled) || appCookie.length > 0) {
        return [{
          key, resource: `${objectLabel(ing)} action ${a.name}`, severity: 'critical',
          summary: [
            `${paths.join(', ')} forward to ${members} weighted target groups${cfg?.enabled ? ' with group stickiness' : ' without group stickiness: a client sticky to a pod in one target group is sent to another group'}`,
            ...(appCookie.length ? [`app_cookie stickiness (on the target group${appCookie.length > 1 ? 's' : ''} of ${appCookie.map((t) => `Service ${t.serviceName}`).join(' and ')}) does not work with weighted target groups`] : []),
          ].join('; '),
          evidence: [...new Set([a.cite(), ...sticky.map((t) => t.cite('stickiness.type'))])],
          plan,
        }];
      }
      if (cfg?.enabled && (cfg.durationSeconds ?? 3600) < service.sessionTimeoutSeconds) {
        return [{
          key, resource: `${objectLabel(ing)} action ${a.name}`, severity: 'critical', cause: 'affinity-ttl-short',
          summary: `group stickiness of weighted action ${a.name} lasts ${humanSeconds(cfg.durationSeconds ?? 3600)}; sessions last ${humanSeconds(service.sessionTimeoutSeconds)}`,
          evidence: [a.cite()],
          plan,
        }];
      }
      return [];
    });
  },
};
