/**
 * What the Slack Web API double (test/support/slack-api-double.ts) promises, each case from
 * Slack's documentation (docs.slack.dev: the Block Kit reference, the chat.postMessage,
 * chat.update, chat.postEphemeral and usergroups.users.list method pages, "Rate limits"), through
 * the real @slack/web-api WebClient over HTTP on loopback.
 *
 * Where Slack's documentation and Slack differ or are silent, the double takes the side that
 * makes a test fail rather than pass: a text over 40,000 characters is `msg_too_long` (Slack once
 * truncated with a warning and now refuses), and a reply to a thread that does not exist is
 * refused (Slack accepts it and nobody ever sees it).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { ErrorCode, WebClient, type WebAPIHTTPError, type WebAPIPlatformError, type WebAPIRateLimitedError } from '@slack/web-api';
import { SLACK_LIMITS, SlackApiDouble } from '../support/slack-api-double.ts';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const slack = new SlackApiDouble();
let url = '';
beforeAll(async () => {
  url = await slack.start();
});
afterAll(async () => {
  await slack.stop();
});
beforeEach(() => {
  slack.reset();
  slack.groups.clear();
  slack.tokens = new Set(['xoxb-test']);
  slack.refusedTokens.clear();
  slack.limits = structuredClone(SLACK_LIMITS);
});

/** WebClient logs Slack's `[ERROR]` messages; the tests assert them instead. */
const quiet = { debug() {}, info() {}, warn() {}, error() {}, setLevel() {}, getLevel: () => 'error', setName() {} } as never;
/** The client as the runtime builds it in AWS: no retries, rate limits rejected, a 3 s timeout. */
const client = (token = 'xoxb-test', opts: Obj = {}) => new WebClient(token, { slackApiUrl: url, timeout: 3000, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true, logger: quiet, ...opts });

/** The error a call fails with (the test fails when the call succeeds). */
async function failure<E = WebAPIPlatformError>(p: Promise<unknown>): Promise<E> {
  try {
    await p;
  } catch (e) {
    return e as E;
  }
  throw new Error('expected the call to fail');
}

const section = (text: string, extra: Obj = {}): Obj => ({ type: 'section', text: { type: 'mrkdwn', text }, ...extra });
const button = (actionId: string, extra: Obj = {}): Obj => ({ type: 'button', action_id: actionId, text: { type: 'plain_text', text: 'Approve' }, value: 'v', ...extra });
/** Posts a message and returns the channel and ts Slack gave it. */
async function post(channel = 'C1', extra: Obj = {}): Promise<{ channel: string; ts: string }> {
  const r = await client().chat.postMessage({ channel, text: 'report', blocks: [section('findings')] as never, ...extra });
  return { channel: r.channel!, ts: r.ts! };
}
/** The `invalid_blocks` messages of a failed post. */
async function blockErrors(blocks: Obj[]): Promise<string[]> {
  const e = await failure(client().chat.postMessage({ channel: 'C1', text: 'fallback', blocks: blocks as never }));
  expect(e.code).toBe(ErrorCode.PlatformError);
  expect(e.data.error).toBe('invalid_blocks');
  return e.data.response_metadata?.messages ?? [];
}

describe('Slack API double: Block Kit (docs.slack.dev Block Kit reference)', () => {
  // Many posts in one channel in a second: the per-channel limit is tested below.
  beforeEach(() => {
    slack.limits = {};
  });

  it('accepts 50 blocks and refuses 51: a message holds at most 50', async () => {
    // Prepare
    const blocks = (n: number) => Array.from({ length: n }, (_, i) => section(`line ${i}`));

    // Act
    const fifty = await client().chat.postMessage({ channel: 'C1', text: 'fallback', blocks: blocks(50) as never });
    const errors = await blockErrors(blocks(51));

    // Assess
    expect(fifty.ok).toBe(true);
    expect(errors).toEqual(['[ERROR] no more than 50 items allowed [json-pointer:/blocks]']);
  });

  it('accepts a 3,000-character section text and refuses 3,001', async () => {
    // Act
    const ok = await client().chat.postMessage({ channel: 'C1', text: 'fallback', blocks: [section('x'.repeat(3000))] as never });
    const errors = await blockErrors([section('x'.repeat(3001))]);

    // Assess
    expect(ok.ok).toBe(true);
    expect(errors).toEqual(['[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]']);
  });

  it('accepts a 150-character header and refuses 151, and a header in mrkdwn', async () => {
    // Prepare
    const header = (text: string, type = 'plain_text') => ({ type: 'header', text: { type, text } });

    // Act
    const ok = await client().chat.postMessage({ channel: 'C1', text: 'fallback', blocks: [header('h'.repeat(150))] as never });
    const long = await blockErrors([header('h'.repeat(151))]);
    const mrkdwn = await blockErrors([header('*bold*', 'mrkdwn')]);

    // Assess
    expect(ok.ok).toBe(true);
    expect(long).toEqual(['[ERROR] must be less than 151 characters [json-pointer:/blocks/0/text/text]']);
    expect(mrkdwn).toEqual(['[ERROR] must be plain_text [json-pointer:/blocks/0/text/type]']);
  });

  it('refuses a block_id used twice in one message, and one over 255 characters', async () => {
    // Act
    const duplicate = await blockErrors([section('a', { block_id: 'finding' }), section('b', { block_id: 'finding' })]);
    const long = await blockErrors([section('a', { block_id: 'b'.repeat(256) })]);

    // Assess
    expect(duplicate).toEqual(['[ERROR] duplicate block_id [json-pointer:/blocks/1/block_id]']);
    expect(long).toEqual(['[ERROR] must be less than 256 characters [json-pointer:/blocks/0/block_id]']);
  });

  it('refuses section fields past 10 or 2,000 characters, and a section with neither text nor fields', async () => {
    // Prepare
    const field = (n: number) => ({ type: 'mrkdwn', text: 'f'.repeat(n) });

    // Act
    const ten = await client().chat.postMessage({ channel: 'C1', text: 'fallback', blocks: [{ type: 'section', fields: Array.from({ length: 10 }, () => field(2000)) }] as never });
    const eleven = await blockErrors([{ type: 'section', fields: Array.from({ length: 11 }, () => field(1)) }]);
    const long = await blockErrors([{ type: 'section', fields: [field(2001)] }]);
    const empty = await blockErrors([{ type: 'section' }]);

    // Assess
    expect(ten.ok).toBe(true);
    expect(eleven).toEqual(['[ERROR] no more than 10 items allowed [json-pointer:/blocks/0/fields]']);
    expect(long).toEqual(['[ERROR] must be less than 2001 characters [json-pointer:/blocks/0/fields/0/text]']);
    expect(empty).toEqual(['[ERROR] must provide text or fields [json-pointer:/blocks/0]']);
  });

  it('checks buttons: 75-character plain_text label, unique action ids in a block, 2,000-character value, primary or danger', async () => {
    // Act
    const label = await blockErrors([{ type: 'actions', elements: [button('a', { text: { type: 'plain_text', text: 'l'.repeat(76) } })] }]);
    const twice = await blockErrors([{ type: 'actions', elements: [button('approve:1'), button('approve:1')] }]);
    const value = await blockErrors([{ type: 'actions', elements: [button('a', { value: 'v'.repeat(2001) })] }]);
    const style = await blockErrors([{ type: 'actions', elements: [button('a', { style: 'green' })] }]);
    const tooMany = await blockErrors([{ type: 'actions', elements: Array.from({ length: 26 }, (_, i) => button(`a${i}`)) }]);
    const sameIdOtherBlocks = await client().chat.postMessage({ channel: 'C1', text: 'f', blocks: [{ type: 'actions', elements: [button('x')] }, { type: 'actions', elements: [button('x')] }] as never });

    // Assess
    expect(label).toEqual(['[ERROR] must be less than 76 characters [json-pointer:/blocks/0/elements/0/text/text]']);
    expect(twice).toEqual(['[ERROR] duplicate action_id [json-pointer:/blocks/0/elements/1/action_id]']);
    expect(value).toEqual(['[ERROR] must be less than 2001 characters [json-pointer:/blocks/0/elements/0/value]']);
    expect(style).toEqual(['[ERROR] must be one of primary, danger [json-pointer:/blocks/0/elements/0/style]']);
    expect(tooMany).toEqual(['[ERROR] must have 1 to 25 elements [json-pointer:/blocks/0/elements]']);
    expect(sameIdOtherBlocks.ok).toBe(true);
  });

  it('checks a confirm dialog: title 100, text 300, buttons 30 characters', async () => {
    // Prepare
    const confirm = { title: { type: 'plain_text', text: 't'.repeat(101) }, text: { type: 'mrkdwn', text: 'x'.repeat(301) }, confirm: { type: 'plain_text', text: 'c'.repeat(31) }, deny: { type: 'plain_text', text: 'Cancel' } };

    // Act
    const errors = await blockErrors([{ type: 'actions', elements: [button('a', { confirm })] }]);

    // Assess
    expect(errors).toEqual([
      '[ERROR] must be less than 101 characters [json-pointer:/blocks/0/elements/0/confirm/title/text]',
      '[ERROR] must be less than 301 characters [json-pointer:/blocks/0/elements/0/confirm/text/text]',
      '[ERROR] must be less than 31 characters [json-pointer:/blocks/0/elements/0/confirm/confirm/text]',
    ]);
  });

  it('checks context blocks (1 to 10 text elements) and refuses what it does not model instead of passing it', async () => {
    // Act
    const eleven = await blockErrors([{ type: 'context', elements: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'c' })) }]);
    const textType = await blockErrors([section('a', { text: { type: 'markdown', text: 'a' } })]);
    const unknownBlock = await blockErrors([{ type: 'table', rows: [] }]);
    const unknownElement = await blockErrors([{ type: 'actions', elements: [{ type: 'static_select', action_id: 's' }] }]);

    // Assess
    expect(eleven).toEqual(['[ERROR] must have 1 to 10 elements [json-pointer:/blocks/0/elements]']);
    expect(textType).toEqual(['[ERROR] must be one of plain_text, mrkdwn [json-pointer:/blocks/0/text/type]']);
    expect(unknownBlock).toEqual(['[ERROR] unsupported block type "table" (not modelled by the double) [json-pointer:/blocks/0/type]']);
    expect(unknownElement).toEqual(['[ERROR] unsupported element type "static_select" (not modelled by the double) [json-pointer:/blocks/0/elements/0/type]']);
  });

  it('validates chat.update and chat.postEphemeral blocks like chat.postMessage', async () => {
    // Prepare
    const { channel, ts } = await post();
    const blocks = Array.from({ length: 51 }, (_, i) => section(`line ${i}`)) as never;

    // Act
    const update = await failure(client().chat.update({ channel, ts, text: 'fallback', blocks }));
    const ephemeral = await failure(client().chat.postEphemeral({ channel, user: 'U1', text: 'fallback', blocks }));

    // Assess
    expect([update.data.error, ephemeral.data.error]).toEqual(['invalid_blocks', 'invalid_blocks']);
    expect(slack.messages.get(channel)!.get(ts)!.blocks).toEqual([section('findings')]);
  });
});

describe('Slack API double: message text (chat.postMessage, chat.update)', () => {
  // Many posts in one channel in a second: the per-channel limit is tested below.
  beforeEach(() => {
    slack.limits = {};
  });

  it('accepts 40,000 characters of text and answers msg_too_long at 40,001', async () => {
    // Act
    const ok = await client().chat.postMessage({ channel: 'C1', text: 't'.repeat(40_000) });
    const post40001 = await failure(client().chat.postMessage({ channel: 'C1', text: 't'.repeat(40_001) }));
    const update40001 = await failure(client().chat.update({ channel: 'C1', ts: ok.ts!, text: 't'.repeat(40_001) }));

    // Assess
    expect(ok.ok).toBe(true);
    expect([post40001.data.error, update40001.data.error]).toEqual(['msg_too_long', 'msg_too_long']);
  });

  it('answers no_text for a message with neither text nor blocks, and channel_not_found for a channel that is not an id', async () => {
    // Act
    const empty = await failure(client().chat.postMessage({ channel: 'C1', text: '' }));
    const name = await failure(client().chat.postMessage({ channel: 'incidents', text: 'hello' }));

    // Assess
    expect([empty.data.error, name.data.error]).toEqual(['no_text', 'channel_not_found']);
  });

  it('gives each post its own ts in its channel and answers with the channel, ts and message', async () => {
    // Act
    const a = await client().chat.postMessage({ channel: 'C1', text: 'one' });
    const b = await client().chat.postMessage({ channel: 'C2', text: 'two' });

    // Assess
    expect(a).toMatchObject({ ok: true, channel: 'C1', ts: expect.stringMatching(/^\d+\.\d{6}$/), message: { type: 'message', text: 'one', ts: a.ts } });
    expect(b).toMatchObject({ ok: true, channel: 'C2', message: { text: 'two' } });
    expect(a.ts).not.toBe(b.ts);
    expect(slack.posted().map(({ channel, ts }) => ({ channel, ts }))).toEqual([{ channel: 'C1', ts: a.ts }, { channel: 'C2', ts: b.ts }]);
  });

  it('refuses a malformed thread_ts (invalid_thread_ts) and a reply to a message it never posted', async () => {
    // Prepare
    const parent = await post('C1');

    // Act
    const malformed = await failure(client().chat.postMessage({ channel: 'C1', text: 'reply', thread_ts: '0' }));
    const unknown = await failure(client().chat.postMessage({ channel: 'C1', text: 'reply', thread_ts: '1700000000.999999' }));
    const otherChannel = await failure(client().chat.postMessage({ channel: 'C2', text: 'reply', thread_ts: parent.ts }));
    const reply = await client().chat.postMessage({ channel: 'C1', text: 'reply', thread_ts: parent.ts });

    // Assess
    expect([malformed.data.error, unknown.data.error, otherChannel.data.error]).toEqual(['invalid_thread_ts', 'thread_not_found', 'thread_not_found']);
    expect(reply.message).toMatchObject({ text: 'reply', thread_ts: parent.ts });
  });
});

describe('Slack API double: chat.update (docs.slack.dev chat.update)', () => {
  it('updates the message at its channel and ts, and answers with both', async () => {
    // Prepare
    const { channel, ts } = await post();

    // Act
    const r = await client().chat.update({ channel, ts, text: 'approved', blocks: [section('approved by <@U2>')] as never });

    // Assess
    expect(r).toMatchObject({ ok: true, channel, ts, text: 'approved' });
    expect(slack.messages.get(channel)!.get(ts)).toEqual({ text: 'approved', blocks: [section('approved by <@U2>')] });
    expect(slack.of('chat.update').map(({ channel: c, ts: t }) => [c, t])).toEqual([[channel, ts]]);
  });

  it('answers message_not_found for a ts it never posted, or a ts posted in another channel', async () => {
    // Prepare
    const { ts } = await post('C1');

    // Act
    const never = await failure(client().chat.update({ channel: 'C1', ts: '1700000000.999999', text: 'x' }));
    const elsewhere = await failure(client().chat.update({ channel: 'C2', ts, text: 'x' }));

    // Assess
    expect([never.data.error, elsewhere.data.error]).toEqual(['message_not_found', 'message_not_found']);
    expect(slack.messages.get('C1')!.get(ts)!.text).toBe('report');
  });

  it('keeps the blocks of a message when an update names none, and clears them with an empty list', async () => {
    // Prepare
    const { channel, ts } = await post();

    // Act
    await client().chat.update({ channel, ts, text: 'text only' });
    const kept = slack.messages.get(channel)!.get(ts)!.blocks;
    await client().chat.update({ channel, ts, text: 'cleared', blocks: [] });

    // Assess
    expect(kept).toEqual([section('findings')]);
    expect(slack.messages.get(channel)!.get(ts)!.blocks).toEqual([]);
  });
});

describe('Slack API double: chat.postEphemeral and usergroups.users.list', () => {
  it('answers an ephemeral post with its message_ts and refuses a user that is not a user id', async () => {
    // Act
    const ok = await client().chat.postEphemeral({ channel: 'C1', user: 'U1', text: 'only you' });
    const bad = await failure(client().chat.postEphemeral({ channel: 'C1', user: 'alice', text: 'only you' }));

    // Assess
    expect(ok).toMatchObject({ ok: true, message_ts: expect.stringMatching(/^\d+\.\d{6}$/) });
    expect(bad.data.error).toBe('user_not_in_channel');
    expect(slack.messages.size).toBe(0);
  });

  it('lists the members of a user group it knows and answers no_such_subteam for one it does not', async () => {
    // Prepare
    slack.groups.set('SOPS', ['U7', 'U8']);

    // Act
    const known = await client().usergroups.users.list({ usergroup: 'SOPS' });
    const unknown = await failure(client().usergroups.users.list({ usergroup: 'SNOPE' }));

    // Assess
    expect(known.users).toEqual(['U7', 'U8']);
    expect(unknown.data.error).toBe('no_such_subteam');
  });
});

describe('Slack API double: tokens', () => {
  it('answers not_authed without a token, invalid_auth for an unknown or revoked one, and accepts a token sent in the body', async () => {
    // Prepare
    slack.tokens.add('xoxb-revoked');
    slack.refusedTokens.add('xoxb-revoked');
    const raw = (body: string, headers: Record<string, string> = {}) => fetch(`${url}chat.postMessage`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body }).then((r) => r.json());

    // Act
    const none = await raw('channel=C1&text=hi');
    const unknown = await failure(client('xoxb-nope').chat.postMessage({ channel: 'C1', text: 'hi' }));
    const revoked = await failure(client('xoxb-revoked').chat.postMessage({ channel: 'C1', text: 'hi' }));
    const inBody = await raw('token=xoxb-test&channel=C1&text=hi');

    // Assess
    expect(none).toEqual({ ok: false, error: 'not_authed' });
    expect([unknown.data.error, revoked.data.error]).toEqual(['invalid_auth', 'invalid_auth']);
    expect(inBody).toMatchObject({ ok: true, channel: 'C1' });
    expect(slack.posted()).toHaveLength(1);
  });

  it('opens a Socket Mode connection only with an app-level token', async () => {
    // Prepare
    slack.tokens.add('xapp-test');

    // Act
    const app = await client('xapp-test').apps.connections.open();
    const bot = await failure(client('xoxb-test').apps.connections.open());

    // Assess
    expect(app).toMatchObject({ ok: true, url: expect.stringMatching(/^ws:/) });
    expect(bot.data.error).toBe('not_allowed_token_type');
  });

  it('answers unknown_method, naming the method, for a method it does not model', async () => {
    // Act
    const e = await failure(client().apiCall('conversations.history', { channel: 'C1' }));

    // Assess
    expect(e.data).toEqual({ ok: false, error: 'unknown_method', req_method: 'conversations.history', response_metadata: {} });
  });
});

describe('Slack API double: rate limits (docs.slack.dev "Rate limits")', () => {
  it('limits chat.postMessage per channel: a burst, then 429 with Retry-After, while another channel still posts', async () => {
    // Prepare
    slack.limits['chat.postMessage'] = { perSecond: 1, burst: 2, per: 'channel' };

    // Act
    await client().chat.postMessage({ channel: 'C1', text: '1' });
    await client().chat.postMessage({ channel: 'C1', text: '2' });
    const limited = await failure<WebAPIRateLimitedError>(client().chat.postMessage({ channel: 'C1', text: '3' }));
    const other = await client().chat.postMessage({ channel: 'C2', text: '1' });

    // Assess
    expect(limited.code).toBe(ErrorCode.RateLimitedError);
    expect(limited.retryAfter).toBe(1);
    expect(other.ok).toBe(true);
    expect(slack.calls.map((c) => [c.args.channel, c.status, c.error ?? 'ok'])).toEqual([['C1', 200, 'ok'], ['C1', 200, 'ok'], ['C1', 429, 'ratelimited'], ['C2', 200, 'ok']]);
  });

  it('limits the other methods per workspace (Tier 2 usergroups.users.list), with a Retry-After in whole seconds of the refill', async () => {
    // Prepare
    slack.groups.set('SOPS', ['U7']);
    slack.limits['usergroups.users.list'] = { perSecond: 20 / 60, burst: 1, per: 'workspace' };

    // Act
    await client().usergroups.users.list({ usergroup: 'SOPS' });
    const limited = await failure<WebAPIRateLimitedError>(client().usergroups.users.list({ usergroup: 'SOPS' }));

    // Assess
    expect(limited.retryAfter).toBe(3);
  });

  it('answers 429 with a Retry-After header and a ratelimited body, which WebClient waits out and retries without rejectRateLimitedCalls', async () => {
    // Prepare
    slack.failNext('chat.postMessage', 429);
    const raw = await fetch(`${url}auth.test`, { method: 'POST', headers: { authorization: 'Bearer xoxb-test' } });
    slack.failNext('auth.test', 429);
    const limitedRaw = await fetch(`${url}auth.test`, { method: 'POST', headers: { authorization: 'Bearer xoxb-test' } });
    const patient = client('xoxb-test', { rejectRateLimitedCalls: false, retryConfig: { retries: 1, minTimeout: 0, maxTimeout: 0 } });
    const started = Date.now();

    // Act
    const r = await patient.chat.postMessage({ channel: 'C1', text: 'after the wait' });

    // Assess
    expect(raw.status).toBe(200);
    expect([limitedRaw.status, limitedRaw.headers.get('retry-after'), await limitedRaw.json()]).toEqual([429, '1', { ok: false, error: 'ratelimited' }]);
    expect(r.ok).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(slack.calls.filter((c) => c.method === 'chat.postMessage').map((c) => c.status)).toEqual([429, 200]);
  });

  it('turns rate limiting off with limits = {} for tests that post in bulk', async () => {
    // Prepare
    slack.limits = {};

    // Act
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => client().chat.postMessage({ channel: 'C1', text: String(i) })));

    // Assess
    expect(results.every((r) => r.ok)).toBe(true);
  });
});

describe('Slack API double: injected faults (failNext)', () => {
  it('answers 500 and 503 as HTTP errors, each once, then the method works again', async () => {
    // Prepare
    slack.failNext('chat.postMessage', 500);
    slack.failNext('chat.postMessage', 503);

    // Act
    const first = await failure<WebAPIHTTPError>(client().chat.postMessage({ channel: 'C1', text: 'a' }));
    const second = await failure<WebAPIHTTPError>(client().chat.postMessage({ channel: 'C1', text: 'b' }));
    const third = await client().chat.postMessage({ channel: 'C1', text: 'c' });

    // Assess
    expect([first.code, first.statusCode, second.statusCode]).toEqual([ErrorCode.HTTPError, 500, 503]);
    expect(third.ok).toBe(true);
  });

  it('lets WebClient retry a 503 when its retry policy allows one', async () => {
    // Prepare
    slack.failNext('chat.update', 503);
    const { channel, ts } = await post();

    // Act
    const r = await client('xoxb-test', { retryConfig: { retries: 1, minTimeout: 0, maxTimeout: 0 } }).chat.update({ channel, ts, text: 'retried' });

    // Assess
    expect(r.ok).toBe(true);
    expect(slack.calls.filter((c) => c.method === 'chat.update').map((c) => c.status)).toEqual([503, 200]);
  });

  it('hangs a call until the client gives up (WebClient timeout → request error)', async () => {
    // Prepare
    slack.failNext('chat.postEphemeral', 'hang');

    // Act
    const e = await failure<{ code: string; message: string }>(client('xoxb-test', { timeout: 200 }).chat.postEphemeral({ channel: 'C1', user: 'U1', text: 'x' }));

    // Assess
    expect(e.code).toBe(ErrorCode.RequestError);
    expect(slack.calls.map((c) => [c.method, c.error])).toEqual([['chat.postEphemeral', 'hang']]);
  });

  it('answers any Slack error for N calls, and 429 N times', async () => {
    // Prepare
    slack.failNext('chat.postMessage', { error: 'is_archived' }, 2);
    slack.failNext('usergroups.users.list', 429, 2);
    slack.groups.set('SOPS', ['U7']);

    // Act
    const errors = [
      (await failure(client().chat.postMessage({ channel: 'C1', text: 'a' }))).data.error,
      (await failure(client().chat.postMessage({ channel: 'C1', text: 'b' }))).data.error,
    ];
    const limits = [
      (await failure<WebAPIRateLimitedError>(client().usergroups.users.list({ usergroup: 'SOPS' }))).code,
      (await failure<WebAPIRateLimitedError>(client().usergroups.users.list({ usergroup: 'SOPS' }))).code,
    ];
    const after = await client().usergroups.users.list({ usergroup: 'SOPS' });

    // Assess
    expect(errors).toEqual(['is_archived', 'is_archived']);
    expect(limits).toEqual([ErrorCode.RateLimitedError, ErrorCode.RateLimitedError]);
    expect(after.users).toEqual(['U7']);
    expect(slack.posted()).toEqual([]);
  });
});
