import type { App, BlockButtonAction } from '@slack/bolt';
import { z } from 'zod';
import { getRuntime } from '../../runtime.ts';
import { decide } from '../../workflow/approvals.ts';

/** The part of a button click Sticky reads: who clicked, where, and the short id on the button. */
const ClickSchema = z.object({
  user: z.object({ id: z.string() }),
  channel: z.object({ id: z.string() }).optional(),
  actions: z.array(z.object({ action_id: z.string(), value: z.string().regex(/^a[A-Za-z0-9_-]{6,40}$/, 'not an approval id') })).min(1),
});

/**
 * Approve and Reject: acknowledged at once, then the decision goes through the approval policy
 * and the store's conditional write; a refusal is told to the clicker alone (ephemeral).
 */
export function register(app: App): void {
  const handle = (decision: 'approve' | 'reject') => async ({ ack, body, client }: { ack: () => Promise<void>; body: BlockButtonAction; client: App['client'] }) => {
    await ack();
    const click = ClickSchema.safeParse(body);
    if (!click.success) return;
    const rt = await getRuntime();
    const result = await decide(
      { store: rt.store, engine: rt.engine, service: rt.service, now: rt.now, members: async (g) => (await rt.slack.usergroups.users.list({ usergroup: g })).users ?? [] },
      { approvalId: click.data.actions[0]!.value, user: click.data.user.id, decision },
    );
    if (!result.ok && click.data.channel) {
      await client.chat.postEphemeral({ channel: click.data.channel.id, user: click.data.user.id, text: `Not applied: ${result.reason}.` });
    }
  };
  app.action<BlockButtonAction>(/^approve:/, handle('approve'));
  app.action<BlockButtonAction>(/^reject:/, handle('reject'));
  app.action<BlockButtonAction>('show_evidence', async ({ ack }) => ack());
}
