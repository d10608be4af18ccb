import { describe, expect, it } from 'vitest';
import { fixedSpreadParams, quotePrices, quoteSize, skewedQuotes } from './strategies.ts';

const rules = { symbol: 'BTC/USDT', base: 'BTC', quote: 'USDT', tickSize: 0.01, stepSize: 0.00001, minAmount: 0.00001, minNotional: 5 };

describe('fixed spread quoting', () => {
  it('sits bid and ask half the spread either side of mid, on the tick grid', () => {
    const q = quotePrices(68_000, 20, 0.01);
    expect(q.bid).toBe(67_932);
    expect(q.ask).toBe(68_068);
    expect(((q.ask - q.bid) / 68_000) * 10_000).toBeCloseTo(20, 6);
    // never crossing, even when the spread is below one tick
    const tight = quotePrices(100.005, 0.01, 0.01);
    expect(tight.ask).toBeGreaterThan(tight.bid);
  });

  it('sizes from the budget and respects step and minimum notional', () => {
    expect(quoteSize(10_000, 0.02, 68_000, rules)).toBe(0.00294);
    expect(quoteSize(100, 0.02, 68_000, rules)).toBe(0); // 2 USDT < 5 USDT minimum
  });

  it('leans against inventory and stops the side that adds to it at the limit', () => {
    const p = { spreadBps: 20, skew: 0.5 };
    const flat = skewedQuotes(68_000, p, 0.01, 0, 1);
    const long = skewedQuotes(68_000, p, 0.01, 0.5, 1);
    expect(long.bid).toBeLessThan(flat.bid ?? 0);
    expect(long.ask).toBeLessThan(flat.ask ?? 0);
    const atLimit = skewedQuotes(68_000, p, 0.01, 1, 1);
    expect(atLimit.bid).toBeNull();
    expect(atLimit.ask).not.toBeNull();
    const shortAtLimit = skewedQuotes(68_000, p, 0.01, -1.2, 1);
    expect(shortAtLimit.ask).toBeNull();
    expect(shortAtLimit.bid).not.toBeNull();
  });

  it('reads params with sane defaults and refuses nonsense', () => {
    expect(fixedSpreadParams({})).toMatchObject({
      spreadBps: 20,
      requoteBps: 5,
      orderFraction: 0.02,
      maxInventoryFraction: 0.25,
      skew: 0.5,
    });
    expect(fixedSpreadParams({ spreadBps: -3, orderFraction: 9, skew: 4 })).toMatchObject({ spreadBps: 20, orderFraction: 0.5, skew: 1 });
  });
});
