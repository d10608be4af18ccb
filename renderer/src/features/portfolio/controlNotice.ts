/**
 * The words for what a control command left on the exchange's book. A pause or stop whose cancels
 * the exchange has not honoured yet must never read as a bare "stopped": the count and "retrying"
 * come first, the orders after.
 */
import type { StillOpen } from '../../../../shared/model.ts';
import type { ControlAction, ControlNotice } from '../../store/index.ts';

const DONE: Record<ControlAction, string> = {
  pause: 'Paused',
  resume: 'Resumed',
  start: 'Started',
  stop: 'Stopped',
  stopAll: 'Stopped every instance',
  cancelOrder: 'Cancel sent for an order of',
  cancelAll: 'Cancel sent for every order of',
};

export function ordersStillOpen(count: number): string {
  return `${count} ${count === 1 ? 'order' : 'orders'} still on the book, retrying`;
}

/** "Stopped mm-eth — 2 orders still on the book, retrying" / "Stopped mm-eth — the book is clean". */
export function controlHeadline(notice: Pick<ControlNotice, 'action' | 'target' | 'stillOpen'>): string {
  const what = notice.action === 'stopAll' ? DONE.stopAll : `${DONE[notice.action]} ${notice.target}`;
  const book = notice.stillOpen.length === 0 ? 'the book is clean' : ordersStillOpen(notice.stillOpen.length);
  return `${what} — ${book}`;
}

/** "BTC/USDT #123 (mm-eth): cancel answered 503; retrying". */
export function stillOpenLine(order: StillOpen): string {
  return `${order.symbol} #${order.orderId} (${order.instance}): ${order.why}`;
}
