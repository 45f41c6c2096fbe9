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

const THROTTLED = /^(Throttling|ThrottlingException|TooManyRequestsException|RequestLimitExceeded|ProvisionedThroughputExceededException|RequestThrottled|SlowDown|LimitExceededException)$/;
const SERVER = /^(InternalServerError|InternalFailure|InternalError|ServiceUnavailable|ServiceUnavailableException|InternalServerErrorException|TimeoutError|RequestTimeout|RequestTimeoutException|TransactionConflictException)$/;
const NETWORK = /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EAI_AGAIN|UND_ERR_CONNECT_TIMEOUT|UND_ERR_HEADERS_TIMEOUT|UND_ERR_SOCKET|ECONNABORTED)$/;

type Described = { name?: string; code?: string; statusCode?: number; $retryable?: unknown; $metadata?: { httpStatusCode?: number }; data?: { error?: string }; original?: { code?: string } };

/**
 * Whether an error from AWS, Slack, the Kubernetes API or the network is worth retrying:
 * throttling, HTTP 429 and 5xx, timeouts and connection failures. A denial, a validation error
 * or a missing resource is not.
 */
export function isTransient(e: unknown): boolean {
  if (e instanceof TransientError) return true;
  const d = (e ?? {}) as Described;
  if (d.name && (THROTTLED.test(d.name) || SERVER.test(d.name))) return true;
  if (d.$retryable) return true;
  const status = d.$metadata?.httpStatusCode ?? d.statusCode;
  if (status !== undefined && (status === 429 || status >= 500)) return true;
  if (d.code === 'slack_webapi_rate_limited_error' || d.code === 'slack_webapi_request_error') return true;
  if (d.code === 'slack_webapi_http_error' && (d.statusCode ?? 0) >= 500) return true;
  if (d.code && NETWORK.test(d.code)) return true;
  if (d.original?.code && NETWORK.test(d.original.code)) return true;
  return /timed out|socket hang up|fetch failed/i.test((e as Error)?.message ?? '');
}

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
