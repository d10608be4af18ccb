/**
 * Sync rules that need exact control of what the exchange returns: an in-process ExchangeSession
 * (the testing implementation of the interface) with a real SQLite ledger.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.ts';
import type { ExchangeSession, Fill, MarketRules, OpenOrder, Quote } from '../exchange/types.ts';
import { Host } from '../host/host.ts';
import { silentLogger } from '../log.ts';
import { parseWorkspace } from '../workspace/workspace.ts';

/** An exchange account held in memory: fills appear when the test says so, at whatever time it says. */
class MemorySession implements ExchangeSession {
  readonly exchangeId = 'binance';
  readonly accountId = 'mem';
  fills: Fill[] = [];
  prices = new Map<string, number>();
  requests: string[] = [];
  async loadMarkets(): Promise<void> {}
  market(symbol: string): MarketRules {
    return { symbol, base: 'BTC', quote: 'USDT', tickSize: 0.01, stepSize: 0.00001, minAmount: 0.00001, minNotional: 5 };
  }
  fillWindowMs(): number | null {
    return 86_400_000;
  }
  async fetchFills(symbol: string, since: number, limit: number, until: number | null): Promise<Fill[]> {
    this.requests.push(`fills ${since}..${until ?? 'now'}`);
    if (until !== null && until - since >= 86_400_000) throw new Error('window over 24 h');
    return this.fills
      .filter((f) => f.symbol === symbol && f.timestamp >= since && (until === null || f.timestamp <= until))
      .slice(0, limit);
  }
  async fetchQuote(symbol: string): Promise<Quote> {
    return { symbol, bid: 100, ask: 100, last: 100, timestamp: 0 };
  }
  async fetchFunding() {
    return [];
  }
  async fetchFundingRate(symbol: string) {
    return { symbol, rate: 0, nextFundingTime: null, markPrice: null, indexPrice: null, intervalMs: null };
  }
  async fetchPositions() {
    return [];
  }
  async fetchOpenOrders(): Promise<OpenOrder[]> {
    return [];
  }
  async createOrder(): Promise<OpenOrder> {
    throw new Error('observe only');
  }
  async cancelOrder(): Promise<void> {}
  async close(): Promise<void> {}
  async fetchPriceAt(asset: string, quote: string, ts: number): Promise<number | null> {
    this.requests.push(`price ${asset}/${quote}`);
    return this.prices.get(`${asset}/${quote}@${Math.floor(ts / 60_000)}`) ?? null;
  }
}

const DAY = 86_400_000;
const fill = (id: string, ts: number, side: 'buy' | 'sell', price: number, fees: Fill['fees'] = []): Fill => ({
  id,
  orderId: null,
  symbol: 'BTC/USDT',
  side,
  price,
  amount: 1,
  cost: price,
  fees,
  timestamp: ts,
  isMaker: true,
});

function setup(startTime: number, clock: ManualClock) {
  const session = new MemorySession();
  const host = new Host({
    workspace: parseWorkspace({
      version: 2,
      syncIntervalMs: 5000,
      accounts: [{ id: 'mem', exchange: 'binance' }],
      instances: [
        {
          id: 'obs',
          type: 'fixed_spread',
          account: 'mem',
          mode: 'observe',
          symbols: ['BTC/USDT'],
          startTime: new Date(startTime).toISOString(),
        },
      ],
    }),
    dataDir: mkdtempSync(join(tmpdir(), 'sync-')),
    clock,
    log: silentLogger,
    sessionFactory: () => session,
  });
  host.start(); // the manual clock never fires its timers: only the test's syncNow() syncs
  return { session, host, metrics: () => host.snapshot().strategies[0]!.metrics };
}

describe('incremental sync', () => {
  it('after the app was closed for days, the fills of those days appear once, read window by window', async () => {
    const now = Date.UTC(2026, 10, 25, 12);
    const clock = new ManualClock(now);
    const { session, host, metrics } = setup(now - 4 * DAY, clock);
    session.fills = [
      fill('1', now - 4 * DAY + 1000, 'buy', 100),
      fill('2', now - 2.5 * DAY, 'sell', 110),
      fill('3', now - 3600_000, 'buy', 105),
    ];
    await host.sync.syncNow();
    expect(metrics().tradeCount).toBe(3);
    expect(metrics().realizedPnl).toBeCloseTo(10, 10);
    // Every request stayed inside Binance spot's 24-hour window.
    expect(session.requests.filter((r) => r.startsWith('fills')).length).toBeGreaterThanOrEqual(4);
    await host.sync.syncNow();
    expect(metrics().tradeCount).toBe(3); // the overlap re-reads, the dedupe keeps them once
    expect(host.ledger.countFills()).toBe(3);
    await host.close();
  });

  it('a fill that arrives late (older than what was folded) refolds the instance from its point', async () => {
    const now = Date.UTC(2026, 10, 25, 12);
    const clock = new ManualClock(now);
    const { session, host, metrics } = setup(now - 3600_000, clock);
    session.fills = [fill('10', now - 60_000, 'buy', 100), fill('12', now - 30_000, 'sell', 120)];
    await host.sync.syncNow();
    expect(metrics().realizedPnl).toBeCloseTo(20, 10);
    // The exchange now shows a fill from before the last one (indexed a few seconds late, within
    // the sync's overlap): a buy at 90 between the two.
    session.fills.push(fill('11', now - 33_000, 'buy', 90));
    session.fills.sort((a, b) => a.timestamp - b.timestamp);
    await clock.advance(1000);
    await host.sync.syncNow();
    // In time order: buy 100, buy 90 (avg 95), sell 120 → realized 25, one long of 1 left.
    expect(metrics().tradeCount).toBe(3);
    expect(metrics().realizedPnl).toBeCloseTo(25, 10);
    expect(metrics().positions['BTC/USDT']).toBe(1);
    await host.close();
  });

  it('a fee in a third asset is valued at its price at the fill time, stored with the fill', async () => {
    const now = Date.UTC(2026, 10, 25, 12);
    const clock = new ManualClock(now);
    const { session, host, metrics } = setup(now - 3600_000, clock);
    const t = now - 120_000;
    session.prices.set(`BNB/USDT@${Math.floor(t / 60_000)}`, 600);
    session.fills = [
      fill('1', t, 'buy', 100, [{ currency: 'BNB', amount: 0.0001 }]),
      fill('2', t + 1, 'sell', 100, [{ currency: 'XYZ', amount: 2 }]),
    ];
    await host.sync.syncNow();
    expect(metrics().fees).toBeCloseTo(0.06, 10); // 0.0001 BNB × 600 USDT
    expect(metrics().unpricedFees).toEqual({ XYZ: 2 }); // no XYZ/USDT market: shown, never guessed
    const stored = host.ledger.fillsFor('obs')[0]?.fees[0];
    expect(stored).toMatchObject({ currency: 'BNB', amount: 0.0001 });
    expect(stored?.quoteValue).toBeCloseTo(0.06, 12);
    await host.close();
  });
});
