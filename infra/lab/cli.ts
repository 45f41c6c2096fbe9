import { rm } from 'node:fs/promises';
import { listScenarios, startLab, stopPid } from './lab.ts';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where a running `lab up` records its pids and folder, so `lab down` can clean up after a crash. */
const STATE = join(tmpdir(), 'sticky-lab.json');

/**
 * `npm run lab -- list | up <scenario> [--delay MS] | down`. `up` runs in the foreground (its
 * backends answering after MS milliseconds, as real applications do) and stops every process it
 * started on exit and on Ctrl-C; `down` stops what a killed `up` left behind.
 */
const [command, name, ...flags] = process.argv.slice(2);
const delayAt = flags.indexOf('--delay');
const backendDelayMs = delayAt >= 0 ? Number(flags[delayAt + 1]) : 0;
if (command === 'list') {
  for (const s of await listScenarios()) console.log(`${s.name.padEnd(32)} ${s.expect.length ? s.expect.join(', ') : 'healthy'}  ${s.description}`);
} else if (command === 'up' && name && Number.isInteger(backendDelayMs) && backendDelayMs >= 0) {
  const lab = await startLab(name, { backendDelayMs });
  writeFileSync(STATE, JSON.stringify({ pids: lab.pids, run: lab.run }));
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
    await rm(STATE, { force: true });
    process.exit(0);
  };
  process.on('SIGINT', down);
  process.on('SIGTERM', down);
  setInterval(() => {}, 1 << 30);
} else if (command === 'down') {
  if (!existsSync(STATE)) {
    console.log('no lab is recorded as running');
  } else {
    const state = JSON.parse(readFileSync(STATE, 'utf8')) as { pids: number[]; run: string };
    await Promise.all(state.pids.map((p) => stopPid(p)));
    await rm(state.run, { recursive: true, force: true });
    await rm(STATE, { force: true });
    console.log(`stopped ${state.pids.length} process(es)`);
  }
} else {
  console.error('usage: npm run lab -- list | up <scenario> [--delay MS] | down');
  process.exitCode = 2;
}
