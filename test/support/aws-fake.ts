/**
 * A fake AWS account for tests: Elastic Load Balancing v2 and CloudWatch, answered at the SDK
 * client (aws-sdk-client-mock) from an {@link AwsModel}, so the code under test runs its real
 * `client.send(...)` calls and gets the SDK's types back (`Date` timestamps, `$metadata`).
 *
 * What it promises, from the ELBv2 and CloudWatch API references (each point has a conformance
 * test in test/unit/aws-fake.conformance.test.ts):
 *
 * - **Describe calls** filter as the API does (ARNs, names, load balancer) and paginate with
 *   `Marker`/`NextMarker` and `PageSize` (1–400); ARNs that do not exist fail with
 *   `LoadBalancerNotFound`, `TargetGroupNotFound`, `ListenerNotFound` or `RuleNotFound`, as the
 *   SDK's exception classes; more than 20 ARNs, conflicting filters, a bad marker or a malformed
 *   ARN fail with `ValidationError`. `DescribeTargetGroupAttributes` returns every modelled
 *   attribute with its default for the target group's kind (ALB or NLB), as ELB does.
 * - **ModifyTargetGroupAttributes** validates every key and value before changing anything:
 *   unknown keys and bad values (`stickiness.type=banana`, durations outside 1–604800, a
 *   deregistration delay outside 0–3600, reserved app-cookie names) are `ValidationError`;
 *   attributes that do not apply to the group's protocol (`lb_cookie` on a TCP group,
 *   `proxy_protocol_v2` on an HTTP group) are `InvalidConfigurationRequest`.
 * - **ModifyListener / ModifyRule** validate the actions (one terminating action, forward
 *   targets that exist and suit the load balancer, weights 0–999, group stickiness 1–604800 s
 *   when enabled) and store them in the shape Describe returns (a simple forward also gets its
 *   one-group `ForwardConfig`); the listener's default rule mirrors its default actions.
 * - **GetMetricData** answers from raw samples ({@link MetricSeries}): a query matches a series
 *   only on namespace, metric name and the exact dimension set; values are aggregated with the
 *   query's statistic (SampleCount, Sum, Average, Minimum, Maximum) into buckets of its period
 *   from the rounded start (inclusive) to the end (exclusive), newest first unless `ScanBy`
 *   says otherwise; at most `MaxDatapoints` (default 100,800) values a page, `NextToken` for the
 *   rest (`StatusCode: PartialData` on series that continue).
 * - **DescribeAlarms** honours `AlarmNames`, `AlarmNamePrefix`, `StateValue`, `ActionPrefix`,
 *   `AlarmTypes`, `MaxRecords` (1–100, default 50) and `NextToken`, alarms in name order.
 * - **Errors** are thrown as the SDK throws them: the modelled exception classes
 *   (`TargetGroupNotFoundException`, `InvalidNextToken`, ...) or the service's base
 *   `ServiceException` named by the error code (`ValidationError`, `Throttling`,
 *   `AccessDenied`, `InternalFailure`), each with `$fault` and `$metadata.httpStatusCode`.
 * - **A client in another region** sees an empty account.
 * - **Anything else is refused**: an operation, parameter or value the fake does not model
 *   throws {@link NotModelledError} rather than answering plausibly.
 *
 * **Fault injection** ({@link FakeAws.fault}): make an operation fail its next N calls, or
 * every call, with
 * - `throttle`: `Throttling` ("Rate exceeded"), HTTP 400, `$retryable.throttling` (pass
 *   `code: 'ThrottlingException'` for the JSON-protocol spelling);
 * - `denied`: `AccessDenied`, HTTP 403, naming the IAM action;
 * - `internal`: `InternalFailure`, HTTP 500 (`$fault: 'server'`);
 * - `hang`: a call that never answers (pair it with the caller's deadline).
 * Faulted calls are still recorded in {@link FakeAws.calls}.
 *
 * ```ts
 * const fake = fakeAws(modelFromBundle(dir), virtualClock());
 * fake.fault('DescribeTargetHealth', 'throttle', 2);     // the next two calls
 * fake.fault('GetMetricData', 'denied', 'always');       // every call
 * ```
 */
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import {
  CloudWatchClient, CloudWatchServiceException, DescribeAlarmsCommand, GetMetricDataCommand, InvalidNextToken,
  InvalidParameterCombinationException, InvalidParameterValueException, MissingRequiredParameterException,
} from '@aws-sdk/client-cloudwatch';
import {
  DescribeListenersCommand, DescribeLoadBalancersCommand, DescribeRulesCommand, DescribeTagsCommand, DescribeTargetGroupAttributesCommand,
  DescribeTargetGroupsCommand, DescribeTargetHealthCommand, ElasticLoadBalancingV2Client, ElasticLoadBalancingV2ServiceException,
  IncompatibleProtocolsException, InvalidConfigurationRequestException, ListenerNotFoundException, LoadBalancerNotFoundException,
  ModifyListenerCommand, ModifyRuleCommand, ModifyTargetGroupAttributesCommand, RuleNotFoundException, TargetGroupAssociationLimitException,
  TargetGroupNotFoundException, TooManyActionsException,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { mockClient } from 'aws-sdk-client-mock';
import type { Clock } from '../../lib/providers/aws/calls.ts';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Attr = { Key: string; Value: string };
type Dimension = { Name: string; Value: string };

/** A virtual clock: sleeping advances time at once, so rate limits and back-offs cost nothing in tests. */
export function virtualClock(start = 1_000_000): Clock & { t: number } {
  const c = { t: start, now: () => c.t, sleep: async (ms: number) => { c.t += ms; await Promise.resolve(); } };
  return c;
}

/** One CloudWatch metric (namespace, name, exact dimension set) and the raw values published to it. */
export interface MetricSeries {
  Namespace: string;
  MetricName: string;
  Dimensions: Dimension[];
  Samples: { Timestamp: Date; Value: number }[];
}

/** The account an AWS fake serves: load balancers, target groups and their state, as the API returns them. */
export interface AwsModel {
  loadBalancers: Obj[];
  targetGroups: Obj[];
  /** Attributes set on each target group (by ARN); unset ones read as ELB's defaults. */
  attributes: Map<string, Attr[]>;
  health: Map<string, Obj[]>;
  listeners: Obj[];
  /** Rules by listener ARN. */
  rules: Map<string, Obj[]>;
  tags: Map<string, { Key: string; Value: string }[]>;
  metrics: MetricSeries[];
  alarms: Obj[];
}

/** Thrown for an operation, parameter or value the fake does not model: extend the fake rather than trust an answer. */
export class NotModelledError extends Error {
  override name = 'NotModelledError';
}

// ---------------------------------------------------------------- errors, as the SDK throws them

type Service = 'elasticloadbalancing' | 'cloudwatch';
type ErrorCtor = new (opts: { message: string; $metadata: Obj; Message?: string }) => Error;
const MODELLED: Record<Service, Record<string, ErrorCtor>> = {
  elasticloadbalancing: {
    TargetGroupNotFound: TargetGroupNotFoundException, ListenerNotFound: ListenerNotFoundException, RuleNotFound: RuleNotFoundException,
    LoadBalancerNotFound: LoadBalancerNotFoundException, InvalidConfigurationRequest: InvalidConfigurationRequestException,
    IncompatibleProtocols: IncompatibleProtocolsException, TargetGroupAssociationLimit: TargetGroupAssociationLimitException, TooManyActions: TooManyActionsException,
  } as unknown as Record<string, ErrorCtor>,
  cloudwatch: {
    InvalidNextToken, InvalidParameterValue: InvalidParameterValueException, InvalidParameterCombination: InvalidParameterCombinationException,
    MissingParameter: MissingRequiredParameterException,
  } as unknown as Record<string, ErrorCtor>,
};
let requests = 0;
const metadata = (httpStatusCode: number) => ({ httpStatusCode, requestId: `fake-${(++requests).toString(16).padStart(8, '0')}`, attempts: 1, totalRetryDelay: 0 });

/**
 * An error as the SDK throws it for a service error `code`: the client's exception class when
 * the service models it, else the service's base exception named by the code.
 */
export function serviceError(service: Service, code: string, message: string, httpStatusCode = 400): Error {
  const $metadata = metadata(httpStatusCode);
  const $fault = httpStatusCode >= 500 ? 'server' : 'client';
  const Modelled = MODELLED[service][code];
  const Base = (service === 'elasticloadbalancing' ? ElasticLoadBalancingV2ServiceException : CloudWatchServiceException) as unknown as new (o: Obj) => Error;
  const e = Modelled ? new Modelled({ message, $metadata, Message: message }) : new Base({ name: code, $fault, $metadata, message });
  const type = $fault === 'client' ? 'Sender' : 'Receiver';
  Object.assign(e, { $fault, Code: code, Type: type, Error: { Code: code, Type: type, Message: message } });
  if (/^Throttling/.test(code)) Object.assign(e, { $retryable: { throttling: true } });
  return e;
}

const elbError = (code: string, message: string) => serviceError('elasticloadbalancing', code, message);
const cwError = (code: string, message: string) => serviceError('cloudwatch', code, message);
const invalid = (message: string) => elbError('ValidationError', message);

// ---------------------------------------------------------------- ELB model helpers

const ARN = {
  loadbalancer: /^arn:aws[a-z-]*:elasticloadbalancing:([a-z0-9-]+):\d{12}:loadbalancer\/(app|net|gwy)\/[A-Za-z0-9-]{1,32}\/[0-9a-f]{16}$/,
  targetgroup: /^arn:aws[a-z-]*:elasticloadbalancing:([a-z0-9-]+):\d{12}:targetgroup\/[A-Za-z0-9-]{1,32}\/[0-9a-f]{16}$/,
  listener: /^arn:aws[a-z-]*:elasticloadbalancing:([a-z0-9-]+):\d{12}:listener\/(app|net|gwy)\/[A-Za-z0-9-]{1,32}\/[0-9a-f]{16}\/[0-9a-f]{16}$/,
  'listener-rule': /^arn:aws[a-z-]*:elasticloadbalancing:([a-z0-9-]+):\d{12}:listener-rule\/(app|net|gwy)\/[A-Za-z0-9-]{1,32}\/[0-9a-f]{16}\/[0-9a-f]{16}\/[0-9a-f]{16}$/,
} as const;

function checkArn(kind: keyof typeof ARN, arn: unknown): string {
  if (typeof arn !== 'string' || !ARN[kind].test(arn)) throw invalid(`'${String(arn)}' is not a valid ${kind.replace('-', ' ')} ARN`);
  return arn;
}

const NETWORK_PROTOCOLS = new Set(['TCP', 'UDP', 'TLS', 'TCP_UDP', 'QUIC', 'TCP_QUIC']);
const isNetwork = (tg: Obj) => NETWORK_PROTOCOLS.has(tg.Protocol);

/** A target group attribute ELB knows: where it applies, its default, and what values it takes. */
interface AttributeSpec {
  applies: 'alb' | 'nlb' | 'both';
  default: (tg: Obj) => string;
  check: (v: string, key: string) => string | undefined;
}
const bool = (v: string, k: string) => (v === 'true' || v === 'false' ? undefined : `The value of '${k}' must be true or false`);
const range = (lo: number, hi: number) => (v: string, k: string) => (/^\d+$/.test(v) && +v >= lo && +v <= hi ? undefined : `The value of '${k}' must be an integer between ${lo} and ${hi}`);
const oneOf = (...vals: string[]) => (v: string, k: string) => (vals.includes(v) ? undefined : `The value of '${k}' must be one of: ${vals.join(', ')}`);

/** The modelled target group attributes (ELB API reference, TargetGroupAttribute). */
const ATTRIBUTES: Record<string, AttributeSpec> = {
  'deregistration_delay.timeout_seconds': { applies: 'both', default: () => '300', check: range(0, 3600) },
  'stickiness.enabled': { applies: 'both', default: () => 'false', check: bool },
  'stickiness.type': { applies: 'both', default: (tg) => (isNetwork(tg) ? 'source_ip' : 'lb_cookie'), check: oneOf('lb_cookie', 'app_cookie', 'source_ip', 'source_ip_dest_ip', 'source_ip_dest_ip_proto') },
  'stickiness.lb_cookie.duration_seconds': { applies: 'alb', default: () => '86400', check: range(1, 604800) },
  'stickiness.app_cookie.cookie_name': { applies: 'alb', default: () => '', check: (v) => (/^(AWSALB|AWSALBAPP|AWSALBTG)/.test(v) ? `The app cookie name '${v}' is reserved by the load balancer (AWSALB, AWSALBAPP, AWSALBTG)` : undefined) },
  'stickiness.app_cookie.duration_seconds': { applies: 'alb', default: () => '86400', check: range(1, 604800) },
  'slow_start.duration_seconds': { applies: 'alb', default: () => '0', check: (v, k) => (v === '0' ? undefined : range(30, 900)(v, k)) },
  'load_balancing.algorithm.type': { applies: 'alb', default: () => 'round_robin', check: oneOf('round_robin', 'least_outstanding_requests', 'weighted_random') },
  'load_balancing.cross_zone.enabled': { applies: 'both', default: () => 'use_load_balancer_configuration', check: oneOf('true', 'false', 'use_load_balancer_configuration') },
  'deregistration_delay.connection_termination.enabled': { applies: 'nlb', default: () => 'false', check: bool },
  'preserve_client_ip.enabled': { applies: 'nlb', default: (tg) => (tg.TargetType === 'ip' && ['TCP', 'TLS'].includes(tg.Protocol) ? 'false' : 'true'), check: bool },
  'proxy_protocol_v2.enabled': { applies: 'nlb', default: () => 'false', check: bool },
};
/** Documented keys the fake does not model: using one throws {@link NotModelledError}. */
const DOCUMENTED_NOT_MODELLED = /^(lambda\.multi_value_headers\.enabled|load_balancing\.algorithm\.anomaly_mitigation|target_group_health\.|target_health_state\.|target_failover\.|stickiness\.source_ip)/;
const STICKINESS_TYPES: Record<'alb' | 'nlb', string[]> = { alb: ['lb_cookie', 'app_cookie'], nlb: ['source_ip'] };

/** Every modelled attribute of a target group: ELB's defaults for its kind, overlaid with what was set. */
function allAttributes(tg: Obj, set: Attr[]): Attr[] {
  const kind = isNetwork(tg) ? 'nlb' : 'alb';
  const out: Attr[] = Object.entries(ATTRIBUTES).filter(([, s]) => s.applies === 'both' || s.applies === kind).map(([Key, s]) => ({ Key, Value: s.default(tg) }));
  for (const a of set) {
    const hit = out.find((x) => x.Key === a.Key);
    if (hit) hit.Value = a.Value;
    else out.push({ Key: a.Key, Value: a.Value });
  }
  return out;
}

const TERMINATING = new Set(['forward', 'redirect', 'fixed-response']);
const ACTION_TYPES = ['forward', 'authenticate-oidc', 'authenticate-cognito', 'redirect', 'fixed-response', 'jwt-validation'];

/** Validates actions as ModifyListener/ModifyRule do, and returns them as Describe will ({@link describedAction}). */
function checkActions(m: AwsModel, actions: unknown, lb: Obj, field: string): Obj[] {
  if (!Array.isArray(actions) || actions.length === 0) throw invalid(`1 validation error detected: Value at '${field}' failed to satisfy constraint: Member must not be null or empty`);
  if (actions.length > 5) throw elbError('TooManyActions', 'You have reached the limit on the number of actions per rule');
  const orders = actions.map((a: Obj) => a?.Order).filter((o) => o !== undefined);
  if (orders.some((o) => !Number.isInteger(o) || o < 1 || o > 50000)) throw invalid(`Action order must be between 1 and 50000`);
  if (new Set(orders).size !== orders.length) throw invalid('Action orders must be unique');
  const out = actions.map((a: Obj, i: number) => {
    const where = `${field}.${i + 1}.member`;
    if (!ACTION_TYPES.includes(a?.Type)) throw invalid(`1 validation error detected: Value '${a?.Type}' at '${where}.type' failed to satisfy constraint: Member must satisfy enum value set: [${ACTION_TYPES.join(', ')}]`);
    if (!TERMINATING.has(a.Type)) throw new NotModelledError(`aws-fake: ${a.Type} actions are not modelled`);
    if (lb.Type !== 'application' && a.Type !== 'forward') throw invalid(`Action type '${a.Type}' is not supported by ${lb.Type} load balancers; only 'forward' is`);
    if (a.Type === 'redirect') {
      if (!['HTTP_301', 'HTTP_302'].includes(a.RedirectConfig?.StatusCode)) throw invalid(`1 validation error detected: Value at '${where}.redirectConfig.statusCode' failed to satisfy constraint: Member must satisfy enum value set: [HTTP_301, HTTP_302]`);
      return structuredClone(a);
    }
    if (a.Type === 'fixed-response') {
      if (!/^(2|4|5)\d\d$/.test(String(a.FixedResponseConfig?.StatusCode ?? ''))) throw invalid(`1 validation error detected: Value at '${where}.fixedResponseConfig.statusCode' failed to satisfy constraint: Member must satisfy regular expression pattern: ^(2|4|5)\\d\\d$`);
      return structuredClone(a);
    }
    const fc = a.ForwardConfig as Obj | undefined;
    const groups: Obj[] = fc?.TargetGroups ?? (a.TargetGroupArn ? [{ TargetGroupArn: a.TargetGroupArn }] : []);
    if (groups.length === 0) throw invalid('A target group ARN must be specified for a forward action');
    if (groups.length > 5) throw invalid('A forward action can forward to at most 5 target groups');
    if (a.TargetGroupArn && fc?.TargetGroups && (fc.TargetGroups.length !== 1 || fc.TargetGroups[0].TargetGroupArn !== a.TargetGroupArn)) {
      throw invalid('You cannot specify both a target group ARN and a forward config with other target groups');
    }
    const seen = new Set<string>();
    for (const g of groups) {
      checkArn('targetgroup', g.TargetGroupArn);
      if (seen.has(g.TargetGroupArn)) throw invalid(`Target group '${g.TargetGroupArn}' is specified more than once`);
      seen.add(g.TargetGroupArn);
      const tg = m.targetGroups.find((t) => t.TargetGroupArn === g.TargetGroupArn);
      if (!tg) throw elbError('TargetGroupNotFound', `Target group '${g.TargetGroupArn}' not found`);
      if (isNetwork(tg) !== (lb.Type === 'network')) throw elbError('IncompatibleProtocols', `The target group '${g.TargetGroupArn}' uses the ${tg.Protocol} protocol, which a ${lb.Type} load balancer cannot forward to`);
      const owners: string[] = tg.LoadBalancerArns ?? [];
      if (owners.length > 0 && !owners.includes(lb.LoadBalancerArn)) throw elbError('TargetGroupAssociationLimit', `The following target groups cannot be associated with more than one load balancer: ${g.TargetGroupArn}`);
      if (g.Weight !== undefined && (!Number.isInteger(g.Weight) || g.Weight < 0 || g.Weight > 999)) throw invalid('Target group weight must be between 0 and 999');
    }
    const st = fc?.TargetGroupStickinessConfig as Obj | undefined;
    if (st?.Enabled) {
      if (lb.Type !== 'application') throw new NotModelledError('aws-fake: target group stickiness on a non-ALB listener is not modelled');
      if (!Number.isInteger(st.DurationSeconds) || st.DurationSeconds < 1 || st.DurationSeconds > 604800) throw invalid('Target group stickiness duration must be between 1 and 604800 seconds');
    }
    return describedAction(a);
  });
  if (out.filter((a) => TERMINATING.has(a.Type)).length !== 1) throw invalid('An action list must have exactly one terminating action (forward, redirect or fixed-response)');
  return out;
}

/**
 * An action in the shape Describe returns it: a forward always carries its `ForwardConfig`
 * (weight 1 and group stickiness off unless given), and `TargetGroupArn` when it forwards to
 * one group.
 */
function describedAction(a: Obj): Obj {
  if (a.Type !== 'forward') return structuredClone(a);
  const groups: Obj[] = a.ForwardConfig?.TargetGroups ?? (a.TargetGroupArn ? [{ TargetGroupArn: a.TargetGroupArn }] : []);
  const st = a.ForwardConfig?.TargetGroupStickinessConfig as Obj | undefined;
  return {
    Type: 'forward',
    ...(a.Order !== undefined ? { Order: a.Order } : {}),
    ...(groups.length === 1 ? { TargetGroupArn: groups[0]!.TargetGroupArn } : {}),
    ForwardConfig: {
      TargetGroups: groups.map((g) => ({ TargetGroupArn: g.TargetGroupArn, Weight: g.Weight ?? 1 })),
      TargetGroupStickinessConfig: st ? structuredClone(st) : { Enabled: false },
    },
  };
}

/** Associates the forwarded-to target groups with the listener's load balancer, as ELB does. */
function associate(m: AwsModel, actions: Obj[], lbArn: string): void {
  for (const a of actions) {
    for (const g of a.ForwardConfig?.TargetGroups ?? []) {
      const tg = m.targetGroups.find((t) => t.TargetGroupArn === g.TargetGroupArn)!;
      tg.LoadBalancerArns = [...new Set([...(tg.LoadBalancerArns ?? []), lbArn])];
    }
  }
}

const hash = (o: unknown) => createHash('sha256').update(JSON.stringify(o)).digest('base64url').slice(0, 16);

/**
 * An opaque pagination token (ELB's Marker, CloudWatch's NextToken): an offset bound to the
 * request it continues, so a token of another request, or a forged one, is refused.
 */
const pageToken = {
  make: (request: Obj, offset: number) => Buffer.from(JSON.stringify({ b: hash(request), o: offset })).toString('base64url'),
  read(token: unknown, request: Obj, max: number, refuse: () => Error): number {
    if (token === undefined) return 0;
    try {
      const t = JSON.parse(Buffer.from(String(token), 'base64url').toString('utf8')) as { b: string; o: number };
      if (t.b === hash(request) && Number.isInteger(t.o) && t.o >= 0 && t.o <= max) return t.o;
    } catch {
      // not a token of ours
    }
    throw refuse();
  },
};

/** ELB's Marker pagination, `PageSize` 1–400. */
function paginate<T>(items: T[], input: Obj, defaultSize: number): { items: T[]; NextMarker?: string } {
  const size = input.PageSize ?? defaultSize;
  if (!Number.isInteger(size) || size < 1 || size > 400) throw invalid(`1 validation error detected: Value '${input.PageSize}' at 'pageSize' failed to satisfy constraint: Member must have value between 1 and 400`);
  const { Marker, PageSize: _p, ...filters } = input;
  const start = pageToken.read(Marker, filters, items.length, () => invalid('The marker is not valid for this request'));
  const end = start + size;
  return { items: items.slice(start, end), ...(end < items.length ? { NextMarker: pageToken.make(filters, end) } : {}) };
}

function exclusive(input: Obj, names: string[]): void {
  const given = names.filter((n) => input[n] !== undefined);
  if (given.length > 1) throw invalid(`${given.join(' and ')} cannot be specified together`);
}

function refuseUnknownParams(op: string, input: Obj, known: string[]): void {
  for (const k of Object.keys(input)) if (input[k] !== undefined && !known.includes(k)) throw new NotModelledError(`aws-fake: ${op} parameter ${k} is not modelled`);
}

// ---------------------------------------------------------------- CloudWatch model helpers

const STATS: Record<string, (vs: number[]) => number> = {
  SampleCount: (vs) => vs.length,
  Sum: (vs) => vs.reduce((a, b) => a + b, 0),
  Average: (vs) => vs.reduce((a, b) => a + b, 0) / vs.length,
  Minimum: (vs) => Math.min(...vs),
  Maximum: (vs) => Math.max(...vs),
};
const DAY = 86_400_000;

/** GetMetricData rounds StartTime down by its age: to the minute (< 15 days), 5 minutes (< 63 days), else the hour. */
function roundStart(start: Date, now: number): number {
  const age = now - start.getTime();
  const unit = age < 15 * DAY ? 60_000 : age < 63 * DAY ? 300_000 : 3_600_000;
  return Math.floor(start.getTime() / unit) * unit;
}

const sameDimensions = (a: Dimension[], b: Dimension[]) => a.length === b.length && a.every((d) => b.some((e) => e.Name === d.Name && e.Value === d.Value));

/**
 * The dimension sets ELB publishes each metric under (ELB user guides, "CloudWatch metrics"),
 * without the Availability Zone ones.
 */
export const ELB_DIMENSION_SETS: Record<string, ('TargetGroup' | 'LoadBalancer')[][]> = {
  RequestCountPerTarget: [['TargetGroup'], ['TargetGroup', 'LoadBalancer']],
  UnHealthyHostCount: [['TargetGroup', 'LoadBalancer']],
  HealthyHostCount: [['TargetGroup', 'LoadBalancer']],
  HTTPCode_Target_5XX_Count: [['TargetGroup', 'LoadBalancer']],
  HTTPCode_ELB_5XX_Count: [['LoadBalancer']],
};

/** The CloudWatch dimension value of an ELB ARN, as ELB publishes it (`targetgroup/name/id`, `app/name/id`). */
const dimensionValue = (arn: string) => arn.split(':').slice(5).join(':').replace(/^loadbalancer\//, '');

/**
 * Publishes an ELB metric into the model as ELB would: in the namespace of the load balancer's
 * type, under each dimension set the metric has at that level (target group, or load balancer
 * alone). `samples` are raw values; GetMetricData aggregates them.
 */
export function publishElbMetric(m: AwsModel, metric: string, on: { targetGroupArn?: string; loadBalancerArn?: string }, samples: { Timestamp: Date | string; Value: number }[]): void {
  const sets = ELB_DIMENSION_SETS[metric];
  if (!sets) throw new NotModelledError(`aws-fake: the dimension sets of ${metric} are not modelled`);
  const tg = on.targetGroupArn ? m.targetGroups.find((t) => t.TargetGroupArn === on.targetGroupArn) : undefined;
  if (on.targetGroupArn && !tg) throw new NotModelledError(`aws-fake: no target group ${on.targetGroupArn} in the model to publish ${metric} for`);
  const lbArn = on.loadBalancerArn ?? tg?.LoadBalancerArns?.[0];
  const lb = m.loadBalancers.find((l) => l.LoadBalancerArn === lbArn);
  if (!lb) throw new NotModelledError(`aws-fake: ${metric} needs the load balancer of ${on.targetGroupArn ?? on.loadBalancerArn} in the model`);
  const value = { TargetGroup: tg ? dimensionValue(tg.TargetGroupArn) : undefined, LoadBalancer: dimensionValue(lb.LoadBalancerArn) };
  const points = samples.map((s) => ({ Timestamp: new Date(s.Timestamp), Value: s.Value }));
  for (const set of sets.filter((s) => s.includes('TargetGroup') === Boolean(tg))) {
    m.metrics.push({
      Namespace: lb.Type === 'network' ? 'AWS/NetworkELB' : 'AWS/ApplicationELB',
      MetricName: metric,
      Dimensions: set.map((Name) => ({ Name, Value: value[Name]! })),
      Samples: points,
    });
  }
}

// ---------------------------------------------------------------- fixtures

const toDate = (v: unknown) => (typeof v === 'string' ? new Date(v) : v);

/**
 * Builds a model from a fixture bundle's aws/ folder (AWS CLI output shapes): timestamps become
 * `Date`s; each series of aws/metrics.json (labelled `<Metric> <dimension>`) is published as raw
 * samples under the metric's documented dimension sets, which needs its target group or load
 * balancer in the bundle.
 */
export function modelFromBundle(dir: string): AwsModel {
  const read = (f: string) => (existsSync(join(dir, f)) ? JSON.parse(readFileSync(join(dir, f), 'utf8')) : undefined);
  const tgs: Obj[] = read('aws/describe-target-groups.json')?.TargetGroups ?? [];
  const byName = (folder: string, key: string) => {
    const m = new Map<string, any>(); // eslint-disable-line @typescript-eslint/no-explicit-any
    if (!existsSync(join(dir, folder))) return m;
    for (const f of readdirSync(join(dir, folder))) {
      const tg = tgs.find((t) => `${t.TargetGroupName}.json` === f);
      if (tg) m.set(tg.TargetGroupArn, read(`${folder}/${f}`)[key]);
    }
    return m;
  };
  const listeners: Obj[] = read('aws/describe-listeners.json')?.Listeners ?? [];
  const rules = new Map<string, Obj[]>();
  for (const l of listeners) rules.set(l.ListenerArn, read(`aws/describe-rules/${String(l.ListenerArn).split('/').pop()}.json`)?.Rules ?? []);
  const model: AwsModel = {
    loadBalancers: (read('aws/describe-load-balancers.json')?.LoadBalancers ?? []).map((l: Obj) => ({ ...l, ...(l.CreatedTime ? { CreatedTime: toDate(l.CreatedTime) } : {}) })),
    targetGroups: tgs,
    attributes: byName('aws/target-group-attributes', 'Attributes'),
    health: byName('aws/target-health', 'TargetHealthDescriptions'),
    listeners,
    rules,
    tags: new Map((read('aws/describe-tags.json')?.TagDescriptions ?? []).map((d: Obj) => [d.ResourceArn, d.Tags ?? []])),
    metrics: [],
    alarms: (read('aws/describe-alarms.json')?.MetricAlarms ?? []).map((a: Obj) => {
      const out = { ...a };
      for (const k of ['StateUpdatedTimestamp', 'AlarmConfigurationUpdatedTimestamp', 'StateTransitionedTimestamp']) if (out[k]) out[k] = toDate(out[k]);
      return out;
    }),
  };
  for (const r of read('aws/metrics.json')?.MetricDataResults ?? []) {
    const [metric = '', dim = ''] = String(r.Label ?? '').split(/\s+/, 2);
    const samples = (r.Timestamps as string[]).map((t, i) => ({ Timestamp: t, Value: r.Values[i] as number }));
    const tg = tgs.find((t) => dimensionValue(t.TargetGroupArn) === dim);
    const lb = model.loadBalancers.find((l) => dimensionValue(l.LoadBalancerArn) === dim);
    if (!tg && !lb) throw new NotModelledError(`aws-fake: ${dir}: series "${r.Label}" names no target group or load balancer of the bundle`);
    publishElbMetric(model, metric, tg ? { targetGroupArn: tg.TargetGroupArn } : { loadBalancerArn: lb!.LoadBalancerArn }, samples);
  }
  return model;
}

// ---------------------------------------------------------------- the fake

/** The operations the fake answers. */
export type Operation =
  | 'DescribeLoadBalancers' | 'DescribeTargetGroups' | 'DescribeTargetGroupAttributes' | 'DescribeTargetHealth' | 'DescribeListeners' | 'DescribeRules'
  | 'DescribeTags' | 'ModifyTargetGroupAttributes' | 'ModifyListener' | 'ModifyRule' | 'GetMetricData' | 'DescribeAlarms';

/** A failure to inject (see the module documentation). */
export type Fault = 'throttle' | 'denied' | 'internal' | 'hang';

/** Options of {@link fakeAws}. */
export interface FakeAwsOptions {
  /** The page size ELB uses when a Describe call gives no `PageSize` (400); lower it to exercise pagination. */
  defaultPageSize?: number;
  /** The MaxDatapoints GetMetricData uses when a call gives none (100,800); lower it to exercise NextToken. */
  defaultMaxDatapoints?: number;
  /** The account id in injected AccessDenied messages. */
  account?: string;
}

/** A running fake: the calls it answered, fault injection, and `restore()` to put the real clients back. */
export interface FakeAws {
  /** Every call, in order, with its (virtual) time and input. */
  calls: { op: Operation; at: number; input: Obj }[];
  /** Makes the next `times` calls of `op` (or every call, `'always'`) fail with `fault`. */
  fault(op: Operation, fault: Fault, times?: number | 'always', opts?: { code?: string }): void;
  /** Removes every injected fault. */
  clearFaults(): void;
  /**
   * The earlier spelling of {@link fault}, kept for existing callers: `Throttling*` codes
   * throttle, `AccessDenied*` deny, `InternalFailure` fails with a 500;
   * any other name is refused.
   */
  failNext(op: Operation, name: string, count?: number): void;
  restore(): void;
}

const SERVICE_OF = (op: Operation): Service => (op === 'GetMetricData' || op === 'DescribeAlarms' ? 'cloudwatch' : 'elasticloadbalancing');

/**
 * Fakes ELB and CloudWatch at the client (every ElasticLoadBalancingV2Client and
 * CloudWatchClient) from `model`, which Modify calls change. See the module documentation for
 * what it validates and how it fails.
 */
export function fakeAws(model: AwsModel, clock: Clock = { now: () => Date.now(), sleep: async () => {} }, options: FakeAwsOptions = {}): FakeAws {
  const calls: FakeAws['calls'] = [];
  const faults = new Map<Operation, { fault: Fault; left: number; code?: string }>();
  const pageSize = options.defaultPageSize ?? 400;
  const account = options.account ?? '123456789012';
  const modelRegion = [...model.loadBalancers.map((l) => l.LoadBalancerArn), ...model.targetGroups.map((t) => t.TargetGroupArn)].map((a) => String(a).split(':')[3]).find(Boolean);
  const empty: AwsModel = { loadBalancers: [], targetGroups: [], attributes: new Map(), health: new Map(), listeners: [], rules: new Map(), tags: new Map(), metrics: [], alarms: [] };

  for (const l of model.listeners) {
    l.DefaultActions = (l.DefaultActions ?? []).map(describedAction);
    const def = (model.rules.get(l.ListenerArn) ?? []).find((r) => r.IsDefault);
    if (def) def.Actions = structuredClone(l.DefaultActions);
  }
  for (const rules of model.rules.values()) for (const r of rules) r.Actions = (r.Actions ?? []).map(describedAction);

  const elb = mockClient(ElasticLoadBalancingV2Client);
  const cw = mockClient(CloudWatchClient);
  const refuse = (service: string) => (cmd: { constructor: { name: string } }) => Promise.reject(new NotModelledError(`aws-fake: ${service} ${cmd.constructor.name} is not modelled`));
  (elb.send as unknown as { callsFake(f: unknown): void }).callsFake(refuse('ELB'));
  (cw.send as unknown as { callsFake(f: unknown): void }).callsFake(refuse('CloudWatch'));

  const injected = (op: Operation): Promise<never> | undefined => {
    const f = faults.get(op);
    if (!f || f.left <= 0) return undefined;
    f.left -= 1;
    const service = SERVICE_OF(op);
    if (f.fault === 'hang') return new Promise<never>(() => {});
    if (f.fault === 'throttle') return Promise.reject(serviceError(service, f.code ?? 'Throttling', 'Rate exceeded', 400));
    if (f.fault === 'denied') {
      return Promise.reject(serviceError(service, f.code ?? 'AccessDenied', `User: arn:aws:sts::${account}:assumed-role/sticky/fake is not authorized to perform: ${service === 'cloudwatch' ? 'cloudwatch' : 'elasticloadbalancing'}:${op} because no identity-based policy allows the ${service === 'cloudwatch' ? 'cloudwatch' : 'elasticloadbalancing'}:${op} action`, 403));
    }
    return Promise.reject(serviceError(service, f.code ?? 'InternalFailure', 'The request processing has failed because of an unknown error, exception or failure.', 500));
  };

  const on = (op: Operation, known: string[], fn: (m: AwsModel, input: Obj) => Obj) => async (input: Obj, getClient: () => { config: { region: () => Promise<string> } }) => {
    calls.push({ op, at: clock.now(), input: structuredClone(input) });
    const fault = injected(op);
    if (fault) return fault;
    refuseUnknownParams(op, input, known);
    const region = await getClient().config.region();
    const m = !modelRegion || region === modelRegion ? model : empty;
    return { $metadata: metadata(200), ...fn(m, input) };
  };

  const lbOf = (m: AwsModel, arn: unknown) => m.loadBalancers.find((l) => l.LoadBalancerArn === arn);
  const tgOf = (m: AwsModel, arn: string) => m.targetGroups.find((t) => t.TargetGroupArn === arn);
  const listenerOf = (m: AwsModel, arn: string) => m.listeners.find((l) => l.ListenerArn === arn);
  const allRules = (m: AwsModel) => [...m.rules.values()].flat();
  const mustTg = (m: AwsModel, arn: unknown) => {
    const tg = tgOf(m, checkArn('targetgroup', arn));
    if (!tg) throw elbError('TargetGroupNotFound', `Target groups '${String(arn)}' not found`);
    return tg;
  };
  const atMost20 = (what: string, xs: unknown[] | undefined) => {
    if (xs && xs.length > 20) throw invalid(`You cannot describe more than '20' ${what} at a time`);
  };
  const byRuleOrder = (a: Obj, b: Obj) => (a.IsDefault ? 1 : 0) - (b.IsDefault ? 1 : 0) || Number(a.Priority) - Number(b.Priority);

  elb.on(DescribeLoadBalancersCommand).callsFake(on('DescribeLoadBalancers', ['LoadBalancerArns', 'Names', 'Marker', 'PageSize'], (m, i) => {
    exclusive(i, ['LoadBalancerArns', 'Names']);
    atMost20('load balancers', i.LoadBalancerArns);
    let lbs = m.loadBalancers;
    if (i.LoadBalancerArns) {
      for (const a of i.LoadBalancerArns) if (!lbOf(m, checkArn('loadbalancer', a))) throw elbError('LoadBalancerNotFound', 'One or more load balancers not found');
      lbs = lbs.filter((l) => i.LoadBalancerArns.includes(l.LoadBalancerArn));
    }
    if (i.Names) {
      for (const n of i.Names) if (!lbs.some((l) => l.LoadBalancerName === n)) throw elbError('LoadBalancerNotFound', `Load balancers '[${n}]' not found`);
      lbs = lbs.filter((l) => i.Names.includes(l.LoadBalancerName));
    }
    const p = paginate(lbs, i, pageSize);
    return { LoadBalancers: structuredClone(p.items), ...(p.NextMarker ? { NextMarker: p.NextMarker } : {}) };
  }));
  elb.on(DescribeTargetGroupsCommand).callsFake(on('DescribeTargetGroups', ['LoadBalancerArn', 'TargetGroupArns', 'Names', 'Marker', 'PageSize'], (m, i) => {
    exclusive(i, ['LoadBalancerArn', 'TargetGroupArns', 'Names']);
    atMost20('target groups', i.TargetGroupArns);
    atMost20('target groups', i.Names);
    let tgs = m.targetGroups;
    if (i.TargetGroupArns) {
      for (const a of i.TargetGroupArns) if (!tgOf(m, checkArn('targetgroup', a))) throw elbError('TargetGroupNotFound', 'One or more target groups not found');
      tgs = tgs.filter((t) => i.TargetGroupArns.includes(t.TargetGroupArn));
    }
    if (i.Names) {
      for (const n of i.Names) if (!tgs.some((t) => t.TargetGroupName === n)) throw elbError('TargetGroupNotFound', 'One or more target groups not found');
      tgs = tgs.filter((t) => i.Names.includes(t.TargetGroupName));
    }
    if (i.LoadBalancerArn) {
      if (!lbOf(m, checkArn('loadbalancer', i.LoadBalancerArn))) throw elbError('LoadBalancerNotFound', 'One or more load balancers not found');
      tgs = tgs.filter((t) => (t.LoadBalancerArns ?? []).includes(i.LoadBalancerArn));
    }
    const p = paginate(tgs, i, pageSize);
    return { TargetGroups: structuredClone(p.items), ...(p.NextMarker ? { NextMarker: p.NextMarker } : {}) };
  }));
  elb.on(DescribeTagsCommand).callsFake(on('DescribeTags', ['ResourceArns'], (m, i) => {
    if (!Array.isArray(i.ResourceArns) || i.ResourceArns.length === 0) throw invalid("1 validation error detected: Value null at 'resourceArns' failed to satisfy constraint: Member must not be null");
    if (i.ResourceArns.length > 20) throw invalid('You cannot describe tags of more than 20 resources at a time');
    for (const a of i.ResourceArns as string[]) {
      const kind = String(a).split(':')[5]?.split('/')[0];
      if (kind === 'targetgroup' && !tgOf(m, checkArn('targetgroup', a))) throw elbError('TargetGroupNotFound', 'One or more target groups not found');
      else if (kind === 'loadbalancer' && !lbOf(m, checkArn('loadbalancer', a))) throw elbError('LoadBalancerNotFound', 'One or more load balancers not found');
      else if (kind === 'listener' && !listenerOf(m, checkArn('listener', a))) throw elbError('ListenerNotFound', 'One or more listeners not found');
      else if (kind === 'listener-rule' && !allRules(m).some((r) => r.RuleArn === checkArn('listener-rule', a))) throw elbError('RuleNotFound', 'One or more rules not found');
      else if (!['targetgroup', 'loadbalancer', 'listener', 'listener-rule'].includes(kind ?? '')) throw invalid(`'${a}' is not a valid load balancer, target group, listener or rule ARN`);
    }
    return { TagDescriptions: i.ResourceArns.map((a: string) => ({ ResourceArn: a, Tags: structuredClone(m.tags.get(a) ?? []) })) };
  }));
  elb.on(DescribeListenersCommand).callsFake(on('DescribeListeners', ['LoadBalancerArn', 'ListenerArns', 'Marker', 'PageSize'], (m, i) => {
    exclusive(i, ['LoadBalancerArn', 'ListenerArns']);
    let ls: Obj[];
    if (i.ListenerArns) {
      for (const a of i.ListenerArns) if (!listenerOf(m, checkArn('listener', a))) throw elbError('ListenerNotFound', 'One or more listeners not found');
      ls = m.listeners.filter((l) => i.ListenerArns.includes(l.ListenerArn));
    } else if (i.LoadBalancerArn) {
      if (!lbOf(m, checkArn('loadbalancer', i.LoadBalancerArn))) throw elbError('LoadBalancerNotFound', 'One or more load balancers not found');
      ls = m.listeners.filter((l) => l.LoadBalancerArn === i.LoadBalancerArn);
    } else {
      throw invalid('You must specify either listener ARNs or a load balancer ARN');
    }
    const p = paginate(ls, i, pageSize);
    return { Listeners: structuredClone(p.items), ...(p.NextMarker ? { NextMarker: p.NextMarker } : {}) };
  }));
  elb.on(DescribeRulesCommand).callsFake(on('DescribeRules', ['ListenerArn', 'RuleArns', 'Marker', 'PageSize'], (m, i) => {
    exclusive(i, ['ListenerArn', 'RuleArns']);
    let rs: Obj[];
    if (i.RuleArns) {
      for (const a of i.RuleArns) if (!allRules(m).some((r) => r.RuleArn === checkArn('listener-rule', a))) throw elbError('RuleNotFound', 'One or more rules not found');
      rs = allRules(m).filter((r) => i.RuleArns.includes(r.RuleArn));
    } else if (i.ListenerArn) {
      if (!listenerOf(m, checkArn('listener', i.ListenerArn))) throw elbError('ListenerNotFound', 'One or more listeners not found');
      rs = [...(m.rules.get(i.ListenerArn) ?? [])].sort(byRuleOrder);
    } else {
      throw invalid('You must specify either a listener ARN or rule ARNs');
    }
    const p = paginate(rs, i, pageSize);
    return { Rules: structuredClone(p.items), ...(p.NextMarker ? { NextMarker: p.NextMarker } : {}) };
  }));
  elb.on(DescribeTargetGroupAttributesCommand).callsFake(on('DescribeTargetGroupAttributes', ['TargetGroupArn'], (m, i) => {
    const tg = mustTg(m, i.TargetGroupArn);
    return { Attributes: allAttributes(tg, m.attributes.get(tg.TargetGroupArn) ?? []) };
  }));
  elb.on(DescribeTargetHealthCommand).callsFake(on('DescribeTargetHealth', ['TargetGroupArn', 'Targets'], (m, i) => {
    const tg = mustTg(m, i.TargetGroupArn);
    const all = m.health.get(tg.TargetGroupArn) ?? [];
    if (!i.Targets) return { TargetHealthDescriptions: structuredClone(all) };
    return {
      TargetHealthDescriptions: (i.Targets as Obj[]).map((t) =>
        structuredClone(all.find((d) => d.Target?.Id === t.Id && (t.Port === undefined || d.Target?.Port === t.Port))
          ?? { Target: t, TargetHealth: { State: 'unused', Reason: 'Target.NotRegistered', Description: 'Target is not registered to the target group' } }),
      ),
    };
  }));
  elb.on(ModifyTargetGroupAttributesCommand).callsFake(on('ModifyTargetGroupAttributes', ['TargetGroupArn', 'Attributes'], (m, i) => {
    const tg = mustTg(m, i.TargetGroupArn);
    if (!Array.isArray(i.Attributes) || i.Attributes.length === 0) throw invalid("1 validation error detected: Value null at 'attributes' failed to satisfy constraint: Member must not be null");
    const kind = isNetwork(tg) ? 'nlb' : 'alb';
    const next = allAttributes(tg, m.attributes.get(tg.TargetGroupArn) ?? []);
    for (const a of i.Attributes as Obj[]) {
      if (typeof a?.Key !== 'string' || typeof a?.Value !== 'string') throw invalid('Target group attributes need a key and a value');
      if (DOCUMENTED_NOT_MODELLED.test(a.Key)) throw new NotModelledError(`aws-fake: target group attribute ${a.Key} is not modelled`);
      const spec = ATTRIBUTES[a.Key];
      if (!spec) throw invalid(`Target group attribute key '${a.Key}' is not recognized`);
      if (spec.applies !== 'both' && spec.applies !== kind) throw elbError('InvalidConfigurationRequest', `The provided target group attribute is not supported: ${a.Key} does not apply to ${tg.Protocol} target groups`);
      const problem = spec.check(a.Value, a.Key);
      if (problem) throw invalid(problem);
      if (a.Key === 'stickiness.type' && !STICKINESS_TYPES[kind].includes(a.Value)) throw elbError('InvalidConfigurationRequest', `Stickiness type '${a.Value}' is not supported for target groups with the ${tg.Protocol} protocol`);
      next.find((x) => x.Key === a.Key)!.Value = a.Value;
    }
    const get = (k: string) => next.find((x) => x.Key === k)?.Value;
    if (get('stickiness.enabled') === 'true' && get('stickiness.type') === 'app_cookie' && !get('stickiness.app_cookie.cookie_name')) {
      throw invalid('An app cookie name must be specified for app_cookie stickiness');
    }
    const set = m.attributes.get(tg.TargetGroupArn) ?? [];
    for (const a of i.Attributes as Attr[]) {
      const hit = set.find((x) => x.Key === a.Key);
      if (hit) hit.Value = a.Value;
      else set.push({ Key: a.Key, Value: a.Value });
    }
    m.attributes.set(tg.TargetGroupArn, set);
    return { Attributes: allAttributes(tg, set) };
  }));
  elb.on(ModifyListenerCommand).callsFake(on('ModifyListener', ['ListenerArn', 'DefaultActions'], (m, i) => {
    const l = listenerOf(m, checkArn('listener', i.ListenerArn));
    if (!l) throw elbError('ListenerNotFound', 'One or more listeners not found');
    if (i.DefaultActions === undefined) throw new NotModelledError('aws-fake: ModifyListener without DefaultActions is not modelled');
    const lb = lbOf(m, l.LoadBalancerArn);
    if (!lb) throw new NotModelledError(`aws-fake: the load balancer of ${l.ListenerArn} is not in the model`);
    l.DefaultActions = checkActions(m, i.DefaultActions, lb, 'defaultActions');
    associate(m, l.DefaultActions, lb.LoadBalancerArn);
    const def = (m.rules.get(l.ListenerArn) ?? []).find((r) => r.IsDefault);
    if (def) def.Actions = structuredClone(l.DefaultActions);
    return { Listeners: [structuredClone(l)] };
  }));
  elb.on(ModifyRuleCommand).callsFake(on('ModifyRule', ['RuleArn', 'Actions'], (m, i) => {
    const r = allRules(m).find((x) => x.RuleArn === checkArn('listener-rule', i.RuleArn));
    if (!r) throw elbError('RuleNotFound', 'One or more rules not found');
    if (r.IsDefault) throw new NotModelledError('aws-fake: ModifyRule on a default rule is not modelled (change the listener)');
    if (i.Actions === undefined) throw new NotModelledError('aws-fake: ModifyRule without Actions is not modelled');
    const listenerArn = [...m.rules.entries()].find(([, rs]) => rs.includes(r))![0];
    const lb = lbOf(m, listenerOf(m, listenerArn)?.LoadBalancerArn);
    if (!lb) throw new NotModelledError(`aws-fake: the load balancer of ${r.RuleArn} is not in the model`);
    r.Actions = checkActions(m, i.Actions, lb, 'actions');
    associate(m, r.Actions, lb.LoadBalancerArn);
    return { Rules: [structuredClone(r)] };
  }));

  cw.on(GetMetricDataCommand).callsFake(on('GetMetricData', ['MetricDataQueries', 'StartTime', 'EndTime', 'NextToken', 'ScanBy', 'MaxDatapoints'], (m, i) => getMetricData(m, i, clock.now(), options.defaultMaxDatapoints ?? 100_800)));
  cw.on(DescribeAlarmsCommand).callsFake(on('DescribeAlarms', ['AlarmNames', 'AlarmNamePrefix', 'AlarmTypes', 'StateValue', 'ActionPrefix', 'MaxRecords', 'NextToken'], (m, i) => describeAlarms(m, i)));

  return {
    calls,
    fault(op, fault, times = 1, opts = {}) {
      faults.set(op, { fault, left: times === 'always' ? Infinity : times, ...(opts.code ? { code: opts.code } : {}) });
    },
    clearFaults() {
      faults.clear();
    },
    failNext(op, name, count = 1) {
      const fault: Fault | undefined = /^Throttling/.test(name) ? 'throttle' : /^AccessDenied/.test(name) ? 'denied' : name === 'InternalFailure' ? 'internal' : undefined;
      if (!fault) throw new NotModelledError(`aws-fake: failNext does not know ${name}; use fault()`);
      faults.set(op, { fault, left: count, code: name });
    },
    restore() {
      elb.restore();
      cw.restore();
    },
  };
}

const badToken = () => cwError('InvalidNextToken', 'The specified NextToken is not valid for this request.');

/** GetMetricData from raw samples (see the module documentation). */
function getMetricData(m: AwsModel, i: Obj, now: number, defaultMax: number): Obj {
  const queries = i.MetricDataQueries as Obj[] | undefined;
  if (!Array.isArray(queries) || queries.length === 0) throw cwError('MissingParameter', 'The parameter MetricDataQueries is required.');
  if (queries.length > 500) throw cwError('InvalidParameterValue', 'The collection MetricDataQueries must not have a size greater than 500.');
  if (!(i.StartTime instanceof Date) || !(i.EndTime instanceof Date)) throw cwError('MissingParameter', 'The parameters StartTime and EndTime are required.');
  if (i.StartTime.getTime() >= i.EndTime.getTime()) throw cwError('InvalidParameterValue', 'The parameter StartTime must be less than the parameter EndTime.');
  const scan = i.ScanBy ?? 'TimestampDescending';
  if (!['TimestampDescending', 'TimestampAscending'].includes(scan)) throw cwError('InvalidParameterValue', `The value ${scan} for parameter ScanBy is not valid.`);
  const max = i.MaxDatapoints ?? defaultMax;
  if (!Number.isInteger(max) || max < 1) throw cwError('InvalidParameterValue', 'The parameter MaxDatapoints must be a positive integer.');
  const ids = new Set<string>();
  const start = roundStart(i.StartTime, now);
  const end = i.EndTime.getTime();
  const series = queries.map((q, k) => {
    const at = `MetricDataQueries.member.${k + 1}`;
    if (typeof q.Id !== 'string' || !/^[a-z][a-zA-Z0-9_]*$/.test(q.Id)) throw cwError('InvalidParameterValue', `The value ${q.Id} for parameter ${at}.Id is not valid: it must start with a lowercase letter and hold only letters, digits and underscores.`);
    if (ids.has(q.Id)) throw cwError('InvalidParameterValue', `The value ${q.Id} for parameter ${at}.Id is not unique.`);
    ids.add(q.Id);
    if (q.Expression !== undefined) throw new NotModelledError('aws-fake: metric math expressions are not modelled');
    const ms = q.MetricStat as Obj | undefined;
    if (!ms) throw cwError('InvalidParameterValue', `The parameter ${at} must have exactly one of MetricStat or Expression.`);
    if (ms.Unit !== undefined) throw new NotModelledError('aws-fake: MetricStat.Unit is not modelled');
    const metric = ms.Metric as Obj | undefined;
    if (!metric?.Namespace || !metric?.MetricName) throw cwError('MissingParameter', `The parameters ${at}.MetricStat.Metric.Namespace and MetricName are required.`);
    const dims: Dimension[] = metric.Dimensions ?? [];
    if (dims.length > 30) throw cwError('InvalidParameterValue', `The collection ${at}.MetricStat.Metric.Dimensions must not have a size greater than 30.`);
    if (!Number.isInteger(ms.Period) || ms.Period < 1) throw cwError('InvalidParameterValue', `The parameter ${at}.MetricStat.Period must be a positive integer.`);
    if (ms.Period < 60) throw new NotModelledError('aws-fake: high-resolution periods are not modelled');
    if (ms.Period % 60 !== 0) throw cwError('InvalidParameterValue', `The parameter ${at}.MetricStat.Period must be a multiple of 60 for periods of a minute or more.`);
    const stat = STATS[ms.Stat];
    if (!stat) {
      if (/^(p|tm|tc|ts|wm|pr|iqm)/i.test(String(ms.Stat))) throw new NotModelledError(`aws-fake: extended statistic ${ms.Stat} is not modelled`);
      throw cwError('InvalidParameterValue', `The value ${ms.Stat} for parameter ${at}.MetricStat.Stat is not a valid statistic.`);
    }
    const samples = m.metrics
      .filter((s) => s.Namespace === metric.Namespace && s.MetricName === metric.MetricName && sameDimensions(s.Dimensions, dims))
      .flatMap((s) => s.Samples)
      .filter((s) => s.Timestamp.getTime() >= start && s.Timestamp.getTime() < end);
    const buckets = new Map<number, number[]>();
    for (const s of samples) {
      const b = start + Math.floor((s.Timestamp.getTime() - start) / (ms.Period * 1000)) * ms.Period * 1000;
      buckets.set(b, [...(buckets.get(b) ?? []), s.Value]);
    }
    const points = [...buckets.entries()].sort(([a], [b]) => (scan === 'TimestampAscending' ? a - b : b - a)).map(([t, vs]) => ({ t, v: stat(vs) }));
    return { q, points };
  });
  const { NextToken: token, ...request } = i;
  const total = series.reduce((a, s) => a + s.points.length, 0);
  const cursor = pageToken.read(token, request, total, badToken);
  const stop = Math.min(total, cursor + max);
  let offset = 0;
  const results = series.filter((s) => s.q.ReturnData !== false).map((s) => {
    const from = Math.max(0, cursor - offset);
    const to = Math.max(0, Math.min(s.points.length, stop - offset));
    offset += s.points.length;
    const page = s.points.slice(from, Math.max(from, to));
    return {
      Id: s.q.Id,
      Label: s.q.Label ?? s.q.MetricStat.Metric.MetricName,
      Timestamps: page.map((p) => new Date(p.t)),
      Values: page.map((p) => p.v),
      StatusCode: to < s.points.length ? 'PartialData' : 'Complete',
      Messages: [],
    };
  });
  return { MetricDataResults: results, Messages: [], ...(stop < total ? { NextToken: pageToken.make(request, stop) } : {}) };
}

/** DescribeAlarms with its filters and NextToken (see the module documentation). */
function describeAlarms(m: AwsModel, i: Obj): Obj {
  if (i.AlarmNames !== undefined && i.AlarmNamePrefix !== undefined) throw cwError('InvalidParameterCombination', 'AlarmNames and AlarmNamePrefix cannot be specified together.');
  if (i.AlarmNames && i.AlarmNames.length > 100) throw cwError('InvalidParameterValue', 'The collection AlarmNames must not have a size greater than 100.');
  if (i.StateValue !== undefined && !['OK', 'ALARM', 'INSUFFICIENT_DATA'].includes(i.StateValue)) throw cwError('InvalidParameterValue', `The value ${i.StateValue} for parameter StateValue is not valid.`);
  const max = i.MaxRecords ?? 50;
  if (!Number.isInteger(max) || max < 1 || max > 100) throw cwError('InvalidParameterValue', 'The parameter MaxRecords must be between 1 and 100.');
  const types: string[] = i.AlarmTypes ?? ['MetricAlarm'];
  if (types.some((t) => !['MetricAlarm', 'CompositeAlarm'].includes(t))) throw cwError('InvalidParameterValue', 'AlarmTypes must be MetricAlarm or CompositeAlarm.');
  const alarms = types.includes('MetricAlarm')
    ? m.alarms
      .filter((a) => !i.AlarmNames || i.AlarmNames.includes(a.AlarmName))
      .filter((a) => !i.AlarmNamePrefix || String(a.AlarmName).startsWith(i.AlarmNamePrefix))
      .filter((a) => !i.StateValue || a.StateValue === i.StateValue)
      .filter((a) => !i.ActionPrefix || [...(a.AlarmActions ?? []), ...(a.OKActions ?? []), ...(a.InsufficientDataActions ?? [])].some((x: string) => x.startsWith(i.ActionPrefix)))
      .sort((a, b) => String(a.AlarmName).localeCompare(String(b.AlarmName)))
    : [];
  const { NextToken: token, ...request } = i;
  const from = pageToken.read(token, request, alarms.length, badToken);
  const to = from + max;
  return {
    MetricAlarms: structuredClone(alarms.slice(from, to)),
    CompositeAlarms: [],
    ...(to < alarms.length ? { NextToken: pageToken.make(request, to) } : {}),
  };
}
