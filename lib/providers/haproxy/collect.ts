import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import { EvidenceParseError } from '../../evidence/errors.ts';
import type { HaproxyLocationSchema } from '../../evidence/service.ts';
import { decodeText } from '../../evidence/text.ts';
import { ProviderError } from '../errors.ts';
import { runtimeCommand } from './runtime-api.ts';

export type HaproxyLocation = z.infer<typeof HaproxyLocationSchema>;

/**
 * Collects one HAProxy instance: its configuration file and, when a Runtime API address is
 * given, `show servers state` (who is down or in maintenance now) and `show stat` (how often
 * each server was marked down and when it last changed state). A config that cannot be read, or
 * is not UTF-8, fails the instance; a Runtime API that does not answer only loses what it would
 * have told (returned in `notes`).
 */
export async function collectHaproxy(h: HaproxyLocation, timeoutMs: number): Promise<{ files: Record<string, string>; notes: string[] }> {
  const files: Record<string, string> = {};
  const notes: string[] = [];
  let bytes: Buffer;
  try {
    bytes = await readFile(h.config);
  } catch (e) {
    throw new ProviderError(`cannot read ${h.config} (${(e as NodeJS.ErrnoException).code ?? 'error'})`, { cause: e });
  }
  try {
    files[`haproxy/${h.name}.cfg`] = decodeText(bytes);
  } catch (e) {
    if (!(e instanceof EvidenceParseError)) throw e;
    throw new ProviderError(`cannot read ${h.config}:${e.line}: ${e.message}`, { cause: e });
  }
  if (h.runtime) {
    const [state, stat] = await Promise.allSettled([
      runtimeCommand(h.runtime, 'show servers state', timeoutMs),
      runtimeCommand(h.runtime, 'show stat', timeoutMs),
    ]);
    if (state.status === 'fulfilled') files[`haproxy/${h.name}.servers-state`] = state.value;
    else notes.push(`haproxy ${h.name}: server states not collected: ${(state.reason as Error).message}`);
    if (stat.status === 'fulfilled') files[`haproxy/${h.name}.stat`] = stat.value;
    else if (state.status === 'fulfilled') notes.push(`haproxy ${h.name}: check counters (show stat) not collected: ${(stat.reason as Error).message}`);
  }
  return { files, notes };
}
