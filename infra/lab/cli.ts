import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ignoreClosedPipes } from '../../lib/cli/pipe.ts';
import { didYouMean } from '../../lib/text/suggest.ts';
import { listScenarios, startLab, stopPid, UnknownScenarioError } from './lab.ts';

/** Where each running `lab up` records its pids and folder (one file per lab), so `lab down` can clean up after a crash. */
const STATE_DIR = join(tmpdir(), 'sticky-labs');
const stateFile = () => join(STATE_DIR, `${process.pid}.json`);

const HELP = `npm run lab -- <command>: real HAProxy and NGINX on 127.0.0.1, one scenario per cause

Commands:
  list             the scenarios, the causes each one shows, and what it sets up
  up <scenario> [--delay MS]
                   start one in the foreground (Ctrl-C stops it) and print its catalog; with
                   --delay its backends answer after MS milliseconds, as real applications do
  down             stop every lab a killed \`up\` left behind
  help             this help

Examples:
  npm run lab -- list
  npm run lab -- up haproxy-cookie-ttl
  npm run lab -- up haproxy-healthy --delay 20
`;
const COMMANDS = ['list', 'up', 'down', 'help'];

/** A bad `npm run lab` command line. */
class LabUsageError extends Error {
  override readonly name = 'LabUsageError';
}

/** Pads every column but the last to its widest cell, so the table reads straight down. */
export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n');
}

async function up(name: string, backendDelayMs: number): Promise<void> {
  const lab = await startLab(name, { backendDelayMs });
  mkdirSync(STATE_DIR, { recursive: true });
  writeFileSync(stateFile(), JSON.stringify({ scenario: name, pids: lab.pids, run: lab.run }));
  console.log(`lab ${name} is up: ${lab.scenario.description}`);
  console.log(`  catalog: ${lab.catalogPath}`);
  if (lab.service.probe) console.log(`  service: ${lab.service.probe.url}`);
  console.log(`  try:     npx sticky check ${lab.service.name} --catalog ${lab.catalogPath}`);
  console.log('Ctrl-C stops the lab.');
  let stopping = false;
  const down = async () => {
    if (stopping) return;
    stopping = true;
    await lab.stop();
    await rm(stateFile(), { force: true });
    process.exit(0);
  };
  process.on('SIGINT', down);
  process.on('SIGTERM', down);
  setInterval(() => {}, 1 << 30);
}

/**
 * `npm run lab -- list | up <scenario> [--delay MS] | down | help`. `up` runs in the foreground
 * (its backends answering after MS milliseconds) and stops every process it started on exit and
 * on Ctrl-C; `down` stops what a killed `up` left behind. A
 * mistyped command or scenario gets the closest names; any failure is one line and exit 2.
 */
async function run(args: string[]): Promise<number> {
  const [command, name, ...extra] = args;
  if (command === 'help' || command === '--help' || command === '-h' || (command && args.includes('--help'))) {
    process.stdout.write(HELP);
    return 0;
  }
  if (command === 'list') {
    const scenarios = await listScenarios();
    console.log(table([['SCENARIO', 'SHOWS', 'WHAT IT SETS UP'], ...scenarios.map((s) => [s.name, s.expect.length ? s.expect.join(', ') : 'healthy', s.description])]));
    return 0;
  }
  if (command === 'up') {
    const delay = extra[0] === '--delay' ? extra.splice(0, 2)[1] : '0';
    if (!name || extra.length) throw new LabUsageError(name ? `up takes one scenario, not ${[name, ...extra].join(' ')}` : 'up needs a scenario: `npm run lab -- list` lists them');
    if (!/^\d+$/.test(delay ?? '')) throw new LabUsageError('--delay takes a whole number of milliseconds');
    await up(name, Number(delay));
    return -1;
  }
  if (command === 'down') {
    const files = existsSync(STATE_DIR) ? readdirSync(STATE_DIR).filter((f) => f.endsWith('.json')) : [];
    if (files.length === 0) {
      console.log('no lab is recorded as running');
      return 0;
    }
    let stopped = 0;
    for (const f of files) {
      const state = JSON.parse(readFileSync(join(STATE_DIR, f), 'utf8')) as { scenario?: string; pids: number[]; run: string };
      await Promise.all(state.pids.map((p) => stopPid(p)));
      await rm(state.run, { recursive: true, force: true });
      await rm(join(STATE_DIR, f), { force: true });
      stopped += state.pids.length;
      console.log(`stopped ${state.scenario ?? 'a lab'}: ${state.pids.length} process(es)`);
    }
    console.log(`stopped ${files.length} lab(s), ${stopped} process(es)`);
    return 0;
  }
  process.stderr.write(`lab: ${command ? `unknown command "${command}"${didYouMean(COMMANDS, command)}` : 'which command?'}\n\n${HELP}`);
  return 2;
}

ignoreClosedPipes();
try {
  const code = await run(process.argv.slice(2));
  if (code >= 0) process.exitCode = code;
} catch (e) {
  process.stderr.write(`lab: ${(e as Error).message}${e instanceof UnknownScenarioError || e instanceof LabUsageError ? '' : ' (the lab needs haproxy and nginx on PATH and free ports on 127.0.0.1)'}\n`);
  process.exitCode = 2;
}
