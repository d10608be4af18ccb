/**
 * Binance user-data events in the exchange's own shapes (spot `executionReport` and
 * `outboundAccountPosition`; USDⓈ-M `ORDER_TRADE_UPDATE` and `ACCOUNT_UPDATE`), built from the
 * simulator's records. Field names and string formats follow Binance's docs as ccxt.pro parses them
 * (`node_modules/ccxt/js/src/pro/binance.js`: parseWsTrade, handleOrderUpdate, handleAcountUpdate).
 */

import { fmt8 } from '../decimal.ts';
import type { Json } from '../format.ts';
import { px, qty } from '../futuresFormat.ts';
import type { Order, SimTrade } from '../orders.ts';
import type { PerpOrder, PerpTrade, PositionView } from '../perpEngine.ts';
import type { PerpSpec } from '../perpMarkets.ts';

/** What the order has executed so far as the stream reports it (cumulative over the events sent). */
export interface Executed {
  qty: number;
  quote: number;
}

/** Spot `executionReport`: `x` NEW / TRADE / CANCELED / EXPIRED; `trade` only for TRADE. */
export function executionReport(order: Order, x: string, executed: Executed, now: number, trade?: SimTrade): Json {
  const isFilled = executed.qty > 0 && executed.qty >= order.origQty - 1e-12;
  const status = x === 'TRADE' ? (isFilled ? 'FILLED' : 'PARTIALLY_FILLED') : x;
  return {
    e: 'executionReport',
    E: now,
    s: order.symbol,
    c: order.clientOrderId,
    S: order.side,
    o: order.type,
    f: order.timeInForce,
    q: fmt8(order.origQty),
    p: fmt8(order.price),
    P: '0.00000000',
    F: '0.00000000',
    g: -1,
    C: '',
    x,
    X: status,
    r: 'NONE',
    i: order.orderId,
    l: fmt8(trade?.qty ?? 0),
    z: fmt8(executed.qty),
    L: fmt8(trade?.price ?? 0),
    n: fmt8(trade?.commission ?? 0),
    N: trade?.commissionAsset ?? null,
    T: trade?.time ?? order.updateTime,
    t: trade?.id ?? -1,
    I: 0,
    w: status === 'NEW' || status === 'PARTIALLY_FILLED',
    m: trade?.isMaker ?? false,
    M: false,
    O: order.time,
    Z: fmt8(executed.quote),
    Y: fmt8(trade?.quoteQty ?? 0),
    Q: fmt8(order.origQuoteOrderQty),
    W: order.workingTime,
    V: 'EXPIRE_MAKER',
  };
}

/** Spot `outboundAccountPosition`: the balances of the assets that changed. */
export function accountPosition(
  balances: ReadonlyMap<string, { free: number; locked: number }>,
  assets: Iterable<string>,
  now: number,
): Json {
  const rows: Json[] = [];
  for (const asset of new Set(assets)) {
    const b = balances.get(asset);
    rows.push({ a: asset, f: fmt8(b?.free ?? 0), l: fmt8(b?.locked ?? 0) });
  }
  return { e: 'outboundAccountPosition', E: now, u: now, B: rows };
}

/** USDⓈ-M `ORDER_TRADE_UPDATE`; `executed` is the order's cumulative fill as of this event. */
export function orderTradeUpdate(spec: PerpSpec, order: PerpOrder, x: string, executed: Executed, now: number, trade?: PerpTrade): Json {
  const isFilled = executed.qty > 0 && executed.qty >= order.origQty - 1e-12;
  const status = x === 'TRADE' ? (isFilled ? 'FILLED' : 'PARTIALLY_FILLED') : x;
  const avg = executed.qty > 0 ? executed.quote / executed.qty : 0;
  return {
    e: 'ORDER_TRADE_UPDATE',
    E: now,
    T: trade?.time ?? order.updateTime,
    o: {
      s: order.symbol,
      c: order.clientOrderId,
      S: order.side,
      o: order.type,
      f: order.timeInForce,
      q: qty(spec, order.origQty),
      p: px(spec, order.price),
      ap: avg.toFixed(Math.max(5, spec.pricePrecision)),
      sp: px(spec, 0),
      x,
      X: status,
      i: order.orderId,
      l: qty(spec, trade?.qty ?? 0),
      z: qty(spec, executed.qty),
      L: px(spec, trade?.price ?? 0),
      ...(trade !== undefined ? { N: trade.commissionAsset, n: fmt8(trade.commission) } : {}),
      T: trade?.time ?? order.updateTime,
      t: trade?.id ?? 0,
      b: '0',
      a: '0',
      m: trade?.maker ?? false,
      R: order.reduceOnly,
      wt: 'CONTRACT_PRICE',
      ot: order.type,
      ps: 'BOTH',
      cp: false,
      rp: fmt8(trade?.realizedPnl ?? 0),
      pP: false,
      si: 0,
      ss: 0,
      V: 'EXPIRE_MAKER',
      pm: 'NONE',
      gtd: 0,
    },
  };
}

/**
 * USDⓈ-M `ACCOUNT_UPDATE`: the wallet and the positions. `reason` is Binance's `m` (ORDER,
 * FUNDING_FEE, DEPOSIT, …); `change` is the balance change this event reports (`bc`, + = received).
 * Like Binance's, a FUNDING_FEE update names no symbol and no payment id: the income history does.
 */
export function accountUpdate(reason: string, wallet: number, change: number, positions: readonly PositionView[], now: number): Json {
  return {
    e: 'ACCOUNT_UPDATE',
    E: now,
    T: now,
    a: {
      m: reason,
      B: [{ a: 'USDT', wb: fmt8(wallet), cw: fmt8(wallet), bc: fmt8(change) }],
      P: positions.map((p) => ({
        s: p.spec.id,
        pa: qty(p.spec, p.positionAmt),
        ep: fmt8(p.entryPrice),
        bep: fmt8(p.entryPrice),
        cr: fmt8(p.cumRealised),
        up: fmt8(p.unrealizedPnl),
        mt: 'cross',
        iw: '0',
        ps: 'BOTH',
      })),
    },
  };
}
