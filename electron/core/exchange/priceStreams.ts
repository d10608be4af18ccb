/**
 * Public prices by stream where a strategy quotes (issue 12): Binance spot and USDⓈ-M book tickers
 * (`watchBidsAsks`) and USDⓈ-M mark prices (`watchMarkPrice`) through ccxt.pro, so a market maker's
 * quote read spends no request weight while its stream is live.
 *
 * One feed per exchange host, shared by every account on it (public data needs no keys): one
 * connection per market type (spot, USDⓈ-M), each symbol subscribed once whoever asks. A symbol is
 * subscribed on its first `quote()` (which answers null, so that read goes to REST) and read from the
 * stream from then on. Spot and USDⓈ-M are separate ccxt clients, each loading only its own markets:
 * a loopback URL has no `/stream` in it, so a client holding both `BTCUSDT`s would read a spot book
 * ticker as the perpetual's (ccxt's `isSpotUrl`).
 *
 * A quote is served while it is at most `STREAM_QUOTE_MAX_AGE_MS` old and its watcher has not failed
 * since; otherwise the caller falls back to REST (today's behaviour), so a dead, refused or silent
 * stream only costs weight, never a wrong price. Failures are caught in the watch loops (retried with
 * backoff) and reported to `onError`; none escapes as an unhandled rejection.
 */
import type { Exchange, Ticker } from 'ccxt';
import type { AccountConfig } from '../workspace/workspace.ts';
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
}

export interface PriceFeedStats {
  hosts: number;
  connections: number;
  subscriptions: number;
  streamed: number;
  fallbacks: number;
}

/** Exchanges whose public streams are read here (the simulator speaks them too). */
export const PRICE_STREAM_EXCHANGES: ReadonlySet<string> = new Set(['binance']);

type ProClass = new (config: object) => Exchange;
type Kind = 'spot' | 'linear';

const proDir = new URL('./src/pro/', import.meta.resolve('ccxt'));
let binancePro: Promise<ProClass> | null = null;

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms).unref());

interface Entry {
  bid: number;
  ask: number;
  last: number;
  timestamp: number;
  receivedAt: number;
}

interface Watch {
  /** False from a failure until the next message: nothing it holds is served meanwhile. */
  isUp: boolean;
  entry: Entry | null;
  mark: MarkPrice | null;
}

type FeedConfig = Required<Pick<PriceFeedOptions, 'now' | 'onError' | 'backoff'>> & { markets: SharedMarkets };

/** One host's feed: a ccxt.pro client per market type, the watch loops, the latest values. */
class HostFeed {
  #account: PriceAccount;
  #o: FeedConfig;
  #clients = new Map<Kind, Promise<Exchange>>();
  #quotes = new Map<string, Watch>();
  #marks = new Map<string, Watch>();
  #loops: Promise<void>[] = [];
  #isClosed = false;

  constructor(account: PriceAccount, o: FeedConfig) {
    this.#account = account;
    this.#o = o;
  }

  get subscriptions(): number {
    return this.#quotes.size + this.#marks.size;
  }

  get connections(): number {
    return this.#clients.size;
  }

  quote(symbol: string): Quote | null {
    const w = this.#watch(this.#quotes, symbol, 'bidask');
    const e = w.entry;
    if (!w.isUp || e === null || this.#o.now() - e.receivedAt > STREAM_QUOTE_MAX_AGE_MS) return null;
    return { symbol, bid: e.bid, ask: e.ask, last: e.last, timestamp: e.timestamp };
  }

  mark(symbol: string): MarkPrice | null {
    if (parseSymbol(symbol).kind !== 'linear') return null;
    const w = this.#watch(this.#marks, symbol, 'mark');
    const m = w.mark;
    if (!w.isUp || m === null || this.#o.now() - m.receivedAt > STREAM_QUOTE_MAX_AGE_MS) return null;
    return { ...m };
  }

  #watch(map: Map<string, Watch>, symbol: string, what: 'bidask' | 'mark'): Watch {
    let w = map.get(symbol);
    if (w === undefined) {
      w = { isUp: false, entry: null, mark: null };
      map.set(symbol, w);
      if (!this.#isClosed) this.#loops.push(this.#loop(w, symbol, what));
    }
    return w;
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
    binancePro ??= import(new URL('./binance.js', proDir).href).then((m: { default: ProClass }) => m.default);
    const Pro = await binancePro;
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

  async #loop(w: Watch, symbol: string, what: 'bidask' | 'mark'): Promise<void> {
    const kind: Kind = parseSymbol(symbol).kind === 'linear' ? 'linear' : 'spot';
    let failures = 0;
    while (!this.#isClosed) {
      try {
        const client = await this.#client(kind);
        if (what === 'bidask') {
          const tickers = (await client.watchBidsAsks([symbol])) as Record<string, Ticker>;
          const t = tickers[symbol];
          if (t !== undefined) this.#onBidAsk(w, t);
        } else {
          this.#onMark(w, symbol, await client.watchMarkPrice(symbol));
        }
        failures = 0;
      } catch (error) {
        w.isUp = false;
        if (this.#isClosed) return;
        this.#o.onError(error);
        const { baseMs, maxMs } = this.#o.backoff;
        await delay(Math.min(maxMs, baseMs * 2 ** Math.min(failures++, 10)));
      }
    }
  }

  #onBidAsk(w: Watch, t: Ticker): void {
    const bid = Number(t.bid);
    const ask = Number(t.ask);
    if (!(bid > 0 && ask > 0)) return;
    const receivedAt = this.#o.now();
    // A book ticker carries no last trade: the mid stands in (strategies quote off bid and ask).
    w.entry = { bid, ask, last: (bid + ask) / 2, timestamp: t.timestamp ?? receivedAt, receivedAt };
    w.isUp = true;
  }

  #onMark(w: Watch, symbol: string, t: Ticker): void {
    const info = (t.info ?? {}) as Record<string, unknown>;
    const markPrice = Number(t.markPrice ?? info['p']);
    if (!(markPrice > 0)) return;
    const index = Number(t.indexPrice ?? info['i']);
    const receivedAt = this.#o.now();
    w.mark = { symbol, markPrice, indexPrice: index > 0 ? index : null, timestamp: t.timestamp ?? receivedAt, receivedAt };
    w.isUp = true;
  }

  async close(): Promise<void> {
    this.#isClosed = true;
    const clients = await Promise.allSettled([...this.#clients.values()]);
    await Promise.allSettled(clients.map((c) => (c.status === 'fulfilled' ? c.value.close() : undefined)));
    await Promise.allSettled(this.#loops);
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
