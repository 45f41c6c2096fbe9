import type { Service } from '../evidence/service.ts';
import type { Approval, Store } from '../store/store.ts';
import type { Engine } from './engine.ts';

/** Looks up the members of a Slack user group (usergroups.users.list). */
export type GroupMembers = (groupId: string) => Promise<string[]>;

/** Why a click was refused, in words for the person who clicked. */
export type Refusal = { ok: false; reason: string };

/**
 * Who may decide on a plan: a user listed in the service's `approvers`, or a member of a user
 * group listed there; never the requester of the triage when the plan's risk is high (four
 * eyes). A service with no approvers can have no fix applied from Slack.
 */
export async function mayDecide(user: string, approval: Approval, service: Service, members: GroupMembers): Promise<{ ok: true } | Refusal> {
  const approvers = service.approvers ?? [];
  if (approvers.length === 0) return { ok: false, reason: `${service.name} has no approvers in the catalog, so no fix can be approved from Slack` };
  let allowed = approvers.includes(user);
  for (const g of approvers.filter((a) => a.startsWith('S'))) {
    if (allowed) break;
    allowed = (await members(g)).includes(user);
  }
  if (!allowed) return { ok: false, reason: `you are not an approver of ${service.name}` };
  if (approval.risk === 'high' && approval.requester === user) return { ok: false, reason: 'this fix is high risk: someone other than the person who asked for the check must approve it' };
  return { ok: true };
}

/** What a decision needs. */
export interface DecideDeps {
  store: Store;
  engine: Engine;
  service: (name: string) => Promise<Service>;
  members: GroupMembers;
  now: () => Date;
}

const REFUSALS: Record<string, string> = {
  unknown: 'this button belongs to a triage Sticky no longer knows',
  'already-decided': 'this fix was already decided',
  expired: 'this approval has expired; run the check again',
};

/**
 * Records a decision on a plan and resumes the execution waiting on it, at most once: the
 * policy is checked, then one conditional write moves the approval out of `pending` (a double
 * click, a Slack retry or a replayed payload loses that race), then the task token is sent.
 * Every decision and every refusal is audited.
 */
export async function decide(deps: DecideDeps, input: { approvalId: string; user: string; decision: 'approve' | 'reject' }): Promise<{ ok: true; approval: Approval } | Refusal> {
  const now = deps.now().getTime();
  const approval = await deps.store.getApproval(input.approvalId);
  if (!approval) return { ok: false, reason: REFUSALS.unknown! };
  const triage = await deps.store.getTriage(approval.triageId);
  const refuse = async (reason: string): Promise<Refusal> => {
    await deps.store.audit(approval.triageId, { event: 'refused', approval: approval.id, plan: approval.planId, user: input.user, decision: input.decision, reason }, now);
    return { ok: false, reason };
  };
  if (input.decision === 'approve') {
    const policy = await mayDecide(input.user, approval, await deps.service(triage!.service), deps.members);
    if (!policy.ok) return refuse(policy.reason);
  }
  const moved = await deps.store.transition(approval.id, 'pending', input.decision === 'approve' ? 'approved' : 'rejected', now, { decidedBy: input.user, decidedAt: now });
  if (typeof moved === 'string') return refuse(REFUSALS[moved]!);
  await deps.store.audit(approval.triageId, { event: input.decision === 'approve' ? 'approved' : 'rejected', approval: approval.id, plan: approval.planId, user: input.user }, now);
  let token = moved.taskToken;
  for (let i = 0; !token && i < 50; i++) {
    await new Promise((r) => setTimeout(r, 50));
    token = (await deps.store.getApproval(approval.id))?.taskToken;
  }
  if (!token) return refuse('the triage is not waiting for this decision any more');
  await deps.engine.sendTaskSuccess(token, { decision: input.decision, approver: input.user });
  return { ok: true, approval: moved };
}
