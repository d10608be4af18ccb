/**
 * Binance USDⓈ-M futures REST (`/fapi/...`) on top of the perpetual engine: parameters, the SIGNED
 * check (the same HMAC as spot, same keys), Binance's error codes and the response shapes. The
 * account is the spot account's key; its futures wallet is separate (USDT only).
 *
 * Served for ccxt `binance` on swap markets: exchangeInfo, ping/time, depth, ticker/24hr,
 * ticker/bookTicker, ticker/price, premiumIndex, fundingRate; order (POST/DELETE/GET), openOrders,
 * allOpenOrders (DELETE), allOrders, userTrades, income, leverageBracket, leverage (POST),
 * positionSide/dual (GET), v3 and v2 positionRisk, v3 and v2 account, v2 balance.
 */

import { binanceSecret, handleBinanceRequest, type SpotRequest, type SpotResponse } from './binanceSpot.ts';
import type { Engine } from './engine.ts';
import { BinanceError, errors } from './errors.ts';
import type { Json } from './format.ts';
import * as wire from './futuresFormat.ts';
import type { BookLevel, Side } from './market.ts';
import { oneOf, optDecimal, optInt, optionalInts, optString, orderRefOf, present, reqString, type Params } from './params.ts';
import type { PerpEngine, PerpOrder, PerpOrderType, PerpTimeInForce } from './perpEngine.ts';
import type { PerpSpec } from './perpMarkets.ts';
import { WEEK_MS } from './perpQuery.ts';

export interface FuturesContext {
  engine: Engine;
  perp: PerpEngine;
  now: () => number;
  onError?: (error: unknown) => void;
}

/** The same request as spot's: Binance signs and keys both APIs alike. */
export type FuturesRequest = SpotRequest;

type PublicHandler = (ctx: FuturesContext, params: Params) => Json;
type SignedHandler = (ctx: FuturesContext, apiKey: string, params: Params) => Json;

function specOf(ctx: FuturesContext, id: string): PerpSpec {
  const spec = ctx.perp.perps.find((m) => m.id === id);
  if (spec === undefined) throw errors.invalidSymbol();
  return spec;
}

/** `symbol` or every perpetual; a single symbol answers one object, none answers a list. */
function selectPerps(ctx: FuturesContext, params: Params): { single: boolean; specs: PerpSpec[] } {
  const symbol = optString(params, 'symbol');
  if (symbol !== undefined) return { single: true, specs: [specOf(ctx, symbol)] };
  return { single: false, specs: [...ctx.perp.perps] };
}

const first = (levels: readonly BookLevel[]): BookLevel | undefined => levels[0];

function premium(ctx: FuturesContext, spec: PerpSpec): Json {
  return wire.premiumIndex(
    spec,
    {
      mark: ctx.perp.mark(spec.id),
      index: ctx.perp.index(spec.id),
      rate: ctx.perp.fundingRate(spec.id),
      nextFundingTime: ctx.perp.nextFundingTime(),
      intervalMs: ctx.perp.fundingIntervalMs,
    },
    ctx.now(),
  );
}

const publicRoutes: Record<string, PublicHandler> = {
  'GET /fapi/v1/ping': () => ({}),
  'GET /fapi/v1/time': (ctx) => ({ serverTime: ctx.now() }),
  'GET /fapi/v1/exchangeInfo': (ctx) => wire.exchangeInfo(ctx.perp.perps, ctx.now()),
  'GET /fapi/v1/depth': (ctx, params) => {
    const spec = specOf(ctx, reqString(params, 'symbol'));
    const limit = optInt(params, 'limit') ?? 500;
    if (limit < 1 || limit > 1000) throw errors.invalidValue('limit');
    return wire.depth(spec, ctx.perp.depth(spec.id, limit), ctx.now());
  },
  'GET /fapi/v1/ticker/24hr': (ctx, params) => {
    const { single, specs } = selectPerps(ctx, params);
    const rows = specs.map((spec) => wire.ticker24hr(spec, ctx.perp.stats(spec.id), ctx.now()));
    return single ? (rows[0] ?? null) : rows;
  },
  'GET /fapi/v1/ticker/bookTicker': (ctx, params) => {
    const { single, specs } = selectPerps(ctx, params);
    const rows = specs.map((spec) => {
      const book = ctx.perp.depth(spec.id, 1);
      return wire.bookTicker(spec, first(book.bids), first(book.asks), ctx.now());
    });
    return single ? (rows[0] ?? null) : rows;
  },
  'GET /fapi/v1/ticker/price': (ctx, params) => {
    const { single, specs } = selectPerps(ctx, params);
    const rows = specs.map((spec) => ({ symbol: spec.id, price: wire.px(spec, ctx.perp.stats(spec.id).last), time: ctx.now() }));
    return single ? (rows[0] ?? null) : rows;
  },
  'GET /fapi/v1/premiumIndex': (ctx, params) => {
    const { single, specs } = selectPerps(ctx, params);
    const rows = specs.map((spec) => premium(ctx, spec));
    return single ? (rows[0] ?? null) : rows;
  },
  'GET /fapi/v1/fundingRate': (ctx, params) => {
    // Binance: without bounds, the most recent `limit` (default 100, max 1000), oldest first.
    const limit = optInt(params, 'limit') ?? 100;
    if (limit < 1 || limit > 1000) throw errors.invalidValue('limit');
    const { startTime, endTime } = optionalInts(params, ['startTime', 'endTime']);
    const { specs } = selectPerps(ctx, params);
    const rows = specs
      .flatMap((spec) => ctx.perp.fundingHistory(spec.id).map((r) => ({ spec, r })))
      .filter(({ r }) => (startTime === undefined || r.time >= startTime) && (endTime === undefined || r.time <= endTime))
      .sort((a, b) => a.r.time - b.r.time);
    const picked = startTime === undefined ? rows.slice(-limit) : rows.slice(0, limit);
    return picked.map(({ spec, r }) => wire.fundingRateRow(spec, r));
  },
};

function optBool(params: Params, name: string): boolean | undefined {
  const value = optString(params, name);
  if (value === undefined) return undefined;
  if (value === 'true' || value === 'TRUE') return true;
  if (value === 'false' || value === 'FALSE') return false;
  throw errors.invalidValue(name);
}

const withOrder = (ctx: FuturesContext, o: PerpOrder, withTime: boolean, asAck = false): Json =>
  wire.order(specOf(ctx, o.symbol), o, withTime, asAck);

const signedRoutes: Record<string, SignedHandler> = {
  'POST /fapi/v1/order': (ctx, apiKey, params) => {
    const side = oneOf<Side>(reqString(params, 'side'), ['BUY', 'SELL'], errors.invalidSide) ?? 'BUY';
    const type = oneOf<PerpOrderType>(reqString(params, 'type'), ['LIMIT', 'MARKET'], errors.invalidType) ?? 'LIMIT';
    const timeInForce = oneOf<PerpTimeInForce>(optString(params, 'timeInForce'), ['GTC', 'IOC', 'FOK', 'GTX'], errors.invalidTimeInForce);
    const positionSide = optString(params, 'positionSide');
    if (positionSide !== undefined && positionSide !== 'BOTH') {
      throw new BinanceError(400, -4061, "Order's position side does not match user's setting.");
    }
    if (optString(params, 'closePosition') === 'true') throw errors.notRequired('closePosition');
    const respType = oneOf(optString(params, 'newOrderRespType'), ['ACK', 'RESULT'] as const, () =>
      errors.invalidValue('newOrderRespType'),
    );
    const quantity = optDecimal(params, 'quantity');
    const price = optDecimal(params, 'price');
    const reduceOnly = optBool(params, 'reduceOnly');
    const newClientOrderId = optString(params, 'newClientOrderId');
    const { order } = ctx.perp.placeOrder(
      apiKey,
      {
        symbol: specOf(ctx, reqString(params, 'symbol')).id,
        side,
        type,
        ...present({ timeInForce, quantity, price, reduceOnly, newClientOrderId }),
      },
      ctx.now(),
    );
    // Binance's default is ACK: the order as accepted, before it matched anything.
    return withOrder(ctx, order, false, (respType ?? 'ACK') === 'ACK');
  },
  'DELETE /fapi/v1/order': (ctx, apiKey, params) =>
    withOrder(ctx, ctx.perp.cancelOrder(apiKey, specOf(ctx, reqString(params, 'symbol')).id, orderRefOf(params), ctx.now()), false),
  'GET /fapi/v1/order': (ctx, apiKey, params) =>
    withOrder(ctx, ctx.perp.getOrder(apiKey, specOf(ctx, reqString(params, 'symbol')).id, orderRefOf(params)), true),
  'GET /fapi/v1/openOrders': (ctx, apiKey, params) => {
    const symbol = optString(params, 'symbol');
    return ctx.perp.openOrders(apiKey, symbol === undefined ? undefined : specOf(ctx, symbol).id).map((o) => withOrder(ctx, o, true));
  },
  'DELETE /fapi/v1/allOpenOrders': (ctx, apiKey, params) => {
    ctx.perp.cancelAll(apiKey, specOf(ctx, reqString(params, 'symbol')).id, ctx.now());
    return { code: 200, msg: 'The operation of cancel all open order is done.' };
  },
  'GET /fapi/v1/allOrders': (ctx, apiKey, params) => {
    const spec = specOf(ctx, reqString(params, 'symbol'));
    const { orderId, startTime, endTime, limit } = optionalInts(params, ['orderId', 'startTime', 'endTime', 'limit']);
    if (limit !== undefined && (limit < 1 || limit > 1000)) throw errors.invalidValue('limit');
    if (startTime !== undefined && endTime !== undefined && endTime - startTime > WEEK_MS) throw errors.windowTooLong(168);
    const rows = ctx.perp
      .allOrders(apiKey, spec.id)
      .filter(
        (o) =>
          (orderId === undefined || o.orderId >= orderId) &&
          (startTime === undefined || o.time >= startTime) &&
          (endTime === undefined || o.time <= endTime),
      )
      .sort((a, b) => a.orderId - b.orderId);
    const n = limit ?? 500;
    return (orderId === undefined && startTime === undefined ? rows.slice(-n) : rows.slice(0, n)).map((o) => withOrder(ctx, o, true));
  },
  'GET /fapi/v1/userTrades': (ctx, apiKey, params) => {
    const spec = specOf(ctx, reqString(params, 'symbol'));
    const query = optionalInts(params, ['orderId', 'startTime', 'endTime', 'fromId', 'limit']);
    return ctx.perp.userTrades(apiKey, spec.id, query, ctx.now()).map((t) => wire.userTrade(spec, t));
  },
  'GET /fapi/v1/income': (ctx, apiKey, params) => {
    const symbol = optString(params, 'symbol');
    const incomeType = optString(params, 'incomeType');
    const query = {
      ...(symbol !== undefined ? { symbol: specOf(ctx, symbol).id } : {}),
      ...(incomeType !== undefined ? { incomeType } : {}),
      ...optionalInts(params, ['startTime', 'endTime', 'page', 'limit']),
    };
    return ctx.perp.income(apiKey, query, ctx.now()).map(wire.income);
  },
  'GET /fapi/v1/leverageBracket': (ctx, _apiKey, params) => {
    const symbol = optString(params, 'symbol');
    return wire.leverageBrackets(symbol === undefined ? ctx.perp.perps : [specOf(ctx, symbol)]);
  },
  'POST /fapi/v1/leverage': (ctx, apiKey, params) => {
    const spec = specOf(ctx, reqString(params, 'symbol'));
    const leverage = optInt(params, 'leverage');
    if (leverage === undefined) throw errors.mandatory('leverage');
    const set = ctx.perp.setLeverage(apiKey, spec.id, leverage, ctx.now());
    return { leverage: set, maxNotionalValue: '1000000000', symbol: spec.id };
  },
  'GET /fapi/v1/positionSide/dual': () => ({ dualSidePosition: false }),
  'GET /fapi/v3/positionRisk': (ctx, apiKey, params) => {
    // v3 lists only symbols with a position or open orders.
    const symbol = optString(params, 'symbol');
    const id = symbol === undefined ? undefined : specOf(ctx, symbol).id;
    return ctx.perp
      .positions(apiKey)
      .filter((p) => (id === undefined || p.spec.id === id) && (p.positionAmt !== 0 || p.openOrderInitialMargin !== 0))
      .map(wire.positionRiskV3);
  },
  'GET /fapi/v2/positionRisk': (ctx, apiKey, params) => {
    const symbol = optString(params, 'symbol');
    const id = symbol === undefined ? undefined : specOf(ctx, symbol).id;
    return ctx.perp
      .positions(apiKey)
      .filter((p) => id === undefined || p.spec.id === id)
      .map(wire.positionRiskV2);
  },
  'GET /fapi/v3/account': (ctx, apiKey) => wire.account(ctx.perp.account(apiKey), ctx.perp.positions(apiKey)),
  'GET /fapi/v2/account': (ctx, apiKey) => wire.account(ctx.perp.account(apiKey), ctx.perp.positions(apiKey)),
  'GET /fapi/v2/balance': (ctx, apiKey) => wire.balance(ctx.perp.account(apiKey)),
};

export function handleFuturesRequest(ctx: FuturesContext, request: FuturesRequest): SpotResponse {
  return handleBinanceRequest(ctx, request, {
    publicRoutes,
    signedRoutes,
    secretOf: (key) => (ctx.perp.has(key) ? binanceSecret(ctx.engine, key) : undefined),
  });
}
