/**
 * A provider could not collect its layer: the message is the "not checked: <reason>" the report
 * shows. Never carries a cookie value or a secret.
 */
export class ProviderError extends Error {
  override readonly name = 'ProviderError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Runs `work` with a deadline; on expiry rejects with a {@link ProviderError} naming what timed out. */
export async function withTimeout<T>(what: string, ms: number, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ctl = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      ctl.abort();
      reject(new ProviderError(`${what} timed out after ${ms} ms`));
    }, ms);
  });
  try {
    return await Promise.race([work(ctl.signal), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
