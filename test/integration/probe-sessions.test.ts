import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { WebSocketServer } from 'ws';
import { parseService } from '../../lib/evidence/service.ts';
import { probeService } from '../../lib/providers/probe/probe.ts';

jest.setTimeout(30_000);
const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(() => r(undefined)));
  }
});

/** A loopback app server: `handle` answers every request; WebSocket upgrades are accepted with the backend header. */
async function app(handle: (req: IncomingMessage, res: ServerResponse) => void, backend = 'app1'): Promise<string> {
  const server = createServer(handle);
  const wss = new WebSocketServer({ noServer: true });
  wss.on('headers', (headers) => headers.push(`X-Backend-Server: ${backend}`));
  server.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => ws.close()));
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
}

const serviceFor = (url: string, probe: string, extra = '') =>
  parseService(`name: shop\nhosts: [127.0.0.1]\nsessionTimeoutSeconds: 3600\ntls: false\n${extra}probe: { url: "${url}", ${probe} }\n`);
const cookieOf = (req: IncomingMessage, name: string) => new RegExp(`(?:^|;\\s*)${name}=([^;]*)`).exec(req.headers.cookie ?? '')?.[1];

describe('the probe plays independent browser sessions', () => {
  it('opens each session without cookies, then sends its share of requests and its WebSocket upgrade with its own cookies', async () => {
    // Prepare
    let issued = 0;
    const seen: { sid: string | undefined }[] = [];
    const url = await app((req, res) => {
      const sid = cookieOf(req, 'sid');
      seen.push({ sid });
      res.setHeader('X-Backend-Server', 'app1');
      if (!sid) res.setHeader('Set-Cookie', `sid=s${issued++}; Path=/; HttpOnly`);
      res.end('ok');
    });
    // Act
    const probe = await probeService(serviceFor(url, 'requests: 20, sessions: 8', 'websocketPaths: ["/ws"]\n'), 5000);
    // Assess
    const shape = probe.exchanges.map((x) => `${x.phase}:${x.session}:${x.request.cookies.join(',')}:${x.response?.backend}`);
    const sessions = [0, 1, 2, 3, 4, 5, 6, 7];
    expect(shape).toEqual([
      ...sessions.map((s) => `no-jar:${s}::app1`),
      ...sessions.flatMap((s) => Array.from({ length: s < 4 ? 3 : 2 }, () => `jar:${s}:sid:app1`)),
      ...sessions.map((s) => `websocket:${s}:sid:app1`),
    ]);
    expect([seen.filter((x) => !x.sid).length, new Set(seen.map((x) => x.sid).filter(Boolean)).size, issued]).toEqual([8, 8, 8]);
  });

  it('follows a cookie that changes on every response, as browsers do with AWSALB', async () => {
    // Prepare
    const latest = new Map<string, number>();
    const stale: string[] = [];
    let chains = 0;
    const url = await app((req, res) => {
      const got = cookieOf(req, 'AWSALB');
      let chain = `c${chains}`;
      if (got) {
        const [c, n] = got.split('.') as [string, string];
        if (latest.get(c) !== Number(n)) stale.push(got);
        chain = c;
      } else chains++;
      const next = (latest.get(chain) ?? -1) + 1;
      latest.set(chain, next);
      res.setHeader('X-Backend-Server', 'app1');
      res.setHeader('Set-Cookie', `AWSALB=${chain}.${next}; Path=/; Max-Age=604800`);
      res.end('ok');
    });
    // Act
    const probe = await probeService(serviceFor(url, 'requests: 6, sessions: 2, concurrency: 1'), 5000);
    // Assess
    expect(stale).toEqual([]);
    expect([...latest.values()]).toEqual([3, 3]);
    expect(probe.exchanges.filter((x) => x.phase === 'jar').map((x) => x.request.cookies)).toEqual(Array.from({ length: 6 }, () => ['AWSALB']));
  });

  it('keeps at most `concurrency` requests in flight and sends no more than the catalog asks', async () => {
    // Prepare
    let inFlight = 0;
    let most = 0;
    let total = 0;
    const url = await app((_req, res) => {
      total++;
      most = Math.max(most, ++inFlight);
      setTimeout(() => {
        inFlight--;
        res.setHeader('X-Backend-Server', 'app1');
        res.end('ok');
      }, 20);
    });
    // Act
    await probeService(serviceFor(url, 'requests: 30, sessions: 10, concurrency: 4'), 5000);
    // Assess
    expect([most, total]).toEqual([4, 40]);
  });

  it('sends the documented defaults: 15 sessions, 15 requests with cookies, as many as before sessions (10 + 20)', async () => {
    // Prepare
    let total = 0;
    const url = await app((_req, res) => {
      total++;
      res.setHeader('X-Backend-Server', 'app1');
      res.end('ok');
    });
    // Act
    const probe = await probeService(parseService(`name: shop\nhosts: [127.0.0.1]\nsessionTimeoutSeconds: 60\nprobe: { url: "${url}" }\n`), 5000);
    // Assess
    expect([total, new Set(probe.exchanges.map((x) => x.session)).size]).toEqual([30, 15]);
  });
});
