/**
 * Bybit v5 REST (`/v5/...`) over the same engines: the spot engine for `category=spot` and the
 * perpetual engine for `category=linear`, for accounts marked `dialect: 'bybit'`. Bybit's unified
 * trading account is shown as one wallet: per coin, spot balance (+ the futures USDT wallet for
 * USDT); it is still two pools inside (spot orders lock spot balance, perpetuals margin the USDT
 * futures wallet).
 *
 * Auth (what ccxt `bybit` sends for v5): headers X-BAPI-API-KEY, X-BAPI-TIMESTAMP,
 * X-BAPI-RECV-WINDOW (default 5000) and X-BAPI-SIGN = hex HMAC-SHA256(secret, timestamp + apiKey +
 * recvWindow + (GET: the raw query string | POST: the raw JSON body)). Checks, in order: headers
 * present (10001 "… openapi sign params error!"), key known (10003, HTTP 401), signature (10004,
 * HTTP 401), timestamp within [server − recvWindow, server + 1000) (10002).
 *
 * Errors keep Bybit's envelope `{ retCode, retMsg, result: {}, retExtInfo: {}, time }` with HTTP 200
 * except the two auth failures above. Not modelled: a crossing PostOnly order is refused (10001)
 * where Bybit would accept then cancel it.
 */

import { createHmac, timingSafeEqual } from 'node:crypto';
import {
  bybitOrderId,
  failure,
  plain,
  fundingExecution,
  linearExecution,
  linearInstrument,
  linearOrder,
  linearTicker,
  ok,
  orderbook,
  position,
  spotExecution,
  spotInstrument,
  spotOrder,
  spotTicker,
  uuidLike,
} from './bybitFormat.ts';
import { round8 } from './decimal.ts';
import type { NewOrderRequest } from './engine.ts';
import type { FuturesContext } from './binanceFutures.ts';
import type { SpotRequest } from './binanceSpot.ts';
import { BinanceError } from './errors.ts';
import type { Json } from './format.ts';
import type { Side } from './market.ts';
import type { MarketSpec } from './markets.ts';
import type { FeeRates, Order, SimTrade } from './orders.ts';
import type { NewPerpOrder, PerpOrder, PerpTimeInForce, PerpTrade, SimFunding } from './perpEngine.ts';
import type { PerpSpec } from './perpMarkets.ts';
import { WEEK_MS } from './perpQuery.ts';

/** Both engines, as Binance USDⓈ-M's handlers see them, plus the fee rates Bybit's rows print. */
export interface BybitContext extends FuturesContext {
  fees: FeeRates;
  futuresFees: FeeRates;
}

/** Binance's raw request without its key header: Bybit keys and signs in its own headers. */
export interface BybitRequest extends Omit<SpotRequest, 'apiKey'> {
  headers: { apiKey?: string | undefined; timestamp?: string | undefined; recvWindow?: string | undefined; sign?: string | undefined };
}

export interface BybitResponse {
  status: number;
  body: Json;
}

export class BybitError extends Error {
  readonly retCode: number;
  readonly status: number;

  constructor(retCode: number, retMsg: string, status = 200) {
    super(retMsg);
    this.name = 'BybitError';
    this.retCode = retCode;
    this.status = status;
  }
}

const paramsError = (what: string): BybitError => new BybitError(10001, `params error: ${what}`);

type Params = Readonly<Record<string, string>>;
type Category = 'spot' | 'linear';
type Handler = (ctx: BybitContext, params: Params, apiKey: string) => Json;

function str(params: Params, name: string): string | undefined {
  const v = params[name];
  return v === undefined || v === '' ? undefined : v;
}

function int(params: Params, name: string): number | undefined {
  const v = str(params, name);
  if (v === undefined) return undefined;
  if (!/^[0-9]{1,20}$/.test(v)) throw paramsError(`${name} invalid`);
  return Number(v);
}

function dec(params: Params, name: string): number | undefined {
  const v = str(params, name);
  if (v === undefined) return undefined;
  if (!/^[0-9]{1,20}(\.[0-9]{1,20})?$/.test(v)) throw paramsError(`${name} invalid`);
  return Number(v);
}

function category(params: Params, allowed: readonly string[] = ['spot', 'linear']): Category {
  const c = str(params, 'category');
  if (c === undefined || !allowed.includes(c)) throw paramsError('Illegal category');
  return c as Category;
}

function limitOf(params: Params, max: number, fallback: number): number {
  const limit = int(params, 'limit') ?? fallback;
  if (limit < 1 || limit > max) throw paramsError(`limit must be in [1, ${max}]`);
  return limit;
}

const spotSpec = (ctx: BybitContext, id: string): MarketSpec => {
  const spec = ctx.engine.markets.find((m) => m.id === id);
  if (spec === undefined) throw paramsError('symbol invalid');
  return spec;
};
const perpSpec = (ctx: BybitContext, id: string): PerpSpec => {
  const spec = ctx.perp.perps.find((m) => m.id === id);
  if (spec === undefined) throw paramsError('symbol invalid');
  return spec;
};
const spotIndex = (ctx: BybitContext, id: string): number => ctx.engine.markets.findIndex((m) => m.id === id);
const perpIndex = (ctx: BybitContext, id: string): number => ctx.perp.perps.findIndex((m) => m.id === id);

/** Engine order id back from the id a Bybit client holds; undefined when it cannot be ours. */
function engineOrderId(cat: Category, id: string): number | undefined {
  if (cat === 'spot') {
    if (!/^[0-9]{1,25}$/.test(id)) return undefined;
    return Number(BigInt(id) % 1_000_000_000n);
  }
  const m = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-([0-9a-f]{12})$/.exec(id);
  return m?.[1] === undefined ? undefined : parseInt(m[1], 16);
}

/** Engine (Binance-coded) errors in Bybit's words and codes. */
function translate(error: BinanceError, cat: Category | undefined): BybitError {
  const spot = cat === 'spot';
  switch (error.code) {
    case -2015:
    case -2014:
      return new BybitError(10003, 'API key is invalid.', 401);
    case -1121:
      return paramsError('symbol invalid');
    case -2010:
      if (/insufficient/i.test(error.message)) return new BybitError(170131, 'Insufficient balance.');
      if (/Duplicate/i.test(error.message)) return new BybitError(110072, 'OrderLinkedID is duplicate');
      return paramsError('PostOnly order would immediately match and take');
    case -5022:
      return paramsError('PostOnly order would immediately match and take');
    case -2019:
      return new BybitError(110007, 'ab not enough for new order');
    case -2022:
      return new BybitError(110017, 'Reduce-only rule not satisfied');
    case -2011:
    case -2013:
      return spot ? new BybitError(170213, 'Order does not exist.') : new BybitError(110001, 'Order does not exist.');
    case -4164:
      return new BybitError(110094, 'Order does not meet minimum order value');
    case -1013:
      if (/NOTIONAL/.test(error.message))
        return spot
          ? new BybitError(170140, 'Order value exceeded lower limit.')
          : new BybitError(110094, 'Order does not meet minimum order value');
      return paramsError(error.message);
    default:
      if (error.status === 400) return paramsError(error.message);
      return new BybitError(10016, 'Internal System Error.');
  }
}

const instruments: Handler = (ctx, params) => {
  const cat = category(params, ['spot', 'linear', 'inverse', 'option']);
  const symbol = str(params, 'symbol');
  const status = str(params, 'status');
  // Only trading perpetuals and spot pairs here: no inverse, option or pre-launch markets.
  if ((cat as string) === 'inverse' || (cat as string) === 'option' || (status !== undefined && status !== 'Trading')) {
    return { category: cat, list: [], nextPageCursor: '' };
  }
  if (cat === 'spot') {
    const list = ctx.engine.markets.filter((m) => symbol === undefined || m.id === symbol).map(spotInstrument);
    return { category: cat, list };
  }
  const list = ctx.perp.perps
    .filter((m) => symbol === undefined || m.id === symbol)
    .map((m) => linearInstrument(m, ctx.perp.fundingIntervalMs));
  return { category: cat, list, nextPageCursor: '' };
};

const tickers: Handler = (ctx, params) => {
  const cat = category(params);
  const symbol = str(params, 'symbol');
  if (cat === 'spot') {
    const specs = symbol === undefined ? ctx.engine.markets : [spotSpec(ctx, symbol)];
    const list = specs.map((spec) => {
      const book = ctx.engine.depth(spec.id, 1);
      return spotTicker(spec, ctx.engine.stats(spec.id), book.bids[0], book.asks[0]);
    });
    return { category: cat, list };
  }
  const specs = symbol === undefined ? ctx.perp.perps : [perpSpec(ctx, symbol)];
  const list = specs.map((spec) => {
    const book = ctx.perp.depth(spec.id, 1);
    return linearTicker(spec, ctx.perp.stats(spec.id), book.bids[0], book.asks[0], {
      mark: ctx.perp.mark(spec.id),
      index: ctx.perp.index(spec.id),
      rate: ctx.perp.fundingRate(spec.id),
      nextFundingTime: ctx.perp.nextFundingTime(),
    });
  });
  return { category: cat, list };
};

const book: Handler = (ctx, params) => {
  const cat = category(params);
  const symbol = str(params, 'symbol');
  if (symbol === undefined) throw paramsError('symbol is required');
  const limit = limitOf(params, cat === 'spot' ? 200 : 500, cat === 'spot' ? 1 : 25);
  return cat === 'spot'
    ? orderbook(spotSpec(ctx, symbol), ctx.engine.depth(symbol, limit), ctx.now())
    : orderbook(perpSpec(ctx, symbol), ctx.perp.depth(symbol, limit), ctx.now());
};

const fundingHistory: Handler = (ctx, params) => {
  category(params, ['linear']);
  const symbol = str(params, 'symbol');
  if (symbol === undefined) throw paramsError('symbol is required');
  const spec = perpSpec(ctx, symbol);
  const limit = limitOf(params, 200, 200);
  const start = int(params, 'startTime');
  const end = int(params, 'endTime');
  const list = ctx.perp
    .fundingHistory(spec.id)
    .filter((r) => (start === undefined || r.time >= start) && (end === undefined || r.time <= end))
    .sort((a, b) => b.time - a.time)
    .slice(0, limit)
    .map((r) => ({ symbol: spec.id, fundingRate: plain(r.rate), fundingRateTimestamp: String(r.time) }));
  return { category: 'linear', list };
};

const COINS = ['USDT', 'BTC', 'ETH', 'SOL'];

const coinInfo: Handler = () => ({
  rows: COINS.map((coin) => ({
    name: coin,
    coin,
    remainAmount: '1000000',
    chains: [
      {
        chainType: coin === 'USDT' ? 'ERC20' : coin,
        confirmation: '6',
        withdrawFee: '1',
        depositMin: '0',
        withdrawMin: '1',
        chain: coin === 'USDT' ? 'ETH' : coin,
        chainDeposit: '1',
        chainWithdraw: '1',
        minAccuracy: '8',
        withdrawPercentageFee: '0',
        contractAddress: '',
        safeConfirmNumber: '6',
      },
    ],
  })),
});

const queryApi: Handler = (ctx, _params, apiKey) => ({
  id: '1',
  note: 'stratdesk-sim',
  apiKey,
  readOnly: 0,
  secret: '',
  permissions: {
    ContractTrade: ['Order', 'Position'],
    Spot: ['SpotTrade'],
    Wallet: ['AccountTransfer'],
    Options: [],
    Derivatives: [],
    CopyTrading: [],
    BlockTrade: [],
    Exchange: [],
    NFT: [],
  },
  ips: ['*'],
  type: 1,
  deadlineDay: 90,
  expiredAt: new Date(ctx.now() + 90 * 86_400_000).toISOString(),
  createdAt: new Date(0).toISOString(),
  unified: 0,
  uta: 1,
  userID: 1,
  inviterID: 0,
  vipLevel: 'No VIP',
  mktMakerLevel: '0',
  affiliateID: 0,
  rsaPublicKey: '',
  isMaster: true,
});

const accountInfo: Handler = (ctx) => ({
  unifiedMarginStatus: 5,
  marginMode: 'REGULAR_MARGIN',
  isMasterTrader: false,
  spotHedgingStatus: 'OFF',
  updatedTime: String(ctx.now()),
  dcpStatus: 'OFF',
  timeWindow: 10,
  smpGroup: 0,
});

/** The unified account as Bybit shows it (`/v5/account/wallet-balance`'s row; the `wallet` topic's too), optionally only some coins. */
export function unifiedWallet(ctx: BybitContext, apiKey: string, only?: readonly string[]): { [key: string]: Json } {
  const account = ctx.engine.account(apiKey);
  const futures = ctx.perp.account(apiKey);
  const positions = ctx.perp.positions(apiKey);
  const cumRealised = positions.reduce((sum, p) => sum + p.cumRealised, 0);
  const usdPrice = (coin: string): number => {
    if (coin === 'USDT') return 1;
    const spec = ctx.engine.markets.find((m) => m.base === coin && m.quote === 'USDT');
    return spec === undefined ? 0 : ctx.engine.mid(spec.id);
  };
  const coins = new Set<string>(['USDT', ...(account?.balances.keys() ?? [])]);
  const rows: Json[] = [];
  let totalEquity = 0;
  let totalWallet = 0;
  for (const coin of [...coins].sort()) {
    if (only !== undefined && !only.includes(coin)) continue;
    const b = account?.balances.get(coin) ?? { free: 0, locked: 0 };
    const isUsdt = coin === 'USDT';
    const wallet = round8(b.free + b.locked + (isUsdt ? futures.walletBalance : 0));
    const upnl = isUsdt ? futures.unrealizedPnl : 0;
    const equity = round8(wallet + upnl);
    const usd = round8(equity * usdPrice(coin));
    totalEquity += usd;
    totalWallet += wallet * usdPrice(coin);
    rows.push({
      coin,
      equity: plain(equity),
      usdValue: plain(usd),
      walletBalance: plain(wallet),
      locked: plain(b.locked),
      spotHedgingQty: '0',
      borrowAmount: '0',
      availableToWithdraw: '',
      availableToBorrow: '',
      bonus: '0',
      accruedInterest: '0',
      totalOrderIM: plain(isUsdt ? futures.openOrderInitialMargin : 0),
      totalPositionIM: plain(isUsdt ? futures.positionInitialMargin : 0),
      totalPositionMM: plain(isUsdt ? futures.maintMargin : 0),
      unrealisedPnl: plain(upnl),
      cumRealisedPnl: plain(isUsdt ? round8(cumRealised) : 0),
      marginCollateral: true,
      collateralSwitch: true,
    });
  }
  const im = futures.positionInitialMargin + futures.openOrderInitialMargin;
  return {
    accountType: 'UNIFIED',
    accountIMRate: totalEquity === 0 ? '0' : (im / totalEquity).toFixed(4),
    accountMMRate: totalEquity === 0 ? '0' : (futures.maintMargin / totalEquity).toFixed(4),
    accountLTV: '0',
    totalEquity: plain(round8(totalEquity)),
    totalWalletBalance: plain(round8(totalWallet)),
    totalMarginBalance: plain(round8(totalEquity)),
    totalAvailableBalance: plain(Math.max(0, totalEquity - im)),
    totalPerpUPL: plain(futures.unrealizedPnl),
    totalInitialMargin: plain(round8(im)),
    totalMaintenanceMargin: plain(futures.maintMargin),
    coin: rows,
  };
}

const walletBalance: Handler = (ctx, params, apiKey) => {
  const accountType = str(params, 'accountType');
  if (accountType !== 'UNIFIED') throw paramsError('accountType only support UNIFIED.');
  return { list: [unifiedWallet(ctx, apiKey, str(params, 'coin')?.split(','))] };
};

function bool(value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw paramsError('reduceOnly invalid');
}

const createOrder: Handler = (ctx, params, apiKey) => {
  const cat = category(params);
  const symbol = str(params, 'symbol');
  if (symbol === undefined) throw paramsError('symbol is required');
  const sideText = str(params, 'side');
  if (sideText !== 'Buy' && sideText !== 'Sell') throw paramsError('side invalid');
  const side: Side = sideText === 'Buy' ? 'BUY' : 'SELL';
  const orderType = str(params, 'orderType');
  if (orderType !== 'Market' && orderType !== 'Limit') throw paramsError('orderType invalid');
  const qty = dec(params, 'qty');
  if (qty === undefined) throw paramsError('qty is required');
  const price = dec(params, 'price');
  const tif = str(params, 'timeInForce') ?? (orderType === 'Market' ? 'IOC' : 'GTC');
  if (!['GTC', 'IOC', 'FOK', 'PostOnly'].includes(tif)) throw paramsError('timeInForce invalid');
  const orderLinkId = str(params, 'orderLinkId');
  const now = ctx.now();
  if (cat === 'spot') {
    const spec = spotSpec(ctx, symbol);
    const marketUnit = str(params, 'marketUnit') ?? (side === 'BUY' ? 'quoteCoin' : 'baseCoin');
    let request: NewOrderRequest;
    if (orderType === 'Market') {
      request = { symbol: spec.id, side, type: 'MARKET', ...(marketUnit === 'quoteCoin' ? { quoteOrderQty: qty } : { quantity: qty }) };
    } else {
      if (price === undefined) throw paramsError('price is required');
      request =
        tif === 'PostOnly'
          ? { symbol: spec.id, side, type: 'LIMIT_MAKER', quantity: qty, price }
          : { symbol: spec.id, side, type: 'LIMIT', timeInForce: tif as 'GTC' | 'IOC' | 'FOK', quantity: qty, price };
    }
    if (orderLinkId !== undefined) request.newClientOrderId = orderLinkId;
    const { order } = ctx.engine.placeOrder(apiKey, request, now);
    return { orderId: bybitOrderId('spot', order.orderId, spotIndex(ctx, spec.id)), orderLinkId: order.clientOrderId };
  }
  const spec = perpSpec(ctx, symbol);
  const positionIdx = int(params, 'positionIdx') ?? 0;
  if (positionIdx !== 0) throw paramsError('position idx not match position mode');
  const reduceOnly = bool(str(params, 'reduceOnly'));
  const request: NewPerpOrder =
    orderType === 'Market'
      ? { symbol: spec.id, side, type: 'MARKET', quantity: qty }
      : (() => {
          if (price === undefined) throw paramsError('price is required');
          const timeInForce: PerpTimeInForce = tif === 'PostOnly' ? 'GTX' : (tif as PerpTimeInForce);
          return { symbol: spec.id, side, type: 'LIMIT' as const, timeInForce, quantity: qty, price };
        })();
  if (reduceOnly !== undefined) request.reduceOnly = reduceOnly;
  if (orderLinkId !== undefined) request.newClientOrderId = orderLinkId;
  const { order } = ctx.perp.placeOrder(apiKey, request, now);
  return { orderId: bybitOrderId('linear', order.orderId, perpIndex(ctx, spec.id)), orderLinkId: order.clientOrderId };
};

function orderRefOf(params: Params, cat: Category): { orderId?: number; origClientOrderId?: string } {
  const orderId = str(params, 'orderId');
  const orderLinkId = str(params, 'orderLinkId');
  if (orderId === undefined && orderLinkId === undefined) throw paramsError('orderId or orderLinkId is required');
  if (orderId !== undefined) {
    const id = engineOrderId(cat, orderId);
    if (id === undefined)
      throw cat === 'spot' ? new BybitError(170213, 'Order does not exist.') : new BybitError(110001, 'Order does not exist.');
    return { orderId: id };
  }
  return { origClientOrderId: orderLinkId ?? '' };
}

const cancelOrder: Handler = (ctx, params, apiKey) => {
  const cat = category(params);
  const symbol = str(params, 'symbol');
  if (symbol === undefined) throw paramsError('symbol is required');
  const ref = orderRefOf(params, cat);
  const now = ctx.now();
  if (cat === 'spot') {
    const spec = spotSpec(ctx, symbol);
    const order = ctx.engine.cancelOrder(apiKey, spec.id, ref, now);
    return { orderId: bybitOrderId('spot', order.orderId, spotIndex(ctx, spec.id)), orderLinkId: order.clientOrderId };
  }
  const spec = perpSpec(ctx, symbol);
  const order = ctx.perp.cancelOrder(apiKey, spec.id, ref, now);
  return { orderId: bybitOrderId('linear', order.orderId, perpIndex(ctx, spec.id)), orderLinkId: order.clientOrderId };
};

/** An order as Bybit lists it (`order/realtime`) and pushes it (the `order` topic). */
export const spotOrderRow = (ctx: BybitContext, o: Order): Json =>
  spotOrder(spotSpec(ctx, o.symbol), o, bybitOrderId('spot', o.orderId, spotIndex(ctx, o.symbol)));
export const linearOrderRow = (ctx: BybitContext, o: PerpOrder): Json =>
  linearOrder(perpSpec(ctx, o.symbol), o, bybitOrderId('linear', o.orderId, perpIndex(ctx, o.symbol)));

/** A fill as Bybit numbers it: its order's id, its place in the execution sequence, its row (one execId for REST and the `execution` topic). */
export interface BybitFill {
  orderId: string;
  seq: number;
  row: () => Json;
}

export function spotFill(ctx: BybitContext, apiKey: string, t: SimTrade): BybitFill {
  const spec = spotSpec(ctx, t.symbol);
  const index = spotIndex(ctx, t.symbol);
  const orderId = bybitOrderId('spot', t.orderId, index);
  const seq = index * 1_000_000_000 + t.id;
  const row = (): Json => {
    const order = ctx.engine.getOrder(apiKey, t.symbol, { orderId: t.orderId });
    return spotExecution(spec, t, order, { orderId, seq, feeRate: t.isMaker ? ctx.fees.maker : ctx.fees.taker });
  };
  return { orderId, seq, row };
}

export function linearFill(ctx: BybitContext, t: PerpTrade): BybitFill {
  const spec = perpSpec(ctx, t.symbol);
  const index = perpIndex(ctx, t.symbol);
  const orderId = bybitOrderId('linear', t.orderId, index);
  const seq = 1e12 + index * 1_000_000_000 + t.id;
  return { orderId, seq, row: () => linearExecution(spec, t, { orderId, execId: uuidLike(0xe0ec0001, index, t.id), seq }) };
}

/** A funding settlement as an execution row (`execType: "Funding"`): the one shape REST's list and the private stream's `execution` topic send. */
export function fundingFill(ctx: BybitContext, f: SimFunding): BybitFill {
  const spec = perpSpec(ctx, f.symbol);
  const orderId = uuidLike(0xf0dd0001, 0, f.tranId);
  const seq = 2e12 + f.tranId;
  return { orderId, seq, row: () => fundingExecution(spec, f, { orderId, execId: uuidLike(0xf0dd0002, 0, f.tranId), seq }) };
}

const openOrders: Handler = (ctx, params, apiKey) => {
  const cat = category(params);
  const symbol = str(params, 'symbol');
  const limit = limitOf(params, 50, 20);
  if (cat === 'linear' && symbol === undefined && str(params, 'settleCoin') === undefined && str(params, 'baseCoin') === undefined) {
    throw paramsError('symbol, settleCoin or baseCoin is required');
  }
  let list: Json[];
  if (cat === 'spot') {
    const rows = ctx.engine.openOrders(apiKey, symbol === undefined ? undefined : spotSpec(ctx, symbol).id);
    list = rows.sort((a, b) => b.time - a.time || b.orderId - a.orderId).map((o) => spotOrderRow(ctx, o));
  } else {
    const baseCoin = str(params, 'baseCoin');
    const rows = ctx.perp
      .openOrders(apiKey, symbol === undefined ? undefined : perpSpec(ctx, symbol).id)
      .filter((o) => baseCoin === undefined || perpSpec(ctx, o.symbol).base === baseCoin);
    list = rows.sort((a, b) => b.time - a.time || b.orderId - a.orderId).map((o) => linearOrderRow(ctx, o));
  }
  return { category: cat, list: list.slice(0, limit), nextPageCursor: '' };
};

interface ExecRow {
  time: number;
  seq: number;
  execType: 'Trade' | 'Funding';
  row: () => Json;
}

/**
 * GET /v5/execution/list. Bybit's rules: `category` required; no time bound: the last 7 days;
 * `startTime` alone: [startTime, +7 d]; `endTime` alone: [endTime − 7 d, endTime]; both: at most
 * 7 days apart; `limit` 1–100 (default 50); newest first; `cursor` continues where a page ended.
 */
const executions: Handler = (ctx, params, apiKey) => {
  const cat = category(params);
  const symbol = str(params, 'symbol');
  const execType = str(params, 'execType');
  const orderIdText = str(params, 'orderId');
  const limit = limitOf(params, 100, 50);
  const now = ctx.now();
  const start = int(params, 'startTime');
  const end = int(params, 'endTime');
  let from: number;
  let to: number;
  if (start === undefined && end === undefined) [from, to] = [now - WEEK_MS, now];
  else if (end === undefined) [from, to] = [start ?? 0, (start ?? 0) + WEEK_MS];
  else if (start === undefined) [from, to] = [end - WEEK_MS, end];
  else [from, to] = [start, end];
  if (to - from > WEEK_MS) throw paramsError('The time range between startTime and endTime cannot exceed 7 days');

  const rows: ExecRow[] = [];
  if (cat === 'spot') {
    for (const t of ctx.engine.trades(apiKey, symbol === undefined ? undefined : spotSpec(ctx, symbol).id)) {
      const fill = spotFill(ctx, apiKey, t);
      if (orderIdText !== undefined && orderIdText !== fill.orderId) continue;
      rows.push({ time: t.time, seq: fill.seq, execType: 'Trade', row: fill.row });
    }
  } else {
    const id = symbol === undefined ? undefined : perpSpec(ctx, symbol).id;
    for (const t of ctx.perp.trades(apiKey, id)) {
      const fill = linearFill(ctx, t);
      if (orderIdText !== undefined && orderIdText !== fill.orderId) continue;
      rows.push({ time: t.time, seq: fill.seq, execType: 'Trade', row: fill.row });
    }
    if (orderIdText === undefined) {
      for (const f of ctx.perp.funding(apiKey, id)) {
        const fill = fundingFill(ctx, f);
        rows.push({ time: f.time, seq: fill.seq, execType: 'Funding', row: fill.row });
      }
    }
  }
  let selected = rows
    .filter((r) => r.time >= from && r.time <= to && (execType === undefined || r.execType === execType))
    .sort((a, b) => b.time - a.time || b.seq - a.seq);
  const cursor = str(params, 'cursor');
  if (cursor !== undefined) {
    const m = /^([0-9]+)-([0-9]+)$/.exec(cursor);
    if (m?.[1] === undefined || m[2] === undefined) throw paramsError('cursor invalid');
    const [ct, cs] = [Number(m[1]), Number(m[2])];
    selected = selected.filter((r) => r.time < ct || (r.time === ct && r.seq < cs));
  }
  const page = selected.slice(0, limit);
  const last = page[page.length - 1];
  const nextPageCursor = selected.length > limit && last !== undefined ? `${last.time}-${last.seq}` : '';
  return { nextPageCursor, category: cat, list: page.map((r) => r.row()) };
};

const positions: Handler = (ctx, params, apiKey) => {
  category(params, ['linear']);
  const symbol = str(params, 'symbol');
  const settleCoin = str(params, 'settleCoin');
  const baseCoin = str(params, 'baseCoin');
  if (symbol === undefined && settleCoin === undefined && baseCoin === undefined)
    throw paramsError('symbol, settleCoin or baseCoin is required');
  const limit = limitOf(params, 200, 20);
  const id = symbol === undefined ? undefined : perpSpec(ctx, symbol).id;
  const list = ctx.perp
    .positions(apiKey)
    .filter(
      (p) =>
        (id === undefined ? p.positionAmt !== 0 : p.spec.id === id) &&
        (settleCoin === undefined || p.spec.settle === settleCoin) &&
        (baseCoin === undefined || p.spec.base === baseCoin),
    )
    .slice(0, limit)
    .map((p, i) => position(p, i + 1));
  return { category: 'linear', list, nextPageCursor: '' };
};

const setLeverage: Handler = (ctx, params, apiKey) => {
  category(params, ['linear']);
  const symbol = str(params, 'symbol');
  if (symbol === undefined) throw paramsError('symbol is required');
  const spec = perpSpec(ctx, symbol);
  const buy = dec(params, 'buyLeverage');
  const sell = dec(params, 'sellLeverage');
  if (buy === undefined || sell === undefined || buy !== sell || !Number.isInteger(buy))
    throw paramsError('buyLeverage and sellLeverage must be equal whole numbers');
  if (ctx.perp.leverage(apiKey, spec.id) === buy) throw new BybitError(110043, 'Set leverage not modified');
  ctx.perp.setLeverage(apiKey, spec.id, buy, ctx.now());
  return {};
};

const publicRoutes: Record<string, Handler> = {
  'GET /v5/market/time': (ctx) => ({ timeSecond: String(Math.floor(ctx.now() / 1000)), timeNano: `${ctx.now()}000000` }),
  'GET /v5/market/instruments-info': instruments,
  'GET /v5/market/tickers': tickers,
  'GET /v5/market/orderbook': book,
  'GET /v5/market/funding/history': fundingHistory,
};

const privateRoutes: Record<string, Handler> = {
  'GET /v5/asset/coin/query-info': coinInfo,
  'GET /v5/user/query-api': queryApi,
  'GET /v5/account/info': accountInfo,
  'GET /v5/account/wallet-balance': walletBalance,
  'POST /v5/order/create': createOrder,
  'POST /v5/order/cancel': cancelOrder,
  'GET /v5/order/realtime': openOrders,
  'GET /v5/execution/list': executions,
  'GET /v5/position/list': positions,
  'POST /v5/position/set-leverage': setLeverage,
};

export function bybitSign(payload: string, secret: string): string {
  return createHmac('sha256', secret).update(payload).digest('hex');
}

/** Whether `sign` is the hex HMAC-SHA256 of `payload` under `secret` (compared in constant time). */
export function isSignedBy(secret: string, payload: string, sign: string): boolean {
  const expected = Buffer.from(bybitSign(payload, secret), 'utf8');
  const actual = Buffer.from(sign.toLowerCase(), 'utf8');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

function verify(ctx: BybitContext, request: BybitRequest, payload: string): string {
  const { apiKey, timestamp, sign } = request.headers;
  const recvWindowText = request.headers.recvWindow ?? '5000';
  if (apiKey === undefined || apiKey === '' || timestamp === undefined || sign === undefined) {
    throw new BybitError(
      10001,
      `empty value: apiTimestamp[${timestamp ?? ''}] apiKey[${apiKey ?? ''}] apiSignature[${sign ?? ''}]: openapi sign params error!`,
    );
  }
  const account = ctx.engine.account(apiKey);
  if (account === undefined || account.dialect !== 'bybit' || !ctx.perp.has(apiKey))
    throw new BybitError(10003, 'API key is invalid.', 401);
  const origin = `${timestamp}${apiKey}${recvWindowText}${payload}`;
  if (!isSignedBy(account.secret, origin, sign)) {
    throw new BybitError(10004, `error sign! origin_string[${origin}]`, 401);
  }
  const now = ctx.now();
  const ts = /^[0-9]{1,20}$/.test(timestamp) ? Number(timestamp) : Number.NaN;
  const recvWindow = /^[0-9]{1,9}$/.test(recvWindowText) ? Number(recvWindowText) : 5000;
  if (!(ts >= now - recvWindow && ts < now + 1000)) {
    throw new BybitError(
      10002,
      `invalid request, please check your server timestamp or recv_window param. req_timestamp[${timestamp}],server_timestamp[${now}],recv_window[${recvWindow}]`,
    );
  }
  return apiKey;
}

/** Query string (GET) or JSON body (POST) as flat string values, as Bybit reads them. */
function readParams(request: BybitRequest): Record<string, string> {
  const params: Record<string, string> = {};
  if (request.method === 'POST') {
    if (request.rawBody.trim() === '') return params;
    let body: unknown;
    try {
      body = JSON.parse(request.rawBody);
    } catch {
      throw paramsError('request body is not valid JSON');
    }
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw paramsError('request body must be a JSON object');
    for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
      if (value === null || value === undefined) continue;
      params[key] = typeof value === 'object' ? JSON.stringify(value) : String(value as string | number | boolean);
    }
    return params;
  }
  for (const [key, value] of new URLSearchParams(request.rawQuery)) params[key] = value;
  return params;
}

export function handleBybitRequest(ctx: BybitContext, request: BybitRequest): BybitResponse {
  const now = ctx.now();
  let cat: Category | undefined;
  try {
    const route = `${request.method} ${request.path}`;
    const publicHandler = publicRoutes[route];
    const privateHandler = privateRoutes[route];
    if (publicHandler === undefined && privateHandler === undefined) {
      return { status: 404, body: failure(10001, `Unknown endpoint: ${route} (not supported by the simulator).`, now) };
    }
    const params = readParams(request);
    const c = params['category'];
    cat = c === 'spot' || c === 'linear' ? c : undefined;
    if (publicHandler !== undefined) return { status: 200, body: ok(publicHandler(ctx, params, ''), now) };
    if (privateHandler === undefined) throw new BybitError(10016, 'Internal System Error.');
    const apiKey = verify(ctx, request, request.method === 'POST' ? request.rawBody : request.rawQuery);
    return { status: 200, body: ok(privateHandler(ctx, params, apiKey), now) };
  } catch (error) {
    const e = error instanceof BinanceError ? translate(error, cat) : error;
    if (e instanceof BybitError) return { status: e.status, body: failure(e.retCode, e.message, now) };
    ctx.onError?.(error);
    return { status: 200, body: failure(10016, 'Internal System Error.', now) };
  }
}
