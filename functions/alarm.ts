import type { SNSEvent } from 'aws-lambda';
import { getRuntime } from '../lib/runtime.ts';
import { ALARM_BUDGET_MS, AlarmMessageSchema, onAlarm, SnsEventSchema } from '../lib/workflow/alarm.ts';

/**
 * SNS → CloudWatch alarm → service → one deduplicated triage per service and window. A record
 * that is not an alarm state change is logged and skipped, never retried forever. All records of
 * one invocation share one Slack budget, so Slack's rate limits never make it overrun: every
 * alarm is counted in the store at once, and what Slack could not show yet is shown later.
 */
export const handler = async (event: SNSEvent): Promise<{ started: number; noted: number; ignored: number }> => {
  const parsed = SnsEventSchema.safeParse(event);
  const counts = { started: 0, noted: 0, ignored: 0 };
  if (!parsed.success) {
    console.error(JSON.stringify({ message: 'not an SNS event', issues: parsed.error.issues.slice(0, 3) }));
    return counts;
  }
  const rt = await getRuntime();
  const until = Date.now() + ALARM_BUDGET_MS;
  await Promise.all(parsed.data.Records.map(async (r) => {
    let body: unknown;
    try {
      body = JSON.parse(r.Sns.Message);
    } catch {
      body = undefined;
    }
    const alarm = AlarmMessageSchema.safeParse(body);
    if (!alarm.success) {
      console.error(JSON.stringify({ message: 'not a CloudWatch alarm message', snsMessageId: r.Sns.MessageId, issue: alarm.error.issues[0]?.message }));
      counts.ignored++;
      return;
    }
    counts[await onAlarm(rt, alarm.data, until - Date.now())]++;
  }));
  return counts;
};
