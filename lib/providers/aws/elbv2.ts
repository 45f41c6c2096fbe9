import {
  DescribeListenersCommand, DescribeLoadBalancersCommand, DescribeRulesCommand, DescribeTagsCommand,
  DescribeTargetGroupAttributesCommand, DescribeTargetGroupsCommand, DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client, type Action, type Listener, type LoadBalancer, type Rule, type TargetGroup,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { Service } from '../../evidence/service.ts';
import { ProviderError } from '../errors.ts';
import { awsCall, batches, mapLimit, realClock, RateLimiter, type Clock } from './calls.ts';

/** The tag that names a resource's service when the catalog lists no ARNs. */
export const SERVICE_TAG = 'sticky:service';

/** Calls in flight at once against one region (the rate limiter bounds the rate itself). */
const CONCURRENCY = 4;

const limiters = new Map<string, RateLimiter>();

/** The shared ELB limiter of a region (10 calls/s, bursts of 10), or a fresh one on an injected clock. */
export function elbLimiter(region: string, clock?: Clock): RateLimiter {
  if (clock) return new RateLimiter(10, 10, clock);
  let l = limiters.get(region);
  if (!l) limiters.set(region, (l = new RateLimiter(10, 10)));
  return l;
}

/** Everything collected about a service's load balancing, keyed for the bundle. */
export interface Elbv2Evidence {
  loadBalancers: LoadBalancer[];
  targetGroups: TargetGroup[];
  listeners: Listener[];
  rules: Map<string, Rule[]>;
  attributes: Map<string, { Key?: string; Value?: string }[]>;
  health: Map<string, unknown[]>;
  /** DescribeTags of the target groups and load balancers (who owns them: the AWS Load Balancer Controller tags its own). */
  tags: { ResourceArn?: string; Tags?: { Key?: string; Value?: string }[] }[];
}

const forwardsTo = (actions: Action[] | undefined, arns: Set<string>) =>
  (actions ?? []).some((a) => (a.TargetGroupArn && arns.has(a.TargetGroupArn)) || (a.ForwardConfig?.TargetGroups ?? []).some((t) => t.TargetGroupArn && arns.has(t.TargetGroupArn)));

/**
 * Collects a service's ELB evidence: its target groups (from the catalog's ARNs, its load
 * balancers' or listeners', or by discovery on the `sticky:service` tag in batches of 20),
 * their attributes and target health, their load balancers, the listeners and rules that
 * forward to them, and the tags of the target groups and load balancers (in batches of 20; the
 * ones discovery already read are not asked again). Paginated, rate limited, throttling retried.
 */
export async function collectElbv2(service: Service, client: ElasticLoadBalancingV2Client, clock: Clock = realClock): Promise<Elbv2Evidence> {
  const aws = service.aws!;
  const limiter = elbLimiter(aws.region, clock === realClock ? undefined : clock);
  const call = <T>(op: string, fn: () => Promise<T>) => awsCall('elasticloadbalancing', op, limiter, fn, clock);
  const pages = async <T>(op: string, fetch: (marker?: string) => Promise<{ items: T[]; next?: string }>): Promise<T[]> => {
    const out: T[] = [];
    let marker: string | undefined;
    do {
      const page = await call(op, () => fetch(marker));
      out.push(...page.items);
      marker = page.next;
    } while (marker);
    return out;
  };
  const describeTgs = (input: { TargetGroupArns?: string[]; LoadBalancerArn?: string }) =>
    pages('DescribeTargetGroups', async (Marker) => {
      const r = await client.send(new DescribeTargetGroupsCommand({ ...input, ...(Marker ? { Marker } : {}), ...(input.TargetGroupArns ? {} : { PageSize: 400 }) }));
      return { items: r.TargetGroups ?? [], ...(r.NextMarker ? { next: r.NextMarker } : {}) };
    });
  const describeListeners = (input: { LoadBalancerArn?: string; ListenerArns?: string[] }) =>
    pages('DescribeListeners', async (Marker) => {
      const r = await client.send(new DescribeListenersCommand({ ...input, ...(Marker ? { Marker } : {}) }));
      return { items: r.Listeners ?? [], ...(r.NextMarker ? { next: r.NextMarker } : {}) };
    });

  let targetGroups: TargetGroup[] = [];
  let listeners: Listener[] | undefined;
  const tagsOf = new Map<string, { ResourceArn?: string; Tags?: { Key?: string; Value?: string }[] }>();
  if (aws.targetGroupArns?.length) {
    targetGroups = (await mapLimit(batches(aws.targetGroupArns, 20), CONCURRENCY, (b) => describeTgs({ TargetGroupArns: b }))).flat();
  } else if (aws.loadBalancerArns?.length) {
    targetGroups = (await mapLimit(aws.loadBalancerArns, CONCURRENCY, (lb) => describeTgs({ LoadBalancerArn: lb }))).flat();
  } else if (aws.listenerArns?.length) {
    listeners = await describeListeners({ ListenerArns: aws.listenerArns });
  } else {
    const all = await describeTgs({});
    const tagged = new Set<string>();
    for (const b of batches(all.map((t) => t.TargetGroupArn!), 20)) {
      const r = await call('DescribeTags', () => client.send(new DescribeTagsCommand({ ResourceArns: b })));
      for (const d of r.TagDescriptions ?? []) {
        tagsOf.set(d.ResourceArn!, d);
        if (d.Tags?.some((t) => t.Key === SERVICE_TAG && t.Value === service.name)) tagged.add(d.ResourceArn!);
      }
    }
    targetGroups = all.filter((t) => tagged.has(t.TargetGroupArn!));
    if (targetGroups.length === 0) throw new ProviderError(`no target group is tagged ${SERVICE_TAG}=${service.name} in ${aws.region}, and the catalog lists no ARNs`);
  }

  const lbArns = [...new Set([...(aws.loadBalancerArns ?? []), ...targetGroups.flatMap((t) => t.LoadBalancerArns ?? []), ...(listeners ?? []).map((l) => l.LoadBalancerArn!)])];
  const loadBalancers = (await mapLimit(batches(lbArns, 20), CONCURRENCY, (b) =>
    pages('DescribeLoadBalancers', async (Marker) => {
      const r = await client.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: b, ...(Marker ? { Marker } : {}) }));
      return { items: r.LoadBalancers ?? [], ...(r.NextMarker ? { next: r.NextMarker } : {}) };
    }),
  )).flat();
  listeners ??= (await mapLimit(lbArns, CONCURRENCY, (lb) => describeListeners({ LoadBalancerArn: lb }))).flat();

  const rules = new Map<string, Rule[]>();
  const http = listeners.filter((l) => l.Protocol === 'HTTP' || l.Protocol === 'HTTPS');
  const ruleLists = await mapLimit(http, CONCURRENCY, (l) =>
    pages('DescribeRules', async (Marker) => {
      const r = await client.send(new DescribeRulesCommand({ ListenerArn: l.ListenerArn!, ...(Marker ? { Marker } : {}) }));
      return { items: r.Rules ?? [], ...(r.NextMarker ? { next: r.NextMarker } : {}) };
    }),
  );
  if (targetGroups.length === 0) {
    const referenced = new Set<string>();
    const add = (actions: Action[] | undefined) => {
      for (const a of actions ?? []) {
        if (a.TargetGroupArn) referenced.add(a.TargetGroupArn);
        for (const t of a.ForwardConfig?.TargetGroups ?? []) if (t.TargetGroupArn) referenced.add(t.TargetGroupArn);
      }
    };
    for (const l of listeners) add(l.DefaultActions);
    for (const list of ruleLists) for (const r of list) add(r.Actions);
    targetGroups = (await mapLimit(batches([...referenced], 20), CONCURRENCY, (b) => describeTgs({ TargetGroupArns: b }))).flat();
  }
  const tgArns = new Set(targetGroups.map((t) => t.TargetGroupArn!));
  http.forEach((l, i) => {
    const mine = (ruleLists[i] ?? []).filter((r) => forwardsTo(r.Actions, tgArns));
    if (mine.length > 0) rules.set(l.ListenerArn!.split('/').pop()!, mine);
  });
  const keptListeners = listeners.filter((l) => forwardsTo(l.DefaultActions, tgArns) || rules.has(l.ListenerArn!.split('/').pop()!));

  const attributes = new Map<string, { Key?: string; Value?: string }[]>();
  const health = new Map<string, unknown[]>();
  await mapLimit(targetGroups, CONCURRENCY, async (tg) => {
    const a = await call('DescribeTargetGroupAttributes', () => client.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: tg.TargetGroupArn! })));
    attributes.set(tg.TargetGroupName!, a.Attributes ?? []);
    const h = await call('DescribeTargetHealth', () => client.send(new DescribeTargetHealthCommand({ TargetGroupArn: tg.TargetGroupArn! })));
    health.set(tg.TargetGroupName!, h.TargetHealthDescriptions ?? []);
  });
  const untagged = [...targetGroups.map((t) => t.TargetGroupArn!), ...loadBalancers.map((l) => l.LoadBalancerArn!)].filter((a) => !tagsOf.has(a));
  for (const b of batches(untagged, 20)) {
    const r = await call('DescribeTags', () => client.send(new DescribeTagsCommand({ ResourceArns: b })));
    for (const d of r.TagDescriptions ?? []) tagsOf.set(d.ResourceArn!, d);
  }
  const tags = [...targetGroups.map((t) => t.TargetGroupArn!), ...loadBalancers.map((l) => l.LoadBalancerArn!)].flatMap((a) => (tagsOf.has(a) ? [tagsOf.get(a)!] : []));
  return { loadBalancers, targetGroups, listeners: keptListeners, rules, attributes, health, tags };
}

/** Lays ELB evidence out as the bundle's `aws/` files, in the AWS CLI's output shapes. */
export function elbv2Files(e: Elbv2Evidence): Record<string, string> {
  const j = (o: unknown) => `${JSON.stringify(o, null, 4)}\n`;
  const files: Record<string, string> = {
    'aws/describe-load-balancers.json': j({ LoadBalancers: e.loadBalancers }),
    'aws/describe-target-groups.json': j({ TargetGroups: e.targetGroups }),
    'aws/describe-listeners.json': j({ Listeners: e.listeners }),
    'aws/describe-tags.json': j({ TagDescriptions: e.tags }),
  };
  for (const [name, attrs] of e.attributes) files[`aws/target-group-attributes/${name}.json`] = j({ Attributes: attrs });
  for (const [name, h] of e.health) files[`aws/target-health/${name}.json`] = j({ TargetHealthDescriptions: h });
  for (const [id, r] of e.rules) files[`aws/describe-rules/${id}.json`] = j({ Rules: r });
  return files;
}

