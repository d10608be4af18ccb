import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Fill } from '../exchange/types.ts';
import { InstanceFold, type FoldSource } from './instanceFold.ts';
import { compareFillOrder, emptyFold, foldFill, toMetrics } from './pnl.ts';

/** The ledger's order and its two reads, in memory. */
function memorySource(rows: Fill[]): FoldSource {
  const sorted = () => [...rows].sort((a, b) => compareFillOrder(a.timestamp, a.id, b.timestamp, b.id));
  return {
    eachFill: (fn) => sorted().reduce((n, f) => (fn(f), n + 1), 0),
    eachFillOfSymbol: (symbol, fromTs, fn) =>
      sorted()
        .filter((f) => f.symbol === symbol && f.timestamp >= fromTs)
        .reduce((n, f) => (fn(f), n + 1), 0),
  };
}

const mk = (id: number, symbol: string, ts: number, side: 'buy' | 'sell', amount: number, price: number): Fill => ({
  id: String(id),
  orderId: null,
  symbol,
  side,
  price,
  amount,
  cost: amount * price,
  fees: [{ currency: 'USDT', amount: amount * price * 0.001 }],
  timestamp: ts,
  isMaker: true,
});

describe('the fold per symbol with checkpoints', () => {
  it('a late fill refolds its own symbol from the nearest checkpoint, and ends where a fold in time order ends', () => {
    const ledger: Fill[] = [];
    const book = new InstanceFold('USDT', 10);
    for (let i = 0; i < 200; i++) {
      const symbol = i % 2 === 0 ? 'BTC/USDT' : 'BTC/USDT:USDT';
      ledger.push(mk(i + 1, symbol, 1_000 + i * 10, i % 3 === 0 ? 'sell' : 'buy', 0.01 + (i % 7) * 0.001, 100 + (i % 13)));
    }
    book.add(ledger, memorySource(ledger));
    expect(book.refolded).toBe(0);
    // A perpetual fill indexed late, between the 190th and the 191st fill.
    const late = mk(999, 'BTC/USDT:USDT', 1_000 + 190 * 10 + 5, 'sell', 0.05, 90);
    ledger.push(late);
    expect(book.add([late], memorySource(ledger))).toEqual(['BTC/USDT:USDT']);
    // 100 perpetual fills, a checkpoint every 10: at most 10 before the late fill plus the ones after it are read again.
    expect(book.refolded).toBeLessThanOrEqual(10 + 5);
    const full = emptyFold('USDT');
    for (const f of [...ledger].sort((a, b) => compareFillOrder(a.timestamp, a.id, b.timestamp, b.id))) foldFill(full, f);
    const marks = new Map([
      ['BTC/USDT', 105],
      ['BTC/USDT:USDT', 104],
    ]);
    const a = toMetrics(book.state, marks, false);
    const b = toMetrics(full, marks, false);
    expect(a).toEqual({
      ...b,
      realizedPnl: expect.closeTo(b.realizedPnl, 8),
      totalPnl: expect.closeTo(b.totalPnl, 8),
      fees: expect.closeTo(b.fees, 8),
      volume: expect.closeTo(b.volume, 8),
      unrealizedPnl: expect.closeTo(b.unrealizedPnl, 8),
    });
  });

  it('any arrival order, any batches, any checkpoint spacing: the same figures as folding the ledger in time order', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            isPerp: fc.boolean(),
            ts: fc.integer({ min: 0, max: 200 }),
            isBuy: fc.boolean(),
            amount: fc.double({ min: 0.001, max: 3, noNaN: true }),
            price: fc.double({ min: 50, max: 150, noNaN: true }),
            batch: fc.integer({ min: 0, max: 4 }),
          }),
          { minLength: 1, maxLength: 80 },
        ),
        fc.integer({ min: 1, max: 12 }),
        (steps, every) => {
          const fills = steps.map((s, i) =>
            mk(i + 1, s.isPerp ? 'ETH/USDT:USDT' : 'ETH/USDT', s.ts, s.isBuy ? 'buy' : 'sell', s.amount, s.price),
          );
          const ledger: Fill[] = [];
          const book = new InstanceFold('USDT', every);
          // Fills reach the ledger in batches (a sync each), in whatever order the exchange indexed them.
          for (let b = 0; b <= 4; b++) {
            const batch = fills.filter((_, i) => steps[i]!.batch === b);
            ledger.push(...batch);
            book.add(
              [...batch].sort((x, y) => compareFillOrder(x.timestamp, x.id, y.timestamp, y.id)),
              memorySource(ledger),
            );
          }
          const full = emptyFold('USDT');
          for (const f of [...fills].sort((x, y) => compareFillOrder(x.timestamp, x.id, y.timestamp, y.id))) foldFill(full, f);
          expect(book.state.tradeCount).toBe(full.tradeCount);
          expect(book.state.realizedPnl).toBeCloseTo(full.realizedPnl, 6);
          expect(book.state.fees).toBeCloseTo(full.fees, 6);
          expect(book.state.reducingFills).toBe(full.reducingFills);
          for (const [symbol, pos] of full.positions) expect(book.state.positions.get(symbol)?.qty).toBeCloseTo(pos.qty, 9);
        },
      ),
      { numRuns: 200, seed: 20261204 },
    );
  });
});
