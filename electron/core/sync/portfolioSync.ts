/**
 * PortfolioSync (DESIGN.md, "Sync"): on a timer, for every instance concurrently and independently,
 * fetch what is new since its cursors, append it to the ledger, fold metrics. One instance failing
 * (timeout, 429, auth, bad payload) never stops or delays the others.
 */
import type { ErrorKind, Health, Metrics, MetricsSource, SyncError } from '../../../shared/model.ts';
import type { Clock, TimerHandle } from '../clock.ts';
import type { StrategyInstance } from '../engine/botEngine.ts';
import { ExchangeError, type Fill } from '../exchange/types.ts';
import type { Ledger } from '../ledger/ledger.ts';
import type { Logger } from '../log.ts';
import { emptyFold, foldFill, isLateFill, splitSymbol, toMetrics, type FoldState } from '../metrics/pnl.ts';

export const FILLS_ENDPOINT = 'myTrades';
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
  isLastAttemptFailed: boolean;
  failures: number;
  notBefore: number;
  inFlight: Promise<void> | null;
  /** The deadline-bounded sync callers join instead of starting another. */
  shared: Promise<boolean> | null;
  /** Set when fills were re-attributed to the instance out of order: recompute from the ledger. */
  needsRecompute: boolean;
}

export interface SyncOptions {
  clock: Clock;
  ledger: Ledger;
  log: Logger;
  intervalMs: number;
  /** Longest one instance's sync may take before it counts as a timeout. */
  instanceTimeoutMs?: number;
  instances: () => StrategyInstance[];
  /** Called after every sync round with the ids whose figures or health changed. */
  onSynced?: (changed: string[]) => void;
}

export class PortfolioSync {
  #o: SyncOptions;
  #states = new Map<string, InstanceSyncState>();
  #timers = new Map<string, TimerHandle>();
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
  async syncNow(): Promise<void> {
    const instances = this.#o.instances();
    const results = await Promise.all(instances.map((instance) => this.#syncShared(instance)));
    this.#rounds++;
    this.#o.onSynced?.(instances.filter((_, i) => results[i] === true).map((i) => i.id));
  }

  #schedule(instance: StrategyInstance, ms: number): void {
    if (this.#isStopped) return;
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
        isLastAttemptFailed: false,
        failures: 0,
        notBefore: 0,
        inFlight: null,
        shared: null,
        needsRecompute: true,
      };
      this.#states.set(id, s);
    }
    return s;
  }

  /** Folds what the ledger already holds, so a restarted app shows its figures before the first sync answers. */
  restore(instance: StrategyInstance): void {
    const s = this.state(instance.id);
    this.#recompute(instance, s);
    s.metrics = toMetrics(s.fold, s.marks, false);
    s.source = 'snapshot';
  }

  metrics(id: string): Metrics {
    return this.state(id).metrics;
  }

  health(instance: StrategyInstance): Health {
    const s = this.state(instance.id);
    const now = this.#o.clock.now();
    const isStale = s.lastGoodSyncAt === null || now - s.lastGoodSyncAt > 3 * this.#o.intervalMs;
    const lastError = instance.sessionError !== null && s.lastError === null ? { at: new Date(now).toISOString(), kind: 'auth' as const, message: instance.sessionError } : s.lastError;
    return {
      state: instance.session === null || s.isLastAttemptFailed ? 'error' : isStale ? 'stale' : 'ok',
      lastGoodSyncAt: s.lastGoodSyncAt === null ? null : new Date(s.lastGoodSyncAt).toISOString(),
      lastError,
      failures: s.failures,
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
    }
    return true;
  }

  #fail(s: InstanceSyncState, kind: ErrorKind, message: string, retryAfterMs: number | null = null): void {
    const now = this.#o.clock.now();
    s.isLastAttemptFailed = true;
    s.failures++;
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
    const { ledger, clock } = this.#o;
    await session.loadMarkets();
    const startTime = Date.parse(instance.config.startTime);
    for (const symbol of instance.config.symbols) {
      const window = session.fillWindowMs(symbol);
      const shared = this.#sharesSymbol(instance, symbol);
      let cursor = ledger.cursor(instance.id, FILLS_ENDPOINT, symbol);
      let since = Math.max(startTime, (cursor ?? startTime) - OVERLAP_MS);
      for (let page = 0; page < MAX_PAGES; page++) {
        const now = clock.now();
        const until = window !== null && now - since > window ? since + window - 1 : null;
        const fills = await session.fetchFills(symbol, since, PAGE_LIMIT, until);
        const owned = fills.filter((f) => f.timestamp >= startTime && (until === null || f.timestamp <= until));
        const maxTs = owned.reduce((m, f) => Math.max(m, f.timestamp), cursor ?? startTime);
        const isFull = fills.length >= PAGE_LIMIT;
        const next = isFull ? maxTs : until !== null ? Math.max(until, maxTs) : maxTs;
        ledger.appendFills(
          {
            exchange: session.exchangeId,
            account: session.accountId,
            fills: owned.map((fill) => ({ fill, instanceId: this.#owner(instance, fill, shared) })),
            cursor: { instanceId: instance.id, endpoint: FILLS_ENDPOINT, symbol, since: next },
          },
          now,
        );
        cursor = next;
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
    this.#foldNew(instance, s);
    // Marks only for open positions: a flat symbol needs no request.
    for (const [symbol, pos] of s.fold.positions) {
      if (pos.qty !== 0) {
        const q = await session.fetchQuote(symbol);
        s.marks.set(symbol, (q.bid + q.ask) / 2);
      }
    }
    const nowDone = clock.now();
    s.metrics = toMetrics(s.fold, s.marks, false);
    s.source = 'exchange';
    s.lastGoodSyncAt = nowDone;
    s.isLastAttemptFailed = false;
    s.failures = 0;
    s.notBefore = 0;
  }

  /** Folds the ledger rows new to this instance; a late fill restarts the fold from the ledger. */
  #foldNew(instance: StrategyInstance, s: InstanceSyncState): void {
    if (s.needsRecompute) {
      this.#recompute(instance, s);
      return;
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
    const rows = this.#o.ledger.fillsFor(instance.id);
    for (const r of rows) foldFill(fold, r);
    s.fold = fold;
    s.lastRowid = this.#o.ledger.maxRowid();
    s.needsRecompute = false;
  }

  markForRecompute(id: string): void {
    this.state(id).needsRecompute = true;
  }

  #sharesSymbol(instance: StrategyInstance, symbol: string): boolean {
    return this.#o.instances().some((other) => other !== instance && other.config.account === instance.config.account && other.config.symbols.includes(symbol));
  }

  /** Who owns a fill: the instance of its symbol, or, where instances share account and symbol, the one that placed its order. */
  #owner(instance: StrategyInstance, fill: Fill, isShared: boolean): string | null {
    if (!isShared) return instance.id;
    const session = instance.session;
    if (!session || fill.orderId === null) return null;
    return this.#o.ledger.orderOwner(session.exchangeId, session.accountId, fill.symbol, fill.orderId);
  }
}
