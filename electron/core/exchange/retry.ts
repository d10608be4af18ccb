/**
 * Retries for exchange calls: exponential backoff with full jitter (AWS's "full jitter": a uniform
 * delay in [0, min(cap, base·2^n))), bounded by attempts and by one deadline for the whole call, and
 * never shorter than what the exchange asked for in `Retry-After`. What may be retried is decided by
 * the caller's `classify` (a read may be retried; an order placement may not — see ccxtSession.ts).
 */
import { ExchangeError } from './types.ts';

export interface RetryPolicy {
  /** Attempts per call, the first included. */
  maxAttempts: number;
  /** Backoff base, ms: the n-th retry waits uniformly in [0, min(maxDelayMs, baseDelayMs·2^(n−1))). */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Everything one call may take — attempts, backoff, budget waits — ms. */
  deadlineMs: number;
  now(): number;
  sleep(ms: number): Promise<void>;
  /** Uniform in [0, 1). */
  random(): number;
}

/**
 * Four attempts, 250 ms base, 4 s cap. The 9 s deadline stays under PortfolioSync's shortest
 * per-instance timeout (10 s), so sync receives the call's own classified error (a `rate_limit` with
 * its `retryAfterMs`, an `auth`) rather than a generic "sync took too long".
 */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 4,
  baseDelayMs: 250,
  maxDelayMs: 4000,
  deadlineMs: 9000,
  now: () => Date.now(),
  sleep: (ms) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
  random: () => Math.random(),
};

/** How the caller judged one failure. */
export interface Failure {
  /** What the call throws if it stops here. */
  error: ExchangeError;
  /** Transient and safe to repeat (an idempotent read after a network error, timeout, 429, 5xx, bad body). */
  isRetryable: boolean;
  /** The exchange rejected the request's timestamp (Binance -1021): resync the clock and try once more, even for an order. */
  isClockSkew: boolean;
}

export interface RetryOptions {
  policy: RetryPolicy;
  classify(error: unknown): Failure;
  /** Re-measures the offset to the exchange's clock (ccxt `loadTimeDifference`); called at most once per call. */
  resyncClock?: (deadline: number) => Promise<void>;
  /** Told of every failure that is retried (or resynced), so faults absorbed by a retry still show in health. */
  onRetry?: (error: ExchangeError) => void;
}

/** The wait before retry number `retry` (1 = first retry): full jitter over an exponential ceiling. */
export function backoffDelay(policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs' | 'random'>, retry: number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.floor(policy.random() * ceiling);
}

/**
 * Runs `attempt` until it succeeds, fails in a way that must not be repeated, runs out of attempts, or
 * would run past the deadline. Each attempt is raced against the time left, so a request whose body
 * never ends cannot hold the call past its deadline (the abandoned attempt settles quietly later).
 */
export async function withRetry<T>(attempt: (deadline: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const { policy, classify } = options;
  const deadline = policy.now() + policy.deadlineMs;
  let hasResynced = false;
  for (let n = 1; ; n++) {
    try {
      return await raceDeadline(() => attempt(deadline), deadline, policy);
    } catch (raw) {
      const failure = classify(raw);
      if (failure.isClockSkew) {
        if (hasResynced || !options.resyncClock) {
          throw new ExchangeError(
            'exchange',
            `${failure.error.message} (the exchange still rejects our timestamp after resyncing the clock offset)`,
            null,
          );
        }
        hasResynced = true;
        options.onRetry?.(failure.error);
        await raceDeadline(() => options.resyncClock?.(deadline) ?? Promise.resolve(), deadline, policy).catch((error: unknown) => {
          throw classify(error).error;
        });
        continue;
      }
      if (!failure.isRetryable) throw failure.error;
      const error = failure.error;
      if (n >= policy.maxAttempts) throw annotate(error, `gave up after ${n} attempts`);
      const wait = Math.max(backoffDelay(policy, n), error.retryAfterMs ?? 0);
      const left = deadline - policy.now();
      // A long Retry-After (a 418 ban) is not slept through: the caller gets it and backs off itself.
      if (wait >= left) throw annotate(error, `not retried: the next attempt (in ${wait} ms) would pass the call's deadline`);
      options.onRetry?.(error);
      await policy.sleep(wait);
    }
  }
}

function annotate(error: ExchangeError, note: string): ExchangeError {
  return new ExchangeError(error.kind, `${error.message} (${note})`, error.retryAfterMs, { isHeldBack: error.isHeldBack });
}

async function raceDeadline<T>(run: () => Promise<T>, deadline: number, policy: RetryPolicy): Promise<T> {
  const left = deadline - policy.now();
  if (left <= 0) throw new ExchangeError('timeout', `the call's deadline passed before the request was sent`);
  const work = run();
  // If the deadline wins, the abandoned attempt still settles later: never as an unhandled rejection.
  work.catch(() => undefined);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ExchangeError('timeout', `no answer within the call's deadline (${policy.deadlineMs} ms)`)), left);
    timer.unref?.();
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}
