import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyze } from '../lib/checks/analyze.ts';
import { parseBundle } from '../lib/evidence/bundle.ts';
import { collect } from '../lib/providers/collect.ts';
import { probeService } from '../lib/providers/probe/probe.ts';
import { startLab } from '../infra/lab/lab.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (x: number) => `${x.toFixed(0)} ms`;
/** Child processes must not block: the lab's backends answer from this process's event loop. */
const run = promisify(execFile);
const has = (bin: string) => spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0;

if (!has('haproxy') || !has('nginx')) {
  console.log('live benchmark skipped: haproxy and nginx are not installed (apt-get install -y haproxy nginx)');
} else {
  const lab = await startLab('mixed-healthy');
  const tmp = mkdtempSync(join(tmpdir(), 'sticky-bench-live-'));
  try {
    const url = lab.service.probe!.url;
    const inProcess: number[] = [];
    for (let i = 0; i < 7; i++) {
      const t = performance.now();
      const report = analyze(parseBundle(await collect(lab.service)));
      inProcess.push(performance.now() - t);
      if (report.findings.length > 0) throw new Error('the benchmark lab is expected healthy');
    }
    console.log(`live check of the lab (HAProxy config + Runtime API, nginx -T, probe: 10 + 20 requests), collect + analyze in process, median of 7: ${ms(median(inProcess))} (target < 1.5 s)`);
    const whole: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      await run(process.execPath, [join(root, 'bin', 'sticky.js'), 'check', lab.service.name, '--catalog', lab.catalogPath, '--format', 'json']);
      whole.push(performance.now() - t);
    }
    console.log(`whole process \`sticky check\` (Node start-up included), median of 5: ${ms(median(whole))}`);
    const probes: number[] = [];
    const curls: number[] = [];
    const jar = join(tmp, 'jar');
    const loop = `for i in $(seq 20); do curl -s -c ${jar} -b ${jar} ${url} >/dev/null; done`;
    for (let i = 0; i < 5; i++) {
      let t = performance.now();
      await probeService({ ...lab.service, websocketPaths: [], probe: { ...lab.service.probe!, requests: 20 } }, 10_000);
      probes.push(performance.now() - t);
      rmSync(jar, { force: true });
      t = performance.now();
      await run('sh', ['-c', loop]);
      curls.push(performance.now() - t);
    }
    const p = median(probes);
    const c = median(curls);
    console.log(`probe (10 requests without and 20 with a cookie jar) ${ms(p)} vs the runbook's curl loop (20 requests with a jar) ${ms(c)}: ${(c / p).toFixed(1)}× faster, median of 5`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
    await lab.stop();
  }
}
