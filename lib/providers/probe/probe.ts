import { setMaxListeners } from 'node:events';
import type { Agent, IncomingHttpHeaders } from 'node:http';
import { CookieJar, parseSetCookie } from './cookie-jar.ts';
import type { ProbeCookie, ProbeExchange, ProbeExchanges } from '../../evidence/probe.ts';
import type { Service } from '../../evidence/service.ts';
import { ProviderError } from '../errors.ts';

/** Sessions when the catalog names none (never more than `probe.requests`). */
export const DEFAULT_SESSIONS = 15;

/** What the probe will send for a catalog entry: the sessions and each one's requests with cookies. */
export function probePlan(p: NonNullable<Service['probe']>): { sessions: number; followers: number[] } {
  const sessions = Math.min(p.sessions ?? DEFAULT_SESSIONS, p.requests);
  return { sessions, followers: Array.from({ length: sessions }, (_, i) => Math.floor(p.requests / sessions) + (i < p.requests % sessions ? 1 : 0)) };
}

/** Orders by UTF-16 code units: `localeCompare` would load ICU's collation, ~10 ms of start-up. */
const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Runs tasks with at most `limit` in flight, in the order they were queued. */
function limiter(limit: number) {
  let active = 0;
  const queue: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (active >= limit) await new Promise<void>((r) => queue.push(r));
    active++;
    try {
      return await task();
    } finally {
      active--;
      queue.shift()?.();
    }
  };
}

/** A Set-Cookie header as the report may show it: every attribute, never the value. */
export function redactSetCookie(header: string): ProbeCookie | undefined {
  const c = parseSetCookie(header);
  if (!c) return undefined;
  return {
    name: c.name,
    value: '<redacted>',
    ...(c.domain ? { domain: `${c.domainDot ? '.' : ''}${c.domain}` } : {}),
    ...(c.path ? { path: c.path } : {}),
    ...(c.expires ? { expires: c.expires.toUTCString() } : {}),
    ...(c.maxAge !== undefined ? { maxAge: c.maxAge } : {}),
    secure: c.secure,
    httpOnly: c.httpOnly,
    ...(c.sameSite ? { sameSite: c.sameSite } : {}),
    size: Buffer.byteLength(header),
  };
}

const headerOf = (h: IncomingHttpHeaders, name: string) => {
  const v = h[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
};

/**
 * Node's HTTP or HTTPS module for a URL. Taken with `process.getBuiltinModule`, not `import`: an
 * ES import of `node:http` builds its whole namespace, which costs a `sticky check` about 40 ms.
 */
const httpOf = (url: URL) => (url.protocol === 'https:' ? process.getBuiltinModule('node:https') : process.getBuiltinModule('node:http'));

/**
 * One GET on a session's own agent (its keep-alive connections), the body read and dropped.
 * Node's own HTTP client: it is part of Node, so the probe adds nothing to the start-up of
 * `sticky check`. A request still unanswered when `deadline` aborts fails with ETIMEDOUT.
 */
function get(url: URL, agent: Agent, headers: Record<string, string>, deadline: AbortSignal): Promise<{ status: number; headers: IncomingHttpHeaders }> {
  const { request } = httpOf(url);
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, headers, signal: deadline }, (res) => {
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
      res.resume();
    });
    req.on('error', (e) => reject(deadline.aborted ? Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' }) : e));
    req.end();
  });
}

/**
 * Probes the service's catalog URL as browsers use it, concurrently: `sessions` independent
 * sessions, each with its own cookie jar and connections. Every session opens with one request
 * without cookies (together they show whether responses spread over backends and which
 * affinity cookie is set), then sends its requests with the cookies it was given, all at once,
 * taking every Set-Cookie into its jar (cookies that rotate on each response, like AWSALB, are
 * followed), and opens a WebSocket carrying its cookies for each of the catalog's WebSocket
 * paths on the same origin. A session whose requests reach two backends lost its session; one
 * independent session is enough to catch a move after the first request. Requests with cookies
 * and upgrades go out grouped by the backend their session's first request reached, so a
 * balancer that hands requests out in turn (round robin) cannot send each one home by
 * coincidence: two in a row from sessions with the same home cannot both land there. Only
 * catalog URLs are ever requested. Cookie values are never recorded. Exchanges are listed by
 * phase and session, not by arrival.
 */
export async function probeService(service: Service, timeoutMs: number, signal?: AbortSignal): Promise<ProbeExchanges> {
  const p = service.probe;
  if (!p) throw new ProviderError('no probe URL in the catalog');
  const url = p.url.replace(/^ws/, 'http');
  const endsAt = Date.now() + timeoutMs;
  const left = () => Math.max(100, endsAt - Date.now());
  const deadline = signal ? AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) : AbortSignal.timeout(timeoutMs);
  setMaxListeners(p.concurrency + 1, deadline);
  const plan = probePlan(p);
  const run = limiter(p.concurrency);
  const target = new URL(url);
  const { Agent: HttpAgent } = httpOf(target);
  const sessions = plan.followers.map(() => ({ jar: new CookieJar(), agent: new HttpAgent({ keepAlive: true }) }));
  const one = async (phase: 'no-jar' | 'jar', session: number): Promise<ProbeExchange> => {
    const { jar, agent } = sessions[session]!;
    const cookieHeader = phase === 'jar' ? jar.getCookieString(target) : '';
    const request0 = { url, cookies: cookieHeader ? cookieHeader.split(/;\s*/).map((c) => c.split('=')[0]!) : [] };
    const at = new Date().toISOString();
    try {
      const res = await get(target, agent, { 'user-agent': 'sticky-probe/1', ...(cookieHeader ? { cookie: cookieHeader } : {}) }, deadline);
      const raw = res.headers['set-cookie'] ?? [];
      for (const h of raw) jar.setCookie(h, target);
      const backend = headerOf(res.headers, p.backendHeader);
      const date = headerOf(res.headers, 'date');
      return {
        phase, session, at, request: request0,
        response: {
          status: res.status, ...(backend ? { backend } : {}), ...(date ? { date } : {}),
          setCookies: raw.map(redactSetCookie).filter((c): c is ProbeCookie => c !== undefined),
        },
      };
    } catch (e) {
      return { phase, session, at, request: request0, error: (e as NodeJS.ErrnoException).code ?? (e as Error).message };
    }
  };
  try {
    const openers = await Promise.all(sessions.map((_, i) => run(() => one('no-jar', i))));
    if (openers.every((x) => x.error)) throw new ProviderError(`${url}: ${openers[0]?.error ?? 'no answer'}`);
    if (signal?.aborted) return { url, backendHeader: p.backendHeader, exchanges: openers };
    const wsUrls = service.websocketPaths.map((path) => `${target.protocol === 'https:' ? 'wss:' : 'ws:'}//${target.host}${path}`);
    const { WebSocket } = wsUrls.length > 0 ? await import('ws') : { WebSocket: undefined };
    const byHome = sessions.map((_, i) => i).filter((i) => !openers[i]!.error).sort((a, b) => byText(openers[a]!.response?.backend ?? '', openers[b]!.response?.backend ?? '') || a - b);
    const [followers, upgrades] = await Promise.all([
      Promise.all(byHome.flatMap((i) => Array.from({ length: plan.followers[i]! }, () => run(() => one('jar', i))))),
      Promise.all(wsUrls.flatMap((ws) => byHome.map((i) => run(() => upgrade(WebSocket!, ws, sessions[i]!.jar.getCookieString(new URL(ws)), p.backendHeader, left(), i, signal))))),
    ]);
    const bySession = (a: ProbeExchange, b: ProbeExchange) => a.session! - b.session!;
    return { url, backendHeader: p.backendHeader, exchanges: [...openers, ...followers.sort(bySession), ...upgrades.sort(bySession)] };
  } finally {
    for (const s of sessions) s.agent.destroy();
  }
}

function upgrade(WebSocket: typeof import('ws').WebSocket, url: string, cookie: string, backendHeader: string, timeoutMs: number, session: number, signal?: AbortSignal): Promise<ProbeExchange> {
  const at = new Date().toISOString();
  const names = cookie ? cookie.split(/;\s*/).map((c) => c.split('=')[0]!) : [];
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers: cookie ? { cookie } : {}, handshakeTimeout: Math.min(timeoutMs, 3000) });
    const abort = () => done({ phase: 'websocket', session, at, request: { url, cookies: names }, error: 'aborted' });
    signal?.addEventListener('abort', abort, { once: true });
    const done = (x: ProbeExchange) => {
      signal?.removeEventListener('abort', abort);
      ws.removeAllListeners();
      ws.on('error', () => {});
      ws.terminate();
      resolve(x);
    };
    ws.on('upgrade', (res) => {
      const b = headerOf(res.headers, backendHeader);
      done({ phase: 'websocket', session, at, request: { url, cookies: names }, response: { status: 101, ...(b ? { backend: b } : {}), setCookies: [] } });
    });
    ws.on('unexpected-response', (_req, res) => {
      done({ phase: 'websocket', session, at, request: { url, cookies: names }, response: { status: res.statusCode ?? 0, setCookies: [] } });
    });
    ws.on('error', (e: NodeJS.ErrnoException) => done({ phase: 'websocket', session, at, request: { url, cookies: names }, error: e.code ?? e.message }));
  });
}
