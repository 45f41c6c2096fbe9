import { humanSeconds } from '../../evidence/duration.ts';
import { cookieDuration } from '../../remediations/elbv2/enable-stickiness.ts';
import { setTargetGroupAttributes } from '../../remediations/kubernetes/set-alb-annotations.ts';
import { stickyPathTargetGroups, type AlbTargetGroup } from '../support/alb.ts';
import { objectLabel } from '../support/kubernetes.ts';
import { idPart, type Check, type CheckResult } from '../types.ts';

/**
 * ALB stickiness (set through the AWS Load Balancer Controller's `target-group-attributes`) whose
 * duration, of the stickiness type in use (`lb_cookie`, default 86400 s, or `app_cookie`), is
 * shorter than the session: the ALB forgets the client's pod mid-session. The other type's
 * duration is irrelevant and not judged.
 */
export const kubernetesAlbCookieDuration: Check = {
  id: 'kubernetes.alb-cookie-duration',
  layer: 'kubernetes',
  cause: 'affinity-ttl-short',
  title: 'ALB stickiness shorter than the session',
  run: ({ ev, service }) => {
    const byHolder = new Map<KubeKey, { tgs: AlbTargetGroup[]; attribute: string; seconds: number; paths: string[] }>();
    for (const { tg, paths } of stickyPathTargetGroups(ev.kubernetes, service)) {
      if (tg.attr('stickiness.enabled') !== 'true') continue;
      const type = tg.attr('stickiness.type');
      if (type !== 'lb_cookie' && type !== 'app_cookie') continue;
      const attribute = `stickiness.${type}.duration_seconds`;
      const seconds = Number(tg.attr(attribute));
      if (!(seconds < service.sessionTimeoutSeconds)) continue;
      const e = byHolder.get(tg.attributesHolder) ?? { tgs: [], attribute, seconds, paths: [] };
      e.tgs.push(tg);
      e.paths.push(...paths.filter((p) => !e.paths.includes(p)));
      byHolder.set(tg.attributesHolder, e);
    }
    return [...byHolder].map(([holder, { tgs, attribute, seconds, paths }]): CheckResult => {
      const want = cookieDuration(service.sessionTimeoutSeconds);
      const cookie = attribute.startsWith('stickiness.lb_cookie') ? 'AWSALB' : `app cookie ${tgs[0]!.attr('stickiness.app_cookie.cookie_name')}`;
      return {
        key: idPart(holder.name), resource: objectLabel(holder), severity: 'critical',
        summary: `ALB stickiness (${cookie}) of ${paths.join(', ')} lasts ${humanSeconds(seconds)} (${attribute} in ${objectLabel(holder)}'s target-group-attributes); sessions last ${humanSeconds(service.sessionTimeoutSeconds)}`,
        evidence: [tgs[0]!.cite('stickiness.type'), tgs[0]!.cite(attribute)],
        plan: setTargetGroupAttributes(tgs, { [attribute]: String(want) }),
      };
    });
  },
};

type KubeKey = AlbTargetGroup['attributesHolder'];
