import { cite, lineOf } from '../../evidence/source.ts';
import { advice } from '../../remediations/advice.ts';
import { targetGroups } from '../support/aws.ts';
import type { Check, CheckResult } from '../types.ts';

/**
 * Targets of a sticky target group that are out of the pool now: `unhealthy` (sticky clients
 * are moved, losing their session), `draining` (the ALB stops routing to it, even sticky
 * requests) or `unused` (not serving, e.g. its zone is not enabled).
 */
export const elbv2TargetHealth: Check = {
  id: 'elbv2.target-health',
  layer: 'aws',
  cause: 'backend-removed',
  title: 'Targets out of the pool',
  run: ({ ev }) =>
    targetGroups(ev).flatMap((v): CheckResult[] => {
      const out = (v.health ?? []).filter((t) => ['unhealthy', 'draining', 'unused'].includes(t.TargetHealth.State));
      if (out.length === 0) return [];
      const unhealthy = out.filter((t) => t.TargetHealth.State === 'unhealthy').length;
      const list = out.map((t) => `${t.Target.Id}${t.Target.Port ? `:${t.Target.Port}` : ''} ${t.TargetHealth.State}${t.TargetHealth.Reason ? ` (${t.TargetHealth.Reason})` : ''}`);
      return [{
        key: v.key, resource: v.resource, severity: unhealthy > 0 && v.attr('stickiness.enabled') === 'true' ? 'critical' : 'warning',
        summary: `${out.length} of ${v.health!.length} targets of ${v.name} are out of the pool: ${list.join(', ')}`,
        evidence: out.map((t) => {
          const line = lineOf(v.healthFile!.text, `"${t.Target.Id}"`);
          return cite({ file: v.healthFile!.file, ...(line !== undefined ? { line } : {}) }, `${t.Target.Id} State=${t.TargetHealth.State}${t.TargetHealth.Reason ? ` Reason=${t.TargetHealth.Reason}` : ''}`);
        }),
        plan: advice('elbv2.restore-targets', v.key, `Restore the targets of ${v.name}`, list.join('\n'), 'every target healthy', 'check each target\'s health-check reason (aws elbv2 describe-target-health) and fix or replace the instance; drain targets before removing them'),
      }];
    }),
};
