import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { WebClient } from '@slack/web-api';
import { stringify } from 'yaml';
import { findService, loadCatalog } from '../../lib/catalog/catalog.ts';
import { setRuntime, type Runtime } from '../../lib/runtime.ts';
import { localStore, Store } from '../../lib/store/store.ts';
import { LocalEngine } from '../../lib/workflow/engine-local.ts';
import { sweep } from '../../lib/workflow/sweeper.ts';
import type { Engine } from '../../lib/workflow/engine.ts';
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
  slack.reset();
  slack.groups.clear();
});

/** The Slack client the runtime uses in AWS: fails fast, rate limits included (the runbook retries). */
const webClient = () => new WebClient('xoxb-test', { slackApiUrl: process.env.SLACK_API_URL!, timeout: 3000, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true });

/** A runtime over the lab: its catalog with approvers, the local engine, the Slack double. */
async function labRuntime(scenario: string, opts: { now?: () => Date; ttlMs?: number; waitMs?: number; entry?: Record<string, unknown> } = {}): Promise<{ rt: Runtime; engine: LocalEngine; service: string }> {
  lab = await startLab(scenario);
  slack.groups.set('SOPS', ['U7']);
  const file = join(dir, `${scenario}.yaml`);
  writeFileSync(file, stringify([{ ...lab.service, approvers: ['U2', 'SOPS'], slackChannel: 'C1', ...opts.entry }]));
  const catalog = () => loadCatalog(file);
  const web = webClient();
  const now = opts.now ?? (() => new Date());
  const engine = new LocalEngine({ store, slack: web as never, catalog, now, ...(opts.ttlMs ? { approvalTtlMs: opts.ttlMs } : {}) }, { approvalTimeoutMs: opts.waitMs ?? 20_000, retryDelayMs: 300 });
  const rt: Runtime = { store, engine, catalog, service: async (n) => findService(await catalog(), n), slack: web as never, now, alarmChannel: 'C1', dedupeWindowMs: 15 * 60_000 };
  setRuntime(rt);
  return { rt, engine, service: lab.service.name };
}

/** A runtime without the lab, for requests that never reach a triage. */
async function plainRuntime(engine: Partial<Engine> = {}, storeOverride?: Store): Promise<Runtime> {
  const file = join(dir, 'plain.yaml');
  writeFileSync(file, stringify([{ name: 'checkout', hosts: ['shop.example.com'], sessionTimeoutSeconds: 3600, approvers: ['U2'] }]));
  const catalog = () => loadCatalog(file);
  const rt: Runtime = {
    store: storeOverride ?? store, catalog, service: async (n) => findService(await catalog(), n), slack: webClient() as never, now: () => new Date(), alarmChannel: 'C1', dedupeWindowMs: 15 * 60_000,
    engine: { start: async () => 'exec', sendTaskSuccess: async () => {}, sendTaskFailure: async () => {}, ...engine },
  };
  setRuntime(rt);
  return rt;
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

/** The report as posted: the channel and ts Slack gave it, and its blocks. */
const report = () => slack.posted().find((m) => Array.isArray(m.args.blocks));
const buttonOf = (kind: 'approve' | 'reject') => {
  const actions = report()?.args.blocks.find((b: { type: string }) => b.type === 'actions');
  return actions?.elements.find((e: { action_id: string }) => e.action_id.startsWith(`${kind}:`));
};
const approveButton = () => buttonOf('approve');
/** Every update of the report, asserted to target the report's own channel and ts; returns the last one's blocks as text. */
function lastUpdate(): string {
  const r = report()!;
  const updates = slack.of('chat.update');
  expect(updates.length).toBeGreaterThan(0);
  for (const u of updates) expect([u.channel, u.ts]).toEqual([r.channel, r.ts]);
  return JSON.stringify(updates.at(-1)!.blocks);
}
const ephemerals = () => slack.of('chat.postEphemeral').map(({ channel, user, text }) => ({ channel, user, text }));
const send = (body: string, extra?: Record<string, string>) => slackHandler(signedEvent(body, SECRET, undefined, extra) as never, ctx);

/** Starts a check from Slack and waits until its execution waits for a decision. */
async function checked(user = 'U1'): Promise<{ button: { action_id: string; value: string }; execution: string; start: ReturnType<typeof jest.spyOn> }> {
  const engine = (await import('../../lib/runtime.ts')).getRuntime().then((rt) => rt.engine as LocalEngine);
  const e = await engine;
  const start = jest.spyOn(e, 'start');
  await send(slashBody(`check ${lab!.service.name}`, user));
  const button = await until('the report', approveButton);
  await until('the execution to wait', () => e.pending()[0]);
  return { button, execution: (await start.mock.results[0]!.value) as string, start };
}

describe('the Slack handler (API Gateway → Bolt)', () => {
  it('answers a signed request, and rejects a forged, stale or future one with 401', async () => {
    // Prepare
    await plainRuntime();
    const body = slashBody('help');
    const t = Math.floor(Date.now() / 1000);
    // Act
    const good = await slackHandler(signedEvent(body, SECRET) as never, ctx);
    const forged = await slackHandler(signedEvent(body, 'not-the-secret') as never, ctx);
    const stale = await slackHandler(signedEvent(body, SECRET, t - 6 * 60) as never, ctx);
    const future = await slackHandler(signedEvent(body, SECRET, t + 6 * 60) as never, ctx);
    // Assess
    expect(good.statusCode).toBe(200);
    expect(JSON.parse(good.body).text).toMatch(/^\*Sticky\* diagnoses load-balancer sticky-session failures/);
    expect([forged.statusCode, stale.statusCode, future.statusCode]).toEqual([401, 401, 401]);
  });

  it.each([
    ['an event that is not an object', null, 400],
    ['headers that are null', { body: slashBody('help'), headers: null }, 401],
    ['no headers at all', { body: slashBody('help') }, 401],
    ['a null body, unsigned', { body: null, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } }, 401],
    ['a malformed signature header', { ...signedEvent(slashBody('help'), SECRET), headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Slack-Request-Timestamp': String(Math.floor(Date.now() / 1000)), 'X-Slack-Signature': 'v0=xyz' } }, 401],
    ['a timestamp that is not a number', { ...signedEvent(slashBody('help'), SECRET), headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Slack-Request-Timestamp': 'soon', 'X-Slack-Signature': `v0=${'0'.repeat(64)}` } }, 401],
    ['a signed payload that is not JSON', signedEvent('payload=not-json{', SECRET), 400],
    ['a signed payload that is a JSON string', signedEvent(`payload=${encodeURIComponent('"x"')}`, SECRET), 400],
    ['a signed JSON body that is broken', { ...signedEvent('{"type": "block_actions",', SECRET), headers: { ...signedEvent('{"type": "block_actions",', SECRET).headers, 'Content-Type': 'application/json' } }, 400],
    ['a signed form with neither command nor payload', signedEvent('hello=world', SECRET), 400],
    ['a signed body of another content type', { ...signedEvent('x', SECRET), headers: { ...signedEvent('x', SECRET).headers, 'Content-Type': 'text/plain' } }, 400],
  ])('answers %s with a 4xx and never throws', async (_what, event, status) => {
    // Prepare
    const starts: unknown[] = [];
    await plainRuntime({ start: async (i) => (starts.push(i), 'exec') });
    // Act
    const res = await slackHandler(event as never, ctx);
    // Assess
    expect(res.statusCode).toBe(status);
    expect(starts).toEqual([]);
  });

  it('drops Slack retries without processing them', async () => {
    // Prepare
    const starts: unknown[] = [];
    await plainRuntime({ start: async (i) => (starts.push(i), 'exec') });
    // Act
    const res = await send(slashBody('check checkout'), { 'X-Slack-Retry-Num': '1', 'X-Slack-Retry-Reason': 'http_timeout' });
    // Assess
    expect([res.statusCode, res.body]).toEqual([200, '']);
    expect(starts).toEqual([]);
  });

  it('processes the same signed request once: five replays of /sticky check start one triage', async () => {
    // Prepare
    const starts: unknown[] = [];
    await plainRuntime({ start: async (i) => (starts.push(i), 'exec') });
    const event = signedEvent(slashBody('check checkout', 'U1'), SECRET);
    // Act
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(JSON.parse((await slackHandler(structuredClone(event) as never, ctx)).body).text);
    // Assess
    expect(starts).toHaveLength(1);
    expect(answers).toEqual(['Checking `checkout`… the findings will be posted in this channel.', ...Array(4).fill('This request was already received; Sticky handles each one once.')]);
  });

  it('answers an unknown service with the closest names, privately', async () => {
    // Prepare
    await plainRuntime();
    // Act
    const res = await send(slashBody('check chekout'));
    // Assess
    expect(JSON.parse(res.body)).toEqual({ response_type: 'ephemeral', text: 'No service `chekout` in the catalog. Did you mean `checkout`?' });
  });

  it.each([
    ['ThrottlingException', 'Could not check `checkout`: Step Functions is throttling new triages right now; nothing was started. Try again in a minute.'],
    ['AccessDeniedException', 'Could not check `checkout`: Sticky may not start its triage state machine (states:StartExecution is denied); nothing was started. Ask whoever deployed Sticky.'],
  ])('tells the user why a triage could not start when Step Functions answers %s', async (name, text) => {
    // Prepare
    await plainRuntime({ start: async () => Promise.reject(Object.assign(new Error('rate exceeded'), { name })) });
    // Act
    const res = await send(slashBody('check checkout'));
    // Assess
    expect([res.statusCode, JSON.parse(res.body)]).toEqual([200, { response_type: 'ephemeral', text }]);
  });

  it('answers within Slack\'s three seconds when Step Functions hangs, and says nothing was started', async () => {
    // Prepare
    await plainRuntime({ start: () => new Promise(() => {}) });
    const started = Date.now();
    // Act
    const res = await send(slashBody('check checkout'));
    // Assess
    expect(JSON.parse(res.body).text).toBe('Could not check `checkout`: the triage could not be started (Step Functions did not answer within 1800 ms); nothing was started. Try again in a minute.');
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('tells the user when the store is down, and starts nothing', async () => {
    // Prepare
    const starts: unknown[] = [];
    const broken = new Store(new DynamoDBClient({ endpoint: 'http://127.0.0.1:1', region: 'local', credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 }), 'sticky');
    await plainRuntime({ start: async (i) => (starts.push(i), 'exec') }, broken);
    // Act
    const res = await send(slashBody('check checkout'));
    // Assess
    expect(JSON.parse(res.body).text).toMatch(/^Sticky's store is not answering \(.*ECONNREFUSED.*\); nothing was started\. Try again in a minute\.$/);
    expect(starts).toEqual([]);
  });

  it('answers a click even when Slack hangs on the ephemeral reply', async () => {
    // Prepare
    await plainRuntime();
    slack.failNext('chat.postEphemeral', 'hang');
    const started = Date.now();
    // Act
    const res = await send(clickBody('approve:haproxy.raise-cookie-lifetime', 'aUnknownApproval1', 'U2'));
    // Assess
    expect(res.statusCode).toBe(200);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(slack.calls.filter((c) => c.method === 'chat.postEphemeral').map((c) => c.error)).toEqual(['hang']);
  });
});

describe('the approval loop on the real lab', () => {
  it('runs the whole loop: /sticky check, report, approve, apply, verify, the same message updated', async () => {
    // Prepare
    const { engine } = await labRuntime('haproxy-cookie-ttl');
    const start = jest.spyOn(engine, 'start');
    // Act
    const ack = await send(slashBody('check lab-haproxy-cookie-ttl', 'U1'));
    const button = await until('the report', approveButton);
    await until('the execution to wait', () => engine.pending()[0]);
    const click = await send(clickBody(button.action_id, button.value, 'U2'));
    await engine.settled(await start.mock.results[0]!.value as string);
    // Assess
    expect(JSON.parse(ack.body)).toEqual({ response_type: 'ephemeral', text: 'Checking `lab-haproxy-cookie-ttl`… the findings will be posted in this channel.' });
    expect(click.statusCode).toBe(200);
    expect(button).toMatchObject({ action_id: 'approve:haproxy.raise-cookie-lifetime', value: expect.stringMatching(/^a[A-Za-z0-9_-]{16}$/) });
    expect(readFileSync(lab!.service.haproxy![0]!.config, 'utf8')).toContain('cookie SERVERID insert indirect nocache maxidle 2h');
    expect(lastUpdate()).toMatch(/:white_check_mark: approved by <@U2> at \d\d:\d\d UTC: verified: haproxy.edge1.app.cookie-ttl gone/);
    expect(slack.posted().map((p) => [p.channel, p.args.thread_ts ?? null, p.args.text.slice(0, 40)])).toEqual([
      ['C1', null, 'Sticky lab-haproxy-cookie-ttl: 1 critica'],
      ['C1', report()!.ts, ':white_check_mark: approved by <@U2> at '],
    ]);
    expect((await store.getApproval(button.value))!.status).toBe('verified');
  });

  it('rolls a verified change back from the thread, shows evidence privately, and lists recent triages', async () => {
    // Prepare
    await labRuntime('haproxy-cookie-ttl');
    const { button, execution } = await checked();
    await send(clickBody(button.action_id, button.value, 'U2'));
    const engine = (await (await import('../../lib/runtime.ts')).getRuntime()).engine as LocalEngine;
    await engine.settled(execution);
    const verified = slack.of('chat.update').pop()!.blocks;
    const rollback = verified.find((b: { block_id?: string }) => b.block_id?.startsWith('rollback:')).elements[0];
    // Act
    await send(clickBody(rollback.action_id, rollback.value, 'U2'));
    const triageId = (await store.getApproval(button.value))!.triageId;
    await send(clickBody('show_evidence', triageId, 'U5'));
    const status = await send(slashBody('status'));
    // Assess
    expect(rollback).toMatchObject({ action_id: 'rollback:haproxy.raise-cookie-lifetime', value: button.value, style: 'danger' });
    expect(readFileSync(lab!.service.haproxy![0]!.config, 'utf8')).toContain('cookie SERVERID insert indirect nocache maxidle 10m');
    expect(lastUpdate()).toContain(':leftwards_arrow_with_hook: approved by <@U2>');
    expect(JSON.stringify(report()!.args.blocks)).toContain('Requests per backend (live probe)');
    expect(ephemerals().map((e) => [e.user, e.text.split('\n')[0]])).toEqual([['U5', '*critical* `affinity-ttl-short` edge1/backend app: cookie SERVERID expires after 10 min idle; sessions last 1 h']]);
    expect(JSON.parse(status.body).text).toMatch(/^• `lab-haproxy-cookie-ttl` slash-command at \d\d:\d\d UTC/);
    expect((await store.getApproval(button.value))!.status).toBe('rolled-back');
  });

  it('refuses approve and reject from someone who is not an approver, and lets an approver reject', async () => {
    // Prepare
    await labRuntime('haproxy-cookie-ttl');
    const { button, execution } = await checked();
    // Act
    await send(clickBody(button.action_id, button.value, 'U9'));
    await send(clickBody(button.action_id.replace('approve:', 'reject:'), button.value, 'U9'));
    await send(clickBody(button.action_id.replace('approve:', 'reject:'), button.value, 'U2'));
    await ((await (await import('../../lib/runtime.ts')).getRuntime()).engine as LocalEngine).settled(execution);
    // Assess
    expect(ephemerals()).toEqual([
      { channel: 'C1', user: 'U9', text: 'Not applied: you are not an approver of lab-haproxy-cookie-ttl.' },
      { channel: 'C1', user: 'U9', text: 'Not rejected: you are not an approver of lab-haproxy-cookie-ttl.' },
    ]);
    expect(readFileSync(lab!.service.haproxy![0]!.config, 'utf8')).toContain('maxidle 10m');
    expect(lastUpdate()).toContain(':no_entry_sign: rejected by <@U2>');
    expect((await store.getApproval(button.value))!.status).toBe('rejected');
  });

  it('lets the person who asked for the check withdraw it, though they are not an approver', async () => {
    // Prepare
    await labRuntime('haproxy-cookie-ttl');
    const { button, execution } = await checked('U4');
    // Act
    await send(clickBody(button.action_id.replace('approve:', 'reject:'), button.value, 'U4'));
    await ((await (await import('../../lib/runtime.ts')).getRuntime()).engine as LocalEngine).settled(execution);
    // Assess
    expect(ephemerals()).toEqual([]);
    expect((await store.getApproval(button.value))).toMatchObject({ status: 'rejected', decidedBy: 'U4' });
  });

  it('takes decisions only in the triage\'s own channel', async () => {
    // Prepare
    await labRuntime('haproxy-cookie-ttl');
    const { button } = await checked();
    // Act
    await send(clickBody(button.action_id, button.value, 'U2', 'C7'));
    // Assess
    expect(ephemerals()).toEqual([{ channel: 'C7', user: 'U2', text: 'Not applied: decisions on this fix are taken in <#C1>, where the check was posted.' }]);
    expect((await store.getApproval(button.value))!.status).toBe('pending');
    const engine = (await (await import('../../lib/runtime.ts')).getRuntime()).engine as LocalEngine;
    await engine.sendTaskFailure(engine.pending()[0]!, 'States.Timeout', 'test over');
  });

  it('applies at most once when the same click is replayed and double-clicked', async () => {
    // Prepare
    await labRuntime('haproxy-cookie-ttl');
    const { button, execution } = await checked();
    const event = signedEvent(clickBody(button.action_id, button.value, 'U2'), SECRET);
    // Act
    const [first, replay, double] = await Promise.all([slackHandler(event as never, ctx), slackHandler(structuredClone(event) as never, ctx), send(clickBody(button.action_id, button.value, 'U2'))]);
    await ((await (await import('../../lib/runtime.ts')).getRuntime()).engine as LocalEngine).settled(execution);
    // Assess
    expect([first.statusCode, replay.statusCode, double.statusCode]).toEqual([200, 200, 200]);
    const triage = (await store.getApproval(button.value))!.triageId;
    const trail = await store.auditTrail(triage);
    expect(trail.filter((a) => a.event === 'applied')).toHaveLength(1);
    expect(trail.filter((a) => a.event === 'refused').map((a) => a.reason)).toEqual(['this fix was already decided']);
  });

  it('needs two distinct approvers when the catalog says so, shows "1 of 2" and counts a user group member', async () => {
    // Prepare
    await labRuntime('haproxy-cookie-ttl', { entry: { approvals: { low: 2 } } });
    const { button, execution } = await checked();
    // Act
    await send(clickBody(button.action_id, button.value, 'U2'));
    const afterOne = lastUpdate();
    await send(clickBody(button.action_id, button.value, 'U2'));
    await send(clickBody(button.action_id, button.value, 'U7'));
    await ((await (await import('../../lib/runtime.ts')).getRuntime()).engine as LocalEngine).settled(execution);
    // Assess
    expect(afterOne).toContain('1 of 2 approvals: <@U2>');
    expect(ephemerals()).toEqual([
      { channel: 'C1', user: 'U2', text: 'Your approval is recorded: 1 of 2. It needs 1 more approver.' },
      { channel: 'C1', user: 'U2', text: 'Not applied: you already approved this fix; it needs another approver.' },
    ]);
    expect(await store.getApproval(button.value)).toMatchObject({ status: 'verified', approvedBy: ['U2', 'U7'], decidedBy: 'U7' });
    expect(lastUpdate()).toContain('approved by <@U2>, <@U7>');
  });

  it('needs a second person for a high-risk fix: the requester\'s own approval is refused', async () => {
    // Prepare
    await labRuntime('haproxy-cookie-ttl');
    const { button } = await checked('U2');
    await store.modify(button.value, (a) => ({ ...a, risk: 'high' }));
    // Act
    await send(clickBody(button.action_id, button.value, 'U2'));
    // Assess
    expect(ephemerals().map((e) => e.text)).toEqual(['Not applied: this fix is high risk: someone other than the person who asked for the check must approve it.']);
    expect((await store.getApproval(button.value))!.status).toBe('pending');
    const engine = (await (await import('../../lib/runtime.ts')).getRuntime()).engine as LocalEngine;
    await engine.sendTaskFailure(engine.pending()[0]!, 'States.Timeout', 'test over');
  });

  it('treats an approver user group Slack does not know (no_such_subteam) as having no members', async () => {
    // Prepare
    await labRuntime('haproxy-cookie-ttl', { entry: { approvers: ['SGONE'] } });
    const { button } = await checked();
    // Act
    await send(clickBody(button.action_id, button.value, 'U7'));
    // Assess
    expect(slack.calls.filter((c) => c.method === 'usergroups.users.list').map((c) => c.error)).toEqual(['no_such_subteam']);
    expect(ephemerals().map((e) => e.text)).toEqual(['Not applied: you are not an approver of lab-haproxy-cookie-ttl.']);
    const engine = (await (await import('../../lib/runtime.ts')).getRuntime()).engine as LocalEngine;
    await engine.sendTaskFailure(engine.pending()[0]!, 'States.Timeout', 'test over');
  });

  it('closes a fix nobody decided on when the wait times out, and says so in the message', async () => {
    // Prepare
    const { engine } = await labRuntime('haproxy-cookie-ttl', { waitMs: 400 });
    const start = jest.spyOn(engine, 'start');
    // Act
    await send(slashBody('check lab-haproxy-cookie-ttl', 'U1'));
    const button = await until('the report', approveButton);
    const result = await engine.settled(await start.mock.results[0]!.value as string);
    // Assess
    expect(result).not.toBeInstanceOf(Error);
    expect(await store.getApproval(button.value)).toMatchObject({ status: 'expired', outcome: 'expired without a decision' });
    expect(lastUpdate()).toContain(':hourglass: expired without a decision');
  });

  it('refuses an approval after it expired', async () => {
    // Prepare
    let t = Date.now();
    await labRuntime('haproxy-cookie-ttl', { now: () => new Date(t), ttlMs: 30 * 60_000 });
    const { button } = await checked();
    t += 31 * 60_000;
    // Act
    await send(clickBody(button.action_id, button.value, 'U2'));
    // Assess
    expect(ephemerals()).toEqual([{ channel: 'C1', user: 'U2', text: 'Not applied: this approval has expired; run the check again.' }]);
    expect(readFileSync(lab!.service.haproxy![0]!.config, 'utf8')).toContain('maxidle 10m');
    const engine = (await (await import('../../lib/runtime.ts')).getRuntime()).engine as LocalEngine;
    await engine.sendTaskFailure(engine.pending()[0]!, 'States.Timeout', 'test over');
  });
});

describe('the alarm handler (SNS → triage)', () => {
  let prefix = 'svc';
  const tg = (i: number) => `targetgroup/${prefix}-${i}/${String(i).padStart(16, '0')}`;
  function alarmRuntime(p = 'svc'): { starts: unknown[]; rt: Runtime } {
    prefix = p;
    const file = join(dir, `${p}.yaml`);
    const services = Array.from({ length: 10 }, (_, i) => ({
      name: `${p}-${i}`, hosts: [`${p}-${i}.example.com`], sessionTimeoutSeconds: 3600, slackChannel: 'C9',
      aws: { region: 'eu-west-1', targetGroupArns: [`arn:aws:elasticloadbalancing:eu-west-1:123456789012:${tg(i)}`] },
    }));
    writeFileSync(file, stringify(services));
    const loaded = loadCatalog(file);
    const catalog = () => loaded;
    const starts: unknown[] = [];
    const rt: Runtime = {
      store, catalog, service: async (n) => findService(await catalog(), n), slack: webClient() as never, now: () => new Date(), alarmChannel: undefined, dedupeWindowMs: 15 * 60_000,
      engine: { start: async (i) => (starts.push(i), `exec-${starts.length}`), sendTaskSuccess: async () => {}, sendTaskFailure: async () => {} },
    };
    setRuntime(rt);
    return { starts, rt };
  }
  const record = (i: number, k: number, name = `${prefix}-${i}-unhealthy-hosts-${k}`, reason = 'Threshold Crossed') => ({
    EventSource: 'aws:sns',
    Sns: {
      MessageId: `m-${i}-${k}`, Timestamp: '2026-11-25T10:00:00Z',
      Message: JSON.stringify({
        AlarmName: name, NewStateValue: 'ALARM', OldStateValue: 'OK', NewStateReason: reason, StateChangeTime: `2026-11-25T10:00:${String(k % 60).padStart(2, '0')}.000+0000`,
        Trigger: { MetricName: 'UnHealthyHostCount', Namespace: 'AWS/ApplicationELB', Dimensions: [{ name: 'TargetGroup', value: tg(i) }, { name: 'LoadBalancer', value: 'app/shop/50dc6c495c0c9188' }] },
      }),
    },
  });

  it('turns a storm of 1,000 alarms for 10 services into 10 triages and one updated message per thread, losing no alarm', async () => {
    // Prepare
    const { starts, rt } = alarmRuntime();
    slack.limits['chat.postMessage'] = { perSecond: 1, burst: 1, per: 'channel' };
    const events = Array.from({ length: 100 }, (_, k) => ({ Records: Array.from({ length: 10 }, (_, i) => record(i, k)) }));
    // Act
    const timed = await Promise.all(events.map(async (e) => {
      const t0 = Date.now();
      const r = await alarmHandler(e as never);
      return { r, ms: Date.now() - t0 };
    }));
    for (let i = 0; i < 5 && (await store.open('THREAD')).length > 0; i++) await sweep({ store, slack: rt.slack, catalog: rt.catalog, now: rt.now, engine: rt.engine });
    // Assess
    const sum = timed.reduce((a, { r }) => ({ started: a.started + r.started, noted: a.noted + r.noted, ignored: a.ignored + r.ignored }), { started: 0, noted: 0, ignored: 0 });
    expect(sum).toEqual({ started: 10, noted: 990, ignored: 0 });
    expect(Math.max(...timed.map((t) => t.ms))).toBeLessThan(10_000);
    expect(new Set(starts.map((s) => (s as { service: string }).service)).size).toBe(10);
    const posts = slack.posted();
    expect(posts.length).toBeLessThanOrEqual(30);
    expect(posts.filter((p) => p.args.thread_ts)).toEqual([]);
    expect(await store.open('THREAD')).toEqual([]);
    for (let i = 0; i < 10; i++) {
      const header = posts.find((p) => p.args.text.includes(`\`svc-${i}\``))!;
      const shown = [header.args.text, ...slack.of('chat.update').filter((u) => u.ts === header.ts).map((u) => u.text)].at(-1)!;
      expect(shown.split('\n')[0]).toBe(`:rotating_light: *100 alarms* for \`svc-${i}\`. Sticky is triaging; findings follow in this thread.`);
      expect(shown.split('\n')).toHaveLength(2 + 5);
    }
  });

  it('skips what is not an alarm state change, counting it ignored, and starts nothing', async () => {
    // Prepare
    const { starts, rt } = alarmRuntime('skip');
    await rt.catalog();
    const sns = (Message: string) => ({ EventSource: 'aws:sns', Sns: { MessageId: 'm-skip', Timestamp: '2026-11-25T10:00:00Z', Message } });
    const errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    // Act
    const notSns = await alarmHandler({ Records: [] } as never);
    const skipped = await alarmHandler({ Records: [sns('not json'), sns(JSON.stringify({ AlarmName: 'x', NewStateValue: 'MAYBE' }))] } as never);
    const logged = errors.mock.calls.map((c) => JSON.parse(String(c[0])).message);
    errors.mockRestore();
    // Assess
    expect([notSns, skipped]).toEqual([{ started: 0, noted: 0, ignored: 0 }, { started: 0, noted: 0, ignored: 2 }]);
    expect(logged).toEqual(['not an SNS event', 'not a CloudWatch alarm message', 'not a CloudWatch alarm message']);
    expect([starts, slack.posted()]).toEqual([[], []]);
  });

  it('escapes alarm names and reasons: no @channel, no smuggled link', async () => {
    // Prepare
    alarmRuntime('esc');
    // Act
    await alarmHandler({ Records: [record(3, 0, 'esc-3-<!channel>', 'see <https://evil.example|click> & more')] } as never);
    // Assess
    const text = slack.posted()[0]!.args.text as string;
    expect(text).toContain('`esc-3-&lt;!channel&gt;` in ALARM: see &lt;https://evil.example|click&gt; &amp; more');
    expect(text).not.toMatch(/<!channel>|<https:/);
  });
});
