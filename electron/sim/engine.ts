/**
 * The matching engine: accounts' orders against the synthetic markets.
 *
 * - An order that crosses the synthetic book on arrival trades as taker against its levels (at the
 *   levels' prices); the rest of a GTC limit order rests.
 * - A resting order trades as maker, at its own price, when other traders' flow reaches it (a buy
 *   fills when a sell print reaches at or below its price) or when the book moves through it.
 * - Accounts do not trade against each other (v0): every account trades with the synthetic market.
 */

import { createAccount, lock, type Account, type SimAccountSpec } from './accounts.ts';
import { isMultipleOf, round8 } from './decimal.ts';
import { errors, requireOrderRef } from './errors.ts';
import { accountOf, bookDepth, findOwnOrder, marketOf, openingStats, openOrdersOf, ownOrder, settleStep, touch } from './book.ts';
import { createMarketModel, recordPrint, type PrintStats, type BookLevel, type MarketModel, type Side } from './market.ts';
import { findMarket, type MarketSpec } from './markets.ts';
import {
  applyFill,
  closeOrder,
  isOpen,
  remainingQty,
  type FeeRates,
  type Order,
  type OrderType,
  type SimTrade,
  type TimeInForce,
} from './orders.ts';
import { queryMyTrades, type MyTradesQuery } from './tradeQuery.ts';

export interface NewOrderRequest {
  symbol: string;
  side: Side;
  type: OrderType;
  timeInForce?: TimeInForce;
  quantity?: number;
  quoteOrderQty?: number;
  price?: number;
  newClientOrderId?: string;
}

export interface OrderRef {
  orderId?: number;
  origClientOrderId?: string;
}

export interface MarketStats extends PrintStats {
  openTime: number;
  open: number;
}

interface MarketState {
  spec: MarketSpec;
  model: MarketModel;
  nextOrderId: number;
  nextTradeId: number;
  /** Open account orders, in arrival order (which is time priority within a price). */
  resting: Order[];
  stats: MarketStats;
  updateId: number;
}

interface AccountState {
  account: Account;
  orders: Order[];
  /** Orders by `symbol:orderId`: ccxt looks orders up by id on every fetchOrder/cancelOrder. */
  byId: Map<string, Order>;
  trades: SimTrade[];
}

export interface Engine {
  readonly markets: readonly MarketSpec[];
  spec(symbolOrId: string): MarketSpec | undefined;
  mid(symbolOrId: string): number;
  tick(now: number): void;
  addAccount(spec: SimAccountSpec, now: number): void;
  account(apiKey: string): Account | undefined;
  placeOrder(apiKey: string, request: NewOrderRequest, now: number): { order: Order; fills: SimTrade[] };
  cancelOrder(apiKey: string, symbol: string, ref: OrderRef, now: number): Order;
  cancelAll(apiKey: string, symbol: string, now: number): Order[];
  getOrder(apiKey: string, symbol: string, ref: OrderRef): Order;
  openOrders(apiKey: string, symbol?: string): Order[];
  myTrades(apiKey: string, query: MyTradesQuery): SimTrade[];
  trades(apiKey: string, symbol?: string): SimTrade[];
  depth(symbol: string, limit: number): { lastUpdateId: number; bids: BookLevel[]; asks: BookLevel[] };
  stats(symbol: string): MarketStats;
}

export function createEngine(options: { markets: readonly MarketSpec[]; seed: number; fees: FeeRates; now: number }): Engine {
  const { fees } = options;
  const markets = new Map<string, MarketState>();
  for (const spec of options.markets) {
    const p = spec.startPrice;
    markets.set(spec.id, {
      spec,
      model: createMarketModel(spec, options.seed),
      nextOrderId: 1,
      nextTradeId: 1,
      resting: [],
      stats: openingStats(options.now, p),
      updateId: 1,
    });
  }
  const accounts = new Map<string, AccountState>();

  const marketState = (symbolOrId: string): MarketState => marketOf(markets, findMarket(options.markets, symbolOrId));
  const accountState = (apiKey: string): AccountState => accountOf(accounts, apiKey);

  const fill = (st: MarketState, order: Order, price: number, qty: number, isMaker: boolean, now: number): SimTrade => {
    const owner = accountState(order.apiKey);
    const tradeId = recordPrint(st, price, qty);
    const trade = applyFill(st.spec, owner.account, order, { price, qty, isMaker, tradeId, time: now }, fees);
    owner.trades.push(trade);
    st.updateId += 1;
    return trade;
  };

  /** A resting spot order takes all it is offered, at its own price, as the maker. */
  const takeAll =
    (st: MarketState, now: number) =>
    (order: Order, wanted: number): number => {
      fill(st, order, order.price, wanted, true, now);
      return wanted;
    };

  const tickMarket = (st: MarketState, now: number): void => {
    const prints = st.model.step();
    st.updateId += 1;
    const take = takeAll(st, now);
    settleStep(st, prints, take, take);
  };

  const findOrder = (apiKey: string, st: MarketState, ref: OrderRef): Order | undefined =>
    findOwnOrder(accountState(apiKey), st.spec.id, ref);

  const openOf = (apiKey: string, only?: MarketState): Order[] => openOrdersOf(markets.values(), apiKey, only);

  const checkOrderRequest = (st: MarketState, req: NewOrderRequest): void => {
    const spec = st.spec;
    if (req.type === 'MARKET') {
      if (req.timeInForce !== undefined) throw errors.notRequired('timeInForce');
      if (req.price !== undefined) throw errors.notRequired('price');
      if (req.quantity === undefined && req.quoteOrderQty === undefined) throw errors.eitherParam('quantity', 'quoteOrderQty');
      if (req.quantity !== undefined && req.quoteOrderQty !== undefined) throw errors.notRequired('quoteOrderQty');
    } else {
      if (req.type === 'LIMIT' && req.timeInForce === undefined) throw errors.mandatory('timeInForce');
      if (req.type === 'LIMIT_MAKER' && req.timeInForce !== undefined) throw errors.notRequired('timeInForce');
      if (req.quantity === undefined) throw errors.mandatory('quantity');
      if (req.price === undefined) throw errors.mandatory('price');
      if (req.quoteOrderQty !== undefined) throw errors.notRequired('quoteOrderQty');
    }
    if (req.price !== undefined) {
      if (req.price < spec.minPrice || req.price > spec.maxPrice || !isMultipleOf(req.price, spec.tickSize))
        throw errors.filter('PRICE_FILTER');
    }
    if (req.quantity !== undefined) {
      if (req.quantity < spec.minQty || req.quantity > spec.maxQty || !isMultipleOf(req.quantity, spec.stepSize))
        throw errors.filter('LOT_SIZE');
    }
    const notional = req.quoteOrderQty ?? (req.quantity ?? 0) * (req.price ?? st.model.mid());
    if (notional < spec.minNotional) throw errors.filter('NOTIONAL');
  };

  const placeOrder = (apiKey: string, req: NewOrderRequest, now: number): { order: Order; fills: SimTrade[] } => {
    const owner = accountState(apiKey);
    const st = marketState(req.symbol);
    const spec = st.spec;
    checkOrderRequest(st, req);
    const clientOrderId = req.newClientOrderId ?? `sim${spec.id}${st.nextOrderId}`;
    if (openOf(apiKey).some((o) => o.clientOrderId === clientOrderId)) throw errors.duplicateOrder();
    const price = req.price ?? 0;
    const bestBid = touch(st.model.bids())?.price ?? 0;
    const bestAsk = touch(st.model.asks())?.price ?? Number.POSITIVE_INFINITY;
    if (req.type === 'LIMIT_MAKER' && (req.side === 'BUY' ? price >= bestAsk : price <= bestBid)) throw errors.wouldTake();

    // Work out what to hold before anything changes, so a rejection leaves no trace.
    let held: number;
    let marketFills: { price: number; qty: number }[] = [];
    if (req.type === 'MARKET') {
      const take = {
        side: req.side,
        dryRun: true,
        ...(req.quantity !== undefined ? { qty: req.quantity } : {}),
        ...(req.quoteOrderQty !== undefined ? { quoteBudget: req.quoteOrderQty } : {}),
      };
      marketFills = st.model.take(take);
      const cost = round8(marketFills.reduce((sum, f) => sum + f.price * f.qty, 0));
      const qty = round8(marketFills.reduce((sum, f) => sum + f.qty, 0));
      held = req.side === 'BUY' ? cost : (req.quantity ?? qty);
    } else {
      held = req.side === 'BUY' ? round8(price * (req.quantity ?? 0)) : (req.quantity ?? 0);
    }
    const holdAsset = req.side === 'BUY' ? spec.quote : spec.base;
    if (!lock(owner.account, holdAsset, held)) throw errors.insufficientBalance();

    const order: Order = {
      symbol: spec.id,
      orderId: st.nextOrderId++,
      clientOrderId,
      apiKey,
      side: req.side,
      type: req.type,
      timeInForce: req.timeInForce ?? 'GTC',
      price,
      origQty: req.quantity ?? 0,
      origQuoteOrderQty: req.quoteOrderQty ?? 0,
      executedQty: 0,
      cumQuote: 0,
      status: 'NEW',
      time: now,
      updateTime: now,
      workingTime: now,
      held,
    };
    owner.orders.push(order);
    owner.byId.set(`${spec.id}:${order.orderId}`, order);
    owner.account.updateTime = now;
    st.updateId += 1;
    const fills: SimTrade[] = [];

    if (req.type === 'MARKET') {
      if (req.quoteOrderQty !== undefined) order.origQty = round8(marketFills.reduce((sum, f) => sum + f.qty, 0));
      for (const f of st.model.take({
        side: req.side,
        ...(req.quantity !== undefined ? { qty: req.quantity } : {}),
        ...(req.quoteOrderQty !== undefined ? { quoteBudget: req.quoteOrderQty } : {}),
      })) {
        fills.push(fill(st, order, f.price, f.qty, false, now));
      }
      const complete = order.executedQty > 0 && remainingQty(order) <= 0;
      closeOrder(spec, owner.account, order, complete ? 'FILLED' : 'EXPIRED', now);
      return { order, fills };
    }
    if (req.type === 'LIMIT') {
      const take = { side: req.side, qty: order.origQty, limitPrice: price };
      const available = round8(st.model.take({ ...take, dryRun: true }).reduce((sum, f) => sum + f.qty, 0));
      if (order.timeInForce !== 'FOK' || available >= order.origQty) {
        for (const f of st.model.take(take)) fills.push(fill(st, order, f.price, f.qty, false, now));
      }
      if (isOpen(order) && order.timeInForce !== 'GTC') closeOrder(spec, owner.account, order, 'EXPIRED', now);
    }
    if (isOpen(order)) st.resting.push(order);
    return { order, fills };
  };

  return {
    markets: options.markets,
    spec: (symbolOrId) => findMarket(options.markets, symbolOrId),
    mid: (symbolOrId) => marketState(symbolOrId).model.mid(),
    tick(now) {
      for (const st of markets.values()) tickMarket(st, now);
    },
    addAccount(spec, now) {
      if (accounts.has(spec.apiKey)) throw new Error(`account ${spec.apiKey} already exists`);
      accounts.set(spec.apiKey, { account: createAccount(spec, now), orders: [], byId: new Map(), trades: [] });
    },
    account: (apiKey) => accounts.get(apiKey)?.account,
    placeOrder,
    cancelOrder(apiKey, symbol, ref, now) {
      const st = marketState(symbol);
      requireOrderRef(ref);
      const order = findOrder(apiKey, st, ref);
      if (order === undefined || !isOpen(order)) throw errors.unknownOrder();
      closeOrder(st.spec, accountState(apiKey).account, order, 'CANCELED', now);
      st.resting = st.resting.filter(isOpen);
      st.updateId += 1;
      return order;
    },
    cancelAll(apiKey, symbol, now) {
      const st = marketState(symbol);
      const open = openOf(apiKey, st);
      // Binance answers an empty cancel-all with "Unknown order sent." rather than an empty list.
      if (open.length === 0) throw errors.unknownOrder();
      const account = accountState(apiKey).account;
      for (const order of open) closeOrder(st.spec, account, order, 'CANCELED', now);
      st.resting = st.resting.filter(isOpen);
      st.updateId += 1;
      return open;
    },
    getOrder(apiKey, symbol, ref) {
      const st = marketState(symbol);
      return ownOrder(accountState(apiKey), st.spec.id, ref);
    },
    openOrders(apiKey, symbol) {
      accountState(apiKey);
      return openOf(apiKey, symbol === undefined ? undefined : marketState(symbol));
    },
    myTrades(apiKey, query) {
      const st = marketState(query.symbol);
      return queryMyTrades(
        accountState(apiKey).trades.filter((t) => t.symbol === st.spec.id),
        query,
      );
    },
    trades(apiKey, symbol) {
      const id = symbol === undefined ? undefined : marketState(symbol).spec.id;
      return accountState(apiKey)
        .trades.filter((t) => id === undefined || t.symbol === id)
        .map((t) => ({ ...t }));
    },
    depth: (symbol, limit) => bookDepth(marketState(symbol), limit),
    stats: (symbol) => ({ ...marketState(symbol).stats }),
  };
}
