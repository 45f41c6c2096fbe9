import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, jest } from '@jest/globals';
import { main, type Io } from '../../lib/cli/main.ts';
import { startLab, type Lab } from '../../infra/lab/lab.ts';

jest.setTimeout(30_000);
let lab: Lab | undefined;
const tmp = mkdtempSync(join(tmpdir(), 'sticky-cli-live-'));
afterEach(async () => {
  await lab?.stop();
  lab = undefined;
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function capture(extra: Partial<Io> = {}): Io & { out(): string; err(): string } {
  let out = '';
  let err = '';
  return { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s), isTTY: false }, env: {}, ...extra, out: () => out, err: () => err };
}

describe('sticky check / services / apply on the lab', () => {
  it('checks a catalog service live, saves the evidence and exits 1 on a finding', async () => {
    // Prepare
    lab = await startLab('haproxy-cookie-ttl');
    const io = capture();
    const dir = join(tmp, 'evidence');
    // Act
    const code = await main(['check', lab.service.name, '--catalog', lab.catalogPath, '--save-evidence', dir, '--format', 'json'], io);
    // Assess
    expect(code).toBe(1);
    expect(JSON.parse(io.out()).findings.map((f: { id: string }) => f.id)).toEqual(['haproxy.edge1.app.cookie-ttl']);
    expect(readdirSync(dir).sort()).toEqual(['haproxy', 'meta.json', 'probe', 'service.yaml']);
    expect(readdirSync(join(dir, 'haproxy')).sort()).toEqual(['edge1.cfg', 'edge1.servers-state', 'edge1.stat']);
  });

  it('applies a plan from saved evidence with --yes, and refuses without a terminal to ask on', async () => {
    // Prepare
    lab = await startLab('haproxy-cookie-ttl');
    const dir = join(tmp, 'evidence-apply');
    await main(['check', lab.service.name, '--catalog', lab.catalogPath, '--save-evidence', dir], capture());
    const noTty = capture();
    const yes = capture();
    // Act
    const refused = await main(['apply', 'haproxy.edge1.app.raise-cookie-lifetime', '--evidence', dir], noTty);
    const applied = await main(['apply', 'haproxy.edge1.app.raise-cookie-lifetime', '--evidence', dir, '--yes'], yes);
    // Assess
    expect([refused, noTty.err()]).toEqual([2, 'sticky: no terminal to confirm on: add --yes to apply without asking\nRun "sticky help" for usage.\n']);
    expect(applied).toBe(0);
    expect(yes.out().split('\n').slice(-3)).toEqual(['  verified: haproxy.edge1.app.cookie-ttl gone', 'verified', '']);
  });

  it('asks before applying and does nothing on "no"', async () => {
    // Prepare
    lab = await startLab('haproxy-cookie-ttl');
    const dir = join(tmp, 'evidence-no');
    await main(['check', lab.service.name, '--catalog', lab.catalogPath, '--save-evidence', dir], capture());
    const questions: string[] = [];
    const io = capture({ confirm: async (q) => (questions.push(q), false) });
    // Act
    const code = await main(['apply', 'haproxy.edge1.app.raise-cookie-lifetime', '--evidence', dir], io);
    // Assess
    expect([code, questions]).toEqual([1, ['Apply this change? [y/N] ']]);
    expect(io.out()).toBe('Raise cookie SERVERID lifetime on edge1/app to 2h (risk low)\n  - haproxy/edge1.cfg:19: cookie SERVERID insert indirect nocache maxidle 10m\n  + haproxy/edge1.cfg:19: cookie SERVERID insert indirect nocache maxidle 2h\nnot applied\n');
  });

  it('lists services with their layers and suggests names for a typo', async () => {
    // Prepare
    lab = await startLab('nginx-healthy');
    const list = capture();
    const typo = capture();
    // Act
    await main(['services', '--catalog', lab.catalogPath], list);
    const code = await main(['check', 'lab-nginx-healty', '--catalog', lab.catalogPath], typo);
    // Assess
    expect(list.out()).toBe(`${'lab-nginx-healthy'.padEnd(24)} ${'nginx, probe'.padEnd(34)} 127.0.0.1\n`);
    expect([code, typo.err()]).toEqual([2, `sticky: no service "lab-nginx-healty" in ${lab.catalogPath}; did you mean lab-nginx-healthy?\n`]);
  });
});
