import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backoffDelay, DEFAULT_RETRY_POLICY, withRetry, type Failure, type RetryPolicy } from './retry.ts';
import { VirtualTime, watchUnhandledRejections } from './testing/loopback.ts';
import { ExchangeError } from './types.ts';

let rejections: ReturnType<typeof watchUnhandledRejections>;
beforeEach(() => {
  rejections = watchUnhandledRejections();
});
afterEach(async () => {
  await new Promise((resolve) => setTimeout(resolve, 20));
  rejections.stop();
  expect(rejections.seen).toEqual([]);
});

function policy(time: VirtualTime, overrides: Partial<RetryPolicy> = {}): RetryPolicy {
  return { ...DEFAULT_RETRY_POLICY, now: time.now, sleep: time.sleep, random: () => 0.5, ...overrides };
}

const transient = (retryAfterMs: number | null = null): Failure => ({
  error: new ExchangeError('network', 'boom', retryAfterMs),
  isRetryable: true,
  isClockSkew: false,
});
const classifyAs = (f: Failure) => (): Failure => f;

/** An operation that always rejects with `message`, counting how often it was tried. */
function alwaysFailing(message: string): { run: () => Promise<never>; calls: () => number } {
  let calls = 0;
  return {
    run: () => {
      calls++;
      return Promise.reject(new Error(message));
    },
    calls: () => calls,
  };
}

describe('backoff', () => {
  it('is uniform below an exponential ceiling that stops at maxDelayMs (full jitter)', () => {
    const p = { baseDelayMs: 100, maxDelayMs: 1000 };
    expect(backoffDelay({ ...p, random: () => 0 }, 1)).toBe(0);
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay({ ...p, random: () => 0.999999 }, n))).toEqual([99, 199, 399, 799, 999, 999]);
  });
});

describe('withRetry', () => {
  it('retries a transient failure after the backoff and returns the success', async () => {
    const time = new VirtualTime();
    let calls = 0;
    const result = await withRetry(
      () => {
        calls++;
        return calls < 3 ? Promise.reject(new Error('flaky')) : Promise.resolve('ok');
      },
      { policy: policy(time), classify: classifyAs(transient()) },
    );
    expect(result).toBe('ok');
    expect(calls).toBe(3);
    expect(time.sleeps).toEqual([125, 250]);
  });

  it('stops at once on a failure that must not be repeated', async () => {
    const time = new VirtualTime();
    const op = alwaysFailing('no');
    const error = await withRetry(op.run, {
      policy: policy(time),
      classify: () => ({ error: new ExchangeError('auth', 'bad key'), isRetryable: false, isClockSkew: false }),
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'auth', message: 'bad key' });
    expect(op.calls()).toBe(1);
    expect(time.sleeps).toEqual([]);
  });

  it('gives up after maxAttempts', async () => {
    const time = new VirtualTime();
    const op = alwaysFailing('down');
    const error = await withRetry(op.run, { policy: policy(time, { maxAttempts: 3 }), classify: classifyAs(transient()) }).catch(
      (e: unknown) => e,
    );
    expect(op.calls()).toBe(3);
    expect((error as ExchangeError).message).toContain('gave up after 3 attempts');
  });

  it('honours Retry-After, and returns it instead of sleeping past the deadline', async () => {
    const time = new VirtualTime();
    let calls = 0;
    await withRetry(() => (++calls === 1 ? Promise.reject(new Error('429')) : Promise.resolve(1)), {
      policy: policy(time),
      classify: classifyAs(transient(3000)),
    });
    expect(time.sleeps).toEqual([3000]);

    const banned = new VirtualTime();
    const error = await withRetry(() => Promise.reject(new Error('418')), {
      policy: policy(banned, { deadlineMs: 15_000 }),
      classify: () => ({ ...transient(), error: new ExchangeError('rate_limit', 'banned', 120_000) }),
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'rate_limit', retryAfterMs: 120_000 });
    expect(banned.sleeps).toEqual([]);
  });

  it('resyncs the clock once on a rejected timestamp, even for a non-idempotent call', async () => {
    const time = new VirtualTime();
    let resyncs = 0;
    let calls = 0;
    const skew: Failure = { error: new ExchangeError('exchange', '-1021'), isRetryable: false, isClockSkew: true };
    const ok = await withRetry(() => (++calls === 1 ? Promise.reject(new Error('-1021')) : Promise.resolve('placed')), {
      policy: policy(time, { maxAttempts: 1 }),
      classify: () => skew,
      resyncClock: async () => void resyncs++,
    });
    expect([ok, calls, resyncs]).toEqual(['placed', 2, 1]);

    calls = 0;
    const error = await withRetry(
      () => {
        calls++;
        return Promise.reject(new Error('-1021'));
      },
      { policy: policy(time), classify: () => skew, resyncClock: async () => void resyncs++ },
    ).catch((e: unknown) => e);
    expect(calls).toBe(2);
    expect(resyncs).toBe(2);
    expect((error as ExchangeError).message).toContain('after resyncing');
  });

  it('an attempt that never settles is cut at the deadline', async () => {
    const started = Date.now();
    const error = await withRetry(() => new Promise<never>(() => undefined), {
      policy: { ...DEFAULT_RETRY_POLICY, deadlineMs: 150 },
      classify: (e) => ({ error: e as ExchangeError, isRetryable: true, isClockSkew: false }),
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'timeout' });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('never exceeds maxAttempts nor the deadline, and never sleeps less than Retry-After (property)', async () => {
    const outcome = fc.record({
      isOk: fc.boolean(),
      isRetryable: fc.boolean(),
      retryAfterMs: fc.option(fc.integer({ min: 0, max: 30_000 }), { nil: null }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(outcome, { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1000, max: 30_000 }),
        fc.double({ min: 0, max: 0.999, noNaN: true }),
        async (outcomes, maxAttempts, deadlineMs, r) => {
          const time = new VirtualTime();
          const start = time.now();
          let n = 0;
          const seen: (typeof outcomes)[number][] = [];
          await withRetry(
            () => {
              const o = outcomes[Math.min(n++, outcomes.length - 1)] as (typeof outcomes)[number];
              seen.push(o);
              return o.isOk ? Promise.resolve() : Promise.reject(o);
            },
            {
              policy: policy(time, { maxAttempts, deadlineMs, random: () => r }),
              classify: (e) => {
                const o = e as (typeof outcomes)[number];
                return { error: new ExchangeError('network', 'x', o.retryAfterMs), isRetryable: o.isRetryable, isClockSkew: false };
              },
            },
          ).catch(() => undefined);
          expect(n).toBeLessThanOrEqual(maxAttempts);
          expect(time.now() - start).toBeLessThan(deadlineMs);
          time.sleeps.forEach((ms, i) => expect(ms).toBeGreaterThanOrEqual(seen[i]?.retryAfterMs ?? 0));
        },
      ),
      { numRuns: 200 },
    );
  });
});
