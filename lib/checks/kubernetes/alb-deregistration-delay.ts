import { setTargetGroupAttributes } from '../../remediations/kubernetes/set-alb-annotations.ts';
import { albRoutes, type AlbTargetGroup } from '../support/alb.ts';
import { objectLabel } from '../support/kubernetes.ts';
import { idPart, type Check, type CheckResult } from '../types.ts';

/** The ALB's own deregistration delay (seconds), what the fix restores. */
const ALB_DEFAULT_DRAIN = 300;

/**
 * `deregistration_delay.timeout_seconds=0` in an ALB Ingress's (or its Service's)
 * `target-group-attributes`: a pod (target-type ip) or node (instance) leaving the target group
 * has its in-flight requests cut at once, on every rollout and scale-in. The ALB default is 300 s.
 */
export const kubernetesAlbDeregistrationDelay: Check = {
  id: 'kubernetes.alb-deregistration-delay',
  layer: 'kubernetes',
  cause: 'draining-missing',
  title: 'ALB target group does not drain',
  run: ({ ev, service }) => {
    const byHolder = new Map<AlbTargetGroup['attributesHolder'], AlbTargetGroup[]>();
    for (const r of albRoutes(ev.kubernetes, service)) {
      for (const tg of r.targetGroups) {
        if (tg.attr('deregistration_delay.timeout_seconds') !== '0') continue;
        const xs = byHolder.get(tg.attributesHolder) ?? [];
        if (!xs.includes(tg)) xs.push(tg);
        byHolder.set(tg.attributesHolder, xs);
      }
    }
    return [...byHolder].map(([holder, tgs]): CheckResult => ({
      key: idPart(holder.name), resource: objectLabel(holder), severity: 'warning',
      summary: `ALB deregistration delay is 0 for Service${tgs.length > 1 ? 's' : ''} ${tgs.map((t) => t.serviceName).join(', ')}: each ${tgs[0]!.targetType === 'ip' ? 'pod' : 'node'} leaving the target group has its in-flight requests and sessions cut at once`,
      evidence: [tgs[0]!.cite('deregistration_delay.timeout_seconds')],
      plan: setTargetGroupAttributes(tgs, { 'deregistration_delay.timeout_seconds': String(ALB_DEFAULT_DRAIN) }),
    }));
  },
};
