/**
 * USDⓈ-M perpetuals: positions, margin, funding and the matching of accounts' orders against the
 * perpetuals' synthetic markets, the way Binance's one-way (positionSide BOTH), cross-margin mode
 * books them.
 *
 * - Each account has one futures wallet in USDT, separate from its spot balances (Binance's
 *   "USDⓈ-M Futures" wallet). Realized PnL, commissions and funding settle into it.
 * - A fill that reduces a position realizes `closedQty × (price − entryPrice) × sign(position)`
 *   against the average entry price; a fill that adds moves the average entry price; a fill larger
 *   than the position closes it (realizing PnL on the closed part) and opens the rest at the fill
 *   price. `realizedPnl` excludes commission, as Binance's does. Commission is `qty × price × rate`
 *   in USDT (maker or taker rate), always charged.
 * - Funding settles at every multiple of the funding interval (epoch-aligned, so 8 h means 00:00,
 *   08:00, 16:00 UTC) on every open position: `income = −positionAmt × markPrice × rate`, so a long
 *   pays and a short receives when the rate is positive (Binance's sign: income + = received).
 * - The mark price is the perpetual's mid; its index is the spot mid; the mid follows spot times
 *   (1 + basis). The funding rate is its own seeded mean-reverting path and changes sign now and then.
 * - No liquidations: an account whose margin runs out keeps its position (documented limit).
 */

import { isMultipleOf, round8 } from './decimal.ts';
import type { MarketStats, OrderRef } from './engine.ts';
import { errors, requireOrderRef } from './errors.ts';
import { accountOf, bookDepth, findOwnOrder, marketOf, openingStats, openOrdersOf, ownOrder, settleStep, touch } from './book.ts';
import { createMarketModel, recordPrint, type BookLevel, type MarketModel, type Side } from './market.ts';
import type { FeeRates, OrderStatus } from './orders.ts';
import { findPerp, type PerpSpec } from './perpMarkets.ts';
import { queryIncome, queryUserTrades, type IncomeQuery, type UserTradesQuery } from './perpQuery.ts';
import { createRng, deriveSeed, type Rng } from './prng.ts';

export type PerpOrderType = 'LIMIT' | 'MARKET';
export type PerpTimeInForce = 'GTC' | 'IOC' | 'FOK' | 'GTX';

export interface PerpOrder {
  /** Binance id, e.g. "BTCUSDT". */
  symbol: string;
  orderId: number;
  clientOrderId: string;
  apiKey: string;
  side: Side;
  type: PerpOrderType;
  timeInForce: PerpTimeInForce;
  /** Limit price; 0 for market orders. */
  price: number;
  origQty: number;
  executedQty: number;
  /** Σ price × qty of the fills, USDT. */
  cumQuote: number;
  reduceOnly: boolean;
  status: OrderStatus;
  time: number;
  updateTime: number;
}

/** One of an account's perpetual fills, in Binance's `userTrades` fields (numbers here). */
export interface PerpTrade {
  symbol: string;
  id: number;
  orderId: number;
  side: Side;
  price: number;
  qty: number;
  quoteQty: number;
  /** Realized on the reducing part of the fill vs the average entry price, USDT, before fees. */
  realizedPnl: number;
  /** Paid, USDT (+ = paid). */
  commission: number;
  commissionAsset: string;
  /** The rate the commission was charged at (maker or taker). */
  feeRate: number;
  /** Base quantity of the position this fill closed (Bybit's `closedSize`). */
  closedQty: number;
  time: number;
  buyer: boolean;
  maker: boolean;
  positionSide: 'BOTH';
  clientOrderId: string;
  orderType: PerpOrderType;
  orderPrice: number;
  orderQty: number;
  /** Order quantity still open right after this fill. */
  leavesQty: number;
  markPrice: number;
  indexPrice: number;
}

/** One funding settlement on one position. `amount` + = received (Binance's `income` sign). */
export interface SimFunding {
  symbol: string;
  time: number;
  rate: number;
  markPrice: number;
  /** Signed: + long, − short. */
  positionAmt: number;
  amount: number;
  tranId: number;
}

export interface FundingRateRow {
  symbol: string;
  time: number;
  rate: number;
  markPrice: number;
}

export interface IncomeRow {
  symbol: string;
  incomeType: 'FUNDING_FEE' | 'COMMISSION' | 'REALIZED_PNL' | 'TRANSFER';
  /** + = received, USDT. */
  income: number;
  asset: string;
  time: number;
  tranId: number;
  tradeId: string;
}

/** A position as the endpoints show it, marked to the current mark price. */
export interface PositionView {
  spec: PerpSpec;
  positionAmt: number;
  entryPrice: number;
  markPrice: number;
  unrealizedPnl: number;
  notional: number;
  leverage: number;
  initialMargin: number;
  maintMargin: number;
  openOrderInitialMargin: number;
  /** Σ realized − commissions + funding since the account opened, USDT (Bybit's cumRealisedPnl). */
  cumRealised: number;
  createdTime: number;
  updateTime: number;
}

export interface FuturesAccountView {
  walletBalance: number;
  unrealizedPnl: number;
  marginBalance: number;
  positionInitialMargin: number;
  openOrderInitialMargin: number;
  maintMargin: number;
  availableBalance: number;
  createdTime: number;
  updateTime: number;
}

export interface NewPerpOrder {
  symbol: string;
  side: Side;
  type: PerpOrderType;
  timeInForce?: PerpTimeInForce;
  quantity?: number;
  price?: number;
  reduceOnly?: boolean;
  newClientOrderId?: string;
}

export type PerpOrderRef = OrderRef;

export interface FundingModel {
  /** Long-run mean of the rate per interval (Binance's baseline is 0.01 %). */
  mean: number;
  /** Stationary standard deviation of the rate. */
  sd: number;
  /** Fraction of the gap to the mean closed per tick. */
  reversionPerTick: number;
}

export const DEFAULT_FUNDING_MODEL: FundingModel = { mean: 0.0001, sd: 0.00015, reversionPerTick: 0.01 };
export const DEFAULT_FUTURES_FEES: FeeRates = { maker: 0.0002, taker: 0.0005 };
export const DEFAULT_LEVERAGE = 20;
/** Binance clamps funding rates; ±0.3 % is BTCUSDT's cap per 8 h. */
const MAX_FUNDING_RATE = 0.003;
/** A clock jump across more intervals than this settles only the last ones (keeps a jump cheap). */
const MAX_SETTLEMENTS_PER_CALL = 100_000;

interface PerpMarketState {
  spec: PerpSpec;
  model: MarketModel;
  basisRng: Rng;
  basis: number;
  fundingRng: Rng;
  fundingRate: number;
  nextOrderId: number;
  nextTradeId: number;
  resting: PerpOrder[];
  stats: MarketStats;
  updateId: number;
  history: FundingRateRow[];
}

interface Position {
  amt: number;
  entry: number;
  createdTime: number;
  updateTime: number;
}

interface PerpAccount {
  apiKey: string;
  wallet: number;
  positions: Map<string, Position>;
  leverage: Map<string, number>;
  cumRealised: Map<string, number>;
  orders: PerpOrder[];
  byId: Map<string, PerpOrder>;
  trades: PerpTrade[];
  income: IncomeRow[];
  funding: SimFunding[];
  createdTime: number;
  updateTime: number;
}

export interface PerpEngine {
  readonly perps: readonly PerpSpec[];
  readonly fundingIntervalMs: number;
  spec(symbolOrId: string): PerpSpec | undefined;
  mark(symbolOrId: string): number;
  index(symbolOrId: string): number;
  fundingRate(symbolOrId: string): number;
  nextFundingTime(): number;
  /** Every settlement of one perpetual so far (whether or not anyone held a position), oldest first. */
  fundingHistory(symbolOrId: string): FundingRateRow[];
  /** Settles every funding time that has passed, then steps every perpetual one tick. */
  tick(now: number): void;
  /** Settles every funding time at or before `now` that has not been settled yet. */
  settleDue(now: number): void;
  addAccount(apiKey: string, futuresUsdt: number, now: number): void;
  has(apiKey: string): boolean;
  placeOrder(apiKey: string, request: NewPerpOrder, now: number): { order: PerpOrder; fills: PerpTrade[] };
  cancelOrder(apiKey: string, symbol: string, ref: PerpOrderRef, now: number): PerpOrder;
  cancelAll(apiKey: string, symbol: string, now: number): PerpOrder[];
  getOrder(apiKey: string, symbol: string, ref: PerpOrderRef): PerpOrder;
  openOrders(apiKey: string, symbol?: string): PerpOrder[];
  /** Every order the account placed in one symbol, open or not, oldest first (live objects). */
  allOrders(apiKey: string, symbol: string): PerpOrder[];
  userTrades(apiKey: string, symbol: string, query: UserTradesQuery, now: number): PerpTrade[];
  income(apiKey: string, query: IncomeQuery, now: number): IncomeRow[];
  trades(apiKey: string, symbol?: string): PerpTrade[];
  funding(apiKey: string, symbol?: string): SimFunding[];
  positions(apiKey: string): PositionView[];
  account(apiKey: string): FuturesAccountView;
  leverage(apiKey: string, symbol: string): number;
  setLeverage(apiKey: string, symbol: string, leverage: number, now: number): number;
  /**
   * Moves `amount` USDT into (+) or out of (−) the futures wallet (a transfer from or to spot), recorded
   * as a TRANSFER income row as Binance does; false (and no change) when it would take more than is free.
   */
  transferWallet(apiKey: string, amount: number, now: number): boolean;
  depth(symbol: string, limit: number): { lastUpdateId: number; bids: BookLevel[]; asks: BookLevel[] };
  stats(symbol: string): MarketStats;
}

export interface PerpEngineOptions {
  perps: readonly PerpSpec[];
  seed: number;
  fees: FeeRates;
  now: number;
  fundingIntervalMs: number;
  fundingModel: FundingModel;
  /** The spot mid a perpetual follows, by spot id. */
  spotMid: (spotId: string) => number;
}

const isOpen = (o: PerpOrder): boolean => o.status === 'NEW' || o.status === 'PARTIALLY_FILLED';
const remaining = (o: PerpOrder): number => round8(o.origQty - o.executedQty);
const sideSign = (side: Side): number => (side === 'BUY' ? 1 : -1);

export function createPerpEngine(options: PerpEngineOptions): PerpEngine {
  const { fees, fundingModel, fundingIntervalMs } = options;
  if (!(fundingIntervalMs > 0)) throw new Error('fundingIntervalMs must be positive');
  const markets = new Map<string, PerpMarketState>();
  for (const spec of options.perps) {
    const basisRng = createRng(deriveSeed(options.seed, `perp-basis:${spec.id}`));
    const fundingRng = createRng(deriveSeed(options.seed, `perp-funding:${spec.id}`));
    const state: PerpMarketState = {
      spec,
      // Replaced just below, once the state exists for the anchor to read its basis.
      model: undefined as unknown as MarketModel,
      basisRng,
      basis: 0,
      fundingRng,
      // Start somewhere on the rate's stationary distribution, not at the mean.
      fundingRate: clampRate(fundingModel.mean + fundingModel.sd * fundingRng.normal()),
      nextOrderId: 1,
      nextTradeId: 1,
      resting: [],
      stats: openingStats(options.now, spec.startPrice),
      updateId: 1,
      history: [],
    };
    state.model = createMarketModel(spec, options.seed, {
      streamLabel: `perp:${spec.id}`,
      anchor: () => options.spotMid(spec.spotId) * (1 + state.basis),
      startMid: options.spotMid(spec.spotId),
    });
    const start = state.model.mid();
    Object.assign(state.stats, { open: start, high: start, low: start, last: start });
    markets.set(spec.id, state);
  }
  const accounts = new Map<string, PerpAccount>();
  let nextFunding = Math.floor(options.now / fundingIntervalMs) * fundingIntervalMs + fundingIntervalMs;
  let nextTranId = 1;

  function clampRate(rate: number): number {
    return Math.max(-MAX_FUNDING_RATE, Math.min(MAX_FUNDING_RATE, rate));
  }

  const marketState = (symbolOrId: string): PerpMarketState => marketOf(markets, findPerp(options.perps, symbolOrId));
  const accountState = (apiKey: string): PerpAccount => accountOf(accounts, apiKey);
  const leverageOf = (acct: PerpAccount, symbol: string): number => acct.leverage.get(symbol) ?? DEFAULT_LEVERAGE;
  const markOf = (st: PerpMarketState): number => st.model.mid();

  const addIncome = (acct: PerpAccount, row: Omit<IncomeRow, 'tranId' | 'asset'>): number => {
    const tranId = nextTranId++;
    acct.income.push({ ...row, asset: 'USDT', tranId });
    return tranId;
  };

  /** How much of a `side` order would close the current position (0 when it would only add). */
  const reducible = (acct: PerpAccount, symbol: string, side: Side): number => {
    const amt = acct.positions.get(symbol)?.amt ?? 0;
    return amt !== 0 && Math.sign(amt) !== sideSign(side) ? Math.abs(amt) : 0;
  };

  const applyFill = (st: PerpMarketState, order: PerpOrder, price: number, qty: number, isMaker: boolean, now: number): PerpTrade => {
    const acct = accountState(order.apiKey);
    const spec = st.spec;
    const tradeId = recordPrint(st, price, qty);
    const s = sideSign(order.side);
    const pos = acct.positions.get(spec.id) ?? { amt: 0, entry: 0, createdTime: now, updateTime: now };
    let closed = 0;
    let realized = 0;
    if (pos.amt !== 0 && Math.sign(pos.amt) !== s) {
      closed = Math.min(qty, Math.abs(pos.amt));
      realized = closed * (price - pos.entry) * Math.sign(pos.amt);
    }
    const opened = round8(qty - closed);
    const newAmt = round8(pos.amt + s * qty);
    if (newAmt === 0) {
      pos.entry = 0;
    } else if (closed > 0 && opened > 0) {
      pos.entry = price; // flipped: the rest opens a new position at the fill price
      pos.createdTime = now;
    } else if (closed === 0) {
      const held = Math.abs(pos.amt);
      if (held === 0) pos.createdTime = now;
      pos.entry = (held * pos.entry + qty * price) / (held + qty);
    }
    pos.amt = newAmt;
    pos.updateTime = now;
    acct.positions.set(spec.id, pos);

    const quoteQty = round8(price * qty);
    const rate = isMaker ? fees.maker : fees.taker;
    const commission = round8(quoteQty * rate);
    realized = round8(realized);
    acct.wallet = round8(acct.wallet + realized - commission);
    acct.cumRealised.set(spec.id, round8((acct.cumRealised.get(spec.id) ?? 0) + realized - commission));
    acct.updateTime = now;

    order.executedQty = round8(order.executedQty + qty);
    order.cumQuote = round8(order.cumQuote + quoteQty);
    if (order.type === 'LIMIT') order.status = remaining(order) <= 0 ? 'FILLED' : 'PARTIALLY_FILLED';
    order.updateTime = now;

    if (realized !== 0)
      addIncome(acct, { symbol: spec.id, incomeType: 'REALIZED_PNL', income: realized, time: now, tradeId: String(tradeId) });
    if (commission !== 0)
      addIncome(acct, { symbol: spec.id, incomeType: 'COMMISSION', income: -commission, time: now, tradeId: String(tradeId) });

    const trade: PerpTrade = {
      symbol: spec.id,
      id: tradeId,
      orderId: order.orderId,
      side: order.side,
      price,
      qty,
      quoteQty,
      realizedPnl: realized,
      commission,
      commissionAsset: 'USDT',
      feeRate: rate,
      closedQty: round8(closed),
      time: now,
      buyer: order.side === 'BUY',
      maker: isMaker,
      positionSide: 'BOTH',
      clientOrderId: order.clientOrderId,
      orderType: order.type,
      orderPrice: order.price,
      orderQty: order.origQty,
      leavesQty: order.type === 'LIMIT' ? remaining(order) : 0,
      markPrice: markOf(st),
      indexPrice: options.spotMid(spec.spotId),
    };
    acct.trades.push(trade);
    st.updateId += 1;
    return trade;
  };

  /** A resting order's fill, trimmed for reduce-only orders; 0 means the order cannot trade any more. */
  const fillableQty = (order: PerpOrder, wanted: number): number => {
    if (!order.reduceOnly) return wanted;
    return Math.min(wanted, reducible(accountState(order.apiKey), order.symbol, order.side));
  };

  const expire = (order: PerpOrder, now: number): void => {
    order.status = 'EXPIRED';
    order.updateTime = now;
  };

  /** A resting order takes what it may (a reduce-only one no more than it closes); one that can no longer trade expires. */
  const takeSome =
    (st: PerpMarketState, now: number) =>
    (order: PerpOrder, wanted: number): number => {
      const qty = fillableQty(order, wanted);
      if (qty <= 0) {
        expire(order, now);
        return 0;
      }
      applyFill(st, order, order.price, qty, true, now);
      if (order.reduceOnly && isOpen(order) && reducible(accountState(order.apiKey), order.symbol, order.side) === 0) expire(order, now);
      return qty;
    };

  const tickMarket = (st: PerpMarketState, now: number): void => {
    const spec = st.spec;
    // Basis: an Ornstein-Uhlenbeck step; funding rate: the same around its mean. Two draws, always.
    const zb = st.basisRng.normal();
    st.basis = st.basis * (1 - spec.basisReversion) + spec.basisSd * Math.sqrt(2 * spec.basisReversion) * zb;
    st.basis = Math.max(-5 * spec.basisSd, Math.min(5 * spec.basisSd, st.basis));
    const zf = st.fundingRng.normal();
    const k = fundingModel.reversionPerTick;
    st.fundingRate = clampRate(st.fundingRate + k * (fundingModel.mean - st.fundingRate) + fundingModel.sd * Math.sqrt(2 * k) * zf);

    const prints = st.model.step();
    st.updateId += 1;
    const cross = (order: PerpOrder, unfilled: number): void => {
      const qty = fillableQty(order, unfilled);
      if (qty > 0) applyFill(st, order, order.price, qty, true, now);
      if (isOpen(order)) expire(order, now); // a reduce-only order with nothing left to reduce
    };
    settleStep(st, prints, cross, takeSome(st, now));
  };

  const settle = (time: number): void => {
    for (const st of markets.values()) {
      const mark = markOf(st);
      const rate = st.fundingRate;
      st.history.push({ symbol: st.spec.id, time, rate, markPrice: mark });
      for (const acct of accounts.values()) {
        const pos = acct.positions.get(st.spec.id);
        if (pos === undefined || pos.amt === 0) continue;
        const amount = round8(-pos.amt * mark * rate);
        acct.wallet = round8(acct.wallet + amount);
        acct.cumRealised.set(st.spec.id, round8((acct.cumRealised.get(st.spec.id) ?? 0) + amount));
        acct.updateTime = time;
        const tranId = addIncome(acct, { symbol: st.spec.id, incomeType: 'FUNDING_FEE', income: amount, time, tradeId: '' });
        acct.funding.push({ symbol: st.spec.id, time, rate, markPrice: mark, positionAmt: pos.amt, amount, tranId });
      }
    }
  };

  const settleDue = (now: number): void => {
    if (now < nextFunding) return;
    const due = Math.floor((now - nextFunding) / fundingIntervalMs) + 1;
    if (due > MAX_SETTLEMENTS_PER_CALL) nextFunding += (due - MAX_SETTLEMENTS_PER_CALL) * fundingIntervalMs;
    while (nextFunding <= now) {
      settle(nextFunding);
      nextFunding += fundingIntervalMs;
    }
  };

  /** Cancels resting orders: they leave the book, and the book's update id moves once. */
  const cancelResting = (st: PerpMarketState, orders: readonly PerpOrder[], now: number): void => {
    for (const order of orders) {
      order.status = 'CANCELED';
      order.updateTime = now;
    }
    st.resting = st.resting.filter(isOpen);
    st.updateId += 1;
  };

  const findOrder = (acct: PerpAccount, st: PerpMarketState, ref: PerpOrderRef): PerpOrder | undefined =>
    findOwnOrder(acct, st.spec.id, ref);

  const openOf = (apiKey: string, only?: PerpMarketState): PerpOrder[] => openOrdersOf(markets.values(), apiKey, only);

  const orderMargin = (acct: PerpAccount): number =>
    round8(
      openOf(acct.apiKey)
        .filter((o) => !o.reduceOnly)
        .reduce((sum, o) => sum + (remaining(o) * o.price) / leverageOf(acct, o.symbol), 0),
    );

  const accountView = (acct: PerpAccount): FuturesAccountView => {
    let upnl = 0;
    let positionIM = 0;
    let maint = 0;
    for (const [symbol, pos] of acct.positions) {
      if (pos.amt === 0) continue;
      const st = marketState(symbol);
      const mark = markOf(st);
      upnl += pos.amt * (mark - pos.entry);
      positionIM += (Math.abs(pos.amt) * mark) / leverageOf(acct, symbol);
      maint += Math.abs(pos.amt) * mark * st.spec.maintMarginRatio;
    }
    const openOrderIM = orderMargin(acct);
    const walletBalance = acct.wallet;
    const marginBalance = round8(walletBalance + upnl);
    return {
      walletBalance,
      unrealizedPnl: round8(upnl),
      marginBalance,
      positionInitialMargin: round8(positionIM),
      openOrderInitialMargin: openOrderIM,
      maintMargin: round8(maint),
      availableBalance: round8(Math.max(0, marginBalance - positionIM - openOrderIM)),
      createdTime: acct.createdTime,
      updateTime: acct.updateTime,
    };
  };

  const checkRequest = (st: PerpMarketState, req: NewPerpOrder): void => {
    const spec = st.spec;
    if (req.quantity === undefined) throw errors.mandatory('quantity');
    if (req.type === 'MARKET') {
      if (req.price !== undefined) throw errors.notRequired('price');
      if (req.timeInForce !== undefined) throw errors.notRequired('timeInForce');
    } else {
      if (req.price === undefined) throw errors.mandatory('price');
      if (req.timeInForce === undefined) throw errors.mandatory('timeInForce');
    }
    if (req.quantity <= 0) throw errors.qtyNotPositive();
    if (!isMultipleOf(req.quantity, spec.stepSize)) throw errors.qtyPrecision();
    if (req.quantity < spec.minQty) throw errors.filter('LOT_SIZE');
    if (req.quantity > (req.type === 'MARKET' ? spec.maxMarketQty : spec.maxQty)) throw errors.qtyTooLarge();
    if (req.price !== undefined) {
      if (req.price < spec.minPrice || req.price > spec.maxPrice) throw errors.filter('PRICE_FILTER');
      if (!isMultipleOf(req.price, spec.tickSize)) throw errors.priceNotOnTick();
    }
    const notional = req.quantity * (req.price ?? markOf(st));
    if (req.reduceOnly !== true && notional < spec.minNotional) throw errors.notionalTooSmall(spec.minNotional);
  };

  const placeOrder = (apiKey: string, req: NewPerpOrder, now: number): { order: PerpOrder; fills: PerpTrade[] } => {
    const acct = accountState(apiKey);
    const st = marketState(req.symbol);
    const spec = st.spec;
    checkRequest(st, req);
    const qty = req.quantity ?? 0;
    const price = req.price ?? 0;
    const reduceOnly = req.reduceOnly === true;
    const clientOrderId = req.newClientOrderId ?? `simperp${spec.id}${st.nextOrderId}`;
    if (openOf(apiKey).some((o) => o.clientOrderId === clientOrderId)) throw errors.duplicateOrder();
    const bestBid = touch(st.model.bids())?.price ?? 0;
    const bestAsk = touch(st.model.asks())?.price ?? Number.POSITIVE_INFINITY;
    if (req.timeInForce === 'GTX' && (req.side === 'BUY' ? price >= bestAsk : price <= bestBid)) throw errors.postOnlyRejected();
    const canReduce = reducible(acct, spec.id, req.side);
    if (reduceOnly && canReduce === 0) throw errors.reduceOnlyRejected();
    if (!reduceOnly) {
      // Margin for the part that opens or adds; reducing needs none.
      const adds = Math.max(0, qty - canReduce);
      const refPrice = req.type === 'MARKET' ? (req.side === 'BUY' ? bestAsk : bestBid) : price;
      const needed = (adds * refPrice) / leverageOf(acct, spec.id) + adds * refPrice * fees.taker;
      if (adds > 0 && needed > accountView(acct).availableBalance) throw errors.marginInsufficient();
    }

    const order: PerpOrder = {
      symbol: spec.id,
      orderId: st.nextOrderId++,
      clientOrderId,
      apiKey,
      side: req.side,
      type: req.type,
      timeInForce: req.timeInForce ?? 'GTC',
      price,
      origQty: qty,
      executedQty: 0,
      cumQuote: 0,
      reduceOnly,
      status: 'NEW',
      time: now,
      updateTime: now,
    };
    acct.orders.push(order);
    acct.byId.set(`${spec.id}:${order.orderId}`, order);
    acct.updateTime = now;
    st.updateId += 1;
    const fills: PerpTrade[] = [];
    const takeQty = reduceOnly ? Math.min(qty, canReduce) : qty;

    if (req.type === 'MARKET') {
      for (const f of st.model.take({ side: req.side, qty: takeQty })) fills.push(applyFill(st, order, f.price, f.qty, false, now));
      order.status = order.executedQty > 0 && remaining(order) <= 0 ? 'FILLED' : 'EXPIRED';
      order.updateTime = now;
      return { order, fills };
    }
    if (order.timeInForce !== 'GTX') {
      const take = { side: req.side, qty: takeQty, limitPrice: price };
      const available = round8(st.model.take({ ...take, dryRun: true }).reduce((sum, f) => sum + f.qty, 0));
      if (order.timeInForce !== 'FOK' || available >= qty) {
        for (const f of st.model.take(take)) fills.push(applyFill(st, order, f.price, f.qty, false, now));
      }
    }
    if (isOpen(order) && (order.timeInForce === 'IOC' || order.timeInForce === 'FOK')) expire(order, now);
    if (isOpen(order) && reduceOnly && reducible(acct, spec.id, req.side) === 0) expire(order, now);
    if (isOpen(order)) st.resting.push(order);
    return { order, fills };
  };

  return {
    perps: options.perps,
    fundingIntervalMs,
    spec: (symbolOrId) => findPerp(options.perps, symbolOrId),
    mark: (symbolOrId) => markOf(marketState(symbolOrId)),
    index: (symbolOrId) => options.spotMid(marketState(symbolOrId).spec.spotId),
    fundingRate: (symbolOrId) => marketState(symbolOrId).fundingRate,
    nextFundingTime: () => nextFunding,
    fundingHistory: (symbolOrId) => marketState(symbolOrId).history.map((r) => ({ ...r })),
    tick(now) {
      settleDue(now);
      for (const st of markets.values()) tickMarket(st, now);
    },
    settleDue,
    addAccount(apiKey, futuresUsdt, now) {
      if (accounts.has(apiKey)) throw new Error(`account ${apiKey} already exists`);
      if (!Number.isFinite(futuresUsdt) || futuresUsdt < 0) throw new Error('futuresUsdt must be a non-negative number');
      accounts.set(apiKey, {
        apiKey,
        wallet: round8(futuresUsdt),
        positions: new Map(),
        leverage: new Map(),
        cumRealised: new Map(),
        orders: [],
        byId: new Map(),
        trades: [],
        income: [],
        funding: [],
        createdTime: now,
        updateTime: now,
      });
    },
    has: (apiKey) => accounts.has(apiKey),
    placeOrder,
    cancelOrder(apiKey, symbol, ref, now) {
      const acct = accountState(apiKey);
      const st = marketState(symbol);
      requireOrderRef(ref);
      const order = findOrder(acct, st, ref);
      if (order === undefined || !isOpen(order)) throw errors.unknownOrder();
      cancelResting(st, [order], now);
      return order;
    },
    cancelAll(apiKey, symbol, now) {
      accountState(apiKey);
      const st = marketState(symbol);
      const open = openOf(apiKey, st);
      cancelResting(st, open, now);
      return open;
    },
    getOrder(apiKey, symbol, ref) {
      const acct = accountState(apiKey);
      return ownOrder(acct, marketState(symbol).spec.id, ref);
    },
    openOrders(apiKey, symbol) {
      accountState(apiKey);
      return openOf(apiKey, symbol === undefined ? undefined : marketState(symbol));
    },
    allOrders(apiKey, symbol) {
      const id = marketState(symbol).spec.id;
      return accountState(apiKey).orders.filter((o) => o.symbol === id);
    },
    userTrades(apiKey, symbol, query, now) {
      const st = marketState(symbol);
      return queryUserTrades(
        accountState(apiKey).trades.filter((t) => t.symbol === st.spec.id),
        query,
        now,
      );
    },
    income(apiKey, query, now) {
      if (query.symbol !== undefined) marketState(query.symbol);
      return queryIncome(accountState(apiKey).income, query, now);
    },
    trades(apiKey, symbol) {
      const id = symbol === undefined ? undefined : marketState(symbol).spec.id;
      return accountState(apiKey)
        .trades.filter((t) => id === undefined || t.symbol === id)
        .map((t) => ({ ...t }));
    },
    funding(apiKey, symbol) {
      const id = symbol === undefined ? undefined : marketState(symbol).spec.id;
      return accountState(apiKey)
        .funding.filter((f) => id === undefined || f.symbol === id)
        .map((f) => ({ ...f }));
    },
    positions(apiKey) {
      const acct = accountState(apiKey);
      return [...markets.values()].map((st) => {
        const pos = acct.positions.get(st.spec.id);
        const amt = pos?.amt ?? 0;
        const entry = amt === 0 ? 0 : (pos?.entry ?? 0);
        const mark = markOf(st);
        const leverage = leverageOf(acct, st.spec.id);
        const notional = round8(amt * mark);
        const orderIM = openOf(apiKey, st)
          .filter((o) => !o.reduceOnly)
          .reduce((sum, o) => sum + (remaining(o) * o.price) / leverage, 0);
        return {
          spec: st.spec,
          positionAmt: amt,
          entryPrice: entry,
          markPrice: mark,
          unrealizedPnl: round8(amt * (mark - entry)),
          notional,
          leverage,
          initialMargin: round8(Math.abs(notional) / leverage),
          maintMargin: round8(Math.abs(notional) * st.spec.maintMarginRatio),
          openOrderInitialMargin: round8(orderIM),
          cumRealised: acct.cumRealised.get(st.spec.id) ?? 0,
          createdTime: pos?.createdTime ?? acct.createdTime,
          updateTime: pos?.updateTime ?? 0,
        };
      });
    },
    account: (apiKey) => accountView(accountState(apiKey)),
    leverage: (apiKey, symbol) => leverageOf(accountState(apiKey), marketState(symbol).spec.id),
    setLeverage(apiKey, symbol, leverage, now) {
      const acct = accountState(apiKey);
      const st = marketState(symbol);
      if (!Number.isInteger(leverage) || leverage < 1 || leverage > st.spec.maxLeverage) throw errors.invalidLeverage(leverage);
      acct.leverage.set(st.spec.id, leverage);
      acct.updateTime = now;
      return leverage;
    },
    transferWallet(apiKey, amount, now) {
      const acct = accountState(apiKey);
      if (amount < 0 && -amount > Math.min(accountView(acct).availableBalance, acct.wallet)) return false;
      acct.wallet = round8(acct.wallet + amount);
      acct.updateTime = now;
      addIncome(acct, { symbol: '', incomeType: 'TRANSFER', income: round8(amount), time: now, tradeId: '' });
      return true;
    },
    depth: (symbol, limit) => bookDepth(marketState(symbol), limit),
    stats: (symbol) => ({ ...marketState(symbol).stats }),
  };
}
