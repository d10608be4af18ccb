/**
 * An account's private streams through ccxt.pro (issue 12): Binance spot's user data over the
 * WebSocket API and USDⓈ-M's listen-key stream; Bybit v5's one private stream (spot and linear on
 * one connection: `execution`, `order`, `position`, `wallet`). ccxt owns the protocol
 * (authentication, the listen key and its keep-alive, pings); this module keeps the connection up
 * and reads what it delivers.
 *
 * Fills are read from every message as ccxt parses it (`parseWsTrade` / Bybit's `parseTrade`, the
 * parsers `watchMyTrades` uses), not from `watchMyTrades`' answer: ccxt resolves that promise once per
 * wake-up and holds messages that arrive while nobody waits until the next one, which would delay a
 * burst's tail by however long the account stays quiet. The `watch*` calls are still what subscribe
 * and reconnect.
 *
 * Funding: both exchanges say on the stream that funding was paid, and REST reads the payment through
 * the one funding path (never stored as a fill): Binance's ACCOUNT_UPDATE with reason FUNDING_FEE;
 * Bybit's `execution` topic pushes a row with `execType: "Funding"` at each settlement (ccxt issue
 * #17244), read here from the raw message because ccxt.pro's `watchMyTrades` drops it.
 */
import type { Exchange, Trade } from 'ccxt';
import type { AccountConfig } from '../workspace/workspace.ts';
import { proExchangeClass } from './ccxtLoader.ts';
import { rebaseUrls, type Credentials } from './ccxtSession.ts';
import { instrumentClient } from './ccxtTransport.ts';
import { isFundingRow, normalizeTrade } from './normalize.ts';
import { marketsKey, sharedMarkets, type SharedMarkets } from './sharedMarkets.ts';
import type { AccountStream, StreamLinkState, StreamMarket, StreamSink } from './streams.ts';
import type { Fill } from './types.ts';
import { sharedBudgets, type WeightBudgetRegistry } from './weightBudget.ts';
import { parseSymbol } from '../../../shared/symbols.ts';

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms).unref());

/** Exchanges whose private streams are wired here (the simulator speaks them too). */
export const STREAM_EXCHANGES: ReadonlySet<string> = new Set(['binance', 'bybit']);

export interface CcxtStreamOptions {
  account: AccountConfig;
  credentials: Credentials;
  /** Every ccxt symbol the account's instances trade: decides which streams open (spot, USDⓈ-M). */
  symbols: readonly string[];
  /** ccxt's ping interval; a stream that misses `maxPingPongMisses` pongs is dropped by ccxt. Default 10 s. */
  keepAliveMs?: number;
  /** Default 2 (ccxt's). StreamSync shows a stall sooner and drops it itself. */
  maxPingPongMisses?: number;
  /** Reconnect backoff: first wait, cap (ms). Default 250 ms, 15 s. */
  backoff?: { baseMs: number; maxMs: number };
  budgets?: WeightBudgetRegistry;
  markets?: SharedMarkets;
  now?: () => number;
  /** Where a message that could not be read goes (it is skipped; REST reads the gap). */
  onError?: (error: unknown) => void;
}

/** The stream markets an account needs, or none when its exchange has no stream wired here. */
export function streamMarketsFor(exchangeId: string, symbols: readonly string[]): StreamMarket[] {
  if (!STREAM_EXCHANGES.has(exchangeId)) return [];
  const kinds = new Set(symbols.map((s) => parseSymbol(s).kind));
  const markets: StreamMarket[] = [];
  if (kinds.has('spot')) markets.push('spot');
  if (kinds.has('linear')) markets.push('future');
  return markets;
}

/** Opens nothing yet: `start` connects. Null when the account's exchange or symbols have no stream here. */
export async function createCcxtAccountStream(options: CcxtStreamOptions): Promise<AccountStream | null> {
  const markets = streamMarketsFor(options.account.exchange, options.symbols);
  if (markets.length === 0) return null;
  const Pro = await proExchangeClass(options.account.exchange);
  const types = markets.map((m) => (m === 'future' ? 'linear' : 'spot'));
  const client = new Pro({
    ...options.credentials,
    timeout: 5000,
    enableRateLimit: true,
    // ccxt's keep-alive is what notices a silent stream: a ping every keepAlive, dropped after two missed pongs.
    streaming: { keepAlive: options.keepAliveMs ?? 10_000, maxPingPongMisses: options.maxPingPongMisses ?? 2 },
    options: {
      fetchCurrencies: false,
      fetchMargins: false,
      fetchMarkets: { types },
      adjustForTimeDifference: false,
      // Bybit: positions come from REST; the stream's updates only keep the link alive (no REST snapshot per connect).
      watchPositions: { fetchPositionsSnapshot: false, awaitPositionsSnapshot: false },
    },
  });
  (client.has as Record<string, unknown>).fetchCurrencies = false;
  if (options.account.sandbox === true) client.setSandboxMode(true);
  if (options.account.apiBaseUrl !== undefined) {
    rebaseUrls(client.urls as Record<string, unknown>, options.account.apiBaseUrl);
    rebaseStreamUrls(client.urls as Record<string, unknown>, options.account.apiBaseUrl);
  }
  // Listen-key requests are REST and count against the host's weight like every other request.
  instrumentClient(client, { exchangeId: options.account.exchange, budgets: options.budgets ?? sharedBudgets, isClientThrottled: false });
  // ccxt refuses a plain ws:// URL (loopback, the simulator) until its http agent is loaded.
  await client.loadHttpProxyAgent();
  return new CcxtAccountStream(client, options, markets);
}

/** Replaces scheme and host of every ws(s) URL under `urls.api` (https → wss, http → ws), keeping each path (Bybit's `{hostname}` too). */
export function rebaseStreamUrls(urls: Record<string, unknown>, base: string): void {
  const b = new URL(base);
  const origin = `${b.protocol === 'https:' ? 'wss' : 'ws'}://${b.host}`;
  const walk = (node: Record<string, unknown>): void => {
    for (const [key, value] of Object.entries(node)) {
      if (typeof value === 'string' && /^wss?:\/\//.test(value)) {
        const url = new URL(value.replace('{hostname}', 'placeholder.invalid'));
        node[key] = origin + url.pathname.replace(/\/$/, '') + url.search;
      } else if (value !== null && typeof value === 'object') walk(value as Record<string, unknown>);
    }
  };
  const api = urls['api'];
  if (api !== null && typeof api === 'object') walk(api as Record<string, unknown>);
}

interface WsClientLike {
  url: string;
  lastPong?: number;
  connection?: { terminate?: () => void };
  subscriptions?: Record<string, unknown>;
  future(messageHash: string): Promise<unknown>;
  close(): unknown;
}

/** One `watch*` call kept alive in a loop: what subscribes (and, after a drop, subscribes again). */
interface Watcher {
  /** The link its failures are reported on. */
  market: StreamMarket;
  watch: () => Promise<unknown>;
  /** Before a retry after a failure (USDⓈ-M: a fresh listen key). */
  beforeRetry?: () => void;
  /**
   * False for a watcher whose topic only keeps the view (Bybit's order, position, wallet): its own
   * failure (say, the REST call ccxt makes first) is retried quietly; the link is the fills' watcher's.
   */
  isLink?: boolean;
}

/** What a refused request or a dropped connection says, whatever ccxt rejected with (an Error or the exchange's raw answer). */
export function describeStreamError(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'object' && error !== null) {
    const e = (error as { error?: { code?: unknown; msg?: unknown } }).error;
    if (e !== undefined && e.msg !== undefined) return `${String(e.code as string)} ${String(e.msg as string)}`;
    return JSON.stringify(error);
  }
  return String(error);
}

type Handler = (client: WsClientLike, message: unknown) => unknown;

class CcxtAccountStream implements AccountStream {
  readonly exchangeId: string;
  readonly accountId: string;
  readonly markets: readonly StreamMarket[];
  #ex: Exchange;
  #o: CcxtStreamOptions;
  #now: () => number;
  #sink: StreamSink | null = null;
  #links = new Map<StreamMarket, StreamLinkState>();
  #isStopped = false;
  #loops: Promise<void>[] = [];
  #wake = new Map<number, () => void>();
  #isBybit: boolean;
  /** Links whose failure to connect was already reported (cleared when they connect). */
  #saidFailed = new Set<StreamLinkState>();

  constructor(client: Exchange, options: CcxtStreamOptions, markets: StreamMarket[]) {
    this.#ex = client;
    this.#o = options;
    this.exchangeId = options.account.exchange;
    this.accountId = options.account.id;
    this.markets = markets;
    this.#now = options.now ?? Date.now;
    this.#isBybit = options.account.exchange === 'bybit';
    // Bybit carries spot and linear on one connection: both markets share one link.
    const shared = this.#isBybit ? this.#newLink() : null;
    for (const m of markets) this.#links.set(m, shared ?? this.#newLink());
    const patched = new WeakSet<WsClientLike>();
    // ccxt binds these when it creates a connection: instance properties set now are the ones it calls.
    const ex = client as unknown as Record<string, Handler>;
    const handleMessage = ex['handleMessage'] as Handler;
    ex['handleMessage'] = (c, message) => {
      try {
        this.#tap(c, message);
      } catch (error) {
        this.#o.onError?.(error);
      }
      return handleMessage.call(client, c, message);
    };
    // ccxt.pro binance makes a future for the spot subscription that only a second, concurrent
    // subscriber awaits, and rejects it when the subscription is refused: an unhandled rejection
    // nobody can catch. The same refusal reaches the `watch*` call we await (and is reported there),
    // so that future is marked handled as it is made.
    const clientOf = ex['client'] as unknown as (url: string) => WsClientLike;
    (ex as unknown as Record<string, unknown>)['client'] = (url: string): WsClientLike => {
      const c = clientOf.call(client, url);
      if (!patched.has(c)) {
        patched.add(c);
        const future = c.future.bind(c);
        c.future = (messageHash) => {
          const f = future(messageHash);
          if (messageHash.startsWith('authenticate:')) f.catch(() => undefined);
          return f;
        };
      }
      return c;
    };
    const onConnected = ex['onConnected'] as Handler;
    ex['onConnected'] = (c, message) => {
      // A listen-key stream is subscribed once it is open; the spot WebSocket API only once it answers the subscription.
      if (!this.#isBybit && this.#marketOf(c.url) === 'future') this.#up('future');
      return onConnected.call(client, c, message);
    };
  }

  start(sink: StreamSink): void {
    this.#sink = sink;
    this.#isStopped = false;
    const key = marketsKey(this.#o.account, this.#ex);
    const loaded = (this.#o.markets ?? sharedMarkets).load(this.#ex, key);
    // Bybit's four watchers each ask REST whether the account is unified (two requests) unless ccxt
    // already knows: ask once before they start.
    const ex = this.#ex as unknown as { isUnifiedEnabled(): Promise<unknown> };
    const ready = this.#isBybit ? loaded.then(async () => void (await ex.isUnifiedEnabled())) : loaded;
    this.#watchers().forEach((w, i) => this.#loops.push(this.#run(w, i, ready)));
  }

  #newLink(): StreamLinkState {
    return { isConnected: false, since: this.#now(), lastAliveAt: null, reconnects: 0, lastError: null };
  }

  #watchers(): Watcher[] {
    const ex = this.#ex;
    if (this.#isBybit) {
      // One connection, four topics; fills are read from `execution`, the rest keep the view and the link alive.
      const market = this.markets[0] ?? 'spot';
      return [
        { market, watch: () => ex.watchMyTrades() },
        { market, watch: () => ex.watchOrders(), isLink: false },
        { market, watch: () => ex.watchPositions(), isLink: false },
        { market, watch: () => ex.watchBalance(), isLink: false },
      ];
    }
    return this.markets.map((market) => ({
      market,
      watch: () => ex.watchMyTrades(undefined, undefined, undefined, { type: market }),
      ...(market === 'future' ? { beforeRetry: () => this.#forgetListenKey() } : {}),
    }));
  }

  link(market: StreamMarket): StreamLinkState {
    const link = this.#link(market);
    const pong = this.#clientOf(market)?.lastPong;
    const alive = Math.max(link.lastAliveAt ?? 0, pong ?? 0);
    return { ...link, lastAliveAt: alive > 0 ? alive : null };
  }

  reconnect(market: StreamMarket, reason: string): void {
    const client = this.#clientOf(market);
    this.#down(market, reason);
    if (client === undefined) return;
    // terminate, not close: a stalled peer may never answer the close handshake.
    if (client.connection?.terminate) client.connection.terminate();
    else client.close();
  }

  async stop(): Promise<void> {
    this.#isStopped = true;
    for (const wake of this.#wake.values()) wake();
    // A connection closed while it opens makes ccxt reject a future nobody holds, and its close may
    // then never settle: let opening connections finish (briefly), and bound the close.
    const clients = Object.values((this.#ex as unknown as { clients: Record<string, { connected?: Promise<unknown> }> }).clients ?? {});
    await Promise.race([Promise.allSettled(clients.map((c) => c.connected)), delay(1000)]);
    await Promise.race([this.#ex.close().catch(() => undefined), delay(1000)]);
    await Promise.allSettled(this.#loops);
    this.#loops = [];
  }

  async #run(w: Watcher, index: number, ready: Promise<void>): Promise<void> {
    let failures = 0;
    while (!this.#isStopped) {
      const link = this.#link(w.market);
      const reconnectsBefore = link.reconnects;
      try {
        await ready;
        if (failures > 0) w.beforeRetry?.();
        await w.watch();
        failures = 0;
      } catch (error) {
        if (this.#isStopped) return;
        failures++;
        // A market load that failed is tried again on the next round.
        ready = ready.catch(() => (this.#o.markets ?? sharedMarkets).load(this.#ex, marketsKey(this.#o.account, this.#ex)));
        if (w.isLink !== false) {
          const reason = describeStreamError(error);
          // Refused before it came up (a bad key, a refused subscription; not a drop of a live link):
          // said once until it connects, not on every retry.
          const isDrop = link.isConnected || link.reconnects !== reconnectsBefore;
          if (!isDrop && !this.#saidFailed.has(link)) {
            this.#saidFailed.add(link);
            this.#sink?.failed?.(w.market, reason);
          }
          this.#down(w.market, reason);
        }
        if (failures > 1 || !link.isConnected || w.isLink === false) await this.#sleep(index, this.#backoff(failures));
      }
    }
  }

  #backoff(failures: number): number {
    const { baseMs, maxMs } = this.#o.backoff ?? { baseMs: 250, maxMs: 15_000 };
    const ms = Math.min(maxMs, baseMs * 2 ** Math.min(failures - 1, 16));
    return ms / 2 + Math.random() * (ms / 2);
  }

  #sleep(index: number, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.#wake.set(index, done);
    });
  }

  /** After a drop the listen key may be gone (expired, deleted): ask for one again rather than reconnect with a dead one. */
  #forgetListenKey(): void {
    const options = this.#ex.options as Record<string, Record<string, unknown> | undefined>;
    options['future'] = { ...options['future'], listenKey: undefined, lastAuthenticatedTime: 0 };
  }

  #link(market: StreamMarket): StreamLinkState {
    const link = this.#links.get(market);
    if (link === undefined) throw new Error(`no ${market} stream on ${this.accountId}`);
    return link;
  }

  /** The markets a link carries (Bybit: both; Binance: its own). */
  #sharing(link: StreamLinkState): StreamMarket[] {
    return this.markets.filter((m) => this.#links.get(m) === link);
  }

  #up(market: StreamMarket): void {
    const link = this.#link(market);
    const now = this.#now();
    link.lastAliveAt = now;
    if (link.isConnected) return;
    link.isConnected = true;
    link.since = now;
    this.#saidFailed.delete(link);
    for (const m of this.#sharing(link)) this.#sink?.connected(m);
  }

  #down(market: StreamMarket, reason: string): void {
    const link = this.#link(market);
    link.lastError = reason;
    if (!link.isConnected) return;
    link.isConnected = false;
    link.since = this.#now();
    link.reconnects++;
    for (const m of this.#sharing(link)) this.#sink?.disconnected(m, reason);
  }

  #marketOf(url: string): StreamMarket | null {
    if (this.#isBybit) return url.includes('/v5/private') ? (this.markets[0] ?? null) : null;
    const api = (this.#ex.urls as { api?: { ws?: { 'ws-api'?: { spot?: string } } } }).api;
    if (url === api?.ws?.['ws-api']?.spot) return 'spot';
    if (url.includes('listenKey=') || /\/ws\/[A-Za-z0-9]{20,}$/.test(url)) return 'future';
    return null;
  }

  #clientOf(market: StreamMarket): WsClientLike | undefined {
    const clients = Object.values((this.#ex as unknown as { clients: Record<string, WsClientLike> }).clients ?? {});
    // Bybit: one connection carries every market (its link is shared).
    return clients.find((c) => (this.#isBybit ? this.#marketOf(c.url) !== null : this.#marketOf(c.url) === market));
  }

  #tap(client: WsClientLike, raw: unknown): void {
    const market = this.#marketOf(client.url);
    if (market === null || typeof raw !== 'object' || raw === null) return;
    const link = this.#link(market);
    link.lastAliveAt = this.#now();
    const outer = raw as Record<string, unknown>;
    if (this.#isBybit) {
      this.#tapBybit(client, outer);
      return;
    }
    const result = outer['result'] as Record<string, unknown> | undefined;
    if (market === 'spot' && result !== undefined && result['subscriptionId'] !== undefined) {
      this.#up('spot');
      return;
    }
    const message = (typeof outer['event'] === 'object' && outer['event'] !== null ? outer['event'] : outer) as Record<string, unknown>;
    const e = message['e'];
    const ex = this.#ex as unknown as { parseWsTrade(message: unknown): Trade };
    if (e === 'executionReport' && message['x'] === 'TRADE') this.#fill(market, () => ex.parseWsTrade(message));
    else if (e === 'ORDER_TRADE_UPDATE') {
      const order = message['o'] as Record<string, unknown> | undefined;
      if (order !== undefined && order['x'] === 'TRADE') this.#fill(market, () => ex.parseWsTrade(order));
    } else if (e === 'ACCOUNT_UPDATE') {
      const update = message['a'] as Record<string, unknown> | undefined;
      if (update?.['m'] === 'FUNDING_FEE') this.#sink?.funding(market);
    } else if (e === 'listenKeyExpired' || e === 'eventStreamTerminated') {
      this.reconnect(market, e === 'listenKeyExpired' ? 'listen key expired' : 'stream terminated by the exchange');
    }
  }

  /**
   * Bybit: the link is up once the `execution` subscription is acknowledged (fills from then on
   * arrive here; the reconnect's REST read covers what came before); fills are the execution rows.
   */
  #tapBybit(client: WsClientLike, message: Record<string, unknown>): void {
    const market = this.markets[0];
    if (market === undefined) return;
    if (message['op'] === 'subscribe' && message['success'] === true) {
      const reqId = String(message['req_id'] as string);
      const isExecution = Object.values(client.subscriptions ?? {}).some((sub) => {
        const s = sub as { id?: unknown; topics?: unknown } | null;
        return (
          s !== null &&
          typeof s === 'object' &&
          String(s.id as string) === reqId &&
          Array.isArray(s.topics) &&
          s.topics.includes('execution')
        );
      });
      if (isExecution) this.#up(market);
      return;
    }
    if (message['topic'] !== 'execution' || !Array.isArray(message['data'])) return;
    const ex = this.#ex as unknown as { parseTrade(row: unknown): Trade };
    let isFundingPaid = false;
    for (const row of message['data'] as Record<string, unknown>[]) {
      const rowMarket: StreamMarket = row['category'] === 'spot' ? 'spot' : 'future';
      if (!this.markets.includes(rowMarket)) continue;
      // A settlement pays every perpetual of the account at once: one REST read for the message.
      if (isFundingRow(row)) isFundingPaid = true;
      else this.#fill(rowMarket, () => ex.parseTrade(row));
    }
    if (isFundingPaid) this.#sink?.funding('future');
  }

  /** One pushed fill, parsed by `parse` (ccxt's own parser for that message); one that cannot be read is left to REST. */
  #fill(market: StreamMarket, parse: () => Trade): void {
    let trade: Trade;
    let fill: Fill;
    try {
      trade = parse();
      fill = normalizeTrade(trade, trade.symbol ?? '', this.#ex.markets?.[trade.symbol ?? '']);
    } catch (error) {
      this.#o.onError?.(error);
      this.#sink?.needsRest(market, `unreadable fill: ${describeStreamError(error)}`);
      return;
    }
    const { base, quote } = parseSymbol(fill.symbol);
    // A fee in a third asset (BNB) is priced when stored; the REST path has the one place that does it.
    if (fill.fees.some((f) => f.currency !== base && f.currency !== quote && f.amount !== 0)) {
      this.#sink?.needsRest(market, `fee in a third asset on ${fill.symbol}`);
      return;
    }
    this.#sink?.fills(market, [fill]);
  }
}
