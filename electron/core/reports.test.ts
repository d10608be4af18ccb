import { describe, expect, it } from 'vitest';
import { downsample, feeInQuote, fillsCsv, toCsv } from './reports.ts';

describe('reports', () => {
  it('writes RFC 4180 CSV and defuses spreadsheet formulas', () => {
    expect(
      toCsv(
        ['a', 'b'],
        [
          ['x,y', 'say "hi"'],
          ['=cmd()', -1.5],
        ],
      ),
    ).toBe('a,b\r\n"x,y","say ""hi"""\r\n\'=cmd(),-1.5\r\n');
  });

  it('prices base fees at the fill price and leaves third-asset fees out of fee_quote', () => {
    const fill = {
      id: '7',
      orderId: '3',
      symbol: 'BTC/USDT',
      side: 'buy' as const,
      price: 100,
      amount: 1,
      cost: 100,
      fees: [
        { currency: 'BTC', amount: 0.001 },
        { currency: 'USDT', amount: 0.05 },
        { currency: 'BNB', amount: 0.01 },
      ],
      timestamp: Date.UTC(2026, 10, 25),
      isMaker: true,
      instanceId: 'a',
    };
    expect(feeInQuote(fill)).toBeCloseTo(0.15, 12);
    const csv = fillsCsv([fill]);
    expect(csv.split('\r\n')[1]).toBe('2026-11-25T00:00:00.000Z,7,3,BTC/USDT,buy,100,1,100,0.15,0.001 BTC; 0.05 USDT; 0.01 BNB,true');
  });

  it('downsamples evenly and keeps both ends', () => {
    const pts = Array.from({ length: 1000 }, (_, i) => i);
    const d = downsample(pts, 11);
    expect(d).toHaveLength(11);
    expect(d[0]).toBe(0);
    expect(d.at(-1)).toBe(999);
    expect(downsample([1, 2], 10)).toEqual([1, 2]);
  });
});
