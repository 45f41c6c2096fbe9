import { createHash } from 'node:crypto';
import { stringify } from 'yaml';
import { z } from 'zod';
import { analyze, type Report } from '../checks/analyze.ts';
import { findService, type Catalog } from '../catalog/catalog.ts';
import { parseBundle, type Layer, type RawBundle } from '../evidence/bundle.ts';
import type { Service } from '../evidence/service.ts';
import { collect, type CollectOptions } from '../providers/collect.ts';
import { applyChange, fixesOf, planUndo, rollbackChange, verifyChange, verifySettled, type UndoRecord } from '../remediations/apply/engine.ts';
import type { Plan } from '../remediations/types.ts';
import { renderBlocks, type PlanStates } from '../slack/blocks.ts';
import { escapeMrkdwn } from '../slack/text.ts';
import { newId, TERMINAL, type Approval, type Store, type Triage } from '../store/store.ts';
import { requiredApprovals, resume } from './approvals.ts';
import type { Engine } from './engine.ts';
import { renderAlarmThread } from './alarm.ts';
import { classify, describeError, TransientError } from './errors.ts';
import { probeCounts } from '../report/probe-counts.ts';

/** The part of Slack's Web API the steps use (a Bolt/WebClient `client` fits). */
export interface SlackApi {
  chat: {
    postMessage(args: { channel: string; text: string; blocks?: unknown[]; thread_ts?: string }): Promise<{ ts?: string; channel?: string }>;
    update(args: { channel: string; ts: string; text: string; blocks?: unknown[] }): Promise<unknown>;
  };
}

/** What every step needs: the store, Slack, the catalog, the clock, and the engine to resume executions. */
export interface StepDeps {
  store: Store;
  slack: SlackApi;
  catalog: () => Promise<Catalog>;
  now: () => Date;
  /** Resumes an execution whose decision was recorded before its token was attached. */
  engine?: Engine;
  /** How long a plan waits for a decision (default 30 minutes). */
  approvalTtlMs?: number;
  collect?: CollectOptions;
}

/** The input of the state machine: who asked about which service, and where to answer. */
export const TriageInputSchema = z.object({
  service: z.string().min(1),
  trigger: z.enum(['slash-command', 'alarm', 'cli']),
  channel: z.string().min(1),
  requester: z.string().optional(),
  threadTs: z.string().optional(),
  triageId: z.string().optional(),
});
export type TriageInput = z.infer<typeof TriageInputSchema>;

/** The error a state machine Catch hands on: `{ Error, Cause }`, the Cause a JSON text from Lambda or a plain message. */
const CaughtSchema = z.object({ Error: z.string().optional(), Cause: z.string().optional() }).optional();

/** A readable reason from a caught state machine error. */
export function reasonOf(caught: unknown): string | undefined {
  const c = CaughtSchema.safeParse(caught);
  if (!c.success || !c.data) return undefined;
  let msg = c.data.Cause ?? '';
  try {
    const parsed = JSON.parse(msg) as { errorMessage?: string };
    if (parsed.errorMessage) msg = parsed.errorMessage;
  } catch {
    /* a plain message */
  }
  return [c.data.Error, msg].filter(Boolean).join(': ').slice(0, 500) || undefined;
}

async function triageOf(deps: StepDeps, id: string): Promise<{ triage: Triage; service: Service }> {
  const triage = await deps.store.getTriage(id);
  if (!triage) throw new Error(`no triage ${id}`);
  return { triage, service: findService(await deps.catalog(), triage.service) };
}

async function evidenceOf(deps: StepDeps, id: string): Promise<{ raw: RawBundle; report: Report }> {
  const raw: RawBundle = { files: await deps.store.getEvidence(id) };
  return { raw, report: analyze(parseBundle(raw)) };
}

/** The plan states the report shows: approval ids and progress for open plans, who decided what for the rest. */
async function planStates(deps: StepDeps, triage: Triage): Promise<PlanStates> {
  const states: PlanStates = {};
  for (const [planId, approvalId] of Object.entries(triage.approvals ?? {})) {
    const a = await deps.store.getApproval(approvalId);
    const open = !a || a.status === 'pending';
    states[planId] = {
      approvalId,
      ...(!open ? { state: describe(a) } : {}),
      ...(open && a && (a.required ?? 1) > 1 ? { progress: `${a.approvedBy?.length ?? 0} of ${a.required} approvals${a.approvedBy?.length ? `: ${a.approvedBy.map((u) => `<@${u}>`).join(', ')}` : ''}` } : {}),
      ...((a?.status === 'verified' || a?.status === 'failed') && a.undo ? { rollback: true } : {}),
    };
  }
  return states;
}

const hhmm = (t: number | undefined) => (t ? ` at ${new Date(t).toISOString().slice(11, 16)} UTC` : '');

/** One line for the message: who decided, when, and where the approval ended (or is now). */
export function describe(a: Approval): string {
  const who = a.approvedBy?.length ? a.approvedBy.map((u) => `<@${u}>`).join(', ') : a.decidedBy ? `<@${a.decidedBy}>` : 'nobody';
  const by = `approved by ${who}${hhmm(a.decidedAt)}`;
  const outcome = a.outcome ? escapeMrkdwn(a.outcome).replace(/&lt;@([UW][A-Z0-9]+)&gt;/g, '<@$1>') : undefined;
  switch (a.status) {
    case 'rejected': return `:no_entry_sign: rejected by ${a.decidedBy ? `<@${a.decidedBy}>` : 'nobody'}${hhmm(a.decidedAt)}`;
    case 'expired': return `:hourglass: ${outcome ?? 'expired without a decision'}`;
    case 'approved': return `:hourglass_flowing_sand: ${by}; applying`;
    case 'applying': case 'verifying': case 'rolling-back': return `:hourglass_flowing_sand: ${by}; ${outcome ?? a.status}`;
    case 'verified': return `:white_check_mark: ${by}: ${outcome ?? 'verified'}`;
    case 'rolled-back': return `:leftwards_arrow_with_hook: ${by}: ${outcome ?? 'rolled back'}`;
    case 'refused': return `:no_entry: ${a.decidedBy ? `${by}: ` : ''}${outcome ?? 'refused'}`;
    case 'failed': return `:x: ${a.decidedBy ? `${by}: ` : ''}${outcome ?? 'failed'}`;
    default: return `:warning: ${outcome ?? a.status}`;
  }
}

/**
 * Posts the report, or updates it in place when it was posted already. A Slack failure is thrown
 * classified (a 429 or 5xx as transient, for the runbook's Retry).
 */
export async function publish(deps: StepDeps, triage: Triage, loaded?: { raw: RawBundle; report: Report }): Promise<Triage> {
  const { raw, report } = loaded ?? (await evidenceOf(deps, triage.id));
  const message = renderBlocks(report, await planStates(deps, triage), { triageId: triage.id, backends: probeCounts(raw), files: raw.files });
  try {
    if (triage.messageTs) {
      await deps.slack.chat.update({ channel: triage.channel, ts: triage.messageTs, text: message.text, blocks: message.blocks });
      return triage.publishPending ? deps.store.updateTriage(triage.id, { publishPending: false }) : triage;
    }
    const r = await deps.slack.chat.postMessage({ channel: triage.channel, text: message.text, blocks: message.blocks, ...(triage.threadTs ? { thread_ts: triage.threadTs } : {}) });
    return deps.store.updateTriage(triage.id, { messageTs: r.ts!, publishPending: false });
  } catch (e) {
    throw classify(e, 'Slack');
  }
}

/**
 * Updates the report after a change, best-effort: a Slack or store failure here never stops
 * verification or rollback. The triage is marked so the sweeper publishes it again.
 */
async function notify(deps: StepDeps, triageId: string): Promise<void> {
  try {
    await publish(deps, (await deps.store.getTriage(triageId))!);
  } catch {
    await deps.store.updateTriage(triageId, { publishPending: true }).catch(() => undefined);
  }
}

/** A reply in the triage's thread, best-effort, for outcomes people must not miss. */
async function say(deps: StepDeps, triage: Triage, text: string): Promise<void> {
  const thread = triage.threadTs ?? triage.messageTs;
  await deps.slack.chat.postMessage({ channel: triage.channel, text, ...(thread ? { thread_ts: thread } : {}) }).catch(() => undefined);
}

/** A short id per triage and plan: the same on a retried Analyze, unguessable without the triage id. */
const approvalIdOf = (triageId: string, planId: string) => `a${createHash('sha256').update(`${triageId}\n${planId}`).digest('base64url').slice(0, 16)}`;



/**
 * The runbook's steps, one function each, called by the state machine's Task states (the step
 * Lambda in AWS, the local engine's overrides in process). Inputs and outputs are small JSON;
 * the evidence and decisions live in the store. Transient failures are thrown as
 * `Sticky.Transient` for the runbook's Retry; anything else is caught by the runbook into a
 * recorded state. After a write, nothing that fails stops verification and rollback.
 */
export const STEPS = {
  async resolve(deps: StepDeps, input: { input: TriageInput }) {
    const i = TriageInputSchema.parse(input.input);
    const service = findService(await deps.catalog(), i.service);
    const id = i.triageId ?? newId('t');
    try {
      if (!(await deps.store.getTriage(id))) {
        await deps.store.putTriage({
          id, service: service.name, trigger: i.trigger, channel: i.channel, createdAt: deps.now().getTime(),
          ...(i.requester ? { requester: i.requester } : {}), ...(i.threadTs ? { threadTs: i.threadTs } : {}),
        });
      }
    } catch (e) {
      throw classify(e, 'the store');
    }
    return { triageId: id, service: service.name };
  },

  async collect(deps: StepDeps, input: { triageId: string; layer: Layer }) {
    const { service } = await triageOf(deps, input.triageId);
    const raw = await collect(service, { ...deps.collect, layers: [input.layer], trigger: 'slack', now: deps.now });
    const meta = JSON.parse(raw.files.get('meta.json')!) as { notChecked: Record<string, string>; notes?: string[] };
    const files = new Map([...raw.files].filter(([k]) => k.startsWith(`${input.layer}/`)));
    try {
      await deps.store.putEvidence(input.triageId, files);
    } catch (e) {
      throw classify(e, 'the store');
    }
    const instances = Object.fromEntries(Object.entries(meta.notChecked).filter(([k]) => k.startsWith(`${input.layer}/`)));
    return { layer: input.layer, notChecked: meta.notChecked[input.layer] ?? null, notes: meta.notes ?? [], ...(Object.keys(instances).length ? { instances } : {}) };
  },

  async analyze(deps: StepDeps, input: { triageId: string; collected: { layer: string; notChecked?: string | null; notes?: string[]; instances?: Record<string, string> }[] }) {
    const { triage, service } = await triageOf(deps, input.triageId);
    const notChecked = Object.assign(Object.fromEntries(input.collected.filter((c) => c.notChecked).map((c) => [c.layer, String(c.notChecked)])), ...input.collected.map((c) => c.instances ?? {})) as Record<string, string>;
    const meta = { collectedAt: deps.now().toISOString(), trigger: triage.trigger, notChecked, notes: input.collected.flatMap((c) => c.notes ?? []) };
    try {
      await deps.store.putEvidence(triage.id, new Map([['service.yaml', stringify(service)], ['meta.json', JSON.stringify(meta)]]));
      const { report } = await evidenceOf(deps, triage.id);
      const approvals: Record<string, string> = {};
      for (const p of report.remediations.filter((x) => !x.advice)) {
        const id = approvalIdOf(triage.id, p.id);
        if (!(await deps.store.getApproval(id))) {
          await deps.store.createApproval({
            id, triageId: triage.id, planId: p.id, risk: p.risk, status: 'pending', channel: triage.channel, required: requiredApprovals(service, p.risk),
            expiresAt: deps.now().getTime() + (deps.approvalTtlMs ?? 30 * 60_000), ...(triage.requester ? { requester: triage.requester } : {}),
          });
        }
        approvals[p.id] = id;
      }
      await deps.store.updateTriage(triage.id, { approvals, notChecked });
      await deps.store.audit(triage.id, { event: 'analyzed', verdict: report.verdict, findings: report.findings.map((f) => f.id), plans: Object.keys(approvals), notChecked }, deps.now().getTime());
      return { approvals: Object.values(approvals), worst: report.findings[0]?.severity ?? null, verdict: report.verdict };
    } catch (e) {
      throw classify(e, 'the store');
    }
  },

  /**
   * Posts the report. An alarm triage's report goes into its alarm thread: if that thread's
   * message is not posted yet (Slack's rate limits deferred it), it is posted first, or the step
   * is retried.
   */
  async report(deps: StepDeps, input: { triageId: string }) {
    let { triage } = await triageOf(deps, input.triageId);
    const thread = triage.trigger === 'alarm' && !triage.threadTs ? await deps.store.getAlarmThread(triage.id) : undefined;
    if (thread) {
      let headerTs = thread.headerTs;
      if (!headerTs) {
        await renderAlarmThread(deps, triage.id, deps.now().getTime() + 20_000);
        headerTs = (await deps.store.getAlarmThread(triage.id))?.headerTs;
      }
      if (!headerTs) throw new TransientError('the alarm thread is not posted yet (Slack rate limits)');
      triage = await deps.store.updateTriage(triage.id, { threadTs: headerTs });
    }
    await publish(deps, triage);
    return {};
  },

  /**
   * Attaches the execution's task token to the approval. If a decision was recorded before the
   * token was there (a click that landed first), this step resumes the execution itself; if the
   * approval was closed meanwhile (the sweeper expired it), the execution is told so.
   */
  async 'request-approval'(deps: StepDeps, input: { triageId: string; approvalId: string; taskToken: string }) {
    let a: Approval;
    try {
      a = await deps.store.attachToken(input.approvalId, input.taskToken);
    } catch (e) {
      throw classify(e, 'the store');
    }
    if (a.status === 'approved' || a.status === 'rejected') {
      if (!deps.engine) throw new Error('request-approval needs the engine to resume a decision recorded before the token');
      const r = await resume({ store: deps.store, engine: deps.engine, now: deps.now }, a);
      if (r === 'delayed') throw new TransientResume(a.id);
    } else if (a.status !== 'pending' && deps.engine) {
      await deps.engine.sendTaskSuccess(input.taskToken, { decision: 'closed', approver: null });
    }
    return {};
  },

  async apply(deps: StepDeps, input: { triageId: string; approvalId: string }) {
    const { triage, service } = await triageOf(deps, input.triageId);
    const now = () => deps.now().getTime();
    const claimed = await deps.store.transition(input.approvalId, 'approved', 'applying', now(), { outcome: 'applying' });
    if (typeof claimed === 'string') {
      const a = await deps.store.getApproval(input.approvalId);
      if (a?.status === 'applying' || a?.status === 'verifying') return { status: 'uncertain', reason: 'an earlier attempt of this step stopped part way' };
      return { status: 'not-applied', reason: `not applied: the approval is ${a?.status ?? 'gone'}` };
    }
    const loaded = await evidenceOf(deps, triage.id);
    const plan = loaded.report.remediations.find((p) => p.id === claimed.planId);
    if (!plan) {
      await deps.store.transition(input.approvalId, 'applying', 'refused', now(), { outcome: `plan ${claimed.planId} is no longer proposed; nothing was written` });
      return { status: 'refused' };
    }
    const provisional = planUndo(plan);
    if (provisional) await deps.store.transition(input.approvalId, 'applying', 'applying', now(), { undo: JSON.stringify(provisional) });
    const outcome = await applyChange(plan, service, loaded.raw, deps.now());
    if (outcome.status === 'uncertain') {
      await deps.store.transition(input.approvalId, 'applying', 'verifying', now(), {
        outcome: `the change did not complete (${outcome.reason}); checking what is live`, ...(outcome.undo ? { undo: JSON.stringify(outcome.undo) } : {}),
      });
      await deps.store.audit(triage.id, { event: 'apply-uncertain', approval: input.approvalId, plan: plan.id, reason: outcome.reason, steps: outcome.steps }, now());
      await notify(deps, triage.id);
      return { status: 'uncertain', reason: outcome.reason };
    }
    if (outcome.status !== 'applied') {
      const to = outcome.status === 'refused' ? 'refused' : 'failed';
      await deps.store.transition(input.approvalId, 'applying', to, now(), { outcome: outcome.reason, undo: '' });
      await deps.store.audit(triage.id, { event: outcome.status, approval: input.approvalId, plan: plan.id, steps: outcome.steps, reason: outcome.reason }, now());
      await notify(deps, triage.id);
      return { status: outcome.status };
    }
    await deps.store.transition(input.approvalId, 'applying', 'verifying', now(), { outcome: 'applied; verifying', undo: JSON.stringify(outcome.undo) });
    await deps.store.audit(triage.id, { event: 'applied', approval: input.approvalId, plan: plan.id, steps: outcome.steps }, now());
    await notify(deps, triage.id);
    return { status: 'applied' };
  },

  async verify(deps: StepDeps, input: { triageId: string; approvalId: string }) {
    const { triage, service } = await triageOf(deps, input.triageId);
    const approval = (await deps.store.getApproval(input.approvalId))!;
    if (approval.status !== 'verifying' && approval.status !== 'applying') return { verified: false, remaining: [], skipped: `the approval is ${approval.status}` };
    const { report } = await evidenceOf(deps, triage.id);
    const plan = report.remediations.find((p) => p.id === approval.planId);
    const fixes = fixesOf(report, approval.planId);
    const again = async () => analyze(parseBundle(await collect(service, { ...deps.collect, trigger: 'verify', now: deps.now })));
    const result = plan ? await verifySettled(plan, fixes, again) : { ...verifyChange(fixes, await again()) };
    if (result.unchecked.length > 0) {
      throw new Error(`verification could not check ${plan?.layer ?? 'the layer'} again (${result.unchecked.join(', ')})`);
    }
    const now = deps.now().getTime();
    if (result.verified) {
      await deps.store.transition(input.approvalId, ['applying', 'verifying'], 'verified', now, { outcome: `verified: ${fixes.length ? `${fixes.join(', ')} gone` : 'the change is live'}` });
    } else {
      await deps.store.transition(input.approvalId, ['applying', 'verifying'], 'verifying', now, { outcome: `verification failed (${result.remaining.join(', ')} still present); rolling back` });
    }
    await deps.store.audit(triage.id, { event: result.verified ? 'verified' : 'verification-failed', approval: input.approvalId, remaining: result.remaining }, now);
    return { verified: result.verified, remaining: result.remaining };
  },

  async rollback(deps: StepDeps, input: { triageId: string; approvalId: string; state?: { verifyError?: unknown } }) {
    const { triage, service } = await triageOf(deps, input.triageId);
    const approval = (await deps.store.getApproval(input.approvalId))!;
    if (!['applying', 'verifying', 'rolling-back'].includes(approval.status)) return { outcome: `nothing to roll back: the approval is ${approval.status}` };
    const cannot = reasonOf(input.state?.verifyError);
    const why = cannot ? `verification could not complete (${cannot})` : (approval.outcome?.startsWith('verification failed') ? approval.outcome.replace(/; rolling back$/, '') : 'verification failed');
    await deps.store.transition(input.approvalId, ['applying', 'verifying', 'rolling-back'], 'rolling-back', deps.now().getTime(), { outcome: `${why}; rolling back` });
    const undo = JSON.parse(approval.undo || 'null') as UndoRecord | null;
    if (!undo) {
      const outcome = `${why}, and no undo was recorded: the change may be live; check ${approval.planId} by hand`;
      await deps.store.transition(input.approvalId, 'rolling-back', 'failed', deps.now().getTime(), { outcome });
      await deps.store.audit(triage.id, { event: 'rollback-impossible', approval: input.approvalId, outcome }, deps.now().getTime());
      return { outcome };
    }
    try {
      await rollbackChange(undo, service);
    } catch (e) {
      const err = classify(e, 'the rollback');
      if (err instanceof TransientError) throw err;
      const outcome = `${why}; the rollback failed (${describeError(e)}): the change may be live: check it by hand or press Roll back`;
      await deps.store.transition(input.approvalId, 'rolling-back', 'failed', deps.now().getTime(), { outcome });
      await deps.store.audit(triage.id, { event: 'rollback-failed', approval: input.approvalId, outcome }, deps.now().getTime());
      return { outcome };
    }
    const outcome = `${why}; rolled back to the state before the change`;
    await deps.store.transition(input.approvalId, 'rolling-back', 'rolled-back', deps.now().getTime(), { outcome });
    await deps.store.audit(triage.id, { event: 'rolled-back', approval: input.approvalId, outcome }, deps.now().getTime());
    return { outcome };
  },

  /**
   * Closes the approval in exactly one terminal state and tells the thread. Whatever path the
   * execution took (decided, timed out, failed part way), an approval still open here is closed
   * with the reason the runbook caught.
   */
  async record(deps: StepDeps, input: { triageId: string; approvalId: string; state?: Record<string, unknown> }) {
    const { triage } = await triageOf(deps, input.triageId);
    const now = deps.now().getTime();
    const st = input.state ?? {};
    const caught = reasonOf(st.rollbackError) ?? reasonOf(st.verifyError) ?? reasonOf(st.applyError) ?? reasonOf(st.error);
    const closed = await deps.store.modify(input.approvalId, (a) => {
      if (TERMINAL.includes(a.status)) return 'already-decided';
      switch (a.status) {
        case 'pending': return { ...a, status: 'expired', outcome: caught && !/Timeout/.test(caught) ? `closed without a decision: ${caught}` : 'expired without a decision', updatedAt: now };
        case 'approved': return { ...a, status: 'failed', outcome: `approved, but not applied: ${caught ?? 'the triage stopped waiting first'}`, updatedAt: now };
        case 'applying': return { ...a, status: 'failed', outcome: `the change did not complete${caught ? ` (${caught})` : ''}${a.undo ? '; it may be partly live: check it by hand or press Roll back' : ''}`, updatedAt: now };
        default: return { ...a, status: 'failed', outcome: `${a.outcome ?? a.status}: ${caught ?? 'stopped'}; the change may be live: check it by hand${a.undo ? ' or press Roll back' : ''}`, updatedAt: now };
      }
    });
    const a = typeof closed === 'string' ? await deps.store.getApproval(input.approvalId) : closed;
    await deps.store.audit(triage.id, { event: 'recorded', approval: input.approvalId, status: a?.status, outcome: a?.outcome }, now);
    if (a && a.decidedBy && ['verified', 'rolled-back', 'refused', 'failed'].includes(a.status)) await say(deps, triage, `${describe(a)} (${a.planId})`);
    await notify(deps, triage.id);
    return { status: a?.status ?? 'unknown' };
  },

  /** A triage that could not run to its report: the reason goes to the channel, best-effort. */
  async fail(deps: StepDeps, input: { input?: TriageInput; triageId?: string; error?: unknown }) {
    const reason = reasonOf(input.error) ?? 'an unknown error';
    const triage = input.triageId ? await deps.store.getTriage(input.triageId).catch(() => undefined) : undefined;
    const channel = triage?.channel ?? input.input?.channel;
    const service = triage?.service ?? input.input?.service ?? 'the service';
    if (triage) await deps.store.audit(triage.id, { event: 'triage-failed', reason }, deps.now().getTime()).catch(() => undefined);
    if (channel) {
      const thread = triage?.threadTs ?? input.input?.threadTs;
      await deps.slack.chat.postMessage({ channel, text: `:x: Sticky could not finish the check of \`${escapeMrkdwn(service)}\`: ${escapeMrkdwn(reason)}`, ...(thread ? { thread_ts: thread } : {}) })
        .catch((e: unknown) => {
          throw classify(e, 'Slack');
        });
    }
    return { reason };
  },
} as const;

/** A decision could not be sent to the execution yet; the runbook retries the step. */
class TransientResume extends Error {
  override readonly name = 'Sticky.Transient';
  constructor(approvalId: string) {
    super(`could not resume the execution with the decision on ${approvalId} yet`);
  }
}

export type StepName = keyof typeof STEPS;

/**
 * Rolls back a verified change from the thread's Roll back button: the same approvers decide,
 * the approval moves from verified to rolled-back once (conditional write), the stored undo runs,
 * and the message is updated. A failed rollback is recorded as failed, with what is live.
 */
export async function rollbackFromSlack(deps: StepDeps, approvalId: string, user: string): Promise<{ ok: true } | { ok: false; reason: string }> {
  const a = await deps.store.getApproval(approvalId);
  if (!a?.undo) return { ok: false, reason: 'there is nothing to roll back for this fix' };
  const { triage, service } = await triageOf(deps, a.triageId);
  const now = () => deps.now().getTime();
  const moved = await deps.store.transition(a.id, ['verified', 'failed'], 'rolling-back', now(), { outcome: `rolling back at the request of <@${user}>` });
  if (typeof moved === 'string') return { ok: false, reason: a.status === 'rolled-back' ? 'this fix was already rolled back' : `this fix is ${a.status}, not something to roll back now` };
  let outcome = `rolled back by <@${user}>`;
  let to: Approval['status'] = 'rolled-back';
  try {
    await rollbackChange(JSON.parse(a.undo) as UndoRecord, service);
  } catch (e) {
    outcome = `rollback by <@${user}> failed: ${describeError(e)}; the change is still live`;
    to = 'failed';
  }
  await deps.store.transition(a.id, 'rolling-back', to, now(), { outcome });
  await deps.store.audit(triage.id, { event: 'rolled-back-by-hand', approval: a.id, user, outcome }, now());
  await notify(deps, triage.id);
  return { ok: true };
}

/** A short text of every finding with all its evidence, for Show evidence (ephemeral), escaped for mrkdwn. */
export async function evidenceText(deps: StepDeps, triageId: string): Promise<string> {
  const { report } = await evidenceOf(deps, triageId);
  if (report.findings.length === 0) return 'No finding.';
  const e = escapeMrkdwn;
  return report.findings.map((f) => `*${f.severity}* \`${f.cause}\` ${e(f.resource)}: ${e(f.summary)}\n${f.evidence.map((x) => `> ${e(x)}`).join('\n')}`).join('\n').slice(0, 3900);
}

/** Runs one step by name (the step Lambda's and the local engine's single entry point). */
export async function runStep(deps: StepDeps, input: { step: string } & Record<string, unknown>): Promise<unknown> {
  const fn = (STEPS as Record<string, (d: StepDeps, i: never) => Promise<unknown>>)[input.step];
  if (!fn) throw new Error(`unknown step "${input.step}"`);
  return fn(deps, input as never);
}
