import { execFile } from 'node:child_process';
import { chmod, copyFile, cp, mkdtemp, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { promisify } from 'node:util';
import type { RawBundle } from '../../evidence/bundle.ts';
import type { Service } from '../../evidence/service.ts';
import { showInfo } from '../../providers/haproxy/runtime-api.ts';
import type { LineEdit } from '../config-edit.ts';
import type { Plan } from '../types.ts';
import { applyLineEdits, dumpSection, liveTarget } from './edit-lines.ts';
import { ApplyError, DriftError, ValidationError, NotApplicableError } from './errors.ts';

const run = promisify(execFile);

/** One live file a plan changes: its instance, its path, the text collected, the text now, the text wanted. */
interface FileChange {
  instance: string;
  path: string;
  collected: string;
  live: string;
  next: string;
}

/** What was done, so it can be undone: every file written, with its backup and its instance. */
export interface ConfigChange {
  layer: 'haproxy' | 'nginx';
  instance: string;
  files: { path: string; backup: string; instance?: string }[];
}

type Layer = 'haproxy' | 'nginx';
type Instance = { kind: Layer; name: string; config: string; entry: NonNullable<Service['haproxy']>[number] | NonNullable<Service['nginx']>[number] };

function instanceNamed(layer: Layer, name: string, service: Service): Instance {
  if (layer === 'haproxy') {
    const h = service.haproxy?.find((x) => x.name === name);
    if (!h) throw new NotApplicableError(`HAProxy instance "${name}" is not in the service's catalog entry`);
    return { kind: 'haproxy', name, config: h.config, entry: h };
  }
  const n = service.nginx?.find((x) => x.name === name);
  if (!n) throw new NotApplicableError(`NGINX instance "${name}" is not in the service's catalog entry`);
  return { kind: 'nginx', name, config: n.config, entry: n };
}

/**
 * The instances a config plan edits, each with its edits: the instance is named by the bundle
 * file an edit points at (`haproxy/edge2.cfg` is edge2), so one plan can change several
 * instances (the same cookie values on every HAProxy that serves a backend).
 */
function editsByInstance(plan: Plan, service: Service): { inst: Instance; edits: LineEdit[] }[] {
  const layer = plan.layer as Layer;
  const edits = (plan.target.edits ?? []) as LineEdit[];
  if (edits.length === 0) throw new NotApplicableError(`plan ${plan.id} has no edits`);
  const out = new Map<string, { inst: Instance; edits: LineEdit[] }>();
  for (const e of edits) {
    const name = new RegExp(`^${layer}/([^/]+)\\.(cfg|conf)$`).exec(e.file)?.[1] ?? String(plan.target.instance ?? '');
    const group = out.get(name) ?? { inst: instanceNamed(layer, name, service), edits: [] };
    group.edits.push(e);
    out.set(name, group);
  }
  return [...out.values()];
}

/**
 * Works out the new text of every live file a config plan edits, on every instance it edits, and
 * refuses on drift: each live file must still read exactly as collected, and every line an edit
 * replaces must still say what the plan's `before` says.
 */
export async function prepareConfigChange(plan: Plan, service: Service, bundle: RawBundle): Promise<FileChange[]> {
  const changes: FileChange[] = [];
  for (const { inst, edits } of editsByInstance(plan, service)) {
    const byPath = new Map<string, { line: number; before: string; after: string }[]>();
    for (const e of edits) {
      const t = liveTarget(e, inst.config);
      byPath.set(t.path, [...(byPath.get(t.path) ?? []), { line: t.line, before: e.before, after: e.after }]);
    }
    for (const [path, fileEdits] of byPath) {
      const bundled = bundle.files.get(`${inst.kind}/${inst.name}.${inst.kind === 'haproxy' ? 'cfg' : 'conf'}`);
      const collected = bundled === undefined ? undefined : inst.kind === 'nginx' ? dumpSection(bundled, path) : bundled;
      if (collected === undefined) throw new NotApplicableError(`the evidence holds no copy of ${path}`);
      const live = await readFile(path, 'utf8').catch((e: NodeJS.ErrnoException) => {
        if (e.code === 'ENOENT') throw new DriftError(`${path} no longer exists; collect again before applying`);
        throw new NotApplicableError(`cannot read ${path} (${e.code ?? e.message})`, { cause: e });
      });
      if (live.replace(/\n+$/, '') !== collected.replace(/\n+$/, '')) throw new DriftError(`${path} changed since the evidence was collected; collect again before applying`);
      const lines = live.split('\n');
      for (const e of fileEdits) {
        if (e.before && lines[e.line - 1]?.trim() !== e.before.trim()) throw new DriftError(`${path}:${e.line} no longer reads "${e.before}"`);
      }
      changes.push({ instance: inst.name, path, collected, live, next: applyLineEdits(live, fileEdits) });
    }
  }
  return changes;
}

async function validateHaproxy(binary: string, config: string, next: string): Promise<void> {
  const candidate = join(dirname(config), `.${basename(config)}.sticky-candidate-${process.pid}`);
  await writeFile(candidate, next);
  try {
    await run(binary, ['-c', '-q', '-f', candidate], { cwd: dirname(config), timeout: 10_000 });
  } catch (e) {
    const err = e as { stderr?: string; stdout?: string; message: string };
    throw new ValidationError(`haproxy -c rejected the change: ${(err.stderr || err.stdout || err.message).trim().split('\n').slice(0, 3).join(' ')}`);
  } finally {
    await rm(candidate, { force: true });
  }
}

/** Rewrites absolute paths into the original folder so the copy is self-contained. */
async function replaceAll(from: string, to: string, dir: string): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) await replaceAll(from, to, p);
    else if (entry.isFile() && (await stat(p)).size < 4 * 1024 * 1024) {
      const t = await readFile(p, 'utf8');
      if (t.includes(from)) await writeFile(p, t.split(from).join(to));
    }
  }
}

/**
 * `nginx -t` on a copy of the configuration folder with the change applied, so includes resolve
 * as they will live and nothing live is touched until the copy passes.
 */
async function validateNginx(binary: string, config: string, changes: FileChange[]): Promise<void> {
  const base = dirname(config);
  const copy = await mkdtemp(join(tmpdir(), 'sticky-nginx-'));
  try {
    await cp(base, copy, { recursive: true, filter: (src) => !/\.(pid|sock|log)$/.test(src) && !/-(body|proxy|fastcgi|uwsgi|scgi)$/.test(src) });
    for (const c of changes) {
      const rel = relative(base, c.path);
      if (rel.startsWith('..')) throw new NotApplicableError(`${c.path} is outside ${base}: cannot validate it in a copy`);
      await writeFile(join(copy, rel), c.next);
    }
    await replaceAll(`${base}/`, `${copy}/`, copy);
    await run(binary, ['-t', '-q', '-c', join(copy, relative(base, config))], { timeout: 10_000 });
  } catch (e) {
    if (e instanceof ApplyError) throw e;
    const err = e as { stderr?: string; message: string };
    throw new ValidationError(`nginx -t rejected the change: ${(err.stderr ?? err.message).trim().split('\n').filter((l) => !l.includes('test failed')).slice(0, 2).join(' ')}`);
  } finally {
    await rm(copy, { recursive: true, force: true });
  }
}

async function writeAtomically(path: string, text: string): Promise<void> {
  const tmp = `${path}.sticky-tmp-${process.pid}`;
  const mode = (await stat(path)).mode;
  await writeFile(tmp, text);
  await chmod(tmp, mode & 0o7777);
  await rename(tmp, path);
}

/**
 * Gracefully reloads an instance: SIGUSR2 to the HAProxy master, waiting until a new worker
 * answers the Runtime API (a master still busy with the previous reload can drop the signal, so
 * it is sent again after 1.5 s without a new worker), or `nginx -s reload`.
 */
export async function reload(plan: Plan, service: Service): Promise<void> {
  await reloadInstance(plan.layer as Layer, String(plan.target.instance ?? ''), service);
}

/** {@link reload} of one named instance of a layer. */
export async function reloadInstance(layer: Layer, name: string, service: Service): Promise<void> {
  const inst = instanceNamed(layer, name, service);
  if (inst.kind === 'haproxy') {
    const h = inst.entry as NonNullable<Service['haproxy']>[number];
    if (!h.pidFile) throw new ApplyError(`no pidFile for HAProxy ${h.name} in the catalog: cannot reload it`);
    const pid = Number((await readFile(h.pidFile, 'utf8').catch((e: NodeJS.ErrnoException) => {
      throw new ApplyError(`cannot read HAProxy ${h.name}'s pid file ${h.pidFile} (${e.code ?? e.message}) to reload it`, { cause: e });
    })).trim().split('\n')[0]);
    if (!Number.isInteger(pid) || pid <= 0) throw new ApplyError(`${h.pidFile} holds no pid`);
    if (!h.runtime) {
      process.kill(pid, 'SIGUSR2');
      return;
    }
    const before = (await showInfo(h.runtime).catch(() => ({}) as Record<string, string>)).Pid;
    const end = Date.now() + 10_000;
    while (Date.now() < end) {
      process.kill(pid, 'SIGUSR2');
      const resend = Date.now() + 1500;
      while (Date.now() < Math.min(resend, end)) {
        const info = await showInfo(h.runtime, 500).catch(() => undefined);
        if (info?.Pid && info.Pid !== before) return;
        await new Promise((r) => setTimeout(r, 25));
      }
    }
    throw new ApplyError(`HAProxy ${h.name} did not start a new worker within 10 s of SIGUSR2`);
  }
  const n = inst.entry as NonNullable<Service['nginx']>[number];
  try {
    await run(n.binary ?? 'nginx', ['-s', 'reload', '-c', n.config], { timeout: 10_000 });
  } catch (e) {
    throw new ApplyError(`nginx -s reload failed: ${((e as { stderr?: string }).stderr ?? (e as Error).message).trim()}`, { cause: e });
  }
  await new Promise((r) => setTimeout(r, 300));
}

/**
 * Validates every instance's change first (nothing is written unless all pass), then per instance
 * writes its changed files atomically next to timestamped backups and reloads it. When a write or
 * reload fails, every instance already changed is put back (its backups restored, reloaded
 * again), so a plan that spans instances is applied to all of them or to none.
 */
export async function applyConfigChange(plan: Plan, service: Service, changes: FileChange[], stamp: string): Promise<ConfigChange> {
  const layer = plan.layer as Layer;
  const groups = new Map<string, FileChange[]>();
  for (const c of changes) groups.set(c.instance, [...(groups.get(c.instance) ?? []), c]);
  const instances = [...groups.keys()].map((name) => instanceNamed(layer, name, service));
  for (const inst of instances) {
    const mine = groups.get(inst.name)!;
    if (inst.kind === 'haproxy') {
      if (mine.length !== 1 || mine[0]!.path !== inst.config) throw new ApplyError('HAProxy plans edit the instance\'s one configuration file');
      await validateHaproxy((inst.entry as { binary?: string }).binary ?? 'haproxy', inst.config, mine[0]!.next);
    } else {
      await validateNginx((inst.entry as { binary?: string }).binary ?? 'nginx', inst.config, mine);
    }
  }
  const done: ConfigChange = { layer, instance: instances.map((i) => i.name).join(', '), files: [] };
  const reloaded: string[] = [];
  try {
    for (const inst of instances) {
      for (const c of groups.get(inst.name)!) {
        const backup = `${c.path}.sticky-${stamp}.bak`;
        await copyFile(c.path, backup);
        done.files.push({ path: c.path, backup, instance: inst.name });
        await writeAtomically(c.path, c.next);
      }
      await reloadInstance(layer, inst.name, service);
      reloaded.push(inst.name);
    }
  } catch (e) {
    await restoreConfig(done);
    for (const name of reloaded) await reloadInstance(layer, name, service).catch(() => undefined);
    throw new ApplyError(`${(e as Error).message}; the previous configuration was put back`, { cause: e });
  }
  return done;
}

/** Puts the backups back (atomically); the caller reloads the instances ({@link instancesOf}). */
export async function restoreConfig(change: ConfigChange): Promise<void> {
  for (const f of change.files) await writeAtomically(f.path, await readFile(f.backup, 'utf8'));
}

/** The instances a change wrote to, in order (older undo records name one instance on the change). */
export function instancesOf(change: ConfigChange): string[] {
  return [...new Set(change.files.map((f) => f.instance ?? change.instance))];
}
