import { cite, lineOf } from '../../evidence/source.ts';
import { advice } from '../../remediations/advice.ts';
import { idPart, type Check, type CheckResult } from '../types.ts';

/**
 * `UnHealthyHostCount` above zero during the collected window (aws/metrics.json): targets
 * flapped out of the pool, and their sticky clients with them. Reports when it happened.
 */
export const cloudwatchUnhealthyHosts: Check = {
  id: 'cloudwatch.unhealthy-hosts',
  layer: 'aws',
  cause: 'backend-removed',
  title: 'Targets left the pool during the window',
  run: ({ ev }) => {
    const f = ev.aws.metrics;
    if (!f) return [];
    return f.data.MetricDataResults.flatMap((r): CheckResult[] => {
      const [metric, dim] = (r.Label ?? r.Id).split(/\s+/, 2);
      if (metric !== 'UnHealthyHostCount') return [];
      const bad = r.Values.map((v, i) => ({ v, t: r.Timestamps[i] ?? '?' })).filter((x) => x.v > 0);
      if (bad.length === 0) return [];
      const peak = bad.reduce((a, b) => (b.v > a.v ? b : a));
      const times = bad.map((b) => b.t).sort();
      const tg = dim?.split('/')[1] ?? dim ?? r.Id;
      const line = lineOf(f.text, `"${r.Id}"`);
      return [{
        key: idPart(tg), resource: `target group ${tg}`, severity: 'warning',
        summary: `unhealthy targets in ${bad.length} period(s) between ${times[0]} and ${times[times.length - 1]} (peak ${peak.v} at ${peak.t})`,
        evidence: [cite({ file: f.file, ...(line !== undefined ? { line } : {}) }, `${r.Label ?? r.Id}: max ${peak.v}`)],
        plan: advice('cloudwatch.restore-targets', idPart(tg), `Find why targets of ${tg} left the pool`, `UnHealthyHostCount up to ${peak.v} between ${times[0]} and ${times[times.length - 1]}`, 'UnHealthyHostCount 0', 'correlate the periods with deploys, scale-in and health-check failures; drain before removing targets and make checks tolerate short slowdowns'),
      }];
    });
  },
};
