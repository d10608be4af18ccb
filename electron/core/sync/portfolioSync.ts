/**
 * PortfolioSync (DESIGN.md, "Sync"): on a timer, for every instance concurrently and independently,
 * fetch what is new since its cursors, append it to the ledger, fold metrics. One instance failing
 * (timeout, 429, auth, bad payload) never stops or delays the others.
 */
import type { CatchUp, ErrorKind, Health, Metrics, MetricsSource, SyncError } from '../../../shared/model.ts';
import type { Clock, TimerHandle } from '../clock.ts';
import type { StrategyInstance } from '../engine/botEngine.ts';
import { ExchangeError, type ExchangeSession, type Fill, type FundingEvent } from '../exchange/types.ts';
import type { Ledger } from '../ledger/ledger.ts';
import type { Logger } from '../log.ts';
import { emptyFold, foldFill, isLateFill, splitSymbol, toMetrics, type FoldState } from '../metrics/pnl.ts';
import { emptyRisk, foldRiskPoint, riskFigures, type RiskState } from '../metrics/risk.ts';

/** ccxt writes perpetuals as BASE/QUOTE:SETTLE. */
export function isPerpetual(symbol: string): boolean {
  return symbol.includes(':');
}

export const FILLS_ENDPOINT = 'myTrades';
export const FUNDING_ENDPOINT = 'funding';
/** Re-read this much before the cursor: exchanges index fills late, and several fills share a millisecond. */
export const OVERLAP_MS = 5_000;
export const PAGE_LIMIT = 1000;
/** Pages per symbol per sync; a long catch-up continues on the next sync instead of blocking this one. */
export const MAX_PAGES = 30;

interface InstanceSyncState {
  fold: FoldState;
  lastRowid: number;
  marks: Map<string, number>;
  metrics: Metrics;
  source: MetricsSource;
  lastGoodSyncAt: number | null;
  lastError: SyncError | null;
  retriedFaults: number;
  lastFault: SyncError | null;
  /** Sync attempts that failed, since start (the fault suite compares these with what was injected). */
  failedSyncs: number;
  /** Per endpoint|symbol that is still behind: how far it has read (ms). Empty once caught up. */
  behind: Map<string, number>;
  isLastAttemptFailed: boolean;
  failures: number;
  notBefore: number;
  inFlight: Promise<void> | null;
  /** The deadline-bounded sync callers join instead of starting another. */
  shared: Promise<boolean> | null;
  /** Set when fills were re-attributed to the instance out of order: recompute from the ledger. */
  needsRecompute: boolean;
  needsFundingRefresh: boolean;
  risk: RiskState;
  lastSampleAt: number;
}

export interface SyncOptions {
  clock: Clock;
  ledger: Ledger;
  log: Logger;
  intervalMs: number;
  /** Longest one instance's sync may take before it counts as a timeout. */
  instanceTimeoutMs?: number;
  instances: () => StrategyInstance[];
  /** Capital budget of an instance, in quote: equity = capital + totalPnl. */
  capital?: (id: string) => number;
  /** How often an equity sample is stored per instance, ms (default 60 s). */
  sampleMs?: number;
  /** Called after every sync round with the ids whose figures or health changed. */
  onSynced?: (changed: string[]) => void;
}

export class PortfolioSync {
  #o: SyncOptions;
  #states = new Map<string, InstanceSyncState>();
  #timers = new Map<string, TimerHandle>();
  /** Third-asset prices by (exchange, pair, minute): many fills of one minute need one candle. */
  #prices = new Map<string, number | null>();
  #isStopped = true;
  #rounds = 0;

  constructor(options: SyncOptions) {
    this.#o = options;
  }

  get intervalMs(): number {
    return this.#o.intervalMs;
  }

  get rounds(): number {
    return this.#rounds;
  }

  /** Starts one timer per instance: a slow or failing instance never holds back another's schedule. */
  start(): void {
    this.#isStopped = false;
    for (const instance of this.#o.instances()) this.#schedule(instance, 0);
  }

  /** Starts syncing an instance that joined while running (a workspace change). */
  add(instance: StrategyInstance): void {
    this.#schedule(instance, 0);
  }

  /** Stops syncing an instance that left the workspace; its rows stay in the ledger. */
  remove(id: string): void {
    this.#timers.get(id)?.cancel();
    this.#timers.delete(id);
    this.#states.delete(id);
  }

  async stop(): Promise<void> {
    this.#isStopped = true;
    for (const timer of this.#timers.values()) timer.cancel();
    this.#timers.clear();
    await Promise.allSettled([...this.#states.values()].map((s) => s.inFlight));
  }

  /**
   * Syncs every instance now, concurrently; an instance whose sync is already running is waited for
   * instead of being synced twice. Resolves when every instance has an answer (or timed out).
   */
  async syncNow(ids?: readonly string[]): Promise<void> {
    const instances = this.#o.instances().filter((i) => ids === undefined || ids.includes(i.id));
    const results = await Promise.all(instances.map((instance) => this.#syncShared(instance)));
    this.#rounds++;
    this.#o.onSynced?.(instances.filter((_, i) => results[i] === true).map((i) => i.id));
  }

  #schedule(instance: StrategyInstance, ms: number): void {
    // An instance that left the workspace (or was replaced by a restart) is not rescheduled.
    if (this.#isStopped || !this.#o.instances().includes(instance)) return;
    this.#timers.set(
      instance.id,
      this.#o.clock.after(ms, () => {
        void this.#syncShared(instance).then((changed) => {
          if (changed) this.#o.onSynced?.([instance.id]);
          this.#schedule(instance, this.#o.intervalMs);
        });
      }),
    );
  }

  #syncShared(instance: StrategyInstance): Promise<boolean> {
    const s = this.state(instance.id);
    return s.shared ?? (s.shared = this.#syncWithDeadline(instance).finally(() => (s.shared = null)));
  }

  state(id: string): InstanceSyncState {
    let s = this.#states.get(id);
    if (!s) {
      s = {
        fold: emptyFold('USDT'),
        lastRowid: 0,
        marks: new Map(),
        metrics: toMetrics(emptyFold('USDT'), new Map(), false),
        source: 'exchange',
        lastGoodSyncAt: null,
        lastError: null,
        retriedFaults: 0,
        lastFault: null,
        failedSyncs: 0,
        behind: new Map(),
        isLastAttemptFailed: false,
        failures: 0,
        notBefore: 0,
        inFlight: null,
        shared: null,
        needsRecompute: true,
        needsFundingRefresh: false,
        risk: emptyRisk(),
        lastSampleAt: 0,
      };
      this.#states.set(id, s);
    }
    return s;
  }

  /** Folds what the ledger already holds, so a restarted app shows its figures before the first sync answers. */
  restore(instance: StrategyInstance): void {
    const s = this.state(instance.id);
    this.#recompute(instance, s);
    for (const sample of this.#o.ledger.equitySamples(instance.id)) {
      foldRiskPoint(s.risk, { ts: sample.ts, totalPnl: sample.totalPnl, capital: sample.capital });
      s.lastSampleAt = sample.ts;
    }
    s.metrics = toMetrics(s.fold, s.marks, false, riskFigures(s.risk, null));
    s.source = 'snapshot';
  }

  metrics(id: string): Metrics {
    return this.state(id).metrics;
  }

  /** The fold behind the metrics (read-only use: strategy figures). */
  fold(id: string): Readonly<FoldState> {
    return this.state(id).fold;
  }

  health(instance: StrategyInstance): Health {
    const s = this.state(instance.id);
    const now = this.#o.clock.now();
    const isStale = s.lastGoodSyncAt === null || now - s.lastGoodSyncAt > 3 * this.#o.intervalMs;
    const lastError =
      instance.sessionError !== null && s.lastError === null
        ? { at: new Date(now).toISOString(), kind: 'auth' as const, message: instance.sessionError }
        : s.lastError;
    return {
      state: instance.session === null || s.isLastAttemptFailed ? 'error' : isStale ? 'stale' : 'ok',
      lastGoodSyncAt: s.lastGoodSyncAt === null ? null : new Date(s.lastGoodSyncAt).toISOString(),
      lastError,
      failures: s.failures,
      retriedFaults: s.retriedFaults,
      lastFault: s.lastFault,
      catchUp: this.#catchUp(instance, s, now),
      source: s.source,
    };
  }

  /** Returns true when the instance's health or figures may have changed. */
  async #syncWithDeadline(instance: StrategyInstance): Promise<boolean> {
    const s = this.state(instance.id);
    const { clock } = this.#o;
    if (instance.session === null) return false;
    if (s.inFlight) {
      // The previous sync of this instance still hangs: do not pile another on top of it.
      this.#fail(s, 'timeout', 'previous sync still running');
      return true;
    }
    if (clock.now() < s.notBefore) return false;
    const timeoutMs = this.#o.instanceTimeoutMs ?? Math.max(10_000, this.#o.intervalMs * 2);
    let timer: TimerHandle | null = null;
    const work = this.#syncOne(instance, s);
    s.inFlight = work.then(
      () => undefined,
      () => undefined,
    );
    void s.inFlight.then(() => (s.inFlight = null));
    const deadline = new Promise<'timeout'>((resolve) => {
      timer = clock.after(timeoutMs, () => resolve('timeout'));
    });
    try {
      const outcome = await Promise.race([work, deadline]);
      if (outcome === 'timeout') {
        this.#fail(s, 'timeout', `sync took longer than ${timeoutMs} ms`);
        void work.catch(() => undefined);
      }
    } catch (error) {
      const kind: ErrorKind = error instanceof ExchangeError ? error.kind : 'internal';
      this.#fail(s, kind, (error as Error).message, error instanceof ExchangeError ? error.retryAfterMs : null);
      this.#o.log.warn('sync failed', { instance: instance.id, kind, error: (error as Error).message });
    } finally {
      (timer as TimerHandle | null)?.cancel();
      const absorbed = instance.session.takeFaults?.();
      if (absorbed && absorbed.count > 0) {
        s.retriedFaults += absorbed.count;
        if (absorbed.last)
          s.lastFault = { at: new Date(absorbed.last.at).toISOString(), kind: absorbed.last.kind, message: absorbed.last.message };
      }
    }
    return true;
  }

  #fail(s: InstanceSyncState, kind: ErrorKind, message: string, retryAfterMs: number | null = null): void {
    const now = this.#o.clock.now();
    s.isLastAttemptFailed = true;
    s.failures++;
    s.failedSyncs++;
    s.lastError = { at: new Date(now).toISOString(), kind, message };
    s.source = 'snapshot';
    s.metrics = { ...s.metrics, isEstimated: s.metrics.isEstimated };
    const interval = this.#o.intervalMs;
    // Auth and rate-limit failures back off so a broken key or a banned IP is not hammered.
    if (kind === 'auth' || kind === 'rate_limit') {
      const backoff = Math.min(interval * 2 ** Math.min(s.failures - 1, 8), 300_000);
      s.notBefore = now + Math.max(backoff, retryAfterMs ?? 0) - interval / 2;
    }
  }

  async #syncOne(instance: StrategyInstance, s: InstanceSyncState): Promise<void> {
    const session = instance.session;
    if (!session) return;
    const { ledger } = this.#o;
    await session.loadMarkets();
    const limit = session.pageLimit ?? PAGE_LIMIT;
    for (const symbol of instance.config.symbols) {
      const shared = this.#sharesSymbol(instance, symbol);
      await this.#pull(
        instance,
        FILLS_ENDPOINT,
        symbol,
        async (since, until) => this.#priceFees(session, await session.fetchFills(symbol, since, limit, until)),
        (rows, cursor, now) => {
          ledger.appendFills(
            {
              exchange: session.exchangeId,
              account: session.accountId,
              fills: rows.map((fill) => ({ fill, instanceId: this.#owner(instance, fill, shared) })),
              cursor,
            },
            now,
          );
          // Fold in the same turn as the write: a fill the ledger holds is always in the position the strategy reads.
          this.#foldNew(instance, s);
        },
      );
      if (isPerpetual(symbol)) {
        await this.#pull(
          instance,
          FUNDING_ENDPOINT,
          symbol,
          (since, until) => session.fetchFunding(symbol, since, limit, until),
          (rows, cursor, now) => {
            const events = shared
              ? rows.flatMap((event) => this.#splitFunding(instance, event))
              : rows.map((event) => ({ event, instanceId: instance.id }));
            const inserted = ledger.appendFunding({ exchange: session.exchangeId, account: session.accountId, events, cursor }, now);
            if (inserted > 0) {
              s.needsFundingRefresh = true;
              // A split payment belongs partly to the other sharers too: they refresh their funding.
              if (shared) for (const e of events) if (e.instanceId !== instance.id) this.state(e.instanceId).needsFundingRefresh = true;
            }
          },
        );
      }
    }
    this.#foldNew(instance, s);
    await this.#mark(instance, s);
    const now = this.#o.clock.now();
    this.#publishMetrics(instance, s, now);
    s.source = 'exchange';
    s.lastGoodSyncAt = now;
    s.isLastAttemptFailed = false;
    s.failures = 0;
    s.notBefore = 0;
  }

  /**
   * Reads one endpoint of one symbol from its cursor: inclusive `since` with overlap, in pages and in
   * the exchange's window, each page written together with its cursor so the cursor never passes what is on disk.
   */
  async #pull<T extends { timestamp: number }>(
    instance: StrategyInstance,
    endpoint: string,
    symbol: string,
    fetch: (since: number, until: number | null) => Promise<T[]>,
    write: (rows: T[], cursor: { instanceId: string; endpoint: string; symbol: string; since: number }, now: number) => void,
  ): Promise<void> {
    const session = instance.session;
    if (!session) return;
    const { ledger, clock } = this.#o;
    const state = this.state(instance.id);
    const startTime = Date.parse(instance.config.startTime);
    const window = session.fillWindowMs(symbol);
    let cursor = ledger.cursor(instance.id, endpoint, symbol);
    let since = Math.max(startTime, (cursor ?? startTime) - OVERLAP_MS);
    for (let page = 0; page < MAX_PAGES; page++) {
      const now = clock.now();
      const until = window !== null && now - since > window ? since + window - 1 : null;
      const rows = await fetch(since, until);
      const owned = rows.filter((r) => r.timestamp >= startTime && (until === null || r.timestamp <= until));
      const maxTs = owned.reduce((m, r) => Math.max(m, r.timestamp), cursor ?? startTime);
      const isFull = rows.length >= (session.pageLimit ?? PAGE_LIMIT);
      const next = isFull ? maxTs : until !== null ? Math.max(until, maxTs) : maxTs;
      // Nothing new and the cursor where it was: no transaction (each one is an fsync).
      if (owned.length > 0 || next !== cursor) write(owned, { instanceId: instance.id, endpoint, symbol, since: next }, now);
      cursor = next;
      // Still reading history (a full page, or a window that ends before now): show how far it got.
      if (isFull || until !== null) state.behind.set(`${endpoint}|${symbol}`, next);
      else state.behind.delete(`${endpoint}|${symbol}`);
      if (isFull) {
        if (maxTs <= since) break; // A page of one millisecond: continue next sync rather than loop.
        since = maxTs;
      } else if (until !== null) {
        since = until + 1;
      } else {
        break;
      }
    }
  }

  /**
   * Values fees charged in a third asset (e.g. BNB) at that asset's price at the fill's time, before the
   * fill is stored. A price that cannot be had leaves the fee unpriced (shown as such), never guessed.
   */
  async #priceFees(session: ExchangeSession, fills: Fill[]): Promise<Fill[]> {
    if (!session.fetchPriceAt) return fills;
    for (const fill of fills) {
      const { base, quote } = splitSymbol(fill.symbol);
      for (const line of fill.fees) {
        if (line.currency === base || line.currency === quote || line.quoteValue !== undefined || line.amount === 0) continue;
        const key = `${session.exchangeId}|${line.currency}/${quote}@${Math.floor(fill.timestamp / 60_000)}`;
        let price = this.#prices.get(key);
        if (price === undefined) {
          // A failed lookup fails this sync (retried next interval, nothing written); only "no such market" leaves it unpriced.
          price = await session.fetchPriceAt(line.currency, quote, fill.timestamp);
          if (this.#prices.size > 10_000) this.#prices.clear();
          this.#prices.set(key, price);
        }
        if (price !== null) line.quoteValue = line.amount * price;
      }
    }
    return fills;
  }

  /** Marks open positions: perpetuals at the exchange's mark price (and its own unrealized kept to cross-check), spot at mid. */
  async #mark(instance: StrategyInstance, s: InstanceSyncState): Promise<void> {
    const session = instance.session;
    if (!session) return;
    const open = [...s.fold.positions].filter(([, pos]) => pos.qty !== 0).map(([symbol]) => symbol);
    const perps = open.filter(isPerpetual);
    if (perps.length > 0) {
      for (const report of await session.fetchPositions(perps)) {
        if (report.markPrice > 0) s.marks.set(report.symbol, report.markPrice);
        this.#o.ledger.addPositionSnapshot(instance.id, report);
      }
    }
    for (const symbol of open) {
      if (isPerpetual(symbol) && s.marks.has(symbol)) continue;
      const q = await session.fetchQuote(symbol);
      s.marks.set(symbol, (q.bid + q.ask) / 2);
    }
  }

  #publishMetrics(instance: StrategyInstance, s: InstanceSyncState, now: number): void {
    const base = toMetrics(s.fold, s.marks, false);
    const capital = this.#o.capital?.(instance.id) ?? 0;
    const point = { ts: now, totalPnl: base.totalPnl, capital };
    if (now - s.lastSampleAt >= (this.#o.sampleMs ?? 60_000)) {
      this.#o.ledger.addEquitySample({
        instanceId: instance.id,
        ts: now,
        totalPnl: base.totalPnl,
        capital,
        realized: base.realizedPnl,
        unrealized: base.unrealizedPnl,
        funding: base.funding,
        fees: base.fees,
      });
      foldRiskPoint(s.risk, point);
      s.lastSampleAt = now;
    }
    s.metrics = toMetrics(s.fold, s.marks, false, riskFigures(s.risk, point));
  }

  /** Folds the ledger rows new to this instance; a late fill restarts the fold from the ledger. */
  #foldNew(instance: StrategyInstance, s: InstanceSyncState): void {
    if (s.needsRecompute) {
      this.#recompute(instance, s);
      return;
    }
    if (s.needsFundingRefresh) {
      // Funding is a sum: order does not matter, so re-reading the total is exact and cheap.
      s.fold.funding = this.#o.ledger.fundingTotal(instance.id);
      s.needsFundingRefresh = false;
    }
    const rows = this.#o.ledger.fillsAfter(instance.id, s.lastRowid);
    if (rows.length === 0) return;
    if (rows.some((r) => isLateFill(s.fold, r))) {
      this.#recompute(instance, s);
      return;
    }
    for (const r of rows) foldFill(s.fold, r);
    s.lastRowid = rows.reduce((m, r) => Math.max(m, r.rowid), s.lastRowid);
  }

  #recompute(instance: StrategyInstance, s: InstanceSyncState): void {
    const quote = splitSymbol(instance.config.symbols[0] ?? '').quote || 'USDT';
    const fold = emptyFold(quote);
    this.#o.ledger.eachFill(instance.id, (r) => foldFill(fold, r));
    fold.funding = this.#o.ledger.fundingTotal(instance.id);
    s.fold = fold;
    s.needsFundingRefresh = false;
    s.lastRowid = this.#o.ledger.maxRowid();
    s.needsRecompute = false;
  }

  #catchUp(instance: StrategyInstance, s: InstanceSyncState, now: number): CatchUp | null {
    if (s.behind.size === 0) return null;
    const start = Date.parse(instance.config.startTime);
    const readTo = Math.min(...s.behind.values());
    return {
      readTo: new Date(readTo).toISOString(),
      progress: now > start ? Math.max(0, Math.min(1, (readTo - start) / (now - start))) : 1,
    };
  }

  /** A strategy step failed (the next step retries it): it shows in health like a retried request. */
  recordStepFault(id: string, kind: ErrorKind, message: string): void {
    const s = this.state(id);
    s.retriedFaults++;
    s.lastFault = { at: new Date(this.#o.clock.now()).toISOString(), kind, message };
  }

  markForRecompute(id: string): void {
    this.state(id).needsRecompute = true;
  }

  /**
   * Funding on a perpetual that several instances trade on one account is paid on the account's net
   * position: each instance's share is its own position at that moment over the net (+ and − alike).
   */
  #splitFunding(instance: StrategyInstance, event: FundingEvent): { event: FundingEvent; instanceId: string; group: string }[] {
    const session = instance.session;
    if (!session) return [];
    const book = session.exchangeId;
    const sharers = this.#o
      .instances()
      .filter(
        (i) => i.config.account === instance.config.account && i.session?.exchangeId === book && i.config.symbols.includes(event.symbol),
      );
    const positions = sharers.map((i) => ({ id: i.id, qty: this.#o.ledger.positionAt(i.id, event.symbol, event.timestamp) }));
    const net = positions.reduce((sum, p) => sum + p.qty, 0);
    // No attributable position (fills not synced yet, or a human's): keep it whole on the first sharer rather than lose it.
    const first = [...sharers.map((i) => i.id)].sort()[0] ?? instance.id;
    if (Math.abs(net) < 1e-12) return [{ event: { ...event, id: `${event.id}#${first}` }, instanceId: first, group: event.id }];
    return positions
      .filter((p) => p.qty !== 0)
      .map((p) => ({
        event: { ...event, id: `${event.id}#${p.id}`, amount: (event.amount * p.qty) / net },
        instanceId: p.id,
        group: event.id,
      }));
  }

  #sharesSymbol(instance: StrategyInstance, symbol: string): boolean {
    // A paper instance's fills live in its own paper book, never mixed with the account's real ones.
    const book = instance.session?.exchangeId;
    return this.#o
      .instances()
      .some(
        (other) =>
          other !== instance &&
          other.config.account === instance.config.account &&
          other.session?.exchangeId === book &&
          other.config.symbols.includes(symbol),
      );
  }

  /** Who owns a fill: the instance of its symbol, or, where instances share account and symbol, the one that placed its order. */
  #owner(instance: StrategyInstance, fill: Fill, isShared: boolean): string | null {
    if (!isShared) return instance.id;
    const session = instance.session;
    if (!session || fill.orderId === null) return null;
    return this.#o.ledger.orderOwner(session.exchangeId, session.accountId, fill.symbol, fill.orderId);
  }
}
