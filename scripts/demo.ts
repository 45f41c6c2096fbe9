import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { analyze } from '../lib/checks/analyze.ts';
import { renderText, styleFor } from '../lib/cli/render-text.ts';
import { parseBundle } from '../lib/evidence/bundle.ts';
import { writeBundle } from '../lib/evidence/write-bundle.ts';
import { collect } from '../lib/providers/collect.ts';
import { applyPlan } from '../lib/remediations/apply/engine.ts';
import { startLab } from '../infra/lab/lab.ts';

/**
 * The main job on the embedded default: brings up a faulty lab (real HAProxy and NGINX on
 * 127.0.0.1), runs the live check, proposes the fix, applies it once you confirm (`--yes` to
 * skip the question), shows the verification, and takes the lab down again.
 * `npm run demo -- [scenario] [--yes]`; the default scenario is haproxy-cookie-ttl.
 */
const args = process.argv.slice(2);
const yes = args.includes('--yes') || args.includes('-y');
const scenario = args.find((a) => !a.startsWith('-')) ?? 'haproxy-cookie-ttl';
const style = styleFor(Boolean(process.stdout.isTTY), process.env);
const say = (s: string) => process.stdout.write(`${s}\n`);

function ensureBinaries(): void {
  const missing = ['haproxy', 'nginx'].filter((b) => spawnSync('sh', ['-c', `command -v ${b}`]).status !== 0);
  if (missing.length === 0) return;
  if (process.getuid?.() === 0 && spawnSync('sh', ['-c', 'command -v apt-get']).status === 0) {
    say(`installing ${missing.join(' and ')} from Debian (apt-get) ...`);
    execFileSync('sh', ['-c', `apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${missing.join(' ')} >/dev/null`], { stdio: 'inherit' });
    return;
  }
  throw new Error(`the lab needs ${missing.join(' and ')}: apt-get install -y haproxy nginx`);
}

async function confirm(question: string): Promise<boolean> {
  if (yes) return true;
  if (!process.stdin.isTTY) {
    say('(no terminal to ask on: applying as with --yes)');
    return true;
  }
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

ensureBinaries();
const lab = await startLab(scenario);
let stopped = false;
const down = async () => {
  if (stopped) return;
  stopped = true;
  await lab.stop();
  say(style.dim('lab down: every process it started is stopped'));
};
process.on('SIGINT', () => void down().then(() => process.exit(130)));
const evidence = await mkdtemp(join(tmpdir(), 'sticky-demo-evidence-'));
try {
  say(style.bold(`1. lab up: ${scenario}`) + style.dim(` (${lab.scenario.description}; HAProxy/NGINX pids ${lab.pids.join(', ')})`));
  say(style.bold(`2. sticky check ${lab.service.name}`));
  const t = performance.now();
  const raw = await collect(lab.service, { trigger: 'demo' });
  await writeBundle(evidence, raw);
  const report = analyze(parseBundle(raw));
  process.stdout.write(renderText(report, style));
  say(style.dim(`   collected and analyzed in ${Math.round(performance.now() - t)} ms; evidence saved to ${evidence}`));
  const plan = report.remediations.find((p) => !p.advice);
  if (!plan) {
    say('nothing to apply.');
  } else {
    say(style.bold(`3. apply ${plan.id}`));
    if (await confirm(`Apply "${plan.title}" to the running lab? [y/N] `)) {
      const result = await applyPlan({ evidence: raw, planId: plan.id, onStep: (s) => say(`   ${s}`) });
      say(style.bold(`4. result: ${result.status}`) + (result.reason ? ` (${result.reason})` : ''));
      if (result.after) say(`   after the change: ${result.after.findings.length === 0 ? 'no sticky-session problem found' : result.after.findings.map((f) => `${f.severity} ${f.cause} (${f.id})`).join(', ')}`);
      process.exitCode = result.status === 'verified' ? 0 : 1;
    } else say('not applied.');
  }
} finally {
  await rm(evidence, { recursive: true, force: true });
  await down();
}
