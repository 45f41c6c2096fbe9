import { advice } from '../../remediations/advice.ts';
import { enableSourceIp } from '../../remediations/elbv2/enable-source-ip.ts';
import { enableStickiness } from '../../remediations/elbv2/enable-stickiness.ts';
import { targetCount, targetGroups } from '../support/aws.ts';
import type { Check, CheckResult } from '../types.ts';

/**
 * A target group with `stickiness.enabled=false` (the default) and more than one target (or
 * unknown targets): an ALB balances every request afresh; an NLB only keeps one connection's
 * requests together.
 */
export const elbv2StickinessDisabled: Check = {
  id: 'elbv2.stickiness-disabled',
  layer: 'aws',
  cause: 'cookie-not-set',
  title: 'Target group stickiness is off',
  run: ({ ev, service }) =>
    targetGroups(ev).flatMap((v): CheckResult[] => {
      if (!v.attributes || v.attr('stickiness.enabled') === 'true') return [];
      const n = targetCount(v);
      if (n !== undefined && n < 2) return [];
      const targets = n === undefined ? 'its targets' : `${n} targets`;
      if (v.network) {
        return [{
          key: v.key, resource: v.resource, severity: 'warning',
          summary: `NLB stickiness is off: each new connection may reach another of ${targets}`,
          evidence: [v.cite('stickiness.enabled'), ...(v.owner ? [v.owner.evidence] : [])],
          plan: service.clients === 'internal'
            ? enableSourceIp(v)
            : advice('elbv2.move-to-alb', v.key, `Serve ${service.name} through an ALB with cookie stickiness`, `NLB target group ${v.name}: no stickiness`, 'ALB target group with stickiness.type=lb_cookie', 'an NLB can only stick on the client IP, which public clients change; put an ALB (HTTP/HTTPS) in front with lb_cookie stickiness'),
        }];
      }
      return [{
        key: v.key, resource: v.resource, severity: 'critical',
        summary: `stickiness is off: the ALB spreads one session's requests over ${targets}`,
        evidence: [v.cite('stickiness.enabled'), ...(v.owner ? [v.owner.evidence] : [])],
        plan: enableStickiness(v, service.sessionTimeoutSeconds),
      }];
    }),
};
