import type { App, BlockButtonAction } from '@slack/bolt';
import { z } from 'zod';
import { getRuntime, type Runtime } from '../../runtime.ts';
import { decide, mayDecide, type GroupMembers } from '../../workflow/approvals.ts';
import { deadline, describeError } from '../../workflow/errors.ts';
import type { StepDeps } from '../../workflow/steps.ts';

/** Longest wait for one outgoing call while Slack waits for the click's answer. */
const CALL_MS = 1500;

const members = (rt: Runtime): GroupMembers => async (g) => {
  try {
    return (await deadline('Slack usergroups.users.list', CALL_MS, () => rt.slack.usergroups.users.list({ usergroup: g }))).users ?? [];
  } catch (e) {
    if ((e as { data?: { error?: string } }).data?.error === 'no_such_subteam') return [];
    throw e;
  }
};
const stepDeps = (rt: Runtime): StepDeps => ({ store: rt.store, slack: rt.slack, catalog: rt.catalog, now: rt.now, engine: rt.engine });

/** The part of a button click Sticky reads: who clicked, where, and the short id on the button. */
export const ClickSchema = z.object({
  user: z.object({ id: z.string().regex(/^[UW][A-Z0-9]+$/) }),
  channel: z.object({ id: z.string().regex(/^[CGD][A-Z0-9]+$/) }),
  actions: z.array(z.object({ action_id: z.string(), value: z.string().regex(/^[at][A-Za-z0-9_-]{6,40}$/, 'not an approval or triage id') })).min(1),
});

type Client = App['client'];

/** Tells the person who clicked, and only them; a Slack that fails here is logged, never thrown. */
async function tell(client: Client, channel: string, user: string, text: string): Promise<void> {
  try {
    await deadline('Slack chat.postEphemeral', CALL_MS, () => client.chat.postEphemeral({ channel, user, text }));
  } catch (e) {
    console.error(JSON.stringify({ message: 'could not answer a click', error: describeError(e) }));
  }
}

/**
 * Approve, Reject, Roll back and Show evidence. Every click gets an answer the clicker alone sees
 * when it did not simply work: a refusal with its reason, a partial approval ("1 of 2"), a
 * decision recorded whose execution could not be resumed yet, or a dependency that failed.
 * Decisions go through the approval policy and the store's conditional writes, and only in the
 * triage's own channel.
 */
export function register(app: App): void {
  const handle = (decision: 'approve' | 'reject') => async ({ ack, body, client }: { ack: () => Promise<void>; body: BlockButtonAction; client: Client }) => {
    await ack();
    const click = ClickSchema.safeParse(body);
    if (!click.success) return;
    const { user, channel, actions } = click.data;
    const verb = decision === 'approve' ? 'Not applied' : 'Not rejected';
    try {
      const rt = await getRuntime();
      const result = await decide(
        { store: rt.store, engine: rt.engine, service: rt.service, now: rt.now, members: members(rt), callTimeoutMs: CALL_MS },
        { approvalId: actions[0]!.value, user: user.id, decision, channel: channel.id },
      );
      if (!result.ok) return tell(client, channel.id, user.id, `${verb}: ${result.reason}.`);
      if (result.waiting > 0) {
        await tell(client, channel.id, user.id, `Your approval is recorded: ${result.approval.approvedBy?.length ?? 0} of ${result.approval.required}. It needs ${result.waiting} more approver${result.waiting === 1 ? '' : 's'}${result.approval.risk === 'high' ? ' (not the person who asked for the check)' : ''}.`);
        const { publish } = await import('../../workflow/steps.ts');
        const triage = await rt.store.getTriage(result.approval.triageId);
        if (triage) await deadline('Slack chat.update', CALL_MS, () => publish(stepDeps(rt), triage)).catch(() => rt.store.updateTriage(triage.id, { publishPending: true }).catch(() => undefined));
        return;
      }
      if (result.resumed === 'delayed') await tell(client, channel.id, user.id, 'Your decision is recorded, but Step Functions did not take it yet; Sticky sends it again within minutes. Nothing more to do.');
      if (result.resumed === 'gone') await tell(client, channel.id, user.id, 'Your decision is recorded, but this triage had stopped waiting for it; nothing was applied. Run the check again.');
    } catch (e) {
      await tell(client, channel.id, user.id, `${verb}: Sticky could not record the decision (${describeError(e)}). Nothing was changed; try again in a minute.`);
    }
  };
  app.action<BlockButtonAction>(/^approve:/, handle('approve'));
  app.action<BlockButtonAction>(/^reject:/, handle('reject'));
  app.action<BlockButtonAction>(/^rollback:/, async ({ ack, body, client }) => {
    await ack();
    const click = ClickSchema.safeParse(body);
    if (!click.success) return;
    const { user, channel, actions } = click.data;
    try {
      const rt = await getRuntime();
      const approval = await rt.store.getApproval(actions[0]!.value);
      const triage = approval && (await rt.store.getTriage(approval.triageId));
      let refusal: string | undefined;
      if (!approval || !triage) refusal = 'this button belongs to a triage Sticky no longer knows';
      else if (channel.id !== (approval.channel ?? triage.channel)) refusal = `roll backs of this fix are decided in <#${approval.channel ?? triage.channel}>`;
      else {
        const policy = await mayDecide(user.id, { ...approval, risk: 'low' }, await rt.service(triage.service), members(rt));
        if (!policy.ok) refusal = policy.reason;
      }
      const result = refusal ? { ok: false as const, reason: refusal } : await (await import('../../workflow/steps.ts')).rollbackFromSlack(stepDeps(rt), actions[0]!.value, user.id);
      if (!result.ok) await tell(client, channel.id, user.id, `Not rolled back: ${result.reason}.`);
    } catch (e) {
      await tell(client, channel.id, user.id, `Not rolled back: Sticky could not do it (${describeError(e)}). Try again in a minute.`);
    }
  });
  app.action<BlockButtonAction>('show_evidence', async ({ ack, body, client }) => {
    await ack();
    const click = ClickSchema.safeParse(body);
    if (!click.success || !click.data.actions[0]!.value.startsWith('t')) return;
    const { user, channel, actions } = click.data;
    try {
      const rt = await getRuntime();
      const triage = await rt.store.getTriage(actions[0]!.value);
      if (!triage || triage.channel !== channel.id) return tell(client, channel.id, user.id, 'This evidence belongs to a triage of another channel or one Sticky no longer knows.');
      const { evidenceText } = await import('../../workflow/steps.ts');
      await tell(client, channel.id, user.id, await deadline('the store', CALL_MS, () => evidenceText(stepDeps(rt), triage.id)));
    } catch (e) {
      await tell(client, channel.id, user.id, `Sticky could not fetch the evidence: ${describeError(e)}.`);
    }
  });
}
