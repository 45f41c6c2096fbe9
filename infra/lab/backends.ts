import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { WebSocketServer } from 'ws';

/** How a lab backend behaves beyond answering. */
export interface BackendOptions {
  /** Answer pages and WebSocket upgrades only after this many ms, as a real application takes time (health checks stay instant). */
  delayMs?: number;
}

/**
 * The lab's application servers: each answers every request with its own id in the
 * `X-Backend-Server` header and the body, and accepts WebSocket upgrades with the same header,
 * so a probe can tell which backend served it. Like a real app it starts a session: a request
 * without the `sid` cookie gets one. `/health` answers 200 for health checks.
 */
export function startBackend(id: string, port: number, host = '127.0.0.1', opts: BackendOptions = {}): Promise<Server> {
  const later = (fn: () => void) => (opts.delayMs ? void setTimeout(fn, opts.delayMs) : fn());
  const server = createServer((req, res) => {
    res.setHeader('X-Backend-Server', id);
    res.setHeader('Content-Type', 'text/plain');
    res.setHeader('Connection', 'keep-alive');
    if (req.url === '/health') return void res.end('ok\n');
    if (!/(?:^|;\s*)sid=/.test(req.headers.cookie ?? '')) res.setHeader('Set-Cookie', `sid=${randomBytes(12).toString('hex')}; Path=/; HttpOnly`);
    later(() => res.end(`${id}\n`));
  });
  const wss = new WebSocketServer({ noServer: true });
  wss.on('headers', (headers) => headers.push(`X-Backend-Server: ${id}`));
  server.on('upgrade', (req, socket, head) => later(() => wss.handleUpgrade(req, socket, head, (ws) => ws.send(id))));
  server.keepAliveTimeout = 30_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

/** Runs as a process: `node backends.ts [--delay MS] app1:8081 app2:8082 ...`; stops on SIGTERM/SIGINT. */
if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const delayMs = args[0] === '--delay' ? Number(args.splice(0, 2)[1]) : 0;
  const servers = await Promise.all(args.map((arg) => {
    const [id, port] = arg.split(':');
    return startBackend(id!, Number(port), '127.0.0.1', { delayMs });
  }));
  const stop = () => {
    for (const s of servers) s.close();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.send?.('ready');
}
