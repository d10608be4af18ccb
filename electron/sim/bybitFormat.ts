/**
 * Bybit v5 wire shapes: the `{ retCode, retMsg, result, retExtInfo, time }` envelope and the rows
 * ccxt `bybit` parses (instruments, tickers, orders, executions, positions, wallet). Field names
 * follow Bybit's docs and the recorded payloads in /work/shared/fixtures/ccxt-static; numbers are
 * strings, as Bybit sends them.
 */

import { round8 } from './decimal.ts';
import type { MarketStats } from './engine.ts';
import type { Json } from './format.ts';
import type { BookLevel } from './market.ts';
import type { MarketSpec } from './markets.ts';
import type { Order, SimTrade } from './orders.ts';
import type { PerpOrder, PerpTrade, PositionView, SimFunding } from './perpEngine.ts';
import type { PerpSpec } from './perpMarkets.ts';

/** Decimals of a step such as 0.01 (→ 2) or 1 (→ 0). */
export function decimalsOf(step: number): number {
  let d = 0;
  while (d < 12 && Math.abs(Math.round(step * 10 ** d) - step * 10 ** d) > 1e-9) d++;
  return d;
}

/** Bybit prints plain decimals without trailing zeros ("0.0001", never "1e-4"). */
export function plain(value: number, decimals = 8): string {
  const text = round8(value).toFixed(decimals);
  const trimmed = text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
  return trimmed === '-0' ? '0' : trimmed;
}
const num = plain;
const p = (spec: MarketSpec, value: number): string => round8(value).toFixed(decimalsOf(spec.tickSize));
const q = (spec: MarketSpec, value: number): string => round8(value).toFixed(decimalsOf(spec.stepSize));

export function ok(result: Json, now: number): Json {
  return { retCode: 0, retMsg: 'OK', result, retExtInfo: {}, time: now };
}

export function failure(retCode: number, retMsg: string, now: number): Json {
  return { retCode, retMsg, result: {}, retExtInfo: {}, time: now };
}

/** A UUID-shaped id (Bybit's linear order and execution ids look like this), stable per input. */
export function uuidLike(kind: number, a: number, b: number): string {
  const hex = (n: number, width: number): string => (n >>> 0).toString(16).padStart(width, '0').slice(-width);
  return `${hex(kind, 8)}-${hex(a, 4)}-4${hex(a >>> 16, 3)}-8${hex(b >>> 24, 3)}-${hex(b, 12)}`;
}

export function spotInstrument(spec: MarketSpec): Json {
  return {
    symbol: spec.id,
    baseCoin: spec.base,
    quoteCoin: spec.quote,
    innovation: '0',
    status: 'Trading',
    marginTrading: 'none',
    stTag: '0',
    lotSizeFilter: {
      basePrecision: q(spec, spec.stepSize),
      quotePrecision: '0.00000001',
      minOrderQty: q(spec, spec.minQty),
      maxOrderQty: q(spec, spec.maxQty),
      minOrderAmt: num(spec.minNotional),
      maxOrderAmt: '2000000',
    },
    priceFilter: { tickSize: p(spec, spec.tickSize) },
    riskParameters: { priceLimitRatioX: '0.05', priceLimitRatioY: '0.05' },
  };
}

export function linearInstrument(spec: PerpSpec, fundingIntervalMs: number): Json {
  return {
    symbol: spec.id,
    contractType: 'LinearPerpetual',
    status: 'Trading',
    baseCoin: spec.base,
    quoteCoin: spec.quote,
    launchTime: '1585526400000',
    deliveryTime: '0',
    deliveryFeeRate: '',
    priceScale: String(decimalsOf(spec.tickSize)),
    leverageFilter: { minLeverage: '1', maxLeverage: `${spec.maxLeverage}.00`, leverageStep: '0.01' },
    priceFilter: { minPrice: p(spec, spec.minPrice), maxPrice: p(spec, spec.maxPrice), tickSize: p(spec, spec.tickSize) },
    lotSizeFilter: {
      maxOrderQty: q(spec, spec.maxQty),
      minOrderQty: q(spec, spec.minQty),
      qtyStep: q(spec, spec.stepSize),
      postOnlyMaxOrderQty: q(spec, spec.maxQty),
      maxMktOrderQty: q(spec, spec.maxMarketQty),
      minNotionalValue: num(spec.minNotional),
    },
    unifiedMarginTrade: true,
    // Minutes; the simulator's interval may be shorter than a minute (the demo's is).
    fundingInterval: Math.max(1, Math.round(fundingIntervalMs / 60_000)),
    settleCoin: spec.settle,
    copyTrading: 'both',
    upperFundingRate: '0.003',
    lowerFundingRate: '-0.003',
    isPreListing: false,
    preListingInfo: null,
  };
}

export function spotTicker(spec: MarketSpec, s: MarketStats, bid: BookLevel | undefined, ask: BookLevel | undefined): Json {
  return {
    symbol: spec.id,
    bid1Price: p(spec, bid?.price ?? 0),
    bid1Size: q(spec, bid?.qty ?? 0),
    ask1Price: p(spec, ask?.price ?? 0),
    ask1Size: q(spec, ask?.qty ?? 0),
    lastPrice: p(spec, s.last),
    prevPrice24h: p(spec, s.open),
    price24hPcnt: (s.open === 0 ? 0 : (s.last - s.open) / s.open).toFixed(4),
    highPrice24h: p(spec, s.high),
    lowPrice24h: p(spec, s.low),
    turnover24h: num(s.quoteVolume),
    volume24h: num(s.volume),
    usdIndexPrice: p(spec, s.last),
  };
}

export function linearTicker(
  spec: PerpSpec,
  s: MarketStats,
  bid: BookLevel | undefined,
  ask: BookLevel | undefined,
  f: { mark: number; index: number; rate: number; nextFundingTime: number },
): Json {
  return {
    symbol: spec.id,
    lastPrice: p(spec, s.last),
    indexPrice: num(f.index, 4),
    markPrice: p(spec, f.mark),
    prevPrice24h: p(spec, s.open),
    price24hPcnt: (s.open === 0 ? 0 : (s.last - s.open) / s.open).toFixed(6),
    highPrice24h: p(spec, s.high),
    lowPrice24h: p(spec, s.low),
    prevPrice1h: p(spec, s.open),
    openInterest: '0',
    openInterestValue: '0',
    turnover24h: num(s.quoteVolume, 4),
    volume24h: num(s.volume, 4),
    fundingRate: num(f.rate),
    nextFundingTime: String(f.nextFundingTime),
    predictedDeliveryPrice: '',
    basisRate: '',
    deliveryFeeRate: '',
    deliveryTime: '0',
    ask1Size: q(spec, ask?.qty ?? 0),
    bid1Price: p(spec, bid?.price ?? 0),
    ask1Price: p(spec, ask?.price ?? 0),
    bid1Size: q(spec, bid?.qty ?? 0),
    basis: '',
  };
}

export function orderbook(spec: MarketSpec, book: { lastUpdateId: number; bids: BookLevel[]; asks: BookLevel[] }, now: number): Json {
  return {
    s: spec.id,
    b: book.bids.map((l) => [p(spec, l.price), q(spec, l.qty)]),
    a: book.asks.map((l) => [p(spec, l.price), q(spec, l.qty)]),
    ts: now,
    u: book.lastUpdateId,
    seq: book.lastUpdateId,
    cts: now,
  };
}

const ORDER_STATUS: Record<string, string> = {
  NEW: 'New',
  PARTIALLY_FILLED: 'PartiallyFilled',
  FILLED: 'Filled',
  CANCELED: 'Cancelled',
  EXPIRED: 'Cancelled',
};

const TIF: Record<string, string> = { GTC: 'GTC', IOC: 'IOC', FOK: 'FOK', GTX: 'PostOnly' };

/** The id a Bybit client sees for an engine order. */
export function bybitOrderId(category: 'spot' | 'linear', orderId: number, symbolIndex: number): string {
  return category === 'spot'
    ? String(1_900_000_000_000_000_000n + BigInt(symbolIndex) * 1_000_000_000n + BigInt(orderId))
    : uuidLike(0x0ade0001, symbolIndex, orderId);
}

/** The fields a linear and a spot order share, in Bybit's order; only `isLeverage` and `timeInForce` read differently. */
function orderHead(
  spec: MarketSpec,
  o: Order | PerpOrder,
  orderId: string,
  isLeverage: string,
  timeInForce: string,
): { [key: string]: Json } {
  const avg = o.executedQty > 0 ? o.cumQuote / o.executedQty : 0;
  const leaves = o.status === 'NEW' || o.status === 'PARTIALLY_FILLED' ? o.origQty - o.executedQty : 0;
  return {
    orderId,
    orderLinkId: o.clientOrderId,
    blockTradeId: '',
    symbol: spec.id,
    price: o.type === 'MARKET' ? '0' : p(spec, o.price),
    qty: q(spec, o.origQty),
    side: o.side === 'BUY' ? 'Buy' : 'Sell',
    isLeverage,
    positionIdx: 0,
    orderStatus: ORDER_STATUS[o.status] ?? 'New',
    cancelType: o.status === 'CANCELED' ? 'CancelByUser' : 'UNKNOWN',
    rejectReason: 'EC_NoError',
    avgPrice: o.executedQty > 0 ? p(spec, avg) : '',
    leavesQty: q(spec, leaves),
    leavesValue: num(leaves * o.price),
    cumExecQty: q(spec, o.executedQty),
    cumExecValue: num(o.cumQuote),
    cumExecFee: '0',
    timeInForce,
    orderType: o.type === 'MARKET' ? 'Market' : 'Limit',
  };
}

export function linearOrder(spec: PerpSpec, o: PerpOrder, orderId: string): Json {
  return {
    ...orderHead(spec, o, orderId, '', TIF[o.timeInForce] ?? 'GTC'),
    stopOrderType: '',
    orderIv: '',
    triggerPrice: '',
    takeProfit: '',
    stopLoss: '',
    tpTriggerBy: '',
    slTriggerBy: '',
    triggerDirection: 0,
    triggerBy: '',
    lastPriceOnCreated: '',
    reduceOnly: o.reduceOnly,
    closeOnTrigger: false,
    smpType: 'None',
    smpGroup: 0,
    smpOrderId: '',
    tpslMode: '',
    tpLimitPrice: '',
    slLimitPrice: '',
    placeType: '',
    createdTime: String(o.time),
    updatedTime: String(o.updateTime),
  };
}

export function spotOrder(spec: MarketSpec, o: Order, orderId: string): Json {
  return {
    ...orderHead(spec, o, orderId, '0', o.type === 'LIMIT_MAKER' ? 'PostOnly' : o.timeInForce),
    stopOrderType: '',
    orderFilter: 'Order',
    triggerPrice: '0.00',
    takeProfit: '0.00',
    stopLoss: '0.00',
    reduceOnly: false,
    closeOnTrigger: false,
    smpType: 'None',
    createdTime: String(o.time),
    updatedTime: String(o.updateTime),
  };
}

export function linearExecution(spec: PerpSpec, t: PerpTrade, ids: { orderId: string; execId: string; seq: number }): Json {
  return {
    symbol: spec.id,
    orderType: t.orderType === 'MARKET' ? 'Market' : 'Limit',
    underlyingPrice: '',
    orderLinkId: t.clientOrderId,
    orderId: ids.orderId,
    stopOrderType: 'UNKNOWN',
    execTime: String(t.time),
    feeCurrency: '',
    createType: 'CreateByUser',
    feeRate: num(t.feeRate),
    tradeIv: '',
    blockTradeId: '',
    markPrice: p(spec, t.markPrice),
    execPrice: p(spec, t.price),
    markIv: '',
    orderQty: q(spec, t.orderQty),
    orderPrice: t.orderType === 'MARKET' ? '0' : p(spec, t.orderPrice),
    execValue: num(t.quoteQty),
    closedSize: q(spec, t.closedQty),
    execType: 'Trade',
    seq: ids.seq,
    side: t.side === 'BUY' ? 'Buy' : 'Sell',
    indexPrice: num(t.indexPrice, 4),
    leavesQty: q(spec, t.leavesQty),
    isMaker: t.maker,
    execFee: num(t.commission),
    execId: ids.execId,
    marketUnit: '',
    execQty: q(spec, t.qty),
    execPnl: num(t.realizedPnl),
  };
}

/**
 * A funding settlement as Bybit lists it in /v5/execution/list: `execFee` is what the account PAID
 * (+ = paid, − = received) — the opposite sign of Binance's `income` — `feeRate` the funding rate,
 * `execQty` the position size, `execPrice`/`markPrice` the mark, `side` the position's side.
 */
export function fundingExecution(spec: PerpSpec, f: SimFunding, ids: { orderId: string; execId: string; seq: number }): Json {
  const size = Math.abs(f.positionAmt);
  return {
    symbol: spec.id,
    orderType: 'UNKNOWN',
    underlyingPrice: '',
    orderLinkId: '',
    orderId: ids.orderId,
    stopOrderType: 'UNKNOWN',
    execTime: String(f.time),
    feeCurrency: '',
    createType: '',
    feeRate: num(f.rate),
    tradeIv: '',
    blockTradeId: '',
    markPrice: p(spec, f.markPrice),
    execPrice: p(spec, f.markPrice),
    markIv: '',
    orderQty: '0',
    orderPrice: '0',
    execValue: num(size * f.markPrice),
    closedSize: '0',
    execType: 'Funding',
    seq: ids.seq,
    side: f.positionAmt > 0 ? 'Buy' : 'Sell',
    indexPrice: '',
    leavesQty: '0',
    isMaker: false,
    execFee: num(-f.amount),
    execId: ids.execId,
    marketUnit: '',
    execQty: q(spec, size),
  };
}

export function spotExecution(
  spec: MarketSpec,
  t: SimTrade,
  o: Order | undefined,
  ids: { orderId: string; seq: number; feeRate: number },
): Json {
  return {
    symbol: spec.id,
    orderType: o?.type === 'MARKET' ? 'Market' : 'Limit',
    underlyingPrice: '',
    orderLinkId: o?.clientOrderId ?? '',
    orderId: ids.orderId,
    stopOrderType: '',
    execTime: String(t.time),
    feeCurrency: t.commissionAsset,
    feeRate: num(ids.feeRate),
    tradeIv: '',
    blockTradeId: '',
    markPrice: '',
    execPrice: p(spec, t.price),
    markIv: '',
    orderQty: q(spec, o?.origQty ?? t.qty),
    orderPrice: o === undefined || o.type === 'MARKET' ? '0' : p(spec, o.price),
    execValue: num(t.quoteQty),
    closedSize: '',
    execType: 'Trade',
    seq: ids.seq,
    side: t.isBuyer ? 'Buy' : 'Sell',
    indexPrice: '',
    leavesQty: q(spec, o === undefined ? 0 : Math.max(0, o.origQty - o.executedQty)),
    isMaker: t.isMaker,
    execFee: num(t.commission),
    execId: String(2_100_000_000_000_000_000n + BigInt(ids.seq)),
    marketUnit: '',
    execQty: q(spec, t.qty),
  };
}

export function position(v: PositionView, seq: number): Json {
  const spec = v.spec;
  const size = Math.abs(v.positionAmt);
  const side = v.positionAmt > 0 ? 'Buy' : v.positionAmt < 0 ? 'Sell' : '';
  return {
    positionIdx: 0,
    riskId: 1,
    riskLimitValue: '2000000',
    symbol: spec.id,
    side,
    size: q(spec, size),
    avgPrice: size === 0 ? '0' : num(v.entryPrice),
    positionValue: num(size * v.entryPrice),
    tradeMode: 0,
    positionStatus: 'Normal',
    autoAddMargin: 0,
    adlRankIndicator: size === 0 ? 0 : 2,
    leverage: String(v.leverage),
    positionBalance: num(v.initialMargin),
    markPrice: p(spec, v.markPrice),
    liqPrice: '',
    bustPrice: '',
    positionMM: num(v.maintMargin),
    positionIM: num(v.initialMargin),
    tpslMode: 'Full',
    takeProfit: '',
    stopLoss: '',
    trailingStop: '0',
    unrealisedPnl: num(v.unrealizedPnl),
    curRealisedPnl: num(v.cumRealised),
    cumRealisedPnl: num(v.cumRealised),
    sessionAvgPrice: '',
    breakEvenPrice: size === 0 ? '' : num(v.entryPrice),
    isReduceOnly: false,
    leverageSysUpdatedTime: '',
    mmrSysUpdatedTime: '',
    seq,
    createdTime: String(v.createdTime),
    updatedTime: String(v.updateTime),
  };
}
