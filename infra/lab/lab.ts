import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, openSync, closeSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import type { Server } from 'node:http';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { z } from 'zod';
import { ServiceSchema, type Service } from '../../lib/evidence/service.ts';
import { runtimeCommand } from '../../lib/providers/haproxy/runtime-api.ts';
import { startBackend } from './backends.ts';
import { didYouMean } from '../../lib/text/suggest.ts';

/** The folder of scenario definitions. */
export const SCENARIOS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'scenarios');

/** `scenario.yaml`: what the scenario shows and what the lab must start. */
export const ScenarioSchema = z.strictObject({
  description: z.string(),
  expect: z.array(z.string()),
  service: z.record(z.string(), z.unknown()),
  backends: z.array(z.string().regex(/^[a-z0-9-]+$/)).min(1),
  haproxy: z.array(z.string()).default([]),
  nginx: z.array(z.string()).default([]),
  probe: z.string().optional(),
  runtime: z.record(z.string(), z.array(z.string())).default({}),
  /** Extra listeners the templates name (`{{PORT:edge1-tls}}`). */
  ports: z.array(z.string().regex(/^[a-z0-9-]+$/)).default([]),
});
export type Scenario = z.infer<typeof ScenarioSchema> & { name: string };

/** A running lab: where its files are, the catalog entry that describes it, how to stop it. */
export interface Lab {
  scenario: Scenario;
  run: string;
  catalogPath: string;
  service: Service;
  ports: Record<string, number>;
  /** Pids of the load-balancer processes the lab started (backends run in this process). */
  pids: number[];
  stop(): Promise<void>;
}

/** A scenario name the lab does not have; the message suggests the closest ones. */
export class UnknownScenarioError extends Error {
  override readonly name = 'UnknownScenarioError';
}

/** The names of every scenario, sorted. */
export async function scenarioNames(): Promise<string[]> {
  return (await readdir(SCENARIOS_DIR, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort();
}

/** Every scenario, by name. */
export async function listScenarios(): Promise<Scenario[]> {
  return Promise.all((await scenarioNames()).map(loadScenario));
}

/** Reads one scenario definition; an unknown name is an {@link UnknownScenarioError} with suggestions. */
export async function loadScenario(name: string): Promise<Scenario> {
  const file = join(SCENARIOS_DIR, name, 'scenario.yaml');
  if (!/^[a-z0-9-]+$/.test(name) || !existsSync(file)) {
    throw new UnknownScenarioError(`no lab scenario "${name}"${didYouMean(await scenarioNames(), name)} (\`npm run lab -- list\` lists them)`);
  }
  return { ...ScenarioSchema.parse(parse(await readFile(file, 'utf8'))), name };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitFor(what: string, ms: number, ok: () => Promise<boolean>): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const ready = await ok().catch((e: unknown) => {
      if (e instanceof PortTakenError) throw e;
      return false;
    });
    if (ready) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`lab: ${what} did not come up within ${ms} ms`);
}

const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const c = connect({ port, host: '127.0.0.1' }, () => {
      c.destroy();
      resolve(true);
    });
    c.on('error', () => resolve(false));
  });

/** Whether a process is alive. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Stops a process by pid: SIGTERM, then SIGKILL if it is still there after `graceMs`. */
export async function stopPid(pid: number, graceMs = 3000): Promise<void> {
  if (!alive(pid)) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const end = Date.now() + graceMs;
  while (alive(pid) && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  if (alive(pid)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

function render(template: string, name: string, run: string, ports: Record<string, number>): string {
  return template
    .replaceAll('{{NAME}}', name)
    .replaceAll('{{RUN}}', run)
    .replaceAll('{{CERTS}}', join(SCENARIOS_DIR, '..', 'certs'))
    .replace(/\{\{PORT:([a-z0-9-]+)\}\}/g, (_, k: string) => {
      const p = ports[k];
      if (p === undefined) throw new Error(`lab template names an unknown port "${k}"`);
      return String(p);
    });
}

function spawnLogged(cmd: string, args: string[], log: string): ChildProcess {
  const fd = openSync(log, 'a');
  const child = spawn(cmd, args, { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  return child;
}

/**
 * Starts a scenario on 127.0.0.1: its backends (in this process), its HAProxy and NGINX
 * instances (child processes, master-worker, in the foreground so their pids are ours), then
 * applies its Runtime API commands and writes its catalog. Everything lives in one temporary
 * folder; `stop()` ends every process by pid and removes it.
 */
export async function startLab(name: string, opts: LabOptions = {}): Promise<Lab> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(name, opts);
    } catch (e) {
      if (!(e instanceof PortTakenError) || attempt >= 3) throw e;
    }
  }
}

/** Options of a lab: where its files go, and how long its backends take to answer (0: at once). */
export interface LabOptions {
  runDir?: string;
  backendDelayMs?: number;
}

/** A load balancer exited at start-up, most likely because another test took its port first. */
class PortTakenError extends Error {
  override readonly name = 'PortTakenError';
}

async function startOnce(name: string, opts: LabOptions): Promise<Lab> {
  const scenario = await loadScenario(name);
  const run = opts.runDir ?? (await mkdtemp(join(tmpdir(), `sticky-lab-${name}-`)));
  await mkdir(run, { recursive: true });
  const ports: Record<string, number> = {};
  for (const k of [...scenario.backends, ...scenario.haproxy, ...scenario.nginx, ...scenario.ports]) ports[k] = await freePort();
  const servers: Server[] = [];
  const children: ChildProcess[] = [];
  const stop = async () => {
    await Promise.all(children.map((c) => (c.pid ? stopPid(c.pid) : undefined)));
    for (const s of servers) s.closeAllConnections();
    await Promise.all(servers.map((s) => new Promise((r) => s.close(() => r(undefined)))));
    if (!opts.runDir) await rm(run, { recursive: true, force: true });
  };
  try {
    for (const b of scenario.backends) {
      servers.push(await startBackend(b, ports[b]!, '127.0.0.1', { delayMs: opts.backendDelayMs ?? 0 }).catch((e: NodeJS.ErrnoException) => {
        throw e.code === 'EADDRINUSE' ? new PortTakenError(`backend ${b}: port ${ports[b]} taken`) : e;
      }));
    }
    const haproxy = [];
    for (const h of scenario.haproxy) {
      const cfg = join(run, `${h}.cfg`);
      await writeFile(cfg, render(await readFile(join(SCENARIOS_DIR, name, `${h}.cfg`), 'utf8'), h, run, ports));
      const child = spawnLogged('haproxy', ['-W', '-f', cfg, '-p', join(run, `${h}.pid`)], join(run, `${h}.log`));
      children.push(child);
      await waitFor(`haproxy ${h}`, 10_000, async () => {
        if (child.exitCode !== null) throw new PortTakenError(`haproxy ${h} exited at start-up: ${(await readFile(join(run, `${h}.log`), 'utf8')).trim().split('\n').pop()}`);
        return (await listening(ports[h]!)) && existsSync(join(run, `${h}.sock`)) && (await runtimeCommand(join(run, `${h}.sock`), 'show info', 500)).includes('Pid');
      });
      for (const cmd of scenario.runtime[h] ?? []) await runtimeCommand(join(run, `${h}.sock`), cmd);
      haproxy.push({ name: h, config: cfg, runtime: join(run, `${h}.sock`), pidFile: join(run, `${h}.pid`) });
    }
    const nginx = [];
    for (const n of scenario.nginx) {
      const cfg = join(run, `${n}.conf`);
      await writeFile(cfg, render(await readFile(join(SCENARIOS_DIR, name, `${n}.conf`), 'utf8'), n, run, ports));
      const child = spawnLogged('nginx', ['-c', cfg, '-p', `${run}/`], join(run, `${n}.log`));
      children.push(child);
      await waitFor(`nginx ${n}`, 10_000, async () => {
        if (child.exitCode !== null) throw new PortTakenError(`nginx ${n} exited at start-up`);
        return (await listening(ports[n]!)) && existsSync(join(run, `${n}.pid`));
      });
      nginx.push({ name: n, config: cfg });
    }
    const front = scenario.probe;
    const service = ServiceSchema.parse({
      name: `lab-${name}`.slice(0, 63),
      hosts: ['127.0.0.1'],
      paths: ['/'],
      ...scenario.service,
      ...(haproxy.length ? { haproxy } : {}),
      ...(nginx.length ? { nginx } : {}),
      ...(front ? { probe: { url: `http://127.0.0.1:${ports[front]}/`, backendHeader: 'X-Backend-Server' } } : {}),
    });
    const catalogPath = join(run, 'sticky.config.yaml');
    await writeFile(catalogPath, stringify([service]));
    return { scenario, run, catalogPath, service, ports, pids: children.map((c) => c.pid!).filter(Boolean), stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
