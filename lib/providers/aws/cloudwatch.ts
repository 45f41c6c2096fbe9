import { CloudWatchClient, DescribeAlarmsCommand, GetMetricDataCommand, type MetricAlarm, type MetricDataQuery, type MetricDataResult } from '@aws-sdk/client-cloudwatch';
import type { LoadBalancer, TargetGroup } from '@aws-sdk/client-elastic-load-balancing-v2';
import { awsCall, batches, realClock, RateLimiter, type Clock } from './calls.ts';

/** Per target group: the metrics that show backends leaving the pool, errors and load. */
const TG_METRICS: { name: string; stat: string; alb: boolean; nlb: boolean }[] = [
  { name: 'RequestCountPerTarget', stat: 'Sum', alb: true, nlb: false },
  { name: 'UnHealthyHostCount', stat: 'Maximum', alb: true, nlb: true },
  { name: 'HealthyHostCount', stat: 'Minimum', alb: true, nlb: true },
  { name: 'HTTPCode_Target_5XX_Count', stat: 'Sum', alb: true, nlb: false },
];

/** The CloudWatch dimension value of an ELB ARN (`targetgroup/name/id`, `app/name/id`). */
export const dimensionOf = (arn: string) => arn.split(':').slice(5).join(':').replace(/^loadbalancer\//, '');

/**
 * Builds the GetMetricData queries: every metric per target group, plus ELB 5XX per load
 * balancer. Each query's Label is `<Metric> <dimension>` so aws/metrics.json says by itself what
 * each series is.
 */
export function metricQueries(tgs: TargetGroup[], lbs: LoadBalancer[]): MetricDataQuery[] {
  const type = new Map(lbs.map((l) => [l.LoadBalancerArn!, l.Type]));
  const out: MetricDataQuery[] = [];
  tgs.forEach((tg, i) => {
    const lb = tg.LoadBalancerArns?.[0];
    if (!lb) return;
    const nlb = type.get(lb) === 'network';
    for (const [j, m] of TG_METRICS.entries()) {
      if (nlb ? !m.nlb : !m.alb) continue;
      out.push({
        Id: `t${i}_${j}`,
        Label: `${m.name} ${dimensionOf(tg.TargetGroupArn!)}`,
        MetricStat: {
          Metric: {
            Namespace: nlb ? 'AWS/NetworkELB' : 'AWS/ApplicationELB',
            MetricName: m.name,
            Dimensions: [{ Name: 'TargetGroup', Value: dimensionOf(tg.TargetGroupArn!) }, ...(m.name === 'RequestCountPerTarget' ? [] : [{ Name: 'LoadBalancer', Value: dimensionOf(lb) }])],
          },
          Period: 60,
          Stat: m.stat,
        },
      });
    }
  });
  lbs.filter((l) => l.Type === 'application').forEach((lb, i) => {
    out.push({
      Id: `l${i}`,
      Label: `HTTPCode_ELB_5XX_Count ${dimensionOf(lb.LoadBalancerArn!)}`,
      MetricStat: { Metric: { Namespace: 'AWS/ApplicationELB', MetricName: 'HTTPCode_ELB_5XX_Count', Dimensions: [{ Name: 'LoadBalancer', Value: dimensionOf(lb.LoadBalancerArn!) }] }, Period: 60, Stat: 'Sum' },
    });
  });
  return out;
}

/**
 * Collects the last `minutes` of the service's ELB metrics (GetMetricData, 500 queries a call,
 * paginated) and the alarms on its target groups or load balancers (DescribeAlarms, filtered by
 * dimension).
 */
export async function collectCloudwatch(client: CloudWatchClient, tgs: TargetGroup[], lbs: LoadBalancer[], now: Date, minutes: number, clock: Clock = realClock): Promise<Record<string, string>> {
  const limiter = new RateLimiter(20, 20, clock);
  const call = <T>(op: string, fn: () => Promise<T>) => awsCall('cloudwatch', op, limiter, fn, clock);
  const results = new Map<string, MetricDataResult>();
  for (const b of batches(metricQueries(tgs, lbs), 500)) {
    let token: string | undefined;
    do {
      const r = await call('GetMetricData', () =>
        client.send(new GetMetricDataCommand({ MetricDataQueries: b, StartTime: new Date(now.getTime() - minutes * 60_000), EndTime: now, ...(token ? { NextToken: token } : {}) })),
      );
      for (const m of r.MetricDataResults ?? []) {
        const prev = results.get(m.Id!);
        results.set(m.Id!, prev ? { ...prev, Timestamps: [...(prev.Timestamps ?? []), ...(m.Timestamps ?? [])], Values: [...(prev.Values ?? []), ...(m.Values ?? [])], StatusCode: m.StatusCode } : m);
      }
      token = r.NextToken;
    } while (token);
  }
  const dims = new Set([...tgs.map((t) => dimensionOf(t.TargetGroupArn!)), ...lbs.map((l) => dimensionOf(l.LoadBalancerArn!))]);
  const alarms: MetricAlarm[] = [];
  let next: string | undefined;
  do {
    const r = await call('DescribeAlarms', () => client.send(new DescribeAlarmsCommand({ AlarmTypes: ['MetricAlarm'], MaxRecords: 100, ...(next ? { NextToken: next } : {}) })));
    alarms.push(...(r.MetricAlarms ?? []).filter((a) => (a.Dimensions ?? []).some((d) => d.Value && dims.has(d.Value))));
    next = r.NextToken;
  } while (next);
  const j = (o: unknown) => `${JSON.stringify(o, null, 4)}\n`;
  return { 'aws/metrics.json': j({ MetricDataResults: [...results.values()], Messages: [] }), 'aws/describe-alarms.json': j({ MetricAlarms: alarms }) };
}
