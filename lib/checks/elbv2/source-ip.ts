import { advice } from '../../remediations/advice.ts';
import { targetGroups } from '../support/aws.ts';
import type { Check, CheckResult } from '../types.ts';

/**
 * NLB `source_ip` stickiness for public clients: the only stickiness an NLB has, and it follows
 * an address that mobile clients change and NATs share. The fix is architectural, so the plan
 * is advice without an apply button.
 */
export const elbv2SourceIp: Check = {
  id: 'elbv2.source-ip',
  layer: 'aws',
  cause: 'ip-affinity-unstable',
  title: 'NLB sticks on the client IP',
  run: ({ ev, service }) =>
    service.clients !== 'public'
      ? []
      : targetGroups(ev).flatMap((v): CheckResult[] => {
          if (v.attr('stickiness.enabled') !== 'true' || v.attr('stickiness.type') !== 'source_ip') return [];
          return [{
            key: v.key, resource: v.resource, severity: 'warning',
            summary: `sticks on the client IP (source_ip); public clients change address (mobile) or share one (NAT, proxies)`,
            evidence: [v.cite('stickiness.enabled'), v.cite('stickiness.type')],
            plan: advice('elbv2.move-to-alb', v.key, `Serve ${service.name} through an ALB with cookie stickiness`, `stickiness.type=source_ip on ${v.name}`, 'ALB target group with stickiness.type=lb_cookie', 'an NLB can only stick on the client IP; put an ALB (HTTP/HTTPS) in front with lb_cookie stickiness'),
          }];
        }),
};
