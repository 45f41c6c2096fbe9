import { analyze, type Report } from '../../checks/analyze.ts';
import { parseBundle, type RawBundle } from '../../evidence/bundle.ts';
import type { Service } from '../../evidence/service.ts';
import { collect, type CollectOptions } from '../../providers/collect.ts';
import { layerOfPrefix, type Plan } from '../types.ts';
import { applyConfigChange, instancesOf, prepareConfigChange, reloadInstance, restoreConfig, type ConfigChange } from './config-files.ts';
import { ApplyError, DriftError, NotApplicableError, ValidationError } from './errors.ts';
import { applyRuntime, sendRuntime } from './haproxy-runtime.ts';
import { applyElbv2, rollbackElbv2 } from './elbv2.ts';
import { applyKubernetes, rollbackKubernetes } from './kubernetes.ts';
import { ssmTargetOf } from '../../providers/ssm/instances.ts';
import type { SsmUndo } from './ssm.ts';

/** How an apply ended. */
export type ApplyStatus = 'verified' | 'rolled-back' | 'refused' | 'failed';

/** The outcome of {@link applyPlan}: every step taken, in order, for the audit record and the thread. */
export interface ApplyResult {
  planId: string;
  status: ApplyStatus;
  reason?: string;
  steps: string[];
  /** Findings fixed by the plan that were still there after the change (when rolled back). */
  remaining: string[];
  after?: Report;
}

/** Re-checks the service after a change: by default a fresh live collection analyzed again. */
export type Verifier = (service: Service) => Promise<Report>;

/** Options of {@link applyPlan}. */
export interface ApplyOptions {
  /** The evidence the plan was made from (the bundle `check --save-evidence` wrote). */
  evidence: RawBundle;
  planId: string;
  verify?: Verifier;
  collect?: CollectOptions;
  now?: () => Date;
  onStep?: (step: string) => void;
  /** Waits between verification attempts of a plan a controller reconciles (tests pass a virtual one). */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * What undoes an applied change, as data, so a rollback can run in another process than the
 * apply (a later Step Functions task): the backups of edited files, the inverse Runtime API
 * commands, or the plan whose rollback attributes, actions or patch restore the collected state.
 */
export type UndoRecord =
  | { kind: 'config'; plan: Plan; files: { path: string; backup: string; instance?: string }[] }
  | { kind: 'runtime'; address: string; commands: string[] }
  | { kind: 'aws'; plan: Plan }
  | { kind: 'kubernetes'; plan: Plan }
  | SsmUndo;

/** The outcome of {@link applyChange}. */
export type ChangeOutcome =
  | { status: 'applied'; undo: UndoRecord; steps: string[] }
  | { status: 'refused' | 'failed'; reason: string; steps: string[] }
  /** The write may or may not be live: verify, and roll back with `undo` (when there is one) if it is not right. */
  | { status: 'uncertain'; reason: string; undo?: UndoRecord; steps: string[] };

/** What restores the collected state when the change's own record is lost: for AWS and Kubernetes plans, the plan itself. */
export function planUndo(plan: Plan): UndoRecord | undefined {
  if (plan.layer === 'aws') return { kind: 'aws', plan };
  if (plan.layer === 'kubernetes') return { kind: 'kubernetes', plan };
  return undefined;
}

/**
 * The apply step alone: refuses advice and drift, validates, changes the live system. No
 * verification: {@link verifyChange} and {@link rollbackChange} are separate steps.
 */
export async function applyChange(plan: Plan, service: Service, evidence: RawBundle, now: Date, onStep?: (s: string) => void): Promise<ChangeOutcome> {
  const steps: string[] = [];
  const step = (s: string) => {
    steps.push(s);
    onStep?.(s);
  };
  if (plan.advice) return { status: 'refused', reason: `${plan.id} is advice: ${plan.apply}`, steps };
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  try {
    return { status: 'applied', undo: await execute(plan, service, evidence, stamp, step), steps };
  } catch (e) {
    if (e instanceof DriftError) return { status: 'refused', reason: `drift: ${e.message}`, steps };
    if (e instanceof ValidationError) return { status: 'refused', reason: `${e.message}; nothing was written`, steps };
    if (e instanceof NotApplicableError) return { status: 'refused', reason: `${e.message}; nothing was changed`, steps };
    if (e instanceof ApplyError) return { status: 'failed', reason: e.message, steps };
    const undo = planUndo(plan);
    return { status: 'uncertain', reason: `${(e as Error).message}; the change may be live`, steps, ...(undo ? { undo } : {}) };
  }
}

/**
 * The verification step: the findings the plan fixes must be absent from a fresh analysis that
 * checked their layer, whether they show as findings of their own or folded into another (a live
 * symptom that outlived its configuration finding counts as still there). A finding whose layer
 * could not be checked again is not verified gone (never green when blind): it counts as
 * remaining, and `unchecked` names it.
 */
export function verifyChange(fixes: string[], after: Report): { verified: boolean; remaining: string[]; unchecked: string[] } {
  const unchecked = fixes.filter((id) => !after.checked.includes(layerOfPrefix(id.slice(0, id.indexOf('.')))));
  const remaining = fixes.filter((id) => unchecked.includes(id) || after.findings.some((f) => f.id === id || f.merged?.includes(id)));
  return { verified: remaining.length === 0, remaining, unchecked };
}

/**
 * How long verification waits when a controller turns the change into the real one later (a plan
 * whose target names `reconciledBy`: the AWS Load Balancer Controller applies an annotation to
 * the ALB within seconds). Other plans are verified once.
 */
export const SETTLE = { attempts: 7, intervalMs: 5_000 };

const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Verifies a change, collecting again until the findings it fixes are gone or, for a plan a
 * controller reconciles, until {@link SETTLE} runs out.
 */
export async function verifySettled(plan: Plan, fixes: string[], verify: () => Promise<Report>, sleep: (ms: number) => Promise<void> = delay): Promise<{ verified: boolean; remaining: string[]; unchecked: string[]; after: Report; waitedMs: number }> {
  const attempts = plan.target.reconciledBy ? SETTLE.attempts : 1;
  let waitedMs = 0;
  for (let i = 1; ; i++) {
    const after = await verify();
    const r = verifyChange(fixes, after);
    if (r.verified || i >= attempts) return { ...r, after, waitedMs };
    await sleep(SETTLE.intervalMs);
    waitedMs += SETTLE.intervalMs;
  }
}

/** The rollback step: restores what {@link applyChange} changed, from its undo record. */
export async function rollbackChange(undo: UndoRecord, service: Service): Promise<void> {
  switch (undo.kind) {
    case 'config': {
      const change: ConfigChange = { layer: undo.plan.layer as 'haproxy' | 'nginx', instance: String(undo.plan.target.instance), files: undo.files };
      await restoreConfig(change);
      for (const name of instancesOf(change)) await reloadInstance(change.layer, name, service);
      return;
    }
    case 'runtime':
      await sendRuntime(undo.address, undo.commands);
      return;
    case 'aws':
      await rollbackElbv2(undo.plan, service);
      return;
    case 'kubernetes':
      await rollbackKubernetes(undo.plan, service);
      return;
    case 'ssm':
      await (await import('./ssm.ts')).rollbackSsm(undo, service);
      return;
  }
}

/** The findings a plan fixes in a report (by finding id, with the ids folded into them). */
export function fixesOf(report: Report, planId: string): string[] {
  return report.findings.filter((f) => f.remediation === planId).flatMap((f) => [f.id, ...(f.merged ?? [])]);
}

/**
 * Applies one plan to the live system, the safe way: finds the plan in the evidence's own
 * analysis, refuses advice and drift (the live state must still be the plan's `before`),
 * validates before writing (`haproxy -c`, `nginx -t` on a copy, a Kubernetes dry run), writes
 * atomically with a backup, reloads gracefully (never a restart), then verifies by collecting
 * and analyzing again: every finding the plan fixes must be gone, or the change is rolled back
 * by itself.
 */
export async function applyPlan(o: ApplyOptions): Promise<ApplyResult> {
  const ev = parseBundle(o.evidence);
  const before = analyze(ev);
  const plan = before.remediations.find((p) => p.id === o.planId);
  if (!plan) return { planId: o.planId, status: 'refused', reason: `no plan ${o.planId} in this evidence (plans: ${before.remediations.map((p) => p.id).join(', ') || 'none'})`, steps: [], remaining: [] };
  const outcome = await applyChange(plan, ev.service, o.evidence, o.now?.() ?? new Date(), o.onStep);
  const steps = outcome.steps;
  const step = (s: string) => {
    steps.push(s);
    o.onStep?.(s);
  };
  if (outcome.status !== 'applied' && outcome.status !== 'uncertain') return { planId: o.planId, status: outcome.status, reason: outcome.reason, steps, remaining: [] };
  const undo: UndoRecord | undefined = outcome.undo;
  if (outcome.status === 'uncertain') step(`the write did not complete (${outcome.reason}); checking what is live`);
  const fixes = fixesOf(before, plan.id);
  const verify: Verifier = o.verify ?? (async (service) => analyze(parseBundle(await collect(service, { trigger: 'verify', ...o.collect }))));
  const { verified, remaining, unchecked, after, waitedMs } = await verifySettled(plan, fixes, () => verify(ev.service), o.sleep);
  if (waitedMs > 0) step(`waited ${waitedMs / 1000} s for the ${String(plan.target.reconciledBy)} to apply the change`);
  if (verified) {
    step(`verified: ${fixes.join(', ')} gone`);
    return { planId: o.planId, status: 'verified', steps, remaining: [], after };
  }
  const why = unchecked.length ? `${unchecked.join(', ')} could not be checked again (${[...new Set(unchecked.map((id) => layerOfPrefix(id.slice(0, id.indexOf('.')))))].map((l) => `${l}: ${after.notCheckedReasons[l] ?? 'no evidence'}`).join('; ')})` : '';
  const still = remaining.filter((id) => !unchecked.includes(id));
  const failure = [still.length ? `${still.join(', ')} still present` : '', why].filter(Boolean).join('; ');
  step(`verification failed: ${failure}`);
  if (!undo) return { planId: o.planId, status: 'failed', reason: `${outcome.status === 'uncertain' ? outcome.reason : 'verification failed'} and nothing records how to undo it: check ${plan.id} by hand`, steps, remaining, after };
  try {
    await rollbackChange(undo, ev.service);
    step('rolled back to the state before the change');
  } catch (e) {
    return { planId: o.planId, status: 'failed', reason: `verification failed and the rollback failed too: ${(e as Error).message}`, steps, remaining, after };
  }
  return { planId: o.planId, status: 'rolled-back', reason: `${outcome.status === 'uncertain' ? `${outcome.reason}; ` : ''}verification failed: ${failure}`, steps, remaining, after };
}

async function execute(plan: Plan, service: Service, evidence: RawBundle, stamp: string, step: (s: string) => void): Promise<UndoRecord> {
  const t = plan.target;
  if (ssmTargetOf(service, plan.layer, String(t.instance ?? ''))) return (await import('./ssm.ts')).applySsm(plan, service, evidence, stamp, step);
  if ((plan.layer === 'haproxy' || plan.layer === 'nginx') && Array.isArray(t.edits)) {
    const changes = await prepareConfigChange(plan, service, evidence);
    step(`no drift: ${changes.map((c) => c.path).join(', ')} unchanged since collection`);
    const done: ConfigChange = await applyConfigChange(plan, service, changes, stamp);
    step(`validated and written (backup ${done.files.map((f) => f.backup).join(', ')}), ${plan.layer} ${done.instance} reloaded`);
    return { kind: 'config', plan, files: done.files };
  }
  if (plan.layer === 'haproxy' && Array.isArray(t.runtime)) {
    const { address, rollback } = await applyRuntime(plan, service);
    step(`no drift; Runtime API: ${(t.runtime as string[]).join('; ')}`);
    return { kind: 'runtime', address, commands: rollback };
  }
  if (plan.layer === 'kubernetes') {
    step(await applyKubernetes(plan, service));
    return { kind: 'kubernetes', plan };
  }
  if (plan.layer === 'aws') {
    step(await applyElbv2(plan, service));
    return { kind: 'aws', plan };
  }
  throw new NotApplicableError(`applying ${plan.action} is not supported yet`);
}
