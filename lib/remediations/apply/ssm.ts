import { createHash } from 'node:crypto';
import type { RawBundle } from '../../evidence/bundle.ts';
import type { Service } from '../../evidence/service.ts';
import { DEFAULT_RELOAD, ssmTargetOf } from '../../providers/ssm/instances.ts';
import { parseScriptResult, type ScriptResult } from '../../providers/ssm/output.ts';
import { runShellScript, ssmClient, SsmInstanceError } from '../../providers/ssm/run-command.ts';
import { configChangeScript, runtimeChangeScript, spliceInstructions, type FileWrite } from '../../providers/ssm/scripts.ts';
import type { LineEdit } from '../config-edit.ts';
import type { Plan } from '../types.ts';
import { dumpSection, lineBlocks, liveTarget } from './edit-lines.ts';
import { ApplyError, DriftError, ValidationError, NotApplicableError } from './errors.ts';

/**
 * What undoes a change made through Run Command, as data (it is stored with the approval and
 * may run in a later Lambda): the instance, and either the files with their backups and the
 * hashes they must read (as written, and once restored), or the inverse Runtime API commands.
 */
export interface SsmUndo {
  kind: 'ssm';
  plan: Plan;
  instanceId: string;
  files?: { path: string; backup: string; written: string; restored: string }[];
  sources?: string[];
  runtime?: string[];
}

/**
 * How long an apply or rollback script may run on the instance: the lock (10 s), validation
 * (20 s), the reload (20 s) and the wait for a new worker (10 s) fit inside, and the whole wait
 * (delivery 30 s + this + 10 s) stays under the step Lambda's 120 s.
 */
const EXECUTION_TIMEOUT_SECONDS = 75;

const sha = (text: string) => createHash('sha256').update(text.replace(/\n+$/, '')).digest('hex');
const MARKER = /^# configuration file (.+):\s*$/gm;

function targetOf(plan: Plan, service: Service) {
  const t = ssmTargetOf(service, plan.layer, String(plan.target.instance ?? ''));
  if (!t) throw new NotApplicableError(`${String(plan.target.instance)} is not an instance reached through SSM in the service's catalog entry`);
  return t;
}

/** Runs a change script and turns its result lines into steps, or into the error the engine maps (drift, validation, failure). */
async function runChange(plan: Plan, service: Service, script: string, what: string): Promise<{ result: ScriptResult; commandId: string }> {
  const t = targetOf(plan, service);
  const started = Date.now();
  let r;
  try {
    r = await runShellScript(ssmClient(t.ssm.region), t.instanceId, script, {
      region: t.ssm.region, comment: `sticky: ${what} ${plan.id}`, deadline: started + (30 + EXECUTION_TIMEOUT_SECONDS + 10) * 1000, executionTimeoutSeconds: EXECUTION_TIMEOUT_SECONDS,
    });
  } catch (e) {
    if (e instanceof SsmInstanceError) {
      const unknown = e.kind === 'timeout' ? '; the script restores the previous configuration when it is stopped, check the instance' : '; nothing was changed';
      throw new ApplyError(`${t.instance}: ${e.message}${unknown}`, { cause: e });
    }
    throw e;
  }
  const result = parseScriptResult(r.stdout);
  const o = result.outcome;
  if (o?.kind === 'refused') throw new DriftError(o.reason);
  if (o?.kind === 'invalid') throw new ValidationError(o.reason);
  if (o?.kind === 'failed') throw new ApplyError(`${t.instance}: ${o.reason}${result.steps.length ? ` (${result.steps.join('; ')})` : ''}`);
  if (o?.kind !== 'done' || r.status !== 'Success') {
    throw new ApplyError(`${t.instance}: the ${what} script failed (exit ${r.responseCode})${r.stderr.trim() ? `: ${r.stderr.trim().split('\n').slice(-2).join(' ')}` : ''}`);
  }
  return { result, commandId: r.commandId };
}

/**
 * The files a config plan changes on the instance and how: for each live file, the text it had
 * when collected (its hash is the drift check), the lines that change (spliced into the live
 * file by the script, so the command stays small whatever the file's size) and the hash the new
 * text must have. HAProxy files collected from several `-f` sources carry their load order.
 */
export function plannedWrites(plan: Plan, service: Service, evidence: RawBundle): { files: FileWrite[]; sources?: string[] } {
  const t = targetOf(plan, service);
  const edits = (plan.target.edits ?? []) as LineEdit[];
  if (edits.length === 0) throw new NotApplicableError(`plan ${plan.id} has no edits`);
  const bundled = evidence.files.get(`${t.layer}/${t.instance}.${t.layer === 'haproxy' ? 'cfg' : 'conf'}`);
  if (bundled === undefined) throw new NotApplicableError(`the evidence holds no configuration of ${t.instance}`);
  const markers = [...bundled.matchAll(MARKER)].map((m) => m[1]!);
  const sources = t.layer === 'haproxy' ? (markers.length ? markers : [t.entry.config]) : undefined;
  const byPath = new Map<string, { line: number; before: string; after: string }[]>();
  for (const e of edits) {
    const live = liveTarget(e, t.entry.config);
    byPath.set(live.path, [...(byPath.get(live.path) ?? []), { line: live.line, before: e.before, after: e.after }]);
  }
  const files: FileWrite[] = [];
  for (const [path, fileEdits] of byPath) {
    const collected = markers.length ? dumpSection(bundled, path) : path === t.entry.config ? bundled : undefined;
    if (collected === undefined) throw new NotApplicableError(`the evidence holds no copy of ${path}`);
    const lines = collected.split('\n');
    for (const e of fileEdits) {
      if (e.before && lines[e.line - 1]?.trim() !== e.before.trim()) throw new DriftError(`${path}:${e.line} no longer reads "${e.before}"`);
    }
    const blocks = lineBlocks(collected, fileEdits);
    files.push({ path, expect: sha(collected), result: sha(blocks.flat().join('\n')), source: { splice: spliceInstructions(blocks, lines) } });
  }
  return { files, ...(sources ? { sources } : {}) };
}

/**
 * Applies a HAProxy or NGINX plan on the EC2 instance the evidence came from, with the same
 * guarantees as on this machine, all checked by the one script that writes: drift (each file's
 * hash as collected), validation of the candidate (`haproxy -c`, `nginx -t` on a copy), an atomic
 * write next to a timestamped backup, a graceful reload (the catalog's `reload`, by default
 * `systemctl reload haproxy|nginx`) confirmed by a new worker, and the previous configuration
 * restored and reloaded when anything fails after the first write. Runtime API plans check the
 * server's state and send their commands in one script too.
 */
export async function applySsm(plan: Plan, service: Service, evidence: RawBundle, stamp: string, step: (s: string) => void): Promise<SsmUndo> {
  const t = targetOf(plan, service);
  if (Array.isArray(plan.target.edits)) {
    const { files, sources } = plannedWrites(plan, service, evidence);
    const entry = t.entry as { runtime?: string; pidFile?: string; binary?: string };
    const script = configChangeScript({
      layer: t.layer, config: t.entry.config, files, ...(sources ? { sources } : {}), runtime: entry.runtime, pidFile: entry.pidFile, binary: entry.binary,
      reload: t.ssm.reload ?? DEFAULT_RELOAD[t.layer], stamp, what: 'apply',
    });
    const { result } = await runChange(plan, service, script, 'apply');
    step(`no drift: ${files.map((f) => f.path).join(', ')} unchanged since collection (checked on ${t.instanceId})`);
    step(`validated and written (backup ${result.backups.map((b) => b.backup).join(', ')}), ${t.layer} reloaded on ${t.instanceId}`);
    return {
      kind: 'ssm', plan, instanceId: t.instanceId, ...(sources ? { sources } : {}),
      files: files.map((f) => ({ path: f.path, backup: result.backups.find((b) => b.path === f.path)?.backup ?? '', written: f.result, restored: f.expect })),
    };
  }
  if (t.layer === 'haproxy' && Array.isArray(plan.target.runtime)) {
    const runtime = (t.entry as { runtime?: string }).runtime;
    if (!runtime) throw new ApplyError(`HAProxy instance "${t.entry.name}" has no Runtime API address in the catalog`);
    const target = plan.target as { backend: string; server: string; expect: { opState: number; adminState: number }; runtime: string[]; rollbackRuntime: string[] };
    await runChange(plan, service, runtimeChangeScript({ runtime, backend: target.backend, server: target.server, expect: target.expect, commands: target.runtime }), 'apply');
    step(`no drift; Runtime API: ${target.runtime.join('; ')} (on ${t.instanceId})`);
    return { kind: 'ssm', plan, instanceId: t.instanceId, runtime: target.rollbackRuntime };
  }
  throw new NotApplicableError(`applying ${plan.action} through SSM is not supported`);
}

/**
 * Undoes {@link applySsm} on the same instance: the files are put back from their backups by the
 * same script (refusing when a file no longer reads what Sticky wrote, so a later change by
 * someone else is never overwritten), validated and reloaded; Runtime API changes send their
 * inverse commands.
 */
export async function rollbackSsm(undo: SsmUndo, service: Service): Promise<void> {
  const t = targetOf(undo.plan, service);
  if (undo.files) {
    const entry = t.entry as { runtime?: string; pidFile?: string; binary?: string };
    const files: FileWrite[] = undo.files.map((f) => {
      if (!f.backup) throw new ApplyError(`no backup of ${f.path} was recorded`);
      return { path: f.path, expect: f.written, result: f.restored, source: { copy: f.backup } };
    });
    await runChange(undo.plan, service, configChangeScript({
      layer: t.layer, config: t.entry.config, files, ...(undo.sources ? { sources: undo.sources } : {}), runtime: entry.runtime, pidFile: entry.pidFile, binary: entry.binary,
      reload: t.ssm.reload ?? DEFAULT_RELOAD[t.layer], what: 'rollback',
    }), 'rollback');
    return;
  }
  const runtime = (t.entry as { runtime?: string }).runtime;
  if (undo.runtime && runtime) {
    const target = undo.plan.target as { backend: string; server: string };
    await runChange(undo.plan, service, runtimeChangeScript({ runtime, backend: target.backend, server: target.server, commands: undo.runtime }), 'rollback');
  }
}
