/**
 * One ccxt client per instance (DESIGN.md): built in the host from the account's credentials, with
 * `apiBaseUrl` replacing the scheme and host of every API URL, and market loading trimmed to the
 * market types the instance trades.
 *
 * Every call is bounded: each request by ccxt's `timeout`, the whole call (retries, backoff and
 * budget waits included) by the retry policy's deadline. Failures are sorted by kind:
 * - network errors, timeouts, 429/418, 5xx and unreadable bodies (ccxt surfaces a non-JSON 200 as a
 *   plain TypeError) are retried with full-jitter backoff — for idempotent calls only, and never
 *   sooner than `Retry-After` nor past the deadline (a long ban is returned as `rate_limit` with
 *   `retryAfterMs` so sync backs off instead);
 * - authentication and permission errors (incl. Binance -2015/-2014/-1022, even when ccxt maps -2015
 *   to DDoSProtection) are returned at once as `auth`;
 * - a rejected timestamp (Binance -1021, ccxt InvalidNonce) resyncs ccxt's clock offset
 *   (`loadTimeDifference`: Binance GET /api/v3/time, Bybit /v5/market/time, OKX /api/v5/public/time)
 *   and is tried once more — also for an order, which the exchange provably did not accept;
 * - `createOrder` is never retried otherwise (see ExchangeSession.createOrder).
 * Every request of every session draws from the shared per-host weight budget (weightBudget.ts,
 * wired in ccxtTransport.ts).
 */
import type { Exchange } from 'ccxt';
import { ccxtErrors, exchangeClass, isCcxtExchange } from './ccxtLoader.ts';
import type { ErrorKind } from '../../../shared/model.ts';
import type { AccountConfig } from '../workspace/workspace.ts';
import { instrumentClient, responseMetaOf, runInCallScope } from './ccxtTransport.ts';
import { finite, isFundingExecution, normalizeBalance, normalizeFunding, normalizePosition, normalizeTrade, num } from './normalize.ts';
import { DEFAULT_RETRY_POLICY, withRetry, type Failure, type RetryPolicy } from './retry.ts';
import {
  ExchangeError,
  type BalanceLine,
  type ExchangeSession,
  type Fill,
  type AbsorbedFaults,
  type KeyCheck,
  type ListedMarket,
  type FundingEvent,
  type FundingInfo,
  type PositionReport,
  type MarketRules,
  type OpenOrder,
  type OrderReport,
  type OrderRequest,
  type OrderStatus,
  type Quote,
} from './types.ts';
import { headerValue, parseRetryAfter, sharedBudgets, type RequestPriority, type WeightBudgetRegistry } from './weightBudget.ts';
import { isPerpetual, parseSymbol } from '../../../shared/symbols.ts';
import { marketsKey, sharedMarkets, type SharedMarkets } from './sharedMarkets.ts';
import type { AccountState, Movement, WalletBalance, WalletKind } from './types.ts';
import type { QuoteSource } from './priceStreams.ts';

// The normalisers used to live here; callers may still import them from this module.
export { FUNDING_SIGN, isFundingExecution, normalizeBalance, normalizeFunding, normalizePosition, normalizeTrade } from './normalize.ts';

export interface Credentials {
  apiKey: string;
  secret: string;
  password?: string;
}

export interface CcxtSessionOptions {
  account: AccountConfig;
  credentials: Credentials | null;
  /** The ccxt symbols the instance uses; decides which market types are loaded. */
  symbols: string[];
  /** Per-request timeout (ccxt `timeout`), ms. Default 5000: two attempts fit the default 9 s call deadline. */
  timeoutMs?: number;
  /** The per-host request budgets; default: the one registry every session of the process shares. */
  budgets?: WeightBudgetRegistry;
  /** Overrides of the retry policy (attempts, backoff, deadline; tests inject `now`, `sleep`, `random`). */
  retry?: Partial<RetryPolicy>;
  /** ccxt `options` merged over the session's own (recorded `leverageBrackets`, Bybit's account mode, …). */
  ccxtOptions?: Record<string, unknown>;
  /** Where markets are shared per exchange host (default: the process's one registry); null loads per session. */
  markets?: SharedMarkets | null;
  /** Where fetchQuote reads a streamed quote first (the host's PriceFeeds, priceStreams.ts); absent = REST only. */
  quotes?: QuoteSource | null;
}

/** Kinds worth another attempt of an idempotent call. */
const RETRYABLE: ReadonlySet<ErrorKind> = new Set<ErrorKind>(['network', 'timeout', 'rate_limit', 'bad_payload']);

/** Exchanges whose limits are per account/UID: ccxt's per-client bucket stays on under the shared host budget. */
const isPerAccountLimited = (exchangeId: string): boolean => !exchangeId.startsWith('binance');

export function createCcxtSession(options: CcxtSessionOptions): ExchangeSession {
  const { account, credentials } = options;
  const client = createCcxtClient(options);
  const secrets = credentials ? [credentials.apiKey, credentials.secret, credentials.password ?? ''].filter((s) => s.length >= 4) : [];
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  const registry = options.markets === undefined ? sharedMarkets : options.markets;
  const shared = registry === null ? null : { registry, key: marketsKey(account, client) };
  const quotes = options.quotes ?? null;
  const streamed = quotes === null ? null : (symbol: string): Quote | null => quotes.quote(account, symbol);
  return new CcxtSession(client, account.exchange, account.id, secrets, policy, options.budgets ?? sharedBudgets, shared, streamed);
}

/**
 * The configured, budget-instrumented ccxt client a session wraps. The app goes through
 * `createCcxtSession`; this is exported for tests and tools that must call ccxt methods the session
 * does not expose (e.g. replaying recorded payloads with their recorded arguments).
 */
export function createCcxtClient(options: CcxtSessionOptions): Exchange {
  const { account, credentials } = options;
  const ExchangeClass = exchangeClass(account.exchange);
  if (ExchangeClass === undefined) {
    throw new ExchangeError(
      'internal',
      isCcxtExchange(account.exchange)
        ? `exchange "${account.exchange}" is not loaded yet (preloadExchanges)`
        : `unknown exchange "${account.exchange}" (not a ccxt exchange id)`,
    );
  }
  const marketTypes = marketTypesFor(account.exchange, options.symbols);
  const client = new ExchangeClass({
    ...(credentials ?? {}),
    timeout: options.timeoutMs ?? 5000,
    enableRateLimit: true,
    options: {
      // Private currency and margin endpoints are not needed to trade or to sync, and each costs weight.
      fetchCurrencies: false,
      fetchMargins: false,
      ...(marketTypes ? { fetchMarkets: { types: marketTypes } } : {}),
      adjustForTimeDifference: false,
      ...options.ccxtOptions,
    },
  });
  // Nothing here needs the currency list; Bybit and OKX fetch it from a private wallet endpoint on
  // every load (ignoring `fetchCurrencies: false`), which costs a request and fails for trade-only keys.
  (client.has as Record<string, unknown>).fetchCurrencies = false;
  if (account.sandbox === true) client.setSandboxMode(true);
  if (account.apiBaseUrl !== undefined) rebaseUrls(client.urls as Record<string, unknown>, account.apiBaseUrl);
  instrumentClient(client, {
    exchangeId: account.exchange,
    budgets: options.budgets ?? sharedBudgets,
    isClientThrottled: isPerAccountLimited(account.exchange),
  });
  return client;
}

/** The market types to load, in each exchange's own vocabulary (ccxt `options.fetchMarkets.types`); null = ccxt's default. */
function marketTypesFor(exchangeId: string, symbols: string[]): string[] | null {
  const kinds = new Set(symbols.map((s) => parseSymbol(s).kind));
  const vocab: Record<string, Record<string, string>> = {
    binance: { spot: 'spot', linear: 'linear', inverse: 'inverse', future: 'linear' },
    bybit: { spot: 'spot', linear: 'linear', inverse: 'inverse', future: 'linear' },
    okx: { spot: 'spot', linear: 'swap', inverse: 'swap', future: 'future' },
  };
  const table = vocab[exchangeId.startsWith('binance') ? 'binance' : exchangeId];
  if (!table) return null;
  return [...new Set([...kinds].map((k) => table[k] ?? 'spot'))];
}

/** Replaces scheme+host of every URL under `urls.api` (and `test`), keeping each path. */
export function rebaseUrls(urls: Record<string, unknown>, base: string): void {
  const origin = new URL(base).origin;
  const walk = (node: Record<string, unknown>): void => {
    for (const [key, value] of Object.entries(node)) {
      if (typeof value === 'string' && /^https?:\/\//.test(value)) {
        const url = new URL(value);
        node[key] = origin + url.pathname.replace(/\/$/, '') + url.search;
      } else if (value !== null && typeof value === 'object') {
        walk(value as Record<string, unknown>);
      }
    }
  };
  for (const key of ['api', 'test']) {
    const section = urls[key];
    if (section !== null && typeof section === 'object') walk(section as Record<string, unknown>);
  }
}

class CcxtSession implements ExchangeSession {
  #faults: AbsorbedFaults = { count: 0, last: null };
  readonly exchangeId: string;
  readonly accountId: string;
  #client: Exchange;
  #secrets: string[];
  #policy: RetryPolicy;
  #budgets: WeightBudgetRegistry;
  #marketsLoaded: Promise<void> | null = null;
  #sharedMarkets: { registry: SharedMarkets; key: string } | null;
  #streamedQuote: ((symbol: string) => Quote | null) | null;

  constructor(
    client: Exchange,
    exchangeId: string,
    accountId: string,
    secrets: string[],
    policy: RetryPolicy,
    budgets: WeightBudgetRegistry,
    sharedMarkets: { registry: SharedMarkets; key: string } | null = null,
    streamedQuote: ((symbol: string) => Quote | null) | null = null,
  ) {
    this.#streamedQuote = streamedQuote;
    this.#client = client;
    this.exchangeId = exchangeId;
    this.accountId = accountId;
    this.#secrets = secrets;
    this.#policy = policy;
    this.#budgets = budgets;
    this.#sharedMarkets = sharedMarkets;
  }

  loadMarkets(): Promise<void> {
    // One load per session; a failed load is retried on the next call instead of caching the failure.
    this.#marketsLoaded ??= this.#read(async () => {
      // Markets are the host's, not the account's: one load per host serves every account (issue 12).
      if (this.#sharedMarkets === null) await this.#client.loadMarkets();
      else await this.#sharedMarkets.registry.load(this.#client, this.#sharedMarkets.key);
    }).catch((error: unknown) => {
      this.#marketsLoaded = null;
      throw error;
    });
    return this.#marketsLoaded;
  }

  async listMarkets(): Promise<ListedMarket[]> {
    await this.loadMarkets();
    return Object.values(this.#client.markets ?? {})
      .filter((m) => m !== undefined && m.active !== false)
      .map((m) => ({ symbol: m.symbol, type: m.type === 'margin' ? 'spot' : m.type, base: m.base, quote: m.quote }))
      .sort((a, b) => a.symbol.localeCompare(b.symbol));
  }

  market(symbol: string): MarketRules {
    const m = this.#client.markets?.[symbol];
    if (!m) throw new ExchangeError('exchange', `market ${symbol} is not listed on ${this.exchangeId}`);
    // ccxt 4.5 reports precision as the tick itself (TICK_SIZE mode) for binance and most others.
    const tickSize = finite(m.precision?.price, 1e-8);
    const stepSize = finite(m.precision?.amount, 1e-8);
    return {
      symbol,
      base: m.base,
      quote: m.quote,
      tickSize,
      stepSize,
      minAmount: finite(m.limits?.amount?.min, stepSize),
      minNotional: finite(m.limits?.cost?.min, 0),
    };
  }

  /**
   * Several instances of one account that sync the same symbol ask for the same page at the same
   * moment: they share one request (a copy of the answer each), which is what keeps many instances
   * on one account inside the exchange's weight limit.
   */
  fetchFills(symbol: string, since: number, limit: number, until: number | null): Promise<Fill[]> {
    return this.#coalesce(`fills|${symbol}|${since}|${limit}|${until ?? ''}`, () => this.#fetchFills(symbol, since, limit, until)).then(
      (rows) => rows.map((f) => ({ ...f, fees: f.fees.map((l) => ({ ...l })) })),
    );
  }

  #inFlight = new Map<string, Promise<unknown>>();

  #coalesce<T>(key: string, run: () => Promise<T>): Promise<T> {
    const existing = this.#inFlight.get(key) as Promise<T> | undefined;
    if (existing) return existing;
    const p = run().finally(() => this.#inFlight.delete(key));
    this.#inFlight.set(key, p);
    return p;
  }

  async #fetchFills(symbol: string, since: number, limit: number, until: number | null): Promise<Fill[]> {
    await this.loadMarkets();
    const params: Record<string, unknown> = until === null ? {} : { until };
    const trades = await this.#read(() => this.#client.fetchMyTrades(symbol, since, limit, params));
    if (!Array.isArray(trades)) throw new ExchangeError('bad_payload', `${this.exchangeId} returned no trade list`);
    return trades
      .filter((t) => !isFundingExecution(t))
      .map((t) => normalizeTrade(t, symbol, this.#client.markets?.[t.symbol ?? symbol]))
      .sort((a, b) => a.timestamp - b.timestamp || compareIds(a.id, b.id));
  }

  async fetchPriceAt(asset: string, quote: string, timestamp: number): Promise<number | null> {
    await this.loadMarkets();
    const symbol = `${asset}/${quote}`;
    if (this.#client.markets?.[symbol] === undefined) return null;
    const minute = Math.floor(timestamp / 60_000) * 60_000;
    const candles = await this.#read(() => this.#client.fetchOHLCV(symbol, '1m', minute, 1));
    const candle = candles.find((c) => c[0] === minute) ?? candles[0];
    const close = Number(candle?.[4]);
    return Number.isFinite(close) && close > 0 ? close : null;
  }

  get pageLimit(): number {
    // Bybit's execution list and OKX's fills take at most 100 a page; Binance 1000.
    return this.exchangeId.startsWith('binance') ? 1000 : 100;
  }

  fillWindowMs(symbol: string): number | null {
    // Binance rejects fills windows longer than a day on spot and a week on USDⓈ-M; Bybit's
    // execution list a week on both.
    if (this.exchangeId.startsWith('binance')) return isPerpetual(symbol) ? 7 * 86_400_000 : 86_400_000;
    if (this.exchangeId === 'bybit') return 7 * 86_400_000;
    return null;
  }

  async fetchQuote(symbol: string): Promise<Quote> {
    // A fresh streamed quote spends no request weight; without one (no stream, stale, down) REST answers.
    const streamed = this.#streamedQuote?.(symbol) ?? null;
    if (streamed !== null) return streamed;
    await this.loadMarkets();
    const t = await this.#read(() => this.#client.fetchTicker(symbol));
    const last = num(t.last ?? t.close);
    const bid = num(t.bid ?? last);
    const ask = num(t.ask ?? last);
    if (!(bid > 0 && ask > 0 && last > 0)) throw new ExchangeError('bad_payload', `${this.exchangeId} ticker for ${symbol} has no price`);
    return { symbol, bid, ask, last, timestamp: t.timestamp ?? this.#client.milliseconds() };
  }

  fetchFunding(symbol: string, since: number, limit: number, until: number | null): Promise<FundingEvent[]> {
    return this.#coalesce(`funding|${symbol}|${since}|${limit}|${until ?? ''}`, () => this.#fetchFunding(symbol, since, limit, until)).then(
      (rows) => rows.map((r) => ({ ...r })),
    );
  }

  async #fetchFunding(symbol: string, since: number, limit: number, until: number | null): Promise<FundingEvent[]> {
    await this.loadMarkets();
    const params: Record<string, unknown> = until === null ? {} : { until };
    const rows = await this.#read(() => this.#client.fetchFundingHistory(symbol, since, limit, params));
    if (!Array.isArray(rows)) throw new ExchangeError('bad_payload', `${this.exchangeId} returned no funding list`);
    return rows.map((r) => normalizeFunding(this.exchangeId, r, symbol)).sort((a, b) => a.timestamp - b.timestamp);
  }

  async fetchFundingRate(symbol: string): Promise<FundingInfo> {
    await this.loadMarkets();
    const r = await this.#read(() => this.#client.fetchFundingRate(symbol));
    const rate = num(r.fundingRate);
    if (!Number.isFinite(rate)) throw new ExchangeError('bad_payload', `${this.exchangeId} funding rate for ${symbol} has no rate`);
    // ccxt puts the coming funding time in `fundingTimestamp` (Binance: nextFundingTime).
    const next = num(r.fundingTimestamp ?? r.nextFundingTimestamp);
    return {
      symbol,
      rate,
      nextFundingTime: Number.isFinite(next) ? next : null,
      markPrice: positiveOrNull(r.markPrice),
      indexPrice: positiveOrNull(r.indexPrice),
      intervalMs: intervalMs(r.interval),
    };
  }

  async fetchPositions(symbols: string[]): Promise<PositionReport[]> {
    await this.loadMarkets();
    const rows = await this.#read(() => this.#client.fetchPositions(symbols));
    if (!Array.isArray(rows)) throw new ExchangeError('bad_payload', `${this.exchangeId} returned no position list`);
    const now = this.#client.milliseconds();
    return rows.filter((p) => p.symbol !== undefined && symbols.includes(p.symbol)).map((p) => normalizePosition(p, now));
  }

  async fetchBalance(market: 'spot' | 'swap' = 'spot'): Promise<BalanceLine[]> {
    await this.loadMarkets();
    const balance = await this.#read(() => this.#client.fetchBalance(market === 'swap' ? { type: 'swap' } : {}));
    if (balance === null || typeof balance !== 'object') throw new ExchangeError('bad_payload', `${this.exchangeId} returned no balance`);
    return normalizeBalance(balance);
  }

  // ---- Reconciliation (issue 13): the account's wallets, positions and money movements ----

  async fetchAccountState(options: { futures: boolean }): Promise<AccountState> {
    await this.loadMarkets();
    const isBinance = this.exchangeId.startsWith('binance');
    const isUnified = this.exchangeId === 'bybit';
    const spot = await this.#read(() => this.#client.fetchBalance(isUnified ? { type: 'unified' } : {}));
    const wallet: WalletKind = isUnified ? 'unified' : 'spot';
    const balances: WalletBalance[] = normalizeBalance(spot)
      .map((line) => ({ wallet, asset: line.currency, total: walletTotal(line) }))
      .filter((b) => b.total !== 0);
    let positions: PositionReport[] = [];
    if (options.futures) {
      if (isBinance) {
        // ccxt's swap balance totals the margin balance (wallet + unrealized); the wallet balance is in the raw answer.
        const futures = await this.#read(() => this.#client.fetchBalance({ type: 'swap' }));
        const assets = (futures.info as { assets?: { asset?: unknown; walletBalance?: unknown }[] } | undefined)?.assets ?? [];
        for (const a of assets) {
          const total = num(a.walletBalance);
          if (typeof a.asset === 'string' && Number.isFinite(total) && total !== 0)
            balances.push({ wallet: 'futures', asset: a.asset, total });
        }
      }
      const rows = await this.#read(() => this.#client.fetchPositions());
      if (!Array.isArray(rows)) throw new ExchangeError('bad_payload', `${this.exchangeId} returned no position list`);
      const now = this.#client.milliseconds();
      positions = rows.map((p) => normalizePosition(p, now)).filter((p) => p.symbol !== '' && p.qty !== 0);
    }
    return { balances, positions };
  }

  async fetchMovements(since: number, options: { futures: boolean }): Promise<Movement[]> {
    await this.loadMarkets();
    const c = this.#client;
    const now = c.milliseconds();
    const isBinance = this.exchangeId.startsWith('binance');
    const home: WalletKind = this.exchangeId === 'bybit' ? 'unified' : 'spot';
    const out: Movement[] = [];
    // Binance answers deposit and withdrawal history in windows of at most 90 days, transfers a week at a time.
    const spans = (step: number | null): [number, number | undefined][] => {
      if (step === null) return [[since, undefined]];
      const list: [number, number | undefined][] = [];
      for (let from = since; from <= now; from += step + 1) list.push([from, Math.min(from + step, now)]);
      return list;
    };
    const historyStep = isBinance ? 90 * 86_400_000 - 1 : null;
    const untilParam = (until: number | undefined): Record<string, unknown> => (until === undefined ? {} : { until });
    if (c.has['fetchDeposits'] === true) {
      for (const [from, until] of spans(historyStep)) {
        for (const t of await this.#read(() => c.fetchDeposits(undefined, from, 1000, untilParam(until)))) {
          // Only a credited deposit changed the balance; it did when credited (`updated`) where the exchange says.
          if (t.status === 'ok') out.push(movement(t, 'deposit', null, home, t.updated ?? t.timestamp));
        }
      }
    }
    if (c.has['fetchWithdrawals'] === true) {
      for (const [from, until] of spans(historyStep)) {
        for (const t of await this.#read(() => c.fetchWithdrawals(undefined, from, 1000, untilParam(until)))) {
          // A withdrawal leaves the wallet when requested; a cancelled or failed one came back.
          if (t.status !== 'canceled' && t.status !== 'failed') out.push(movement(t, 'withdrawal', home, null, t.timestamp));
        }
      }
    }
    if (options.futures && isBinance && c.has['fetchTransfers'] === true) {
      const directions = [
        { fromAccount: 'spot', toAccount: 'future', from: 'spot', to: 'futures' },
        { fromAccount: 'future', toAccount: 'spot', from: 'futures', to: 'spot' },
      ] as const;
      for (const d of directions) {
        for (const [start, until] of spans(7 * 86_400_000 - 1)) {
          // A page (≤ 100) at a time, per direction.
          for (let current = 1; current <= 100; current++) {
            const params = { fromAccount: d.fromAccount, toAccount: d.toAccount, current, ...untilParam(until) };
            const rows = await this.#read(() => c.fetchTransfers(undefined, start, 100, params));
            for (const t of rows) {
              const amount = num(t.amount);
              if ((t.status !== undefined && t.status !== 'ok') || !(amount > 0) || typeof t.currency !== 'string') continue;
              out.push({
                id: `transfer:${String(t.id)}`,
                kind: 'transfer',
                asset: t.currency,
                amount,
                fee: 0,
                from: d.from,
                to: d.to,
                timestamp: num(t.timestamp),
              });
            }
            if (rows.length < 100) break;
          }
        }
      }
    }
    const seen = new Set<string>();
    const unique = out.filter((m) => {
      if (!Number.isFinite(m.timestamp) || m.timestamp < since || seen.has(m.id)) return false;
      seen.add(m.id);
      return true;
    });
    return unique.sort((a, b) => a.timestamp - b.timestamp || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  // ---- end of reconciliation ----

  async fetchOpenOrders(symbol: string, options: { isControl?: boolean } = {}): Promise<OpenOrder[]> {
    await this.loadMarkets();
    const orders = await this.#call(() => this.#client.fetchOpenOrders(symbol), true, options.isControl === true ? 'control' : 'read');
    if (!Array.isArray(orders)) throw new ExchangeError('bad_payload', `${this.exchangeId} returned no order list`);
    return orders.map((o) => ({
      id: String(o.id),
      clientOrderId: o.clientOrderId ?? null,
      symbol: o.symbol ?? symbol,
      side: o.side === 'sell' ? 'sell' : 'buy',
      price: num(o.price),
      amount: num(o.amount),
      filled: num(o.filled ?? 0),
      timestamp: o.timestamp ?? 0,
    }));
  }

  async createOrder(request: OrderRequest): Promise<OpenOrder> {
    await this.loadMarkets();
    const c = this.#client;
    const amount = Number(c.amountToPrecision(request.symbol, request.amount));
    const price = Number(c.priceToPrecision(request.symbol, request.price));
    const params = {
      ...(request.isPostOnly ? { postOnly: true } : {}),
      ...(request.isReduceOnly === true ? { reduceOnly: true } : {}),
      ...(request.clientOrderId !== undefined ? { clientOrderId: request.clientOrderId } : {}),
    };
    // Not idempotent: a timeout may hide an accepted order, so only a rejected timestamp is retried.
    const o = await this.#call(() => c.createOrder(request.symbol, 'limit', request.side, amount, price, params), false, 'control');
    const status = orderStatus(o.status);
    return {
      id: String(o.id),
      clientOrderId: o.clientOrderId ?? request.clientOrderId ?? null,
      symbol: request.symbol,
      side: request.side,
      price,
      amount,
      filled: num(o.filled ?? 0) || 0,
      timestamp: o.timestamp ?? c.milliseconds(),
      ...(status !== null ? { status } : {}),
    };
  }

  async cancelOrder(id: string, symbol: string): Promise<OrderReport | void> {
    await this.loadMarkets();
    try {
      // Repeating a cancel is safe: a second one finds no order, which is the goal.
      const o = await this.#call(() => this.#client.cancelOrder(id, symbol), true, 'control');
      return orderReport(o, symbol, 'cancelled');
    } catch (error) {
      // Already filled or cancelled: the goal (no such open order) is met.
      if (error instanceof ExchangeError && error.message.includes('OrderNotFound')) return;
      throw error;
    }
  }

  async fetchOrderByClientId(symbol: string, clientOrderId: string): Promise<OrderReport | null> {
    await this.loadMarkets();
    // Binance: GET order with origClientOrderId (spot and USDⓈ-M); Bybit: order/realtime with orderLinkId.
    const params: Record<string, unknown> = this.exchangeId.startsWith('binance')
      ? { origClientOrderId: clientOrderId }
      : this.exchangeId === 'bybit'
        ? { orderLinkId: clientOrderId, acknowledged: true }
        : { clientOrderId };
    try {
      // Part of placing an order (settling a create whose answer was lost): control traffic.
      const o = await this.#call(() => this.#client.fetchOrder(undefined as unknown as string, symbol, params), true, 'control');
      return orderReport(o, symbol, 'open');
    } catch (error) {
      if (error instanceof ExchangeError && /OrderNotFound|order does not exist|-2013\b/i.test(error.message)) return null;
      throw error;
    }
  }

  async cancelAllOrders(symbol: string): Promise<void> {
    await this.loadMarkets();
    await this.#call(() => this.#client.cancelAllOrders(symbol), true, 'control');
  }

  async close(): Promise<void> {
    await this.#client.close();
  }

  #read<T>(fn: () => Promise<T>): Promise<T> {
    return this.#call(fn, true);
  }

  #call<T>(fn: () => Promise<T>, isIdempotent: boolean, priority: RequestPriority = 'read'): Promise<T> {
    const policy = this.#policy;
    // The budget may keep its own time (the shared registry runs on the wall clock): hand it the time left.
    const budgetDeadline = (deadline: number): number => this.#budgets.now() + (deadline - policy.now());
    return withRetry((deadline) => runInCallScope({ deadline: budgetDeadline(deadline), priority }, fn), {
      policy,
      classify: (error) => this.#failure(error, isIdempotent),
      resyncClock: (deadline) =>
        runInCallScope({ deadline: budgetDeadline(deadline) }, async () => {
          await this.#client.loadTimeDifference();
        }),
      onRetry: (error) => {
        this.#faults.count++;
        this.#faults.last = { at: Date.now(), kind: error.kind, message: error.message };
      },
    });
  }

  async checkKey(): Promise<KeyCheck> {
    await this.loadMarkets();
    const c = this.#client as unknown as Record<string, (params?: object) => Promise<unknown>>;
    // The authenticated call: it fails with an auth error on a bad or revoked key.
    await this.#read(() => this.#client.fetchBalance(this.exchangeId === 'bybit' ? { type: 'unified' } : {}));
    if (this.exchangeId.startsWith('binance') && typeof c['sapiGetAccountApiRestrictions'] === 'function') {
      const r = (await this.#read(() => c['sapiGetAccountApiRestrictions']!())) as Record<string, unknown>;
      return binanceKeyCheck(r);
    }
    if (this.exchangeId === 'bybit' && typeof c['privateGetV5UserQueryApi'] === 'function') {
      const r = (await this.#read(() => c['privateGetV5UserQueryApi']!())) as { result?: Record<string, unknown> };
      return bybitKeyCheck(r.result ?? {});
    }
    return { permissions: [], warnings: [], isRestrictionsKnown: false };
  }

  /** Failures absorbed by retries since the last call (the sync reports them in the instance's health). */
  takeFaults(): AbsorbedFaults {
    const taken = { ...this.#faults };
    this.#faults = { count: 0, last: null };
    return taken;
  }

  #failure(error: unknown, isIdempotent: boolean): Failure {
    if (error instanceof ExchangeError) return { error, isRetryable: isIdempotent && RETRYABLE.has(error.kind), isClockSkew: false };
    const meta = responseMetaOf(error);
    const raw = error instanceof Error ? `${error.constructor.name}: ${error.message}` : String(error);
    const message = this.#scrub(raw).slice(0, 400);
    const kind = classifyKind(error, message, meta?.status ?? null);
    const retryAfterMs = meta ? parseRetryAfter(headerValue(meta.headers, 'retry-after'), Date.now()) : null;
    const where = `${this.exchangeId}/${this.accountId}`;
    const text =
      kind === 'auth'
        ? `${where}: authentication failed — the exchange rejected the API key, its IP whitelist or its permissions; not retried (${message})`
        : `${where}: ${message}`;
    return {
      error: new ExchangeError(kind, text, retryAfterMs),
      isRetryable: isIdempotent && RETRYABLE.has(kind),
      // ccxt maps -1021 to InvalidNonce, except on Binance's portfolio-margin host (BadRequest): match the code too.
      isClockSkew: isCcxt(error, 'InvalidNonce') || /"code"\s*:\s*-1021\b/.test(message),
    };
  }

  #scrub(text: string): string {
    let out = text;
    for (const secret of this.#secrets) out = out.split(secret).join('***');
    return out;
  }
}

/**
 * What kind of failure `error` is. `status` is the HTTP status of the response ccxt raised it for
 * (null when there was none: a network error, a timeout, a parse error after a 200).
 */
function isCcxt(error: unknown, name: string): boolean {
  const cls = ccxtErrors[name];
  return cls !== undefined && error instanceof cls;
}

export function classifyKind(error: unknown, message: string, status: number | null = null): ErrorKind {
  // Binance maps -2015 to DDoSProtection once a session has authenticated; the code says what it is.
  if (/"code"\s*:\s*-(2015|2014|1022)\b|Invalid API-key/.test(message)) return 'auth';
  if (isCcxt(error, 'AuthenticationError') || status === 401) return 'auth';
  if (status === 418 || status === 429) return 'rate_limit';
  if (isCcxt(error, 'RateLimitExceeded') || isCcxt(error, 'DDoSProtection')) return 'rate_limit';
  if (isCcxt(error, 'RequestTimeout')) return 'timeout';
  if (isCcxt(error, 'BadResponse')) return 'bad_payload';
  // InvalidNonce is a NetworkError in ccxt; it is retried through a clock resync, not as a network error.
  if (isCcxt(error, 'InvalidNonce')) return 'exchange';
  // NetworkError covers ExchangeNotAvailable (5xx, maintenance); OperationFailed is Binance's -1001 "try again".
  if (isCcxt(error, 'NetworkError') || isCcxt(error, 'OperationFailed')) return 'network';
  if (status !== null && status >= 500) return 'network';
  if (isCcxt(error, 'BaseError')) return 'exchange';
  // ccxt surfaces a non-JSON 200 body as a plain TypeError or SyntaxError.
  if (error instanceof TypeError || error instanceof SyntaxError) return 'bad_payload';
  return 'internal';
}

/** ccxt's unified order status in our words; null when it gives none. */
function orderStatus(status: unknown): OrderStatus | null {
  switch (status) {
    case 'open':
      return 'open';
    case 'closed':
      return 'filled';
    case 'canceled':
    case 'cancelled':
      return 'cancelled';
    case 'rejected':
      return 'rejected';
    case 'expired':
      return 'expired';
    default:
      return null;
  }
}

/** A ccxt order as an OrderReport; `fallback` is the status to assume when the exchange gives none. */
function orderReport(o: unknown, symbol: string, fallback: OrderStatus): OrderReport {
  const r = (o ?? {}) as Record<string, unknown>;
  const average = num(r['average']);
  return {
    id: String(r['id'] ?? ''),
    clientOrderId: typeof r['clientOrderId'] === 'string' ? r['clientOrderId'] : null,
    symbol: typeof r['symbol'] === 'string' ? r['symbol'] : symbol,
    side: r['side'] === 'sell' ? 'sell' : 'buy',
    price: num(r['price']),
    amount: num(r['amount']),
    filled: num(r['filled']) || 0,
    timestamp: typeof r['timestamp'] === 'number' ? r['timestamp'] : 0,
    status: orderStatus(r['status']) ?? fallback,
    average: average > 0 ? average : null,
  };
}

function compareIds(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  if (Number.isFinite(na) && Number.isFinite(nb)) return na - nb;
  return a < b ? -1 : a > b ? 1 : 0;
}

function positiveOrNull(value: unknown): number | null {
  const n = num(value);
  return n > 0 ? n : null;
}

/** ccxt's funding `interval` ('8h', '4h', '1h') in ms, or null. */
function intervalMs(value: unknown): number | null {
  const match = typeof value === 'string' ? /^(\d+)([mhd])$/.exec(value) : null;
  if (!match) return null;
  const unit = { m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}

/** Binance's GET /sapi/v1/account/apiRestrictions, in the trader's words. */
export function binanceKeyCheck(r: Record<string, unknown>): KeyCheck {
  const flags: [string, string][] = [
    ['enableReading', 'read'],
    ['enableSpotAndMarginTrading', 'spot and margin trading'],
    ['enableFutures', 'futures'],
    ['enableMargin', 'margin loans'],
    ['enableWithdrawals', 'withdrawals'],
    ['enableInternalTransfer', 'internal transfers'],
    ['permitsUniversalTransfer', 'universal transfers'],
  ];
  const permissions = flags.filter(([key]) => r[key] === true).map(([, name]) => name);
  const warnings: string[] = [];
  if (r['enableWithdrawals'] === true) warnings.push('withdrawals are enabled on this key: a trading bot never needs them');
  if (r['ipRestrict'] !== true) warnings.push('no IP whitelist is set on this key: anyone who gets it can use it from anywhere');
  return { permissions, warnings, isRestrictionsKnown: true };
}

/** Bybit's GET /v5/user/query-api result, in the trader's words. */
export function bybitKeyCheck(r: Record<string, unknown>): KeyCheck {
  const groups = (r['permissions'] ?? {}) as Record<string, unknown>;
  const permissions = Object.entries(groups).flatMap(([group, list]) =>
    Array.isArray(list) ? list.map((p) => `${group}: ${String(p)}`) : [],
  );
  const warnings: string[] = [];
  const wallet = Array.isArray(groups['Wallet']) ? (groups['Wallet'] as unknown[]).map(String) : [];
  if (wallet.some((p) => /withdraw/i.test(p))) warnings.push('withdrawals are enabled on this key: a trading bot never needs them');
  const ips = Array.isArray(r['ips']) ? (r['ips'] as unknown[]).map(String) : [];
  if (ips.length === 0 || ips.includes('*'))
    warnings.push('no IP whitelist is set on this key: anyone who gets it can use it from anywhere');
  if (r['readOnly'] === 1) permissions.unshift('read only');
  return { permissions, warnings, isRestrictionsKnown: true };
}

// ---- Reconciliation helpers (issue 13) ----

/** A spot balance's total: ccxt's total, else free + used. */
function walletTotal(line: BalanceLine): number {
  if (line.total !== null) return line.total;
  return (line.free ?? 0) + (line.used ?? 0);
}

/** A ccxt deposit or withdrawal as a Movement (ids are unique per kind on Binance, so the kind prefixes them). */
function movement(
  t: {
    id?: string | undefined;
    currency?: string | undefined;
    amount?: number | undefined;
    fee?: { cost?: number | undefined } | undefined;
  },
  kind: 'deposit' | 'withdrawal',
  from: WalletKind | null,
  to: WalletKind | null,
  timestamp: number | undefined,
): Movement {
  const fee = kind === 'withdrawal' ? num(t.fee?.cost ?? 0) : 0;
  return {
    id: `${kind}:${String(t.id)}`,
    kind,
    asset: t.currency ?? '',
    amount: num(t.amount),
    fee: Number.isFinite(fee) ? fee : 0,
    from,
    to,
    timestamp: num(timestamp),
  };
}
