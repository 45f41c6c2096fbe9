import { stringify } from 'yaml';
import { z } from 'zod';
import { analyze, type Report } from '../checks/analyze.ts';
import { findService, type Catalog } from '../catalog/catalog.ts';
import { parseBundle, type Layer, type RawBundle } from '../evidence/bundle.ts';
import type { Service } from '../evidence/service.ts';
import { collect, type CollectOptions } from '../providers/collect.ts';
import { applyChange, fixesOf, rollbackChange, verifyChange, type UndoRecord } from '../remediations/apply/engine.ts';
import { renderBlocks, type PlanStates } from '../slack/blocks.ts';
import { newId, type Approval, type Store, type Triage } from '../store/store.ts';

/** The part of Slack's Web API the steps use (a Bolt/WebClient `client` fits). */
export interface SlackApi {
  chat: {
    postMessage(args: { channel: string; text: string; blocks?: unknown[]; thread_ts?: string }): Promise<{ ts?: string; channel?: string }>;
    update(args: { channel: string; ts: string; text: string; blocks?: unknown[] }): Promise<unknown>;
  };
}

/** What every step needs: the store, Slack, the catalog, the clock. */
export interface StepDeps {
  store: Store;
  slack: SlackApi;
  catalog: () => Promise<Catalog>;
  now: () => Date;
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

async function triageOf(deps: StepDeps, id: string): Promise<{ triage: Triage; service: Service }> {
  const triage = await deps.store.getTriage(id);
  if (!triage) throw new Error(`no triage ${id}`);
  return { triage, service: findService(await deps.catalog(), triage.service) };
}

async function evidenceOf(deps: StepDeps, id: string): Promise<{ raw: RawBundle; report: Report }> {
  const raw: RawBundle = { files: await deps.store.getEvidence(id) };
  return { raw, report: analyze(parseBundle(raw)) };
}

/** The plan states the report shows: approval ids for open plans, who decided what for the rest. */
async function planStates(deps: StepDeps, triage: Triage): Promise<PlanStates> {
  const states: PlanStates = {};
  for (const [planId, approvalId] of Object.entries(triage.approvals ?? {})) {
    const a = await deps.store.getApproval(approvalId);
    states[planId] = {
      approvalId,
      ...(a && a.status !== 'pending' ? { state: describe(a) } : {}),
      ...(a?.status === 'done' && a.undo && a.outcome?.startsWith('verified') ? { rollback: true } : {}),
    };
  }
  return states;
}

function describe(a: Approval): string {
  const who = a.decidedBy ? `<@${a.decidedBy}>` : 'nobody';
  const when = a.decidedAt ? ` at ${new Date(a.decidedAt).toISOString().slice(11, 16)} UTC` : '';
  if (!a.decidedBy && a.status === 'done') return `:hourglass: ${a.outcome ?? 'closed without a decision'}`;
  if (a.status === 'rejected') return `:no_entry_sign: rejected by ${who}${when}`;
  if (a.status === 'rolled-back') return `:leftwards_arrow_with_hook: approved by ${who}${when}: ${a.outcome ?? 'rolled back'}`;
  if (a.status === 'approved') return `:hourglass_flowing_sand: approved by ${who}${when}; applying`;
  if (a.status === 'applying') return `:hourglass_flowing_sand: approved by ${who}${when}; ${a.outcome ?? 'applying'}`;
  return `${a.outcome?.startsWith('verified') ? ':white_check_mark:' : ':warning:'} approved by ${who}${when}: ${a.outcome ?? 'done'}`;
}

/** Requests per backend in each probe phase, for the report's chart. */
function probeCounts(raw: RawBundle): { label: string; counts: [string, number][] }[] {
  const text = raw.files.get('probe/exchanges.json');
  if (!text) return [];
  const exchanges = (JSON.parse(text) as { exchanges: { phase: string; response?: { backend?: string } }[] }).exchanges;
  const count = (phase: string) => {
    const m = new Map<string, number>();
    for (const x of exchanges) if (x.phase === phase && x.response?.backend) m.set(x.response.backend, (m.get(x.response.backend) ?? 0) + 1);
    return [...m].sort(([a], [b]) => a.localeCompare(b));
  };
  return [{ label: 'without a cookie jar', counts: count('no-jar') }, { label: 'with a cookie jar (each session must stay on one)', counts: count('jar') }];
}

/** Posts the report, or updates it in place when it was posted already; reuses evidence the caller already read. */
async function publish(deps: StepDeps, triage: Triage, loaded?: { raw: RawBundle; report: Report }): Promise<Triage> {
  const { raw, report } = loaded ?? (await evidenceOf(deps, triage.id));
  const message = renderBlocks(report, await planStates(deps, triage), { triageId: triage.id, backends: probeCounts(raw) });
  if (triage.messageTs) {
    await deps.slack.chat.update({ channel: triage.channel, ts: triage.messageTs, text: message.text, blocks: message.blocks });
    return triage;
  }
  const r = await deps.slack.chat.postMessage({ channel: triage.channel, text: message.text, blocks: message.blocks, ...(triage.threadTs ? { thread_ts: triage.threadTs } : {}) });
  return deps.store.updateTriage(triage.id, { messageTs: r.ts! });
}

/**
 * The runbook's steps, one function each, called by the state machine's Task states (the step
 * Lambda in AWS, the local engine's overrides in process). Inputs and outputs are small JSON;
 * the evidence and decisions live in the store.
 */
export const STEPS = {
  async resolve(deps: StepDeps, input: { input: TriageInput }) {
    const i = TriageInputSchema.parse(input.input);
    const service = findService(await deps.catalog(), i.service);
    const id = i.triageId ?? newId('t');
    if (!(i.triageId && (await deps.store.getTriage(i.triageId)))) {
      await deps.store.putTriage({
        id, service: service.name, trigger: i.trigger, channel: i.channel, createdAt: deps.now().getTime(),
        ...(i.requester ? { requester: i.requester } : {}), ...(i.threadTs ? { threadTs: i.threadTs } : {}),
      });
    }
    return { triageId: id, service: service.name };
  },

  async collect(deps: StepDeps, input: { triageId: string; layer: Layer }) {
    const { service } = await triageOf(deps, input.triageId);
    const raw = await collect(service, { ...deps.collect, layers: [input.layer], trigger: 'slack', now: deps.now });
    const meta = JSON.parse(raw.files.get('meta.json')!) as { notChecked: Record<string, string>; notes?: string[] };
    const files = new Map([...raw.files].filter(([k]) => k.startsWith(`${input.layer}/`)));
    await deps.store.putEvidence(input.triageId, files);
    return { layer: input.layer, notChecked: meta.notChecked[input.layer] ?? null, notes: meta.notes ?? [] };
  },

  async analyze(deps: StepDeps, input: { triageId: string; collected: { layer: string; notChecked?: string | null; notes?: string[] }[] }) {
    const { triage, service } = await triageOf(deps, input.triageId);
    const notChecked = Object.fromEntries(input.collected.filter((c) => c.notChecked).map((c) => [c.layer, String(c.notChecked)]));
    const meta = { collectedAt: deps.now().toISOString(), trigger: triage.trigger, notChecked, notes: input.collected.flatMap((c) => c.notes ?? []) };
    await deps.store.putEvidence(triage.id, new Map([['service.yaml', stringify(service)], ['meta.json', JSON.stringify(meta)]]));
    const { report } = await evidenceOf(deps, triage.id);
    const approvals: Record<string, string> = {};
    for (const p of report.remediations.filter((x) => !x.advice)) {
      const id = newId('a');
      await deps.store.createApproval({
        id, triageId: triage.id, planId: p.id, risk: p.risk, status: 'pending',
        expiresAt: deps.now().getTime() + (deps.approvalTtlMs ?? 30 * 60_000), ...(triage.requester ? { requester: triage.requester } : {}),
      });
      approvals[p.id] = id;
    }
    await deps.store.updateTriage(triage.id, { approvals, notChecked });
    await deps.store.audit(triage.id, { event: 'analyzed', findings: report.findings.map((f) => f.id), plans: Object.keys(approvals) }, deps.now().getTime());
    return { approvals: Object.values(approvals), worst: report.findings[0]?.severity ?? null };
  },

  async report(deps: StepDeps, input: { triageId: string }) {
    await publish(deps, (await triageOf(deps, input.triageId)).triage);
    return {};
  },

  async 'request-approval'(deps: StepDeps, input: { triageId: string; approvalId: string; taskToken: string }) {
    await deps.store.attachToken(input.approvalId, input.taskToken);
    return {};
  },

  async apply(deps: StepDeps, input: { triageId: string; approvalId: string }) {
    const { triage, service } = await triageOf(deps, input.triageId);
    const claimed = await deps.store.transition(input.approvalId, 'approved', 'applying', deps.now().getTime());
    if (typeof claimed === 'string') return { status: 'refused', reason: `not applied: ${claimed}` };
    const loaded = await evidenceOf(deps, triage.id);
    const { raw, report } = loaded;
    const plan = report.remediations.find((p) => p.id === claimed.planId);
    if (!plan) return { status: 'refused', reason: `plan ${claimed.planId} is no longer proposed` };
    const outcome = await applyChange(plan, service, raw, deps.now());
    await deps.store.transition(input.approvalId, 'applying', 'applying', deps.now().getTime(), {
      outcome: outcome.status === 'applied' ? 'applied; verifying' : `${outcome.status}: ${outcome.reason}`,
      ...(outcome.status === 'applied' ? { undo: JSON.stringify(outcome.undo) } : {}),
    });
    await deps.store.audit(triage.id, { event: outcome.status, approval: input.approvalId, plan: plan.id, steps: outcome.steps, ...(outcome.status !== 'applied' ? { reason: outcome.reason } : {}) }, deps.now().getTime());
    await publish(deps, triage, loaded);
    return { status: outcome.status };
  },

  async verify(deps: StepDeps, input: { triageId: string; approvalId: string }) {
    const { triage, service } = await triageOf(deps, input.triageId);
    const approval = (await deps.store.getApproval(input.approvalId))!;
    const { report } = await evidenceOf(deps, triage.id);
    const after = analyze(parseBundle(await collect(service, { ...deps.collect, trigger: 'verify', now: deps.now })));
    const result = verifyChange(fixesOf(report, approval.planId), after);
    await deps.store.transition(input.approvalId, 'applying', 'applying', deps.now().getTime(), { outcome: result.verified ? 'verified: the finding is gone' : `verification failed (${result.remaining.join(', ')} still present); rolling back` });
    await deps.store.audit(triage.id, { event: result.verified ? 'verified' : 'verification-failed', approval: input.approvalId, remaining: result.remaining }, deps.now().getTime());
    return result;
  },

  async rollback(deps: StepDeps, input: { triageId: string; approvalId: string }) {
    const { triage, service } = await triageOf(deps, input.triageId);
    const approval = (await deps.store.getApproval(input.approvalId))!;
    const undo = JSON.parse(approval.undo ?? 'null') as UndoRecord | null;
    let outcome = 'rolled back after the verification failed';
    try {
      if (undo) await rollbackChange(undo, service);
    } catch (e) {
      outcome = `verification failed and the rollback failed: ${(e as Error).message}`;
    }
    await deps.store.transition(input.approvalId, 'applying', 'applying', deps.now().getTime(), { outcome });
    await deps.store.audit(triage.id, { event: 'rolled-back', approval: input.approvalId, outcome }, deps.now().getTime());
    return { outcome };
  },

  async record(deps: StepDeps, input: { triageId: string; approvalId: string }) {
    const { triage } = await triageOf(deps, input.triageId);
    const a = await deps.store.getApproval(input.approvalId);
    if (a?.status === 'pending') await deps.store.expire(a.id);
    else if (a?.status === 'applying') await deps.store.transition(a.id, 'applying', 'done', deps.now().getTime());
    await deps.store.audit(triage.id, { event: 'recorded', approval: input.approvalId, status: a?.status, outcome: a?.outcome }, deps.now().getTime());
    await publish(deps, triage);
    return {};
  },
} as const;

export type StepName = keyof typeof STEPS;

/**
 * Rolls back a verified change from the thread's Roll back button: the same approvers decide,
 * the approval moves from done to rolled-back once (conditional write), the stored undo runs,
 * and the message is updated.
 */
export async function rollbackFromSlack(deps: StepDeps, approvalId: string, user: string): Promise<{ ok: true } | { ok: false; reason: string }> {
  const a = await deps.store.getApproval(approvalId);
  if (!a?.undo) return { ok: false, reason: 'there is nothing to roll back for this fix' };
  const { triage, service } = await triageOf(deps, a.triageId);
  const moved = await deps.store.transition(a.id, 'done', 'rolled-back', deps.now().getTime());
  if (typeof moved === 'string') return { ok: false, reason: 'this fix was already rolled back' };
  let outcome = `rolled back by <@${user}>`;
  try {
    await rollbackChange(JSON.parse(a.undo) as UndoRecord, service);
  } catch (e) {
    outcome = `rollback by <@${user}> failed: ${(e as Error).message}`;
  }
  await deps.store.transition(a.id, 'rolled-back', 'rolled-back', deps.now().getTime(), { outcome });
  await deps.store.audit(triage.id, { event: 'rolled-back-by-hand', approval: a.id, user, outcome }, deps.now().getTime());
  await publish(deps, triage);
  return { ok: true };
}

/** A short text of every finding with all its evidence, for Show evidence (ephemeral). */
export async function evidenceText(deps: StepDeps, triageId: string): Promise<string> {
  const { report } = await evidenceOf(deps, triageId);
  if (report.findings.length === 0) return 'No finding.';
  return report.findings.map((f) => `*${f.severity}* \`${f.cause}\` ${f.resource}: ${f.summary}\n${f.evidence.map((e) => `> ${e}`).join('\n')}`).join('\n').slice(0, 3900);
}

/** Runs one step by name (the step Lambda's and the local engine's single entry point). */
export async function runStep(deps: StepDeps, input: { step: string } & Record<string, unknown>): Promise<unknown> {
  const fn = (STEPS as Record<string, (d: StepDeps, i: never) => Promise<unknown>>)[input.step];
  if (!fn) throw new Error(`unknown step "${input.step}"`);
  return fn(deps, input as never);
}

