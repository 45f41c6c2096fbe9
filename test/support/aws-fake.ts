import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { CloudWatchClient, DescribeAlarmsCommand, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  DescribeListenersCommand, DescribeLoadBalancersCommand, DescribeRulesCommand, DescribeTagsCommand, DescribeTargetGroupAttributesCommand,
  DescribeTargetGroupsCommand, DescribeTargetHealthCommand, ElasticLoadBalancingV2Client, ModifyListenerCommand, ModifyRuleCommand,
  ModifyTargetGroupAttributesCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { mockClient } from 'aws-sdk-client-mock';
import type { Clock } from '../../lib/providers/aws/calls.ts';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A virtual clock: sleeping advances time at once, so rate limits and back-offs cost nothing in tests. */
export function virtualClock(start = 1_000_000): Clock & { t: number } {
  const c = { t: start, now: () => c.t, sleep: async (ms: number) => { c.t += ms; await Promise.resolve(); } };
  return c;
}

/** The account an AWS fake serves: load balancers, target groups and their state, as the API returns them. */
export interface AwsModel {
  loadBalancers: Obj[];
  targetGroups: Obj[];
  attributes: Map<string, { Key: string; Value: string }[]>;
  health: Map<string, Obj[]>;
  listeners: Obj[];
  rules: Map<string, Obj[]>;
  tags: Map<string, { Key: string; Value: string }[]>;
  metrics: Obj[];
  alarms: Obj[];
}

/** Builds a model from a fixture bundle's aws/ folder (AWS CLI output shapes). */
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
  return {
    loadBalancers: read('aws/describe-load-balancers.json')?.LoadBalancers ?? [],
    targetGroups: tgs,
    attributes: byName('aws/target-group-attributes', 'Attributes'),
    health: byName('aws/target-health', 'TargetHealthDescriptions'),
    listeners,
    rules,
    tags: new Map((read('aws/describe-tags.json')?.TagDescriptions ?? []).map((d: Obj) => [d.ResourceArn, d.Tags ?? []])),
    metrics: read('aws/metrics.json')?.MetricDataResults ?? [],
    alarms: read('aws/describe-alarms.json')?.MetricAlarms ?? [],
  };
}

const page = <T>(items: T[], marker: string | undefined, size: number) => {
  const start = marker ? Number(marker) : 0;
  const next = start + size < items.length ? String(start + size) : undefined;
  return { items: items.slice(start, start + size), ...(next ? { next } : {}) };
};

/**
 * Fakes ELB and CloudWatch at the client: every Describe call answers from the model with the
 * API's filters and pagination, every Modify call changes it, and each call is recorded with
 * its (virtual) time. `fail` injects errors by operation name.
 */
export function fakeAws(model: AwsModel, clock: Clock = { now: () => Date.now(), sleep: async () => {} }) {
  const calls: { op: string; at: number; input: Obj }[] = [];
  const fail = new Map<string, Error[]>();
  const elb = mockClient(ElasticLoadBalancingV2Client);
  const cw = mockClient(CloudWatchClient);
  const on = <I extends Obj>(op: string, fn: (input: I) => Obj) => (input: I) => {
    calls.push({ op, at: clock.now(), input });
    const queued = fail.get(op);
    if (queued?.length) return Promise.reject(queued.shift());
    return Promise.resolve({ $metadata: {}, ...fn(input) });
  };
  elb.on(DescribeTargetGroupsCommand).callsFake(on('DescribeTargetGroups', (i: Obj) => {
    let tgs = model.targetGroups;
    if (i.TargetGroupArns) {
      if (i.TargetGroupArns.length > 20) throw new Error('too many ARNs');
      tgs = tgs.filter((t) => i.TargetGroupArns.includes(t.TargetGroupArn));
    }
    if (i.LoadBalancerArn) tgs = tgs.filter((t) => (t.LoadBalancerArns ?? []).includes(i.LoadBalancerArn));
    const p = page(tgs, i.Marker, i.PageSize ?? 400);
    return { TargetGroups: p.items, ...(p.next ? { NextMarker: p.next } : {}) };
  }));
  elb.on(DescribeTagsCommand).callsFake(on('DescribeTags', (i: Obj) => {
    if (i.ResourceArns.length > 20) throw Object.assign(new Error('at most 20'), { name: 'ValidationError' });
    return { TagDescriptions: i.ResourceArns.map((a: string) => ({ ResourceArn: a, Tags: model.tags.get(a) ?? [] })) };
  }));
  elb.on(DescribeLoadBalancersCommand).callsFake(on('DescribeLoadBalancers', (i: Obj) => ({ LoadBalancers: model.loadBalancers.filter((l) => !i.LoadBalancerArns || i.LoadBalancerArns.includes(l.LoadBalancerArn)) })));
  elb.on(DescribeListenersCommand).callsFake(on('DescribeListeners', (i: Obj) => ({
    Listeners: structuredClone(model.listeners.filter((l) => (i.ListenerArns ? i.ListenerArns.includes(l.ListenerArn) : l.LoadBalancerArn === i.LoadBalancerArn))),
  })));
  elb.on(DescribeRulesCommand).callsFake(on('DescribeRules', (i: Obj) => ({
    Rules: structuredClone(i.RuleArns ? [...model.rules.values()].flat().filter((r) => i.RuleArns.includes(r.RuleArn)) : (model.rules.get(i.ListenerArn) ?? [])),
  })));
  elb.on(DescribeTargetGroupAttributesCommand).callsFake(on('DescribeTargetGroupAttributes', (i: Obj) => ({ Attributes: structuredClone(model.attributes.get(i.TargetGroupArn) ?? []) })));
  elb.on(DescribeTargetHealthCommand).callsFake(on('DescribeTargetHealth', (i: Obj) => ({ TargetHealthDescriptions: model.health.get(i.TargetGroupArn) ?? [] })));
  elb.on(ModifyTargetGroupAttributesCommand).callsFake(on('ModifyTargetGroupAttributes', (i: Obj) => {
    const attrs = model.attributes.get(i.TargetGroupArn) ?? [];
    for (const a of i.Attributes) {
      const hit = attrs.find((x) => x.Key === a.Key);
      if (hit) hit.Value = a.Value;
      else attrs.push({ Key: a.Key, Value: a.Value });
    }
    model.attributes.set(i.TargetGroupArn, attrs);
    return { Attributes: attrs };
  }));
  elb.on(ModifyListenerCommand).callsFake(on('ModifyListener', (i: Obj) => {
    const l = model.listeners.find((x) => x.ListenerArn === i.ListenerArn)!;
    l.DefaultActions = structuredClone(i.DefaultActions);
    return { Listeners: [l] };
  }));
  elb.on(ModifyRuleCommand).callsFake(on('ModifyRule', (i: Obj) => {
    const r = [...model.rules.values()].flat().find((x) => x.RuleArn === i.RuleArn)!;
    r.Actions = structuredClone(i.Actions);
    return { Rules: [r] };
  }));
  cw.on(GetMetricDataCommand).callsFake(on('GetMetricData', (i: Obj) => ({
    MetricDataResults: i.MetricDataQueries.map((q: Obj) => model.metrics.find((m) => m.Label === q.Label) ?? { Id: q.Id, Label: q.Label, Timestamps: [], Values: [], StatusCode: 'Complete' }).map((m: Obj, k: number) => ({ ...m, Id: i.MetricDataQueries[k].Id })),
  })));
  cw.on(DescribeAlarmsCommand).callsFake(on('DescribeAlarms', () => ({ MetricAlarms: model.alarms })));
  return {
    calls,
    /** Makes the next `count` calls of `op` fail with an error named `name`. */
    failNext(op: string, name: string, count = 1) {
      fail.set(op, Array.from({ length: count }, () => Object.assign(new Error(`${name} for ${op}`), { name })));
    },
    restore() {
      elb.restore();
      cw.restore();
    },
  };
}
