import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { WebClient } from '@slack/web-api';
import { stringify } from 'yaml';
import { findService, loadCatalog } from '../../lib/catalog/catalog.ts';
import { setRuntime, type Runtime } from '../../lib/runtime.ts';
import { localStore, type Store } from '../../lib/store/store.ts';
import { LocalEngine } from '../../lib/workflow/engine-local.ts';
import { handler as slackHandler } from '../../functions/slack.ts';
import { handler as alarmHandler } from '../../functions/alarm.ts';
import { startLab, type Lab } from '../../infra/lab/lab.ts';
import { clickBody, signedEvent, slashBody, SlackApiDouble } from '../support/slack-api-double.ts';

jest.setTimeout(60_000);
const SECRET = 'test-signing-secret';
const slack = new SlackApiDouble();
let store: Store;
let stopStore: () => Promise<void>;
let lab: Lab | undefined;
const dir = mkdtempSync(join(tmpdir(), 'sticky-slack-'));
const ctx = {} as never;

beforeAll(async () => {
  process.env.SLACK_SIGNING_SECRET = SECRET;
  process.env.SLACK_BOT_TOKEN = 'xoxb-test';
  process.env.SLACK_API_URL = await slack.start();
  ({ store, stop: stopStore } = await localStore());
});
afterAll(async () => {
  setRuntime(undefined);
  await slack.stop();
  await stopStore();
  rmSync(dir, { recursive: true, force: true });
});
afterEach(async () => {
  await lab?.stop();
  lab = undefined;
  slack.calls.length = 0;
});

/** A runtime over the lab: its catalog with approvers, the local engine, the Slack double. */
async function labRuntime(scenario: string, opts: { now?: () => Date; ttlMs?: number; waitMs?: number } = {}): Promise<{ rt: Runtime; engine: LocalEngine; service: string }> {
  lab = await startLab(scenario);
  const file = join(dir, `${scenario}.yaml`);
  writeFileSync(file, stringify([{ ...lab.service, approvers: ['U2', 'SOPS'], slackChannel: 'C1' }]));
  const catalog = () => loadCatalog(file);
  const web = new WebClient('xoxb-test', { slackApiUrl: process.env.SLACK_API_URL!, retryConfig: { retries: 2, factor: 1, minTimeout: 10, maxTimeout: 20 } });
  const now = opts.now ?? (() => new Date());
  const engine = new LocalEngine({ store, slack: web as never, catalog, now, ...(opts.ttlMs ? { approvalTtlMs: opts.ttlMs } : {}) }, { approvalTimeoutMs: opts.waitMs ?? 20_000 });
  const rt: Runtime = { store, engine, catalog, service: async (n) => findService(await catalog(), n), slack: web as never, now, alarmChannel: 'C1', dedupeWindowMs: 15 * 60_000 };
  setRuntime(rt);
  return { rt, engine, service: lab.service.name };
}

async function until<T>(what: string, f: () => T | undefined | Promise<T | undefined>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const approveButton = () => {
  const post = slack.of('chat.postMessage').find((m) => Array.isArray(m.blocks));
  const actions = post?.blocks.find((b: { type: string }) => b.type === 'actions');
  return actions?.elements.find((e: { action_id: string }) => e.action_id.startsWith('approve:'));
};

describe('the Slack handler (API Gateway → Bolt)', () => {
  it('answers a signed request, and rejects a forged or stale one with 401', async () => {
    // Prepare
    await labRuntime('haproxy-healthy');
    const body = slashBody('help');
    // Act
    const good = await slackHandler(signedEvent(body, SECRET) as never, ctx);
    const forged = await slackHandler(signedEvent(body, 'not-the-secret') as never, ctx);
    const stale = await slackHandler(signedEvent(body, SECRET, Math.floor(Date.now() / 1000) - 6 * 60) as never, ctx);
    // Assess
    expect(good.statusCode).toBe(200);
    expect(JSON.parse(good.body).text).toMatch(/^\*Sticky\* diagnoses load-balancer sticky-session failures/);
    expect([forged.statusCode, stale.statusCode]).toEqual([401, 401]);
  });

  it('drops Slack retries without processing them', async () => {
    // Prepare
    const { engine } = await labRuntime('haproxy-healthy');
    const start = jest.spyOn(engine, 'start');
    // Act
    const res = await slackHandler(signedEvent(slashBody('check lab-haproxy-healthy'), SECRET, undefined, { 'X-Slack-Retry-Num': '1', 'X-Slack-Retry-Reason': 'http_timeout' }) as never, ctx);
    // Assess
    expect([res.statusCode, res.body]).toEqual([200, '']);
    expect(start).not.toHaveBeenCalled();
  });

  it('answers an unknown service with the closest names, privately', async () => {
    // Prepare
    await labRuntime('haproxy-healthy');
    // Act
    const res = await slackHandler(signedEvent(slashBody('check lab-haproxy-helthy'), SECRET) as never, ctx);
    // Assess
    expect(JSON.parse(res.body)).toEqual({ response_type: 'ephemeral', text: 'No service `lab-haproxy-helthy` in the catalog. Did you mean `lab-haproxy-healthy`?' });
  });

  it('runs the whole loop on the real lab: /sticky check, report, approve, apply, verify, message updated', async () => {
    // Prepare
    const { engine } = await labRuntime('haproxy-cookie-ttl');
    slack.rateLimit.set('chat.postMessage', 1);
    const start = jest.spyOn(engine, 'start');
    // Act
    const ack = await slackHandler(signedEvent(slashBody('check lab-haproxy-cookie-ttl', 'U1'), SECRET) as never, ctx);
    const button = await until('the report', approveButton);
    await until('the execution to wait', () => engine.pending()[0]);
    const click = await slackHandler(signedEvent(clickBody(button.action_id, button.value, 'U2'), SECRET) as never, ctx);
    await engine.settled(await start.mock.results[0]!.value as string);
    // Assess
    expect(JSON.parse(ack.body)).toEqual({ response_type: 'ephemeral', text: 'Checking `lab-haproxy-cookie-ttl`… the findings will be posted in this channel.' });
    expect(click.statusCode).toBe(200);
    expect(button).toMatchObject({ action_id: 'approve:haproxy.raise-cookie-lifetime', value: expect.stringMatching(/^a[A-Za-z0-9_-]{12}$/) });
    expect(readFileSync(lab!.service.haproxy![0]!.config, 'utf8')).toContain('cookie SERVERID insert indirect nocache maxidle 2h');
    const last = slack.of('chat.update').pop()!;
    expect(JSON.stringify(last.blocks)).toMatch(/:white_check_mark: approved by <@U2> at \d\d:\d\d UTC: verified: the finding is gone/);
    expect(slack.of('chat.postMessage')).toHaveLength(1);
  });

  it('rolls a verified change back from the thread, shows evidence privately, and lists recent triages', async () => {
    // Prepare
    const { engine } = await labRuntime('haproxy-cookie-ttl');
    const start = jest.spyOn(engine, 'start');
    await slackHandler(signedEvent(slashBody('check lab-haproxy-cookie-ttl', 'U1'), SECRET) as never, ctx);
    const button = await until('the report', approveButton);
    await until('the execution to wait', () => engine.pending()[0]);
    await slackHandler(signedEvent(clickBody(button.action_id, button.value, 'U2'), SECRET) as never, ctx);
    await engine.settled(await start.mock.results[0]!.value as string);
    const verified = slack.of('chat.update').pop()!.blocks;
    const rollback = verified.find((b: { block_id?: string }) => b.block_id?.startsWith('rollback:')).elements[0];
    const evidence = slack.of('chat.postMessage')[0]!.blocks;
    // Act
    await slackHandler(signedEvent(clickBody(rollback.action_id, rollback.value, 'U2'), SECRET) as never, ctx);
    const triageId = (await store.getApproval(button.value))!.triageId;
    await slackHandler(signedEvent(clickBody('show_evidence', triageId, 'U5'), SECRET) as never, ctx);
    const status = await slackHandler(signedEvent(slashBody('status'), SECRET) as never, ctx);
    // Assess
    expect(rollback).toMatchObject({ action_id: 'rollback:haproxy.raise-cookie-lifetime', value: button.value, style: 'danger' });
    expect(readFileSync(lab!.service.haproxy![0]!.config, 'utf8')).toContain('cookie SERVERID insert indirect nocache maxidle 10m');
    expect(JSON.stringify(slack.of('chat.update').pop()!.blocks)).toContain(':leftwards_arrow_with_hook: approved by <@U2>');
    expect(JSON.stringify(evidence)).toContain('Requests per backend (live probe)');
    expect(slack.of('chat.postEphemeral').map((e) => [e.user, e.text.split('\n')[0]])).toEqual([['U5', '*critical* `affinity-ttl-short` edge1/backend app: cookie SERVERID expires after 10 min idle; sessions last 1 h']]);
    expect(JSON.parse(status.body).text).toMatch(/^• `lab-haproxy-cookie-ttl` slash-command at \d\d:\d\d UTC/);
  });

  it('refuses a click from someone who is not an approver, privately, and lets an approver reject', async () => {
    // Prepare
    const { engine } = await labRuntime('haproxy-cookie-ttl');
    const start = jest.spyOn(engine, 'start');
    await slackHandler(signedEvent(slashBody('check lab-haproxy-cookie-ttl', 'U1'), SECRET) as never, ctx);
    const button = await until('the report', approveButton);
    await until('the execution to wait', () => engine.pending()[0]);
    // Act
    await slackHandler(signedEvent(clickBody(button.action_id, button.value, 'U9'), SECRET) as never, ctx);
    await slackHandler(signedEvent(clickBody(button.action_id.replace('approve:', 'reject:'), button.value, 'U2'), SECRET) as never, ctx);
    await engine.settled(await start.mock.results[0]!.value as string);
    // Assess
    expect(slack.of('chat.postEphemeral').map(({ channel, user, text }) => ({ channel, user, text }))).toEqual([{ channel: 'C1', user: 'U9', text: 'Not applied: you are not an approver of lab-haproxy-cookie-ttl.' }]);
    expect(readFileSync(lab!.service.haproxy![0]!.config, 'utf8')).toContain('maxidle 10m');
    expect(JSON.stringify(slack.of('chat.update').pop()!.blocks)).toContain(':no_entry_sign: rejected by <@U2>');
  });

  it('applies at most once when the same click is replayed and double-clicked', async () => {
    // Prepare
    const { engine } = await labRuntime('haproxy-cookie-ttl');
    const start = jest.spyOn(engine, 'start');
    await slackHandler(signedEvent(slashBody('check lab-haproxy-cookie-ttl', 'U1'), SECRET) as never, ctx);
    const button = await until('the report', approveButton);
    await until('the execution to wait', () => engine.pending()[0]);
    const event = signedEvent(clickBody(button.action_id, button.value, 'U2'), SECRET);
    // Act
    await Promise.all([slackHandler(event as never, ctx), slackHandler(event as never, ctx), slackHandler(signedEvent(clickBody(button.action_id, button.value, 'U2'), SECRET) as never, ctx)]);
    const executionId = await start.mock.results[0]!.value as string;
    await engine.settled(executionId);
    // Assess
    const triage = (await store.getApproval(button.value))!.triageId;
    const trail = await store.auditTrail(triage);
    expect(trail.filter((a) => a.event === 'applied')).toHaveLength(1);
    expect(trail.filter((a) => a.event === 'refused').map((a) => a.reason)).toEqual(['this fix was already decided', 'this fix was already decided']);
  });

  it('needs a second person for a high-risk fix: the requester\'s own approval is refused', async () => {
    // Prepare
    const { engine } = await labRuntime('haproxy-cookie-ttl');
    await slackHandler(signedEvent(slashBody('check lab-haproxy-cookie-ttl', 'U2'), SECRET) as never, ctx);
    const button = await until('the report', approveButton);
    await until('the execution to wait', () => engine.pending()[0]);
    const approval = (await store.getApproval(button.value))!;
    await store.db.send(new (await import('@aws-sdk/client-dynamodb')).PutItemCommand({
      TableName: store.table,
      Item: { pk: { S: `APPROVAL#${approval.id}` }, sk: { S: 'META' }, status: { S: 'pending' }, expiresAt: { N: String(approval.expiresAt) }, body: { S: JSON.stringify({ ...approval, risk: 'high' }) } },
    }));
    // Act
    await slackHandler(signedEvent(clickBody(button.action_id, button.value, 'U2'), SECRET) as never, ctx);
    // Assess
    expect(slack.of('chat.postEphemeral').map((e) => e.text)).toEqual(['Not applied: this fix is high risk: someone other than the person who asked for the check must approve it.']);
    expect((await store.getApproval(button.value))!.status).toBe('pending');
    await engine.sendTaskFailure(engine.pending()[0]!, 'States.Timeout', 'test over');
  });

  it('closes a fix nobody decided on when the wait times out, and says so in the thread', async () => {
    // Prepare
    const { engine } = await labRuntime('haproxy-cookie-ttl', { waitMs: 400 });
    const start = jest.spyOn(engine, 'start');
    // Act
    await slackHandler(signedEvent(slashBody('check lab-haproxy-cookie-ttl', 'U1'), SECRET) as never, ctx);
    const button = await until('the report', approveButton);
    const result = await engine.settled(await start.mock.results[0]!.value as string);
    // Assess
    expect(result).not.toBeInstanceOf(Error);
    expect(await store.getApproval(button.value)).toMatchObject({ status: 'done', outcome: 'expired without a decision' });
    expect(JSON.stringify(slack.of('chat.update').pop()!.blocks)).toContain(':hourglass: expired without a decision');
  });

  it('refuses an approval after it expired', async () => {
    // Prepare
    let t = Date.now();
    const { engine } = await labRuntime('haproxy-cookie-ttl', { now: () => new Date(t), ttlMs: 30 * 60_000 });
    await slackHandler(signedEvent(slashBody('check lab-haproxy-cookie-ttl', 'U1'), SECRET) as never, ctx);
    const button = await until('the report', approveButton);
    await until('the execution to wait', () => engine.pending()[0]);
    t += 31 * 60_000;
    // Act
    await slackHandler(signedEvent(clickBody(button.action_id, button.value, 'U2'), SECRET) as never, ctx);
    // Assess
    expect(slack.of('chat.postEphemeral').map(({ channel, user, text }) => ({ channel, user, text }))).toEqual([{ channel: 'C1', user: 'U2', text: 'Not applied: this approval has expired; run the check again.' }]);
    expect(readFileSync(lab!.service.haproxy![0]!.config, 'utf8')).toContain('maxidle 10m');
    await engine.sendTaskFailure(engine.pending()[0]!, 'States.Timeout', 'test over');
  });
});

describe('the alarm handler (SNS → triage)', () => {
  it('turns a storm of 1,000 alarms for 10 services into exactly 10 triages and 10 threads', async () => {
    // Prepare
    const file = join(dir, 'storm.yaml');
    const services = Array.from({ length: 10 }, (_, i) => ({
      name: `svc-${i}`, hosts: [`svc-${i}.example.com`], sessionTimeoutSeconds: 3600, slackChannel: 'C9',
      aws: { region: 'eu-west-1', targetGroupArns: [`arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/svc-${i}/${String(i).padStart(16, '0')}`] },
    }));
    writeFileSync(file, stringify(services));
    const catalog = () => loadCatalog(file);
    const starts: unknown[] = [];
    const web = new WebClient('xoxb-test', { slackApiUrl: process.env.SLACK_API_URL!, retryConfig: { retries: 0 } });
    setRuntime({
      store, catalog, service: async (n) => findService(await catalog(), n), slack: web as never, now: () => new Date(), alarmChannel: undefined, dedupeWindowMs: 15 * 60_000,
      engine: { start: async (i) => (starts.push(i), `exec-${starts.length}`), sendTaskSuccess: async () => {}, sendTaskFailure: async () => {} },
    });
    const alarm = (i: number, k: number) => ({
      EventSource: 'aws:sns',
      Sns: {
        MessageId: `m-${i}-${k}`, Timestamp: '2026-11-25T10:00:00Z',
        Message: JSON.stringify({
          AlarmName: `svc-${i}-unhealthy-hosts-${k}`, NewStateValue: 'ALARM', OldStateValue: 'OK', NewStateReason: 'Threshold Crossed', StateChangeTime: '2026-11-25T10:00:00.000+0000',
          Trigger: { MetricName: 'UnHealthyHostCount', Namespace: 'AWS/ApplicationELB', Dimensions: [{ name: 'TargetGroup', value: `targetgroup/svc-${i}/${String(i).padStart(16, '0')}` }, { name: 'LoadBalancer', value: 'app/shop/50dc6c495c0c9188' }] },
        }),
      },
    });
    const events = Array.from({ length: 100 }, (_, k) => ({ Records: Array.from({ length: 10 }, (_, i) => alarm(i, k)) }));
    // Act
    const results = await Promise.all(events.map((e) => alarmHandler(e as never)));
    // Assess
    expect(results.reduce((a, r) => ({ started: a.started + r.started, noted: a.noted + r.noted, ignored: a.ignored + r.ignored }), { started: 0, noted: 0, ignored: 0 })).toEqual({ started: 10, noted: 990, ignored: 0 });
    expect(starts).toHaveLength(10);
    const posts = slack.of('chat.postMessage');
    expect(posts.filter((p) => !p.thread_ts)).toHaveLength(10);
    expect(posts.filter((p) => p.thread_ts)).toHaveLength(990);
    expect(new Set(starts.map((s) => (s as { service: string }).service)).size).toBe(10);
  });
});
