import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, jest } from '@jest/globals';
import { main, type Io } from '../../lib/cli/main.ts';
import { startLab, type Lab } from '../../infra/lab/lab.ts';
import { analyze } from '../../lib/checks/analyze.ts';
import { parseBundle } from '../../lib/evidence/bundle.ts';
import { readBundle } from '../../lib/evidence/read-bundle.ts';

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
    expect([refused, noTty.err()]).toEqual([2, 'sticky: no terminal to confirm on: add --yes to apply without asking\nRun "sticky apply --help" for usage.\n']);
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
    expect([code, questions]).toEqual([7, ['Apply this change? [y/N] ']]);
    expect(io.out()).toBe([
      'Raise cookie SERVERID lifetime on edge1/app to 2h (risk low)',
      '  --- haproxy/edge1.cfg',
      '  +++ haproxy/edge1.cfg',
      '  @@ -17,5 +17,5 @@',
      '   ',
      '   backend app',
      '  -    cookie SERVERID insert indirect nocache maxidle 10m',
      '  +    cookie SERVERID insert indirect nocache maxidle 2h',
      `       server app1 127.0.0.1:${lab.ports.app1} cookie app1 check`,
      `       server app2 127.0.0.1:${lab.ports.app2} cookie app2 check`,
      'not applied: answered no',
      '',
    ].join('\n'));
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
    expect(list.out()).toBe('SERVICE            LAYERS        HOSTS\nlab-nginx-healthy  nginx, probe  127.0.0.1\n');
    expect([code, typo.err()]).toEqual([2, `sticky: no service "lab-nginx-healty" in ${lab.catalogPath}; did you mean lab-nginx-healthy?\n`]);
  });

  it('gives each apply outcome its own exit code: refused 4 on drift, rolled back 5, advice refused 4, and JSON with --format json', async () => {
    // Prepare
    lab = await startLab('haproxy-cookie-ttl');
    const dir = join(tmp, 'evidence-outcomes');
    await main(['check', lab.service.name, '--catalog', lab.catalogPath, '--save-evidence', dir], capture());
    const stale = analyze(parseBundle(await readBundle(dir)));
    const [rolled, applied, drift] = [capture({ verify: async () => stale }), capture(), capture()];
    // Act
    const codes = [
      await main(['apply', 'haproxy.edge1.app.raise-cookie-lifetime', '--evidence', dir, '--yes', '--format', 'json'], rolled),
      await main(['apply', 'haproxy.edge1.app.raise-cookie-lifetime', '--evidence', dir, '--yes'], applied),
      await main(['apply', 'haproxy.edge1.app.raise-cookie-lifetime', '--evidence', dir, '--yes', '--format', 'json'], drift),
    ];
    // Assess
    expect(codes).toEqual([5, 0, 4]);
    const outcome = JSON.parse(rolled.out());
    expect(outcome).toMatchObject({
      planId: 'haproxy.edge1.app.raise-cookie-lifetime', status: 'rolled-back', exitCode: 5, reason: 'verification failed: haproxy.edge1.app.cookie-ttl still present',
      remaining: ['haproxy.edge1.app.cookie-ttl'], after: { verdict: 'findings', findings: ['haproxy.edge1.app.cookie-ttl'] },
    });
    expect(outcome.steps.slice(-2)).toEqual(['verification failed: haproxy.edge1.app.cookie-ttl still present', 'rolled back to the state before the change']);
    expect(rolled.err().split('\n')[0]).toBe('Raise cookie SERVERID lifetime on edge1/app to 2h (risk low)');
    expect(applied.out().split('\n').slice(-2)).toEqual(['verified', '']);
    expect(JSON.parse(drift.out())).toMatchObject({ status: 'refused', exitCode: 4, reason: `drift: ${lab.service.haproxy![0]!.config} changed since the evidence was collected; collect again before applying`, after: null });
  });


  it('refuses with exit 4, nothing changed, when the balancer the evidence came from is gone', async () => {
    // Prepare
    lab = await startLab('haproxy-server-maint');
    const dir = join(tmp, 'evidence-gone');
    await main(['check', lab.service.name, '--catalog', lab.catalogPath, '--save-evidence', dir], capture());
    const runtime = lab.service.haproxy![0]!.runtime!;
    await lab.stop();
    lab = undefined;
    const [runtimePlan] = [capture()];
    // Act
    const code = await main(['apply', 'haproxy.edge1.app.app2.ready-server', '--evidence', dir, '--yes', '--format', 'json'], runtimePlan);
    // Assess
    expect([code, JSON.parse(runtimePlan.out()).status]).toEqual([4, 'refused']);
    expect(JSON.parse(runtimePlan.out()).reason).toBe(`cannot read HAProxy edge1's live server states: HAProxy Runtime API ${runtime}: ENOENT; nothing was changed`);
  });

  it('refuses with exit 4, as drift, a config fix whose file no longer exists', async () => {
    // Prepare
    lab = await startLab('haproxy-cookie-ttl');
    const dir = join(tmp, 'evidence-no-file');
    await main(['check', lab.service.name, '--catalog', lab.catalogPath, '--save-evidence', dir], capture());
    const config = lab.service.haproxy![0]!.config;
    await lab.stop();
    lab = undefined;
    const io = capture();
    // Act
    const code = await main(['apply', 'haproxy.edge1.app.raise-cookie-lifetime', '--evidence', dir, '--yes', '--format', 'json'], io);
    // Assess
    expect([code, JSON.parse(io.out()).reason]).toEqual([4, `drift: ${config} no longer exists; collect again before applying`]);
  });

  it('exits 3 with one line when the check itself could not be made', async () => {
    // Prepare
    const catalog = join(tmp, 'check-catalog.yaml');
    writeFileSync(catalog, '- { name: shop, hosts: [shop.example.com], sessionTimeoutSeconds: 60, probe: { url: "http://127.0.0.1:1/" } }\n');
    let err = '';
    let writes = 0;
    const io: Io = {
      stdout: { write: () => true },
      stderr: {
        isTTY: true,
        write: (s: string) => {
          if (++writes === 2) throw new Error('the terminal went away');
          err += s;
          return true;
        },
      },
      env: {},
    };
    // Act
    const code = await main(['check', 'shop', '--catalog', catalog], io);
    // Assess
    expect(code).toBe(3);
    expect(err).toBe('checking shop: probe\nsticky: could not check shop: the terminal went away. Run again with --debug for the stack trace; if it persists, it is a bug: please report it with that trace.\n');
  });
});
