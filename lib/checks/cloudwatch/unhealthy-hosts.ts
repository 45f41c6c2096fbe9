import { cite, lineOf } from '../../evidence/source.ts';
import { advice } from '../../remediations/advice.ts';
import { series, tgName } from '../support/metrics.ts';
import { idPart, type Check, type CheckResult } from '../types.ts';
import { flapping } from './unhealthy-flapping.ts';

/**
 * `UnHealthyHostCount` above zero during the collected window (aws/metrics.json): targets
 * left the pool, and their sticky clients with them. Reports when it happened. A series that
 * goes up, down and up again is flapping, which `cloudwatch.unhealthy-flapping` reports instead.
 */
export const cloudwatchUnhealthyHosts: Check = {
  id: 'cloudwatch.unhealthy-hosts',
  layer: 'aws',
  cause: 'backend-removed',
  title: 'Targets left the pool during the window',
  run: ({ ev }) => {
    const f = ev.aws.metrics;
    if (!f) return [];
    return series(ev).filter((s) => s.metric === 'UnHealthyHostCount' && !flapping(s)).flatMap((s): CheckResult[] => {
      const bad = s.points.filter((p) => p.v > 0);
      if (bad.length === 0) return [];
      const peak = bad.reduce((a, b) => (b.v > a.v ? b : a));
      const first = bad[0]!.t;
      const last = bad[bad.length - 1]!.t;
      const tg = s.dimension ? tgName(s.dimension) : s.raw.Id;
      const line = lineOf(f.text, `"${s.raw.Id}"`);
      return [{
        key: idPart(tg), resource: `target group ${tg}`, severity: 'warning',
        summary: `unhealthy targets in ${bad.length} period(s) between ${first} and ${last} (peak ${peak.v} at ${peak.t})`,
        evidence: [cite({ file: f.file, ...(line !== undefined ? { line } : {}) }, `${s.raw.Label ?? s.raw.Id}: max ${peak.v}`)],
        plan: advice('cloudwatch.restore-targets', idPart(tg), `Find why targets of ${tg} left the pool`, `UnHealthyHostCount up to ${peak.v} between ${first} and ${last}`, 'UnHealthyHostCount 0', 'correlate the periods with deploys, scale-in and health-check failures; drain before removing targets and make checks tolerate short slowdowns'),
      }];
    });
  },
};
