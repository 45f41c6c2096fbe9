import { ProviderError } from '../errors.ts';

/** Time source and sleep, injectable so tests can run rate limits and back-offs in virtual time. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** The wall clock. */
export const realClock: Clock = { now: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) };

/**
 * A token bucket shared by every call to one API in one account and region: `burst` calls at
 * once, then `perSecond`. ELB's Describe calls refill at about 10 per second per account and
 * region, shared with every other tool using the account, so Sticky stays under it however many
 * target groups a service has.
 */
export class RateLimiter {
  private tokens: number;
  private last: number;
  private queue: Promise<void> = Promise.resolve();
  private readonly perSecond: number;
  private readonly burst: number;
  private readonly clock: Clock;
  constructor(perSecond: number, burst: number, clock: Clock = realClock) {
    this.perSecond = perSecond;
    this.burst = burst;
    this.clock = clock;
    this.tokens = burst;
    this.last = clock.now();
  }

  /** Waits for a token. Calls are served in order. */
  take(): Promise<void> {
    const turn = this.queue.then(async () => {
      for (;;) {
        const now = this.clock.now();
        this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.perSecond);
        this.last = now;
        if (this.tokens >= 1) {
          this.tokens -= 1;
          return;
        }
        await this.clock.sleep(Math.ceil(((1 - this.tokens) / this.perSecond) * 1000));
      }
    });
    this.queue = turn;
    return turn;
  }
}

const THROTTLED = /^(Throttling|ThrottlingException|TooManyRequestsException|RequestLimitExceeded|SlowDown|PriorRequestNotComplete)$/;
const DENIED = /^(AccessDenied|AccessDeniedException|UnauthorizedOperation|UnrecognizedClientException|InvalidClientTokenId|ExpiredToken)$/;

/** Whether an AWS error means the caller lacks a permission (or valid credentials). */
export const isDenied = (e: unknown): boolean => DENIED.test((e as { name?: string }).name ?? '');

/**
 * Calls one AWS API operation through the limiter, retrying throttling with exponential
 * back-off and jitter (on top of the SDK's standard retry mode), and turns a missing permission
 * into a {@link ProviderError} that names it: `missing permission elasticloadbalancing:DescribeTargetHealth`.
 */
export async function awsCall<T>(service: string, operation: string, limiter: RateLimiter, fn: () => Promise<T>, clock: Clock = realClock, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    await limiter.take();
    try {
      return await fn();
    } catch (e) {
      const name = (e as { name?: string }).name ?? '';
      if (isDenied(e)) throw new ProviderError(`missing permission ${service}:${operation}`, { cause: e });
      if (THROTTLED.test(name) && attempt < attempts) {
        await clock.sleep(Math.min(10_000, 200 * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2));
        continue;
      }
      throw new ProviderError(`${service}:${operation} failed: ${name || 'error'}${(e as Error).message ? ` (${(e as Error).message.slice(0, 200)})` : ''}`, { cause: e });
    }
  }
}

/** Runs `fn` over items with at most `limit` in flight, keeping the input order in the result. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Splits a list into batches (DescribeTags takes 20 ARNs, DescribeLoadBalancers 20). */
export function batches<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Drops the SDK's `$metadata` so a response has the AWS CLI's output shape. */
export function cliShape<T extends object>(o: T): Omit<T, '$metadata'> {
  const { $metadata: _, ...rest } = o as T & { $metadata?: unknown };
  return rest;
}
