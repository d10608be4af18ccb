/**
 * Orders, trades and what one fill does to an account. Fees follow Binance spot without BNB
 * discounts: the commission is charged in the asset the account receives (base for a buy, quote for
 * a sell), at the maker rate for a resting order and the taker rate for one that crossed.
 */

import { credit, spendLocked, unlock, type Account } from './accounts.ts';
import { round8 } from './decimal.ts';
import type { Side } from './market.ts';
import type { MarketSpec } from './markets.ts';

export type OrderType = 'LIMIT' | 'LIMIT_MAKER' | 'MARKET';
export type TimeInForce = 'GTC' | 'IOC' | 'FOK';
export type OrderStatus = 'NEW' | 'PARTIALLY_FILLED' | 'FILLED' | 'CANCELED' | 'EXPIRED';

export interface FeeRates {
  maker: number;
  taker: number;
}

export const DEFAULT_FEES: FeeRates = { maker: 0.0002, taker: 0.001 };

/** One of an account's own fills, in Binance's `myTrades` fields (numbers here, strings on the wire). */
export interface SimTrade {
  /** Binance id, e.g. "BTCUSDT". */
  symbol: string;
  /** Increases per symbol; other traders' prints take ids too, so an account sees gaps. */
  id: number;
  orderId: number;
  orderListId: number;
  price: number;
  qty: number;
  quoteQty: number;
  commission: number;
  commissionAsset: string;
  time: number;
  isBuyer: boolean;
  isMaker: boolean;
  isBestMatch: boolean;
}

export interface Order {
  symbol: string;
  orderId: number;
  clientOrderId: string;
  apiKey: string;
  side: Side;
  type: OrderType;
  timeInForce: TimeInForce;
  /** Limit price; 0 for market orders, as Binance reports them. */
  price: number;
  origQty: number;
  origQuoteOrderQty: number;
  executedQty: number;
  cumQuote: number;
  status: OrderStatus;
  time: number;
  updateTime: number;
  workingTime: number;
  /**
   * What the order still holds in `locked`: quote for a buy, base for a sell. Tracked per order so
   * the last fill or a cancel releases exactly what was locked, whatever the rounding on the way.
   */
  held: number;
}

export function isOpen(order: Order): boolean {
  return order.status === 'NEW' || order.status === 'PARTIALLY_FILLED';
}

export function remainingQty(order: Order): number {
  return round8(order.origQty - order.executedQty);
}

/**
 * Applies one fill to the order and its account and returns the account's trade row.
 * The caller has already checked that `qty` fits in the order's remaining quantity.
 */
export function applyFill(
  spec: MarketSpec,
  account: Account,
  order: Order,
  fill: { price: number; qty: number; isMaker: boolean; tradeId: number; time: number },
  fees: FeeRates,
): SimTrade {
  const quoteQty = round8(fill.price * fill.qty);
  const rate = fill.isMaker ? fees.maker : fees.taker;
  order.executedQty = round8(order.executedQty + fill.qty);
  order.cumQuote = round8(order.cumQuote + quoteQty);
  const done = order.type === 'MARKET' ? false : remainingQty(order) <= 0;
  let commission: number;
  let commissionAsset: string;
  if (order.side === 'BUY') {
    // A limit buy holds its limit price per unit; a market buy holds exactly its expected cost.
    const perFill = order.type === 'MARKET' ? quoteQty : round8(order.price * fill.qty);
    const release = done ? order.held : Math.min(order.held, perFill);
    order.held = round8(order.held - release);
    spendLocked(account, spec.quote, release);
    // A taker buy that traded below its limit gets the difference back.
    credit(account, spec.quote, round8(release - quoteQty));
    commission = round8(fill.qty * rate);
    commissionAsset = spec.base;
    credit(account, spec.base, round8(fill.qty - commission));
  } else {
    const release = done ? order.held : Math.min(order.held, fill.qty);
    order.held = round8(order.held - release);
    spendLocked(account, spec.base, release);
    commission = round8(quoteQty * rate);
    commissionAsset = spec.quote;
    credit(account, spec.quote, round8(quoteQty - commission));
  }
  if (order.type !== 'MARKET') order.status = done ? 'FILLED' : 'PARTIALLY_FILLED';
  order.updateTime = fill.time;
  account.updateTime = fill.time;
  return {
    symbol: spec.id,
    id: fill.tradeId,
    orderId: order.orderId,
    orderListId: -1,
    price: fill.price,
    qty: fill.qty,
    quoteQty,
    commission,
    commissionAsset,
    time: fill.time,
    isBuyer: order.side === 'BUY',
    isMaker: fill.isMaker,
    isBestMatch: true,
  };
}

/** Ends an order that will not trade again: whatever it still holds goes back to free. */
export function closeOrder(spec: MarketSpec, account: Account, order: Order, status: OrderStatus, time: number): void {
  if (order.held > 0) unlock(account, order.side === 'BUY' ? spec.quote : spec.base, order.held);
  order.held = 0;
  order.status = status;
  order.updateTime = time;
  account.updateTime = time;
}
