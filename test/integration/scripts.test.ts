import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, jest } from '@jest/globals';
import { analyze } from '../../lib/checks/analyze.ts';
import { parseBundle } from '../../lib/evidence/bundle.ts';
import { collect } from '../../lib/providers/collect.ts';
import { runDemo, type DemoIo } from '../../scripts/demo.ts';
import { alive, listScenarios, startLab } from '../../infra/lab/lab.ts';
import { SlackApiDouble } from '../support/slack-api-double.ts';
import { FIXTURES } from '../support/bundles.ts';

jest.setTimeout(60_000);
const ROOT = join(FIXTURES, '..', '..');
const tmp = mkdtempSync(join(tmpdir(), 'sticky-scripts-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Runs one of the project's scripts as `npm run` would, with no terminal. */
function script(file: string, args: string[], env: NodeJS.ProcessEnv = {}, cwd = ROOT): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, file), ...args], { cwd, env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

function demoIo(extra: Partial<DemoIo> = {}): DemoIo & { out(): string } {
  let out = '';
  return { write: (s) => void (out += s), isTTY: false, env: { NO_COLOR: '1' }, ...extra, out: () => out };
}

describe('npm run demo', () => {
  it('prints its help without starting or applying anything, and refuses a mistyped scenario or option with exit 2', async () => {
    // Act
    const [help, nope, typo, option] = await Promise.all([
      script('scripts/demo.ts', ['--help']), script('scripts/demo.ts', ['nope']), script('scripts/demo.ts', ['haproxy-cooki-ttl']), script('scripts/demo.ts', ['--yse']),
    ]);
    // Assess
    expect([help.code, help.err]).toEqual([0, '']);
    expect(help.out.split('\n')[0]).toBe('npm run demo -- [scenario] [--yes]: Sticky on a faulty lab, end to end');
    expect(help.out).not.toContain('lab up');
    expect(nope).toEqual({ code: 2, out: '', err: 'demo: no lab scenario "nope" (`npm run lab -- list` lists them)\n' });
    expect(typo).toEqual({ code: 2, out: '', err: 'demo: no lab scenario "haproxy-cooki-ttl"; did you mean haproxy-cookie-ttl? (`npm run lab -- list` lists them)\n' });
    expect(option).toEqual({ code: 2, out: '', err: 'demo: unknown option --yse; did you mean --yes? (npm run demo -- --help)\n' });
  });

  it('does not apply without a terminal to ask on unless --yes, and exits 2', async () => {
    // Act
    const r = await script('scripts/demo.ts', []);
    // Assess
    expect([r.code, r.err]).toEqual([2, '']);
    expect(r.out).toContain('\n3. apply haproxy.edge1.app.raise-cookie-lifetime\nnot applied: there is no terminal to ask on; run `npm run demo -- haproxy-cookie-ttl --yes` to apply without asking.\nlab down: every process it started is stopped\n');
    expect(r.out).not.toContain('4. result');
    expect(r.out).not.toContain('evidence saved to');
  });

  it('applies with --yes, shows the verified state after the change and exits 0; answered no, exits 7', async () => {
    // Prepare
    const [yes, no] = [demoIo(), demoIo({ ask: async () => false })];
    // Act
    const codes = [await runDemo(['--yes'], yes), await runDemo([], no)];
    // Assess
    expect(codes).toEqual([0, 7]);
    expect(yes.out()).toContain('\n4. result: verified\n   after the change: No sticky-session problem found.\nlab down: every process it started is stopped\n');
    expect(no.out()).toContain('\nnot applied: answered no.\nlab down');
  });

  it('after a rollback shows the live state after the rollback, and exits 5', async () => {
    // Prepare
    const lab = await startLab('haproxy-cookie-ttl');
    const stale = analyze(parseBundle(await collect(lab.service)));
    await lab.stop();
    const io = demoIo({ verify: async () => stale });
    // Act
    const code = await runDemo(['haproxy-cookie-ttl', '--yes'], io);
    // Assess
    expect(code).toBe(5);
    expect(io.out()).toContain([
      '   verification failed: haproxy.edge1.app.cookie-ttl still present',
      '   rolled back to the state before the change',
      '4. result: rolled-back (verification failed: haproxy.edge1.app.cookie-ttl still present)',
      '   after the rollback: critical affinity-ttl-short (haproxy.edge1.app.cookie-ttl)',
      'lab down: every process it started is stopped',
      '',
    ].join('\n'));
    expect(io.out()).not.toContain('after the change');
  });
});

describe('npm run lab', () => {
  it('down stops every lab a killed up left behind, not only the last one', async () => {
    // Prepare
    const state = mkdtempSync(join(tmp, 'labs-'));
    const env = { ...process.env, NO_COLOR: '1', TMPDIR: state };
    const ups = ['nginx-healthy', 'haproxy-healthy'].map((name) => spawn(process.execPath, [join(ROOT, 'infra/lab/cli.ts'), 'up', name], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] }));
    await Promise.all(ups.map((c) => new Promise<void>((resolve) => {
      let out = '';
      c.stdout!.on('data', (d) => {
        out += d;
        if (out.includes('Ctrl-C stops the lab.')) resolve();
      });
    })));
    const recorded = readdirSync(join(state, 'sticky-labs')).map((f) => JSON.parse(readFileSync(join(state, 'sticky-labs', f), 'utf8')) as { pids: number[] });
    for (const c of ups) c.kill('SIGKILL');
    // Act
    const down = await script('infra/lab/cli.ts', ['down'], { TMPDIR: state });
    // Assess
    expect([down.code, down.out.trim().split('\n').at(-1)]).toEqual([0, `stopped 2 lab(s), ${recorded.flatMap((r) => r.pids).length} process(es)`]);
    expect(recorded.flatMap((r) => r.pids).filter(alive)).toEqual([]);
    expect(readdirSync(join(state, 'sticky-labs'))).toEqual([]);
  });

  it('lists the scenarios as a table and answers a mistyped scenario or command with a suggestion and exit 2', async () => {
    // Act
    const [list, nope, typo, command] = await Promise.all([
      script('infra/lab/cli.ts', ['list']), script('infra/lab/cli.ts', ['up', 'nope']), script('infra/lab/cli.ts', ['up', 'nginx-healty']), script('infra/lab/cli.ts', ['lst']),
    ]);
    // Assess
    const rows = list.out.trimEnd().split('\n');
    expect([list.code, rows[0]!.replace(/ +/g, ' ')]).toEqual([0, 'SCENARIO SHOWS WHAT IT SETS UP']);
    const third = rows[0]!.indexOf('WHAT IT SETS UP');
    for (const r of rows.slice(1)) expect(r[third - 1] === ' ' && r[third] !== ' ' && r.slice(third - 2, third) === '  ').toBe(true);
    expect(rows).toHaveLength((await listScenarios()).length + 1);
    expect(nope).toEqual({ code: 2, out: '', err: 'lab: no lab scenario "nope" (`npm run lab -- list` lists them)\n' });
    expect(typo).toEqual({ code: 2, out: '', err: 'lab: no lab scenario "nginx-healty"; did you mean nginx-healthy? (`npm run lab -- list` lists them)\n' });
    expect([command.code, command.out, command.err.split('\n')[0]]).toEqual([2, '', 'lab: unknown command "lst"; did you mean list?']);
    const help = await script('infra/lab/cli.ts', ['--help']);
    expect([help.code, help.err, help.out.split('\n')[0]]).toEqual([0, '', 'npm run lab -- <command>: real HAProxy and NGINX on 127.0.0.1, one scenario per cause']);
    expect(help.out).toContain('\nExamples:\n  npm run lab -- list\n');
  });
});

describe('npm run dev', () => {
  it('says once that Slack cannot be reached, or which token Slack refused, and stops before starting anything', async () => {
    // Prepare
    const slack = new SlackApiDouble();
    const url = await slack.start();
    for (const t of ['xoxb-1', 'xapp-1', 'xoxb-revoked', 'xapp-revoked']) slack.tokens.add(t);
    slack.refusedTokens.add('xoxb-revoked');
    slack.refusedTokens.add('xapp-revoked');
    const cwd = mkdtempSync(join(tmp, 'dev-'));
    const tokens = { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1' };
    // Act
    const [unreachable, bot, app] = await Promise.all([
      script('scripts/dev.ts', [], { ...tokens, SLACK_API_URL: 'http://127.0.0.1:1/api/' }, cwd),
      script('scripts/dev.ts', [], { ...tokens, SLACK_BOT_TOKEN: 'xoxb-revoked', SLACK_API_URL: url }, cwd),
      script('scripts/dev.ts', [], { ...tokens, SLACK_APP_TOKEN: 'xapp-revoked', SLACK_API_URL: url }, cwd),
    ]);
    await slack.stop();
    // Assess
    expect(unreachable).toEqual({ code: 2, out: '', err: 'npm run dev: cannot reach Slack at http://127.0.0.1:1/api/ (fetch failed): check the network, a proxy or a firewall. Nothing was started.\n' });
    expect(bot).toEqual({ code: 2, out: '', err: 'npm run dev: Slack refused SLACK_BOT_TOKEN: invalid_auth. Nothing was started.\n' });
    expect(app).toEqual({ code: 2, out: '', err: 'npm run dev: Slack refused SLACK_APP_TOKEN: invalid_auth. Nothing was started.\n' });
    expect(existsSync(join(cwd, '.sticky-dev'))).toBe(false);
  });
});
