/**
 * A failure worth trying again: throttling, a 5xx, a timeout, a connection reset. Its name is the
 * error name the state machine's Retry matches (`Sticky.Transient`); everything else a step
 * throws is caught into a recorded terminal state instead of being retried.
 */
export class TransientError extends Error {
  override readonly name = 'Sticky.Transient';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export { isTransient } from '../providers/errors.ts';
import { isTransient } from '../providers/errors.ts';

type Described = { name?: string; code?: string; statusCode?: number; data?: { error?: string } };

/** Rethrows a transient failure as a {@link TransientError} (so the runbook retries it), anything else as it is. */
export function classify(e: unknown, what: string): Error {
  if (e instanceof TransientError) return e;
  if (isTransient(e)) return new TransientError(`${what}: ${describeError(e)}`, { cause: e });
  return e instanceof Error ? e : new Error(`${what}: ${String(e)}`);
}

/** A short description of any error for a person: its name or Slack/AWS code and message, no stack. */
export function describeError(e: unknown): string {
  const d = (e ?? {}) as Described & { message?: string };
  const code = d.data?.error ?? (d.name && d.name !== 'Error' && !d.name.startsWith('Sticky.') ? d.name : d.code);
  const msg = (d.message ?? String(e)).replace(/\s+/g, ' ').slice(0, 300);
  return code && !msg.includes(code) ? `${code}: ${msg}` : msg;
}

/** Runs `work` with a deadline; on expiry rejects with a {@link TransientError} naming what took too long. */
export async function deadline<T>(what: string, ms: number, work: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new TransientError(`${what} did not answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
