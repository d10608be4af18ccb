import { describe, expect, it } from 'vitest';
import type { Fill } from '../exchange/types.ts';
import { Ledger } from '../ledger/ledger.ts';
import { testFill } from '../ledger/testing/fills.ts';

const fill = (id: string, fees: Fill['fees'], orderId: string | null = null): Fill =>
  testFill(id, { fees, orderId, timestamp: 1000 + Number(id) });

describe('the ledger sums an account for reconciliation', () => {
  it('every fee line counts once, one, two or three lines a fill; accounted apart from unattributed', () => {
    const ledger = new Ledger(':memory:');
    ledger.appendFills(
      {
        exchange: 'x',
        account: 'a',
        fills: [
          { fill: fill('1', [{ currency: 'USDT', amount: 0.1 }], 'o1'), instanceId: 'mm' },
          {
            fill: fill(
              '2',
              [
                { currency: 'USDT', amount: 0.2 },
                { currency: 'BNB', amount: 0.001, quoteValue: 0.3 },
              ],
              'o1',
            ),
            instanceId: 'mm',
          },
          {
            fill: fill('3', [
              { currency: 'USDT', amount: 0.3 },
              { currency: 'BNB', amount: 0.002 },
              { currency: 'BTC', amount: 0.0001 },
            ]),
            instanceId: 'mm',
          },
          { fill: fill('4', []), instanceId: 'watch' },
        ],
        cursor: null,
      },
      0,
    );
    ledger.journalOrder({ exchange: 'x', account: 'a', orderId: 'o1', instanceId: 'mm', symbol: 'BTC/USDT' }, 0);
    const fees = ledger
      .accountFeeSums('x', 'a', 0, 10_000, ['watch'])
      .map((f) => [f.currency, f.isAccounted, Math.round(f.amount * 1e9) / 1e9]);
    expect(fees.sort()).toEqual(
      [
        ['BNB', false, 0.002],
        ['BNB', true, 0.001],
        ['BTC', false, 0.0001],
        ['USDT', false, 0.3],
        ['USDT', true, 0.3],
      ].sort(),
    );
    const sums = ledger.accountFillSums('x', 'a', 0, 10_000, ['watch']);
    expect(sums.map((s) => [s.isAccounted, s.count, s.amount]).sort()).toEqual([
      [false, 1, 1],
      [true, 3, 3],
    ]);
    expect(ledger.unaccountedFills('x', 'a', 0, 10_000, ['watch']).map((f) => f.id)).toEqual(['3']);
    // Marked outside by the trader: accounted for, and no instance's any more.
    expect(ledger.assignFill({ exchange: 'x', account: 'a', symbol: 'BTC/USDT', fillId: '3', instanceId: null }, 5)).toEqual({
      previous: 'mm',
      next: null,
    });
    expect(ledger.unaccountedFills('x', 'a', 0, 10_000, ['watch'])).toEqual([]);
    expect(ledger.fillsFor('mm').map((f) => f.id)).toEqual(['1', '2']);
    ledger.close();
  });
});
