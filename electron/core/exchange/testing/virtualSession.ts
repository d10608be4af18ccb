/**
 * Test support for ccxt sessions against loopback servers on virtual time: each test gets a fresh
 * clock and weight budget registry; after it, what it opened is closed (last first) and no promise was
 * left rejected unhandled.
 */
import { afterEach, beforeEach, expect } from 'vitest';
import { createCcxtSession, type CcxtSessionOptions } from '../ccxtSession.ts';
import type { ExchangeSession } from '../types.ts';
import { WeightBudgetRegistry } from '../weightBudget.ts';
import { VirtualTime, watchUnhandledRejections } from './loopback.ts';

export interface VirtualSessions {
  /** This test's clock. */
  readonly time: VirtualTime;
  /** This test's budgets, on `time`. */
  readonly budgets: WeightBudgetRegistry;
  /** Runs `fn` after the test, before what was deferred earlier. */
  defer(fn: () => Promise<void> | void): void;
  /** A Binance session with test keys on `url`, retrying on `time` with no jitter, closed after the test. */
  session(url: string, options: Partial<CcxtSessionOptions> & { timeoutMs: number }): ExchangeSession;
}

/**
 * Call once at a test file's top level: after each test, what it deferred is closed (last first), then
 * `settleMs` of real time lets abandoned attempts settle, and no promise may have been left rejected unhandled.
 */
export function closeAfterEach(settleMs = 0): (fn: () => Promise<void> | void) => void {
  let cleanups: (() => Promise<void> | void)[] = [];
  let rejections: ReturnType<typeof watchUnhandledRejections>;
  beforeEach(() => {
    rejections = watchUnhandledRejections();
  });
  afterEach(async () => {
    for (const fn of cleanups.reverse()) await fn();
    cleanups = [];
    if (settleMs > 0) await new Promise((resolve) => setTimeout(resolve, settleMs));
    rejections.stop();
    expect(rejections.seen).toEqual([]);
  });
  return (fn) => {
    cleanups.push(fn);
  };
}

/** Call once at a test file's top level (see `closeAfterEach` for `settleMs`). */
export function virtualSessions(settleMs: number): VirtualSessions {
  const defer = closeAfterEach(settleMs);
  let time = new VirtualTime();
  let budgets = new WeightBudgetRegistry({ timing: time });
  beforeEach(() => {
    time = new VirtualTime();
    budgets = new WeightBudgetRegistry({ timing: time });
  });
  return {
    get time() {
      return time;
    },
    get budgets() {
      return budgets;
    },
    defer,
    session(url, options) {
      const { retry, ...rest } = options;
      const s = createCcxtSession({
        account: { id: 'acc', exchange: 'binance', apiBaseUrl: url },
        credentials: { apiKey: 'test-key-123', secret: 'test-secret-456' },
        symbols: ['BTC/USDT'],
        budgets,
        ...rest,
        retry: { now: time.now, sleep: time.sleep, random: () => 0.5, ...retry },
      });
      defer(() => s.close());
      return s;
    },
  };
}

/** Binance spot's 24 h ticker for BTCUSDT: bid 100, ask 101, last 100.50. */
export const binanceTicker = (closeTime: number): object => ({
  symbol: 'BTCUSDT',
  lastPrice: '100.50',
  bidPrice: '100.00',
  askPrice: '101.00',
  openPrice: '99',
  highPrice: '102',
  lowPrice: '98',
  volume: '10',
  quoteVolume: '1000',
  openTime: 1,
  closeTime,
  count: 2,
});
