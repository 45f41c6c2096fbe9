import { randomBytes } from 'node:crypto';
import type { Service } from '../../evidence/service.ts';
import { mapLimit, realClock, type Clock } from '../aws/calls.ts';
import type { CollectOptions } from '../collect.ts';
import { ProviderError } from '../errors.ts';
import { ssmInstanceName, type SsmLayer, type SsmLocation } from './instances.ts';
import { decodePayload, parseChunk, parsePayloadHeader, SsmOutputError, type Part } from './output.ts';
import { resolveInstances, runShellScript, ssmClient, SsmInstanceError } from './run-command.ts';
import { fetchChunkScript, haproxyCollectScript, nginxCollectScript } from './scripts.ts';

/** What a layer's collection returns: bundle files, notes, and the instances that could not be checked (`<layer>/<instance>` → `<instance>: <reason>`). */
export interface LayerCollection {
  files: Record<string, string>;
  notes: string[];
  notChecked: Record<string, string>;
}

type HaproxyEntry = NonNullable<Service['haproxy']>[number];
type NginxEntry = NonNullable<Service['nginx']>[number];

/** How long a collection script may run on the instance before the agent stops it. */
const EXECUTION_TIMEOUT_SECONDS = 60;

/** Joins several HAProxy files into one bundle text, each after a `# configuration file <path>:` line. */
export function joinConfigFiles(files: { path: string; text: string }[]): string {
  if (files.length === 1) return files[0]!.text;
  return files.map((f) => `# configuration file ${f.path}:\n${f.text}${f.text.endsWith('\n') ? '' : '\n'}`).join('');
}

/**
 * Runs a collection script and returns its parts: the first chunk comes with the command's
 * output; a payload longer than one chunk is fetched chunk by chunk from the instance's spool.
 */
async function runCollection(layer: SsmLayer, entry: string, loc: SsmLocation, instanceId: string, script: (token: string) => string, deadline: number, clock: Clock): Promise<Part[]> {
  const client = ssmClient(loc.region);
  const token = randomBytes(16).toString('hex');
  const run = async (text: string, what: string) => {
    const r = await runShellScript(client, instanceId, text, { region: loc.region, comment: `sticky: ${what} ${layer} ${entry}`, deadline, executionTimeoutSeconds: EXECUTION_TIMEOUT_SECONDS, clock });
    if (r.status !== 'Success') {
      const said = /^STICKY-FAILED (.*)$/m.exec(r.stdout)?.[1] ?? r.stderr.trim().split('\n').pop() ?? '';
      throw new SsmInstanceError('failed', `the collection script failed (exit ${r.responseCode})${said ? `: ${said}` : ''}`);
    }
    return r.stdout;
  };
  try {
    const header = parsePayloadHeader(await run(script(token), 'collect'));
    let b64 = header.first;
    for (let i = 1; i < header.chunks; i++) b64 += parseChunk(await run(fetchChunkScript(token, i, i === header.chunks - 1), `fetch ${i + 1}/${header.chunks} of`), i);
    return decodePayload(header, b64);
  } catch (e) {
    if (e instanceof SsmOutputError) throw new SsmInstanceError('failed', e.message, { cause: e });
    throw e;
  }
}

const errorText = (p: Part) => p.text.trim().split('\n').filter(Boolean).pop() ?? 'error';

/** Turns the parts of an HAProxy collection into bundle files (config, server states, stats, version). */
export function haproxyFiles(name: string, parts: Part[]): { files: Record<string, string>; notes: string[] } {
  const files: Record<string, string> = {};
  const notes: string[] = [];
  const unreadable = parts.find((p) => p.name.startsWith('error file '));
  if (unreadable) throw new SsmInstanceError('failed', `cannot read ${unreadable.name.slice('error file '.length)} (${errorText(unreadable)})`);
  const configs = parts.filter((p) => p.name.startsWith('file ')).map((p) => ({ path: p.name.slice(5), text: p.text }));
  if (configs.length === 0) throw new SsmInstanceError('failed', 'the instance returned no configuration file');
  files[`haproxy/${name}.cfg`] = joinConfigFiles(configs);
  for (const p of parts) {
    if (p.name === 'version') files[`haproxy/${name}.version`] = p.text;
    else if (p.name === 'runtime show servers state') files[`haproxy/${name}.servers-state`] = p.text;
    else if (p.name === 'runtime show stat') files[`haproxy/${name}.stat`] = p.text;
    else if (p.name === 'error runtime show servers state') notes.push(`haproxy ${name}: server states not collected: ${errorText(p)}`);
    else if (p.name === 'error runtime show stat') notes.push(`haproxy ${name}: show stat not collected: ${errorText(p)}`);
    else if (p.name === 'error version') notes.push(`haproxy ${name}: ${errorText(p)}`);
  }
  return { files, notes };
}

/** Turns the parts of an NGINX collection into bundle files (`nginx -T`, version). */
export function nginxFiles(name: string, parts: Part[]): { files: Record<string, string>; notes: string[] } {
  const failed = parts.find((p) => p.name === 'error nginx -T');
  if (failed) throw new SsmInstanceError('failed', `nginx -T failed (${errorText(failed)})`);
  const dump = parts.find((p) => p.name === 'nginx -T');
  if (!dump) throw new SsmInstanceError('failed', 'the instance returned no nginx -T output');
  const files: Record<string, string> = { [`nginx/${name}.conf`]: dump.text };
  const notes: string[] = [];
  const version = parts.find((p) => p.name === 'version');
  if (version) files[`nginx/${name}.version`] = version.text;
  const versionError = parts.find((p) => p.name === 'error version');
  if (versionError) notes.push(`nginx ${name}: ${errorText(versionError)}`);
  return { files, notes };
}

/** Collects one instance of an SSM entry into bundle files named `<layer>/<entry>@<instance id>.*`. */
export async function collectSsmInstance(layer: SsmLayer, entry: HaproxyEntry | NginxEntry, instanceId: string, deadline: number, clock: Clock = realClock): Promise<{ files: Record<string, string>; notes: string[] }> {
  const name = ssmInstanceName(entry.name, instanceId);
  if (layer === 'haproxy') {
    const h = entry as HaproxyEntry;
    const parts = await runCollection(layer, h.name, h.ssm!, instanceId, (token) => haproxyCollectScript({ config: h.config, runtime: h.runtime, pidFile: h.pidFile, token }), deadline, clock);
    return haproxyFiles(name, parts);
  }
  const n = entry as NginxEntry;
  const parts = await runCollection(layer, n.name, n.ssm!, instanceId, (token) => nginxCollectScript({ binary: n.binary ?? 'nginx', config: n.config, token }), deadline, clock);
  return nginxFiles(name, parts);
}

/**
 * Collects a layer whose entries run on EC2 (and any local entries beside them): every instance
 * of every entry concurrently, within the layer's deadline (half a second before it, so the
 * instances that answered are kept when another one hangs). An instance that cannot be checked
 * (not managed, agent offline, timed out, denied, script failed) is reported as
 * `not checked: <instance>: <reason>` and the others are still collected; the layer fails only
 * when no instance could be collected.
 */
export async function collectSsmLayer(layer: SsmLayer, service: Service, timeoutMs: number, opts: CollectOptions = {}): Promise<LayerCollection> {
  const clock = opts.clock ?? realClock;
  const deadline = clock.now() + timeoutMs - Math.min(500, Math.floor(timeoutMs / 10));
  const entries: (HaproxyEntry | NginxEntry)[] = (layer === 'haproxy' ? service.haproxy : service.nginx) ?? [];
  const out: LayerCollection = { files: {}, notes: [], notChecked: {} };
  const fail = (name: string, e: unknown) => {
    out.notChecked[`${layer}/${name}`] = `${name}: ${(e as Error).message}`;
  };
  const jobs: { name: string; run: () => Promise<{ files: Record<string, string>; notes: string[] }> }[] = [];
  await Promise.all(entries.map(async (entry) => {
    if (!entry.ssm) {
      jobs.push({
        name: entry.name,
        run: async () => (layer === 'haproxy'
          ? (await import('../haproxy/collect.ts')).collectHaproxy(entry as HaproxyEntry, timeoutMs)
          : (await import('../nginx/collect.ts')).collectNginx(entry as NginxEntry, timeoutMs)),
      });
      return;
    }
    try {
      const found = await resolveInstances(ssmClient(entry.ssm.region), entry.ssm, clock);
      for (const [id, e] of Object.entries(found.unreachable)) fail(ssmInstanceName(entry.name, id), e);
      for (const id of found.online) jobs.push({ name: ssmInstanceName(entry.name, id), run: () => collectSsmInstance(layer, entry, id, deadline, clock) });
    } catch (e) {
      fail(entry.name, e);
    }
  }));
  await mapLimit(jobs, 10, async (job) => {
    try {
      const got = await job.run();
      Object.assign(out.files, got.files);
      out.notes.push(...got.notes);
    } catch (e) {
      fail(job.name, e);
    }
  });
  if (Object.keys(out.files).length === 0) {
    const reasons = Object.keys(out.notChecked).sort().map((k) => out.notChecked[k]!);
    throw new ProviderError(reasons.join('; ') || `no ${layer} instance to collect`);
  }
  return out;
}
