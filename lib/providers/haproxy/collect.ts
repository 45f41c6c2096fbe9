import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import type { HaproxyLocationSchema } from '../../evidence/service.ts';
import { ProviderError } from '../errors.ts';
import { runtimeCommand } from './runtime-api.ts';

export type HaproxyLocation = z.infer<typeof HaproxyLocationSchema>;

/**
 * Collects one HAProxy instance: its configuration file and, when a Runtime API address is
 * given, `show servers state`. A config that cannot be read fails the instance; a Runtime API
 * that does not answer only loses the server states (returned in `notes`).
 */
export async function collectHaproxy(h: HaproxyLocation, timeoutMs: number): Promise<{ files: Record<string, string>; notes: string[] }> {
  const files: Record<string, string> = {};
  const notes: string[] = [];
  try {
    files[`haproxy/${h.name}.cfg`] = await readFile(h.config, 'utf8');
  } catch (e) {
    throw new ProviderError(`cannot read ${h.config} (${(e as NodeJS.ErrnoException).code ?? 'error'})`, { cause: e });
  }
  if (h.runtime) {
    try {
      files[`haproxy/${h.name}.servers-state`] = await runtimeCommand(h.runtime, 'show servers state', timeoutMs);
    } catch (e) {
      notes.push(`haproxy ${h.name}: server states not collected: ${(e as Error).message}`);
    }
  }
  return { files, notes };
}
