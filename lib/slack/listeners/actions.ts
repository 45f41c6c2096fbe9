import type { App, BlockButtonAction } from '@slack/bolt';
import { z } from 'zod';
import { getRuntime } from '../../runtime.ts';
import { decide, mayDecide, type GroupMembers } from '../../workflow/approvals.ts';
import type { StepDeps } from '../../workflow/steps.ts';
import type { Runtime } from '../../runtime.ts';

const members = (rt: Runtime): GroupMembers => async (g) => (await rt.slack.usergroups.users.list({ usergroup: g })).users ?? [];
const stepDeps = (rt: Runtime): StepDeps => ({ store: rt.store, slack: rt.slack, catalog: rt.catalog, now: rt.now });

/** The part of a button click Sticky reads: who clicked, where, and the short id on the button. */
const ClickSchema = z.object({
  user: z.object({ id: z.string() }),
  channel: z.object({ id: z.string() }).optional(),
  actions: z.array(z.object({ action_id: z.string(), value: z.string().regex(/^a[A-Za-z0-9_-]{6,40}$/, 'not an approval id') })).min(1),
});

/**
 * Approve, Reject, Roll back and Show evidence: acknowledged at once; decisions go through the
 * approval policy and the store's conditional writes; a refusal is told to the clicker alone
 * (ephemeral).
 */
export function register(app: App): void {
  const handle = (decision: 'approve' | 'reject') => async ({ ack, body, client }: { ack: () => Promise<void>; body: BlockButtonAction; client: App['client'] }) => {
    await ack();
    const click = ClickSchema.safeParse(body);
    if (!click.success) return;
    const rt = await getRuntime();
    const result = await decide(
      { store: rt.store, engine: rt.engine, service: rt.service, now: rt.now, members: members(rt) },
      { approvalId: click.data.actions[0]!.value, user: click.data.user.id, decision },
    );
    if (!result.ok && click.data.channel) {
      await client.chat.postEphemeral({ channel: click.data.channel.id, user: click.data.user.id, text: `Not applied: ${result.reason}.` });
    }
  };
  app.action<BlockButtonAction>(/^approve:/, handle('approve'));
  app.action<BlockButtonAction>(/^reject:/, handle('reject'));
  app.action<BlockButtonAction>(/^rollback:/, async ({ ack, body, client }) => {
    await ack();
    const click = ClickSchema.safeParse(body);
    if (!click.success) return;
    const rt = await getRuntime();
    const approval = await rt.store.getApproval(click.data.actions[0]!.value);
    const triage = approval && (await rt.store.getTriage(approval.triageId));
    const policy = approval && triage ? await mayDecide(click.data.user.id, { ...approval, risk: 'low' }, await rt.service(triage.service), members(rt)) : { ok: false as const, reason: 'this button belongs to a triage Sticky no longer knows' };
    const result = policy.ok ? await (await import('../../workflow/steps.ts')).rollbackFromSlack(stepDeps(rt), click.data.actions[0]!.value, click.data.user.id) : policy;
    if (!result.ok && click.data.channel) await client.chat.postEphemeral({ channel: click.data.channel.id, user: click.data.user.id, text: `Not rolled back: ${result.reason}.` });
  });
  app.action<BlockButtonAction>('show_evidence', async ({ ack, body, client }) => {
    await ack();
    const id = (body.actions[0] as { value?: string } | undefined)?.value;
    if (!id || !/^t[A-Za-z0-9_-]{6,40}$/.test(id) || !body.channel) return;
    const { evidenceText } = await import('../../workflow/steps.ts');
    await client.chat.postEphemeral({ channel: body.channel.id, user: body.user.id, text: await evidenceText(stepDeps(await getRuntime()), id) });
  });
}
