/** What the core needs from an exchange account, independent of ccxt. */
import type { ErrorKind } from '../../../shared/model.ts';

export type Side = 'buy' | 'sell';

/** One fee line of a fill, in the currency the exchange charged it in; + = paid, − = rebate. */
export interface FeeLine {
  currency: string;
  amount: number;
  /** A fee in a third asset (e.g. BNB) valued in the fill's quote currency at the fill's time; set by the sync, stored with the fill. */
  quoteValue?: number;
}

/** A fill as the ledger stores it. Amount is in base, price and cost in quote. */
export interface Fill {
  id: string;
  orderId: string | null;
  symbol: string;
  side: Side;
  price: number;
  amount: number;
  cost: number;
  fees: FeeLine[];
  /** Milliseconds since epoch, exchange time. */
  timestamp: number;
  isMaker: boolean | null;
  /**
   * The exchange's own realized PnL for this fill, in quote, when it reports one (Binance USDⓈ-M
   * `userTrades.realizedPnl`: average-cost, excluding fees and funding). Kept only to cross-check the
   * ledger's realized PnL; absent on spot and on exchanges that do not report it per fill.
   */
  exchangeRealizedPnl?: number;
}

/** A funding payment on a perpetual, normalised so that + = received, whatever the exchange's sign. */
export interface FundingEvent {
  /** Unique per (exchange, account, symbol); exchanges without an id get one derived from time and amount. */
  id: string;
  symbol: string;
  /** In `currency`; + = received, − = paid. */
  amount: number;
  currency: string;
  /** Milliseconds since epoch, exchange time. */
  timestamp: number;
}

/** An open perpetual (or margin) position as the exchange reports it. */
export interface PositionReport {
  symbol: string;
  /** Signed base amount: + long, − short. */
  qty: number;
  entryPrice: number;
  markPrice: number;
  /** The exchange's own unrealized PnL, in quote, for cross-checking ours. */
  unrealizedPnl: number;
  timestamp: number;
}

/** One currency of an account balance, as the exchange reports it; null where it does not say. */
export interface BalanceLine {
  currency: string;
  /** Available to trade or withdraw, in `currency`. */
  free: number | null;
  /** Held by open orders or margin, in `currency`. */
  used: number | null;
  total: number | null;
}

/** A perpetual's funding as the exchange announces it. */
export interface FundingInfo {
  symbol: string;
  /** The rate for the coming funding, per interval (0.0001 = 1 bp); + = longs pay shorts. */
  rate: number;
  /** Milliseconds since epoch, or null when the exchange does not say. */
  nextFundingTime: number | null;
  markPrice: number | null;
  indexPrice: number | null;
  /** Funding interval, ms, when the exchange says. */
  intervalMs: number | null;
}

export interface MarketRules {
  symbol: string;
  base: string;
  quote: string;
  /** Price increment. */
  tickSize: number;
  /** Amount increment, in base. */
  stepSize: number;
  minAmount: number;
  /** Minimum order value, in quote. */
  minNotional: number;
}

export interface Quote {
  symbol: string;
  bid: number;
  ask: number;
  last: number;
  timestamp: number;
}

/** A market as the set-up form lists it. */
export interface ListedMarket {
  symbol: string;
  type: 'spot' | 'swap' | 'future' | 'option';
  base: string;
  quote: string;
}

export interface OpenOrder {
  id: string;
  /** The id we gave the order when placing it (tagged per instance), if the exchange echoes it. */
  clientOrderId: string | null;
  symbol: string;
  side: Side;
  price: number;
  amount: number;
  filled: number;
  timestamp: number;
  /** Where the exchange's answer says the order is (a create or a cancel answer); absent on book listings. */
  status?: OrderStatus;
}

/** An order's lifecycle as the exchange reports it: `open` covers partly filled orders still on the book. */
export type OrderStatus = 'open' | 'filled' | 'cancelled' | 'rejected' | 'expired';

/** One order as the exchange reports it when asked for it (by our client order id) or when it answers a cancel. */
export interface OrderReport extends OpenOrder {
  status: OrderStatus;
  /** Average fill price, quote per base; null before any fill or where the exchange does not say. */
  average: number | null;
}

export interface OrderRequest {
  symbol: string;
  side: Side;
  amount: number;
  price: number;
  /** Rejected by the exchange rather than taking liquidity. */
  isPostOnly: boolean;
  /** Our id for the order; lets an instance recognise its orders even if the app died before journaling them. */
  clientOrderId?: string;
  /** Perpetuals: may only reduce the position (closing a hedge must never open the other way). */
  isReduceOnly?: boolean;
}

/** What an authenticated check of a key found: what it may do, and what the trader should change. */
export interface KeyCheck {
  /** Permissions the exchange reports, in its own words (e.g. "spot trading", "withdrawals"). */
  permissions: string[];
  /** E.g. withdrawals enabled, no IP whitelist. */
  warnings: string[];
  /** False when the exchange has no endpoint that tells (the authenticated call still succeeded). */
  isRestrictionsKnown: boolean;
}

/** Failed requests a session retried successfully (or is still retrying): not errors, but worth seeing. */
export interface AbsorbedFaults {
  count: number;
  last: { at: number; kind: ErrorKind; message: string } | null;
}

export interface ExchangeSession {
  readonly exchangeId: string;
  readonly accountId: string;
  loadMarkets(): Promise<void>;
  market(symbol: string): MarketRules;
  /** Fills on `symbol` from `since` (inclusive) to `until` (inclusive, null = now), ascending, at most `limit`. */
  fetchFills(symbol: string, since: number, limit: number, until: number | null): Promise<Fill[]>;
  /** The most rows one fills or funding request may ask for (Binance 1000, Bybit 100). */
  readonly pageLimit?: number;
  /** The longest time range one fills request may cover on this exchange, or null for no limit. */
  fillWindowMs(symbol: string): number | null;
  fetchQuote(symbol: string): Promise<Quote>;
  /** Funding on a perpetual `symbol` from `since` (inclusive), ascending, + = received. */
  fetchFunding(symbol: string, since: number, limit: number, until: number | null): Promise<FundingEvent[]>;
  /** The perpetual's next funding rate and time, mark and index. */
  fetchFundingRate(symbol: string): Promise<FundingInfo>;
  /** Open positions on the given perpetual symbols. */
  fetchPositions(symbols: string[]): Promise<PositionReport[]>;
  /** `isControl`: the read confirms a cancel or an order (it draws from the control share of the weight budget). */
  fetchOpenOrders(symbol: string, options?: { isControl?: boolean }): Promise<OpenOrder[]>;
  /**
   * Places a limit order. Never retried after a timeout, a network error or an unreadable answer: the
   * order may have reached the book, and a second attempt could place it twice. Such a failure is
   * returned as is (kind `timeout` / `network` / `bad_payload`); reconcile through `fetchOpenOrders`.
   */
  createOrder(request: OrderRequest): Promise<OpenOrder>;
  /** Cancels one order; an order already gone counts as cancelled. Answers the order's final state where the exchange says. */
  cancelOrder(id: string, symbol: string): Promise<OrderReport | void>;
  /**
   * The order we placed with `clientOrderId`, whatever its state, or null when the exchange has no such
   * order (it never reached the book). How a create whose answer was lost is settled without placing twice.
   */
  fetchOrderByClientId?(symbol: string, clientOrderId: string): Promise<OrderReport | null>;
  /** Cancels every open order on `symbol` in one request (all of the account's: other instances' and a human's too). */
  cancelAllOrders?(symbol: string): Promise<void>;
  /** Account balances (`market` picks the wallet on exchanges that keep several). Optional: older fakes lack it. */
  fetchBalance?(market?: 'spot' | 'swap'): Promise<BalanceLine[]>;
  close(): Promise<void>;
  /** The price of `asset` in `quote` at `timestamp` (the 1-minute candle then), or null where the exchange lists no such market. */
  fetchPriceAt?(asset: string, quote: string, timestamp: number): Promise<number | null>;
  /** One authenticated call, plus the key's restrictions where the exchange tells (Binance, Bybit). */
  checkKey?(): Promise<KeyCheck>;
  /** Every market the exchange lists (for choosing an instance's symbols). */
  listMarkets?(): Promise<ListedMarket[]>;
  /** Failures absorbed by retries since the last call; sessions without retries need not implement it. */
  takeFaults?(): AbsorbedFaults;
  /**
   * Reconciliation (issue 13): every wallet's balances and, with `futures`, the futures wallet and
   * every open perpetual position, read together. Optional: fakes and paper books lack it.
   */
  fetchAccountState?(options: { futures: boolean }): Promise<AccountState>;
  /** Reconciliation: deposits, withdrawals and (with `futures`) spot ↔ futures transfers from `since` (inclusive) to now, oldest first. */
  fetchMovements?(since: number, options: { futures: boolean }): Promise<Movement[]>;
}

/** Where an account keeps money: Binance keeps spot and USDⓈ-M apart; a unified account (Bybit) keeps one. */
export type WalletKind = 'spot' | 'futures' | 'unified';

/** One asset in one wallet. */
export interface WalletBalance {
  wallet: WalletKind;
  asset: string;
  /** In `asset`. Spot: free + locked. Futures: the wallet balance (deposits, transfers, realized PnL, fees, funding), without unrealized PnL. */
  total: number;
}

/** An account as the exchange shows it at one moment, for reconciliation. */
export interface AccountState {
  balances: WalletBalance[];
  /** Open perpetual positions (every symbol, not only the instances'). */
  positions: PositionReport[];
}

/**
 * Money that moved without a trade: only movements that changed a balance (a credited deposit, a
 * withdrawal not cancelled or failed — it leaves when requested —, a confirmed transfer).
 */
export interface Movement {
  id: string;
  kind: 'deposit' | 'withdrawal' | 'transfer';
  asset: string;
  /** In `asset`, positive: what arrived, what left for the address, or what moved between wallets. */
  amount: number;
  /** A withdrawal's fee, in `asset`, which left the wallet too; 0 otherwise. */
  fee: number;
  /** The wallet money left (withdrawal, transfer) or null; a wallet the session does not know is null. */
  from: WalletKind | null;
  /** The wallet money arrived in (deposit, transfer) or null. */
  to: WalletKind | null;
  /** Milliseconds since epoch, exchange time: when the balance changed (a deposit's credit, a withdrawal's request). */
  timestamp: number;
}

/** An error with the kind that decides what sync does next. The message never carries a secret. */
export class ExchangeError extends Error {
  override name = 'ExchangeError';
  readonly kind: ErrorKind;
  readonly retryAfterMs: number | null;
  /**
   * Nothing was sent: this app's own weight budget for the host (not the exchange) had no room before the
   * call's deadline, and `retryAfterMs` says when it will. Not a failure of the exchange or the account.
   */
  readonly isHeldBack: boolean;
  constructor(kind: ErrorKind, message: string, retryAfterMs: number | null = null, options: { isHeldBack?: boolean } = {}) {
    super(message);
    this.kind = kind;
    this.retryAfterMs = retryAfterMs;
    this.isHeldBack = options.isHeldBack ?? false;
  }
}
