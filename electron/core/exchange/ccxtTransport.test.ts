import { describe, expect, it } from 'vitest';
import { ClientBucket } from './ccxtTransport.ts';

/** A bucket on a clock that only moves when the bucket sleeps or the test says so; records each sleep. */
function rig(rateLimitMs: number) {
  let now = 0;
  const sleeps: number[] = [];
  const bucket = new ClientBucket(
    rateLimitMs,
    () => now,
    async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
  );
  return {
    bucket,
    sleeps,
    idle: (ms: number) => void (now += ms),
    now: () => now,
  };
}

describe('ClientBucket (a per-account exchange limit, as ccxt means it)', () => {
  it('spaces requests sent back to back by their cost', async () => {
    const r = rig(20);
    // a Bybit ticker costs 5: the first goes at once, the next two 100 ms apart
    const at: number[] = [];
    await Promise.all([1, 2, 3].map(() => r.bucket.take(5).then(() => at.push(r.now()))));
    expect(at).toEqual([0, 100, 200]);
  });

  it('counts the time a client sat idle, so a read after a pause does not wait (ccxt issue #25556)', async () => {
    const r = rig(20);
    await r.bucket.take(5);
    r.idle(2_000); // a market maker's next quote, 2 s later
    const before = r.sleeps.length;
    await r.bucket.take(5);
    expect(r.sleeps.length).toBe(before); // ccxt's own throttler waits ~100 ms here, after any pause
    // the refill is capped (capacity 1): a long pause does not buy a burst
    r.idle(60_000);
    await r.bucket.take(5);
    await r.bucket.take(5);
    expect(r.sleeps.reduce((a, b) => a + b, 0)).toBeCloseTo(80, 6);
  });

  it('lets requests go in the order they asked', async () => {
    const r = rig(10);
    const order: string[] = [];
    await Promise.all([
      r.bucket.take(3).then(() => order.push('cancel')),
      r.bucket.take(1).then(() => order.push('read')),
      r.bucket.take(2).then(() => order.push('order')),
    ]);
    expect(order).toEqual(['cancel', 'read', 'order']);
  });
});
