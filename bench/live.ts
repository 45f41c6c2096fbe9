import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { analyze } from '../lib/checks/analyze.ts';
import { parseBundle } from '../lib/evidence/bundle.ts';
import { collect } from '../lib/providers/collect.ts';
import { startLab } from '../infra/lab/lab.ts';

/**
 * The benchmark that matters: the whole `sticky check` process (HAProxy config and Runtime API,
 * the probe's sessions, analysis, report) against the runbook's own stickiness test, the loop
 * `for i in $(seq 20); do curl -s -c jar -b jar URL; done`, on the lab's healthy HAProxy with
 * backends that answer after 20 ms and after 100 ms, as real applications do (and, for
 * comparison with older figures, instantly). The two commands run in turn, pair by pair after a
 * warm-up pair, so both see the same machine; each pair gives a ratio, and the medians are
 * printed. Targets: ratio ≤ 0.35 at 20 ms, ≤ 0.25 at 100 ms.
 */
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (x: number) => `${x.toFixed(0)} ms`;
/** Child processes must not block this process: the lab's backends answer from its event loop. */
const run = promisify(execFile);
const has = (bin: string) => spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0;
const PAIRS = Number(process.env.STICKY_BENCH_PAIRS ?? 7);

async function timed(file: string, args: string[], ok: (code: number) => boolean): Promise<number> {
  const t = performance.now();
  const code = await run(file, args, { maxBuffer: 16 * 1024 * 1024 }).then(() => 0, (e: { code?: number }) => e.code ?? -1);
  const took = performance.now() - t;
  if (!ok(code)) throw new Error(`${file} ${args.join(' ')} exited ${code}`);
  return took;
}

if (!has('haproxy') || !has('curl')) {
  console.log('live benchmark skipped: haproxy and curl are needed (apt-get install -y haproxy curl)');
} else {
  const tmp = mkdtempSync(join(tmpdir(), 'sticky-bench-live-'));
  try {
    for (const [delay, target] of [[20, 0.35], [100, 0.25], [0, undefined]] as const) {
      const lab = await startLab('haproxy-healthy', { backendDelayMs: delay });
      try {
        const url = lab.service.probe!.url;
        const jar = join(tmp, `jar-${delay}`);
        const loop = `rm -f ${jar}; for i in $(seq 20); do curl -s -c ${jar} -b ${jar} ${url} >/dev/null; done`;
        const check = () => timed(process.execPath, [join(root, 'bin', 'sticky.js'), 'check', lab.service.name, '--catalog', lab.catalogPath, '--format', 'json'], (c) => c === 0);
        const curl = () => timed('sh', ['-c', loop], (c) => c === 0);
        await check();
        await curl();
        const pairs: { check: number; curl: number }[] = [];
        for (let i = 0; i < PAIRS; i++) pairs.push({ check: await check(), curl: await curl() });
        const ratios = pairs.map((p) => p.check / p.curl);
        const label = delay === 0 ? 'backends answering at once (for comparison with older figures)' : `backends answering after ${delay} ms`;
        console.log(`${label}: whole \`sticky check\` ${ms(median(pairs.map((p) => p.check)))} vs the runbook's 20-curl loop ${ms(median(pairs.map((p) => p.curl)))}; ratio ${median(ratios).toFixed(2)} (median of ${PAIRS} pairs, ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})${target ? ` (target ≤ ${target})` : ''}`);
        if (delay === 20) {
          const inProcess: number[] = [];
          for (let i = 0; i < 7; i++) {
            const t = performance.now();
            const report = analyze(parseBundle(await collect(lab.service)));
            inProcess.push(performance.now() - t);
            if (report.findings.length > 0) throw new Error('the benchmark lab is expected healthy');
          }
          console.log(`  the same check in process (collect + analyze, no start-up), median of 7: ${ms(median(inProcess))}`);
        }
      } finally {
        await lab.stop();
      }
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
