import type { App } from '@slack/bolt';
import { closestNames } from '../../catalog/catalog.ts';
import { getRuntime } from '../../runtime.ts';
import { parseSlashCommand, SLASH_HELP } from '../command.ts';

/**
 * `/sticky`: acknowledged within Slack's 3 seconds with an ephemeral answer, then (for `check`)
 * a triage is started; its report arrives in the channel.
 */
export function register(app: App): void {
  app.command('/sticky', async ({ command, ack }) => {
    const parsed = parseSlashCommand(command.text ?? '');
    if ('error' in parsed) return ack({ response_type: 'ephemeral', text: parsed.error });
    if (parsed.verb === 'help') return ack({ response_type: 'ephemeral', text: SLASH_HELP });
    const rt = await getRuntime();
    const catalog = await rt.catalog();
    if (parsed.verb === 'services') {
      return ack({ response_type: 'ephemeral', text: catalog.services.map((s) => `• \`${s.name}\` ${s.hosts.join(', ')}`).join('\n') || 'no services in the catalog' });
    }
    if (parsed.verb !== 'check') {
      const recent = await rt.store.recentTriages(rt.now().getTime() - 3_600_000);
      return ack({ response_type: 'ephemeral', text: recent.length ? recent.map((t) => `• \`${t.service}\` ${t.trigger} at ${new Date(t.createdAt).toISOString().slice(11, 16)} UTC`).join('\n') : 'No triage in the last hour.' });
    }
    if (!catalog.services.some((s) => s.name === parsed.service)) {
      const close = closestNames(catalog, parsed.service);
      return ack({ response_type: 'ephemeral', text: `No service \`${parsed.service}\` in the catalog.${close.length ? ` Did you mean ${close.map((c) => `\`${c}\``).join(', ')}?` : ''}` });
    }
    await ack({ response_type: 'ephemeral', text: `Checking \`${parsed.service}\`… the findings will be posted in this channel.` });
    await rt.engine.start({ service: parsed.service, trigger: 'slash-command', channel: command.channel_id, requester: command.user_id });
  });
}
