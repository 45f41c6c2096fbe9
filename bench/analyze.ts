import { spawnSync } from 'node:child_process';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyze } from '../lib/checks/analyze.ts';
import { CHECKS } from '../lib/checks/index.ts';
import { parseBundle } from '../lib/evidence/bundle.ts';
import { readBundle } from '../lib/evidence/read-bundle.ts';
import { SIZE, writeLargeBundle } from './large-bundle.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (x: number) => `${x.toFixed(1)} ms`;

const dir = mkdtempSync(join(tmpdir(), 'sticky-bench-'));
try {
  const { files, bytes, kubeObjects } = writeLargeBundle(dir);
  const lines = (f: string) => readFileSync(join(dir, f), 'utf8').split('\n').length;
  console.log(`bundle: ${files} files, ${(bytes / 1024 / 1024).toFixed(1)} MiB — ${SIZE.targetGroups} target groups / ${SIZE.targetGroups * SIZE.targetsPerGroup} targets, ${kubeObjects} Kubernetes objects, haproxy.cfg ${lines('haproxy/edge1.cfg')} lines, nginx -T ${lines('nginx/edge.conf')} lines`);
  const raw = await readBundle(dir);
  const runs = { parse: [] as number[], analyze: [] as number[], total: [] as number[] };
  let findings = 0;
  for (let i = 0; i < 12; i++) {
    const t0 = performance.now();
    const ev = parseBundle(raw);
    const t1 = performance.now();
    const report = analyze(ev);
    const t2 = performance.now();
    findings = report.findings.length;
    if (i < 2) continue;
    runs.parse.push(t1 - t0);
    runs.analyze.push(t2 - t1);
    runs.total.push(t2 - t0);
  }
  console.log(`in-process (median of 10 after 2 warm-up): parse ${ms(median(runs.parse))} + rules ${ms(median(runs.analyze))} = ${ms(median(runs.total))} (target < 300 ms; ${findings} findings)`);
  const cold: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    const r = spawnSync(process.execPath, [join(root, 'bin', 'sticky.js'), 'analyze', dir, '--format', 'json'], { maxBuffer: 256 * 1024 * 1024 });
    cold.push(performance.now() - t);
    if (r.status !== 1) throw new Error(`sticky analyze exited ${r.status}: ${r.stderr}`);
  }
  console.log(`whole process \`sticky analyze --format json\` (median of 5): ${ms(median(cold))}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
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
