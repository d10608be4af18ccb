/**
 * Binance spot's wire shapes. Field names, their order and the 8-decimal strings follow the API
 * docs' examples, because ccxt's parsers (and anything reading `info`) look at these exact keys.
 */

import { fmt8 } from './decimal.ts';
import type { MarketStats } from './engine.ts';
import type { BookLevel } from './market.ts';
import type { MarketSpec } from './markets.ts';
import type { FeeRates, Order, SimTrade } from './orders.ts';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const STP_MODE = 'EXPIRE_MAKER';

export function symbolInfo(spec: MarketSpec): Json {
  return {
    symbol: spec.id,
    status: 'TRADING',
    baseAsset: spec.base,
    baseAssetPrecision: 8,
    quoteAsset: spec.quote,
    quotePrecision: 8,
    quoteAssetPrecision: 8,
    baseCommissionPrecision: 8,
    quoteCommissionPrecision: 8,
    orderTypes: ['LIMIT', 'LIMIT_MAKER', 'MARKET'],
    icebergAllowed: false,
    ocoAllowed: false,
    otoAllowed: false,
    quoteOrderQtyMarketAllowed: true,
    allowTrailingStop: false,
    cancelReplaceAllowed: false,
    amendAllowed: false,
    isSpotTradingAllowed: true,
    isMarginTradingAllowed: false,
    filters: [
      { filterType: 'PRICE_FILTER', minPrice: fmt8(spec.minPrice), maxPrice: fmt8(spec.maxPrice), tickSize: fmt8(spec.tickSize) },
      { filterType: 'LOT_SIZE', minQty: fmt8(spec.minQty), maxQty: fmt8(spec.maxQty), stepSize: fmt8(spec.stepSize) },
      { filterType: 'MARKET_LOT_SIZE', minQty: '0.00000000', maxQty: fmt8(spec.maxQty), stepSize: '0.00000000' },
      { filterType: 'MIN_NOTIONAL', minNotional: fmt8(spec.minNotional), applyToMarket: true, avgPriceMins: 5 },
      {
        filterType: 'NOTIONAL',
        minNotional: fmt8(spec.minNotional),
        applyMinToMarket: true,
        maxNotional: '9000000.00000000',
        applyMaxToMarket: false,
        avgPriceMins: 5,
      },
      { filterType: 'MAX_NUM_ORDERS', maxNumOrders: 200 },
    ],
    permissions: ['SPOT'],
    permissionSets: [['SPOT']],
    defaultSelfTradePreventionMode: STP_MODE,
    allowedSelfTradePreventionModes: ['NONE', 'EXPIRE_TAKER', 'EXPIRE_MAKER', 'EXPIRE_BOTH'],
  };
}

export function exchangeInfo(markets: readonly MarketSpec[], serverTime: number): Json {
  return {
    timezone: 'UTC',
    serverTime,
    rateLimits: [
      { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 6000 },
      { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 100 },
      { rateLimitType: 'ORDERS', interval: 'DAY', intervalNum: 1, limit: 200000 },
    ],
    exchangeFilters: [],
    symbols: markets.map(symbolInfo),
  };
}

const pair = (level: BookLevel | undefined): [string, string] => [fmt8(level?.price ?? 0), fmt8(level?.qty ?? 0)];

export function depth(book: { lastUpdateId: number; bids: BookLevel[]; asks: BookLevel[] }): Json {
  return { lastUpdateId: book.lastUpdateId, bids: book.bids.map(pair), asks: book.asks.map(pair) };
}

export function bookTicker(spec: MarketSpec, bid: BookLevel | undefined, ask: BookLevel | undefined): Json {
  const [bidPrice, bidQty] = pair(bid);
  const [askPrice, askQty] = pair(ask);
  return { symbol: spec.id, bidPrice, bidQty, askPrice, askQty };
}

export function ticker24hr(spec: MarketSpec, s: MarketStats, bid: BookLevel | undefined, ask: BookLevel | undefined, now: number): Json {
  const change = s.last - s.open;
  return {
    symbol: spec.id,
    priceChange: fmt8(change),
    priceChangePercent: (s.open === 0 ? 0 : (change / s.open) * 100).toFixed(3),
    weightedAvgPrice: fmt8(s.volume === 0 ? s.last : s.quoteVolume / s.volume),
    prevClosePrice: fmt8(s.open),
    lastPrice: fmt8(s.last),
    lastQty: fmt8(s.lastQty),
    bidPrice: fmt8(bid?.price ?? 0),
    bidQty: fmt8(bid?.qty ?? 0),
    askPrice: fmt8(ask?.price ?? 0),
    askQty: fmt8(ask?.qty ?? 0),
    openPrice: fmt8(s.open),
    highPrice: fmt8(s.high),
    lowPrice: fmt8(s.low),
    volume: fmt8(s.volume),
    quoteVolume: fmt8(s.quoteVolume),
    openTime: s.openTime,
    closeTime: now,
    firstId: s.firstId,
    lastId: s.lastId,
    count: s.count,
  };
}

function orderCore(order: Order): { [key: string]: Json } {
  return {
    symbol: order.symbol,
    orderId: order.orderId,
    orderListId: -1,
    clientOrderId: order.clientOrderId,
  };
}

function orderBody(order: Order): { [key: string]: Json } {
  return {
    price: fmt8(order.price),
    origQty: fmt8(order.origQty),
    executedQty: fmt8(order.executedQty),
    origQuoteOrderQty: fmt8(order.origQuoteOrderQty),
    cummulativeQuoteQty: fmt8(order.cumQuote),
    status: order.status,
    timeInForce: order.timeInForce,
    type: order.type,
    side: order.side,
  };
}

/** GET /api/v3/order and each row of GET /api/v3/openOrders. */
export function queryOrder(order: Order): Json {
  return {
    ...orderCore(order),
    ...orderBody(order),
    stopPrice: '0.00000000',
    icebergQty: '0.00000000',
    time: order.time,
    updateTime: order.updateTime,
    isWorking: true,
    workingTime: order.workingTime,
    selfTradePreventionMode: STP_MODE,
  };
}

/** POST /api/v3/order in the ACK, RESULT or FULL response type. */
export function newOrder(order: Order, fills: readonly SimTrade[], respType: 'ACK' | 'RESULT' | 'FULL'): Json {
  const ack = { ...orderCore(order), transactTime: order.time };
  if (respType === 'ACK') return ack;
  const result = { ...ack, ...orderBody(order), workingTime: order.workingTime, selfTradePreventionMode: STP_MODE };
  if (respType === 'RESULT') return result;
  return {
    ...result,
    fills: fills.map((t) => ({
      price: fmt8(t.price),
      qty: fmt8(t.qty),
      commission: fmt8(t.commission),
      commissionAsset: t.commissionAsset,
      tradeId: t.id,
    })),
  };
}

/** DELETE /api/v3/order and each row of DELETE /api/v3/openOrders. */
export function canceledOrder(order: Order, cancelClientOrderId: string, now: number): Json {
  return {
    symbol: order.symbol,
    origClientOrderId: order.clientOrderId,
    orderId: order.orderId,
    orderListId: -1,
    clientOrderId: cancelClientOrderId,
    transactTime: now,
    ...orderBody(order),
    selfTradePreventionMode: STP_MODE,
  };
}

export function myTrade(t: SimTrade): Json {
  return {
    symbol: t.symbol,
    id: t.id,
    orderId: t.orderId,
    orderListId: t.orderListId,
    price: fmt8(t.price),
    qty: fmt8(t.qty),
    quoteQty: fmt8(t.quoteQty),
    commission: fmt8(t.commission),
    commissionAsset: t.commissionAsset,
    time: t.time,
    isBuyer: t.isBuyer,
    isMaker: t.isMaker,
    isBestMatch: t.isBestMatch,
  };
}

export function account(
  balances: ReadonlyMap<string, { free: number; locked: number }>,
  fees: FeeRates,
  updateTime: number,
  omitZero: boolean,
): Json {
  const rows: Json[] = [];
  for (const [asset, b] of [...balances.entries()].sort((x, y) => x[0].localeCompare(y[0]))) {
    if (omitZero && b.free === 0 && b.locked === 0) continue;
    rows.push({ asset, free: fmt8(b.free), locked: fmt8(b.locked) });
  }
  // Binance states account commissions in hundredths of a percent (10 = 0.1 %).
  const bps = (rate: number): number => Math.round(rate * 10000);
  return {
    makerCommission: bps(fees.maker),
    takerCommission: bps(fees.taker),
    buyerCommission: 0,
    sellerCommission: 0,
    commissionRates: { maker: fmt8(fees.maker), taker: fmt8(fees.taker), buyer: '0.00000000', seller: '0.00000000' },
    canTrade: true,
    canWithdraw: false,
    canDeposit: false,
    brokered: false,
    requireSelfTradePrevention: false,
    preventSor: false,
    updateTime,
    accountType: 'SPOT',
    balances: rows,
    permissions: ['SPOT'],
    uid: 0,
  };
}
