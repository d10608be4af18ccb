import { describe, expect, it } from 'vitest';
import { controlHeadline, stillOpenLine } from './controlNotice.ts';

const order = { instance: 'mm-eth', symbol: 'ETH/USDT', orderId: '12', why: 'cancel answered 503; retrying' };

describe('control notice', () => {
  it('never says a bare "stopped" while orders are still on the book', () => {
    expect(controlHeadline({ action: 'stop', target: 'mm-eth', stillOpen: [order, { ...order, orderId: '13' }] })).toBe(
      'Stopped mm-eth — 2 orders still on the book, retrying',
    );
    expect(controlHeadline({ action: 'stopAll', target: 'portfolio', stillOpen: [order] })).toBe(
      'Stopped every instance — 1 order still on the book, retrying',
    );
  });

  it('says the book is clean only when the exchange showed it clean', () => {
    expect(controlHeadline({ action: 'pause', target: 'mm-eth', stillOpen: [] })).toBe('Paused mm-eth — the book is clean');
    expect(stillOpenLine(order)).toBe('ETH/USDT #12 (mm-eth): cancel answered 503; retrying');
  });
});
