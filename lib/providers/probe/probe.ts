import { Cookie, CookieJar } from 'tough-cookie';
import { Agent, request } from 'undici';
import { WebSocket } from 'ws';
import type { ProbeCookie, ProbeExchange, ProbeExchanges } from '../../evidence/probe.ts';
import type { Service } from '../../evidence/service.ts';
import { ProviderError } from '../errors.ts';

/** How many requests go out without a cookie jar, to see the spread across backends. */
const NO_JAR_REQUESTS = 10;

/** A Set-Cookie header as the report may show it: every attribute, never the value. */
export function redactSetCookie(header: string): ProbeCookie | undefined {
  const c = Cookie.parse(header, { loose: true });
  if (!c) return undefined;
  const sameSite = typeof c.sameSite === 'string' ? ({ strict: 'Strict', lax: 'Lax', none: 'None' } as const)[c.sameSite.toLowerCase() as 'strict' | 'lax' | 'none'] : undefined;
  return {
    name: c.key,
    value: '<redacted>',
    ...(c.domain ? { domain: `${/;\s*domain=\./i.test(header) ? '.' : ''}${c.domain}` } : {}),
    ...(c.path ? { path: c.path } : {}),
    ...(c.expires instanceof Date ? { expires: c.expires.toUTCString() } : {}),
    ...(typeof c.maxAge === 'number' ? { maxAge: c.maxAge } : {}),
    secure: c.secure,
    httpOnly: c.httpOnly,
    ...(sameSite ? { sameSite } : {}),
    size: Buffer.byteLength(header),
  };
}

const headerOf = (h: Record<string, string | string[] | undefined>, name: string) => {
  const v = h[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
};
const setCookiesOf = (h: Record<string, string | string[] | undefined>) => {
  const v = h['set-cookie'];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
};

/**
 * Probes the service's catalog URL the way the manual runbook does with curl, faster: requests
 * without a cookie jar (do responses spread over backends? is an affinity cookie set?), requests
 * with a jar (do they stay on one backend?), and a WebSocket upgrade carrying the jar's cookies
 * for each of the catalog's WebSocket paths on the same origin (does it reach the same backend?).
 * Only catalog URLs are ever requested. Cookie values are never recorded.
 */
export async function probeService(service: Service, timeoutMs: number, signal?: AbortSignal): Promise<ProbeExchanges> {
  const p = service.probe;
  if (!p) throw new ProviderError('no probe URL in the catalog');
  const url = p.url.replace(/^ws/, 'http');
  const deadline = Date.now() + timeoutMs;
  const left = () => Math.max(100, deadline - Date.now());
  const agent = new Agent({ keepAliveTimeout: 1000, connect: { timeout: Math.min(timeoutMs, 3000) } });
  const stop = () => void agent.destroy().catch(() => {});
  signal?.addEventListener('abort', stop, { once: true });
  const exchanges: ProbeExchange[] = [];
  const jar = new CookieJar();
  const one = async (phase: 'no-jar' | 'jar') => {
    const cookieHeader = phase === 'jar' ? await jar.getCookieString(url) : '';
    const names = cookieHeader ? cookieHeader.split(/;\s*/).map((c) => c.split('=')[0]!) : [];
    const at = new Date().toISOString();
    try {
      const res = await request(url, {
        method: 'GET', dispatcher: agent, headersTimeout: left(), bodyTimeout: left(), ...(signal ? { signal } : {}),
        headers: { 'user-agent': 'sticky-probe/1', ...(cookieHeader ? { cookie: cookieHeader } : {}) },
      });
      await res.body.dump();
      const raw = setCookiesOf(res.headers);
      if (phase === 'jar') for (const h of raw) await jar.setCookie(h, url, { ignoreError: true });
      exchanges.push({
        phase, at, request: { url, cookies: names },
        response: {
          status: res.statusCode,
          ...(headerOf(res.headers, p.backendHeader) ? { backend: headerOf(res.headers, p.backendHeader)! } : {}),
          ...(headerOf(res.headers, 'date') ? { date: headerOf(res.headers, 'date')! } : {}),
          setCookies: raw.map(redactSetCookie).filter((c): c is ProbeCookie => c !== undefined),
        },
      });
    } catch (e) {
      exchanges.push({ phase, at, request: { url, cookies: names }, error: (e as NodeJS.ErrnoException).code ?? (e as Error).message });
    }
  };
  try {
    for (let i = 0; i < Math.min(NO_JAR_REQUESTS, p.requests) && !signal?.aborted; i++) await one('no-jar');
    if (exchanges.every((x) => x.error)) throw new ProviderError(`${url}: ${exchanges[0]?.error ?? 'no answer'}`);
    for (let i = 0; i < p.requests && !signal?.aborted; i++) await one('jar');
    const origin = new URL(url);
    for (const path of service.websocketPaths) {
      const wsUrl = `${origin.protocol === 'https:' ? 'wss:' : 'ws:'}//${origin.host}${path}`;
      exchanges.push(await upgrade(wsUrl, await jar.getCookieString(url), p.backendHeader, left()));
    }
  } finally {
    signal?.removeEventListener('abort', stop);
    if (!signal?.aborted) await agent.close();
  }
  return { url, backendHeader: p.backendHeader, exchanges };
}

function upgrade(url: string, cookie: string, backendHeader: string, timeoutMs: number): Promise<ProbeExchange> {
  const at = new Date().toISOString();
  const names = cookie ? cookie.split(/;\s*/).map((c) => c.split('=')[0]!) : [];
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers: cookie ? { cookie } : {}, handshakeTimeout: Math.min(timeoutMs, 3000) });
    const done = (x: ProbeExchange) => {
      ws.removeAllListeners();
      ws.on('error', () => {});
      ws.terminate();
      resolve(x);
    };
    ws.on('upgrade', (res) => {
      const b = headerOf(res.headers, backendHeader);
      done({ phase: 'websocket', at, request: { url, cookies: names }, response: { status: 101, ...(b ? { backend: b } : {}), setCookies: [] } });
    });
    ws.on('unexpected-response', (_req, res) => {
      done({ phase: 'websocket', at, request: { url, cookies: names }, response: { status: res.statusCode ?? 0, setCookies: [] } });
    });
    ws.on('error', (e: NodeJS.ErrnoException) => done({ phase: 'websocket', at, request: { url, cookies: names }, error: e.code ?? e.message }));
  });
}
