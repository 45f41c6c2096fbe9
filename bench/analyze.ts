import { spawnSync } from 'node:child_process';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyze } from '../lib/checks/analyze.ts';
import { CHECKS } from '../lib/checks/index.ts';
import { parseBundle, type RawBundle } from '../lib/evidence/bundle.ts';
import { readBundle } from '../lib/evidence/read-bundle.ts';
import { sizeAt, writeLargeBundle } from './large-bundle.ts';

/**
 * Analysis cost as the evidence grows: the large bundle at 1×, 4× and 16× in every dimension
 * (target groups, Kubernetes objects, HAProxy and NGINX config lines, service paths), parse and
 * rules timed in process as CPU time of this thread (median of several runs after a warm-up; the
 * wall clock is printed too), with the growth factor over
 * 1×: linear work grows 16× for 16× the data. The checks that take longest at the largest size
 * are listed, so a rule that grows faster than its input shows up by name. Then `sticky analyze`
 * of the 1× bundle as a whole process.
 */
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (x: number) => `${x.toFixed(1)} ms`;
const SCALES = [1, 4, 16];

/**
 * Time on this thread (ms): what the analysis itself costs, which other processes on a shared
 * machine do not inflate as they inflate the wall clock.
 */
const cpu = () => {
  const u = process.threadCpuUsage();
  return (u.user + u.system) / 1000;
};

function time(raw: RawBundle, runs: number): { parse: number; rules: number; wall: number; findings: number } {
  const parse: number[] = [];
  const rules: number[] = [];
  const wall: number[] = [];
  let findings = 0;
  for (let i = 0; i < runs + 1; i++) {
    const w = performance.now();
    const t0 = cpu();
    const ev = parseBundle(raw);
    const t1 = cpu();
    findings = analyze(ev).findings.length;
    const t2 = cpu();
    if (i === 0) continue;
    parse.push(t1 - t0);
    rules.push(t2 - t1);
    wall.push(performance.now() - w);
  }
  return { parse: median(parse), rules: median(rules), wall: median(wall), findings };
}

/**
 * Each check's own CPU time over the bundle, one analysis per check after the timed runs. Views
 * that several checks share (the routed HAProxy backends, say) are built by the first check that
 * asks, which then carries their cost.
 */
function slowestChecks(raw: RawBundle, n: number): string {
  const ev = parseBundle(raw);
  const took = CHECKS.map((check) => {
    const t = performance.now();
    analyze(ev, [check]);
    return { id: check.id, ms: performance.now() - t };
  });
  return took.sort((a, b) => b.ms - a.ms).slice(0, n).map((c) => `${c.id} ${c.ms.toFixed(0)}`).join(', ');
}

const results: { scale: number; parse: number; rules: number }[] = [];
for (const scale of SCALES) {
  const dir = mkdtempSync(join(tmpdir(), 'sticky-bench-'));
  try {
    const { files, bytes, kubeObjects } = writeLargeBundle(dir, { scale });
    const size = sizeAt(scale);
    const lines = (f: string) => readFileSync(join(dir, f), 'utf8').split('\n').length;
    const raw = await readBundle(dir);
    const r = time(raw, scale === 16 ? 3 : 7);
    results.push({ scale, ...r });
    const base = results[0]!;
    const growth = scale === 1 ? '' : `; ×${((r.parse + r.rules) / (base.parse + base.rules)).toFixed(1)} the 1× time for ×${scale} the data (parse ×${(r.parse / base.parse).toFixed(1)}, rules ×${(r.rules / base.rules).toFixed(1)})`;
    console.log(`${String(scale).padStart(2)}× large bundle: ${files} files, ${(bytes / 1024 / 1024).toFixed(1)} MiB — ${size.targetGroups} target groups / ${size.targetGroups * size.targetsPerGroup} targets, ${kubeObjects} Kubernetes objects, haproxy.cfg ${lines('haproxy/edge1.cfg')} lines, nginx -T ${lines('nginx/edge.conf')} lines, ${size.paths} paths`);
    console.log(`    in process, CPU time of the analysis: parse ${ms(r.parse)} + rules ${ms(r.rules)} = ${ms(r.parse + r.rules)} (wall ${ms(r.wall)}; ${r.findings} findings)${growth}${scale === 1 ? ' (target < 300 ms)' : scale === 16 ? ' (targets: ≤ ×20, < 2 s)' : ''}`);
    if (scale === 16 || process.argv.includes('--checks')) console.log(`    slowest checks at ${scale}× (ms): ${slowestChecks(raw, 6)}`);
    if (scale === 1) {
      const whole: number[] = [];
      for (let i = 0; i < 5; i++) {
        const t = performance.now();
        const p = spawnSync(process.execPath, [join(root, 'bin', 'sticky.js'), 'analyze', dir, '--format', 'json'], { maxBuffer: 256 * 1024 * 1024 });
        whole.push(performance.now() - t);
        if (p.status !== 1) throw new Error(`sticky analyze exited ${p.status}: ${p.stderr}`);
      }
      console.log(`    whole process \`sticky analyze --format json\` on it (median of 5): ${ms(median(whole))}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

setFlagsFromString('--expose-gc');
/** A full garbage collection between timed runs, so one run does not pay for the last one's garbage. */
const gc = runInNewContext('gc') as () => void;

/**
 * How the Kubernetes rules scale: the same bundle with 16× the Kubernetes objects must cost at
 * most 20× the rules' time (linear, with room for noise); printed, never asserted in tests. The
 * two sizes run in alternation (fresh indexes and a full GC before each run), so both see the
 * same load from other processes; each round compares the 16× run with the best of five 1×
 * runs, and the median of the rounds' ratios is reported.
 */
async function loadScaled(scale: number) {
  const d = mkdtempSync(join(tmpdir(), 'sticky-bench-k8s-'));
  try {
    const { kubeObjects } = writeLargeBundle(d, { kubeScale: scale });
    return { ev: parseBundle(await readBundle(d)), objects: kubeObjects };
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
}
const kubeChecks = CHECKS.filter((c) => c.layer === 'kubernetes');
const timeRules = (ev: Awaited<ReturnType<typeof loadScaled>>['ev']) => {
  const e = { ...ev, kubernetes: [...ev.kubernetes] };
  gc();
  const t = performance.now();
  const findings = analyze(e, kubeChecks).findings.length;
  return { ms: performance.now() - t, findings };
};
const small = await loadScaled(1);
const large = await loadScaled(16);
for (let i = 0; i < 3; i++) {
  timeRules(small.ev);
  timeRules(large.ev);
}
const ratios: number[] = [];
const smallMs: number[] = [];
const largeMs: number[] = [];
let findings = [0, 0];
for (let round = 0; round < 15; round++) {
  const s = Array.from({ length: 5 }, () => timeRules(small.ev));
  const l = timeRules(large.ev);
  const best = Math.min(...s.map((x) => x.ms));
  smallMs.push(best);
  largeMs.push(l.ms);
  ratios.push(l.ms / best);
  findings = [s[0]!.findings, l.findings];
}
const ratio = median(ratios);
console.log(`Kubernetes rules (15 alternating rounds, median): ${small.objects} objects ${ms(median(smallMs))} (${findings[0]} findings), ${large.objects} objects ${ms(median(largeMs))} (${findings[1]} findings): ${(large.objects / small.objects).toFixed(0)}× the objects cost ${ratio.toFixed(1)}× the time (target ≤ 20×)${ratio <= 20 ? '' : ' — OVER TARGET'}`);
