/**
 * What one account's stream has already reported of its orders, so each scan sends only what is new:
 * an order the stream has not announced yet, each fill since the last scan, and an order's final
 * state once. The same walk feeds every dialect's events (Binance's executionReport and
 * ORDER_TRADE_UPDATE, Bybit's order and execution topics).
 */

import type { Executed } from './binanceEvents.ts';

export type Seen = Executed & { isFinal: boolean };

interface OrderLike {
  symbol: string;
  orderId: number;
  status: string;
}

interface TradeLike {
  symbol: string;
  orderId: number;
  qty: number;
  quoteQty: number;
}

export interface WalkEvents<O, T> {
  /** First sight of an order (open now, or filled before the stream saw it open). */
  created(order: O, seen: Seen): void;
  /** One fill; `seen` already counts it. */
  trade(order: O, seen: Seen, trade: T): void;
  /** The order left the book (filled, cancelled, expired); reported once. */
  final(order: O, seen: Seen): void;
}

/** Orders are keyed `symbol:orderId` in `seen`; `fresh` are the fills recorded since the last walk. */
export function walkOrders<O extends OrderLike, T extends TradeLike>(
  seen: Map<string, Seen>,
  open: readonly O[],
  fresh: readonly T[],
  orderOf: (symbol: string, orderId: number) => O,
  on: WalkEvents<O, T>,
): void {
  const announce = (o: O): Seen => {
    const key = `${o.symbol}:${o.orderId}`;
    let s = seen.get(key);
    if (s === undefined) {
      s = { qty: 0, quote: 0, isFinal: false };
      seen.set(key, s);
      on.created(o, s);
    }
    return s;
  };
  for (const o of open) announce(o);
  for (const trade of fresh) {
    const order = orderOf(trade.symbol, trade.orderId);
    const s = announce(order);
    s.qty += trade.qty;
    s.quote += trade.quoteQty;
    on.trade(order, s, trade);
  }
  for (const [key, s] of seen) {
    const cut = key.lastIndexOf(':');
    const order = orderOf(key.slice(0, cut), Number(key.slice(cut + 1)));
    if (order.status === 'NEW' || order.status === 'PARTIALLY_FILLED') continue;
    seen.delete(key);
    on.final(order, s);
  }
}
