import { z } from 'zod';
import type { Catalog } from '../catalog/catalog.ts';
import type { Service } from '../evidence/service.ts';
import type { Runtime } from '../runtime.ts';
import { newId, type AlarmNote, type Store } from '../store/store.ts';
import type { SlackApi } from './steps.ts';
import { escapeMrkdwn } from '../slack/text.ts';
import { describeError } from './errors.ts';

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

/** How many of the latest alarms the thread's alarm message lists. */
const LATEST = 5;
/** How long one invocation may hold the right to render a thread. */
const LEASE_MS = 20_000;

/** The alarm message of a triage's thread: how many alarms, the latest ones, all escaped for mrkdwn. */
export function alarmHeader(service: string, count: number, latest: AlarmNote[]): string {
  const line = (n: AlarmNote) => `• ${new Date(n.at).toISOString().slice(11, 19)} UTC \`${escapeMrkdwn(n.alarm)}\` ${n.state === 'ALARM' ? 'in ALARM' : `is ${escapeMrkdwn(n.state)}`}${n.reason ? `: ${escapeMrkdwn(n.reason)}` : ''}`;
  const first = latest.some((n) => n.state === 'ALARM') ? ':rotating_light:' : ':large_green_circle:';
  return [
    `${first} *${count} alarm${count === 1 ? '' : 's'}* for \`${escapeMrkdwn(service)}\`. Sticky is triaging; findings follow in this thread.`,
    `Latest${count > latest.length ? ` ${latest.length} of ${count}` : ''}:`,
    ...latest.map(line),
  ].join('\n');
}

/** Retry-After of a Slack 429, in ms, if the error is one. */
function retryAfterMs(e: unknown): number | undefined {
  const d = e as { code?: string; retryAfter?: number };
  return d.code === 'slack_webapi_rate_limited_error' ? Math.max(1, d.retryAfter ?? 1) * 1000 : undefined;
}

/** Renders in flight in this process, per store: a second alarm marks the first render dirty instead of racing it. */
const rendering = new WeakMap<Store, Map<string, { dirty: boolean }>>();

/**
 * Renders a triage's coalesced alarm message: one message per thread (its parent), posted once
 * and then updated with the count and the latest alarms, never a post per alarm. One writer at a
 * time holds a lease in the store (and one render per thread runs in a process); it renders until
 * what Slack shows matches the count, honouring Slack's 429 Retry-After while it fits before
 * `until` (ms). What it could not render in time stays marked open for the next alarm or the
 * sweeper, so nothing said is lost.
 */
export async function renderAlarmThread(rt: { store: Store; slack: SlackApi; now: () => Date }, triageId: string, until: number): Promise<'rendered' | 'busy' | 'deferred'> {
  const local = rendering.get(rt.store) ?? new Map<string, { dirty: boolean }>();
  rendering.set(rt.store, local);
  const running = local.get(triageId);
  if (running) {
    running.dirty = true;
    return 'busy';
  }
  const self = { dirty: false };
  local.set(triageId, self);
  try {
    for (;;) {
      self.dirty = false;
      const now = rt.now().getTime();
      if (now >= until) {
        await rt.store.markOpen('THREAD', triageId);
        return 'deferred';
      }
      const t = await rt.store.leaseAlarmThread(triageId, now, now + LEASE_MS);
      if (!t) return 'busy';
      let headerTs = t.headerTs;
      let shown = t.renderedCount;
      let outcome: 'rendered' | 'deferred' = 'rendered';
      if (t.count > t.renderedCount || !headerTs) {
        try {
          const text = alarmHeader(t.service, t.count, t.latest.slice(0, LATEST));
          for (;;) {
            try {
              if (headerTs) await rt.slack.chat.update({ channel: t.channel, ts: headerTs, text });
              else headerTs = (await rt.slack.chat.postMessage({ channel: t.channel, text })).ts!;
              shown = t.count;
              break;
            } catch (e) {
              const wait = retryAfterMs(e);
              if (wait === undefined || rt.now().getTime() + wait >= until) throw e;
              await new Promise((r) => setTimeout(r, wait));
            }
          }
        } catch (e) {
          outcome = 'deferred';
          console.warn(JSON.stringify({ message: 'alarm thread not rendered yet', triageId, error: describeError(e) }));
        }
      }
      const after = await rt.store.releaseAlarmThread(triageId, shown, headerTs, t.latest.length, LATEST);
      if (outcome === 'deferred') return outcome;
      if (after.count <= after.renderedCount && !self.dirty) {
        local.delete(triageId);
        return 'rendered';
      }
    }
  } finally {
    if (local.get(triageId) === self) local.delete(triageId);
  }
}

/** How long one alarm invocation may spend on Slack before it leaves the rest to others (the function's timeout is 30 s). */
export const ALARM_BUDGET_MS = 5000;

/**
 * Dedupe windows this process knows, per store: a warm function asks the table once per service
 * and window, and concurrent alarms for one service share one claim.
 */
const windows = new WeakMap<Store, Map<string, Promise<{ triageId: string; until: number; mine: boolean } | undefined>>>();

/** The triage holding the service's window now: this process's knowledge, else the table's, else a claim (the first wins). */
async function windowOf(rt: Runtime, service: string, now: number, claim: boolean): Promise<{ triageId: string; mine: boolean } | undefined> {
  const known = windows.get(rt.store) ?? new Map<string, Promise<{ triageId: string; until: number; mine: boolean } | undefined>>();
  windows.set(rt.store, known);
  const shared = known.get(service);
  if (shared) {
    const w = await shared.catch(() => undefined);
    if (w && w.until > now) return { triageId: w.triageId, mine: false };
    if (known.get(service) === shared) known.delete(service);
    return windowOf(rt, service, now, claim);
  }
  let mine = false;
  const pending = (async () => {
    const held = await rt.store.heldDedupe(service, now);
    if (held) return { ...held, mine: false };
    if (!claim) return undefined;
    const triageId = newId('t');
    const r = await rt.store.claimDedupe(service, triageId, now, rt.dedupeWindowMs);
    mine = r.claimed;
    return { triageId: r.claimed ? triageId : r.triageId, until: r.until, mine: r.claimed };
  })();
  known.set(service, pending);
  const w = await pending.catch((e) => {
    known.delete(service);
    throw e;
  });
  if (!w) known.delete(service);
  return w ? { triageId: w.triageId, mine } : undefined;
}

/**
 * Handles one alarm state change. The first ALARM for a service in the dedupe window starts a
 * triage (one conditional write decides which alarm is first); every alarm, first or not, and
 * the OK transitions are counted in that triage's thread, whose one message is updated rather
 * than a post per alarm. Slack's rate limits never make an invocation overrun: what could not
 * be shown in its budget is shown by the next alarm or the sweeper. Returns what was done.
 */
export async function onAlarm(rt: Runtime, alarm: AlarmMessage, budgetMs = ALARM_BUDGET_MS): Promise<'started' | 'noted' | 'ignored'> {
  const until = rt.now().getTime() + budgetMs;
  const catalog = await rt.catalog();
  const service = serviceForAlarm(catalog, alarm) ?? (await serviceByTag(catalog, alarm));
  if (!service) return 'ignored';
  const channel = service.slackChannel ?? rt.alarmChannel;
  if (!channel) return 'ignored';
  const now = rt.now().getTime();
  const note: AlarmNote = { at: Date.parse(alarm.StateChangeTime.replace(/([+-]\d\d)(\d\d)$/, '$1:$2')) || now, alarm: alarm.AlarmName, state: alarm.NewStateValue, ...(alarm.NewStateReason ? { reason: alarm.NewStateReason.slice(0, 200) } : {}) };
  const w = await windowOf(rt, service.name, now, alarm.NewStateValue === 'ALARM');
  if (!w) return 'ignored';
  if (w.mine) await rt.store.putTriage({ id: w.triageId, service: service.name, trigger: 'alarm', channel, createdAt: now });
  const t = await rt.store.addAlarmNote(w.triageId, note, service.name, channel);
  if (!t.leaseUntil || t.leaseUntil <= rt.now().getTime()) await renderAlarmThread(rt, w.triageId, until);
  if (!w.mine) return 'noted';
  const threadTs = (await rt.store.getAlarmThread(w.triageId))?.headerTs;
  try {
    await rt.engine.start({ service: service.name, trigger: 'alarm', channel, triageId: w.triageId, ...(threadTs ? { threadTs } : {}) });
  } catch (e) {
    console.warn(JSON.stringify({ message: 'triage not started yet; the sweeper starts it', triageId: w.triageId, error: describeError(e) }));
    await rt.store.updateTriage(w.triageId, { startPending: true });
  }
  return 'started';
}
