import { cite, lineOf } from '../../evidence/source.ts';
import { advice } from '../../remediations/advice.ts';
import { targetGroups } from '../support/aws.ts';
import { series, tgName, type Series } from '../support/metrics.ts';
import { FLAP_RISES } from '../support/thresholds.ts';
import { idPart, type Check, type CheckResult } from '../types.ts';

/**
 * How many separate times a series went up: its first rise, and every rise after it had come
 * down again (a climb of several periods is one).
 */
export function risesAfterFalls(s: Series): number {
  let rises = 0;
  let fell = true;
  for (let i = 1; i < s.points.length; i++) {
    const d = s.points[i]!.v - s.points[i - 1]!.v;
    if (d > 0 && fell) {
      rises++;
      fell = false;
    } else if (d < 0) fell = true;
  }
  return rises;
}

/** Whether an UnHealthyHostCount series flaps in its window: up, down and up again ({@link FLAP_RISES} rises). */
export const flapping = (s: Series) => s.metric === 'UnHealthyHostCount' && risesAfterFalls(s) >= FLAP_RISES;

/**
 * Observed flapping: a target group's `UnHealthyHostCount` went up, came down and went up again
 * within the collected window, so its health checks take targets out and back in, and each time
 * their sticky clients are moved. The fix is slower checks (or a steadier app), so the plan is
 * advice: a window of history cannot be verified by a change.
 */
export const cloudwatchUnhealthyFlapping: Check = {
  id: 'cloudwatch.unhealthy-flapping',
  layer: 'aws',
  cause: 'health-check-flapping',
  title: 'Targets flap in and out of the pool',
  run: ({ ev }) => {
    const f = ev.aws.metrics;
    if (!f) return [];
    const views = new Map(targetGroups(ev).map((v) => [v.name, v]));
    return series(ev).filter(flapping).map((s): CheckResult => {
      const name = s.dimension ? tgName(s.dimension) : s.raw.Id;
      const v = views.get(name);
      const line = lineOf(f.text, `"${s.raw.Id}"`);
      const timing = v?.tg.HealthCheckIntervalSeconds !== undefined && v.tg.UnhealthyThresholdCount !== undefined ? `${v.tg.HealthCheckIntervalSeconds} s × ${v.tg.UnhealthyThresholdCount}` : undefined;
      const owner = v?.owner;
      const how = owner
        ? `the AWS Load Balancer Controller owns ${name}: raise alb.ingress.kubernetes.io/healthcheck-interval-seconds or unhealthy-threshold-count on ${owner.describe} (a direct ModifyTargetGroup would be reverted), and find why the checks fail (timeouts under load, a dependency in the health path)`
        : `find why the checks fail (timeouts under load, a dependency in the health path) and slow them down: aws elbv2 modify-target-group --target-group-arn ${v?.tg.TargetGroupArn ?? name} --health-check-interval-seconds 30 --unhealthy-threshold-count 3`;
      return {
        key: idPart(name), resource: `target group ${name}`, severity: 'warning',
        summary: `UnHealthyHostCount of ${name} went up ${risesAfterFalls(s)} separate times in the window (${s.points.map((p) => p.v).join(', ')}): health checks${timing ? ` (${timing})` : ''} take targets out and back in, moving their sticky clients each time`,
        evidence: [cite({ file: f.file, ...(line !== undefined ? { line } : {}) }, `${s.raw.Label ?? s.raw.Id}: ${s.points.map((p) => `${p.t}=${p.v}`).join(', ')}`)],
        plan: advice('cloudwatch.steady-health-checks', idPart(name), `Stop ${name}'s targets flapping`, `UnHealthyHostCount rose ${risesAfterFalls(s)} times${timing ? `; checks ${timing}` : ''}`, 'targets stay in the pool through short stalls', how),
      };
    });
  },
};
