/**
 * Public prices by stream where a strategy quotes (issue 12), through ccxt.pro, so a market maker's
 * quote read spends no request weight while its stream is live:
 * - Binance spot and USDⓈ-M book tickers (`watchBidsAsks`) and USDⓈ-M mark prices (`watchMarkPrice`);
 * - Bybit v5: spot book tickers from the level-1 book (`watchBidsAsks` → `orderbook.1.{id}`: Bybit's
 *   spot ticker stream has no bid or ask) and linear tickers (`watchTicker` → `tickers.{id}`, whose
 *   bid, ask, last and mark serve a perpetual's quote and mark from one subscription).
 *
 * One feed per exchange host, shared by every account on it (public data needs no keys): one
 * connection per market type (spot, linear), each symbol subscribed once whoever asks. A symbol is
 * subscribed on its first `quote()` (which answers null, so that read goes to REST) and read from the
 * stream from then on, until nobody has read it for `QUOTE_IDLE_MS` (the strategies quoting it
 * stopped, paused or were removed): then it is unsubscribed (ccxt.pro's unWatch*) and its loop ends.
 * Spot and linear are separate ccxt clients, each loading only its own markets: a loopback URL has
 * no `/stream` in it, so a Binance client holding both `BTCUSDT`s would read a spot book ticker as
 * the perpetual's (ccxt's `isSpotUrl`).
 *
 * A quote is served while it is at most `STREAM_QUOTE_MAX_AGE_MS` old and its watcher has not failed
 * since; otherwise the caller falls back to REST (today's behaviour), so a dead, refused or silent
 * stream only costs weight, never a wrong price. Failures are caught in the watch loops (retried with
 * backoff) and reported to `onError`; none escapes as an unhandled rejection.
 */
import type { Exchange, Ticker } from 'ccxt';
import type { AccountConfig } from '../workspace/workspace.ts';
import { proExchangeClass } from './ccxtLoader.ts';
import { rebaseUrls } from './ccxtSession.ts';
import { rebaseStreamUrls } from './ccxtStreams.ts';
import { marketsKey, sharedMarkets, type SharedMarkets } from './sharedMarkets.ts';
import type { Quote } from './types.ts';
import { parseSymbol } from '../../../shared/symbols.ts';

/**
 * How old a streamed quote may be and still be served. Binance pushes a book ticker on every change
 * of the top of book and a mark price every second (`@1s`), so a live stream is rarely older than one
 * mark interval; two seconds is two missed mark updates, and about one requote period of a market
 * maker, after which REST is the better answer. A quiet book older than this also goes to REST (one
 * request, as before) rather than risk serving the price of a silently dead socket.
 */
export const STREAM_QUOTE_MAX_AGE_MS = 2000;

/** What ccxtSession.fetchQuote asks first (null: nothing fresh here, read REST). */
export interface QuoteSource {
  quote(account: PriceAccount, symbol: string): Quote | null;
}

export type PriceAccount = Pick<AccountConfig, 'exchange' | 'sandbox' | 'apiBaseUrl'>;

export interface MarkPrice {
  symbol: string;
  markPrice: number;
  indexPrice: number | null;
  timestamp: number;
  /** When it arrived here (ms, `now`). */
  receivedAt: number;
}

export interface PriceFeedOptions {
  markets?: SharedMarkets;
  now?: () => number;
  onError?: (error: unknown) => void;
  /** Reconnect backoff: first wait, cap (ms). Default 250 ms, 5 s. */
  backoff?: { baseMs: number; maxMs: number };
  /** A symbol unread this long is unsubscribed (default `QUOTE_IDLE_MS`). */
  idleMs?: number;
}

export interface PriceFeedStats {
  hosts: number;
  connections: number;
  subscriptions: number;
  streamed: number;
  fallbacks: number;
}

/** Exchanges whose public streams are read here (the simulator speaks them too). */
export const PRICE_STREAM_EXCHANGES: ReadonlySet<string> = new Set(['binance', 'bybit']);

/**
 * A symbol nobody has read for this long is unsubscribed (its strategies stopped, paused or were
 * removed). A strategy stepping slower than this pays one REST read per step, as polling did; one
 * stepping faster (market makers: 1–5 s) keeps its subscription.
 */
export const QUOTE_IDLE_MS = 60_000;

type Kind = 'spot' | 'linear';
/**
 * What a watch reads: a book ticker (`watchBidsAsks`: Binance `@bookTicker`, Bybit `orderbook.1`),
 * Binance's mark price (`watchMarkPrice`), or Bybit's ticker (`watchTicker`, `tickers.{id}`: on a
 * perpetual it carries bid, ask, last and mark at once, so one subscription serves both; its spot
 * ticker has no bid or ask, so Bybit spot quotes come from `orderbook.1`).
 */
type Channel = 'bidask' | 'mark' | 'ticker';

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms).unref());

interface Entry {
  bid: number;
  ask: number;
  last: number;
  timestamp: number;
  receivedAt: number;
}

interface Watch {
  symbol: string;
  channel: Channel;
  /** False from a failure until the next message: nothing it holds is served meanwhile. */
  isUp: boolean;
  entry: Entry | null;
  mark: MarkPrice | null;
  /** When a strategy last read it (ms, `now`): idle past `idleMs`, it is dropped. */
  readAt: number;
  /** Dropped for idleness: its loop ends and nothing more is read into it. */
  isDropped: boolean;
}

type FeedConfig = Required<Pick<PriceFeedOptions, 'now' | 'onError' | 'backoff' | 'idleMs'>> & { markets: SharedMarkets };

interface Unwatcher {
  has: Record<string, unknown>;
  unWatchBidsAsks(symbols: string[]): Promise<unknown>;
  unWatchMarkPrice(symbol: string): Promise<unknown>;
  unWatchTicker(symbol: string): Promise<unknown>;
  unWatchOrderBook(symbol: string, params: object): Promise<unknown>;
  clients: Record<string, { subscriptions: Record<string, unknown>; futures: Record<string, unknown> }>;
  cleanUnsubscription(client: unknown, subHash: string, unsubHash: string | undefined): void;
}

/** One host's feed: a ccxt.pro client per market type, the watch loops, the latest values. */
class HostFeed {
  #account: PriceAccount;
  #o: FeedConfig;
  #clients = new Map<Kind, Promise<Exchange>>();
  #watches = new Map<string, Watch>();
  #loops = new Set<Promise<void>>();
  #isClosed = false;
  #isBybit: boolean;
  #sweeper: NodeJS.Timeout;

  constructor(account: PriceAccount, o: FeedConfig) {
    this.#account = account;
    this.#o = o;
    this.#isBybit = account.exchange === 'bybit';
    this.#sweeper = setInterval(() => this.#sweep(), Math.max(20, o.idleMs / 4));
    this.#sweeper.unref();
  }

  get subscriptions(): number {
    return this.#watches.size;
  }

  get connections(): number {
    return this.#clients.size;
  }

  quote(symbol: string): Quote | null {
    const isLinear = parseSymbol(symbol).kind === 'linear';
    const w = this.#watch(symbol, this.#isBybit && isLinear ? 'ticker' : 'bidask');
    const e = w.entry;
    if (!w.isUp || e === null || this.#o.now() - e.receivedAt > STREAM_QUOTE_MAX_AGE_MS) return null;
    return { symbol, bid: e.bid, ask: e.ask, last: e.last, timestamp: e.timestamp };
  }

  mark(symbol: string): MarkPrice | null {
    if (parseSymbol(symbol).kind !== 'linear') return null;
    const w = this.#watch(symbol, this.#isBybit ? 'ticker' : 'mark');
    const m = w.mark;
    if (!w.isUp || m === null || this.#o.now() - m.receivedAt > STREAM_QUOTE_MAX_AGE_MS) return null;
    return { ...m };
  }

  #watch(symbol: string, channel: Channel): Watch {
    const key = `${channel}|${symbol}`;
    let w = this.#watches.get(key);
    if (w === undefined) {
      w = { symbol, channel, isUp: false, entry: null, mark: null, readAt: 0, isDropped: false };
      this.#watches.set(key, w);
      if (!this.#isClosed) {
        const loop = this.#loop(w);
        this.#loops.add(loop);
        void loop.finally(() => this.#loops.delete(loop));
      }
    }
    w.readAt = this.#o.now();
    return w;
  }

  /** Drops what nobody read for `idleMs`: ccxt unsubscribes where it can, else the loop just stops reading. */
  #sweep(): void {
    const now = this.#o.now();
    for (const [key, w] of this.#watches) {
      if (now - w.readAt <= this.#o.idleMs) continue;
      this.#watches.delete(key);
      w.isDropped = true;
      w.isUp = false;
      void this.#unwatch(w).catch((error: unknown) => this.#o.onError(error));
    }
  }

  async #unwatch(w: Watch): Promise<void> {
    const kind: Kind = parseSymbol(w.symbol).kind === 'linear' ? 'linear' : 'spot';
    const client = this.#clients.get(kind);
    // A client that never opened has nothing subscribed (its failure was reported by the loop).
    const ex = (await client?.catch(() => undefined)) as unknown as Unwatcher | undefined;
    if (ex === undefined) return;
    // ccxt's base class defines every unWatch* (throwing NotSupported): `has` says which are real.
    const has = (method: string): boolean => ex.has[method] === true;
    if (w.channel === 'ticker' && has('unWatchTicker')) await ex.unWatchTicker(w.symbol);
    else if (w.channel === 'mark' && has('unWatchMarkPrice')) await ex.unWatchMarkPrice(w.symbol);
    else if (w.channel === 'bidask' && has('unWatchBidsAsks')) await ex.unWatchBidsAsks([w.symbol]);
    else if (w.channel === 'bidask' && this.#isBybit && has('unWatchOrderBook')) {
      // Bybit's book ticker is its level-1 book: ccxt.pro has no unWatchBidsAsks there, so the
      // `orderbook.1` topic is left by unWatchOrderBook and the bid-ask subscription ccxt keeps for
      // it is cleaned the way ccxt cleans its own (so a later watchBidsAsks subscribes again).
      await ex.unWatchOrderBook(w.symbol, { limit: 1 });
      for (const c of Object.values(ex.clients))
        if (`bidask:${w.symbol}` in c.subscriptions) ex.cleanUnsubscription(c, `bidask:${w.symbol}`, undefined);
    }
  }

  #client(kind: Kind): Promise<Exchange> {
    let pending = this.#clients.get(kind);
    if (pending === undefined) {
      pending = this.#open(kind);
      this.#clients.set(kind, pending);
      // A failed open is not kept: the loop's next attempt opens again.
      pending.catch(() => {
        if (this.#clients.get(kind) === pending) this.#clients.delete(kind);
      });
    }
    return pending;
  }

  async #open(kind: Kind): Promise<Exchange> {
    const Pro = await proExchangeClass(this.#account.exchange);
    const client = new Pro({
      timeout: 5000,
      enableRateLimit: true,
      // ccxt's keep-alive notices a silent socket (a ping every 5 s, dropped after two missed pongs).
      streaming: { keepAlive: 5000, maxPingPongMisses: 2 },
      options: { fetchCurrencies: false, fetchMargins: false, fetchMarkets: { types: [kind] }, adjustForTimeDifference: false },
    });
    (client.has as Record<string, unknown>).fetchCurrencies = false;
    if (this.#account.sandbox === true) client.setSandboxMode(true);
    if (this.#account.apiBaseUrl !== undefined) {
      rebaseUrls(client.urls as Record<string, unknown>, this.#account.apiBaseUrl);
      rebaseStreamUrls(client.urls as Record<string, unknown>, this.#account.apiBaseUrl);
    }
    // ccxt refuses a plain ws:// URL (loopback, the simulator) until its http agent is loaded.
    await client.loadHttpProxyAgent();
    // Markets are the host's, shared with the REST sessions of the same market types (no second exchangeInfo).
    await this.#o.markets.load(client, marketsKey(this.#account, client));
    return client;
  }

  async #read(client: Exchange, w: Watch): Promise<Ticker | undefined> {
    if (w.channel === 'mark') return client.watchMarkPrice(w.symbol);
    if (w.channel === 'ticker') return client.watchTicker(w.symbol);
    const tickers = (await client.watchBidsAsks([w.symbol])) as Record<string, Ticker>;
    return tickers[w.symbol];
  }

  async #loop(w: Watch): Promise<void> {
    const kind: Kind = parseSymbol(w.symbol).kind === 'linear' ? 'linear' : 'spot';
    let failures = 0;
    while (!this.#isClosed && !w.isDropped) {
      try {
        const client = await this.#client(kind);
        const t = await this.#read(client, w);
        if (t !== undefined && !w.isDropped) this.#onTicker(w, t);
        failures = 0;
      } catch (error) {
        w.isUp = false;
        // Closed, or unsubscribed because idle (ccxt rejects the pending watch with UnsubscribeError).
        if (this.#isClosed || w.isDropped) return;
        this.#o.onError(error);
        const { baseMs, maxMs } = this.#o.backoff;
        await delay(Math.min(maxMs, baseMs * 2 ** Math.min(failures++, 10)));
      }
    }
  }

  /** A book ticker (bid, ask), a mark price, or Bybit's ticker (both): whatever the message carries. */
  #onTicker(w: Watch, t: Ticker): void {
    const receivedAt = this.#o.now();
    const timestamp = t.timestamp ?? receivedAt;
    const bid = Number(t.bid);
    const ask = Number(t.ask);
    let isRead = false;
    if (w.channel !== 'mark' && bid > 0 && ask > 0) {
      // A book ticker carries no last trade: the mid stands in (strategies quote off bid and ask).
      const last = Number(t.last);
      w.entry = { bid, ask, last: last > 0 ? last : (bid + ask) / 2, timestamp, receivedAt };
      isRead = true;
    }
    const info = (t.info ?? {}) as Record<string, unknown>;
    const markPrice = Number(t.markPrice ?? info['p']);
    if (w.channel !== 'bidask' && markPrice > 0) {
      const index = Number(t.indexPrice ?? info['i']);
      w.mark = { symbol: w.symbol, markPrice, indexPrice: index > 0 ? index : null, timestamp, receivedAt };
      isRead = true;
    }
    if (isRead) w.isUp = true;
  }

  async close(): Promise<void> {
    this.#isClosed = true;
    clearInterval(this.#sweeper);
    const clients = await Promise.allSettled([...this.#clients.values()]);
    await Promise.allSettled(clients.map((c) => (c.status === 'fulfilled' ? c.value.close() : undefined)));
    await Promise.allSettled([...this.#loops]);
  }
}

/** The process's public price feeds, one per exchange host. */
export class PriceFeeds implements QuoteSource {
  #hosts = new Map<string, HostFeed>();
  #o: FeedConfig;
  #streamed = 0;
  #fallbacks = 0;

  constructor(options: PriceFeedOptions = {}) {
    this.#o = {
      markets: options.markets ?? sharedMarkets,
      now: options.now ?? Date.now,
      onError: options.onError ?? (() => undefined),
      backoff: options.backoff ?? { baseMs: 250, maxMs: 5000 },
      idleMs: options.idleMs ?? QUOTE_IDLE_MS,
    };
  }

  /** The streamed quote if fresh; null (read REST) otherwise. The first call for a symbol subscribes it. */
  quote(account: PriceAccount, symbol: string): Quote | null {
    const q = this.#feed(account)?.quote(symbol) ?? null;
    if (q === null) this.#fallbacks++;
    else this.#streamed++;
    return q;
  }

  /** A perpetual's streamed mark price if fresh; null otherwise. The first call subscribes it. */
  mark(account: PriceAccount, symbol: string): MarkPrice | null {
    return this.#feed(account)?.mark(symbol) ?? null;
  }

  /** Subscribes symbols ahead of their first read (e.g. when a strategy starts), so that read is streamed. */
  watch(account: PriceAccount, symbols: readonly string[]): void {
    for (const s of symbols) this.#feed(account)?.quote(s);
  }

  stats(): PriceFeedStats {
    let connections = 0;
    let subscriptions = 0;
    for (const f of this.#hosts.values()) {
      connections += f.connections;
      subscriptions += f.subscriptions;
    }
    return { hosts: this.#hosts.size, connections, subscriptions, streamed: this.#streamed, fallbacks: this.#fallbacks };
  }

  async close(): Promise<void> {
    const feeds = [...this.#hosts.values()];
    this.#hosts.clear();
    await Promise.all(feeds.map((f) => f.close()));
  }

  #feed(account: PriceAccount): HostFeed | null {
    if (!PRICE_STREAM_EXCHANGES.has(account.exchange)) return null;
    const host = account.apiBaseUrl === undefined ? 'default' : new URL(account.apiBaseUrl).origin;
    const key = `${account.exchange}|${account.sandbox === true ? 'sandbox' : 'live'}|${host}`;
    let feed = this.#hosts.get(key);
    if (feed === undefined) {
      feed = new HostFeed(account, this.#o);
      this.#hosts.set(key, feed);
    }
    return feed;
  }
}
