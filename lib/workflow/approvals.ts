import type { Service } from '../evidence/service.ts';
import type { Approval, DecisionRefusal, Store } from '../store/store.ts';
import type { Engine } from './engine.ts';
import { deadline, describeError, isTransient } from './errors.ts';

/** Looks up the members of a Slack user group (usergroups.users.list). */
export type GroupMembers = (groupId: string) => Promise<string[]>;

/** Why a click was refused, in words for the person who clicked. */
export type Refusal = { ok: false; reason: string };

/** How many distinct approvers a plan of this risk needs: the catalog's `approvals`, else 1. */
export function requiredApprovals(service: Service, risk: Approval['risk']): number {
  return service.approvals?.[risk] ?? 1;
}

/**
 * Who may decide on a plan: a user listed in the service's `approvers`, or a member of a user
 * group listed there. Rejecting needs the same right as approving, except that the person who
 * asked for the check may always withdraw it. The requester never approves a high-risk plan
 * (four eyes). A service with no approvers can have no fix applied from Slack.
 */
export async function mayDecide(user: string, approval: Approval, service: Service, members: GroupMembers, decision: 'approve' | 'reject' = 'approve'): Promise<{ ok: true } | Refusal> {
  if (decision === 'reject' && approval.requester === user) return { ok: true };
  const approvers = service.approvers ?? [];
  if (approvers.length === 0) return { ok: false, reason: `${service.name} has no approvers in the catalog, so no fix can be approved or rejected from Slack` };
  let allowed = approvers.includes(user);
  for (const g of approvers.filter((a) => a.startsWith('S'))) {
    if (allowed) break;
    allowed = (await members(g)).includes(user);
  }
  if (!allowed) return { ok: false, reason: `you are not an approver of ${service.name}` };
  if (decision === 'approve' && approval.risk === 'high' && approval.requester === user) {
    return { ok: false, reason: 'this fix is high risk: someone other than the person who asked for the check must approve it' };
  }
  return { ok: true };
}

/** What a decision needs. */
export interface DecideDeps {
  store: Store;
  engine: Engine;
  service: (name: string) => Promise<Service>;
  members: GroupMembers;
  now: () => Date;
  /** Longest wait for one outgoing call on the click's path (Slack wants an answer within 3 s). */
  callTimeoutMs?: number;
}

const REFUSALS: Record<DecisionRefusal, string> = {
  unknown: 'this button belongs to a triage Sticky no longer knows',
  'already-decided': 'this fix was already decided',
  expired: 'this approval has expired; run the check again',
  'already-voted': 'you already approved this fix; it needs another approver',
};

/** The result of a click that was recorded. `waiting` says how many more approvals it needs. */
export type Decided = { ok: true; approval: Approval; waiting: number; resumed: Resumed };

/**
 * Records one person's decision on a plan and resumes the execution waiting on it, at most once.
 * The click must come from the triage's own channel; the policy is checked; one conditional
 * write records the vote (a double click, a Slack retry or a replayed payload cannot count
 * twice); a plan that needs several approvers waits for them. When the decision is complete the
 * execution is resumed if its token is already attached, otherwise the step that attaches it
 * resumes it (see {@link resume}). Every decision and every refusal is audited.
 */
export async function decide(deps: DecideDeps, input: { approvalId: string; user: string; decision: 'approve' | 'reject'; channel?: string }): Promise<Decided | Refusal> {
  const now = deps.now().getTime();
  const timeout = deps.callTimeoutMs ?? 2000;
  const approval = await deadline('the store', timeout, () => deps.store.getApproval(input.approvalId));
  if (!approval) return { ok: false, reason: REFUSALS.unknown };
  const triage = await deadline('the store', timeout, () => deps.store.getTriage(approval.triageId));
  const refuse = async (reason: string): Promise<Refusal> => {
    await deps.store.audit(approval.triageId, { event: 'refused', approval: approval.id, plan: approval.planId, user: input.user, decision: input.decision, reason }, now).catch(() => undefined);
    return { ok: false, reason };
  };
  if (!triage) return refuse(REFUSALS.unknown);
  const home = approval.channel ?? triage.channel;
  if (input.channel !== home) return refuse(`decisions on this fix are taken in <#${home}>, where the check was posted`);
  const service = await deps.service(triage.service);
  const policy = await deadline('Slack (user groups)', timeout, () => mayDecide(input.user, approval, service, deps.members, input.decision));
  if (!policy.ok) return refuse(policy.reason);
  const voted = await deadline('the store', timeout, () => deps.store.vote(approval.id, input.user, input.decision, now));
  if (typeof voted === 'string') return refuse(REFUSALS[voted]);
  const waiting = voted.status === 'pending' ? (voted.required ?? 1) - (voted.approvedBy?.length ?? 0) : 0;
  await deps.store.audit(approval.triageId, {
    event: input.decision === 'approve' ? (waiting > 0 ? 'approval-recorded' : 'approved') : 'rejected',
    approval: approval.id, plan: approval.planId, user: input.user, ...(voted.required && voted.required > 1 ? { approvals: `${voted.approvedBy?.length ?? 0} of ${voted.required}` } : {}),
  }, now);
  const resumed = waiting > 0 ? 'not-yet' : await resume(deps, voted, timeout);
  return { ok: true, approval: voted, waiting, resumed };
}

/**
 * What came of resuming: `resumed`; `not-yet` (no token attached yet: the step that attaches it
 * resumes); `delayed` (Step Functions did not answer or throttled: recorded, the sweeper retries);
 * `gone` (the execution stopped waiting: the approval is closed as failed, nothing applied).
 */
export type Resumed = 'resumed' | 'not-yet' | 'delayed' | 'gone';

const GONE = /^(TaskTimedOut|TaskDoesNotExist|InvalidToken)$/;

/**
 * Sends a recorded decision to the execution waiting on the approval's token, and records that it
 * did. Safe to call more than once (the sweeper re-drives decisions whose resume failed): once
 * the execution has moved on, Step Functions answers TaskTimedOut and nothing more is done.
 */
export async function resume(deps: Pick<DecideDeps, 'store' | 'engine' | 'now'>, a: Approval, timeoutMs = 5000): Promise<Resumed> {
  if (!a.taskToken) return 'not-yet';
  if (a.status !== 'approved' && a.status !== 'rejected') return 'not-yet';
  const decision = a.status === 'approved' ? 'approve' : 'reject';
  const now = deps.now().getTime();
  try {
    await deadline('Step Functions', timeoutMs, () => deps.engine.sendTaskSuccess(a.taskToken!, { decision, approver: a.decidedBy ?? null }));
  } catch (e) {
    if (GONE.test((e as { name?: string }).name ?? '') || /TaskTimedOut|no execution waits/.test((e as Error).message)) {
      await deps.store.modify(a.id, (x) => ({ ...x, resumedAt: x.resumedAt ?? now }));
      await deps.store.audit(a.triageId, { event: 'resume-gone', approval: a.id, reason: describeError(e) }, now);
      return 'gone';
    }
    const reason = describeError(e);
    await deps.store.modify(a.id, (x) => ({ ...x, resumeError: reason })).catch(() => undefined);
    await deps.store.audit(a.triageId, { event: 'resume-delayed', approval: a.id, transient: isTransient(e), reason }, now).catch(() => undefined);
    return 'delayed';
  }
  await deps.store.modify(a.id, (x) => {
    const { resumeError: _, ...rest } = x;
    return { ...rest, resumedAt: now };
  });
  return 'resumed';
}
