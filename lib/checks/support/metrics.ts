import { memo1 } from './memo.ts';
import type { Evidence } from '../../evidence/bundle.ts';
import type { MetricDataResult } from '../../evidence/aws.ts';

/** One CloudWatch series of aws/metrics.json, named by its Label `<Metric> <dimension>`. */
export interface Series {
  metric: string;
  dimension: string;
  points: { t: string; v: number }[];
  raw: MetricDataResult;
}

/** The series of the bundle's metrics file, each with its points sorted by time (computed once per bundle). */
export const series = memo1((ev: Evidence): Series[] =>
  (ev.aws.metrics?.data.MetricDataResults ?? []).map((r) => {
    const [metric = '', dimension = ''] = (r.Label ?? r.Id).split(/\s+/, 2);
    const points = r.Values.map((v, i) => ({ t: r.Timestamps[i] ?? '', v })).sort((a, b) => (a.t < b.t ? -1 : a.t > b.t ? 1 : 0));
    return { metric, dimension, points, raw: r };
  }),
);

/** The target group name of a `targetgroup/<name>/<id>` dimension. */
export const tgName = (dimension: string) => dimension.split('/')[1] ?? dimension;
