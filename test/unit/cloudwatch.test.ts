import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { analyze } from '../../lib/checks/analyze.ts';
import { parseBundle, type RawBundle } from '../../lib/evidence/bundle.ts';
import { ServiceSchema } from '../../lib/evidence/service.ts';
import { collect } from '../../lib/providers/collect.ts';
import { fakeAws, modelFromBundle, publishElbMetric, virtualClock, type AwsModel, type FakeAws, type FakeAwsOptions } from '../support/aws-fake.ts';
import { FIXTURES } from '../support/bundles.ts';

const ARN = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012';
const TG = `${ARN}:targetgroup/checkout-tg/73e2d6bc24d8a067`;
const GREEN = `${ARN}:targetgroup/checkout-green/9a1b2c3d4e5f6a7b`;
const ALB = `${ARN}:loadbalancer/app/shop-alb/50dc6c495c0c9188`;
const NOW = new Date('2026-11-25T10:00:00Z');
const at = (hhmmss: string) => new Date(`2026-11-25T${hhmmss}Z`);
const samples = (points: [string, ...number[]][]) => points.flatMap(([t, ...vs]) => vs.map((Value, i) => ({ Timestamp: new Date(at(t).getTime() + i * 20_000), Value })));

let fake: FakeAws | undefined;
afterEach(() => {
  fake?.restore();
  fake = undefined;
});

async function check(model: AwsModel, aws: Record<string, unknown> = { targetGroupArns: [TG] }, options: FakeAwsOptions = {}): Promise<RawBundle> {
  const clock = virtualClock(NOW.getTime());
  fake = fakeAws(model, clock, options);
  return collect(ServiceSchema.parse({ name: 'checkout', hosts: ['shop.example.com'], sessionTimeoutSeconds: 3600, aws: { region: 'eu-west-1', metricsMinutes: 60, ...aws } }), { clock, now: () => NOW });
}

const metricsOf = (raw: RawBundle) => JSON.parse(raw.files.get('aws/metrics.json')!).MetricDataResults as { Id: string; Label: string; Timestamps: string[]; Values: number[]; StatusCode: string }[];
const findings = (raw: RawBundle) => analyze(parseBundle(raw)).findings.map((f) => [f.id, f.summary]);

/** An ALB target group whose targets left the pool at 09:43–09:44 while it answered 5XX, published as ELB publishes (several samples a minute). */
function flappingAlb(): AwsModel {
  const model = modelFromBundle(join(FIXTURES, 'aws-healthy'));
  publishElbMetric(model, 'UnHealthyHostCount', { targetGroupArn: TG }, samples([['09:42:00', 0, 0, 0], ['09:43:00', 0, 2, 1], ['09:44:00', 1, 0, 0], ['09:45:00', 0, 0, 0]]));
  publishElbMetric(model, 'HealthyHostCount', { targetGroupArn: TG }, samples([['09:42:00', 3, 3, 3], ['09:43:00', 3, 1, 2], ['09:44:00', 2, 3, 3], ['09:45:00', 3, 3, 3]]));
  publishElbMetric(model, 'HTTPCode_Target_5XX_Count', { targetGroupArn: TG }, samples([['09:43:00', 10, 20, 7], ['09:44:00', 5], ['09:30:00', 2]]));
  publishElbMetric(model, 'RequestCountPerTarget', { targetGroupArn: TG }, samples([['09:43:00', 100, 150, 162]]));
  publishElbMetric(model, 'HTTPCode_ELB_5XX_Count', { loadBalancerArn: ALB }, samples([['09:43:00', 3, 1]]));
  return model;
}

describe('CloudWatch collection from the fake account', () => {
  it('collects each metric with its statistic from AWS/ApplicationELB, and the rules find the targets that left and the 5XX burst', async () => {
    // Prepare
    const model = flappingAlb();
    // Act
    const raw = await check(model);
    // Assess
    expect(metricsOf(raw).map((r) => [r.Label, r.Values, r.StatusCode])).toEqual([
      ['RequestCountPerTarget targetgroup/checkout-tg/73e2d6bc24d8a067', [412], 'Complete'],
      ['UnHealthyHostCount targetgroup/checkout-tg/73e2d6bc24d8a067', [0, 1, 2, 0], 'Complete'],
      ['HealthyHostCount targetgroup/checkout-tg/73e2d6bc24d8a067', [3, 2, 1, 3], 'Complete'],
      ['HTTPCode_Target_5XX_Count targetgroup/checkout-tg/73e2d6bc24d8a067', [5, 37, 2], 'Complete'],
      ['HTTPCode_ELB_5XX_Count app/shop-alb/50dc6c495c0c9188', [4], 'Complete'],
    ]);
    expect(metricsOf(raw)[1]!.Timestamps).toEqual(['2026-11-25T09:45:00.000Z', '2026-11-25T09:44:00.000Z', '2026-11-25T09:43:00.000Z', '2026-11-25T09:42:00.000Z']);
    expect(findings(raw)).toEqual([
      ['cloudwatch.checkout-tg.unhealthy-hosts', 'unhealthy targets in 2 period(s) between 2026-11-25T09:43:00.000Z and 2026-11-25T09:44:00.000Z (peak 2 at 2026-11-25T09:43:00.000Z); 42 target 5XX responses in 2 minute(s) while targets were unhealthy, between 2026-11-25T09:43:00.000Z and 2026-11-25T09:44:00.000Z'],
    ]);
  });

  it('asks the NLB namespace, AWS/NetworkELB, for a network load balancer\'s target group', async () => {
    // Prepare
    const model = modelFromBundle(join(FIXTURES, 'aws-nlb-source-ip-internal'));
    const tg = model.targetGroups[0]!.TargetGroupArn as string;
    publishElbMetric(model, 'UnHealthyHostCount', { targetGroupArn: tg }, samples([['09:50:00', 0, 1, 0]]));
    // Act
    const raw = await check(model, { targetGroupArns: [tg] });
    // Assess
    const queries = fake!.calls.filter((c) => c.op === 'GetMetricData').flatMap((c) => c.input.MetricDataQueries.map((q: { MetricStat: { Metric: { Namespace: string; MetricName: string } } }) => `${q.MetricStat.Metric.Namespace} ${q.MetricStat.Metric.MetricName}`));
    expect(queries).toEqual(['AWS/NetworkELB UnHealthyHostCount', 'AWS/NetworkELB HealthyHostCount']);
    expect(findings(raw).filter(([id]) => id!.startsWith('cloudwatch.'))).toEqual([['cloudwatch.checkout-tg.unhealthy-hosts', 'unhealthy targets in 1 period(s) between 2026-11-25T09:50:00.000Z and 2026-11-25T09:50:00.000Z (peak 1 at 2026-11-25T09:50:00.000Z)']]);
  });

  it('sums requests per target over the window and reports two target groups that carry uneven load', async () => {
    // Prepare
    const model = modelFromBundle(join(FIXTURES, 'aws-weighted-no-group-stickiness'));
    publishElbMetric(model, 'RequestCountPerTarget', { targetGroupArn: TG }, samples([['09:40:00', 300, 300], ['09:41:00', 250]]));
    publishElbMetric(model, 'RequestCountPerTarget', { targetGroupArn: GREEN }, samples([['09:40:00', 100, 50], ['09:41:00', 50]]));
    // Act
    const raw = await check(model, { targetGroupArns: [TG, GREEN] });
    // Assess
    expect(findings(raw).filter(([id]) => id!.startsWith('cloudwatch.'))).toEqual([
      ['cloudwatch.service.request-skew', 'targets of checkout-tg served 4.3× the requests per target of checkout-green (850 vs 200 in the window)'],
    ]);
  });

  it('follows GetMetricData\'s NextToken and keeps every point of every series, complete', async () => {
    // Prepare
    const whole = await check(flappingAlb());
    fake!.restore();
    // Act
    const paged = await check(flappingAlb(), { targetGroupArns: [TG] }, { defaultMaxDatapoints: 3 });
    // Assess
    expect(fake!.calls.filter((c) => c.op === 'GetMetricData').map((c) => Boolean(c.input.NextToken))).toEqual([false, true, true, true, true]);
    expect(metricsOf(paged)).toEqual(metricsOf(whole));
  });

  it('pages DescribeAlarms (100 a page) and keeps only the alarms on the service\'s target group or load balancer', async () => {
    // Prepare
    const model = modelFromBundle(join(FIXTURES, 'aws-healthy'));
    for (let i = 0; i < 150; i++) model.alarms.push({ AlarmName: `other-${String(i).padStart(3, '0')}`, StateValue: 'ALARM', MetricName: 'UnHealthyHostCount', Namespace: 'AWS/ApplicationELB', Dimensions: [{ Name: 'TargetGroup', Value: `targetgroup/other/${i.toString(16).padStart(16, '0')}` }] });
    const mine = (AlarmName: string, StateValue: string, Dimensions: object[]) => ({ AlarmName, StateValue, MetricName: 'UnHealthyHostCount', Namespace: 'AWS/ApplicationELB', Dimensions, StateUpdatedTimestamp: at('09:42:10') });
    model.alarms.push(mine('zz-checkout-unhealthy', 'ALARM', [{ Name: 'TargetGroup', Value: 'targetgroup/checkout-tg/73e2d6bc24d8a067' }, { Name: 'LoadBalancer', Value: 'app/shop-alb/50dc6c495c0c9188' }]));
    model.alarms.push(mine('a-shop-alb-unhealthy', 'OK', [{ Name: 'LoadBalancer', Value: 'app/shop-alb/50dc6c495c0c9188' }]));
    // Act
    const raw = await check(model);
    // Assess
    expect(fake!.calls.filter((c) => c.op === 'DescribeAlarms').map((c) => [c.input.MaxRecords, Boolean(c.input.NextToken)])).toEqual([[100, false], [100, true]]);
    expect(JSON.parse(raw.files.get('aws/describe-alarms.json')!).MetricAlarms.map((a: { AlarmName: string; StateUpdatedTimestamp?: string }) => [a.AlarmName, a.StateUpdatedTimestamp])).toEqual([
      ['a-shop-alb-unhealthy', '2026-11-25T09:42:10.000Z'], ['zz-checkout-unhealthy', '2026-11-25T09:42:10.000Z'],
    ]);
    expect(findings(raw)).toEqual([['cloudwatch.zz-checkout-unhealthy.unhealthy-alarm', 'alarm zz-checkout-unhealthy is in ALARM for checkout-tg since 2026-11-25T09:42:10.000Z: unhealthy targets lose their sticky clients']]);
  });

  it('retries a throttled GetMetricData and still collects the series', async () => {
    // Prepare
    const clock = virtualClock(NOW.getTime());
    fake = fakeAws(flappingAlb(), clock);
    fake.fault('GetMetricData', 'throttle', 2);
    // Act
    const raw = await collect(ServiceSchema.parse({ name: 'checkout', hosts: ['shop.example.com'], sessionTimeoutSeconds: 3600, aws: { region: 'eu-west-1', targetGroupArns: [TG] } }), { clock, now: () => NOW });
    // Assess
    expect(fake.calls.filter((c) => c.op === 'GetMetricData')).toHaveLength(3);
    expect(findings(raw).map(([id]) => id)).toEqual(['cloudwatch.checkout-tg.unhealthy-hosts']);
  });

  it('keeps the ELB evidence checked and says CloudWatch was not collected when GetMetricData is denied', async () => {
    // Prepare
    const clock = virtualClock(NOW.getTime());
    fake = fakeAws(flappingAlb(), clock);
    fake.fault('GetMetricData', 'denied', 'always');
    // Act
    const raw = await collect(ServiceSchema.parse({ name: 'checkout', hosts: ['shop.example.com'], sessionTimeoutSeconds: 3600, aws: { region: 'eu-west-1', targetGroupArns: [TG] } }), { clock, now: () => NOW });
    const report = analyze(parseBundle(raw));
    // Assess
    expect(report.checked).toEqual(['aws']);
    expect(JSON.parse(raw.files.get('meta.json')!).notes).toEqual(['aws: CloudWatch not collected: missing permission cloudwatch:GetMetricData']);
    expect(raw.files.has('aws/metrics.json')).toBe(false);
    expect(report.findings).toEqual([]);
  });
});

describe('ELB collection pages every Describe call', () => {
  /** The weighted-forward account with a second listener and two more rules, so lists run over several pages. */
  function busyAlb(): AwsModel {
    const model = modelFromBundle(join(FIXTURES, 'aws-weighted-no-group-stickiness'));
    const listener = model.listeners[0]!.ListenerArn as string;
    const http = listener.replace(/[0-9a-f]{16}$/, '00000000000000a1');
    model.listeners.push({ ListenerArn: http, LoadBalancerArn: ALB, Port: 80, Protocol: 'HTTP', DefaultActions: [{ Type: 'forward', TargetGroupArn: TG }] });
    model.rules.set(http, []);
    const rule = (n: number, Priority: string, Actions: object[]) => ({ RuleArn: `${listener.replace(':listener/', ':listener-rule/')}/${n.toString(16).padStart(16, '0')}`, Priority, IsDefault: false, Conditions: [{ Field: 'path-pattern', Values: [`/p${n}/*`] }], Actions });
    model.rules.get(listener)!.push(rule(1, '10', [{ Type: 'forward', TargetGroupArn: GREEN }]), rule(2, '20', [{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: TG, Weight: 50 }, { TargetGroupArn: GREEN, Weight: 50 }] } }]));
    return model;
  }

  it('collects the same evidence when ELB answers one item a page', async () => {
    // Prepare
    const whole = await check(busyAlb(), { loadBalancerArns: [ALB] });
    fake!.restore();
    // Act
    const paged = await check(busyAlb(), { loadBalancerArns: [ALB] }, { defaultPageSize: 1 });
    // Assess
    const ops = fake!.calls.filter((c) => ['DescribeListeners', 'DescribeRules'].includes(c.op)).map((c) => `${c.op} ${c.input.ListenerArn?.slice(-4) ?? ''}${c.input.Marker ? ' +marker' : ''}`.replace('  ', ' ').trim());
    expect(ops.sort()).toEqual(['DescribeListeners', 'DescribeListeners +marker', 'DescribeRules 00a1', 'DescribeRules 2ab2', 'DescribeRules 2ab2 +marker', 'DescribeRules 2ab2 +marker']);
    expect(JSON.parse(paged.files.get('aws/describe-rules/f2f7dc8efc522ab2.json')!).Rules.map((r: { Priority: string }) => r.Priority)).toEqual(['10', '20', 'default']);
    expect([...paged.files.entries()].filter(([k]) => k.startsWith('aws/'))).toEqual([...whole.files.entries()].filter(([k]) => k.startsWith('aws/')));
  });
});
