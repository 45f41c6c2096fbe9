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
  if ((e as { name?: string })?.name === 'Sticky.Transient') return true;
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
