import ccxt from 'ccxt';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VirtualTime, watchUnhandledRejections } from './testing/loopback.ts';
import { ExchangeError } from './types.ts';
import { defaultBudgetTarget, parseRetryAfter, requestWeight, WeightBudgetRegistry, type BudgetTarget } from './weightBudget.ts';

let rejections: ReturnType<typeof watchUnhandledRejections>;
beforeEach(() => {
  rejections = watchUnhandledRejections();
});
afterEach(async () => {
  await new Promise((resolve) => setImmediate(resolve));
  rejections.stop();
  expect(rejections.seen).toEqual([]);
});

const SPOT = 'https://api.binance.com/api/v3';

function setup(limit?: number): { time: VirtualTime; budgets: WeightBudgetRegistry; target: BudgetTarget } {
  const time = new VirtualTime();
  const budgets = new WeightBudgetRegistry({
    timing: time,
    ...(limit !== undefined
      ? {
          resolve: (id: string, url: URL) => {
            const t = defaultBudgetTarget(id, url);
            return { ...t, policy: { ...t.policy, limit } };
          },
        }
      : {}),
  });
  return { time, budgets, target: budgets.target('binance', SPOT) };
}

const windowStart = (t: number): number => Math.floor(t / 60_000) * 60_000;

describe('which budget a request draws from', () => {
  it('Binance: one budget per host and weight pool, with the published limits and header', () => {
    const t = (url: string) => defaultBudgetTarget('binance', new URL(url));
    expect(t(SPOT)).toMatchObject({
      key: 'https://api.binance.com|api',
      policy: { limit: 6000, windowMs: 60_000, usedWeightHeader: 'x-mbx-used-weight-1m' },
    });
    expect(t('https://api.binance.com/sapi/v1')).toMatchObject({
      key: 'https://api.binance.com|sapi',
      policy: { limit: 12_000, usedWeightHeader: 'x-sapi-used-ip-weight-1m' },
    });
    expect(t('https://fapi.binance.com/fapi/v1')).toMatchObject({ key: 'https://fapi.binance.com|fapi', policy: { limit: 2400 } });
    expect(t('https://fapi.binance.com/futures/data').key).toBe('https://fapi.binance.com|fapi');
    expect(t('https://dapi.binance.com/futures/data').key).toBe('https://dapi.binance.com|dapi');
    // apiBaseUrl rebases every pool onto one origin: the pools stay apart, keyed by that origin.
    expect(t('http://127.0.0.1:9000/fapi/v1').key).toBe('http://127.0.0.1:9000|fapi');
    expect(defaultBudgetTarget('binanceusdm', new URL('https://fapi.binance.com/fapi/v2')).key).toBe('https://fapi.binance.com|fapi');
  });

  it('Bybit: one request-count bucket per host (600 per 5 s); others a coarse guard', () => {
    expect(defaultBudgetTarget('bybit', new URL('https://api.bybit.com'))).toMatchObject({
      key: 'https://api.bybit.com|ip',
      policy: { limit: 600, windowMs: 5000, weightPerCost: 0 },
    });
    expect(defaultBudgetTarget('okx', new URL('https://www.okx.com'))).toMatchObject({
      key: 'https://www.okx.com|ip',
      policy: { weightPerCost: 0 },
    });
  });

  it("converts ccxt's declared endpoint costs into Binance's documented weights", () => {
    const client = new ccxt.binance();
    const api = client.api as Record<string, Record<string, Record<string, Record<string, unknown>>>>;
    const cost = (group: string, path: string): number =>
      Number(client.calculateRateLimiterCost(group, 'GET', path, { symbol: 'X' }, api[group]?.get?.[path] ?? {}));
    const spot = defaultBudgetTarget('binance', new URL(SPOT)).policy;
    const fapi = defaultBudgetTarget('binance', new URL('https://fapi.binance.com/fapi/v1')).policy;
    // Binance docs: exchangeInfo 20, myTrades 20, ticker/24hr (one symbol) 2; USDⓈ-M userTrades 5, income 30.
    expect(requestWeight(spot, cost('public', 'exchangeInfo'))).toBe(20);
    expect(requestWeight(spot, cost('private', 'myTrades'))).toBe(20);
    expect(requestWeight(spot, cost('public', 'ticker/24hr'))).toBe(2);
    expect(requestWeight(fapi, cost('fapiPrivate', 'userTrades'))).toBe(5);
    expect(requestWeight(fapi, cost('fapiPrivate', 'income'))).toBe(30);
    expect(requestWeight(defaultBudgetTarget('bybit', new URL('https://api.bybit.com')).policy, 5)).toBe(1);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('2', 0)).toBe(2000);
    expect(parseRetryAfter(' 120 ', 0)).toBe(120_000);
    expect(parseRetryAfter('Wed, 25 Nov 2026 12:00:30 GMT', Date.UTC(2026, 10, 25, 12, 0, 0))).toBe(30_000);
    expect(parseRetryAfter('soon', 0)).toBeNull();
    expect(parseRetryAfter(undefined, 0)).toBeNull();
  });
});

describe('a fixed window shared by everyone on the host', () => {
  it('a burst that fits the window goes out at once, none waiting on another', async () => {
    const { time, budgets, target } = setup();
    const started = time.now();
    await Promise.all(Array.from({ length: 100 }, () => budgets.acquire(target, 20, null)));
    expect(time.sleeps).toEqual([]);
    expect(time.now()).toBe(started);
    expect(budgets.snapshot(target.key)?.used).toBe(2000);
  });

  it('a spent window makes requests wait for the next one, in arrival order', async () => {
    const { time, budgets, target } = setup();
    await budgets.acquire(target, 5990, null);
    const order: string[] = [];
    const first = budgets.acquire(target, 20, null).then(() => order.push(`a@${time.now()}`));
    const second = budgets.acquire(target, 5, null).then(() => order.push(`b@${time.now()}`));
    await Promise.all([first, second]);
    const next = windowStart(Date.UTC(2026, 10, 25, 12, 0, 1)) + 60_000;
    expect(order).toEqual([`a@${next}`, `b@${next}`]);
    expect(budgets.snapshot(target.key)?.used).toBe(25);
  });

  it('fails fast with rate_limit and the wait when the next window is past the deadline', async () => {
    const { time, budgets, target } = setup();
    await budgets.acquire(target, 6000, null);
    const error = await budgets.acquire(target, 1, time.now() + 10_000).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExchangeError);
    expect(error).toMatchObject({ kind: 'rate_limit', retryAfterMs: 59_000 });
    expect(time.sleeps).toEqual([]);
  });

  it('a queued request whose deadline passes before its turn is dropped, not charged', async () => {
    const { time, budgets, target } = setup(10);
    await budgets.acquire(target, 10, null);
    await budgets.acquire(target, 10, null).catch(() => undefined);
    // Fits the estimate (next window), but the window after that is needed once the first waiter takes it.
    const waiting = budgets.acquire(target, 10, time.now() + 60_000);
    const late = budgets.acquire(target, 10, time.now() + 61_000).catch((e: unknown) => e);
    expect(await late).toMatchObject({ kind: 'rate_limit' });
    await waiting;
  });

  it('an empty window admits a request heavier than the whole limit', async () => {
    const { budgets, target } = setup(10);
    await budgets.acquire(target, 50, null);
    expect(budgets.snapshot(target.key)?.used).toBe(50);
  });

  it('X-MBX-USED-WEIGHT-1M raises the local count (other processes on the IP spend too)', async () => {
    const { time, budgets, target } = setup();
    await budgets.acquire(target, 2, null);
    budgets.observe(target, 200, { 'X-Mbx-Used-Weight-1m': '5999' }, time.now());
    expect(budgets.snapshot(target.key)?.used).toBe(5999);
    const grantedAt = await budgets.acquire(target, 2, null).then(() => time.now());
    expect(grantedAt).toBe(windowStart(Date.UTC(2026, 10, 25, 12, 0, 1)) + 60_000);
    // A lower report never lowers the count: requests still in flight are not in it yet.
    budgets.observe(target, 200, { 'x-mbx-used-weight-1m': '0' }, time.now());
    expect(budgets.snapshot(target.key)?.used).toBe(2);
  });

  it('a report about an earlier window does not spill into the current one', async () => {
    const { time, budgets, target } = setup();
    const sentAt = time.now();
    time.advance(60_000);
    budgets.observe(target, 200, { 'x-mbx-used-weight-1m': '5000' }, sentAt);
    expect(budgets.snapshot(target.key)?.used).toBe(0);
  });

  /** A host that answered `status` with `headers`: what a read that must go out within `withinMs` is refused with. */
  const refusal = async (s: ReturnType<typeof setup>, status: number, headers: Record<string, string>, withinMs: number) => {
    s.budgets.observe(s.target, status, headers, s.time.now());
    return s.budgets.acquire(s.target, 1, s.time.now() + withinMs).catch((e: unknown) => e);
  };

  it('429 with Retry-After pauses the host that long; without, for the rest of the window', async () => {
    const s = setup();
    // The exchange refused: a rate limit of the exchange's, not a read this budget held back.
    expect(await refusal(s, 429, { 'Retry-After': '3' }, 1000)).toMatchObject({
      kind: 'rate_limit',
      retryAfterMs: 3000,
      isHeldBack: false,
    });
    const t0 = s.time.now();
    await s.budgets.acquire(s.target, 1, null);
    expect(s.time.now()).toBe(t0 + 3000);
    expect(await refusal(setup(), 429, {}, 30_000)).toMatchObject({ kind: 'rate_limit', retryAfterMs: 59_000, isHeldBack: false });
  });

  it('418 bans the host for Retry-After (2 minutes when absent)', async () => {
    expect(await refusal(setup(), 418, { 'retry-after': '600' }, 15_000)).toMatchObject({
      kind: 'rate_limit',
      retryAfterMs: 600_000,
      isHeldBack: false,
    });
    expect(await refusal(setup(), 418, {}, 0)).toMatchObject({ retryAfterMs: 120_000 });
  });

  it('reads stop at the control reserve; a cancel then goes out at once, ahead of every queued read', async () => {
    const { time, budgets, target } = setup(100);
    const started = time.now();
    // 100 reads of weight 1: 80 go now, 20 wait for the next window (the last 20 % is kept for control).
    const reads = Array.from({ length: 100 }, () => budgets.acquire(target, 1, null).then(() => time.now()));
    expect(budgets.snapshot(target.key)).toMatchObject({ used: 80, queued: 20 });
    const cancel = budgets.acquire(target, 5, null, 'control').then(() => time.now());
    expect(budgets.snapshot(target.key)).toMatchObject({ used: 85, queued: 20 });
    expect(await cancel).toBe(started);
    const grantedAt = await Promise.all(reads);
    expect(grantedAt.filter((t) => t === started)).toHaveLength(80);
    expect(grantedAt.filter((t) => t > started)).toHaveLength(20);
  });

  it('a control request waiting for the next window is served before reads that queued earlier', async () => {
    const { time, budgets, target } = setup(10);
    await budgets.acquire(target, 10, null, 'control');
    const order: string[] = [];
    const read = budgets.acquire(target, 8, null).then(() => order.push('read'));
    const cancel = budgets.acquire(target, 5, null, 'control').then(() => order.push('cancel'));
    await Promise.all([read, cancel]);
    // The window after: the cancel first (5), then the read does not fit under the read cap (8) and waits once more.
    expect(order).toEqual(['cancel', 'read']);
    expect(time.now()).toBeGreaterThan(windowStart(Date.UTC(2026, 10, 25, 12, 0, 1)) + 60_000);
  });

  it('never grants more than the limit in one window, and grants every request eventually (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ weight: fc.integer({ min: 1, max: 40 }), gapMs: fc.integer({ min: 0, max: 30_000 }) }), {
          minLength: 1,
          maxLength: 60,
        }),
        async (requests) => {
          const { time, budgets, target } = setup(100);
          const grants: { at: number; weight: number }[] = [];
          const pending: Promise<unknown>[] = [];
          for (const r of requests) {
            time.advance(r.gapMs);
            pending.push(budgets.acquire(target, r.weight, null).then(() => grants.push({ at: time.now(), weight: r.weight })));
            // Let grants due now be recorded at this virtual time, before the clock moves on.
            await new Promise((resolve) => setImmediate(resolve));
          }
          await Promise.all(pending);
          const perWindow = new Map<number, number>();
          for (const g of grants) perWindow.set(windowStart(g.at), (perWindow.get(windowStart(g.at)) ?? 0) + g.weight);
          expect(grants).toHaveLength(requests.length);
          for (const total of perWindow.values()) expect(total).toBeLessThanOrEqual(100);
        },
      ),
      { numRuns: 60 },
    );
  });
});
