import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Fill } from '../exchange/types.ts';
import { emptyFold, foldFill, toMetrics, trade } from './pnl.ts';

let nextId = 1;
function fill(side: 'buy' | 'sell', amount: number, price: number, fees: Fill['fees'] = [], symbol = 'BTC/USDT'): Fill {
  const id = String(nextId++);
  return { id, orderId: null, symbol, side, price, amount, cost: amount * price, fees, timestamp: 1_000 + nextId, isMaker: true };
}

describe('average-cost PnL', () => {
  it('realizes the difference to the average entry on a long round trip', () => {
    const s = emptyFold('USDT');
    foldFill(s, fill('buy', 1, 100));
    foldFill(s, fill('buy', 1, 110));
    foldFill(s, fill('sell', 1.5, 120));
    // avg 105; 1.5 × (120 − 105) = 22.5
    expect(s.realizedPnl).toBeCloseTo(22.5, 10);
    expect(s.positions.get('BTC/USDT')).toEqual({ qty: 0.5, avgPrice: 105 });
    const m = toMetrics(s, new Map([['BTC/USDT', 100]]), false);
    expect(m.unrealizedPnl).toBeCloseTo(-2.5, 10);
    expect(m.tradeCount).toBe(3);
    expect(m.volume).toBeCloseTo(100 + 110 + 180, 8);
  });

  it('counts a short as profitable when the price falls', () => {
    const s = emptyFold('USDT');
    foldFill(s, fill('sell', 2, 50));
    foldFill(s, fill('buy', 2, 40));
    expect(s.realizedPnl).toBeCloseTo(20, 10);
    expect(s.positions.get('BTC/USDT')?.qty).toBe(0);
  });

  it('flips through zero: closes at the old average, opens the rest at the fill price', () => {
    const pos = { qty: 1, avgPrice: 100 };
    const realized = trade(pos, -3, 90);
    expect(realized).toBeCloseTo(-10, 10);
    expect(pos).toEqual({ qty: -2, avgPrice: 90 });
    const back = trade(pos, 2, 80);
    expect(back).toBeCloseTo(20, 10);
    expect(pos).toEqual({ qty: 0, avgPrice: 0 });
  });

  it('a flip that lands on float noise leaves no phantom position (0.3 − 0.1 − 0.2 is not a short)', () => {
    const s = emptyFold('USDT');
    foldFill(s, fill('buy', 0.3, 100));
    foldFill(s, fill('sell', 0.1, 110));
    foldFill(s, fill('sell', 0.2, 120)); // 0.19999999999999998 held, 0.2 sold: the old fold kept −2.8e-17 short
    expect(s.positions.get('BTC/USDT')).toEqual({ qty: 0, avgPrice: 0 });
    // The next buy opens a position; it is not counted as closing a short.
    foldFill(s, fill('buy', 0.1, 90));
    expect(s.reducingFills).toBe(2);
    expect(s.positions.get('BTC/USDT')).toEqual({ qty: 0.1, avgPrice: 90 });
  });

  it('takes quote fees as they are, positive = paid, rebates negative', () => {
    const s = emptyFold('USDT');
    foldFill(s, fill('buy', 1, 100, [{ currency: 'USDT', amount: 0.1 }]));
    foldFill(s, fill('sell', 1, 100, [{ currency: 'USDT', amount: -0.02 }]));
    expect(s.fees).toBeCloseTo(0.08, 10);
    expect(toMetrics(s, new Map(), false).totalPnl).toBeCloseTo(-0.08, 10);
  });

  it('treats a base-currency fee as a disposal of base at the fill price', () => {
    const s = emptyFold('USDT');
    foldFill(s, fill('buy', 1, 100, [{ currency: 'BTC', amount: 0.001 }]));
    expect(s.positions.get('BTC/USDT')?.qty).toBeCloseTo(0.999, 12);
    expect(s.fees).toBeCloseTo(0.1, 10);
    expect(s.realizedPnl).toBeCloseTo(0, 10);
  });

  it('sums every fee line, and keeps a third-asset fee apart instead of guessing its price', () => {
    const s = emptyFold('USDT');
    foldFill(
      s,
      fill('buy', 1, 100, [
        { currency: 'USDT', amount: 0.05 },
        { currency: 'BNB', amount: 0.0002 },
      ]),
    );
    expect(s.fees).toBeCloseTo(0.05, 10);
    expect(s.unpricedFees.get('BNB')).toBeCloseTo(0.0002, 12);
  });

  it('total PnL equals the change in equity at common marks (random fill sequences)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            isBuy: fc.boolean(),
            amount: fc.double({ min: 0.001, max: 5, noNaN: true }),
            price: fc.double({ min: 10, max: 1000, noNaN: true }),
            feeRate: fc.double({ min: -0.0002, max: 0.002, noNaN: true }),
            isBaseFee: fc.boolean(),
          }),
          { minLength: 1, maxLength: 60 },
        ),
        fc.double({ min: 10, max: 1000, noNaN: true }),
        (steps, mark) => {
          const s = emptyFold('USDT');
          let quote = 0;
          let base = 0;
          for (const st of steps) {
            const feeInBase = st.isBaseFee && st.isBuy;
            const feeAmount = feeInBase ? st.amount * st.feeRate : st.amount * st.price * st.feeRate;
            foldFill(
              s,
              fill(st.isBuy ? 'buy' : 'sell', st.amount, st.price, [{ currency: feeInBase ? 'BTC' : 'USDT', amount: feeAmount }]),
            );
            const sign = st.isBuy ? 1 : -1;
            quote -= sign * st.amount * st.price;
            base += sign * st.amount;
            if (feeInBase) base -= feeAmount;
            else quote -= feeAmount;
          }
          const m = toMetrics(s, new Map([['BTC/USDT', mark]]), false);
          const equityChange = quote + base * mark;
          expect(m.totalPnl).toBeCloseTo(equityChange, 4);
        },
      ),
      { numRuns: 300, seed: 20261125 },
    );
  });
});
