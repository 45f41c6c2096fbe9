import { mkdtempSync, rmSync, writeFileSync, mkdirSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { analyze, exitCode } from '../../lib/checks/analyze.ts';
import { renderText } from '../../lib/cli/render-text.ts';
import { parseBundle, type RawBundle } from '../../lib/evidence/bundle.ts';
import { ServiceSchema } from '../../lib/evidence/service.ts';
import { collect } from '../../lib/providers/collect.ts';
import { applyPlan } from '../../lib/remediations/apply/engine.ts';
import { fakeAws, modelFromBundle, virtualClock, type AwsModel } from '../support/aws-fake.ts';
import { FIXTURES } from '../support/bundles.ts';

const REGION = 'eu-west-1';
const ACCT = '123456789012';
const TG = `arn:aws:elasticloadbalancing:${REGION}:${ACCT}:targetgroup/checkout-tg/73e2d6bc24d8a067`;
const LISTENER = `arn:aws:elasticloadbalancing:${REGION}:${ACCT}:listener/app/shop-alb/50dc6c495c0c9188/f2f7dc8efc522ab2`;
const now = () => new Date('2026-11-25T10:00:00Z');
let fake: ReturnType<typeof fakeAws> | undefined;
afterEach(() => {
  fake?.restore();
  fake = undefined;
});

const service = (aws: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  ServiceSchema.parse({ name: 'checkout', hosts: ['shop.example.com'], sessionTimeoutSeconds: 3600, aws: { region: REGION, ...aws }, ...extra });

async function check(model: AwsModel, aws: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<{ raw: RawBundle; clock: ReturnType<typeof virtualClock> }> {
  const clock = virtualClock();
  fake = fakeAws(model, clock);
  return { raw: await collect(service(aws, extra), { clock, now }), clock };
}

describe('AWS collection', () => {
  it('collects the target groups, their load balancer, listeners and rules in the CLI shapes the analyzer reads', async () => {
    // Prepare
    const model = modelFromBundle(join(FIXTURES, 'aws-weighted-no-group-stickiness'));
    // Act
    const { raw } = await check(model, { targetGroupArns: [TG] });
    const report = analyze(parseBundle(raw));
    // Assess
    expect([...raw.files.keys()].filter((f) => f.startsWith('aws/')).sort()).toEqual([
      'aws/describe-alarms.json', 'aws/describe-listeners.json', 'aws/describe-load-balancers.json', 'aws/describe-rules/f2f7dc8efc522ab2.json',
      'aws/describe-tags.json', 'aws/describe-target-groups.json', 'aws/metrics.json', 'aws/target-group-attributes/checkout-tg.json', 'aws/target-health/checkout-tg.json',
    ]);
    expect(report.checked).toEqual(['aws']);
    expect(report.findings.map((f) => f.id)).toEqual(['elbv2.listener-f2f7dc8efc522ab2.group-stickiness']);
  });

  it('retries throttling and still returns a complete report', async () => {
    // Prepare
    const model = modelFromBundle(join(FIXTURES, 'aws-unhealthy-targets'));
    const clock = virtualClock();
    fake = fakeAws(model, clock);
    fake.fault('DescribeTargetHealth', 'throttle', 2);
    // Act
    const report = analyze(parseBundle(await collect(service({ targetGroupArns: [TG] }), { clock, now })));
    // Assess
    expect(fake.calls.filter((c) => c.op === 'DescribeTargetHealth')).toHaveLength(3);
    expect(report.notCheckedReasons.aws).toBeUndefined();
    expect(report.findings.map((f) => f.id)).toEqual(['elbv2.checkout-tg.target-health']);
  });

  it('reports a missing permission as "not checked" for AWS and still analyzes the other layers', async () => {
    // Prepare
    const model = modelFromBundle(join(FIXTURES, 'aws-healthy'));
    const dir = mkdtempSync(join(tmpdir(), 'sticky-aws-'));
    cpSync(join(FIXTURES, 'haproxy-cookie-ttl', 'haproxy', 'edge1.cfg'), join(dir, 'edge1.cfg'));
    const clock = virtualClock();
    fake = fakeAws(model, clock);
    fake.fault('DescribeTargetHealth', 'denied');
    // Act
    const report = analyze(parseBundle(await collect(service({ targetGroupArns: [TG] }, { haproxy: [{ name: 'edge1', config: join(dir, 'edge1.cfg') }] }), { clock, now })));
    rmSync(dir, { recursive: true, force: true });
    // Assess
    expect(report.notCheckedReasons.aws).toBe('missing permission elasticloadbalancing:DescribeTargetHealth');
    expect(report.checked).toEqual(['haproxy']);
    expect(report.findings.map((f) => f.id)).toEqual(['haproxy.edge1.app.cookie-ttl']);
  });

  it.each([
    ['denied', 'AccessDenied', 'missing permission elasticloadbalancing:DescribeTargetGroups'],
    ['throttled on every attempt', 'ThrottlingException', 'elasticloadbalancing:DescribeTargetGroups failed: ThrottlingException (Rate exceeded)'],
  ])('never calls a service healthy when every ELB call is %s: not checked, exit 3', async (_how, error, reason) => {
    // Prepare
    const model = modelFromBundle(join(FIXTURES, 'aws-healthy'));
    const clock = virtualClock();
    fake = fakeAws(model, clock);
    fake.failNext('DescribeTargetGroups', error, 50);
    // Act
    const report = analyze(parseBundle(await collect(service({ targetGroupArns: [TG] }), { clock, now })));
    // Assess
    expect([report.verdict, exitCode(report), report.checked, report.incomplete]).toEqual(['not-checked', 3, [], ['aws']]);
    expect(report.notCheckedReasons.aws).toBe(reason);
    expect(renderText(report)).toContain(`Nothing could be checked (aws): this is not a clean bill of health.\n\n  not checked: aws (${reason})\n`);
  });

  it('discovers 200 tagged target groups in batches of 20 and stays under 10 calls a second', async () => {
    // Prepare
    const base = modelFromBundle(join(FIXTURES, 'aws-healthy'));
    const tg0 = base.targetGroups[0]!;
    const model: AwsModel = { ...base, targetGroups: [], attributes: new Map(), health: new Map(), tags: new Map() };
    for (let i = 0; i < 250; i++) {
      const arn = `arn:aws:elasticloadbalancing:${REGION}:${ACCT}:targetgroup/tg-${i}/${i.toString(16).padStart(16, '0')}`;
      model.targetGroups.push({ ...tg0, TargetGroupArn: arn, TargetGroupName: `tg-${i}` });
      model.attributes.set(arn, structuredClone(base.attributes.get(tg0.TargetGroupArn)!));
      model.health.set(arn, base.health.get(tg0.TargetGroupArn)!);
      model.tags.set(arn, [{ Key: 'sticky:service', Value: i < 200 ? 'checkout' : 'search' }]);
    }
    // Act
    const { raw, clock } = await check(model, {});
    // Assess
    const report = analyze(parseBundle(raw));
    expect(report.notCheckedReasons.aws).toBeUndefined();
    expect([...raw.files.keys()].filter((f) => f.startsWith('aws/target-group-attributes/'))).toHaveLength(200);
    const tags = fake!.calls.filter((c) => c.op === 'DescribeTags');
    expect(tags.map((c) => c.input.ResourceArns.length)).toEqual([...Array(12).fill(20), 10, 1]);
    expect(tags.at(-1)!.input.ResourceArns).toEqual([model.loadBalancers[0]!.LoadBalancerArn]);
    expect(JSON.parse(raw.files.get('aws/describe-tags.json')!).TagDescriptions).toHaveLength(201);
    const elb = fake!.calls.filter((c) => !['GetMetricData', 'DescribeAlarms'].includes(c.op)).map((c) => c.at);
    const worstSecond = Math.max(...elb.map((t) => elb.filter((u) => u >= t && u < t + 1000).length));
    const seconds = (elb[elb.length - 1]! - elb[0]!) / 1000;
    expect(elb).toHaveLength(1 + 13 + 1 + 1 + 400 + 1);
    expect(worstSecond).toBeLessThanOrEqual(20);
    expect(elb.length / seconds).toBeLessThanOrEqual(10.5);
    expect(clock.t).toBeGreaterThan(1_000_000);
  });
});

describe('AWS collection: where the target groups come from', () => {
  it('finds the target groups from the listeners the catalog names, through their actions', async () => {
    // Prepare
    const model = modelFromBundle(join(FIXTURES, 'aws-weighted-no-group-stickiness'));
    // Act
    const { raw } = await check(model, { listenerArns: [LISTENER] });
    // Assess
    expect(JSON.parse(raw.files.get('aws/describe-target-groups.json')!).TargetGroups.map((t: { TargetGroupName: string }) => t.TargetGroupName)).toEqual(['checkout-tg', 'checkout-green']);
    expect(fake!.calls.filter((c) => c.op === 'DescribeTargetGroups').map((c) => c.input)).toEqual([{ TargetGroupArns: [TG, TG.replace('checkout-tg/73e2d6bc24d8a067', 'checkout-green/9a1b2c3d4e5f6a7b')] }]);
    expect(analyze(parseBundle(raw)).findings.map((f) => f.id)).toEqual(['elbv2.listener-f2f7dc8efc522ab2.group-stickiness']);
  });

  it('reports AWS as not checked when no target group carries the service tag', async () => {
    // Prepare
    const model = modelFromBundle(join(FIXTURES, 'aws-healthy'));
    // Act
    const { raw } = await check(model, {});
    // Assess
    expect(analyze(parseBundle(raw)).notCheckedReasons.aws).toBe('no target group is tagged sticky:service=checkout in eu-west-1, and the catalog lists no ARNs');
  });
});

describe('AWS remediations', () => {
  it('turns on group stickiness with ModifyListener, keeping every field of the actions, and verifies', async () => {
    // Prepare
    const model = modelFromBundle(join(FIXTURES, 'aws-weighted-no-group-stickiness'));
    const { raw } = await check(model, { targetGroupArns: [TG] });
    const collected = structuredClone(model.listeners[0]!.DefaultActions);
    // Act
    const result = await applyPlan({ evidence: raw, planId: 'elbv2.listener-f2f7dc8efc522ab2.enable-group-stickiness', collect: { now } });
    // Assess
    expect(result.status).toBe('verified');
    const modify = fake!.calls.filter((c) => c.op === 'ModifyListener');
    expect(modify).toHaveLength(1);
    expect(modify[0]!.input).toEqual({
      ListenerArn: LISTENER,
      DefaultActions: [{ ...collected[0], ForwardConfig: { ...collected[0].ForwardConfig, TargetGroupStickinessConfig: { Enabled: true, DurationSeconds: 7200 } } }],
    });
  });

  it('refuses when an attribute drifted since collection', async () => {
    // Prepare
    const model = modelFromBundle(join(FIXTURES, 'aws-stickiness-disabled'));
    const { raw } = await check(model, { targetGroupArns: [TG] });
    model.attributes.get(TG)!.find((a) => a.Key === 'stickiness.enabled')!.Value = 'true';
    // Act
    const result = await applyPlan({ evidence: raw, planId: 'elbv2.checkout-tg.enable-stickiness', collect: { now } });
    // Assess
    expect(result).toMatchObject({ status: 'refused', reason: 'drift: stickiness.enabled is true on checkout-tg, not false as collected; collect again before applying' });
    expect(fake!.calls.filter((c) => c.op.startsWith('Modify'))).toEqual([]);
  });

  it('refuses when the listener\'s actions changed since collection, writing nothing', async () => {
    // Prepare
    const model = modelFromBundle(join(FIXTURES, 'aws-weighted-no-group-stickiness'));
    const { raw } = await check(model, { targetGroupArns: [TG] });
    model.listeners[0]!.DefaultActions[0].ForwardConfig.TargetGroups[0].Weight = 7;
    // Act
    const result = await applyPlan({ evidence: raw, planId: 'elbv2.listener-f2f7dc8efc522ab2.enable-group-stickiness', collect: { now } });
    // Assess
    expect(result).toMatchObject({ status: 'refused', reason: `drift: the actions of ${LISTENER} changed since the evidence was collected; collect again before applying` });
    expect(fake!.calls.filter((c) => c.op.startsWith('Modify'))).toEqual([]);
  });

  it('rolls back a change whose layer could not be checked again: blind is not verified', async () => {
    // Prepare
    const model = modelFromBundle(join(FIXTURES, 'aws-stickiness-disabled'));
    const { raw } = await check(model, { targetGroupArns: [TG] });
    const blind = async () => {
      fake!.fault('DescribeTargetGroups', 'denied', 'always');
      return analyze(parseBundle(await collect(service({ targetGroupArns: [TG] }), { clock: virtualClock(), now })));
    };
    // Act
    const result = await applyPlan({ evidence: raw, planId: 'elbv2.checkout-tg.enable-stickiness', verify: blind });
    // Assess
    expect(result.status).toBe('rolled-back');
    expect(result.reason).toMatch(/^verification failed: elbv2\.checkout-tg\.stickiness-disabled could not be checked again \(aws: /);
    expect(result.remaining).toEqual(['elbv2.checkout-tg.stickiness-disabled']);
    expect(fake!.calls.filter((c) => c.op === 'ModifyTargetGroupAttributes').map((c) => c.input.Attributes[0])).toEqual([{ Key: 'stickiness.enabled', Value: 'true' }, { Key: 'stickiness.enabled', Value: 'false' }]);
  });

  it('enables stickiness, and rolls back to the collected attributes when verification fails', async () => {
    // Prepare
    const model = modelFromBundle(join(FIXTURES, 'aws-stickiness-disabled'));
    const { raw } = await check(model, { targetGroupArns: [TG] });
    const stale = analyze(parseBundle(raw));
    // Act
    const applied = await applyPlan({ evidence: raw, planId: 'elbv2.checkout-tg.enable-stickiness', collect: { now } });
    const again = await check(model, { targetGroupArns: [TG] });
    model.attributes.get(TG)!.find((a) => a.Key === 'stickiness.enabled')!.Value = 'false';
    const evidence2 = (await check(model, { targetGroupArns: [TG] })).raw;
    const rolled = await applyPlan({ evidence: evidence2, planId: 'elbv2.checkout-tg.enable-stickiness', verify: async () => stale });
    // Assess
    expect(applied.status).toBe('verified');
    expect(analyze(parseBundle(again.raw)).findings).toEqual([]);
    expect(rolled.status).toBe('rolled-back');
    expect(fake!.calls.filter((c) => c.op === 'ModifyTargetGroupAttributes').map((c) => c.input.Attributes)).toEqual([
      [{ Key: 'stickiness.enabled', Value: 'true' }, { Key: 'stickiness.type', Value: 'lb_cookie' }, { Key: 'stickiness.lb_cookie.duration_seconds', Value: '7200' }],
      [{ Key: 'stickiness.enabled', Value: 'false' }, { Key: 'stickiness.type', Value: 'lb_cookie' }, { Key: 'stickiness.lb_cookie.duration_seconds', Value: '7200' }],
    ]);
  });
});

describe('AWS remediations against what ELB accepts', () => {
  it('turns on source-IP stickiness of an internal NLB group, the only kind an NLB has, and verifies', async () => {
    // Prepare
    const model = modelFromBundle(join(FIXTURES, 'aws-nlb-source-ip-internal'));
    model.attributes.set(TG, [{ Key: 'stickiness.enabled', Value: 'false' }, { Key: 'stickiness.type', Value: 'source_ip' }]);
    const { raw } = await check(model, { targetGroupArns: [TG] }, { clients: 'internal' });
    // Act
    const result = await applyPlan({ evidence: raw, planId: 'elbv2.checkout-tg.enable-source-ip', collect: { now } });
    // Assess
    expect([result.status, result.steps]).toEqual(['verified', ['no drift; ModifyTargetGroupAttributes stickiness.enabled=true stickiness.type=source_ip', 'verified: elbv2.checkout-tg.stickiness-disabled gone']]);
    expect(fake!.calls.filter((c) => c.op === 'ModifyTargetGroupAttributes').map((c) => c.input)).toEqual([
      { TargetGroupArn: TG, Attributes: [{ Key: 'stickiness.enabled', Value: 'true' }, { Key: 'stickiness.type', Value: 'source_ip' }] },
    ]);
  });

  it.each([
    ['internal', 'rolled-back', 'ModifyTargetGroupAttributes did not answer cleanly (InternalFailure: The request processing has failed because of an unknown error, exception or failure.); the change may be live; verification failed: elbv2.checkout-tg.stickiness-disabled still present'],
    ['denied', 'failed', 'missing permission elasticloadbalancing:ModifyTargetGroupAttributes; nothing was changed'],
    ['throttle', 'failed', 'ModifyTargetGroupAttributes was throttled 5 times; nothing was changed'],
  ] as const)('reports a Modify call that fails (%s) as its outcome, the attributes unchanged (a 5xx is verified, then rolled back)', async (fault, status, reason) => {
    // Prepare
    const model = modelFromBundle(join(FIXTURES, 'aws-stickiness-disabled'));
    const { raw } = await check(model, { targetGroupArns: [TG] });
    fake!.fault('ModifyTargetGroupAttributes', fault, fault === 'throttle' ? 'always' : 1);
    // Act
    const result = await applyPlan({ evidence: raw, planId: 'elbv2.checkout-tg.enable-stickiness', collect: { now } });
    // Assess
    expect([result.status, result.reason]).toEqual([status, reason]);
    expect(model.attributes.get(TG)!.find((a) => a.Key === 'stickiness.enabled')!.Value).toBe('false');
  });

  it('sends a throttled Modify call again, with backoff, and verifies', async () => {
    // Prepare
    const model = modelFromBundle(join(FIXTURES, 'aws-stickiness-disabled'));
    const { raw } = await check(model, { targetGroupArns: [TG] });
    fake!.fault('ModifyTargetGroupAttributes', 'throttle', 2);
    // Act
    const result = await applyPlan({ evidence: raw, planId: 'elbv2.checkout-tg.enable-stickiness', collect: { now } });
    // Assess
    expect(result.status).toBe('verified');
    expect(fake!.calls.filter((c) => c.op === 'ModifyTargetGroupAttributes')).toHaveLength(3);
  });

  it('refuses as drift when the target group was deleted since collection', async () => {
    // Prepare
    const model = modelFromBundle(join(FIXTURES, 'aws-stickiness-disabled'));
    const { raw } = await check(model, { targetGroupArns: [TG] });
    model.targetGroups.splice(0, model.targetGroups.length);
    // Act
    const result = await applyPlan({ evidence: raw, planId: 'elbv2.checkout-tg.enable-stickiness', collect: { now } });
    // Assess
    expect(result).toMatchObject({ status: 'refused', reason: `drift: target group checkout-tg no longer exists (TargetGroupNotFound: Target groups '${TG}' not found); collect again before applying` });
    expect(fake!.calls.filter((c) => c.op.startsWith('Modify'))).toEqual([]);
  });

  it('refuses as drift when the listener was deleted since collection', async () => {
    // Prepare
    const model = modelFromBundle(join(FIXTURES, 'aws-weighted-no-group-stickiness'));
    const { raw } = await check(model, { targetGroupArns: [TG] });
    model.listeners.splice(0, 1);
    // Act
    const result = await applyPlan({ evidence: raw, planId: 'elbv2.listener-f2f7dc8efc522ab2.enable-group-stickiness', collect: { now } });
    // Assess
    expect(result).toMatchObject({ status: 'refused', reason: `drift: ${LISTENER} no longer exists (ListenerNotFound: One or more listeners not found); collect again before applying` });
  });

  it('reports an action ELB rejects as refused, nothing written', async () => {
    // Prepare
    const model = modelFromBundle(join(FIXTURES, 'aws-weighted-no-group-stickiness'));
    const { raw } = await check(model, { targetGroupArns: [TG] });
    model.targetGroups.find((t) => t.TargetGroupName === 'checkout-green')!.LoadBalancerArns = ['arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/other-alb/0000000000000001'];
    // Act
    const result = await applyPlan({ evidence: raw, planId: 'elbv2.listener-f2f7dc8efc522ab2.enable-group-stickiness', collect: { now } });
    // Assess
    expect(result).toMatchObject({ status: 'refused', reason: 'ELB rejected ModifyListener: TargetGroupAssociationLimit: The following target groups cannot be associated with more than one load balancer: arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/checkout-green/9a1b2c3d4e5f6a7b; nothing was written' });
    expect(model.listeners[0]!.DefaultActions[0].ForwardConfig.TargetGroupStickinessConfig).toEqual({ Enabled: false });
  });
});

describe('AWS remediations on listener rules', () => {
  it('turns on group stickiness of a rule\'s weighted forward with ModifyRule, and verifies', async () => {
    // Prepare
    const model = modelFromBundle(join(FIXTURES, 'aws-weighted-no-group-stickiness'));
    const weighted = structuredClone(model.listeners[0]!.DefaultActions);
    model.listeners[0]!.DefaultActions = [{ Type: 'forward', TargetGroupArn: TG }];
    const rule = `${LISTENER.replace(':listener/', ':listener-rule/')}/0000000000000a10`;
    model.rules.get(LISTENER)!.push({ RuleArn: rule, Priority: '10', IsDefault: false, Conditions: [{ Field: 'path-pattern', Values: ['/cart/*'] }], Actions: weighted });
    const { raw } = await check(model, { targetGroupArns: [TG] });
    // Act
    const result = await applyPlan({ evidence: raw, planId: 'elbv2.rule-0000000000000a10.enable-group-stickiness', collect: { now } });
    // Assess
    expect([result.status, result.steps[0]]).toEqual(['verified', 'no drift; ModifyRule with group stickiness on, every other field unchanged']);
    expect(fake!.calls.filter((c) => c.op.startsWith('Modify')).map((c) => [c.op, c.input.RuleArn, c.input.Actions[0].ForwardConfig.TargetGroupStickinessConfig])).toEqual([
      ['ModifyRule', rule, { Enabled: true, DurationSeconds: 7200 }],
    ]);
  });
});

describe('AWS permissions', () => {
  it('the collector calls only the read operations its IAM policy grants', async () => {
    // Prepare
    const { ELBV2_READ, CLOUDWATCH_READ } = await import('../../lib/providers/aws/permissions.ts');
    const model = modelFromBundle(join(FIXTURES, 'aws-weighted-no-group-stickiness'));
    // Act
    await check(model, { targetGroupArns: [TG] });
    // Assess
    expect(new Set(fake!.calls.map((c) => c.op)).size).toBe(9);
    expect([...new Set(fake!.calls.map((c) => c.op))].filter((op) => !(ELBV2_READ as readonly string[]).includes(op) && !(CLOUDWATCH_READ as readonly string[]).includes(op))).toEqual([]);
  });
});
