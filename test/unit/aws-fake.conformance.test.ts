/**
 * What the AWS fake (test/support/aws-fake.ts) promises, each case from the ELBv2 or CloudWatch
 * API reference, run through the real SDK clients. A test that passes against the fake should
 * pass against the service; where the fake does not know, it refuses.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { CloudWatchClient, DescribeAlarmsCommand, GetMetricDataCommand, InvalidNextToken, InvalidParameterCombinationException, InvalidParameterValueException, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import {
  DescribeListenersCommand, DescribeLoadBalancersCommand, DescribeRulesCommand, DescribeSSLPoliciesCommand, DescribeTagsCommand, DescribeTargetGroupAttributesCommand,
  DescribeTargetGroupsCommand, DescribeTargetHealthCommand, ElasticLoadBalancingV2Client, ElasticLoadBalancingV2ServiceException, IncompatibleProtocolsException,
  InvalidConfigurationRequestException, ListenerNotFoundException, LoadBalancerNotFoundException, ModifyListenerCommand, ModifyRuleCommand,
  ModifyTargetGroupAttributesCommand, RuleNotFoundException, TargetGroupAssociationLimitException, TargetGroupNotFoundException,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { fakeAws, NotModelledError, publishElbMetric, virtualClock, type AwsModel, type FakeAws } from '../support/aws-fake.ts';

const P = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012';
const ALB = `${P}:loadbalancer/app/shop-alb/50dc6c495c0c9188`;
const NLB = `${P}:loadbalancer/net/shop-nlb/6d0ecf831eec9f09`;
const TG = `${P}:targetgroup/checkout-tg/73e2d6bc24d8a067`;
const GREEN = `${P}:targetgroup/checkout-green/9a1b2c3d4e5f6a7b`;
const TCP = `${P}:targetgroup/checkout-tcp/2453ed029918f21f`;
const SPARE = `${P}:targetgroup/spare-tg/0a1b2c3d4e5f6a70`;
const LISTENER = `${P}:listener/app/shop-alb/50dc6c495c0c9188/f2f7dc8efc522ab2`;
const NLB_LISTENER = `${P}:listener/net/shop-nlb/6d0ecf831eec9f09/0ccf1e9b2b4b1f55`;
const RULE = (n: number) => `${P}:listener-rule/app/shop-alb/50dc6c495c0c9188/f2f7dc8efc522ab2/${n.toString(16).padStart(16, '0')}`;
const NOW = new Date('2026-11-25T10:00:00Z');

/** A small account: an ALB with two HTTP groups and three rules, an NLB with a TCP group, and a spare group. */
function account(): AwsModel {
  const tg = (TargetGroupArn: string, Protocol: string, lbs: string[], TargetType = 'instance') => ({ TargetGroupArn, TargetGroupName: TargetGroupArn.split('/')[1], Protocol, Port: 8080, TargetType, LoadBalancerArns: lbs });
  return {
    loadBalancers: [
      { LoadBalancerArn: ALB, LoadBalancerName: 'shop-alb', Type: 'application', Scheme: 'internet-facing', CreatedTime: new Date('2025-03-01T09:12:44Z') },
      { LoadBalancerArn: NLB, LoadBalancerName: 'shop-nlb', Type: 'network', Scheme: 'internal', CreatedTime: new Date('2025-03-02T09:12:44Z') },
    ],
    targetGroups: [tg(TG, 'HTTP', [ALB]), tg(GREEN, 'HTTP', [ALB]), tg(TCP, 'TCP', [NLB], 'ip'), tg(SPARE, 'HTTP', [])],
    attributes: new Map([[TG, [{ Key: 'stickiness.enabled', Value: 'true' }]]]),
    health: new Map([[TG, [{ Target: { Id: 'i-0a1', Port: 8080 }, TargetHealth: { State: 'healthy' } }, { Target: { Id: 'i-0b2', Port: 8080 }, TargetHealth: { State: 'unhealthy', Reason: 'Target.FailedHealthChecks' } }]]]),
    listeners: [
      { ListenerArn: LISTENER, LoadBalancerArn: ALB, Port: 443, Protocol: 'HTTPS', DefaultActions: [{ Type: 'forward', TargetGroupArn: TG }] },
      { ListenerArn: NLB_LISTENER, LoadBalancerArn: NLB, Port: 443, Protocol: 'TCP', DefaultActions: [{ Type: 'forward', TargetGroupArn: TCP }] },
    ],
    rules: new Map([[LISTENER, [
      { RuleArn: RULE(3), Priority: 'default', IsDefault: true, Conditions: [], Actions: [{ Type: 'forward', TargetGroupArn: TG }] },
      { RuleArn: RULE(2), Priority: '20', IsDefault: false, Conditions: [{ Field: 'path-pattern', Values: ['/api/*'] }], Actions: [{ Type: 'forward', TargetGroupArn: GREEN }] },
      { RuleArn: RULE(1), Priority: '10', IsDefault: false, Conditions: [{ Field: 'path-pattern', Values: ['/cart/*'] }], Actions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '503' } }] },
    ]]]),
    tags: new Map([[TG, [{ Key: 'sticky:service', Value: 'checkout' }]]]),
    metrics: [],
    alarms: [],
  };
}

let fake: FakeAws;
let model: AwsModel;
const elb = new ElasticLoadBalancingV2Client({ region: 'eu-west-1' });
const cw = new CloudWatchClient({ region: 'eu-west-1' });
beforeEach(() => {
  model = account();
  fake = fakeAws(model, virtualClock(NOW.getTime()));
});
afterEach(() => fake.restore());

/** The error a call throws, for assertions on its class and fields. */
async function failure(p: Promise<unknown>): Promise<Error & { $fault?: string; $metadata?: { httpStatusCode?: number }; $retryable?: unknown }> {
  try {
    await p;
  } catch (e) {
    return e as Error & { $fault?: string; $metadata?: { httpStatusCode?: number } };
  }
  throw new Error('expected the call to fail');
}

describe('ELB errors are the SDK\'s', () => {
  it('an unknown target group is a TargetGroupNotFoundException, HTTP 400, client fault', async () => {
    // Act
    const e = await failure(elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: `${P}:targetgroup/gone/0000000000000001` })));
    // Assess
    expect(e).toBeInstanceOf(TargetGroupNotFoundException);
    expect(e).toBeInstanceOf(ElasticLoadBalancingV2ServiceException);
    expect([e.name, e.message, e.$fault, e.$metadata?.httpStatusCode]).toEqual(['TargetGroupNotFoundException', `Target groups '${P}:targetgroup/gone/0000000000000001' not found`, 'client', 400]);
  });

  it('a validation failure is the service exception named ValidationError', async () => {
    // Act
    const e = await failure(elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: 'checkout-tg' })));
    // Assess
    expect(e).toBeInstanceOf(ElasticLoadBalancingV2ServiceException);
    expect([e.name, e.message, e.$fault, e.$metadata?.httpStatusCode]).toEqual(['ValidationError', "'checkout-tg' is not a valid targetgroup ARN", 'client', 400]);
  });

  it('refuses an operation it does not model, and a parameter it does not model', async () => {
    // Act
    const op = await failure(elb.send(new DescribeSSLPoliciesCommand({})));
    const param = await failure(elb.send(new ModifyListenerCommand({ ListenerArn: LISTENER, Port: 8443 })));
    // Assess
    expect(op).toBeInstanceOf(NotModelledError);
    expect(op.message).toBe('aws-fake: ELB DescribeSSLPoliciesCommand is not modelled');
    expect(param.message).toBe('aws-fake: ModifyListener parameter Port is not modelled');
  });

  it('a client in another region sees an empty account', async () => {
    // Prepare
    const other = new ElasticLoadBalancingV2Client({ region: 'us-east-1' });
    // Act
    const listed = await other.send(new DescribeTargetGroupsCommand({}));
    const byArn = await failure(other.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [TG] })));
    // Assess
    expect(listed.TargetGroups).toEqual([]);
    expect(byArn).toBeInstanceOf(TargetGroupNotFoundException);
  });
});

describe('ELB Describe calls filter and paginate', () => {
  it('pages target groups with PageSize and Marker, the last page without NextMarker', async () => {
    // Act
    const first = await elb.send(new DescribeTargetGroupsCommand({ PageSize: 3 }));
    const second = await elb.send(new DescribeTargetGroupsCommand({ PageSize: 3, Marker: first.NextMarker }));
    // Assess
    expect(first.TargetGroups!.map((t) => t.TargetGroupName)).toEqual(['checkout-tg', 'checkout-green', 'checkout-tcp']);
    expect(typeof first.NextMarker).toBe('string');
    expect(second.TargetGroups!.map((t) => t.TargetGroupName)).toEqual(['spare-tg']);
    expect(second.NextMarker).toBeUndefined();
  });

  it('uses its default page size when none is given, and rejects a marker of another request or a page size outside 1–400', async () => {
    // Prepare
    fake.restore();
    fake = fakeAws(model, virtualClock(), { defaultPageSize: 2 });
    // Act
    const first = await elb.send(new DescribeTargetGroupsCommand({}));
    const foreign = await failure(elb.send(new DescribeTargetGroupsCommand({ LoadBalancerArn: ALB, Marker: first.NextMarker })));
    const zero = await failure(elb.send(new DescribeTargetGroupsCommand({ PageSize: 0 })));
    const big = await failure(elb.send(new DescribeLoadBalancersCommand({ PageSize: 401 })));
    // Assess
    expect(first.TargetGroups).toHaveLength(2);
    expect([foreign.name, foreign.message]).toEqual(['ValidationError', 'The marker is not valid for this request']);
    expect(zero.name).toBe('ValidationError');
    expect(big.message).toBe("1 validation error detected: Value '401' at 'pageSize' failed to satisfy constraint: Member must have value between 1 and 400");
  });

  it('filters target groups by load balancer and by ARN, at most 20 ARNs, never both filters', async () => {
    // Act
    const byLb = await elb.send(new DescribeTargetGroupsCommand({ LoadBalancerArn: NLB }));
    const byArn = await elb.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [GREEN] }));
    const many = await failure(elb.send(new DescribeTargetGroupsCommand({ TargetGroupArns: Array(21).fill(TG) })));
    const both = await failure(elb.send(new DescribeTargetGroupsCommand({ LoadBalancerArn: ALB, TargetGroupArns: [TG] })));
    const missing = await failure(elb.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [TG, `${P}:targetgroup/gone/0000000000000001`] })));
    const noLb = await failure(elb.send(new DescribeTargetGroupsCommand({ LoadBalancerArn: `${P}:loadbalancer/app/gone/0000000000000001` })));
    // Assess
    expect(byLb.TargetGroups!.map((t) => t.TargetGroupName)).toEqual(['checkout-tcp']);
    expect(byArn.TargetGroups!.map((t) => t.TargetGroupName)).toEqual(['checkout-green']);
    expect([many.name, many.message]).toEqual(['ValidationError', "You cannot describe more than '20' target groups at a time"]);
    expect([both.name, both.message]).toEqual(['ValidationError', 'LoadBalancerArn and TargetGroupArns cannot be specified together']);
    expect(missing).toBeInstanceOf(TargetGroupNotFoundException);
    expect(noLb).toBeInstanceOf(LoadBalancerNotFoundException);
  });

  it('returns load balancers with CreatedTime as a Date, and fails on one that does not exist', async () => {
    // Act
    const got = await elb.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [ALB] }));
    const paged = await elb.send(new DescribeLoadBalancersCommand({ PageSize: 1 }));
    const missing = await failure(elb.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [`${P}:loadbalancer/app/gone/0000000000000001`] })));
    // Assess
    expect(got.LoadBalancers![0]!.CreatedTime).toEqual(new Date('2025-03-01T09:12:44Z'));
    expect(paged.LoadBalancers!.map((l) => l.LoadBalancerName)).toEqual(['shop-alb']);
    expect(paged.NextMarker).toBeDefined();
    expect(missing).toBeInstanceOf(LoadBalancerNotFoundException);
  });

  it('needs a load balancer or listener ARNs to describe listeners, and fails on unknown ones', async () => {
    // Act
    const byLb = await elb.send(new DescribeListenersCommand({ LoadBalancerArn: ALB }));
    const neither = await failure(elb.send(new DescribeListenersCommand({})));
    const unknown = await failure(elb.send(new DescribeListenersCommand({ ListenerArns: [`${P}:listener/app/shop-alb/50dc6c495c0c9188/0000000000000001`] })));
    // Assess
    expect(byLb.Listeners!.map((l) => l.ListenerArn)).toEqual([LISTENER]);
    expect([neither.name, neither.message]).toEqual(['ValidationError', 'You must specify either listener ARNs or a load balancer ARN']);
    expect(unknown).toBeInstanceOf(ListenerNotFoundException);
  });

  it('returns a listener\'s rules by priority with the default rule last, paged, and fails on unknown listeners and rules', async () => {
    // Act
    const first = await elb.send(new DescribeRulesCommand({ ListenerArn: LISTENER, PageSize: 2 }));
    const rest = await elb.send(new DescribeRulesCommand({ ListenerArn: LISTENER, PageSize: 2, Marker: first.NextMarker }));
    const noListener = await failure(elb.send(new DescribeRulesCommand({ ListenerArn: `${P}:listener/app/shop-alb/50dc6c495c0c9188/0000000000000001` })));
    const noRule = await failure(elb.send(new DescribeRulesCommand({ RuleArns: [RULE(9)] })));
    // Assess
    expect([...first.Rules!, ...rest.Rules!].map((r) => r.Priority)).toEqual(['10', '20', 'default']);
    expect(rest.NextMarker).toBeUndefined();
    expect(noListener).toBeInstanceOf(ListenerNotFoundException);
    expect(noRule).toBeInstanceOf(RuleNotFoundException);
  });

  it('returns a simple forward with its one-group ForwardConfig, as ELB describes it', async () => {
    // Act
    const r = await elb.send(new DescribeListenersCommand({ ListenerArns: [LISTENER] }));
    // Assess
    expect(r.Listeners![0]!.DefaultActions).toEqual([{ Type: 'forward', TargetGroupArn: TG, ForwardConfig: { TargetGroups: [{ TargetGroupArn: TG, Weight: 1 }], TargetGroupStickinessConfig: { Enabled: false } } }]);
  });

  it('describes tags of at most 20 resources that exist', async () => {
    // Act
    const got = await elb.send(new DescribeTagsCommand({ ResourceArns: [TG, GREEN] }));
    const many = await failure(elb.send(new DescribeTagsCommand({ ResourceArns: Array(21).fill(TG) })));
    const gone = await failure(elb.send(new DescribeTagsCommand({ ResourceArns: [`${P}:targetgroup/gone/0000000000000001`] })));
    // Assess
    expect(got.TagDescriptions).toEqual([{ ResourceArn: TG, Tags: [{ Key: 'sticky:service', Value: 'checkout' }] }, { ResourceArn: GREEN, Tags: [] }]);
    expect(many.name).toBe('ValidationError');
    expect(gone).toBeInstanceOf(TargetGroupNotFoundException);
  });

  it('describes the health of the targets asked for, an unregistered one as unused', async () => {
    // Act
    const r = await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: TG, Targets: [{ Id: 'i-0b2', Port: 8080 }, { Id: 'i-0zz' }] }));
    // Assess
    expect(r.TargetHealthDescriptions).toEqual([
      { Target: { Id: 'i-0b2', Port: 8080 }, TargetHealth: { State: 'unhealthy', Reason: 'Target.FailedHealthChecks' } },
      { Target: { Id: 'i-0zz' }, TargetHealth: { State: 'unused', Reason: 'Target.NotRegistered', Description: 'Target is not registered to the target group' } },
    ]);
  });
});

describe('ELB target group attributes', () => {
  it('describes every attribute of an ALB group with the defaults of those not set', async () => {
    // Act
    const r = await elb.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: TG }));
    // Assess
    expect(Object.fromEntries(r.Attributes!.map((a) => [a.Key, a.Value]))).toEqual({
      'deregistration_delay.timeout_seconds': '300', 'stickiness.enabled': 'true', 'stickiness.type': 'lb_cookie', 'stickiness.lb_cookie.duration_seconds': '86400',
      'stickiness.app_cookie.cookie_name': '', 'stickiness.app_cookie.duration_seconds': '86400', 'slow_start.duration_seconds': '0',
      'load_balancing.algorithm.type': 'round_robin', 'load_balancing.cross_zone.enabled': 'use_load_balancer_configuration',
    });
  });

  it('describes an NLB group with its own attributes and source_ip stickiness', async () => {
    // Act
    const r = await elb.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: TCP }));
    // Assess
    expect(Object.fromEntries(r.Attributes!.map((a) => [a.Key, a.Value]))).toEqual({
      'deregistration_delay.timeout_seconds': '300', 'stickiness.enabled': 'false', 'stickiness.type': 'source_ip', 'load_balancing.cross_zone.enabled': 'use_load_balancer_configuration',
      'deregistration_delay.connection_termination.enabled': 'false', 'preserve_client_ip.enabled': 'false', 'proxy_protocol_v2.enabled': 'false',
    });
  });

  it.each([
    [[{ Key: 'stickiness.type', Value: 'banana' }], "The value of 'stickiness.type' must be one of: lb_cookie, app_cookie, source_ip, source_ip_dest_ip, source_ip_dest_ip_proto"],
    [[{ Key: 'stickiness.lb_cookie.duration_seconds', Value: '0' }], "The value of 'stickiness.lb_cookie.duration_seconds' must be an integer between 1 and 604800"],
    [[{ Key: 'stickiness.lb_cookie.duration_seconds', Value: '99999999' }], "The value of 'stickiness.lb_cookie.duration_seconds' must be an integer between 1 and 604800"],
    [[{ Key: 'deregistration_delay.timeout_seconds', Value: '3601' }], "The value of 'deregistration_delay.timeout_seconds' must be an integer between 0 and 3600"],
    [[{ Key: 'stickiness.enabled', Value: 'yes' }], "The value of 'stickiness.enabled' must be true or false"],
    [[{ Key: 'stickiness.cookie_duration', Value: '60' }], "Target group attribute key 'stickiness.cookie_duration' is not recognized"],
    [[{ Key: 'stickiness.app_cookie.cookie_name', Value: 'AWSALBAPP-1' }], "The app cookie name 'AWSALBAPP-1' is reserved by the load balancer (AWSALB, AWSALBAPP, AWSALBTG)"],
    [[{ Key: 'stickiness.type', Value: 'app_cookie' }], 'An app cookie name must be specified for app_cookie stickiness'],
    [[{ Key: 'stickiness.enabled', Value: 'false' }, { Key: 'slow_start.duration_seconds', Value: '10' }], "The value of 'slow_start.duration_seconds' must be an integer between 30 and 900"],
  ])('rejects %j with ValidationError and changes nothing', async (attributes, message) => {
    // Act
    const e = await failure(elb.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: TG, Attributes: attributes })));
    // Assess
    expect([e.name, e.message, e.$metadata?.httpStatusCode]).toEqual(['ValidationError', message, 400]);
    expect(model.attributes.get(TG)).toEqual([{ Key: 'stickiness.enabled', Value: 'true' }]);
  });

  it.each([
    ['a TCP group', TCP, { Key: 'stickiness.type', Value: 'lb_cookie' }, "Stickiness type 'lb_cookie' is not supported for target groups with the TCP protocol"],
    ['a TCP group', TCP, { Key: 'stickiness.lb_cookie.duration_seconds', Value: '3600' }, 'The provided target group attribute is not supported: stickiness.lb_cookie.duration_seconds does not apply to TCP target groups'],
    ['an HTTP group', TG, { Key: 'stickiness.type', Value: 'source_ip' }, "Stickiness type 'source_ip' is not supported for target groups with the HTTP protocol"],
    ['an HTTP group', TG, { Key: 'proxy_protocol_v2.enabled', Value: 'true' }, 'The provided target group attribute is not supported: proxy_protocol_v2.enabled does not apply to HTTP target groups'],
  ])('rejects an attribute that does not apply to %s with InvalidConfigurationRequest', async (_group, arn, attribute, message) => {
    // Act
    const e = await failure(elb.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: arn, Attributes: [attribute] })));
    // Assess
    expect(e).toBeInstanceOf(InvalidConfigurationRequestException);
    expect(e.message).toBe(message);
  });

  it('fails on an unknown target group, and refuses documented attributes it does not model', async () => {
    // Act
    const gone = await failure(elb.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: `${P}:targetgroup/gone/0000000000000001`, Attributes: [{ Key: 'stickiness.enabled', Value: 'true' }] })));
    const unmodelled = await failure(elb.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: TG, Attributes: [{ Key: 'target_group_health.dns_failover.minimum_healthy_targets.count', Value: '1' }] })));
    // Assess
    expect(gone).toBeInstanceOf(TargetGroupNotFoundException);
    expect(unmodelled).toBeInstanceOf(NotModelledError);
  });

  it('applies a valid change whole and answers with every attribute', async () => {
    // Act
    const r = await elb.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: TCP, Attributes: [{ Key: 'stickiness.enabled', Value: 'true' }, { Key: 'stickiness.type', Value: 'source_ip' }] }));
    const again = await elb.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: TCP }));
    // Assess
    expect(r.Attributes).toEqual(again.Attributes);
    expect(again.Attributes!.filter((a) => a.Key!.startsWith('stickiness.'))).toEqual([{ Key: 'stickiness.enabled', Value: 'true' }, { Key: 'stickiness.type', Value: 'source_ip' }]);
  });
});

describe('ELB listener and rule actions', () => {
  const weighted = (stickiness: object) => [{ Type: 'forward' as const, ForwardConfig: { TargetGroups: [{ TargetGroupArn: TG, Weight: 90 }, { TargetGroupArn: GREEN, Weight: 10 }], TargetGroupStickinessConfig: stickiness } }];

  it('stores a weighted forward with group stickiness, and the default rule follows the listener', async () => {
    // Act
    const r = await elb.send(new ModifyListenerCommand({ ListenerArn: LISTENER, DefaultActions: weighted({ Enabled: true, DurationSeconds: 7200 }) }));
    const rules = await elb.send(new DescribeRulesCommand({ ListenerArn: LISTENER }));
    // Assess
    expect(r.Listeners![0]!.DefaultActions).toEqual(weighted({ Enabled: true, DurationSeconds: 7200 }));
    expect(rules.Rules!.find((x) => x.IsDefault)!.Actions).toEqual(weighted({ Enabled: true, DurationSeconds: 7200 }));
  });

  it.each([
    ['group stickiness of 0 s', weighted({ Enabled: true, DurationSeconds: 0 }), 'Target group stickiness duration must be between 1 and 604800 seconds'],
    ['group stickiness without a duration', weighted({ Enabled: true }), 'Target group stickiness duration must be between 1 and 604800 seconds'],
    ['a weight of 1000', [{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: TG, Weight: 1000 }] } }], 'Target group weight must be between 0 and 999'],
    ['two terminating actions', [{ Type: 'forward', TargetGroupArn: TG, Order: 1 }, { Type: 'fixed-response', Order: 2, FixedResponseConfig: { StatusCode: '503' } }], 'An action list must have exactly one terminating action (forward, redirect or fixed-response)'],
    ['an unknown action type', [{ Type: 'teleport' }], "1 validation error detected: Value 'teleport' at 'defaultActions.1.member.type' failed to satisfy constraint: Member must satisfy enum value set: [forward, authenticate-oidc, authenticate-cognito, redirect, fixed-response, jwt-validation]"],
    ['a forward to a group and a different ForwardConfig', [{ Type: 'forward', TargetGroupArn: TG, ForwardConfig: { TargetGroups: [{ TargetGroupArn: GREEN }] } }], 'You cannot specify both a target group ARN and a forward config with other target groups'],
    ['no actions', [], "1 validation error detected: Value at 'defaultActions' failed to satisfy constraint: Member must not be null or empty"],
  ])('rejects %s with ValidationError and keeps the listener', async (_what, actions, message) => {
    // Act
    const e = await failure(elb.send(new ModifyListenerCommand({ ListenerArn: LISTENER, DefaultActions: actions as never })));
    // Assess
    expect([e.name, e.message]).toEqual(['ValidationError', message]);
    expect(model.listeners[0]!.DefaultActions[0].TargetGroupArn).toBe(TG);
  });

  it('fails on a listener or rule that does not exist instead of crashing', async () => {
    // Act
    const listener = await failure(elb.send(new ModifyListenerCommand({ ListenerArn: `${P}:listener/app/shop-alb/50dc6c495c0c9188/0000000000000001`, DefaultActions: weighted({ Enabled: false }) })));
    const rule = await failure(elb.send(new ModifyRuleCommand({ RuleArn: RULE(9), Actions: weighted({ Enabled: false }) })));
    // Assess
    expect(listener).toBeInstanceOf(ListenerNotFoundException);
    expect(rule).toBeInstanceOf(RuleNotFoundException);
  });

  it('fails on a forward to a group that does not exist, does not suit the load balancer, or belongs to another', async () => {
    // Prepare
    model.targetGroups.push({ TargetGroupArn: `${P}:targetgroup/other-tg/1111111111111111`, TargetGroupName: 'other-tg', Protocol: 'HTTP', LoadBalancerArns: [`${P}:loadbalancer/app/other/2222222222222222`] });
    const to = (arn: string) => [{ Type: 'forward' as const, TargetGroupArn: arn }];
    // Act
    const gone = await failure(elb.send(new ModifyRuleCommand({ RuleArn: RULE(2), Actions: to(`${P}:targetgroup/gone/0000000000000001`) })));
    const tcp = await failure(elb.send(new ModifyRuleCommand({ RuleArn: RULE(2), Actions: to(TCP) })));
    const other = await failure(elb.send(new ModifyRuleCommand({ RuleArn: RULE(2), Actions: to(`${P}:targetgroup/other-tg/1111111111111111`) })));
    // Assess
    expect(gone).toBeInstanceOf(TargetGroupNotFoundException);
    expect(tcp).toBeInstanceOf(IncompatibleProtocolsException);
    expect(other).toBeInstanceOf(TargetGroupAssociationLimitException);
  });

  it('associates a spare group with the load balancer it is forwarded to from', async () => {
    // Act
    await elb.send(new ModifyRuleCommand({ RuleArn: RULE(2), Actions: [{ Type: 'forward', TargetGroupArn: SPARE }] }));
    const r = await elb.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [SPARE] }));
    // Assess
    expect(r.TargetGroups![0]!.LoadBalancerArns).toEqual([ALB]);
  });

  it('accepts only forwards on an NLB listener', async () => {
    // Act
    const e = await failure(elb.send(new ModifyListenerCommand({ ListenerArn: NLB_LISTENER, DefaultActions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '503' } }] })));
    // Assess
    expect([e.name, e.message]).toEqual(['ValidationError', "Action type 'fixed-response' is not supported by network load balancers; only 'forward' is"]);
  });
});

describe('CloudWatch GetMetricData', () => {
  const dims = [{ Name: 'TargetGroup', Value: 'targetgroup/checkout-tg/73e2d6bc24d8a067' }, { Name: 'LoadBalancer', Value: 'app/shop-alb/50dc6c495c0c9188' }];
  const query = (over: Partial<{ ns: string; name: string; dims: typeof dims; stat: string; period: number; id: string }> = {}): MetricDataQuery => ({
    Id: over.id ?? 'q1',
    MetricStat: { Metric: { Namespace: over.ns ?? 'AWS/ApplicationELB', MetricName: over.name ?? 'UnHealthyHostCount', Dimensions: over.dims ?? dims }, Period: over.period ?? 60, Stat: over.stat ?? 'Maximum' },
  });
  const at = (hhmmss: string) => new Date(`2026-11-25T${hhmmss}Z`);
  const window = { StartTime: at('09:40:30'), EndTime: at('09:45:00') };
  beforeEach(() => {
    publishElbMetric(model, 'UnHealthyHostCount', { targetGroupArn: TG }, [
      { Timestamp: at('09:39:59'), Value: 9 }, { Timestamp: at('09:40:00'), Value: 5 }, { Timestamp: at('09:41:00'), Value: 1 }, { Timestamp: at('09:41:30'), Value: 3 },
      { Timestamp: at('09:42:10'), Value: 2 }, { Timestamp: at('09:44:59'), Value: 4 }, { Timestamp: at('09:45:00'), Value: 7 },
    ]);
  });

  it('aggregates raw samples by the query\'s statistic and period from the start rounded to the minute to the (exclusive) end, newest first, as Dates', async () => {
    // Act
    const get = async (stat: string, period = 60) => (await cw.send(new GetMetricDataCommand({ ...window, MetricDataQueries: [query({ stat, period })] }))).MetricDataResults![0]!;
    const max = await get('Maximum');
    const sum = await get('Sum');
    const count = await get('SampleCount');
    const avg5 = await get('Average', 300);
    // Assess
    expect(max.Timestamps).toEqual([at('09:44:00'), at('09:42:00'), at('09:41:00'), at('09:40:00')]);
    expect(max.Timestamps![0]).toBeInstanceOf(Date);
    expect([max.Values, sum.Values, count.Values, avg5.Values, avg5.Timestamps]).toEqual([[4, 2, 3, 5], [4, 2, 4, 5], [1, 1, 2, 1], [3], [at('09:40:00')]]);
    expect([max.Id, max.Label, max.StatusCode]).toEqual(['q1', 'UnHealthyHostCount', 'Complete']);
  });

  it('matches only the same namespace, metric name and exact dimension set', async () => {
    // Act
    const results = (await cw.send(new GetMetricDataCommand({
      ...window,
      MetricDataQueries: [query({ id: 'right' }), query({ id: 'nlb', ns: 'AWS/NetworkELB' }), query({ id: 'name', name: 'HealthyHostCount' }), query({ id: 'subset', dims: dims.slice(0, 1) }), query({ id: 'other', dims: [dims[0]!, { Name: 'LoadBalancer', Value: 'app/other/0000000000000001' }] })],
    }))).MetricDataResults!;
    // Assess
    expect(results.map((r) => [r.Id, r.Values!.length])).toEqual([['right', 4], ['nlb', 0], ['name', 0], ['subset', 0], ['other', 0]]);
  });

  it('returns oldest first with ScanBy TimestampAscending, and only the queries that return data', async () => {
    // Act
    const r = await cw.send(new GetMetricDataCommand({ ...window, ScanBy: 'TimestampAscending', MetricDataQueries: [query(), { ...query({ id: 'hidden' }), ReturnData: false }] }));
    // Assess
    expect(r.MetricDataResults!.map((x) => [x.Id, x.Values])).toEqual([['q1', [5, 3, 2, 4]]]);
  });

  it('pages with MaxDatapoints and NextToken: PartialData until a series is complete', async () => {
    // Prepare
    const input = { ...window, MaxDatapoints: 2, MetricDataQueries: [query({ id: 'a' }), query({ id: 'b', stat: 'Sum' })] };
    // Act
    const pages = [];
    let token: string | undefined;
    do {
      const r = await cw.send(new GetMetricDataCommand({ ...input, ...(token ? { NextToken: token } : {}) }));
      pages.push(r.MetricDataResults!.map((x) => [x.Id, x.Values, x.StatusCode]));
      token = r.NextToken;
    } while (token);
    // Assess
    expect(pages).toEqual([
      [['a', [4, 2], 'PartialData'], ['b', [], 'PartialData']],
      [['a', [3, 5], 'Complete'], ['b', [], 'PartialData']],
      [['a', [], 'Complete'], ['b', [4, 2], 'PartialData']],
      [['a', [], 'Complete'], ['b', [4, 5], 'Complete']],
    ]);
  });

  it('rejects a NextToken of another request with InvalidNextToken', async () => {
    // Prepare
    const first = await cw.send(new GetMetricDataCommand({ ...window, MaxDatapoints: 1, MetricDataQueries: [query()] }));
    // Act
    const e = await failure(cw.send(new GetMetricDataCommand({ ...window, MaxDatapoints: 1, MetricDataQueries: [query({ stat: 'Sum' })], NextToken: first.NextToken })));
    // Assess
    expect(e).toBeInstanceOf(InvalidNextToken);
    expect([e.name, e.$metadata?.httpStatusCode]).toEqual(['InvalidNextToken', 400]);
  });

  it.each([
    ['an Id that does not start with a lowercase letter', { MetricDataQueries: [query({ id: 'Q1' })] }, 'The value Q1 for parameter MetricDataQueries.member.1.Id is not valid: it must start with a lowercase letter and hold only letters, digits and underscores.'],
    ['a period that is not a multiple of 60', { MetricDataQueries: [query({ period: 90 })] }, 'The parameter MetricDataQueries.member.1.MetricStat.Period must be a multiple of 60 for periods of a minute or more.'],
    ['an unknown statistic', { MetricDataQueries: [query({ stat: 'Mean' })] }, 'The value Mean for parameter MetricDataQueries.member.1.MetricStat.Stat is not a valid statistic.'],
    ['a start after the end', { MetricDataQueries: [query()], StartTime: at('09:50:00') }, 'The parameter StartTime must be less than the parameter EndTime.'],
  ])('rejects %s with InvalidParameterValue', async (_what, over, message) => {
    // Act
    const e = await failure(cw.send(new GetMetricDataCommand({ ...window, ...over })));
    // Assess
    expect(e).toBeInstanceOf(InvalidParameterValueException);
    expect(e.message).toBe(message);
  });

  it('refuses what it does not model: math expressions and extended statistics', async () => {
    // Act
    const expr = await failure(cw.send(new GetMetricDataCommand({ ...window, MetricDataQueries: [{ Id: 'e1', Expression: 'SUM(METRICS())' }] })));
    const p99 = await failure(cw.send(new GetMetricDataCommand({ ...window, MetricDataQueries: [query({ stat: 'p99' })] })));
    // Assess
    expect(expr).toBeInstanceOf(NotModelledError);
    expect(p99).toBeInstanceOf(NotModelledError);
  });
});

describe('CloudWatch DescribeAlarms', () => {
  beforeEach(() => {
    const alarm = (AlarmName: string, StateValue: string, actions: string[] = []) => ({ AlarmName, StateValue, MetricName: 'UnHealthyHostCount', Namespace: 'AWS/ApplicationELB', Dimensions: [], AlarmActions: actions, StateUpdatedTimestamp: new Date('2026-11-25T09:42:10Z') });
    model.alarms.push(alarm('search-5xx', 'OK'), alarm('checkout-unhealthy', 'ALARM', ['arn:aws:sns:eu-west-1:123456789012:sticky']), alarm('checkout-5xx', 'OK'), alarm('checkout-latency', 'INSUFFICIENT_DATA'));
  });
  const names = (r: { MetricAlarms?: { AlarmName?: string }[] }) => r.MetricAlarms!.map((a) => a.AlarmName);

  it('honours its filters and lists alarms by name', async () => {
    // Act
    const all = await cw.send(new DescribeAlarmsCommand({}));
    const prefix = await cw.send(new DescribeAlarmsCommand({ AlarmNamePrefix: 'checkout-' }));
    const byName = await cw.send(new DescribeAlarmsCommand({ AlarmNames: ['search-5xx', 'nope'] }));
    const firing = await cw.send(new DescribeAlarmsCommand({ StateValue: 'ALARM' }));
    const sns = await cw.send(new DescribeAlarmsCommand({ ActionPrefix: 'arn:aws:sns:' }));
    const composite = await cw.send(new DescribeAlarmsCommand({ AlarmTypes: ['CompositeAlarm'] }));
    // Assess
    expect(names(all)).toEqual(['checkout-5xx', 'checkout-latency', 'checkout-unhealthy', 'search-5xx']);
    expect(names(prefix)).toEqual(['checkout-5xx', 'checkout-latency', 'checkout-unhealthy']);
    expect(names(byName)).toEqual(['search-5xx']);
    expect(names(firing)).toEqual(['checkout-unhealthy']);
    expect(names(sns)).toEqual(['checkout-unhealthy']);
    expect(names(composite)).toEqual([]);
    expect(all.MetricAlarms![0]!.StateUpdatedTimestamp).toEqual(new Date('2026-11-25T09:42:10Z'));
  });

  it('pages with MaxRecords and NextToken, and rejects names with a prefix or a bad state', async () => {
    // Act
    const first = await cw.send(new DescribeAlarmsCommand({ MaxRecords: 3 }));
    const second = await cw.send(new DescribeAlarmsCommand({ MaxRecords: 3, NextToken: first.NextToken }));
    const both = await failure(cw.send(new DescribeAlarmsCommand({ AlarmNames: ['a'], AlarmNamePrefix: 'a' })));
    const state = await failure(cw.send(new DescribeAlarmsCommand({ StateValue: 'FIRING' as never })));
    const records = await failure(cw.send(new DescribeAlarmsCommand({ MaxRecords: 101 })));
    // Assess
    expect([names(first), names(second), second.NextToken]).toEqual([['checkout-5xx', 'checkout-latency', 'checkout-unhealthy'], ['search-5xx'], undefined]);
    expect(both).toBeInstanceOf(InvalidParameterCombinationException);
    expect(state).toBeInstanceOf(InvalidParameterValueException);
    expect(records).toBeInstanceOf(InvalidParameterValueException);
  });
});

describe('fault injection', () => {
  it('throttles the next N calls with a retryable Throttling error, then answers', async () => {
    // Prepare
    fake.fault('DescribeTargetHealth', 'throttle', 2);
    // Act
    const errors = [await failure(elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: TG }))), await failure(elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: TG })))];
    const ok = await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: TG }));
    // Assess
    expect(errors.map((e) => [e.name, e.message, e.$metadata?.httpStatusCode, e.$retryable])).toEqual(Array(2).fill(['Throttling', 'Rate exceeded', 400, { throttling: true }]));
    expect(ok.TargetHealthDescriptions).toHaveLength(2);
    expect(fake.calls.map((c) => c.op)).toEqual(Array(3).fill('DescribeTargetHealth'));
  });

  it('denies with AccessDenied (403) naming the IAM action, on every call when asked', async () => {
    // Prepare
    fake.fault('GetMetricData', 'denied', 'always');
    const input = { StartTime: new Date('2026-11-25T09:00:00Z'), EndTime: NOW, MetricDataQueries: [{ Id: 'q', MetricStat: { Metric: { Namespace: 'AWS/ApplicationELB', MetricName: 'UnHealthyHostCount' }, Period: 60, Stat: 'Maximum' } }] };
    // Act
    const errors = [await failure(cw.send(new GetMetricDataCommand(input))), await failure(cw.send(new GetMetricDataCommand(input)))];
    // Assess
    expect(errors.map((e) => [e.name, e.$metadata?.httpStatusCode, e.$fault])).toEqual(Array(2).fill(['AccessDenied', 403, 'client']));
    expect(errors[0]!.message).toBe('User: arn:aws:sts::123456789012:assumed-role/sticky/fake is not authorized to perform: cloudwatch:GetMetricData because no identity-based policy allows the cloudwatch:GetMetricData action');
  });

  it('fails with a 500 InternalFailure, a server fault', async () => {
    // Prepare
    fake.fault('ModifyTargetGroupAttributes', 'internal');
    // Act
    const e = await failure(elb.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: TG, Attributes: [{ Key: 'stickiness.enabled', Value: 'false' }] })));
    // Assess
    expect([e.name, e.$metadata?.httpStatusCode, e.$fault]).toEqual(['InternalFailure', 500, 'server']);
    expect(model.attributes.get(TG)).toEqual([{ Key: 'stickiness.enabled', Value: 'true' }]);
  });

  it('keeps failNext for existing callers, and refuses an error name it does not know', async () => {
    // Prepare
    fake.failNext('DescribeTargetHealth', 'AccessDeniedException');
    // Act
    const e = await failure(elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: TG })));
    // Assess
    expect([e.name, e.$metadata?.httpStatusCode]).toEqual(['AccessDeniedException', 403]);
    expect(() => fake.failNext('DescribeTargetHealth', 'Banana')).toThrow(NotModelledError);
  });

  it('hangs a call that never answers, and the throttling code can be spelled ThrottlingException', async () => {
    // Prepare
    fake.fault('DescribeListeners', 'hang');
    fake.fault('DescribeRules', 'throttle', 1, { code: 'ThrottlingException' });
    // Act
    const raced = await Promise.race([elb.send(new DescribeListenersCommand({ LoadBalancerArn: ALB })).then(() => 'answered'), new Promise((r) => setTimeout(() => r('still waiting'), 50))]);
    const e = await failure(elb.send(new DescribeRulesCommand({ ListenerArn: LISTENER })));
    fake.clearFaults();
    const after = await elb.send(new DescribeListenersCommand({ LoadBalancerArn: ALB }));
    // Assess
    expect(raced).toBe('still waiting');
    expect(e.name).toBe('ThrottlingException');
    expect(after.Listeners).toHaveLength(1);
  });
});
