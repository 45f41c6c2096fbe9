import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Start-up of the `sticky` command as whole processes, the way a person runs it: `sticky --help`
 * and `sticky analyze` of a small bundle (the checkout incident example: AWS, HAProxy, Kubernetes
 * and probe evidence). One warm-up run, then the median wall time of 9 and the mean CPU time of
 * the children (user + system, from /proc, in 10 ms ticks). Targets: 80 ms and 150 ms.
 */
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const sticky = join(root, 'bin', 'sticky.js');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
/** CPU time (ms) of this process's finished children, from /proc/self/stat (cutime + cstime). */
const childCpu = () => {
  const fields = readFileSync('/proc/self/stat', 'utf8').replace(/^.*\) /, '').split(' ');
  return (Number(fields[13]) + Number(fields[14])) * 10;
};

/** Times `node bin/sticky.js ...args` as a whole process. */
export function timeCommand(args: string[], runs = 9): { wall: number; cpu: number; from: string } {
  const run = () => spawnSync(process.execPath, [sticky, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  run();
  const walls: number[] = [];
  const cpu0 = childCpu();
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const r = run();
    walls.push(performance.now() - t);
    if (r.status !== 0 && r.status !== 1) throw new Error(`sticky ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  }
  return { wall: median(walls), cpu: (childCpu() - cpu0) / runs, from: process.env.STICKY_FROM_SOURCE !== '1' && existsSync(join(root, 'dist', 'sticky.mjs')) ? 'dist/ bundle' : 'TypeScript sources' };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const [label, args, target] of [
    ['sticky --help', ['--help'], 80],
    ['sticky analyze examples/checkout-incident (small bundle)', ['analyze', join(root, 'examples', 'checkout-incident')], 150],
  ] as const) {
    const t = timeCommand([...args]);
    console.log(`${label}: ${t.wall.toFixed(0)} ms wall (median of 9), ${t.cpu.toFixed(0)} ms CPU (mean), whole process from the ${t.from} (target ≤ ${target} ms)`);
  }
}
