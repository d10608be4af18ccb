import { describe, expect, it } from 'vitest';
import { ceilToStep, floorToStep } from './decimal.ts';
import { createEngine, type Engine } from './engine.ts';
import { DEFAULT_MARKETS } from './markets.ts';
import { DEFAULT_FEES, remainingQty } from './orders.ts';

const T0 = Date.UTC(2026, 10, 25);
const START = { USDT: 1_000_000, BTC: 10, ETH: 100, SOL: 5000 };

function engineWithQuotes(seed: number): Engine {
  const engine = createEngine({ markets: DEFAULT_MARKETS, seed, fees: DEFAULT_FEES, now: T0 });
  engine.addAccount({ apiKey: 'k', secret: 's', balances: { ...START } }, T0);
  return engine;
}

/** Quotes each side again once its previous quotes have all filled, like a simple market maker. */
function requote(engine: Engine, symbol: string, qty: number, now: number, ladderBps: readonly number[] = [3]): void {
  const spec = engine.spec(symbol);
  if (spec === undefined) throw new Error(symbol);
  const open = engine.openOrders('k', symbol);
  for (const side of ['BUY', 'SELL'] as const) {
    if (open.some((o) => o.side === side)) continue;
    for (const bps of ladderBps) {
      const mid = engine.mid(symbol);
      const price = side === 'BUY' ? floorToStep(mid * (1 - bps / 1e4), spec.tickSize) : ceilToStep(mid * (1 + bps / 1e4), spec.tickSize);
      engine.placeOrder('k', { symbol, side, type: 'LIMIT_MAKER', quantity: qty, price }, now);
    }
  }
}

describe('engine', () => {
  it('never leaves the merged book crossed, and fills both sides of a quoting account', () => {
    const engine = engineWithQuotes(42);
    let now = T0;
    for (let tick = 0; tick < 1500; tick++) {
      now += 250;
      requote(engine, 'BTCUSDT', 0.01, now);
      requote(engine, 'SOLUSDT', 2, now);
      engine.tick(now);
      for (const symbol of ['BTCUSDT', 'SOLUSDT']) {
        const book = engine.depth(symbol, 5);
        const bid = book.bids[0]?.price ?? 0;
        const ask = book.asks[0]?.price ?? Infinity;
        // A resting order the market has moved through must have traded, not sit across the spread.
        expect(bid, `${symbol} at tick ${tick}`).toBeLessThan(ask);
      }
    }
    for (const symbol of ['BTCUSDT', 'SOLUSDT']) {
      const trades = engine.trades('k', symbol);
      expect(trades.filter((t) => t.isBuyer).length).toBeGreaterThan(10);
      expect(trades.filter((t) => !t.isBuyer).length).toBeGreaterThan(10);
      expect(trades.every((t) => t.isMaker)).toBe(true);
      // Trade ids increase per symbol; other traders' prints leave gaps between an account's ids.
      const ids = trades.map((t) => t.id);
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
      expect(new Set(ids).size).toBe(ids.length);
    }
  });

  it('keeps every unit of money accounted for: balances = start + fills − fees, locked = open holds', () => {
    const engine = engineWithQuotes(7);
    let now = T0;
    for (let tick = 0; tick < 800; tick++) {
      now += 250;
      requote(engine, 'ETHUSDT', 0.2, now, [3, 9]);
      requote(engine, 'SOLUSDT', 3, now, [3, 9]);
      if (tick % 97 === 0) engine.placeOrder('k', { symbol: 'ETHUSDT', side: 'SELL', type: 'MARKET', quantity: 0.15 }, now);
      if (tick % 131 === 0) engine.placeOrder('k', { symbol: 'SOLUSDT', side: 'BUY', type: 'MARKET', quoteOrderQty: 250 }, now);
      if (tick % 173 === 0) {
        const spec = engine.spec('ETHUSDT');
        const ask = engine.depth('ETHUSDT', 1).asks[0]?.price ?? 0;
        engine.placeOrder(
          'k',
          {
            symbol: 'ETHUSDT',
            side: 'BUY',
            type: 'LIMIT',
            timeInForce: 'IOC',
            quantity: 0.5,
            price: ceilToStep(ask * 1.0003, spec?.tickSize ?? 0.01),
          },
          now,
        );
      }
      engine.tick(now);
    }
    const expected: Record<string, number> = { ...START };
    const add = (asset: string, amount: number): void => {
      expected[asset] = (expected[asset] ?? 0) + amount;
    };
    let makerFills = 0;
    let takerFills = 0;
    for (const t of engine.trades('k')) {
      const spec = engine.spec(t.symbol);
      if (spec === undefined) throw new Error(t.symbol);
      const rate = t.isMaker ? DEFAULT_FEES.maker : DEFAULT_FEES.taker;
      if (t.isMaker) makerFills++;
      else takerFills++;
      expect(t.commissionAsset).toBe(t.isBuyer ? spec.base : spec.quote);
      expect(t.commission).toBeCloseTo((t.isBuyer ? t.qty : t.quoteQty) * rate, 8);
      add(spec.base, t.isBuyer ? t.qty : -t.qty);
      add(spec.quote, t.isBuyer ? -t.quoteQty : t.quoteQty);
      add(t.commissionAsset, -t.commission);
    }
    expect(makerFills).toBeGreaterThan(0);
    expect(takerFills).toBeGreaterThan(0);

    const locked: Record<string, number> = {};
    for (const o of engine.openOrders('k')) {
      const spec = engine.spec(o.symbol);
      if (spec === undefined) throw new Error(o.symbol);
      const asset = o.side === 'BUY' ? spec.quote : spec.base;
      locked[asset] = (locked[asset] ?? 0) + (o.side === 'BUY' ? o.price * remainingQty(o) : remainingQty(o));
    }
    const balances = engine.account('k')?.balances;
    for (const asset of ['USDT', 'ETH', 'SOL']) {
      const b = balances?.get(asset);
      expect(b, asset).toBeDefined();
      expect((b?.free ?? 0) + (b?.locked ?? 0), asset).toBeCloseTo(expected[asset] ?? 0, 6);
      expect(b?.locked ?? 0, asset).toBeCloseTo(locked[asset] ?? 0, 6);
      expect(b?.free ?? -1, asset).toBeGreaterThanOrEqual(0);
    }
  });
});
