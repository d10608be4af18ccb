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
import { InstanceFold, type FoldSource } from '../metrics/instanceFold.ts';
import { cloneFold, foldFill, splitSymbol, toMetrics, type FoldState } from '../metrics/pnl.ts';
import { emptyRisk, foldRiskPoint, riskFigures, type RiskState } from '../metrics/risk.ts';
import { isPerpetual, pnlCurrency } from '../../../shared/symbols.ts';

export const FILLS_ENDPOINT = 'myTrades';
export const FUNDING_ENDPOINT = 'funding';
/** Re-read this much before the cursor: exchanges index fills late, and several fills share a millisecond. */
export const OVERLAP_MS = 5_000;
export const PAGE_LIMIT = 1000;
/** Pages per symbol per sync; a long catch-up continues on the next sync instead of blocking this one. */
export const MAX_PAGES = 30;

interface InstanceSyncState {
  /** The fold per symbol with checkpoints; `book.state` is the instance's figures. */
  book: InstanceFold;
  lastRowid: number;
  /** The ledger's `fillsVersion` when this instance last folded what was new: unchanged, nothing to read. */
  foldedVersion: string | null;
  marks: Map<string, number>;
  metrics: Metrics;
  /** The figures of the last sync that reached the exchange (or restored from the ledger): the chain's last step. */
  lastGood: Metrics;
  source: MetricsSource;
  lastGoodSyncAt: number | null;
  lastError: SyncError | null;
  retriedFaults: number;
  lastFault: SyncError | null;
  /** Sync attempts that failed, since start (the fault suite compares these with what was injected). */
  failedSyncs: number;
  /** Per endpoint|symbol that is still behind: how far it has read (ms). Empty once caught up. */
  behind: Map<string, number>;
  /**
   * Per endpoint|symbol, the cursor this sync last read or wrote: never ahead of the stored one (only a
   * sync's read moves a cursor, and only forward), so a round starts without a ledger read.
   */
  cursors: Map<string, number>;
  /**
   * Per symbol, the ids of the fills inside the next read's overlap, stored when that read's page was
   * written (fills are never deleted): re-read, they need no ledger lookup, and a round with nothing
   * new touches SQLite only for the fold's version (each autocommit read is ~10–30 µs).
   */
  storedIds: Map<string, ReadonlySet<string>>;
  isLastAttemptFailed: boolean;
  failures: number;
  notBefore: number;
  inFlight: Promise<void> | null;
  /** The deadline-bounded sync callers join instead of starting another. */
  shared: Promise<boolean> | null;
  /**
   * The sync queued behind the running one for everyone who asked `syncNow` while it ran: that one may
   * have read the exchange before what they ask about happened (a reconnect's gap, a trade just made).
   */
  next: Promise<boolean> | null;
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
  /** Called after every sync round with the ids whose figures or health changed; never after `stop()` began. */
  onSynced?: (changed: string[]) => void;
  /**
   * Fills the engine knows from its own order answers that the ledger lacks yet (the order journal).
   * When the exchange cannot be read they are folded on top of the ledger's fold: `source: 'journal'`,
   * `isEstimated: true` (DESIGN.md, "Sources, in order"). Default: none.
   */
  pendingFills?: (id: string) => Fill[];
  /** Longest `stop()` waits for in-flight syncs, ms (default 5 000). */
  stopWaitMs?: number;
  /**
   * Whether an instance's periodic round reads the exchange now (default: always). The host skips the
   * rounds of an instance whose private stream is healthy and read recently (REST only fills its gaps,
   * DESIGN.md "Sync"); the timer keeps ticking, so the instance polls again the round its stream drops.
   * `syncNow` always reads.
   */
  isDue?: (id: string) => boolean;
}

export class PortfolioSync {
  #o: SyncOptions;
  #states = new Map<string, InstanceSyncState>();
  #timers = new Map<string, TimerHandle>();
  /** Syncs the host's budget held back, to run when it has room again (one per instance). */
  #heldBack = new Map<string, TimerHandle>();
  /** Third-asset prices by (exchange, pair, minute): many fills of one minute need one candle. */
  #prices = new Map<string, number | null>();
  #isStopped = true;
  /** stop() was called and start() has not been since: unlike #isStopped, false before the first start (syncNow works then). */
  #isClosed = false;
  /** How many times stop() was called: a syncNow still starting its instances stops starting them. */
  #stops = 0;
  #rounds = 0;

  constructor(options: SyncOptions) {
    this.#o = options;
  }

  get intervalMs(): number {
    return this.#o.intervalMs;
  }

  /** A workspace change set a new interval: each timer takes it from its next round. */
  set intervalMs(ms: number) {
    this.#o = { ...this.#o, intervalMs: ms };
  }

  get rounds(): number {
    return this.#rounds;
  }

  /** Starts one timer per instance: a slow or failing instance never holds back another's schedule. */
  start(): void {
    this.#isStopped = false;
    this.#isClosed = false;
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
    this.#heldBack.get(id)?.cancel();
    this.#heldBack.delete(id);
    this.#states.delete(id);
  }

  /**
   * Stops the timers and waits (bounded) for syncs in flight. From the moment it is called no
   * callback runs: a sync that lands after a quit began must not write a status nobody commanded.
   */
  async stop(): Promise<void> {
    this.#isStopped = true;
    this.#isClosed = true;
    this.#stops++;
    for (const timer of [...this.#timers.values(), ...this.#heldBack.values()]) timer.cancel();
    this.#timers.clear();
    this.#heldBack.clear();
    const running = [...this.#states.values()].flatMap((s) => [s.shared, s.inFlight]).filter((p) => p !== null);
    if (running.length > 0) {
      let timer: TimerHandle | null = null;
      const bound = new Promise<void>((resolve) => (timer = this.#o.clock.after(this.#o.stopWaitMs ?? 5_000, resolve)));
      await Promise.race([Promise.allSettled(running), bound]);
      (timer as TimerHandle | null)?.cancel();
    }
    this.#saveMarks();
  }

  /** The newest marks of every instance that reached the exchange, so the next start shows them (one transaction). */
  #saveMarks(): void {
    const { ledger, clock } = this.#o;
    try {
      const now = clock.now();
      ledger.transaction(() => {
        for (const [id, s] of this.#states) if (s.source === 'exchange' && s.marks.size > 0) ledger.saveMarks(id, s.marks, now);
      });
    } catch (error) {
      this.#o.log.warn('marks not saved on stop', { error: (error as Error).message });
    }
  }

  /**
   * Syncs every instance now, concurrently: each with a sync that starts after this call. An instance
   * whose sync is already running gets one more after it, shared by every caller meanwhile (so a burst of
   * asks costs at most two syncs, and none is answered by a read older than its ask). Resolves when
   * every instance has an answer (or timed out).
   */
  async syncNow(ids?: readonly string[]): Promise<void> {
    const instances = this.#o.instances().filter((i) => ids === undefined || ids.includes(i.id));
    // One instance per turn of the event loop, as their timers start them: its requests leave before the
    // next one is built, so building the others' overlaps the wait for the exchange. Started all in one
    // turn, each went only as far as its next await, and no request left until every instance had done
    // all the work before its first one (~15 ms for 100 on the bench, added to every round).
    // Asked after a stop (a stream's gap read, a vault unlock, while the app quits): nothing starts. A sync
    // then would read and write after stop() saved the marks, and the next start would show older ones.
    if (this.#isClosed) return;
    const stops = this.#stops;
    const started: Promise<boolean>[] = [];
    for (const instance of instances) {
      if (started.length > 0) await new Promise((resolve) => setImmediate(resolve));
      if (this.#stops !== stops) break; // stop() waits for the syncs it saw; none may start after it
      const sync = this.#syncFresh(instance, stops);
      sync.catch(() => undefined); // awaited below with the others; not unhandled while the rest start
      started.push(sync);
    }
    const results = await Promise.all(started);
    this.#rounds++;
    this.#notify(instances.filter((_, i) => results[i] === true).map((i) => i.id));
  }

  #schedule(instance: StrategyInstance, ms: number): void {
    // An instance that left the workspace (or was replaced by a restart) is not rescheduled.
    if (this.#isStopped || !this.#o.instances().includes(instance)) return;
    this.#timers.set(
      instance.id,
      this.#o.clock.after(ms, () => {
        // Rescheduled whatever happens: one exception after a sync (SQLITE_BUSY in the fold or in
        // onSynced) must not stop this instance's timer for good.
        void Promise.resolve()
          .then(() => (this.#o.isDue?.(instance.id) === false ? false : this.#syncShared(instance)))
          .then((changed) => {
            if (changed) this.#notify([instance.id]);
          })
          .catch((error: unknown) => this.#internalError(instance.id, 'sync', error))
          .finally(() => {
            try {
              this.#schedule(instance, this.#o.intervalMs);
            } catch (error) {
              this.#o.log.error('sync reschedule failed', { instance: instance.id, error: (error as Error).message });
            }
          });
      }),
    );
  }

  /** Tells the host what changed, unless a stop began; a throwing callback goes to the instances' health. */
  #notify(changed: string[]): void {
    if (this.#isStopped) return;
    try {
      this.#o.onSynced?.(changed);
    } catch (error) {
      for (const id of changed) this.#internalError(id, 'after sync', error);
    }
  }

  #internalError(id: string, where: string, error: unknown): void {
    const message = `${where}: ${error instanceof Error ? error.message : String(error)}`;
    this.#o.log.error('sync error', { instance: id, error: message });
    this.#fail(id, this.state(id), 'internal', message);
  }

  /**
   * A sync that starts after this call. With none running, a new one (shared with the timer's); with one
   * running, it is not joined (it may have read the exchange before the caller's news) but one sync is
   * queued behind it, shared by everyone who asks until it starts. Not started after a stop().
   */
  #syncFresh(instance: StrategyInstance, stops: number): Promise<boolean> {
    const s = this.state(instance.id);
    if (s.shared === null) return this.#syncShared(instance);
    const running = s.shared;
    return (s.next ??= running.then(
      () => this.#startQueued(instance, s, stops),
      () => this.#startQueued(instance, s, stops),
    ));
  }

  #startQueued(instance: StrategyInstance, s: InstanceSyncState, stops: number): Promise<boolean> {
    s.next = null;
    return this.#stops === stops ? this.#syncShared(instance) : Promise.resolve(false);
  }

  #syncShared(instance: StrategyInstance): Promise<boolean> {
    const s = this.state(instance.id);
    return s.shared ?? (s.shared = this.#syncWithDeadline(instance).finally(() => (s.shared = null)));
  }

  state(id: string): InstanceSyncState {
    let s = this.#states.get(id);
    if (!s) {
      const book = new InstanceFold('USDT');
      const metrics = toMetrics(book.state, new Map(), false);
      s = {
        book,
        lastRowid: 0,
        foldedVersion: null,
        marks: new Map(),
        metrics,
        lastGood: metrics,
        source: 'exchange',
        lastGoodSyncAt: null,
        lastError: null,
        retriedFaults: 0,
        lastFault: null,
        failedSyncs: 0,
        behind: new Map(),
        cursors: new Map(),
        storedIds: new Map(),
        isLastAttemptFailed: false,
        failures: 0,
        notBefore: 0,
        inFlight: null,
        shared: null,
        next: null,
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
    // The marks of the last good sync come back with the positions: unrealized survives a restart.
    for (const [symbol, price] of this.#o.ledger.lastMarks(instance.id)) if (!s.marks.has(symbol)) s.marks.set(symbol, price);
    s.metrics = toMetrics(s.book.state, s.marks, false, riskFigures(s.risk, null));
    s.lastGood = s.metrics;
    s.source = 'snapshot';
  }

  metrics(id: string): Metrics {
    return this.state(id).metrics;
  }

  /** The fold behind the metrics (read-only use: strategy figures). */
  fold(id: string): Readonly<FoldState> {
    return this.state(id).book.state;
  }

  health(instance: StrategyInstance): Omit<Health, 'stillOpen' | 'stream'> {
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
      this.#fail(instance.id, s, 'timeout', 'previous sync still running');
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
        this.#fail(instance.id, s, 'timeout', `sync took longer than ${timeoutMs} ms`);
        void work.catch(() => undefined);
      }
    } catch (error) {
      if (error instanceof ExchangeError && error.isHeldBack) {
        this.#holdBack(instance, s, error);
      } else {
        const kind: ErrorKind = error instanceof ExchangeError ? error.kind : 'internal';
        this.#fail(instance.id, s, kind, (error as Error).message, error instanceof ExchangeError ? error.retryAfterMs : null);
        this.#o.log.warn('sync failed', { instance: instance.id, kind, error: (error as Error).message });
      }
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

  /**
   * The host's weight budget had no room for a read of this sync before its deadline, so nothing was sent
   * (a start with 100 accounts behind one host asks more than a minute's weight): not a failure of the
   * exchange or the account, so the health does not turn to error. The wait shows as the last fault, and
   * the sync runs again when the budget has room — not at the next timer, minutes away for a streamed
   * instance. What the sync read before it was held back is stored already.
   */
  #holdBack(instance: StrategyInstance, s: InstanceSyncState, error: ExchangeError): void {
    const { clock, log } = this.#o;
    const waitMs = Math.max(1_000, error.retryAfterMs ?? this.#o.intervalMs);
    s.retriedFaults++;
    s.lastFault = {
      at: new Date(clock.now()).toISOString(),
      kind: 'rate_limit',
      message: `${error.message}; read again in ${Math.ceil(waitMs / 1000)} s`,
    };
    log.info('sync held back by the host budget', { instance: instance.id, waitMs });
    // Not started (syncNow only) or stopping: nothing runs by itself.
    if (this.#isStopped || this.#heldBack.has(instance.id)) return;
    this.#heldBack.set(
      instance.id,
      clock.after(waitMs, () => {
        this.#heldBack.delete(instance.id);
        if (this.#isStopped || !this.#o.instances().includes(instance)) return;
        void this.#syncShared(instance)
          .then((changed) => {
            if (changed) this.#notify([instance.id]);
          })
          .catch((e: unknown) => this.#internalError(instance.id, 'sync', e));
      }),
    );
  }

  #fail(id: string, s: InstanceSyncState, kind: ErrorKind, message: string, retryAfterMs: number | null = null): void {
    const now = this.#o.clock.now();
    s.isLastAttemptFailed = true;
    s.failures++;
    s.failedSyncs++;
    s.lastError = { at: new Date(now).toISOString(), kind, message };
    this.#fallBack(id, s);
    const interval = this.#o.intervalMs;
    // Auth and rate-limit failures back off so a broken key or a banned IP is not hammered.
    if (kind === 'auth' || kind === 'rate_limit') {
      const backoff = Math.min(interval * 2 ** Math.min(s.failures - 1, 8), 300_000);
      s.notBefore = now + Math.max(backoff, retryAfterMs ?? 0) - interval / 2;
    }
  }

  /**
   * The exchange could not be read (DESIGN.md, "Sources, in order"): the ledger's fold plus the fills
   * the engine knows from its own order answers, estimated; else the last good figures with their
   * positions and marks.
   */
  #fallBack(id: string, s: InstanceSyncState): void {
    let pending: Fill[] = [];
    try {
      pending = this.#o.pendingFills?.(id) ?? [];
    } catch (error) {
      this.#o.log.warn('pending fills unavailable', { instance: id, error: (error as Error).message });
    }
    if (pending.length === 0) {
      s.source = 'snapshot';
      s.metrics = s.lastGood;
      return;
    }
    const estimate = cloneFold(s.book.state);
    for (const fill of [...pending].sort((a, b) => a.timestamp - b.timestamp)) foldFill(estimate, fill);
    const { realizedPnl, fees, funding, unrealizedPnl, totalPnl, tradeCount, volume, positions, winRate, unpricedFees, quoteCurrency } =
      toMetrics(estimate, s.marks, true);
    s.metrics = {
      ...s.lastGood,
      quoteCurrency,
      realizedPnl,
      fees,
      funding,
      unrealizedPnl,
      totalPnl,
      tradeCount,
      volume,
      positions,
      winRate,
      unpricedFees,
      isEstimated: true,
    };
    s.source = 'journal';
  }

  async #syncOne(instance: StrategyInstance, s: InstanceSyncState): Promise<void> {
    const session = instance.session;
    if (!session) return;
    await session.loadMarkets();
    const limit = session.pageLimit ?? PAGE_LIMIT;
    // What is open now is marked while the fills are read (the two reads wait on the exchange side by
    // side); only a position the new fills opened costs a mark read after them.
    const openBefore = openSymbols(s);
    // Both settle before this sync ends (no read outlives it); a failed fills read is the error shown.
    const [fills, marks] = await Promise.allSettled([this.#pullAll(instance, s, session, limit), this.#mark(instance, s, openBefore)]);
    if (fills.status === 'rejected') throw fills.reason;
    if (marks.status === 'rejected') throw marks.reason;
    this.#foldNew(instance, s);
    await this.#mark(
      instance,
      s,
      openSymbols(s).filter((symbol) => !openBefore.includes(symbol)),
    );
    const now = this.#o.clock.now();
    this.#publishMetrics(instance, s, now);
    s.source = 'exchange';
    s.lastGoodSyncAt = now;
    s.isLastAttemptFailed = false;
    s.failures = 0;
    s.notBefore = 0;
  }

  /**
   * Reads every symbol's fills (and funding on perpetuals) from their cursors, writing as pages arrive.
   * Symbols are read side by side (separate cursors, separate fills); a perpetual's funding still waits
   * for its own fills, since each payment's share is the position at its time from the stored fills.
   */
  async #pullAll(instance: StrategyInstance, s: InstanceSyncState, session: ExchangeSession, limit: number): Promise<void> {
    const results = await Promise.allSettled(
      instance.config.symbols.map((symbol) => this.#pullSymbol(instance, s, session, limit, symbol)),
    );
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  async #pullSymbol(
    instance: StrategyInstance,
    s: InstanceSyncState,
    session: ExchangeSession,
    limit: number,
    symbol: string,
  ): Promise<void> {
    const { ledger } = this.#o;
    // Asked when something is written, not before the read: it scans every instance (100² checks a round
    // at 100 instances), and an instance that joined the symbol while the read was out counts.
    const isShared = (): boolean => this.#sharesSymbol(instance, symbol);
    await this.#pull(
      instance,
      FILLS_ENDPOINT,
      symbol,
      async (since, until) => this.#priceFees(session, await session.fetchFills(symbol, since, limit, until)),
      (rows, cursor, now, cursorMoves) => {
        const known = s.storedIds.get(symbol);
        const fresh = known === undefined ? rows : rows.filter((fill) => !known.has(fill.id));
        if (fresh.length > 0 || cursorMoves) {
          const shared = fresh.length > 0 && isShared();
          const inserted = ledger.appendFills(
            {
              exchange: session.exchangeId,
              account: session.accountId,
              fills: fresh.map((fill) => ({ fill, instanceId: this.#owner(instance, fill, shared) })),
              cursor,
            },
            now,
          );
          // Fold in the same turn as the write: a fill the ledger holds is always in the position the strategy
          // reads. A re-read of stored fills (the overlap, most rounds) wrote none: nothing to fold yet (the
          // end of the sync folds what other paths wrote), and two ledger reads fewer per instance per round.
          if (inserted.length > 0) this.#foldNew(instance, s);
        }
        // Every row of this page is stored now (inserted, or there already); those the next read re-reads are remembered.
        const overlapFrom = cursor.since - OVERLAP_MS;
        s.storedIds.set(symbol, new Set(rows.filter((fill) => fill.timestamp >= overlapFrom).map((fill) => fill.id)));
      },
    );
    if (isPerpetual(symbol)) {
      await this.#pull(
        instance,
        FUNDING_ENDPOINT,
        symbol,
        (since, until) => session.fetchFunding(symbol, since, limit, until),
        (rows, cursor, now) => {
          const shared = rows.length > 0 && isShared();
          const events = rows.flatMap((event) => this.#splitFunding(instance, event, shared));
          const { touched } = ledger.attributeFunding({ exchange: session.exchangeId, account: session.accountId, events, cursor }, now);
          // A payment that moved between instances changes every one it left or joined.
          for (const id of touched) {
            const other = this.#states.get(id);
            if (other) other.needsFundingRefresh = true;
          }
          s.needsFundingRefresh ||= touched.has(instance.id);
        },
      );
    }
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
    write: (
      rows: T[],
      cursor: { instanceId: string; endpoint: string; symbol: string; since: number },
      now: number,
      cursorMoves: boolean,
    ) => void,
  ): Promise<void> {
    const session = instance.session;
    if (!session) return;
    const { ledger, clock } = this.#o;
    const state = this.state(instance.id);
    const startTime = Date.parse(instance.config.startTime);
    const window = session.fillWindowMs(symbol);
    const key = `${endpoint}|${symbol}`;
    let cursor = state.cursors.get(key) ?? ledger.cursor(instance.id, endpoint, symbol);
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
      if (owned.length > 0 || next !== cursor)
        write(owned, { instanceId: instance.id, endpoint, symbol, since: next }, now, next !== cursor);
      cursor = next;
      state.cursors.set(key, next);
      // Still reading history (a full page, or a window that ends before now): show how far it got.
      if (isFull || until !== null) state.behind.set(key, next);
      else state.behind.delete(key);
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
  async #mark(instance: StrategyInstance, s: InstanceSyncState, open: readonly string[]): Promise<void> {
    const session = instance.session;
    if (!session || open.length === 0) return;
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
    const fold = s.book.state;
    const base = toMetrics(fold, s.marks, false);
    const capital = this.#o.capital?.(instance.id) ?? 0;
    const point = { ts: now, totalPnl: base.totalPnl, capital };
    if (now - s.lastSampleAt >= (this.#o.sampleMs ?? 60_000)) {
      const { ledger } = this.#o;
      // The marks go with the sample (one transaction, one fsync): the last good snapshot after a restart.
      ledger.transaction(() => {
        ledger.addEquitySample({
          instanceId: instance.id,
          ts: now,
          totalPnl: base.totalPnl,
          capital,
          realized: base.realizedPnl,
          unrealized: base.unrealizedPnl,
          funding: base.funding,
          fees: base.fees,
        });
        ledger.saveMarks(instance.id, s.marks, now);
      });
      foldRiskPoint(s.risk, point);
      s.lastSampleAt = now;
    }
    s.metrics = toMetrics(fold, s.marks, false, riskFigures(s.risk, point));
    s.lastGood = s.metrics;
  }

  /**
   * Fills another path (a private stream) stored for these instances: fold them now at the last marks
   * and tell the host, without waiting for the next REST sync.
   */
  foldStored(ids: readonly string[]): void {
    if (this.#isStopped) return;
    const changed: string[] = [];
    for (const id of ids) {
      const instance = this.#o.instances().find((i) => i.id === id);
      if (!instance) continue;
      const s = this.state(id);
      try {
        this.#foldNew(instance, s);
        this.#publishMetrics(instance, s, this.#o.clock.now());
        changed.push(id);
      } catch (error) {
        // The next REST sync folds from the ledger again (#foldNew marked it for a recompute).
        this.#o.log.warn('folding streamed fills failed', { instance: id, error: (error as Error).message });
      }
    }
    if (changed.length > 0) this.#o.onSynced?.(changed);
  }

  /** Folds the ledger rows new to this instance; a late fill refolds its symbol from the nearest checkpoint. */
  #foldNew(instance: StrategyInstance, s: InstanceSyncState): void {
    if (s.needsRecompute) {
      this.#recompute(instance, s);
      return;
    }
    if (s.needsFundingRefresh) {
      // Funding is a sum: order does not matter, so re-reading the total is exact and cheap.
      s.book.funding = this.#o.ledger.fundingTotal(instance.id);
      s.needsFundingRefresh = false;
    }
    try {
      this.#foldRows(instance, s);
    } catch (error) {
      // The fold may have stopped halfway (some rows folded, the rowid not moved): fold again from the ledger next time.
      s.needsRecompute = true;
      throw error;
    }
  }

  #foldRows(instance: StrategyInstance, s: InstanceSyncState): void {
    // No fill added anywhere since this instance last folded (most rounds): nothing to read.
    const version = this.#o.ledger.fillsVersion();
    if (version === s.foldedVersion) return;
    // Read in one synchronous turn: nothing is written between the two, so every row up to `top` is seen
    // (rows other instances wrote are skipped for good, not scanned again on every sync).
    const top = this.#o.ledger.maxRowid();
    const rows = this.#o.ledger.fillsAfter(instance.id, s.lastRowid);
    // A late fill refolds its own symbol from that symbol's nearest checkpoint; the others fold on.
    if (rows.length > 0) s.book.add(rows, this.#source(instance.id));
    s.lastRowid = rows.reduce((m, r) => Math.max(m, r.rowid), Math.max(s.lastRowid, top));
    s.foldedVersion = version;
  }

  #source(id: string): FoldSource {
    const { ledger } = this.#o;
    return {
      eachFill: (fn) => ledger.eachFoldFill(id, fn),
      eachFillOfSymbol: (symbol, fromTs, fn) => ledger.eachFillOfSymbol(id, symbol, fromTs, fn),
    };
  }

  #recompute(instance: StrategyInstance, s: InstanceSyncState): void {
    // The currency the instance's money is in: the settle coin on an inverse perpetual (BTC on BTC/USD:BTC).
    const book = new InstanceFold(pnlCurrency(instance.config.symbols[0] ?? '') || 'USDT');
    book.recompute(this.#source(instance.id));
    book.funding = this.#o.ledger.fundingTotal(instance.id);
    s.book = book;
    s.needsFundingRefresh = false;
    s.lastRowid = this.#o.ledger.maxRowid();
    s.foldedVersion = null;
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
   * Funding on a perpetual is paid on the account's net position: each instance's share is its own
   * position at that moment (from its fills in the ledger) over the net, + and − alike. The result is
   * the payment's whole attribution, under ids stable whatever the sharing: the exchange's id when one
   * instance takes it all, `<id>#<instance>` for parts. The ledger replaces a payment's previous
   * attribution with it, so re-reading a payment (the sync's overlap) after an instance joined or left
   * never counts it twice. Positions come from the ledger, not from who syncs: instances that already
   * hold a share keep being asked, so one leaving the workspace does not move past payments.
   */
  #splitFunding(
    instance: StrategyInstance,
    event: FundingEvent,
    isShared: boolean,
  ): { event: FundingEvent; instanceId: string; group: string; isFallback?: boolean }[] {
    const session = instance.session;
    if (!session) return [];
    const { ledger } = this.#o;
    const book = session.exchangeId;
    const ids = new Set([instance.id]);
    if (isShared)
      for (const i of this.#o.instances())
        if (i.config.account === instance.config.account && i.session?.exchangeId === book && i.config.symbols.includes(event.symbol))
          ids.add(i.id);
    // Also when no longer shared: an instance that left keeps the share it held.
    for (const id of ledger.fundingHolders(session.exchangeId, session.accountId, event.symbol, event.id)) ids.add(id);
    const positions = [...ids].sort().map((id) => ({ id, qty: ledger.positionAt(id, event.symbol, event.timestamp) }));
    return attributePayment(event, positions, isShared ? (positions[0]?.id ?? instance.id) : instance.id);
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

  /** Who owns a fill this instance read (`fillOwner`): itself, unless another instance shares the account and symbol. */
  #owner(instance: StrategyInstance, fill: Fill, isShared: boolean): string | null {
    const session = instance.session;
    if (!session) return null;
    return fillOwner(isShared ? 2 : 1, instance.id, fill, (symbol, orderId) =>
      this.#o.ledger.orderOwner(session.exchangeId, session.accountId, symbol, orderId),
    );
  }
}

/** The symbols where the instance holds a position (the ones a sync must mark). */
function openSymbols(s: InstanceSyncState): string[] {
  return [...s.book.state.positions].filter(([, pos]) => pos.qty !== 0).map(([symbol]) => symbol);
}

/**
 * The attribution rule (DESIGN.md, "Money"), for the REST sync and the streams alike: the one
 * instance trading the fill's symbol on its account owns it; where `traders` instances share the
 * account and symbol, the one whose order it filled (the order-id journal), or none yet.
 */
export function fillOwner(
  traders: number,
  soleTrader: string,
  fill: Fill,
  orderOwner: (symbol: string, orderId: string) => string | null,
): string | null {
  if (traders === 1) return soleTrader;
  if (traders === 0 || fill.orderId === null) return null;
  return orderOwner(fill.symbol, fill.orderId);
}

/**
 * One funding payment's whole attribution from the instances' positions at its time: each gets
 * amount × own / net (+ and − alike), so the parts sum to the payment. One holder takes it whole under
 * the exchange's id; parts are `<id>#<instance>`. No attributable position: whole on `fallback`, only
 * if nothing is recorded for the payment yet (`isFallback`).
 */
export function attributePayment(
  event: FundingEvent,
  positions: readonly { id: string; qty: number }[],
  fallback: string,
): { event: FundingEvent; instanceId: string; group: string; isFallback?: boolean }[] {
  const net = positions.reduce((sum, p) => sum + p.qty, 0);
  const held = positions.filter((p) => p.qty !== 0);
  if (Math.abs(net) < 1e-12) return [{ event, instanceId: fallback, group: event.id, isFallback: true }];
  if (held.length === 1) return [{ event, instanceId: (held[0] as { id: string }).id, group: event.id }];
  return held.map((p) => ({
    event: { ...event, id: `${event.id}#${p.id}`, amount: (event.amount * p.qty) / net },
    instanceId: p.id,
    group: event.id,
  }));
}
