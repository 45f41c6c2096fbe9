/**
 * `npm run mutate`: a small mutation check of the rules that must never silently break — who may
 * approve, four eyes, decisions in the triage's channel, votes, drift refusal, the Slack
 * signature window, cookie redaction, rollback after a failed verification, the report's
 * message ts and channel, and the rules' thresholds. Each named mutant (scripts/mutants.ts) is
 * applied alone to a scratch copy of the working tree (the tree itself is never written), the
 * tests that matter for it run, and it must make at least one of them fail ("killed").
 *
 * Before the mutants, each distinct test selection runs once unmutated and must pass with at
 * least one test: a mutant is only killed by a test that can pass.
 *
 * Usage: npm run mutate [-- --only <name-part>[,…]] [--list] [--keep]
 * Exit: 0 every mutant killed; 1 one survived (or its tests fail unmutated); 2 a mutant no longer
 * matches the source, or bad arguments.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MUTANTS, type Mutant } from './mutants.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** Longest run of one selection; a mutant that makes its tests hang past this counts as killed (timeout). */
const RUN_TIMEOUT_MS = 5 * 60_000;

interface Run {
  ok: boolean;
  passed: number;
  failed: number;
  timedOut: boolean;
  firstFailure?: string;
  ms: number;
}

function args(argv: string[]): { only: string[]; list: boolean; keep: boolean } {
  const out = { only: [] as string[], list: false, keep: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--list') out.list = true;
    else if (a === '--keep') out.keep = true;
    else if (a === '--only' && argv[i + 1]) out.only.push(...argv[++i]!.split(',').filter(Boolean));
    else {
      console.error(`npm run mutate: unknown argument ${a} (use --only <name-part>[,…], --list, --keep)`);
      process.exit(2);
    }
  }
  return out;
}

/** Every mutant's snippet must occur exactly once in its file, and change it. */
function stale(mutants: Mutant[]): string[] {
  return mutants.flatMap((m) => {
    const path = join(ROOT, m.file);
    if (!existsSync(path)) return [`${m.name}: ${m.file} does not exist`];
    const text = readFileSync(path, 'utf8');
    const count = text.split(m.from).length - 1;
    if (count !== 1) return [`${m.name}: the snippet occurs ${count} times in ${m.file} (it must occur once): ${JSON.stringify(m.from.slice(0, 80))}`];
    if (m.from === m.to) return [`${m.name}: the mutant changes nothing`];
    const missing = m.tests.filter((t) => !existsSync(join(ROOT, t)));
    return missing.length ? [`${m.name}: no test file ${missing.join(', ')}`] : [];
  });
}

/** A copy of the working tree as it is (tracked and new files, not ignored ones), node_modules linked. */
function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sticky-mutate-'));
  const files = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' });
  if (files.status !== 0) throw new Error(`git ls-files failed: ${files.stderr}`);
  for (const f of files.stdout.split('\0').filter(Boolean)) {
    if (!existsSync(join(ROOT, f))) continue;
    mkdirSync(dirname(join(dir, f)), { recursive: true });
    cpSync(join(ROOT, f), join(dir, f));
  }
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

/** The jest run under way (its own process group), for an interrupt to stop. */
let running: number | undefined;

/** Runs jest on a selection in the scratch copy and reads its JSON result. */
function jest(dir: string, tests: string[], only: string | undefined, tag: string): Promise<Run> {
  const out = join(dir, `.mutate-${tag}.json`);
  rmSync(out, { force: true });
  const started = Date.now();
  return new Promise((done) => {
    const child = spawn(process.execPath, [join(ROOT, 'node_modules/jest/bin/jest.js'), '--ci', '--silent', '--bail', '--json', `--outputFile=${out}`, ...(only ? ['-t', only] : []), ...tests], {
      cwd: dir, env: { ...process.env, NODE_OPTIONS: '--experimental-vm-modules --no-warnings' }, stdio: 'ignore', detached: true,
    });
    running = child.pid;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }, RUN_TIMEOUT_MS);
    child.on('exit', (code) => {
      clearTimeout(timer);
      running = undefined;
      let r: { numPassedTests?: number; numFailedTests?: number; testResults?: { assertionResults?: { status: string; fullName: string }[]; message?: string }[] } = {};
      try {
        r = JSON.parse(readFileSync(out, 'utf8'));
      } catch {
        /* no report: jest crashed or was killed */
      }
      const failure = r.testResults?.flatMap((t) => t.assertionResults?.filter((a) => a.status === 'failed').map((a) => a.fullName) ?? []).at(0)
        ?? r.testResults?.find((t) => t.message)?.message?.split('\n').find(Boolean)?.slice(0, 120);
      done({ ok: code === 0 && !timedOut, passed: r.numPassedTests ?? 0, failed: r.numFailedTests ?? 0, timedOut, ...(failure ? { firstFailure: failure } : {}), ms: Date.now() - started });
    });
  });
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function main(): Promise<number> {
  const o = args(process.argv.slice(2));
  const chosen = o.only.length ? MUTANTS.filter((m) => o.only.some((p) => m.name.includes(p))) : MUTANTS;
  if (chosen.length === 0) {
    console.error(`npm run mutate: no mutant matches ${o.only.join(', ')}`);
    return 2;
  }
  if (o.list) {
    for (const m of chosen) console.log(`${m.name.padEnd(44)} ${m.file}  (${m.why})`);
    return 0;
  }
  const problems = stale(chosen);
  if (problems.length) {
    console.error(`npm run mutate: ${problems.length} mutant(s) no longer match the source; update scripts/mutants.ts:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    return 2;
  }
  const dirty = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim();
  console.log(`Mutating a scratch copy of the working tree${dirty ? ` (with ${dirty.split('\n').length} uncommitted change(s))` : ''}; the tree itself is not written.`);
  const started = Date.now();
  const dir = scratch();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      if (running) {
        try {
          process.kill(-running, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
      rmSync(dir, { recursive: true, force: true });
      console.error(`npm run mutate: interrupted; nothing was written to the working tree`);
      process.exit(130);
    });
  }
  try {
    const key = (m: Mutant) => JSON.stringify([m.tests, m.only ?? null]);
    const baselines = new Map<string, Run>();
    let i = 0;
    for (const m of chosen) {
      if (baselines.has(key(m))) continue;
      const b = await jest(dir, m.tests, m.only, `baseline-${i++}`);
      baselines.set(key(m), b);
      if (!b.ok || b.passed === 0) console.log(`baseline FAILED  ${m.tests.join(' ')}${m.only ? ` -t '${m.only}'` : ''}: ${b.passed} passed, ${b.failed} failed${b.firstFailure ? ` (${b.firstFailure})` : ''}`);
    }
    const results: { m: Mutant; outcome: 'killed' | 'timeout' | 'survived' | 'invalid'; run?: Run }[] = [];
    for (const m of chosen) {
      const b = baselines.get(key(m))!;
      if (!b.ok || b.passed === 0) {
        results.push({ m, outcome: 'invalid' });
        console.log(`INVALID   ${m.name}: its tests do not pass without the mutant`);
        continue;
      }
      const path = join(dir, m.file);
      const original = readFileSync(path, 'utf8');
      let run: Run;
      try {
        writeFileSync(path, original.replace(m.from, () => m.to));
        run = await jest(dir, m.tests, m.only, 'mutant');
      } finally {
        writeFileSync(path, original);
      }
      const outcome = run.timedOut ? 'timeout' : run.ok ? 'survived' : 'killed';
      results.push({ m, outcome, run });
      console.log(`${outcome === 'survived' ? 'SURVIVED' : outcome.padEnd(8)}  ${m.name.padEnd(44)} ${seconds(run.ms).padStart(7)}  ${outcome === 'survived' ? `${m.why} — no test failed` : (run.firstFailure ?? '')}`);
    }
    const killed = results.filter((r) => r.outcome === 'killed' || r.outcome === 'timeout').length;
    const score = (100 * killed) / results.length;
    console.log(`\n${killed} of ${results.length} mutants killed (score ${score.toFixed(1)}%) in ${seconds(Date.now() - started)}`);
    const left = results.filter((r) => r.outcome === 'survived' || r.outcome === 'invalid');
    if (left.length) console.log(`Not killed: ${left.map((r) => r.m.name).join(', ')}`);
    return left.length ? 1 : 0;
  } finally {
    if (o.keep) console.log(`scratch copy kept at ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
