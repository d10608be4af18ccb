/**
 * Binance USDⓈ-M (`/fapi`) wire shapes. Field names and their number formats follow the API docs'
 * examples and recorded responses (prices at the symbol's `pricePrecision`, quantities at its
 * `quantityPrecision`, money at 8 decimals), because ccxt's parsers and anything reading `info`
 * look at these exact keys.
 */

import { fmt8, round8 } from './decimal.ts';
import type { MarketStats } from './engine.ts';
import type { Json } from './format.ts';
import type { BookLevel } from './market.ts';
import type { FundingRateRow, FuturesAccountView, IncomeRow, PerpOrder, PerpTrade, PositionView } from './perpEngine.ts';
import type { PerpSpec } from './perpMarkets.ts';

const STP_MODE = 'EXPIRE_MAKER';
/** Binance's far-future delivery date for perpetuals (2100-12-25). */
const PERPETUAL_DELIVERY = 4133404800000;
const ONBOARD = 1569398400000;

const fixed = (value: number, decimals: number): string => round8(value).toFixed(decimals);
export const px = (spec: PerpSpec, value: number): string => fixed(value, spec.pricePrecision);
export const qty = (spec: PerpSpec, value: number): string => fixed(value, spec.quantityPrecision);
const quote = (spec: PerpSpec, value: number): string => fixed(value, Math.min(8, spec.pricePrecision + spec.quantityPrecision));

export function symbolInfo(spec: PerpSpec): Json {
  return {
    symbol: spec.id,
    pair: spec.id,
    contractType: 'PERPETUAL',
    deliveryDate: PERPETUAL_DELIVERY,
    onboardDate: ONBOARD,
    status: 'TRADING',
    maintMarginPercent: '2.5000',
    requiredMarginPercent: '5.0000',
    baseAsset: spec.base,
    quoteAsset: spec.quote,
    marginAsset: spec.settle,
    pricePrecision: spec.pricePrecision,
    quantityPrecision: spec.quantityPrecision,
    baseAssetPrecision: 8,
    quotePrecision: 8,
    underlyingType: 'COIN',
    underlyingSubType: [],
    settlePlan: 0,
    triggerProtect: '0.0500',
    liquidationFee: '0.012500',
    marketTakeBound: '0.05',
    maxMoveOrderLimit: 10000,
    filters: [
      {
        filterType: 'PRICE_FILTER',
        minPrice: px(spec, spec.minPrice),
        maxPrice: px(spec, spec.maxPrice),
        tickSize: px(spec, spec.tickSize),
      },
      { filterType: 'LOT_SIZE', minQty: qty(spec, spec.minQty), maxQty: qty(spec, spec.maxQty), stepSize: qty(spec, spec.stepSize) },
      {
        filterType: 'MARKET_LOT_SIZE',
        minQty: qty(spec, spec.minQty),
        maxQty: qty(spec, spec.maxMarketQty),
        stepSize: qty(spec, spec.stepSize),
      },
      { filterType: 'MAX_NUM_ORDERS', limit: 200 },
      { filterType: 'MAX_NUM_ALGO_ORDERS', limit: 10 },
      { filterType: 'MIN_NOTIONAL', notional: String(spec.minNotional) },
      { filterType: 'PERCENT_PRICE', multiplierUp: '1.0500', multiplierDown: '0.9500', multiplierDecimal: '4' },
    ],
    // Only what the simulator executes: ccxt refuses other types before sending them.
    orderTypes: ['LIMIT', 'MARKET'],
    timeInForce: ['GTC', 'IOC', 'FOK', 'GTX'],
    permissionSets: ['GRID', 'COPY'],
  };
}

export function exchangeInfo(perps: readonly PerpSpec[], serverTime: number): Json {
  return {
    timezone: 'UTC',
    serverTime,
    futuresType: 'U_MARGINED',
    rateLimits: [
      { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 2400 },
      { rateLimitType: 'ORDERS', interval: 'MINUTE', intervalNum: 1, limit: 1200 },
      { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 300 },
    ],
    exchangeFilters: [],
    assets: [{ asset: 'USDT', marginAvailable: true, autoAssetExchange: '-10000' }],
    symbols: perps.map(symbolInfo),
  };
}

const pair = (spec: PerpSpec, level: BookLevel): [string, string] => [px(spec, level.price), qty(spec, level.qty)];

export function depth(spec: PerpSpec, book: { lastUpdateId: number; bids: BookLevel[]; asks: BookLevel[] }, now: number): Json {
  return {
    lastUpdateId: book.lastUpdateId,
    E: now,
    T: now,
    bids: book.bids.map((l) => pair(spec, l)),
    asks: book.asks.map((l) => pair(spec, l)),
  };
}

export function ticker24hr(spec: PerpSpec, s: MarketStats, now: number): Json {
  const change = s.last - s.open;
  return {
    symbol: spec.id,
    priceChange: px(spec, change),
    priceChangePercent: (s.open === 0 ? 0 : (change / s.open) * 100).toFixed(3),
    weightedAvgPrice: px(spec, s.volume === 0 ? s.last : s.quoteVolume / s.volume),
    lastPrice: px(spec, s.last),
    lastQty: qty(spec, s.lastQty),
    openPrice: px(spec, s.open),
    highPrice: px(spec, s.high),
    lowPrice: px(spec, s.low),
    volume: qty(spec, s.volume),
    quoteVolume: fixed(s.quoteVolume, 2),
    openTime: s.openTime,
    closeTime: now,
    firstId: s.firstId,
    lastId: s.lastId,
    count: s.count,
  };
}

export function bookTicker(spec: PerpSpec, bid: BookLevel | undefined, ask: BookLevel | undefined, now: number): Json {
  return {
    symbol: spec.id,
    bidPrice: px(spec, bid?.price ?? 0),
    bidQty: qty(spec, bid?.qty ?? 0),
    askPrice: px(spec, ask?.price ?? 0),
    askQty: qty(spec, ask?.qty ?? 0),
    time: now,
  };
}

export function premiumIndex(
  spec: PerpSpec,
  p: { mark: number; index: number; rate: number; nextFundingTime: number; intervalMs: number },
  now: number,
): Json {
  return {
    symbol: spec.id,
    markPrice: fmt8(p.mark),
    indexPrice: fmt8(p.index),
    estimatedSettlePrice: fmt8(p.mark),
    lastFundingRate: fmt8(p.rate),
    interestRate: '0.00010000',
    nextFundingTime: p.nextFundingTime,
    time: now,
  };
}

export function fundingRateRow(spec: PerpSpec, r: FundingRateRow): Json {
  return { symbol: spec.id, fundingTime: r.time, fundingRate: fmt8(r.rate), markPrice: fmt8(r.markPrice) };
}

/** Order body for POST/DELETE/GET order and openOrders. `withTime` adds `time` (queries do). */
export function order(spec: PerpSpec, o: PerpOrder, withTime: boolean, asAck = false): Json {
  const executed = asAck ? 0 : o.executedQty;
  const cumQuote = asAck ? 0 : o.cumQuote;
  const avg = executed > 0 ? cumQuote / executed : 0;
  return {
    orderId: o.orderId,
    symbol: o.symbol,
    status: asAck ? 'NEW' : o.status,
    clientOrderId: o.clientOrderId,
    price: px(spec, o.price),
    avgPrice: fixed(avg, Math.max(5, spec.pricePrecision)),
    origQty: qty(spec, o.origQty),
    executedQty: qty(spec, executed),
    cumQty: qty(spec, executed),
    cumQuote: quote(spec, cumQuote),
    timeInForce: o.timeInForce,
    type: o.type,
    reduceOnly: o.reduceOnly,
    closePosition: false,
    side: o.side,
    positionSide: 'BOTH',
    stopPrice: px(spec, 0),
    workingType: 'CONTRACT_PRICE',
    priceProtect: false,
    origType: o.type,
    priceMatch: 'NONE',
    selfTradePreventionMode: STP_MODE,
    goodTillDate: 0,
    ...(withTime ? { time: o.time } : {}),
    updateTime: asAck ? o.time : o.updateTime,
  };
}

export function userTrade(spec: PerpSpec, t: PerpTrade): Json {
  return {
    symbol: t.symbol,
    id: t.id,
    orderId: t.orderId,
    side: t.side,
    price: px(spec, t.price),
    qty: qty(spec, t.qty),
    realizedPnl: fmt8(t.realizedPnl),
    marginAsset: spec.settle,
    quoteQty: quote(spec, t.quoteQty),
    commission: fmt8(t.commission),
    commissionAsset: t.commissionAsset,
    time: t.time,
    positionSide: t.positionSide,
    buyer: t.buyer,
    maker: t.maker,
  };
}

export function income(r: IncomeRow): Json {
  return {
    symbol: r.symbol,
    incomeType: r.incomeType,
    income: fmt8(r.income),
    asset: r.asset,
    info: r.incomeType,
    time: r.time,
    tranId: r.tranId,
    tradeId: r.tradeId,
  };
}

/** The size and prices a position risk row shows alike in v2 and v3. */
function positionPrices(p: PositionView) {
  return {
    positionAmt: qty(p.spec, p.positionAmt),
    entryPrice: fmt8(p.entryPrice),
    breakEvenPrice: fmt8(p.entryPrice),
    markPrice: fmt8(p.markPrice),
    unRealizedProfit: fmt8(p.unrealizedPnl),
    liquidationPrice: '0',
  };
}

/** GET /fapi/v3/positionRisk row (one-way mode, cross margin). */
export function positionRiskV3(p: PositionView): Json {
  const spec = p.spec;
  return {
    symbol: spec.id,
    positionSide: 'BOTH',
    ...positionPrices(p),
    isolatedMargin: '0',
    notional: fmt8(p.notional),
    marginAsset: spec.settle,
    isolatedWallet: '0',
    initialMargin: fmt8(p.initialMargin + p.openOrderInitialMargin),
    maintMargin: fmt8(p.maintMargin),
    positionInitialMargin: fmt8(p.initialMargin),
    openOrderInitialMargin: fmt8(p.openOrderInitialMargin),
    adl: 0,
    bidNotional: '0',
    askNotional: '0',
    updateTime: p.updateTime,
  };
}

/** GET /fapi/v2/positionRisk row: every symbol, with leverage and margin type. */
export function positionRiskV2(p: PositionView): Json {
  const spec = p.spec;
  return {
    symbol: spec.id,
    ...positionPrices(p),
    leverage: String(p.leverage),
    maxNotionalValue: '1000000000',
    marginType: 'cross',
    isolatedMargin: '0.00000000',
    isAutoAddMargin: 'false',
    positionSide: 'BOTH',
    notional: fmt8(p.notional),
    isolatedWallet: '0',
    updateTime: p.updateTime,
  };
}

export function leverageBrackets(perps: readonly PerpSpec[]): Json {
  return perps.map((spec) => ({
    symbol: spec.id,
    notionalCoef: 1.0,
    brackets: [
      {
        bracket: 1,
        initialLeverage: spec.maxLeverage,
        notionalCap: 1_000_000_000,
        notionalFloor: 0,
        maintMarginRatio: spec.maintMarginRatio,
        cum: 0,
      },
    ],
  }));
}

/** GET /fapi/v3/account (and v2, which adds nothing the simulator tracks). */
export function account(view: FuturesAccountView, positions: readonly PositionView[]): Json {
  const asset = {
    asset: 'USDT',
    walletBalance: fmt8(view.walletBalance),
    unrealizedProfit: fmt8(view.unrealizedPnl),
    marginBalance: fmt8(view.marginBalance),
    maintMargin: fmt8(view.maintMargin),
    initialMargin: fmt8(view.positionInitialMargin + view.openOrderInitialMargin),
    positionInitialMargin: fmt8(view.positionInitialMargin),
    openOrderInitialMargin: fmt8(view.openOrderInitialMargin),
    ...walletTail(view),
  };
  return {
    feeTier: 0,
    canTrade: true,
    canDeposit: true,
    canWithdraw: true,
    tradeGroupId: -1,
    updateTime: 0,
    multiAssetsMargin: false,
    totalInitialMargin: asset.initialMargin,
    totalMaintMargin: asset.maintMargin,
    totalWalletBalance: asset.walletBalance,
    totalUnrealizedProfit: asset.unrealizedProfit,
    totalMarginBalance: asset.marginBalance,
    totalPositionInitialMargin: asset.positionInitialMargin,
    totalOpenOrderInitialMargin: asset.openOrderInitialMargin,
    totalCrossWalletBalance: asset.crossWalletBalance,
    totalCrossUnPnl: asset.crossUnPnl,
    availableBalance: asset.availableBalance,
    maxWithdrawAmount: asset.maxWithdrawAmount,
    assets: [asset],
    positions: positions
      .filter((p) => p.positionAmt !== 0)
      .map((p) => ({
        symbol: p.spec.id,
        positionSide: 'BOTH',
        positionAmt: qty(p.spec, p.positionAmt),
        unrealizedProfit: fmt8(p.unrealizedPnl),
        isolatedMargin: '0',
        notional: fmt8(p.notional),
        isolatedWallet: '0',
        initialMargin: fmt8(p.initialMargin),
        maintMargin: fmt8(p.maintMargin),
        updateTime: p.updateTime,
      })),
  };
}

/** The USDT wallet's closing fields, alike in the account's asset and in the balance list. */
function walletTail(view: FuturesAccountView) {
  return {
    crossWalletBalance: fmt8(view.walletBalance),
    crossUnPnl: fmt8(view.unrealizedPnl),
    availableBalance: fmt8(view.availableBalance),
    maxWithdrawAmount: fmt8(Math.min(view.availableBalance, view.walletBalance)),
    marginAvailable: true,
    // ccxt skips assets whose updateTime is 0 (never used), so a funded wallet needs a real time.
    updateTime: view.updateTime,
  };
}

/** GET /fapi/v2/balance. */
export function balance(view: FuturesAccountView): Json {
  return [
    {
      accountAlias: 'SimFzAzXq',
      asset: 'USDT',
      balance: fmt8(view.walletBalance),
      ...walletTail(view),
    },
  ];
}
