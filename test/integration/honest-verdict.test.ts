import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it, jest } from '@jest/globals';
import { main, type Io } from '../../lib/cli/main.ts';

jest.setTimeout(30_000);
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const tmp = mkdtempSync(join(tmpdir(), 'sticky-honest-'));
const servers: (Server | TcpServer)[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(() => r(undefined)))));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function capture(): Io & { out(): string; err(): string } {
  let out = '';
  let err = '';
  return { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s), isTTY: false }, env: {}, out: () => out, err: () => err };
}

/** A catalog with one service whose only layer is the probe of `url`. */
function catalogFor(url: string, name = 'shop'): string {
  const file = join(tmp, `${name}-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, `- name: ${name}\n  hosts: [127.0.0.1]\n  sessionTimeoutSeconds: 3600\n  tls: false\n  probe: { url: "${url}" }\n`);
  return file;
}

async function listen<T extends Server | TcpServer>(server: T): Promise<number> {
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return (server.address() as { port: number }).port;
}

/** Runs the real `sticky` binary and times it as a whole process. */
function run(args: string[]): Promise<{ code: number | null; out: string; err: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'sticky.js'), ...args], { env: { ...process.env, NO_COLOR: '1' } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => resolve({ code, out, err, ms: Date.now() - started }));
  });
}

describe('never green when blind', () => {
  it('reports a service whose only layer is refused as not checked, exit 3, in text, JSON and blocks', async () => {
    // Prepare
    const catalog = catalogFor('http://127.0.0.1:1/');
    const [text, json, blocks] = [capture(), capture(), capture()];
    // Act
    const codes = [
      await main(['check', 'shop', '--catalog', catalog], text),
      await main(['check', 'shop', '--catalog', catalog, '--format', 'json'], json),
      await main(['check', 'shop', '--catalog', catalog, '--format', 'blocks'], blocks),
    ];
    // Assess
    expect(codes).toEqual([3, 3, 3]);
    expect(text.out()).toContain('Nothing could be checked (probe): this is not a clean bill of health.\n\n  not checked: probe (http://127.0.0.1:1/: ECONNREFUSED)\n');
    expect(text.out()).not.toMatch(/No sticky-session problem found/);
    const report = JSON.parse(json.out());
    expect([report.verdict, report.checked, report.incomplete, report.notCheckedReasons.probe]).toEqual(['not-checked', [], ['probe'], 'http://127.0.0.1:1/: ECONNREFUSED']);
    const message = JSON.parse(blocks.out());
    expect(message.blocks[0].text.text).toBe(':warning: shop: nothing could be checked (not checked: probe)');
    expect(JSON.stringify(message)).not.toContain('white_check_mark');
  });

  it('ends within its --timeout when the backend accepts connections and never answers', async () => {
    // Prepare
    const port = await listen(createTcpServer((socket) => void sockets.push(socket)));
    const catalog = catalogFor(`http://127.0.0.1:${port}/`);
    // Act
    const result = await run(['check', 'shop', '--catalog', catalog, '--timeout', '1500']);
    // Assess
    expect([result.code, result.err]).toEqual([3, '']);
    const cut = /not checked: probe \(collecting probe timed out after (\d+) ms\)/.exec(result.out);
    expect(cut).not.toBeNull();
    expect(Number(cut![1])).toBeLessThanOrEqual(1500);
    expect(result.ms).toBeLessThan(1500 + 1000);
  });

  it('does not count a probe that never sees the backend header as checked', async () => {
    // Prepare
    const port = await listen(createServer((_req, res) => res.end('ok')));
    const catalog = catalogFor(`http://127.0.0.1:${port}/`);
    const io = capture();
    // Act
    const code = await main(['check', 'shop', '--catalog', catalog, '--format', 'json'], io);
    // Assess
    const report = JSON.parse(io.out());
    expect([code, report.verdict, report.incomplete]).toEqual([3, 'not-checked', ['probe']]);
    expect(report.notCheckedReasons.probe).toBe(
      'no response carried the X-Backend-Server header, so the probe cannot tell which backend answered (set probe.backendHeader to a header the backends send)',
    );
  });
});
