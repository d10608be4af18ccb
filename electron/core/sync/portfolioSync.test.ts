/**
 * Sync rules that need exact control of what the exchange returns: an in-process ExchangeSession
 * (the testing implementation of the interface) with a real SQLite ledger.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../clock.ts';
import { ExchangeError, type ExchangeSession, type Fill, type MarketRules, type OpenOrder, type Quote } from '../exchange/types.ts';
import { Host } from '../host/host.ts';
import { silentLogger } from '../log.ts';
import { PortfolioSync } from './portfolioSync.ts';
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

function setup(startTime: number, clock: ManualClock, options: { session?: MemorySession; start?: boolean; syncIntervalMs?: number } = {}) {
  const session = options.session ?? new MemorySession();
  const host = new Host({
    workspace: parseWorkspace({
      version: 2,
      syncIntervalMs: options.syncIntervalMs ?? 5000,
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
  if (options.start !== false) host.start(); // the manual clock never fires its timers: only the test's syncNow() syncs
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

  it('a round with nothing new asks the ledger for no cursor and no stored fill; a new id inside the overlap is still stored once', async () => {
    const now = Date.UTC(2026, 10, 25, 12);
    const clock = new ManualClock(now);
    const { session, host, metrics } = setup(now - 3600_000, clock);
    session.fills = [fill('1', now - 60_000, 'buy', 100), fill('2', now - 2_000, 'sell', 110)];
    await host.sync.syncNow();
    const cursorReads = vi.spyOn(host.ledger, 'cursor');
    const writes = vi.spyOn(host.ledger, 'appendFills');
    await clock.advance(1000);
    await host.sync.syncNow();
    // Fill 2 was re-read (the overlap) and is known stored: no lookup, no write, the cursor from memory.
    expect(session.requests.at(-1)).toBe(`fills ${now - 2_000 - 5_000}..now`);
    expect(cursorReads).not.toHaveBeenCalled();
    expect(writes).not.toHaveBeenCalled();
    // The exchange indexes a fill of the same millisecond late: a new id in the overlap is written, alone.
    session.fills.push(fill('3', now - 2_000, 'buy', 105));
    await clock.advance(1000);
    await host.sync.syncNow();
    expect(writes).toHaveBeenCalledTimes(1);
    expect(writes.mock.calls[0]?.[0].fills.map((f) => f.fill.id)).toEqual(['3']);
    expect(host.ledger.fillsFor('obs').map((f) => f.id)).toEqual(['1', '2', '3']);
    expect(metrics().tradeCount).toBe(3);
    expect(metrics().realizedPnl).toBeCloseTo(10, 10);
    await host.close();
  });

  it("a read the host's budget held back (nothing sent) is not an error: the health shows the wait and the sync runs when the budget has room", async () => {
    const now = Date.UTC(2026, 10, 25, 12);
    const { clock, session, host, metrics } = await afterFirstSync(now);
    session.fills = [fill('1', now - 60_000, 'buy', 100)];
    session.heldBackFor = 30_000;
    await host.sync.syncNow();
    const health = () => host.snapshot().strategies[0]!.health;
    expect(health().state).not.toBe('error');
    expect(health().lastError).toBeNull();
    expect(health().lastFault).toMatchObject({ kind: 'rate_limit', message: expect.stringContaining('read again in 30 s') });
    expect(host.ledger.countFills()).toBe(0);
    await clock.advance(29_000);
    expect(host.ledger.countFills()).toBe(0);
    await clock.advance(1_000);
    await vi.waitFor(() => expect(host.ledger.countFills()).toBe(1));
    expect(metrics().tradeCount).toBe(1);
    expect(health()).toMatchObject({ state: 'ok', lastError: null });
    await host.close();
  });

  it('a held-back read waiting for room does not run after the app began to quit, nor after its instance was removed', async () => {
    const now = Date.UTC(2026, 10, 25, 12);
    for (const end of ['stop', 'remove'] as const) {
      const { clock, session, host } = await afterFirstSync(now);
      session.heldBackFor = 30_000;
      await host.sync.syncNow();
      const asked = session.requests.length;
      if (end === 'stop') await host.sync.stop();
      else host.sync.remove('obs');
      await clock.advance(60_000);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(session.requests.slice(asked), end).toEqual([]);
      await host.close();
    }
  });

  it('a rate limit the exchange answered (429) is an error, and backs off', async () => {
    const now = Date.UTC(2026, 10, 25, 12);
    const clock = new ManualClock(now);
    const session = new HeldBackSession();
    const { host } = setup(now - 3600_000, clock, { session, syncIntervalMs: 600_000 });
    session.refusedByExchange = true;
    session.heldBackFor = 30_000;
    await host.sync.syncNow();
    expect(host.snapshot().strategies[0]!.health).toMatchObject({ state: 'error', lastError: { kind: 'rate_limit' } });
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

/**
 * A started host on a HeldBackSession whose first sync (on its start timer) has run, with the next timer
 * ten minutes away: within that, only a held-back retry reads again.
 */
async function afterFirstSync(now: number) {
  const clock = new ManualClock(now);
  const session = new HeldBackSession();
  const { host, metrics } = setup(now - 3600_000, clock, { session, syncIntervalMs: 600_000 });
  await clock.advance(0);
  await vi.waitFor(() => expect(host.snapshot().strategies[0]!.health.lastGoodSyncAt).not.toBeNull());
  return { clock, session, host, metrics };
}

/** An account whose next fill read is refused for `heldBackFor` ms: by the host's budget (nothing sent), or by the exchange. */
class HeldBackSession extends MemorySession {
  heldBackFor = 0;
  refusedByExchange = false;
  override async fetchFills(symbol: string, since: number, limit: number, until: number | null): Promise<Fill[]> {
    if (this.heldBackFor > 0) {
      const wait = this.heldBackFor;
      this.heldBackFor = 0;
      throw this.refusedByExchange
        ? new ExchangeError('rate_limit', 'binance 429 Too Many Requests', wait)
        : new ExchangeError('rate_limit', `the request weight budget is spent; next slot in ${wait / 1000}s`, wait, { isHeldBack: true });
    }
    return super.fetchFills(symbol, since, limit, until);
  }
}

/** An account whose fill requests wait until the test opens the gate (a sync caught in flight). */
class GatedSession extends MemorySession {
  #open: (() => void) | null = null;
  #gate: Promise<void> | null = null;
  hold(): void {
    this.#gate = new Promise((resolve) => (this.#open = resolve));
  }
  release(): void {
    this.#open?.();
    this.#gate = null;
  }
  override async fetchFills(symbol: string, since: number, limit: number, until: number | null): Promise<Fill[]> {
    if (this.#gate) await this.#gate;
    return super.fetchFills(symbol, since, limit, until);
  }
}

describe('sync loops', () => {
  const now = Date.UTC(2026, 10, 25, 12);
  /** A sync of its own over the host's instances and ledger; the host's timers are never started. */
  function bareSync(clock: ManualClock, session: MemorySession, onSynced: (changed: string[]) => void) {
    const { host } = setup(now - 3600_000, clock, { session, start: false });
    const sync = new PortfolioSync({
      clock,
      ledger: host.ledger,
      log: silentLogger,
      intervalMs: 5000,
      instances: () => host.engine.all(),
      onSynced,
    });
    return { host, sync, instance: host.engine.all()[0]! };
  }

  it('one exception after a sync (onSynced throws SQLITE_BUSY once) shows in health, and the instance syncs again on its next interval', async () => {
    const clock = new ManualClock(now);
    const session = new MemorySession();
    let calls = 0;
    const { host, sync, instance } = bareSync(clock, session, () => {
      if (++calls === 1) throw new Error('SQLITE_BUSY: database is locked');
    });
    session.fills = [fill('1', now - 60_000, 'buy', 100)];
    sync.start();
    await clock.advance(0);
    expect(calls).toBe(1);
    expect(sync.health(instance).lastError?.message).toMatch(/SQLITE_BUSY/);
    session.fills.push(fill('2', now + 1000, 'sell', 110));
    await clock.advance(5000);
    expect(calls).toBe(2);
    expect(sync.metrics(instance.id)).toMatchObject({ tradeCount: 2, realizedPnl: 10 });
    expect(sync.health(instance).state).toBe('ok');
    await sync.stop();
    await host.close();
  });

  it('one exception inside the fold (a ledger read throws once) and the next interval folds everything, once', async () => {
    const clock = new ManualClock(now);
    const session = new MemorySession();
    const { host, sync, instance } = bareSync(clock, session, () => {});
    const read = host.ledger.fillsAfter.bind(host.ledger);
    let isThrown = false;
    host.ledger.fillsAfter = (id, rowid) => {
      if (!isThrown) {
        isThrown = true;
        throw new Error('SQLITE_BUSY: database is locked');
      }
      return read(id, rowid);
    };
    session.fills = [fill('1', now - 60_000, 'buy', 100), fill('2', now - 30_000, 'sell', 104)];
    sync.start();
    await clock.advance(0);
    expect(sync.health(instance)).toMatchObject({ state: 'error', lastError: { kind: 'internal' } });
    await clock.advance(5000);
    expect(sync.metrics(instance.id)).toMatchObject({ tradeCount: 2, realizedPnl: 4 });
    expect(sync.health(instance).state).toBe('ok');
    await sync.stop();
    await host.close();
  });

  it('a sync that finishes after stop() began calls nothing back, and no timer fires after it', async () => {
    const clock = new ManualClock(now);
    const session = new GatedSession();
    const changed: string[][] = [];
    const { host, sync, instance } = bareSync(clock, session, (ids) => changed.push(ids));
    session.fills = [fill('1', now - 60_000, 'buy', 100)];
    session.hold();
    sync.start();
    await clock.advance(0); // the first sync waits at the gate
    const stopping = sync.stop();
    session.release();
    await stopping;
    await clock.advance(60_000);
    expect(changed).toEqual([]);
    const requests = session.requests.length;
    await clock.advance(60_000);
    expect(session.requests.length).toBe(requests);
    // The fill that sync read is in the ledger all the same: data is kept, only callbacks stop.
    expect(host.ledger.countFills(instance.id)).toBe(1);
    await host.close();
  });

  it('stop() waits for a hung sync only as long as its bound', async () => {
    const clock = new ManualClock(now);
    const session = new GatedSession();
    const changed: string[][] = [];
    const { host, sync } = bareSync(clock, session, (ids) => changed.push(ids));
    session.hold(); // never opened: the request hangs
    sync.start();
    await clock.advance(0);
    let isStopped = false;
    const stopping = sync.stop().then(() => (isStopped = true));
    await clock.advance(1000);
    expect(isStopped).toBe(false);
    await clock.advance(10_000);
    await stopping;
    expect(isStopped).toBe(true);
    expect(changed).toEqual([]);
    session.release();
    await host.close();
  });
});
