import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { analyze, type Report } from '../lib/checks/analyze.ts';
import { applyExitCode, EXIT } from '../lib/cli/exit-codes.ts';
import { ignoreClosedPipes } from '../lib/cli/pipe.ts';
import { renderText, styleFor, verdictLine } from '../lib/cli/render-text.ts';
import { parseBundle } from '../lib/evidence/bundle.ts';
import { collect } from '../lib/providers/collect.ts';
import { applyPlan, type Verifier } from '../lib/remediations/apply/engine.ts';
import { probeCounts } from '../lib/report/probe-counts.ts';
import { didYouMean } from '../lib/text/suggest.ts';
import { loadScenario, startLab, UnknownScenarioError, type Lab } from '../infra/lab/lab.ts';

const HELP = `npm run demo -- [scenario] [--yes]: Sticky on a faulty lab, end to end

Starts a lab scenario (real HAProxy/NGINX on 127.0.0.1; default haproxy-cookie-ttl), runs the live
check, shows the finding and the proposed fix, asks before applying it, applies it through the
engine \`sticky apply\` uses (drift check, validation, reload, verification, rollback) and stops
every process it started.

Options:
  -y, --yes      apply without asking (needed when there is no terminal to ask on)
      --no-color no colour, even on a terminal
  -h, --help     this help

Examples:
  npm run demo
  npm run demo -- nginx-round-robin --yes

Exit codes: 0 fix applied and verified (or nothing to fix), 2 bad usage or the lab could not
start, 4 refused, 5 rolled back, 6 failed, 7 answered no (docs/cli.md).
`;

/** A bad demo command line, or a lab that cannot start: one line, exit 2. */
class DemoError extends Error {
  override readonly name = 'DemoError';
}

function ensureBinaries(say: (s: string) => void): void {
  const missing = ['haproxy', 'nginx'].filter((b) => spawnSync('sh', ['-c', `command -v ${b}`]).status !== 0);
  if (missing.length === 0) return;
  if (process.getuid?.() === 0 && spawnSync('sh', ['-c', 'command -v apt-get']).status === 0) {
    say(`installing ${missing.join(' and ')} from Debian (apt-get) ...`);
    execFileSync('sh', ['-c', `apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${missing.join(' ')} >/dev/null`], { stdio: 'inherit' });
    return;
  }
  throw new DemoError(`the lab needs ${missing.join(' and ')}: apt-get install -y haproxy nginx`);
}

/** Where the demo talks: injectable so a test can run it in process and answer for a person. */
export interface DemoIo {
  write(s: string): void;
  isTTY: boolean;
  columns?: number;
  env: NodeJS.ProcessEnv;
  /** Asks a yes/no question; absent when there is no terminal to ask on. */
  ask?: (question: string) => Promise<boolean>;
  /** Replaces the verification after the change (tests: a verification that fails). */
  verify?: Verifier;
}

async function ask(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

/** What a report says in one line: its findings, or its verdict (never "no problem" about a layer it could not check). */
const summary = (r: Report) => (r.findings.length === 0 ? verdictLine(r) : r.findings.map((f) => `${f.severity} ${f.cause} (${f.id})`).join(', '));

/**
 * The main job on a running lab: check, show, ask, apply, verify, and the state afterwards (after
 * a rollback, collected again, so what is shown is what is live). Returns the exit code.
 */
async function demo(lab: Lab, io: DemoIo, o: { yes: boolean; noColor: boolean; say: (s: string) => void }): Promise<number> {
  const { say } = o;
  const style = styleFor(io.isTTY, io.env, o.noColor);
  say(style.bold(`1. lab up: ${lab.scenario.name}`) + style.dim(` (${lab.scenario.description}; HAProxy/NGINX pids ${lab.pids.join(', ')})`));
  say(style.bold(`2. sticky check ${lab.service.name}`));
  const t = performance.now();
  const raw = await collect(lab.service, { trigger: 'demo' });
  const report = analyze(parseBundle(raw));
  io.write(renderText(report, { style, files: raw.files, backends: probeCounts(raw), ...(io.isTTY && io.columns ? { width: io.columns } : {}) }));
  say(style.dim(`   collected and analyzed in ${Math.round(performance.now() - t)} ms`));
  const plan = report.remediations.find((p) => !p.advice);
  if (!plan) {
    say('nothing to apply.');
    return EXIT.ok;
  }
  say(style.bold(`3. apply ${plan.id}`));
  if (!o.yes) {
    if (!io.ask) {
      say(`not applied: there is no terminal to ask on; run \`npm run demo -- ${lab.scenario.name} --yes\` to apply without asking.`);
      return EXIT.usage;
    }
    if (!(await io.ask(`Apply "${plan.title}" to the running lab? [y/N] `))) {
      say('not applied: answered no.');
      return applyExitCode('declined');
    }
  }
  const result = await applyPlan({ evidence: raw, planId: plan.id, onStep: (s) => say(`   ${s}`), ...(io.verify ? { verify: io.verify } : {}) });
  say(style.bold(`4. result: ${result.status}`) + (result.reason ? ` (${result.reason})` : ''));
  if (result.status === 'verified' && result.after) say(`   after the change: ${summary(result.after)}`);
  else if (result.status === 'rolled-back' || result.status === 'failed') {
    const now = analyze(parseBundle(await collect(lab.service, { trigger: 'demo' })));
    say(`   ${result.status === 'rolled-back' ? 'after the rollback' : 'now'}: ${summary(now)}`);
  }
  return applyExitCode(result.status);
}

/**
 * `npm run demo -- [scenario] [--yes]`: the main job on the embedded default. Returns the
 * outcome's exit code (0 only when the fix was verified or there was nothing to fix); a bad
 * scenario, option or missing binary is one line on stderr and 2, never a stack trace. Every
 * process it started is stopped before it returns.
 */
export async function runDemo(argv: string[], io: DemoIo, errors: (s: string) => void = (s) => process.stderr.write(s)): Promise<number> {
  try {
    return await run(argv, io);
  } catch (e) {
    const known = e instanceof DemoError || e instanceof UnknownScenarioError;
    errors(`demo: ${(e as Error).message}${known ? '' : ' (run again with STICKY_DEBUG=1 for the stack trace)'}\n`);
    if (!known && io.env.STICKY_DEBUG === '1') errors(`${(e as Error).stack}\n`);
    return EXIT.usage;
  }
}

async function run(argv: string[], io: DemoIo): Promise<number> {
  const say = (s: string) => io.write(`${s}\n`);
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { yes: { type: 'boolean', short: 'y' }, help: { type: 'boolean', short: 'h' }, 'no-color': { type: 'boolean' } } });
  } catch (e) {
    const unknown = /Unknown option '([^']+)'/.exec((e as Error).message)?.[1];
    throw new DemoError(unknown ? `unknown option ${unknown}${didYouMean(['--yes', '--help', '--no-color'], unknown)} (npm run demo -- --help)` : (e as Error).message);
  }
  if (parsed.values.help) {
    io.write(HELP);
    return EXIT.ok;
  }
  if (parsed.positionals.length > 1) throw new DemoError(`the demo runs one scenario, not ${parsed.positionals.length} (npm run demo -- --help)`);
  const scenario = parsed.positionals[0] ?? 'haproxy-cookie-ttl';
  const noColor = Boolean(parsed.values['no-color']);
  await loadScenario(scenario);
  ensureBinaries(say);
  const lab = await startLab(scenario);
  let stopped = false;
  const down = async () => {
    if (stopped) return;
    stopped = true;
    await lab.stop();
    say(styleFor(io.isTTY, io.env, noColor).dim('lab down: every process it started is stopped'));
  };
  const interrupted = () => void down().then(() => process.exit(130));
  process.once('SIGINT', interrupted);
  try {
    return await demo(lab, io, { yes: Boolean(parsed.values.yes), noColor, say });
  } finally {
    process.off('SIGINT', interrupted);
    await down();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  ignoreClosedPipes();
  process.exitCode = await runDemo(process.argv.slice(2), {
    write: (s) => process.stdout.write(s), isTTY: Boolean(process.stdout.isTTY), columns: process.stdout.columns, env: process.env,
    ...(process.stdin.isTTY ? { ask } : {}),
  });
}
