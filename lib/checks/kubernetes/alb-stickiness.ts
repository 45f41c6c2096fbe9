import { get } from '../../evidence/kubernetes.ts';
import { enableStickinessChanges } from '../../remediations/elbv2/enable-stickiness.ts';
import { setTargetGroupAttributes } from '../../remediations/kubernetes/set-alb-annotations.ts';
import { stickyPathTargetGroups, type AlbTargetGroup } from '../support/alb.ts';
import { objectLabel, singlePod } from '../support/kubernetes.ts';
import { idPart, type Check, type CheckResult } from '../types.ts';

/** App cookie names an ALB refuses: they are its own cookies' prefixes. */
const RESERVED_APP_COOKIE = /^(AWSALB|AWSALBAPP|AWSALBTG)/i;

/** Why one ALB target group does not keep a session on one pod, or undefined when it does. */
function problem(tg: AlbTargetGroup, session: number): { reason: string; refs: string[]; ip: boolean; changes: Record<string, string> } | undefined {
  const enabled = tg.attr('stickiness.enabled') === 'true';
  const type = tg.attr('stickiness.type');
  const lb = enableStickinessChanges(session);
  if (!enabled) {
    return { reason: 'stickiness is off (stickiness.enabled defaults to false)', refs: [tg.cite('stickiness.enabled')], ip: tg.targetType === 'instance', changes: lb };
  }
  if (type === 'app_cookie') {
    const name = tg.attributes.get('stickiness.app_cookie.cookie_name');
    if (!name || RESERVED_APP_COOKIE.test(name)) {
      return {
        reason: `app_cookie stickiness ${name ? `on ${name}, a name the ALB reserves for its own cookies,` : 'without stickiness.app_cookie.cookie_name'} is refused by the ALB, so the controller cannot apply these attributes`,
        refs: [tg.cite('stickiness.type'), tg.cite('stickiness.app_cookie.cookie_name')], ip: tg.targetType === 'instance', changes: lb,
      };
    }
  }
  if (tg.targetType === 'instance') {
    return {
      reason: 'with target-type instance the ALB cookie pins a node, not a pod: the node port hands each request to any pod of the Service',
      refs: [tg.cite('stickiness.enabled'), tg.citeTargetType()], ip: true, changes: {},
    };
  }
  return undefined;
}

/**
 * ALB target groups (from an Ingress of class `alb`) that serve paths which must stick but do not
 * keep a session on one pod: stickiness off (the ALB default), `app_cookie` stickiness the ALB
 * refuses (no cookie name, or an `AWSALB…` name), or `target-type: instance` (the default), where
 * the cookie only pins a node and kube-proxy spreads requests over the pods. The Service's
 * `sessionAffinity` does not help: the ALB reaches pods or node ports itself. A single pod with
 * no autoscaler has nothing to stick to. The fix patches the controller's annotations.
 */
export const kubernetesAlbStickiness: Check = {
  id: 'kubernetes.alb-stickiness',
  layer: 'kubernetes',
  cause: 'cookie-not-set',
  title: 'ALB target group does not stick to a pod',
  run: ({ ev, service }) => {
    const byHolder = new Map<string, { tgs: AlbTargetGroup[]; lines: string[]; refs: string[]; ip: boolean; changes: Record<string, string> }>();
    for (const { tg, paths } of stickyPathTargetGroups(ev.kubernetes, service)) {
      if (singlePod(ev.kubernetes, tg.service)) continue;
      const p = problem(tg, service.sessionTimeoutSeconds);
      if (!p) continue;
      const holder = p.ip && tg.targetTypeHolder.kind === 'Service' ? tg.targetTypeHolder : tg.attributesHolder;
      const k = `${holder.kind}/${holder.namespace ?? ''}/${holder.name}`;
      const e = byHolder.get(k) ?? { tgs: [], lines: [], refs: [], ip: false, changes: {} };
      const clientIp = tg.service && get(tg.service.raw, 'spec', 'sessionAffinity') === 'ClientIP' ? ` (sessionAffinity ClientIP on Service ${tg.serviceName} does not help: it never sees the client's address behind the ALB)` : '';
      e.tgs.push(tg);
      e.lines.push(`${paths.join(', ')} → Service ${tg.serviceName}: ${p.reason}${clientIp}`);
      e.refs.push(...p.refs.filter((r) => !e.refs.includes(r)));
      e.ip ||= p.ip;
      Object.assign(e.changes, p.changes);
      byHolder.set(k, e);
    }
    return [...byHolder.values()].map(({ tgs, lines, refs, ip, changes }): CheckResult => {
      const first = tgs[0]!;
      const holder = ip && first.targetTypeHolder.kind === 'Service' ? first.targetTypeHolder : first.attributesHolder;
      return {
        key: idPart(holder.name), resource: objectLabel(holder), severity: 'critical',
        summary: `ALB ${tgs.length > 1 ? 'target groups' : 'target group'} of ${objectLabel(first.ingress)} (AWS Load Balancer Controller): ${lines.join('; ')}`,
        evidence: refs,
        plan: setTargetGroupAttributes(tgs, changes, { ip }),
      };
    });
  },
};
