/**
 * One ccxt client per instance (DESIGN.md): built in the host from the account's credentials, with
 * `apiBaseUrl` replacing the scheme and host of every API URL, and market loading trimmed to the
 * market types the instance trades.
 */
import ccxt from 'ccxt';
import type { Exchange, Trade } from 'ccxt';
import type { ErrorKind } from '../../../shared/model.ts';
import type { AccountConfig } from '../workspace/workspace.ts';
import {
  ExchangeError,
  type ExchangeSession,
  type FeeLine,
  type Fill,
  type FundingEvent,
  type PositionReport,
  type MarketRules,
  type OpenOrder,
  type OrderRequest,
  type Quote,
} from './types.ts';

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
  /** Per-request timeout, ms. */
  timeoutMs?: number;
}

export function createCcxtSession(options: CcxtSessionOptions): ExchangeSession {
  const { account, credentials } = options;
  const ExchangeClass = (ccxt as unknown as Record<string, new (config: object) => Exchange>)[account.exchange];
  if (typeof ExchangeClass !== 'function' || !ccxt.exchanges.includes(account.exchange)) {
    throw new ExchangeError('internal', `unknown exchange "${account.exchange}" (not a ccxt exchange id)`);
  }
  const marketTypes = [...new Set(options.symbols.map((s) => (s.includes(':') ? 'linear' : 'spot')))];
  const client = new ExchangeClass({
    ...(credentials ?? {}),
    timeout: options.timeoutMs ?? 8000,
    enableRateLimit: true,
    options: {
      // Private currency and margin endpoints are not needed to trade or to sync, and each costs weight.
      fetchCurrencies: false,
      fetchMargins: false,
      fetchMarkets: { types: marketTypes },
      adjustForTimeDifference: false,
    },
  });
  if (account.sandbox === true) client.setSandboxMode(true);
  if (account.apiBaseUrl !== undefined) rebaseUrls(client.urls as Record<string, unknown>, account.apiBaseUrl);
  const secrets = credentials ? [credentials.apiKey, credentials.secret, credentials.password ?? ''].filter((s) => s.length >= 4) : [];
  return new CcxtSession(client, account.exchange, account.id, secrets);
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
  readonly exchangeId: string;
  readonly accountId: string;
  #client: Exchange;
  #secrets: string[];
  #marketsLoaded: Promise<void> | null = null;

  constructor(client: Exchange, exchangeId: string, accountId: string, secrets: string[]) {
    this.#client = client;
    this.exchangeId = exchangeId;
    this.accountId = accountId;
    this.#secrets = secrets;
  }

  loadMarkets(): Promise<void> {
    // One load per session; a failed load is retried on the next call instead of caching the failure.
    this.#marketsLoaded ??= this.#call(async () => {
      await this.#client.loadMarkets();
    }).catch((error: unknown) => {
      this.#marketsLoaded = null;
      throw error;
    });
    return this.#marketsLoaded;
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

  async fetchFills(symbol: string, since: number, limit: number, until: number | null): Promise<Fill[]> {
    await this.loadMarkets();
    const params: Record<string, unknown> = until === null ? {} : { endTime: until };
    const trades = await this.#call(() => this.#client.fetchMyTrades(symbol, since, limit, params));
    if (!Array.isArray(trades)) throw new ExchangeError('bad_payload', `${this.exchangeId} returned no trade list`);
    return trades.map((t) => normalizeTrade(t, symbol)).sort((a, b) => a.timestamp - b.timestamp || compareIds(a.id, b.id));
  }

  fillWindowMs(symbol: string): number | null {
    // Binance rejects fills windows longer than a day on spot and a week on USDⓈ-M.
    if (!this.exchangeId.startsWith('binance')) return null;
    return symbol.includes(':') ? 7 * 86_400_000 : 86_400_000;
  }

  async fetchQuote(symbol: string): Promise<Quote> {
    await this.loadMarkets();
    const t = await this.#call(() => this.#client.fetchTicker(symbol));
    const last = num(t.last ?? t.close);
    const bid = num(t.bid ?? last);
    const ask = num(t.ask ?? last);
    if (!(bid > 0 && ask > 0 && last > 0)) throw new ExchangeError('bad_payload', `${this.exchangeId} ticker for ${symbol} has no price`);
    return { symbol, bid, ask, last, timestamp: t.timestamp ?? this.#client.milliseconds() };
  }

  async fetchFunding(symbol: string, since: number, limit: number, until: number | null): Promise<FundingEvent[]> {
    await this.loadMarkets();
    const params: Record<string, unknown> = until === null ? {} : { endTime: until };
    const rows = await this.#call(() => this.#client.fetchFundingHistory(symbol, since, limit, params));
    if (!Array.isArray(rows)) throw new ExchangeError('bad_payload', `${this.exchangeId} returned no funding list`);
    return rows.map((r) => normalizeFunding(this.exchangeId, r, symbol)).sort((a, b) => a.timestamp - b.timestamp);
  }

  async fetchPositions(symbols: string[]): Promise<PositionReport[]> {
    await this.loadMarkets();
    const rows = await this.#call(() => this.#client.fetchPositions(symbols));
    return rows
      .filter((p) => p.symbol !== undefined && symbols.includes(p.symbol))
      .map((p) => {
        const contracts = num(p.contracts ?? 0) * finite(p.contractSize, 1);
        return {
          symbol: p.symbol ?? '',
          qty: p.side === 'short' ? -Math.abs(contracts) : Math.abs(contracts),
          entryPrice: num(p.entryPrice ?? 0),
          markPrice: num(p.markPrice ?? 0),
          unrealizedPnl: num(p.unrealizedPnl ?? 0),
          timestamp: p.timestamp ?? this.#client.milliseconds(),
        };
      });
  }

  async fetchOpenOrders(symbol: string): Promise<OpenOrder[]> {
    await this.loadMarkets();
    const orders = await this.#call(() => this.#client.fetchOpenOrders(symbol));
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
    const params = { ...(request.isPostOnly ? { postOnly: true } : {}), ...(request.clientOrderId !== undefined ? { clientOrderId: request.clientOrderId } : {}) };
    const o = await this.#call(() => c.createOrder(request.symbol, 'limit', request.side, amount, price, params));
    return { id: String(o.id), clientOrderId: o.clientOrderId ?? request.clientOrderId ?? null, symbol: request.symbol, side: request.side, price, amount, filled: num(o.filled ?? 0), timestamp: o.timestamp ?? c.milliseconds() };
  }

  async cancelOrder(id: string, symbol: string): Promise<void> {
    await this.loadMarkets();
    try {
      await this.#call(() => this.#client.cancelOrder(id, symbol));
    } catch (error) {
      // Already filled or cancelled: the goal (no such open order) is met.
      if (error instanceof ExchangeError && error.message.includes('OrderNotFound')) return;
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.#client.close();
  }

  async #call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw this.#classify(error);
    }
  }

  #classify(error: unknown): ExchangeError {
    if (error instanceof ExchangeError) return error;
    const raw = error instanceof Error ? `${error.constructor.name}: ${error.message}` : String(error);
    const message = this.#scrub(raw).slice(0, 400);
    const kind = classifyKind(error, message);
    return new ExchangeError(kind, `${this.exchangeId}/${this.accountId}: ${message}`, retryAfter(this.#client));
  }

  #scrub(text: string): string {
    let out = text;
    for (const secret of this.#secrets) out = out.split(secret).join('***');
    return out;
  }
}

export function classifyKind(error: unknown, message: string): ErrorKind {
  // Binance maps -2015 to DDoSProtection once a session has authenticated; the code says what it is.
  if (/-2015|-2014|-1022|Invalid API-key/.test(message)) return 'auth';
  if (error instanceof ccxt.AuthenticationError) return 'auth';
  if (error instanceof ccxt.RateLimitExceeded || error instanceof ccxt.DDoSProtection) return 'rate_limit';
  if (error instanceof ccxt.RequestTimeout) return 'timeout';
  if (error instanceof ccxt.BadResponse) return 'bad_payload';
  if (error instanceof ccxt.NetworkError) return 'network';
  if (error instanceof ccxt.OrderNotFound) return 'exchange';
  if (error instanceof ccxt.BaseError) return 'exchange';
  // ccxt surfaces a non-JSON 200 body as a plain TypeError or SyntaxError.
  if (error instanceof TypeError || error instanceof SyntaxError) return 'bad_payload';
  return 'internal';
}

function retryAfter(client: Exchange): number | null {
  const headers = client.last_response_headers as Record<string, string> | undefined;
  const value = headers?.['retry-after'] ?? headers?.['Retry-After'];
  const seconds = value !== undefined ? Number(value) : NaN;
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : null;
}

/** Turns a ccxt trade into a ledger fill, refusing anything without the numbers PnL needs. */
export function normalizeTrade(t: Trade, symbol: string): Fill {
  const price = num(t.price);
  const amount = num(t.amount);
  const timestamp = num(t.timestamp);
  if (t.id === undefined || t.id === null || String(t.id) === '') throw new ExchangeError('bad_payload', `trade on ${symbol} has no id`);
  if (!(price > 0) || !(amount > 0) || !(timestamp > 0)) {
    throw new ExchangeError('bad_payload', `trade ${String(t.id)} on ${symbol} has a missing or non-positive price, amount or time`);
  }
  if (t.side !== 'buy' && t.side !== 'sell') throw new ExchangeError('bad_payload', `trade ${String(t.id)} on ${symbol} has side ${String(t.side)}`);
  const lines: FeeLine[] = [];
  // ccxt fills `fees` with every fee line and `fee` with one of them; the sum needs all of them.
  const all = (t as Trade & { fees?: Trade['fee'][] }).fees;
  const source = Array.isArray(all) && all.length > 0 ? all : t.fee ? [t.fee] : [];
  for (const fee of source) {
    if (!fee) continue;
    const cost = Number(fee.cost ?? 0);
    if (fee.currency && Number.isFinite(cost) && cost !== 0) lines.push({ currency: fee.currency, amount: cost });
  }
  return {
    id: String(t.id),
    orderId: t.order !== undefined && t.order !== null ? String(t.order) : null,
    symbol: t.symbol ?? symbol,
    side: t.side,
    price,
    amount,
    cost: Number.isFinite(Number(t.cost)) && Number(t.cost) > 0 ? Number(t.cost) : price * amount,
    fees: lines,
    timestamp,
    isMaker: t.takerOrMaker === 'maker' ? true : t.takerOrMaker === 'taker' ? false : null,
  };
}

/**
 * Exchanges disagree on the sign of a funding amount in ccxt's output: Binance's income `amount` and
 * OKX's `balChg` are + = received, Bybit's execution `execFee` is + = paid. Normalise to + = received.
 */
export const FUNDING_SIGN: Record<string, 1 | -1> = { binance: 1, binanceusdm: 1, okx: 1, bybit: -1 };

export function normalizeFunding(exchangeId: string, row: { id?: unknown; symbol?: unknown; amount?: unknown; code?: unknown; timestamp?: unknown }, symbol: string): FundingEvent {
  const sign = FUNDING_SIGN[exchangeId];
  if (sign === undefined) throw new ExchangeError('internal', `the funding sign of ${exchangeId} is not known yet; refusing to guess it`);
  const amount = num(row.amount);
  const timestamp = num(row.timestamp);
  if (!Number.isFinite(amount) || !(timestamp > 0)) throw new ExchangeError('bad_payload', `funding row on ${symbol} has no amount or time`);
  const id = row.id !== undefined && row.id !== null && String(row.id) !== '' ? String(row.id) : `${timestamp}:${amount}`;
  return { id, symbol: typeof row.symbol === 'string' ? row.symbol : symbol, amount: sign * amount, currency: typeof row.code === 'string' ? row.code : 'USDT', timestamp };
}

function compareIds(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  if (Number.isFinite(na) && Number.isFinite(nb)) return na - nb;
  return a < b ? -1 : a > b ? 1 : 0;
}

function num(value: unknown): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
  return Number.isFinite(n) ? n : NaN;
}

function finite(value: unknown, fallback: number): number {
  const n = num(value);
  return Number.isFinite(n) && n > 0 ? n : fallback;
}
