import { z } from 'zod';

/** `/sticky` text, parsed: `check <service>`, `services`, `status`, `help`. */
export const SlashCommandSchema = z.union([
  z.object({ verb: z.literal('check'), service: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'a service name is lower-case letters, digits and dashes') }),
  z.object({ verb: z.enum(['services', 'status', 'help']) }),
]);
export type SlashCommand = z.infer<typeof SlashCommandSchema>;

/** Parses the text after `/sticky`; a bad command is an error message for the user, never an exception. */
export function parseSlashCommand(text: string): SlashCommand | { error: string } {
  const [verb = 'help', ...rest] = text.trim().split(/\s+/).filter(Boolean);
  if (verb === 'check') {
    if (rest.length !== 1) return { error: 'usage: `/sticky check <service>`' };
    const r = SlashCommandSchema.safeParse({ verb, service: rest[0] });
    return r.success ? r.data : { error: r.error.issues[0]!.message };
  }
  const r = SlashCommandSchema.safeParse({ verb });
  return r.success && rest.length === 0 ? r.data : { error: `unknown command "${text.trim()}"; try \`/sticky help\`` };
}

/** The help text of `/sticky help`. */
export const SLASH_HELP = [
  '*Sticky* diagnoses load-balancer sticky-session failures and fixes them with your approval.',
  '`/sticky check <service>`: collect every layer of a catalog service and post the findings and fixes here',
  '`/sticky services`: the services Sticky knows',
  '`/sticky status`: the triages of the last hour',
].join('\n');
