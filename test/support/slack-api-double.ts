import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A token bucket: `perSecond` refill, `burst` capacity. */
interface Bucket {
  tokens: number;
  at: number;
}

/** A fault the double answers with instead of the method's result. */
export type SlackFault = 500 | 503 | 429 | 'hang' | { error: string };

/**
 * Rate limits as Slack documents them (docs.slack.dev, "Rate limits"): chat.postMessage about one
 * message per second per channel with short bursts; chat.update Tier 3 (50+ per minute);
 * chat.postEphemeral Tier 4 (100+ per minute); usergroups.users.list Tier 2 (20+ per minute).
 * The burst sizes are the double's choice: Slack only says bursts are tolerated.
 */
export const SLACK_LIMITS: Record<string, { perSecond: number; burst: number; per: 'channel' | 'workspace' }> = {
  'chat.postMessage': { perSecond: 1, burst: 3, per: 'channel' },
  'chat.update': { perSecond: 50 / 60, burst: 10, per: 'workspace' },
  'chat.postEphemeral': { perSecond: 100 / 60, burst: 20, per: 'workspace' },
  'usergroups.users.list': { perSecond: 20 / 60, burst: 5, per: 'workspace' },
};

const MODELLED = new Set(['chat.postMessage', 'chat.update', 'chat.postEphemeral', 'usergroups.users.list', 'auth.test', 'apps.connections.open']);

/**
 * A local Slack Web API for tests: real Bolt and WebClient post to it over HTTP. It behaves as
 * Slack documents: it checks the bot token (`not_authed`, `invalid_auth`), validates Block Kit as
 * Slack does (`invalid_blocks` for more than 50 blocks, texts over their limits, duplicate block
 * ids; `msg_too_long`, `no_text`), keeps the messages it was sent so `chat.update` of a `ts` it
 * never posted is `message_not_found`, answers `no_such_subteam` for an unknown user group,
 * rate-limits per channel and per method with 429 and Retry-After, and refuses methods it does
 * not model (`unknown_method`). Faults (429, 5xx, a hang, any Slack error) can be injected per
 * method. Every call is recorded.
 */
export class SlackApiDouble {
  readonly calls: { method: string; args: Obj; status: number; error?: string; result?: Obj }[] = [];
  groups = new Map<string, string[]>();
  /** Forces 429 for the next N calls of a method (kept for older tests; prefer {@link failNext}). */
  rateLimit = new Map<string, number>();
  /** The bot tokens the double accepts. */
  tokens = new Set(['xoxb-test']);
  /** Rate limits; set `limits = {}` to turn them off, or change a method's entry. */
  limits: Record<string, { perSecond: number; burst: number; per: 'channel' | 'workspace' }> = structuredClone(SLACK_LIMITS);
  /** Messages by channel, then ts: what chat.update may change. */
  readonly messages = new Map<string, Map<string, Obj>>();
  private readonly faults = new Map<string, SlackFault[]>();
  private readonly buckets = new Map<string, Bucket>();
  private readonly hung = new Set<ServerResponse>();
  /** Tokens answered with `invalid_auth`, as Slack answers a revoked or mistyped token. */
  refusedTokens = new Set<string>();
  private server: Server | undefined;
  private seq = 0;
  url = '';

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', () => r()));
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}/api/`;
    return this.url;
  }

  async stop(): Promise<void> {
    for (const r of this.hung) r.destroy();
    this.server?.closeAllConnections();
    await new Promise((r) => this.server?.close(() => r(undefined)));
  }

  /** Forgets calls, messages, faults and rate-limit state (between tests). */
  reset(): void {
    this.calls.length = 0;
    this.messages.clear();
    this.faults.clear();
    this.buckets.clear();
    this.rateLimit.clear();
    for (const r of this.hung) r.destroy();
    this.hung.clear();
  }

  /** Answers the next `times` calls of `method` with `fault` instead of its result. */
  failNext(method: string, fault: SlackFault, times = 1): void {
    this.faults.set(method, [...(this.faults.get(method) ?? []), ...Array(times).fill(fault)]);
  }

  /** The successful calls of one method, in order. */
  of(method: string): Obj[] {
    return this.calls.filter((c) => c.method === method && c.status === 200 && !c.error).map((c) => c.args);
  }

  /** The messages posted successfully, with the channel and ts Slack gave them. */
  posted(): { channel: string; ts: string; args: Obj }[] {
    return this.calls.filter((c) => c.method === 'chat.postMessage' && c.result).map((c) => ({ channel: c.result!.channel, ts: c.result!.ts, args: c.args }));
  }

  private reply(res: ServerResponse, status: number, body: Obj, headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  }

  /** Takes a token for a rate-limited call; returns the seconds to wait when there is none. */
  private limited(method: string, channel: string | undefined): number | undefined {
    const limit = this.limits[method];
    if (!limit) return undefined;
    const key = `${method}:${limit.per === 'channel' ? (channel ?? '') : 'T1'}`;
    const now = Date.now() / 1000;
    const b = this.buckets.get(key) ?? { tokens: limit.burst, at: now };
    b.tokens = Math.min(limit.burst, b.tokens + (now - b.at) * limit.perSecond);
    b.at = now;
    this.buckets.set(key, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return undefined;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / limit.perSecond));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const method = (req.url ?? '').replace(/^\/api\//, '').split('?')[0]!;
    let args: Obj;
    try {
      args = (req.headers['content-type'] ?? '').includes('json') ? JSON.parse(text || '{}') : Object.fromEntries(new URLSearchParams(text));
      for (const k of ['blocks', 'attachments']) if (typeof args[k] === 'string') args[k] = JSON.parse(args[k]);
    } catch {
      this.calls.push({ method, args: {}, status: 200, error: 'invalid_json' });
      return this.reply(res, 200, { ok: false, error: 'invalid_json' });
    }
    const record = (status: number, error?: string) => this.calls.push({ method, args, status, ...(error ? { error } : {}) });
    const fault = this.faults.get(method)?.shift();
    if (fault === 'hang') {
      record(0, 'hang');
      this.hung.add(res);
      return;
    }
    if (fault === 429 || (this.rateLimit.get(method) ?? 0) > 0) {
      if (fault !== 429) this.rateLimit.set(method, this.rateLimit.get(method)! - 1);
      record(429, 'ratelimited');
      return this.reply(res, 429, { ok: false, error: 'ratelimited' }, { 'retry-after': '1' });
    }
    if (fault === 500 || fault === 503) {
      record(fault, 'internal_error');
      return this.reply(res, fault, { ok: false, error: 'internal_error' });
    }
    if (fault) {
      record(200, fault.error);
      return this.reply(res, 200, { ok: false, error: fault.error });
    }
    if (!MODELLED.has(method)) {
      record(200, 'unknown_method');
      return this.reply(res, 200, { ok: false, error: 'unknown_method', req_method: method });
    }
    const auth = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? (typeof args.token === 'string' ? args.token : undefined);
    if (!auth) {
      record(200, 'not_authed');
      return this.reply(res, 200, { ok: false, error: 'not_authed' });
    }
    if (!this.tokens.has(auth) || this.refusedTokens.has(auth)) {
      record(200, 'invalid_auth');
      return this.reply(res, 200, { ok: false, error: 'invalid_auth' });
    }
    const wait = this.limited(method, typeof args.channel === 'string' ? args.channel : undefined);
    if (wait !== undefined) {
      record(429, 'ratelimited');
      return this.reply(res, 429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(wait) });
    }
    const result = this.answer(method, args, auth);
    this.calls.push({ method, args, status: 200, ...(result.ok ? { result } : { error: String(result.error) }) });
    this.reply(res, 200, result);
  }

  private answer(method: string, args: Obj, token: string): Obj {
    switch (method) {
      case 'auth.test':
        return { ok: true, user_id: 'UBOT', bot_id: 'BBOT', team_id: 'T1', url: 'https://shop.slack.com/' };
      case 'apps.connections.open':
        return token.startsWith('xapp-') ? { ok: true, url: 'ws://127.0.0.1:1/link' } : { ok: false, error: 'not_allowed_token_type' };
      case 'usergroups.users.list': {
        const users = this.groups.get(args.usergroup);
        return users ? { ok: true, users } : { ok: false, error: 'no_such_subteam' };
      }
      case 'chat.postMessage':
      case 'chat.postEphemeral':
      case 'chat.update': {
        if (typeof args.channel !== 'string' || !/^[CGD][A-Z0-9]+$/.test(args.channel)) return { ok: false, error: 'channel_not_found' };
        const problem = messageProblems(args);
        if (problem) return problem;
        if (method === 'chat.postEphemeral') {
          if (typeof args.user !== 'string' || !/^[UW][A-Z0-9]+$/.test(args.user)) return { ok: false, error: 'user_not_in_channel' };
          return { ok: true, message_ts: `1700000001.${String(++this.seq).padStart(6, '0')}` };
        }
        const inChannel = this.messages.get(args.channel) ?? new Map<string, Obj>();
        this.messages.set(args.channel, inChannel);
        if (method === 'chat.update') {
          const old = inChannel.get(args.ts);
          if (!old) return { ok: false, error: 'message_not_found' };
          // Slack keeps the message's blocks when an update does not name them, and clears them with [].
          const updated = { ...old, text: args.text, ...(args.blocks !== undefined ? { blocks: args.blocks } : {}) };
          inChannel.set(args.ts, updated);
          return { ok: true, channel: args.channel, ts: args.ts, text: args.text, message: { type: 'message', bot_id: 'BBOT', ...updated, ts: args.ts } };
        }
        if (args.thread_ts !== undefined) {
          if (!/^\d+\.\d+$/.test(String(args.thread_ts))) return { ok: false, error: 'invalid_thread_ts', response_metadata: { messages: [`[ERROR] ${String(args.thread_ts)} is not a valid thread_ts`] } };
          // Slack accepts a reply to a message that does not exist and nobody ever sees it; the
          // double refuses it instead, so a test notices the lost message.
          if (!inChannel.has(args.thread_ts)) return { ok: false, error: 'thread_not_found' };
        }
        const ts = `1700000000.${String(++this.seq).padStart(6, '0')}`;
        const message = { text: args.text, ...(args.blocks !== undefined ? { blocks: args.blocks } : {}), ...(args.thread_ts ? { thread_ts: args.thread_ts } : {}) };
        inChannel.set(ts, message);
        return { ok: true, channel: args.channel, ts, message: { type: 'message', bot_id: 'BBOT', ...message, ts } };
      }
    }
    return { ok: false, error: 'unknown_method' };
  }
}

const LIMITS = { blocks: 50, text: 40_000, header: 150, section: 3000, field: 2000, fields: 10, blockId: 255, actionId: 255, buttonText: 75, value: 2000, url: 3000, contextElements: 10, actionsElements: 25, confirmTitle: 100, confirmText: 300, confirmButton: 30 };

/**
 * Slack's checks of a message, from the Block Kit reference (docs.slack.dev): at most 50 blocks,
 * block ids unique in the message and action ids unique in their block, texts within their
 * limits (section 3,000, field 2,000 and at most 10 fields, header 150 and plain_text only,
 * button 75), text objects `plain_text` or `mrkdwn`; the message text within 40,000 characters.
 * A block type the double does not model is refused, never passed.
 */
function messageProblems(args: Obj): Obj | undefined {
  const blocks = args.blocks as Obj[] | undefined;
  if (!args.text && !(blocks?.length)) return { ok: false, error: 'no_text' };
  if (typeof args.text === 'string' && args.text.length > LIMITS.text) return { ok: false, error: 'msg_too_long' };
  if (!blocks) return undefined;
  const problems: string[] = [];
  if (!Array.isArray(blocks)) problems.push('blocks must be an array');
  else {
    if (blocks.length > LIMITS.blocks) problems.push(`no more than ${LIMITS.blocks} items allowed [json-pointer:/blocks]`);
    const ids = new Set<string>();
    blocks.forEach((b, i) => {
      const at = `[json-pointer:/blocks/${i}`;
      if (b.block_id !== undefined) {
        if (String(b.block_id).length > LIMITS.blockId) problems.push(`must be less than ${LIMITS.blockId + 1} characters ${at}/block_id]`);
        if (ids.has(b.block_id)) problems.push(`duplicate block_id ${at}/block_id]`);
        ids.add(b.block_id);
      }
      const textOf = (t: Obj | undefined, max: number, where: string, plainOnly = false) => {
        if (!t) return;
        if (plainOnly && t.type !== 'plain_text') problems.push(`must be plain_text ${at}${where}/type]`);
        else if (t.type !== 'plain_text' && t.type !== 'mrkdwn') problems.push(`must be one of plain_text, mrkdwn ${at}${where}/type]`);
        if (typeof t.text !== 'string' || t.text.length === 0) problems.push(`must be more than 0 characters ${at}${where}/text]`);
        else if (t.text.length > max) problems.push(`must be less than ${max + 1} characters ${at}${where}/text]`);
      };
      const actionIds = new Set<string>();
      const element = (e: Obj, where: string) => {
        if (e.type !== 'button') {
          problems.push(`unsupported element type "${String(e.type)}" (not modelled by the double) ${at}${where}/type]`);
          return;
        }
        if (e.action_id !== undefined) {
          if (actionIds.has(e.action_id)) problems.push(`duplicate action_id ${at}${where}/action_id]`);
          actionIds.add(e.action_id);
        }
        if (e.style !== undefined && e.style !== 'primary' && e.style !== 'danger') problems.push(`must be one of primary, danger ${at}${where}/style]`);
        if (e.url !== undefined && String(e.url).length > LIMITS.url) problems.push(`must be less than ${LIMITS.url + 1} characters ${at}${where}/url]`);
        textOf(e.text, LIMITS.buttonText, `${where}/text`, true);
        if (String(e.action_id ?? '').length > LIMITS.actionId) problems.push(`must be less than ${LIMITS.actionId + 1} characters ${at}${where}/action_id]`);
        if (String(e.value ?? '').length > LIMITS.value) problems.push(`must be less than ${LIMITS.value + 1} characters ${at}${where}/value]`);
        if (e.confirm) {
          textOf(e.confirm.title, LIMITS.confirmTitle, `${where}/confirm/title`, true);
          textOf(e.confirm.text, LIMITS.confirmText, `${where}/confirm/text`);
          textOf(e.confirm.confirm, LIMITS.confirmButton, `${where}/confirm/confirm`, true);
          textOf(e.confirm.deny, LIMITS.confirmButton, `${where}/confirm/deny`, true);
        }
      };
      switch (b.type) {
        case 'header': textOf(b.text, LIMITS.header, '/text', true); break;
        case 'section':
          if (!b.text && !b.fields) problems.push(`must provide text or fields ${at}]`);
          textOf(b.text, LIMITS.section, '/text');
          if (Array.isArray(b.fields) && b.fields.length > LIMITS.fields) problems.push(`no more than ${LIMITS.fields} items allowed ${at}/fields]`);
          (b.fields ?? []).forEach((f: Obj, j: number) => textOf(f, LIMITS.field, `/fields/${j}`));
          if (b.accessory) element(b.accessory, '/accessory');
          break;
        case 'context':
          if (!Array.isArray(b.elements) || b.elements.length === 0 || b.elements.length > LIMITS.contextElements) problems.push(`must have 1 to ${LIMITS.contextElements} elements ${at}/elements]`);
          (b.elements ?? []).forEach((e: Obj, j: number) => {
            if (e.type === 'plain_text' || e.type === 'mrkdwn') textOf(e, LIMITS.section, `/elements/${j}`);
            else problems.push(`unsupported element type "${String(e.type)}" (not modelled by the double) ${at}/elements/${j}/type]`);
          });
          break;
        case 'actions':
          if (!Array.isArray(b.elements) || b.elements.length === 0 || b.elements.length > LIMITS.actionsElements) problems.push(`must have 1 to ${LIMITS.actionsElements} elements ${at}/elements]`);
          (b.elements ?? []).forEach((e: Obj, j: number) => element(e, `/elements/${j}`));
          break;
        case 'divider': break;
        default: problems.push(`unsupported block type "${String(b.type)}" (not modelled by the double) ${at}/type]`);
      }
    });
  }
  return problems.length ? { ok: false, error: 'invalid_blocks', errors: problems, response_metadata: { messages: problems.map((p) => `[ERROR] ${p}`) } } : undefined;
}

/** An API Gateway (REST, v1) event for a Slack request, signed with `secret` at `timestamp` (seconds). */
export function signedEvent(body: string, secret: string, timestamp = Math.floor(Date.now() / 1000), extraHeaders: Record<string, string> = {}): Obj {
  const signature = `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
  return {
    resource: '/slack/events', path: '/slack/events', httpMethod: 'POST', isBase64Encoded: false, body,
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Slack-Request-Timestamp': String(timestamp), 'X-Slack-Signature': signature, ...extraHeaders },
    multiValueHeaders: {}, queryStringParameters: null, multiValueQueryStringParameters: null, pathParameters: null, stageVariables: null,
    requestContext: { httpMethod: 'POST', path: '/slack/events', stage: 'prod', requestId: 'r1', identity: { sourceIp: '127.0.0.1' } },
  };
}

let triggers = 0;
/** A fresh trigger id, as Slack gives every command and click (so two clicks are never the same request). */
const triggerId = () => `${Date.now()}.${++triggers}.${Math.random().toString(16).slice(2, 10)}`;

/** The form body of a slash command. */
export function slashBody(text: string, user = 'U1', channel = 'C1'): string {
  return new URLSearchParams({ token: 'x', team_id: 'T1', team_domain: 'shop', channel_id: channel, channel_name: 'incidents', user_id: user, user_name: user.toLowerCase(), command: '/sticky', text, api_app_id: 'A1', response_url: 'http://127.0.0.1:1/respond', trigger_id: triggerId() }).toString();
}

/** The form body of a block_actions click on a button. */
export function clickBody(actionId: string, value: string, user: string, channel = 'C1', messageTs = '1700000000.000001'): string {
  const payload = {
    type: 'block_actions', team: { id: 'T1', domain: 'shop' }, user: { id: user, username: user.toLowerCase(), team_id: 'T1' }, api_app_id: 'A1', token: 'x',
    container: { type: 'message', message_ts: messageTs, channel_id: channel, is_ephemeral: false }, trigger_id: triggerId(), channel: { id: channel, name: 'incidents' },
    message: { type: 'message', ts: messageTs, text: 'report' }, response_url: 'http://127.0.0.1:1/respond',
    actions: [{ type: 'button', action_id: actionId, block_id: 'b1', value, text: { type: 'plain_text', text: 'Approve' }, action_ts: '1700000002.000000' }],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}
