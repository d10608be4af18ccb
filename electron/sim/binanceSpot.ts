/**
 * Binance spot REST (`/api/v3/...`) on top of the engine: parameter parsing and validation with
 * Binance's error codes, the SIGNED check, and the response shapes. Transport-free: the server
 * hands in the raw request parts and writes back `{ status, body }`.
 */

import { verifySigned } from './auth.ts';
import { fmt8 } from './decimal.ts';
import type { Engine, NewOrderRequest } from './engine.ts';
import { BinanceError, errors } from './errors.ts';
import { oneOf, optDecimal, optInt, optionalInts, optString, orderRefOf, present, readParams, reqString, type Params } from './params.ts';
import * as wire from './format.ts';
import type { Json } from './format.ts';
import type { BookLevel, Side } from './market.ts';
import type { MarketSpec } from './markets.ts';
import type { FeeRates, OrderType, TimeInForce } from './orders.ts';

export interface SpotRequest {
  method: string;
  /** URL path without the query, e.g. "/api/v3/order". */
  path: string;
  /** Query string as sent, without the leading "?". */
  rawQuery: string;
  /** Body as sent (ccxt sends signed POST parameters urlencoded in the body). */
  rawBody: string;
  /** The `X-MBX-APIKEY` header. */
  apiKey: string | undefined;
}

export interface SpotResponse {
  status: number;
  body: Json;
}

export interface SpotContext {
  engine: Engine;
  fees: FeeRates;
  now: () => number;
  /** Called with unexpected (non-Binance) errors, which the client only sees as -1000. */
  onError?: (error: unknown) => void;
}

type PublicHandler = (ctx: SpotContext, params: Params) => Json;
type SignedHandler = (ctx: SpotContext, apiKey: string, params: Params) => Json;

/** `symbol` or `symbols` (a JSON array) or neither, as the market-data endpoints accept. */
function selectMarkets(ctx: SpotContext, params: Params): { single: boolean; specs: MarketSpec[] } {
  const symbol = optString(params, 'symbol');
  const symbols = optString(params, 'symbols');
  if (symbol !== undefined && symbols !== undefined) throw errors.badCombination();
  const lookup = (id: string): MarketSpec => {
    const spec = ctx.engine.markets.find((m) => m.id === id);
    if (spec === undefined) throw errors.invalidSymbol();
    return spec;
  };
  if (symbol !== undefined) return { single: true, specs: [lookup(symbol)] };
  if (symbols !== undefined) {
    let ids: unknown;
    try {
      ids = JSON.parse(symbols);
    } catch {
      throw errors.invalidValue('symbols');
    }
    if (!Array.isArray(ids) || ids.some((id) => typeof id !== 'string')) throw errors.invalidValue('symbols');
    return { single: false, specs: (ids as string[]).map(lookup) };
  }
  return { single: false, specs: [...ctx.engine.markets] };
}

const touch = (levels: readonly BookLevel[]): BookLevel | undefined => levels[0];

const publicRoutes: Record<string, PublicHandler> = {
  'GET /api/v3/ping': () => ({}),
  'GET /api/v3/time': (ctx) => ({ serverTime: ctx.now() }),
  'GET /api/v3/exchangeInfo': (ctx, params) => wire.exchangeInfo(selectMarkets(ctx, params).specs, ctx.now()),
  'GET /api/v3/depth': (ctx, params) => {
    const symbol = reqString(params, 'symbol');
    const limit = optInt(params, 'limit') ?? 100;
    if (limit < 1) throw errors.invalidValue('limit');
    return wire.depth(ctx.engine.depth(symbol, Math.min(limit, 5000)));
  },
  'GET /api/v3/ticker/24hr': (ctx, params) => {
    const { single, specs } = selectMarkets(ctx, params);
    const rows = specs.map((spec) => {
      const book = ctx.engine.depth(spec.id, 1);
      return wire.ticker24hr(spec, ctx.engine.stats(spec.id), touch(book.bids), touch(book.asks), ctx.now());
    });
    return single ? (rows[0] ?? null) : rows;
  },
  'GET /api/v3/ticker/bookTicker': (ctx, params) => {
    const { single, specs } = selectMarkets(ctx, params);
    const rows = specs.map((spec) => {
      const book = ctx.engine.depth(spec.id, 1);
      return wire.bookTicker(spec, touch(book.bids), touch(book.asks));
    });
    return single ? (rows[0] ?? null) : rows;
  },
  'GET /api/v3/ticker/price': (ctx, params) => {
    const { single, specs } = selectMarkets(ctx, params);
    const rows = specs.map((spec) => ({ symbol: spec.id, price: fmt8(ctx.engine.stats(spec.id).last) }));
    return single ? (rows[0] ?? null) : rows;
  },
  'GET /api/v3/avgPrice': (ctx, params) => {
    const spec = ctx.engine.spec(reqString(params, 'symbol'));
    if (spec === undefined) throw errors.invalidSymbol();
    return { mins: 5, price: fmt8(ctx.engine.mid(spec.id)), closeTime: ctx.now() };
  },
};

const signedRoutes: Record<string, SignedHandler> = {
  'POST /api/v3/order': (ctx, apiKey, params) => {
    const side = oneOf<Side>(reqString(params, 'side'), ['BUY', 'SELL'], errors.invalidSide) ?? 'BUY';
    const type = oneOf<OrderType>(reqString(params, 'type'), ['LIMIT', 'LIMIT_MAKER', 'MARKET'], errors.invalidType) ?? 'LIMIT';
    const timeInForce = oneOf<TimeInForce>(optString(params, 'timeInForce'), ['GTC', 'IOC', 'FOK'], errors.invalidTimeInForce);
    const quantity = optDecimal(params, 'quantity');
    const quoteOrderQty = optDecimal(params, 'quoteOrderQty');
    const price = optDecimal(params, 'price');
    const newClientOrderId = optString(params, 'newClientOrderId');
    const respType = oneOf(optString(params, 'newOrderRespType'), ['ACK', 'RESULT', 'FULL'] as const, () =>
      errors.invalidValue('newOrderRespType'),
    );
    const request: NewOrderRequest = {
      symbol: reqString(params, 'symbol'),
      side,
      type,
      ...present({ timeInForce, quantity, quoteOrderQty, price, newClientOrderId }),
    };
    const { order, fills } = ctx.engine.placeOrder(apiKey, request, ctx.now());
    // Binance's default: FULL for MARKET and LIMIT, ACK for every other type.
    return wire.newOrder(order, fills, respType ?? (type === 'LIMIT_MAKER' ? 'ACK' : 'FULL'));
  },
  'DELETE /api/v3/order': (ctx, apiKey, params) => {
    const now = ctx.now();
    const order = ctx.engine.cancelOrder(apiKey, reqString(params, 'symbol'), orderRefOf(params), now);
    return wire.canceledOrder(order, optString(params, 'newClientOrderId') ?? `simcancel${order.orderId}`, now);
  },
  'GET /api/v3/order': (ctx, apiKey, params) =>
    wire.queryOrder(ctx.engine.getOrder(apiKey, reqString(params, 'symbol'), orderRefOf(params))),
  'GET /api/v3/openOrders': (ctx, apiKey, params) => ctx.engine.openOrders(apiKey, optString(params, 'symbol')).map(wire.queryOrder),
  'DELETE /api/v3/openOrders': (ctx, apiKey, params) => {
    const now = ctx.now();
    return ctx.engine
      .cancelAll(apiKey, reqString(params, 'symbol'), now)
      .map((order) => wire.canceledOrder(order, `simcancel${order.orderId}`, now));
  },
  'GET /api/v3/myTrades': (ctx, apiKey, params) => {
    const query = {
      symbol: reqString(params, 'symbol'),
      ...optionalInts(params, ['orderId', 'startTime', 'endTime', 'fromId', 'limit']),
    };
    return ctx.engine.myTrades(apiKey, query).map(wire.myTrade);
  },
  // What Binance says about a key's permissions (a sapi endpoint; the key here trades, reads, has no IP whitelist, no withdrawals).
  'GET /sapi/v1/account/apiRestrictions': (ctx) => ({
    ipRestrict: false,
    createTime: 0,
    enableReading: true,
    enableSpotAndMarginTrading: true,
    enableWithdrawals: false,
    enableInternalTransfer: false,
    enableMargin: false,
    enableFutures: true,
    permitsUniversalTransfer: false,
    enableVanillaOptions: false,
    enablePortfolioMarginTrading: false,
    tradingAuthorityExpirationTime: ctx.now() + 90 * 86_400_000,
  }),
  'GET /api/v3/account': (ctx, apiKey, params) => {
    const account = ctx.engine.account(apiKey);
    if (account === undefined) throw errors.invalidApiKey();
    const omitZero = optString(params, 'omitZeroBalances') === 'true';
    return wire.account(account.balances, ctx.fees, account.updateTime, omitZero);
  },
};

/** The secret of a Binance-dialect key; a Bybit account's key is unknown to Binance's routes. */
export function binanceSecret(engine: Engine, apiKey: string): string | undefined {
  const account = engine.account(apiKey);
  return account === undefined || account.dialect !== 'binance' ? undefined : account.secret;
}

export function handleSpotRequest(ctx: SpotContext, request: SpotRequest): SpotResponse {
  return handleBinanceRequest(ctx, request, { publicRoutes, signedRoutes, secretOf: (key) => binanceSecret(ctx.engine, key) });
}

/**
 * One Binance REST request against a route table: public routes answer at once, signed ones after the
 * key and signature check; a Binance error answers with its status, anything else as -1000.
 */
export function handleBinanceRequest<C extends { now: () => number; onError?: (error: unknown) => void }>(
  ctx: C,
  request: SpotRequest,
  table: {
    publicRoutes: Record<string, (ctx: C, params: Params) => Json>;
    signedRoutes: Record<string, (ctx: C, apiKey: string, params: Params) => Json>;
    secretOf: (apiKey: string) => string | undefined;
  },
): SpotResponse {
  try {
    const route = `${request.method} ${request.path}`;
    const publicHandler = table.publicRoutes[route];
    const signedHandler = table.signedRoutes[route];
    if (publicHandler === undefined && signedHandler === undefined) throw errors.notFound(request.method, request.path);
    const params = readParams(request.rawQuery, request.rawBody);
    if (publicHandler !== undefined) return { status: 200, body: publicHandler(ctx, params) };
    if (signedHandler === undefined) throw errors.unknown();
    const apiKey = verifySigned(
      { apiKey: request.apiKey, rawQuery: request.rawQuery, rawBody: request.rawBody, params, now: ctx.now() },
      table.secretOf,
    );
    return { status: 200, body: signedHandler(ctx, apiKey, params) };
  } catch (error) {
    if (error instanceof BinanceError) return { status: error.status, body: error.toJSON() };
    // Never a stack trace on the wire; whoever runs the simulator decides where it goes.
    ctx.onError?.(error);
    return { status: 500, body: errors.unknown().toJSON() };
  }
}
