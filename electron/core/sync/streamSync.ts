/**
 * StreamSync (issue 12; DESIGN.md, "Sync"): private streams first, REST fills the gaps. One stream per
 * exchange account, shared by the account's instances; a fill it delivers is written through the
 * ledger's one insert (`appendFills`: a fill is stored once by (exchange, account, symbol, id), whatever
 * path brought it) and `onFills` tells the host at once, so it refolds and publishes without waiting
 * for a sync.
 *
 * A stream never proves that nothing was missed. So: on every (re)connect the instances ask for a REST
 * read of the gap (`requestRestSync`), as they do when funding is paid (the event names no payment id)
 * and when a fill cannot be stored as is; while a stream is down or stalled its instances poll
 * (`isStreaming` is false) and their health says which (`health`). The cursor-based REST sync stays
 * the authority: the stream only makes fills arrive sooner.
 */
import type { Clock, TimerHandle } from '../clock.ts';
import type { StrategyInstance } from '../engine/botEngine.ts';
import type { AccountStream, StreamLinkState, StreamMarket, StreamSink } from '../exchange/streams.ts';
import type { Fill } from '../exchange/types.ts';
import type { Ledger } from '../ledger/ledger.ts';
import type { Logger } from '../log.ts';
import { parseSymbol } from '../../../shared/symbols.ts';
import { fillOwner } from './portfolioSync.ts';

/**
 * An instance's stream as the window shows it:
 * - `connected`: its fills arrive by stream (REST only fills gaps, on a slow timer);
 * - `reconnecting`: the stream dropped and is being re-opened; the instance polls meanwhile;
 * - `stalled`: connected but silent (no event, no pong) for `stalledSeconds`; it polls and the stream is re-opened;
 * - `polling`: no stream (exchange without one here, paper mode, no key) or down for long: REST as before.
 */
export type StreamState = 'connected' | 'reconnecting' | 'stalled' | 'polling';

export interface StreamHealth {
  state: StreamState;
  /** Seconds without a sign of life; only when `stalled`. */
  stalledSeconds: number | null;
  /** When the state began (ISO), null for an instance without a stream. */
  since: string | null;
  /** Times the stream dropped since start. */
  reconnects: number;
  /** Why it last dropped or failed to connect. */
  lastError: string | null;
  /** When the stream last stored a fill of this instance (ISO). */
  lastFillAt: string | null;
}

export interface StreamSyncOptions {
  clock: Clock;
  ledger: Ledger;
  log?: Logger;
  /** The engine's instances (live and observe ones are streamed; paper ones never). */
  instances: () => StrategyInstance[];
  /**
   * Opens an account's stream for the given symbols (the host builds it from the account's config and
   * credentials, e.g. `createCcxtAccountStream`); null when the account has none: its instances poll.
   */
  openStream: (accountId: string, symbols: string[]) => Promise<AccountStream | null>;
  /** Fills were stored for these instances: refold and publish now. */
  onFills: (instanceIds: string[]) => void;
  /** These instances need a REST read now: a (re)connect's gap, a funding payment, a fill the stream could not store. */
  requestRestSync: (instanceIds: string[]) => void;
  /** These instances' stream health changed. */
  onHealth?: (instanceIds: string[]) => void;
  /** Silent this long (no event, no pong) = stalled; keep it above the stream's ping interval. Default 15 s. */
  stallAfterMs?: number;
  /** Stalled this long: the stream is dropped and re-opened. Default 2 × stallAfterMs. */
  dropAfterMs?: number;
  /** Down this long: `reconnecting` becomes `polling` (it keeps trying). Default 30 s. */
  pollingAfterMs?: number;
  /** How often health is checked. Default 1 s. */
  checkEveryMs?: number;
}

interface AccountEntry {
  accountId: string;
  symbols: string[];
  stream: AccountStream | null;
  opening: Promise<void> | null;
}

const marketOf = (symbol: string): StreamMarket | null => {
  const kind = parseSymbol(symbol).kind;
  return kind === 'spot' ? 'spot' : kind === 'linear' ? 'future' : null;
};

export class StreamSync {
  #o: StreamSyncOptions;
  #accounts = new Map<string, AccountEntry>();
  #lastFillAt = new Map<string, number>();
  #lastHealth = new Map<string, string>();
  #timer: TimerHandle | null = null;
  #isStopped = true;

  constructor(options: StreamSyncOptions) {
    this.#o = options;
  }

  /** Opens a stream per account of the streamed instances; resolves when each has been asked to connect. */
  async start(): Promise<void> {
    this.#isStopped = false;
    await this.#reconcile();
    this.#check();
  }

  /** An instance joined or left (a workspace change): streams open, close or widen to match. */
  async refresh(): Promise<void> {
    if (!this.#isStopped) await this.#reconcile();
  }

  async stop(): Promise<void> {
    this.#isStopped = true;
    this.#timer?.cancel();
    this.#timer = null;
    const entries = [...this.#accounts.values()];
    this.#accounts.clear();
    await Promise.allSettled(entries.map(async (e) => (await e.opening, await e.stream?.stop())));
  }

  /** True when every market the instance trades streams live: its REST sync may run on the slow timer. */
  isStreaming(instanceId: string): boolean {
    return this.health(instanceId).state === 'connected';
  }

  /**
   * False for a streamed instance with perpetuals whose stream does not report funding
   * (`AccountStream.reportsFunding === false`): its funding payments arrive only by REST, so its REST
   * reads must keep running around each funding time even while the stream is connected. True
   * otherwise: Binance's ACCOUNT_UPDATE and Bybit's Funding execution say a payment was made; spot has none.
   */
  isFundingStreamed(instanceId: string): boolean {
    const instance = this.#o.instances().find((i) => i.id === instanceId);
    if (instance === undefined || !instance.config.symbols.some((s) => marketOf(s) === 'future')) return true;
    const stream = this.#accounts.get(instance.config.account)?.stream ?? null;
    return stream === null || stream.reportsFunding !== false;
  }

  health(instanceId: string): StreamHealth {
    const instance = this.#o.instances().find((i) => i.id === instanceId);
    const lastFill = this.#lastFillAt.get(instanceId);
    const base = { reconnects: 0, lastError: null, lastFillAt: lastFill === undefined ? null : new Date(lastFill).toISOString() };
    const stream =
      instance === undefined || !this.#isStreamed(instance) ? null : (this.#accounts.get(instance.config.account)?.stream ?? null);
    if (instance === undefined || stream === null) return { ...base, state: 'polling', stalledSeconds: null, since: null };
    const now = this.#o.clock.now();
    const links = this.#marketsOf(instance.config.symbols)
      .filter((m) => stream.markets.includes(m))
      .map((m) => stream.link(m));
    if (links.length === 0) return { ...base, state: 'polling', stalledSeconds: null, since: null };
    const reconnects = links.reduce((n, l) => n + l.reconnects, 0);
    const lastError = links.find((l) => l.lastError !== null)?.lastError ?? null;
    const worst = links.map((l) => this.#stateOf(l, now)).sort((a, b) => RANK[b.state] - RANK[a.state])[0];
    if (worst === undefined) return { ...base, state: 'polling', stalledSeconds: null, since: null };
    return {
      ...base,
      reconnects,
      lastError,
      state: worst.state,
      stalledSeconds: worst.stalledSeconds,
      since: new Date(worst.since).toISOString(),
    };
  }

  #stateOf(link: StreamLinkState, now: number): { state: StreamState; stalledSeconds: number | null; since: number } {
    if (!link.isConnected) {
      const isLong = now - link.since >= (this.#o.pollingAfterMs ?? 30_000);
      return { state: isLong ? 'polling' : 'reconnecting', stalledSeconds: null, since: link.since };
    }
    const silent = now - (link.lastAliveAt ?? link.since);
    if (silent >= this.#stallAfter()) return { state: 'stalled', stalledSeconds: Math.floor(silent / 1000), since: now - silent };
    return { state: 'connected', stalledSeconds: null, since: link.since };
  }

  #stallAfter(): number {
    return this.#o.stallAfterMs ?? 15_000;
  }

  #isStreamed(instance: StrategyInstance): boolean {
    // A paper instance's fills live in its own paper book; the account's stream is not its.
    return instance.config.mode !== 'paper' && instance.session !== null;
  }

  #marketsOf(symbols: readonly string[]): StreamMarket[] {
    return [...new Set(symbols.map(marketOf).filter((m): m is StreamMarket => m !== null))];
  }

  async #reconcile(): Promise<void> {
    const wanted = new Map<string, Set<string>>();
    for (const i of this.#o.instances()) {
      if (!this.#isStreamed(i)) continue;
      const set = wanted.get(i.config.account) ?? new Set<string>();
      for (const s of i.config.symbols) set.add(s);
      wanted.set(i.config.account, set);
    }
    const work: Promise<void>[] = [];
    for (const [accountId, entry] of this.#accounts) {
      const symbols = wanted.get(accountId);
      const isSame = symbols !== undefined && [...symbols].sort().join() === entry.symbols.join();
      if (isSame) continue;
      this.#accounts.delete(accountId);
      work.push((async () => (await entry.opening, await entry.stream?.stop()))());
    }
    for (const [accountId, symbols] of wanted) {
      if (this.#accounts.has(accountId)) continue;
      const entry: AccountEntry = { accountId, symbols: [...symbols].sort(), stream: null, opening: null };
      this.#accounts.set(accountId, entry);
      entry.opening = this.#open(entry);
      work.push(entry.opening);
    }
    await Promise.allSettled(work);
  }

  async #open(entry: AccountEntry): Promise<void> {
    try {
      const stream = await this.#o.openStream(entry.accountId, entry.symbols);
      if (stream === null) return;
      if (this.#isStopped || this.#accounts.get(entry.accountId) !== entry) {
        await stream.stop();
        return;
      }
      entry.stream = stream;
      stream.start(this.#sink(entry));
    } catch (error) {
      // No stream: the account's instances poll, exactly as before streams existed.
      this.#o.log?.warn('stream: could not open', {
        account: entry.accountId,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }

  #sink(entry: AccountEntry): StreamSink {
    const idsOn = (market: StreamMarket | null, predicate: (symbol: string) => boolean = () => true): string[] =>
      this.#members(entry.accountId)
        .filter((i) => i.config.symbols.some((s) => (market === null || marketOf(s) === market) && predicate(s)))
        .map((i) => i.id);
    return {
      connected: (market) => {
        this.#o.log?.info('stream: connected', { account: entry.accountId, market });
        // Whatever happened while the stream was away is only in REST: read the gap now.
        const ids = idsOn(market);
        if (ids.length > 0) this.#o.requestRestSync(ids);
        this.#notifyHealth();
      },
      disconnected: (market, reason) => {
        this.#o.log?.warn('stream: dropped', { account: entry.accountId, market, reason });
        this.#notifyHealth();
      },
      failed: (market, reason) => {
        // Never came up (a refused key or subscription): its instances poll; say why once, not on every retry.
        this.#o.log?.warn('stream: could not connect', { account: entry.accountId, market, reason });
        this.#notifyHealth();
      },
      fills: (_market, fills) => this.#store(entry, fills),
      funding: (market) => {
        const ids = idsOn(market, (s) => marketOf(s) === 'future');
        if (ids.length > 0) this.#o.requestRestSync(ids);
      },
      needsRest: (market) => {
        const ids = idsOn(market);
        if (ids.length > 0) this.#o.requestRestSync(ids);
      },
    };
  }

  #members(accountId: string): StrategyInstance[] {
    return this.#o.instances().filter((i) => i.config.account === accountId && this.#isStreamed(i));
  }

  /** Writes the stream's fills through the REST path's insert, attributed by the REST path's rule. */
  #store(entry: AccountEntry, fills: readonly Fill[]): void {
    const members = this.#members(entry.accountId);
    const session = members[0]?.session;
    if (!session) return;
    const rows: { fill: Fill; instanceId: string | null }[] = [];
    for (const fill of fills) {
      const owners = members.filter((i) => i.config.symbols.includes(fill.symbol));
      // A symbol no instance trades is not the app's to store (REST never reads it either).
      if (owners.length === 0) continue;
      const owner = fillOwner(owners.length, owners[0]?.id ?? '', fill, (symbol, orderId) =>
        this.#o.ledger.orderOwner(session.exchangeId, session.accountId, symbol, orderId),
      );
      rows.push({ fill, instanceId: owner });
    }
    if (rows.length === 0) return;
    const now = this.#o.clock.now();
    let inserted;
    try {
      inserted = this.#o.ledger.appendFills({ exchange: session.exchangeId, account: session.accountId, fills: rows, cursor: null }, now);
    } catch (error) {
      // The fill stays on the exchange: REST stores it on the next read.
      this.#o.log?.warn('stream: could not store fills', {
        account: entry.accountId,
        error: error instanceof Error ? error.message : String(error),
      });
      this.#o.requestRestSync(members.map((i) => i.id));
      return;
    }
    const ids = [...new Set(inserted.map((f) => f.instanceId).filter((id): id is string => id !== null))];
    for (const id of ids) this.#lastFillAt.set(id, now);
    if (ids.length > 0) this.#o.onFills(ids);
  }

  /** Health on a timer: a silent stream shows as stalled, and is dropped once stalled for long. */
  #check(): void {
    if (this.#isStopped) return;
    const now = this.#o.clock.now();
    for (const entry of this.#accounts.values()) {
      const stream = entry.stream;
      if (stream === null) continue;
      for (const market of stream.markets) {
        const link = stream.link(market);
        if (link.isConnected && now - (link.lastAliveAt ?? link.since) >= (this.#o.dropAfterMs ?? 2 * this.#stallAfter())) {
          stream.reconnect(market, `no sign of life for ${Math.round((now - (link.lastAliveAt ?? link.since)) / 1000)} s`);
        }
      }
    }
    this.#notifyHealth();
    this.#timer = this.#o.clock.after(this.#o.checkEveryMs ?? 1000, () => this.#check());
  }

  #notifyHealth(): void {
    const changed: string[] = [];
    for (const i of this.#o.instances()) {
      const h = this.health(i.id);
      const key = `${h.state}|${h.stalledSeconds ?? ''}`;
      if (this.#lastHealth.get(i.id) !== key) {
        this.#lastHealth.set(i.id, key);
        changed.push(i.id);
      }
    }
    if (changed.length > 0) this.#o.onHealth?.(changed);
  }
}

const RANK: Record<StreamState, number> = { connected: 0, stalled: 1, reconnecting: 2, polling: 3 };
