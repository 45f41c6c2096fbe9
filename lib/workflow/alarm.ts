import { z } from 'zod';
import type { Catalog } from '../catalog/catalog.ts';
import type { Service } from '../evidence/service.ts';
import type { Runtime } from '../runtime.ts';
import { newId } from '../store/store.ts';

/** An SNS record carrying a CloudWatch alarm state change (the subset Sticky reads). */
export const SnsEventSchema = z.object({
  Records: z.array(z.object({ EventSource: z.literal('aws:sns'), Sns: z.object({ Message: z.string(), MessageId: z.string(), Timestamp: z.string() }) })).min(1),
});

/** The CloudWatch alarm state-change message SNS delivers (Powertools has no schema for it). */
export const AlarmMessageSchema = z.object({
  AlarmName: z.string(),
  AlarmArn: z.string().optional(),
  NewStateValue: z.enum(['ALARM', 'OK', 'INSUFFICIENT_DATA']),
  OldStateValue: z.string().optional(),
  NewStateReason: z.string().optional(),
  StateChangeTime: z.string(),
  Region: z.string().optional(),
  Trigger: z.object({
    MetricName: z.string().optional(),
    Namespace: z.string().optional(),
    Dimensions: z.array(z.object({ name: z.string(), value: z.string() })).default([]),
  }).optional(),
});
export type AlarmMessage = z.infer<typeof AlarmMessageSchema>;

/**
 * The catalog service an alarm is about: its TargetGroup dimension (`targetgroup/name/id`) or
 * LoadBalancer dimension (`app/name/id`) against the ARNs in the catalog, else an alarm named
 * after the service (`<service>-...`). {@link serviceByTag} asks the resource's tags next.
 */
export function serviceForAlarm(catalog: Catalog, alarm: AlarmMessage): Service | undefined {
  const dims = alarm.Trigger?.Dimensions ?? [];
  const tg = dims.find((d) => d.name === 'TargetGroup')?.value;
  const lb = dims.find((d) => d.name === 'LoadBalancer')?.value;
  return (
    catalog.services.find((s) => tg && (s.aws?.targetGroupArns ?? []).some((a) => a.endsWith(`:${tg}`))) ??
    catalog.services.find((s) => lb && (s.aws?.loadBalancerArns ?? []).some((a) => a.endsWith(`:loadbalancer/${lb}`))) ??
    catalog.services.find((s) => alarm.AlarmName === s.name || alarm.AlarmName.startsWith(`${s.name}-`))
  );
}

/** The thread of a triage another alarm just claimed: it appears once that alarm has posted its header. */
async function threadOf(rt: Runtime, triageId: string) {
  for (let i = 0; i < 100; i++) {
    const t = await rt.store.getTriage(triageId);
    if (t?.threadTs) return t;
    await new Promise((r) => setTimeout(r, 30));
  }
  return undefined;
}

/** The ELB operation the alarm function may call to find a service by its resource's tag. */
export const ALARM_IAM_ACTIONS = ['elasticloadbalancing:DescribeTags'];

/**
 * The service named by the `sticky:service` tag of the target group (or load balancer) an alarm
 * watches, when the catalog lists no ARN for it. The ARN is rebuilt from the alarm's own ARN
 * (region and account) and the dimension.
 */
export async function serviceByTag(catalog: Catalog, alarm: AlarmMessage): Promise<Service | undefined> {
  const parts = alarm.AlarmArn?.split(':');
  const dims = alarm.Trigger?.Dimensions ?? [];
  const tg = dims.find((d) => d.name === 'TargetGroup')?.value;
  const lb = dims.find((d) => d.name === 'LoadBalancer')?.value;
  if (!parts || parts.length < 5 || (!tg && !lb)) return undefined;
  const [, partition, , region, account] = parts;
  const arn = `arn:${partition}:elasticloadbalancing:${region}:${account}:${tg ?? `loadbalancer/${lb}`}`;
  const { ElasticLoadBalancingV2Client, DescribeTagsCommand } = await import('@aws-sdk/client-elastic-load-balancing-v2');
  try {
    const r = await new ElasticLoadBalancingV2Client({ region: region! }).send(new DescribeTagsCommand({ ResourceArns: [arn] }));
    const name = r.TagDescriptions?.[0]?.Tags?.find((t) => t.Key === 'sticky:service')?.Value;
    return catalog.services.find((s) => s.name === name);
  } catch {
    return undefined;
  }
}

/**
 * Handles one alarm state change: the first ALARM for a service in the dedupe window opens a
 * thread and starts a triage (one conditional write decides which alarm is first); later alarms
 * and the OK transition are noted in that thread. Returns what was done, for the log.
 */
export async function onAlarm(rt: Runtime, alarm: AlarmMessage): Promise<'started' | 'noted' | 'ignored'> {
  const catalog = await rt.catalog();
  const service = serviceForAlarm(catalog, alarm) ?? (await serviceByTag(catalog, alarm));
  if (!service) return 'ignored';
  const channel = service.slackChannel ?? rt.alarmChannel;
  if (!channel) return 'ignored';
  const now = rt.now().getTime();
  const reason = alarm.NewStateReason ? `: ${alarm.NewStateReason.slice(0, 200)}` : '';
  if (alarm.NewStateValue !== 'ALARM') {
    const held = await rt.store.heldDedupe(service.name, now);
    if (!held) return 'ignored';
    const t = await rt.store.getTriage(held);
    if (t?.threadTs) await rt.slack.chat.postMessage({ channel: t.channel, thread_ts: t.threadTs, text: `:large_green_circle: ${alarm.AlarmName} is ${alarm.NewStateValue} again (${alarm.StateChangeTime})` });
    return 'noted';
  }
  const triageId = newId('t');
  const claim = await rt.store.claimDedupe(service.name, triageId, now, rt.dedupeWindowMs);
  if (!claim.claimed) {
    const t = await threadOf(rt, claim.triageId);
    if (t?.threadTs) await rt.slack.chat.postMessage({ channel: t.channel, thread_ts: t.threadTs, text: `:rotating_light: ${alarm.AlarmName} is in ALARM too${reason}` });
    return 'noted';
  }
  const header = await rt.slack.chat.postMessage({ channel, text: `:rotating_light: ${alarm.AlarmName} is in ALARM for \`${service.name}\`${reason}. Sticky is triaging; findings follow in this thread.` });
  await rt.store.putTriage({ id: triageId, service: service.name, trigger: 'alarm', channel, threadTs: header.ts!, createdAt: now });
  await rt.engine.start({ service: service.name, trigger: 'alarm', channel, threadTs: header.ts!, triageId });
  return 'started';
}
