/** The order tracker's bookkeeping: what counts as exposure while the ledger lags, and what is handed to the journal. */
import { describe, expect, it } from 'vitest';
import type { OpenOrder } from '../exchange/types.ts';
import { OrderTracker } from './orderTracker.ts';

function setup() {
  let now = 1_000_000;
  const inLedger = new Map<string, number>();
  const tracker = new OrderTracker({ now: () => now, ledgerFilled: (_symbol, orderId) => inLedger.get(orderId) ?? 0 });
  const request = (clientOrderId: string, side: 'buy' | 'sell', amount: number) =>
    tracker.intent({ symbol: 'BTC/USDT', side, amount, price: 68_000, isPostOnly: false, clientOrderId });
  const answer = (
    id: string,
    clientOrderId: string,
    side: 'buy' | 'sell',
    amount: number,
    filled: number,
    status?: OpenOrder['status'],
  ): OpenOrder => ({
    id,
    clientOrderId,
    symbol: 'BTC/USDT',
    side,
    price: 68_000,
    amount,
    filled,
    timestamp: now,
    ...(status !== undefined ? { status } : {}),
  });
  return { tracker, inLedger, request, answer, advance: (ms: number) => (now += ms) };
}

describe('order tracker', () => {
  it('an order counts from intent: open until answered, then as a fill the ledger does not have yet, then as ledger position', () => {
    const { tracker, inLedger, request, answer } = setup();
    request('c1', 'buy', 0.147);
    expect(tracker.exposure('BTC/USDT', 0)).toEqual({ position: 0, pending: 0, open: { buy: 0.147, sell: 0 } });
    tracker.acknowledge('c1', answer('1', 'c1', 'buy', 0.147, 0.147, 'filled'));
    expect(tracker.exposure('BTC/USDT', 0)).toEqual({ position: 0, pending: 0.147, open: { buy: 0, sell: 0 } });
    expect(tracker.pendingFills()).toMatchObject([{ id: 'pending:1', orderId: '1', side: 'buy', amount: 0.147, price: 68_000 }]);
    // The sync wrote the fill: it is the ledger's now, and never counted twice.
    inLedger.set('1', 0.147);
    expect(tracker.exposure('BTC/USDT', 0.147)).toEqual({ position: 0.147, pending: 0, open: { buy: 0, sell: 0 } });
    expect(tracker.pendingFills()).toEqual([]);
  });

  it('a create whose answer was lost counts as a whole live order until a lookup settles it', () => {
    const { tracker, request, answer } = setup();
    request('c1', 'sell', 0.2);
    tracker.lost('c1', 'timeout');
    expect(tracker.exposure('BTC/USDT', 0).open.sell).toBe(0.2);
    // Not on the book: it needs a lookup.
    expect(tracker.book('BTC/USDT', [], Number.MAX_SAFE_INTEGER).map((o) => o.clientOrderId)).toEqual(['c1']);
    tracker.report({ ...answer('9', 'c1', 'sell', 0.2, 0.05), status: 'open', average: 67_990 });
    const e = tracker.exposure('BTC/USDT', 0);
    expect(e.pending).toBe(-0.05);
    expect(e.open.sell).toBeCloseTo(0.15, 12);
    expect(tracker.get('c1')).toMatchObject({ orderId: '9', phase: 'partially_filled' });
  });

  it('a refused order adds nothing; a partly filled order cancelled keeps its fill as pending', () => {
    const { tracker, request, answer } = setup();
    request('c1', 'buy', 1);
    tracker.rejected('c1', 'insufficient balance');
    request('c2', 'buy', 1);
    tracker.acknowledge('c2', answer('2', 'c2', 'buy', 1, 0));
    tracker.book('BTC/USDT', [answer('2', 'c2', 'buy', 1, 0.4)], 0);
    tracker.cancelRequested('BTC/USDT', '2');
    tracker.report({ ...answer('2', 'simcancel2', 'buy', 1, 0.4), status: 'cancelled', average: null });
    expect(tracker.exposure('BTC/USDT', 0)).toEqual({ position: 0, pending: 0.4, open: { buy: 0, sell: 0 } });
    // A stale "open" listing never reopens a final order.
    tracker.book('BTC/USDT', [], 0);
    expect(tracker.get('c2')?.phase).toBe('cancelled');
  });

  it('orders of ours found on the book (placed before a restart) are adopted; settled final orders are forgotten', () => {
    const { tracker, inLedger, answer, advance } = setup();
    tracker.book('BTC/USDT', [answer('7', 'sd-x-1', 'sell', 0.3, 0.1)], 0);
    const e = tracker.exposure('BTC/USDT', 0);
    expect(e.pending).toBe(-0.1);
    expect(e.open.sell).toBeCloseTo(0.2, 12);
    const [gone] = tracker.book('BTC/USDT', [], Number.MAX_SAFE_INTEGER);
    if (!gone) throw new Error('expected the order to need settling');
    tracker.leftBook(gone); // no lookup available: a resting order we did not cancel left the book by filling
    expect(tracker.exposure('BTC/USDT', 0).pending).toBeCloseTo(-0.3, 12);
    inLedger.set('7', 0.3);
    advance(61_000);
    tracker.prune();
    expect(tracker.get('sd-x-1')).toBeUndefined();
  });
});
