import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * A local Slack Web API for tests: real Bolt and WebClient post to it over HTTP. It records
 * every call, answers like Slack (`ok`, `ts`, `channel`), knows user-group members, and can
 * answer 429 with Retry-After for the first calls of a method.
 */
export class SlackApiDouble {
  readonly calls: { method: string; args: Obj }[] = [];
  groups = new Map<string, string[]>();
  rateLimit = new Map<string, number>();
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
    this.server?.closeAllConnections();
    await new Promise((r) => this.server?.close(() => r(undefined)));
  }

  /** The calls of one method, in order. */
  of(method: string): Obj[] {
    return this.calls.filter((c) => c.method === method).map((c) => c.args);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const method = (req.url ?? '').replace(/^\/api\//, '').split('?')[0]!;
    const args: Obj = (req.headers['content-type'] ?? '').includes('json') ? JSON.parse(text || '{}') : Object.fromEntries(new URLSearchParams(text));
    for (const k of ['blocks', 'attachments']) if (typeof args[k] === 'string') args[k] = JSON.parse(args[k]);
    const limited = this.rateLimit.get(method) ?? 0;
    if (limited > 0) {
      this.rateLimit.set(method, limited - 1);
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '1' });
      res.end(JSON.stringify({ ok: false, error: 'ratelimited' }));
      return;
    }
    this.calls.push({ method, args });
    const token = (req.headers.authorization ?? '').replace(/^Bearer /, '') || args.token;
    if (this.refusedTokens.has(token)) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: false, error: 'invalid_auth' }));
      return;
    }
    const reply: Obj = { ok: true };
    if (method === 'chat.postMessage') Object.assign(reply, { channel: args.channel, ts: `1700000000.${String(++this.seq).padStart(6, '0')}`, message: { text: args.text } });
    if (method === 'chat.update') Object.assign(reply, { channel: args.channel, ts: args.ts });
    if (method === 'chat.postEphemeral') Object.assign(reply, { message_ts: `1700000001.${String(++this.seq).padStart(6, '0')}` });
    if (method === 'usergroups.users.list') Object.assign(reply, { users: this.groups.get(args.usergroup) ?? [] });
    if (method === 'auth.test') Object.assign(reply, { user_id: 'UBOT', bot_id: 'BBOT', team_id: 'T1' });
    if (method === 'apps.connections.open') Object.assign(reply, { url: 'ws://127.0.0.1:1/link' });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(reply));
  }
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

/** The form body of a slash command. */
export function slashBody(text: string, user = 'U1', channel = 'C1'): string {
  return new URLSearchParams({ token: 'x', team_id: 'T1', team_domain: 'shop', channel_id: channel, channel_name: 'incidents', user_id: user, user_name: user.toLowerCase(), command: '/sticky', text, api_app_id: 'A1', response_url: 'http://127.0.0.1:1/respond', trigger_id: 't.1' }).toString();
}

/** The form body of a block_actions click on a button. */
export function clickBody(actionId: string, value: string, user: string, channel = 'C1', messageTs = '1700000000.000001'): string {
  const payload = {
    type: 'block_actions', team: { id: 'T1', domain: 'shop' }, user: { id: user, username: user.toLowerCase(), team_id: 'T1' }, api_app_id: 'A1', token: 'x',
    container: { type: 'message', message_ts: messageTs, channel_id: channel, is_ephemeral: false }, trigger_id: 't.2', channel: { id: channel, name: 'incidents' },
    message: { type: 'message', ts: messageTs, text: 'report' }, response_url: 'http://127.0.0.1:1/respond',
    actions: [{ type: 'button', action_id: actionId, block_id: 'b1', value, text: { type: 'plain_text', text: 'Approve' }, action_ts: '1700000002.000000' }],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}
