import type { App } from '@slack/bolt';
import { closestNames } from '../../catalog/catalog.ts';
import { getRuntime, type Runtime } from '../../runtime.ts';
import { deadline, describeError } from '../../workflow/errors.ts';
import { parseSlashCommand, SLASH_HELP } from '../command.ts';
import { escapeMrkdwn } from '../text.ts';

/** How long `/sticky` may spend before it answers: Slack gives three seconds in all. */
const ANSWER_WITHIN_MS = 2500;
/** How long starting the triage may take of that. */
const START_WITHIN_MS = 1800;

/** A person's words for why a triage could not be started. */
export function startFailure(e: unknown): string {
  const name = (e as { name?: string }).name ?? '';
  if (/Throttling|TooManyRequests|ExecutionLimitExceeded/.test(name)) return 'Step Functions is throttling new triages right now; nothing was started. Try again in a minute.';
  if (/AccessDenied|Unauthorized/.test(name)) return 'Sticky may not start its triage state machine (states:StartExecution is denied); nothing was started. Ask whoever deployed Sticky.';
  if (/StateMachineDoesNotExist|StateMachineDeleting/.test(name)) return 'Sticky\'s triage state machine does not exist in this account; nothing was started. Ask whoever deployed Sticky.';
  return `the triage could not be started (${describeError(e)}); nothing was started. Try again in a minute.`;
}

async function answer(rt: Runtime, text: string, user: string, channel: string): Promise<string> {
  const parsed = parseSlashCommand(text);
  if ('error' in parsed) return parsed.error;
  if (parsed.verb === 'help') return SLASH_HELP;
  const catalog = await rt.catalog();
  if (parsed.verb === 'services') return catalog.services.map((s) => `• \`${s.name}\` ${escapeMrkdwn(s.hosts.join(', '))}`).join('\n') || 'no services in the catalog';
  if (parsed.verb === 'status') {
    const recent = await rt.store.recentTriages(rt.now().getTime() - 3_600_000);
    return recent.length ? recent.map((t) => `• \`${t.service}\` ${t.trigger} at ${new Date(t.createdAt).toISOString().slice(11, 16)} UTC`).join('\n') : 'No triage in the last hour.';
  }
  if (parsed.verb !== 'check') return SLASH_HELP;
  if (!catalog.services.some((s) => s.name === parsed.service)) {
    const close = closestNames(catalog, parsed.service);
    return `No service \`${parsed.service}\` in the catalog.${close.length ? ` Did you mean ${close.map((c) => `\`${c}\``).join(', ')}?` : ''}`;
  }
  try {
    await deadline('Step Functions', START_WITHIN_MS, () => rt.engine.start({ service: parsed.service, trigger: 'slash-command', channel, requester: user }));
  } catch (e) {
    return `Could not check \`${parsed.service}\`: ${startFailure(e)}`;
  }
  return `Checking \`${parsed.service}\`… the findings will be posted in this channel.`;
}

/**
 * `/sticky`: answered within Slack's three seconds with an ephemeral message, whatever happens.
 * A `check` starts a triage whose report arrives in the channel; a catalog, store or Step
 * Functions that fails or does not answer in time becomes the answer's reason.
 */
export function register(app: App): void {
  app.command('/sticky', async ({ command, ack }) => {
    let text: string;
    try {
      const rt = await getRuntime();
      text = await deadline('Sticky', ANSWER_WITHIN_MS, () => answer(rt, command.text ?? '', command.user_id, command.channel_id));
    } catch (e) {
      text = `Sticky could not answer: ${describeError(e)}. Nothing was started; try again in a minute.`;
    }
    await ack({ response_type: 'ephemeral', text });
  });
}
