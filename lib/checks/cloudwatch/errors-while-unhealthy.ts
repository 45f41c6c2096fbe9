import { cite, lineOf } from '../../evidence/source.ts';
import { advice } from '../../remediations/advice.ts';
import { series, tgName, type Series } from '../support/metrics.ts';
import { idPart, type Check, type CheckResult } from '../types.ts';

/**
 * 5XX responses from a target group in the same minutes it had unhealthy targets: sticky clients
 * of the failing targets got errors (or were moved and lost their session) while the pool shrank.
 */
export const cloudwatchErrorsWhileUnhealthy: Check = {
  id: 'cloudwatch.errors-while-unhealthy',
  layer: 'aws',
  cause: 'backend-removed',
  title: '5XX bursts while targets were unhealthy',
  run: ({ ev }) => {
    const all = series(ev);
    const f = ev.aws.metrics;
    const errorsOf = new Map<string, Series>();
    for (const s of all) if (s.metric === 'HTTPCode_Target_5XX_Count' && !errorsOf.has(s.dimension)) errorsOf.set(s.dimension, s);
    return all.filter((s) => s.metric === 'UnHealthyHostCount').flatMap((u): CheckResult[] => {
      const errors = errorsOf.get(u.dimension);
      if (!errors || !f) return [];
      const down = new Set(u.points.filter((p) => p.v > 0).map((p) => p.t));
      const burst = errors.points.filter((p) => p.v > 0 && down.has(p.t));
      if (burst.length === 0) return [];
      const total = burst.reduce((a, p) => a + p.v, 0);
      const name = tgName(u.dimension);
      const line = lineOf(f.text, `"${errors.raw.Id}"`);
      return [{
        key: idPart(name), resource: `target group ${name}`, severity: 'warning',
        summary: `${total} target 5XX responses in ${burst.length} minute(s) while targets were unhealthy, between ${burst[0]!.t} and ${burst[burst.length - 1]!.t}`,
        evidence: [cite({ file: f.file, ...(line !== undefined ? { line } : {}) }, `${errors.raw.Label}: ${burst.map((p) => `${p.t}=${p.v}`).join(', ')}`)],
        plan: advice('cloudwatch.restore-targets', idPart(name), `Stop ${name} losing targets under its clients`, `${total} 5XX while targets were unhealthy`, 'no 5XX burst when a target leaves', 'fix why targets fail (their health-check reason), keep a deregistration delay so leaving targets drain, and slow health checks that trip on load'),
      }];
    });
  },
};
