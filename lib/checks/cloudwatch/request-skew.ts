import { cite, lineOf } from '../../evidence/source.ts';
import { advice } from '../../remediations/advice.ts';
import { series, tgName } from '../support/metrics.ts';
import type { Check, CheckResult } from '../types.ts';

/** A ratio of per-target request rates at which the difference is worth knowing. */
const SKEW_RATIO = 2;

/**
 * Uneven load across the service's target groups (RequestCountPerTarget over the window): with
 * sticky sessions heavy clients stay where they landed, and the busiest targets are the first to
 * fail their health checks and drop their sessions. Information, with the numbers.
 */
export const cloudwatchRequestSkew: Check = {
  id: 'cloudwatch.request-skew',
  layer: 'aws',
  cause: 'health-check-flapping',
  title: 'Requests per target are uneven',
  run: ({ ev }): CheckResult[] => {
    const f = ev.aws.metrics;
    const per = series(ev)
      .filter((s) => s.metric === 'RequestCountPerTarget' && s.points.length > 0)
      .map((s) => ({ s, total: s.points.reduce((a, p) => a + p.v, 0) }));
    if (!f || per.length < 2) return [];
    per.sort((a, b) => b.total - a.total);
    const hi = per[0]!;
    const lo = per[per.length - 1]!;
    if (lo.total <= 0 || hi.total / lo.total < SKEW_RATIO) return [];
    const line = lineOf(f.text, `"${hi.s.raw.Id}"`);
    return [{
      key: 'service', resource: `${per.length} target groups`, severity: 'info',
      summary: `targets of ${tgName(hi.s.dimension)} served ${(hi.total / lo.total).toFixed(1)}× the requests per target of ${tgName(lo.s.dimension)} (${hi.total} vs ${lo.total} in the window)`,
      evidence: [cite({ file: f.file, ...(line !== undefined ? { line } : {}) }, per.map((p) => `${tgName(p.s.dimension)}=${p.total}`).join(', '))],
      plan: advice('cloudwatch.balance-load', 'service', 'Even out the load per target', per.map((p) => `${tgName(p.s.dimension)}: ${p.total}`).join(', '), 'similar requests per target', 'size the busier target group up (or reweight the forward), and keep stickiness durations no longer than sessions need so clients rebalance over time'),
    }];
  },
};
