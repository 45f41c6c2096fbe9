import { analyze, type Report } from '../../checks/analyze.ts';
import { parseBundle, type RawBundle } from '../../evidence/bundle.ts';
import type { Service } from '../../evidence/service.ts';
import { collect, type CollectOptions } from '../../providers/collect.ts';
import type { Plan } from '../types.ts';
import { applyConfigChange, prepareConfigChange, reload, restoreConfig, type ConfigChange } from './config-files.ts';
import { ApplyError, DriftError, ValidationError } from './errors.ts';
import { applyRuntime, sendRuntime } from './haproxy-runtime.ts';
import { applyElbv2 } from './elbv2.ts';
import { applyKubernetes } from './kubernetes.ts';

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
}

type Undo = () => Promise<void>;

/**
 * Applies one plan to the live system, the safe way: finds the plan in the evidence's own
 * analysis, refuses advice and drift (the live state must still be the plan's `before`),
 * validates before writing (`haproxy -c`, `nginx -t` on a copy), writes atomically with a
 * backup, reloads gracefully (never a restart), then verifies by collecting and analyzing again:
 * every finding the plan fixes must be gone, or the change is rolled back by itself.
 */
export async function applyPlan(o: ApplyOptions): Promise<ApplyResult> {
  const steps: string[] = [];
  const step = (s: string) => {
    steps.push(s);
    o.onStep?.(s);
  };
  const ev = parseBundle(o.evidence);
  const before = analyze(ev);
  const plan = before.remediations.find((p) => p.id === o.planId);
  const result = (status: ApplyStatus, reason?: string, extra: Partial<ApplyResult> = {}): ApplyResult => ({
    planId: o.planId, status, ...(reason ? { reason } : {}), steps, remaining: [], ...extra,
  });
  if (!plan) return result('refused', `no plan ${o.planId} in this evidence (plans: ${before.remediations.map((p) => p.id).join(', ') || 'none'})`);
  if (plan.advice) return result('refused', `${plan.id} is advice: ${plan.apply}`);
  const fixes = before.findings.filter((f) => f.remediation === plan.id).map((f) => f.id);
  const stamp = (o.now?.() ?? new Date()).toISOString().replace(/[:.]/g, '-');
  let undo: Undo;
  try {
    undo = await execute(plan, ev.service, o.evidence, stamp, step);
  } catch (e) {
    if (e instanceof DriftError) return result('refused', `drift: ${e.message}`);
    if (e instanceof ValidationError) return result('refused', `${e.message}; nothing was written`);
    if (e instanceof ApplyError) return result('failed', e.message);
    throw e;
  }
  const verify: Verifier = o.verify ?? (async (service) => analyze(parseBundle(await collect(service, { trigger: 'verify', ...o.collect }))));
  const after = await verify(ev.service);
  const remaining = fixes.filter((id) => after.findings.some((f) => f.id === id));
  if (remaining.length === 0) {
    step(`verified: ${fixes.join(', ')} gone`);
    return result('verified', undefined, { after });
  }
  step(`verification failed: ${remaining.join(', ')} still present`);
  try {
    await undo();
    step('rolled back to the state before the change');
  } catch (e) {
    return result('failed', `verification failed and the rollback failed too: ${(e as Error).message}`, { remaining, after });
  }
  return result('rolled-back', `verification failed: ${remaining.join(', ')} still present`, { remaining, after });
}

async function execute(plan: Plan, service: Service, evidence: RawBundle, stamp: string, step: (s: string) => void): Promise<Undo> {
  const t = plan.target;
  if ((plan.layer === 'haproxy' || plan.layer === 'nginx') && Array.isArray(t.edits)) {
    const changes = await prepareConfigChange(plan, service, evidence);
    step(`no drift: ${changes.map((c) => c.path).join(', ')} unchanged since collection`);
    const done: ConfigChange = await applyConfigChange(plan, service, changes, stamp);
    step(`validated and written (backup ${done.files.map((f) => f.backup).join(', ')}), ${plan.layer} reloaded`);
    return async () => {
      await restoreConfig(done);
      await reload(plan, service);
    };
  }
  if (plan.layer === 'haproxy' && Array.isArray(t.runtime)) {
    const { address, rollback } = await applyRuntime(plan, service);
    step(`no drift; Runtime API: ${(t.runtime as string[]).join('; ')}`);
    return () => sendRuntime(address, rollback);
  }
  if (plan.layer === 'kubernetes') {
    const { undo, step: done } = await applyKubernetes(plan, service);
    step(done);
    return undo;
  }
  if (plan.layer === 'aws') {
    const { undo, step: done } = await applyElbv2(plan, service);
    step(done);
    return undo;
  }
  throw new ApplyError(`applying ${plan.action} is not supported yet`);
}
