/**
 * Account orders on a market's book, spot and perpetual alike: where they rest, how the market's
 * prints and moves fill them, how an account finds its own. engine.ts (spot) and perpEngine.ts
 * (USDⓈ-M) differ only in how one order takes a fill (a perpetual's reduce-only order may take less,
 * or expire).
 */

import { round8 } from './decimal.ts';
import { errors, requireOrderRef } from './errors.ts';
import { mergedLevels, recordPrint, type BookLevel, type FlowPrint, type MarketModel, type PrintStats, type Side } from './market.ts';

/** A market's figures when it opens at `price`: no prints yet. */
export function openingStats(now: number, price: number): PrintStats & { openTime: number; open: number } {
  return {
    openTime: now,
    open: price,
    high: price,
    low: price,
    last: price,
    lastQty: 0,
    volume: 0,
    quoteVolume: 0,
    count: 0,
    firstId: -1,
    lastId: -1,
  };
}

/** An account order resting on a spot or perpetual book, as the matching sees it. */
export interface RestingOrder {
  apiKey: string;
  symbol: string;
  orderId: number;
  clientOrderId: string;
  side: Side;
  price: number;
  status: string;
  origQty: number;
  executedQty: number;
}

/** A market's book as the matching sees it: the model and the account orders resting on it. */
export interface Book<O extends RestingOrder> {
  model: MarketModel;
  /** Open account orders, in arrival order (which is time priority within a price). */
  resting: O[];
  stats: PrintStats;
  nextTradeId: number;
  /** Moves with every change of the book (Binance's lastUpdateId). */
  updateId: number;
}

export const isResting = (o: RestingOrder): boolean => o.status === 'NEW' || o.status === 'PARTIALLY_FILLED';
const unfilled = (o: RestingOrder): number => round8(o.origQty - o.executedQty);

/** Best synthetic level still holding liquidity (an account's taker order may have emptied the first). */
export const touch = (levels: readonly BookLevel[]): BookLevel | undefined => levels.find((l) => l.qty > 0);

/**
 * A print meets the resting orders it reaches (a sell print the buys at or above its reach), best
 * price first, then oldest; `take` fills one order with up to `wanted` and answers what it took (a
 * perpetual's reduce-only order may take less, or nothing). The rest trades with the synthetic
 * liquidity: a public print the accounts only see in the ticker.
 */
export function matchPrint<O extends RestingOrder>(st: Book<O>, print: FlowPrint, take: (order: O, wanted: number) => number): void {
  const makerSide: Side = print.side === 'SELL' ? 'BUY' : 'SELL';
  const candidates = st.resting
    .filter(
      (o) => isResting(o) && o.side === makerSide && (makerSide === 'BUY' ? o.price >= print.limitPrice : o.price <= print.limitPrice),
    )
    .sort((a, b) => (makerSide === 'BUY' ? b.price - a.price : a.price - b.price) || a.orderId - b.orderId);
  let left = print.qty;
  for (const order of candidates) {
    if (left <= 0) break;
    left = round8(left - take(order, Math.min(unfilled(order), left)));
  }
  if (left > 0) {
    const level = touch(print.side === 'SELL' ? st.model.bids() : st.model.asks());
    recordPrint(st, level?.price ?? print.limitPrice, left);
  }
}

/**
 * After the model stepped: the resting orders the book moved through traded (the market went past
 * them; `cross` fills one whole), each print meets the book, closed orders leave it, and the day's
 * high and low follow the mid.
 */
export function settleStep<O extends RestingOrder>(
  st: Book<O>,
  prints: readonly FlowPrint[],
  cross: (order: O, unfilledQty: number) => void,
  take: (order: O, wanted: number) => number,
): void {
  const bestBid = touch(st.model.bids())?.price ?? 0;
  const bestAsk = touch(st.model.asks())?.price ?? Number.POSITIVE_INFINITY;
  for (const order of st.resting) {
    if (!isResting(order)) continue;
    if (order.side === 'BUY' ? order.price >= bestAsk : order.price <= bestBid) cross(order, unfilled(order));
  }
  for (const print of prints) matchPrint(st, print, take);
  st.resting = st.resting.filter(isResting);
  const mid = st.model.mid();
  st.stats.high = Math.max(st.stats.high, mid);
  st.stats.low = Math.min(st.stats.low, mid);
}

/** An account's open orders (in one market or all), oldest first within each market. */
export function openOrdersOf<O extends RestingOrder>(books: Iterable<Book<O>>, apiKey: string, only?: Book<O>): O[] {
  const all = only === undefined ? [...books] : [only];
  return all.flatMap((st) => st.resting.filter((o) => o.apiKey === apiKey && isResting(o)));
}

/** An account's order on one market by id, or its newest with the client order id. */
export function findOwnOrder<O extends RestingOrder>(
  own: { byId: ReadonlyMap<string, O>; orders: readonly O[] },
  marketId: string,
  ref: { orderId?: number; origClientOrderId?: string },
): O | undefined {
  if (ref.orderId !== undefined) return own.byId.get(`${marketId}:${ref.orderId}`);
  for (let i = own.orders.length - 1; i >= 0; i--) {
    const o = own.orders[i];
    if (o !== undefined && o.symbol === marketId && o.clientOrderId === ref.origClientOrderId) return o;
  }
  return undefined;
}

/** `getOrder`'s rule: a reference is required; an order the account does not have does not exist. */
export function ownOrder<O extends RestingOrder>(
  own: { byId: ReadonlyMap<string, O>; orders: readonly O[] },
  marketId: string,
  ref: { orderId?: number; origClientOrderId?: string },
): O {
  requireOrderRef(ref);
  const order = findOwnOrder(own, marketId, ref);
  if (order === undefined) throw errors.orderDoesNotExist();
  return order;
}

/** A market's state by its spec (found by symbol or id); none is Binance's invalid symbol. */
export function marketOf<S>(states: ReadonlyMap<string, S>, spec: { id: string } | undefined): S {
  const state = spec === undefined ? undefined : states.get(spec.id);
  if (state === undefined) throw errors.invalidSymbol();
  return state;
}

/** An account's state by key; an unknown key is Binance's invalid API key. */
export function accountOf<A>(accounts: ReadonlyMap<string, A>, apiKey: string): A {
  const state = accounts.get(apiKey);
  if (state === undefined) throw errors.invalidApiKey();
  return state;
}

/** The book a depth request shows: the synthetic levels with the account orders resting on them. */
export function bookDepth<O extends RestingOrder>(
  st: Book<O>,
  limit: number,
): { lastUpdateId: number; bids: BookLevel[]; asks: BookLevel[] } {
  const openQty = (o: O): number => (isResting(o) ? unfilled(o) : 0);
  return {
    lastUpdateId: st.updateId,
    bids: mergedLevels('BUY', st.model.bids(), st.resting, openQty, limit),
    asks: mergedLevels('SELL', st.model.asks(), st.resting, openQty, limit),
  };
}
