/**
 * The bot engine: one StrategyInstance per configured instance, each with its own exchange session
 * and its own loop. Paused means: no new orders, open orders cancelled, positions kept, still syncing.
 *
 * The engine owns its orders (orderTracker.ts): each is recorded before it is sent and followed to a
 * final state, so a strategy decides from its exposure, never from the lagging ledger alone. Every
 * cancel is confirmed by reading the book; what the exchange still shows is `stillOpen`, retried in
 * the background with backoff until the book is clean or the key is refused.
 */
import { createHash } from 'node:crypto';
import type { StillOpen, StrategyFigures } from '../../../shared/model.ts';
import type { InstanceConfig } from '../workspace/workspace.ts';
import type { Clock, TimerHandle } from '../clock.ts';
import { ExchangeError, type ExchangeSession, type Fill, type OpenOrder, type OrderRequest } from '../exchange/types.ts';
import type { Ledger } from '../ledger/ledger.ts';
import type { Logger } from '../log.ts';
import { splitSymbol } from '../metrics/pnl.ts';
import { OrderTracker, type Exposure, type TrackedOrder } from './orderTracker.ts';
import { createStrategy, type Strategy, type StrategyContext } from './strategies.ts';

export type { StillOpen };
export type { Exposure };

export interface EngineDeps {
  clock: Clock;
  ledger: Ledger;
  log: Logger;
  /** Capital budget of an instance, in quote (set by rebalance). */
  budget: (id: string) => number;
  isPaused: (id: string) => boolean;
  /** The journal just claimed fills that synced before it knew their order: their owner must refold. */
  onFillsClaimed: (id: string) => void;
  /** The instance's signed position in a symbol, from its folded fills (base). */
  position: (id: string, symbol: string) => number;
  /** A strategy step failed (the next step tries again), or the key was refused while cancelling. */
  onStepError?: (id: string, error: Error) => void;
  /** The orders a cancel was asked for that the exchange still shows changed (health, alert); [] once the book is clean. */
  onStillOpenChanged?: (id: string, stillOpen: StillOpen[]) => void;
  /** Backoff of the background cancel retries, ms: first wait, doubling up to the cap. Default 500 → 10 000. */
  cancelRetry?: { firstMs: number; capMs: number };
  /** How long a lost create that no lookup finds counts as live before it is taken as never placed, ms. Default 15 000. */
  lostOrderSettleMs?: number;
}

export interface StopOptions {
  /** Start with the exchange's cancel-all for each symbol (Stop all, where this instance is alone on the account and symbol). */
  useExchangeCancelAll?: boolean;
}

const DEFAULT_CANCEL_RETRY = { firstMs: 500, capMs: 10_000 };
/**
 * A create whose answer was lost and that no lookup finds after this long never reached the book:
 * the exchange refuses a request older than its receive window (Binance 5 s by default; ccxt's
 * request timeout is 5 s on top).
 */
const LOST_ORDER_SETTLE_MS = 15_000;
/** The running sums of held fills are rebuilt this often, to take in rows reassigned by anyone but this instance. */
const HELD_REBUILD_MS = 30 * 60_000;

/** Kinds of failure after which a create may still have reached the book. */
const ANSWER_MISSING = new Set(['timeout', 'network', 'bad_payload', 'internal']);

export class StrategyInstance {
  readonly config: InstanceConfig;
  #session: ExchangeSession | null;
  #sessionError: string | null;
  #deps: EngineDeps;
  #strategy: Strategy;
  #isRunning = false;
  /** Which start the loop belongs to: a step still running from before a stop never reschedules into a new start. */
  #loopGen = 0;
  #timer: TimerHandle | null = null;
  #tickInFlight: Promise<void> | null = null;
  #failures = 0;
  /** A paused instance cancels once when its loop starts: a quit may have cut the pause's own cancels short. */
  #needsPausedSweep = false;
  #tracker: OrderTracker;
  /** Running sums of the ledger's attributed fills per symbol, up to `rowid`. */
  #held: { rowid: number; qty: Map<string, number>; builtAt: number } | null = null;
  /** Orders a cancel was asked for that the exchange still showed at the last read, by `symbol|orderId`. */
  #stillOpen = new Map<string, StillOpen>();
  #retryTimer: TimerHandle | null = null;
  #retryFailures = 0;
  /** The key was refused while cancelling: retrying cannot help, the trader must act. */
  #refused: Error | null = null;
  #isDisposed = false;
  /** Cancel rounds run one at a time (a command's and the background retry's). */
  #cancelChain: Promise<unknown> = Promise.resolve();
  /** Quote uptime bookkeeping: time with both sides quoted over time quoting was attempted. */
  #uptime = { upMs: 0, totalMs: 0, lastAt: null as number | null, wasBoth: false };

  constructor(config: InstanceConfig, session: ExchangeSession | null, sessionError: string | null, deps: EngineDeps) {
    this.config = config;
    this.#session = session;
    this.#sessionError = sessionError;
    this.#deps = deps;
    this.#strategy = createStrategy(config);
    this.#tracker = new OrderTracker({
      now: () => deps.clock.now(),
      ledgerFilled: (symbol, orderId) => {
        const s = this.#session;
        return s === null ? 0 : deps.ledger.filledBy(this.id, s.exchangeId, s.accountId, symbol, orderId);
      },
    });
  }

  get id(): string {
    return this.config.id;
  }

  get session(): ExchangeSession | null {
    return this.#session;
  }

  /** Why the instance has no session (e.g. its key is in a locked vault); shown as its health error. */
  get sessionError(): string | null {
    return this.#sessionError;
  }

  /** Gives the instance its session once its keys can be had (the vault was unlocked); a running loop picks it up. */
  attachSession(session: ExchangeSession): void {
    this.#session = session;
    this.#sessionError = null;
  }

  /** Records why the instance still has no session. */
  setSessionError(message: string): void {
    if (this.#session === null) this.#sessionError = message;
  }

  get isRunning(): boolean {
    return this.#isRunning;
  }

  /** Whether this instance places orders at all: observe never does; paper places them in its own paper book. */
  get isTrading(): boolean {
    return this.config.mode !== 'observe' && this.session !== null;
  }

  start(): void {
    if (this.#isRunning) return;
    this.#isRunning = true;
    this.#failures = 0;
    this.#needsPausedSweep = true;
    this.#schedule(0, ++this.#loopGen);
  }

  /**
   * Ends the loop, cancels the instance's orders and reads the book back: the answer is what the
   * exchange still shows (retried in the background). A stop the trader asked for also runs the
   * strategy's own exit (a funding arbitrage unwinds its hedge) and cancels what that left resting;
   * quitting the app (`shutdown`) does not — it changes nothing the trader commanded.
   */
  async stop(reason: 'command' | 'shutdown' = 'command', options: StopOptions = {}): Promise<StillOpen[]> {
    const wasRunning = this.#isRunning;
    this.#isRunning = false;
    this.#loopGen++;
    this.#timer?.cancel();
    this.#timer = null;
    await this.#tickInFlight?.catch(() => undefined);
    let stillOpen = await this.cancelAll(reason === 'shutdown' ? 'quit' : 'stop', options);
    if (reason === 'command' && wasRunning && this.isTrading && this.#strategy.onStop) {
      try {
        await this.#strategy.onStop(this.#context());
      } catch (error) {
        this.#reportError('strategy exit on stop failed', error);
      }
      stillOpen = await this.cancelAll('stop (after the strategy exit)');
    }
    return stillOpen;
  }

  /** Ends background work for good (app shutdown): no more cancel retries. */
  dispose(): void {
    this.#isDisposed = true;
    this.#isRunning = false;
    this.#timer?.cancel();
    this.#timer = null;
    this.#retryTimer?.cancel();
    this.#retryTimer = null;
  }

  /** The strategy's own figures, when it keeps them. */
  strategyFigures(): StrategyFigures | null {
    return this.#strategy.figures?.() ?? null;
  }

  // -------------------------------------------------------------------------------------------
  // Orders and exposure

  /** Exposure in `symbol`: ledger position + fills known from order answers the ledger lacks + what live orders can add. */
  exposure(symbol: string): Exposure {
    // Both halves read the ledger in one synchronous turn: no sync can write between them.
    return this.#tracker.exposure(symbol, this.#heldInLedger(symbol));
  }

  /**
   * What the ledger holds for this instance in `symbol` (its attributed fills, base fees deducted),
   * kept as running sums over the rows written since the last read: a step must not scan 100 000 fills.
   * Rows attributed to it after the fact (a claim) come in by a rebuild.
   */
  #heldInLedger(symbol: string): number {
    const now = this.#deps.clock.now();
    if (this.#held === null || now - this.#held.builtAt > HELD_REBUILD_MS) {
      const totals = this.#deps.ledger.heldTotals(this.id);
      this.#held = {
        rowid: Math.max(0, ...totals.map((t) => t.rowid)),
        qty: new Map(totals.map((t) => [t.symbol, t.qty])),
        builtAt: now,
      };
    }
    const held = this.#held;
    for (const row of this.#deps.ledger.heldRows(this.id, held.rowid)) {
      const { base } = splitSymbol(row.symbol);
      let qty = row.side === 'buy' ? row.amount : -row.amount;
      for (const fee of row.fees) if (fee.currency === base) qty -= fee.amount;
      held.qty.set(row.symbol, (held.qty.get(row.symbol) ?? 0) + qty);
      held.rowid = Math.max(held.rowid, row.rowid);
    }
    return held.qty.get(symbol) ?? 0;
  }

  /** Fills known from this instance's order answers that the ledger does not hold yet (one per order, ids `pending:<orderId>`). */
  pendingFills(): Fill[] {
    return this.#tracker.pendingFills();
  }

  /** Orders the exchange still showed after a cancel was asked for (being retried); [] when the book is clean. */
  stillOpen(): StillOpen[] {
    return [...this.#stillOpen.values()];
  }

  /** This instance's orders as the exchange shows them now, on every symbol (throws when the book cannot be read). */
  async openOrders(): Promise<OpenOrder[]> {
    const session = this.session;
    if (this.config.mode === 'observe') return [];
    if (!session) throw new Error(this.#sessionError ?? `instance ${this.id} has no exchange session`);
    const lists = await Promise.all(this.config.symbols.map((symbol) => this.#readBook(session, symbol, false)));
    return lists.flat();
  }

  /**
   * Cancels every order of this instance, then reads the book: the answer lists what the exchange
   * still shows, with why. Failed cancels are retried in the background (backoff, to a cap) until the
   * book is clean or the key is refused. With `useExchangeCancelAll`, each symbol starts with the
   * exchange's cancel-all (one request, every order on the symbol: only for an instance alone there).
   */
  async cancelAll(why: string, options: StopOptions = {}): Promise<StillOpen[]> {
    await this.#tickInFlight?.catch(() => undefined);
    return this.#exclusive(() => this.#cancelRound(why, null, options.useExchangeCancelAll === true));
  }

  /** Cancels one of this instance's orders and reads the book back; answers the instance's still-open list. */
  async cancelOrder(orderId: string, symbol: string): Promise<StillOpen[]> {
    const session = this.session;
    if (!session) throw new Error(this.#sessionError ?? `instance ${this.id} has no exchange session`);
    if (!this.#owns(session, symbol, orderId)) throw new Error(`order ${orderId} on ${symbol} is not an order of ${this.id}`);
    return this.#exclusive(async () => {
      const error = await this.#cancelOne(session, symbol, orderId);
      const failure = error === null ? null : `cancel failed: ${message(error)}`;
      const key = stillOpenKey(symbol, orderId);
      try {
        const book = await this.#readBook(session, symbol, true);
        if (book.some((o) => o.id === orderId)) {
          this.#stillOpen.set(key, {
            instance: this.id,
            symbol,
            orderId,
            why: failure ?? 'still on the book after its cancel was accepted',
          });
        } else {
          this.#stillOpen.delete(key);
        }
      } catch (error) {
        this.#noteRefusal(error);
        this.#stillOpen.set(key, { instance: this.id, symbol, orderId, why: failure ?? `the book could not be read: ${message(error)}` });
      }
      this.#afterRound();
      return this.stillOpen();
    });
  }

  /** Compatibility (the host before it used cancelAll): cancels every order and answers how many left the book. */
  async cancelOpenOrders(): Promise<number> {
    if (!this.isTrading) return 0;
    const before = this.#tracker.live().length;
    const stillOpen = await this.cancelAll('cancel');
    return Math.max(0, before - stillOpen.length);
  }

  /** Compatibility: asks for the instance's orders to be cancelled in the background (a cancel on pause that failed). */
  requestCancel(): void {
    void this.cancelAll('pause').catch((error: unknown) => this.#reportError('cancel failed', error));
  }

  /** What is live by the tracker (an answer was lost, or the book could not be read) when there is no time to confirm. */
  unconfirmed(why: string): StillOpen[] {
    const known = new Map(this.#stillOpen);
    for (const o of this.#tracker.live()) {
      const orderId = o.orderId ?? `client:${o.clientOrderId}`;
      const key = stillOpenKey(o.symbol, orderId);
      if (!known.has(key)) known.set(key, { instance: this.id, symbol: o.symbol, orderId, why });
    }
    return [...known.values()];
  }

  /** Share of running, unpaused time with a live quote on both sides (0–1); null before the first step. */
  get quoteUptime(): number | null {
    return this.#uptime.totalMs > 0 ? this.#uptime.upMs / this.#uptime.totalMs : null;
  }

  #reportQuoting(isBothSides: boolean): void {
    const now = this.#deps.clock.now();
    const u = this.#uptime;
    if (u.lastAt !== null) {
      // A gap much longer than a step (paused, stopped, failing) is not quoting time at all.
      const dt = Math.min(now - u.lastAt, this.#strategy.intervalMs * 3);
      u.totalMs += dt;
      if (u.wasBoth) u.upMs += dt;
    }
    u.lastAt = now;
    u.wasBoth = isBothSides;
  }

  /** Runs one strategy step now (tests and the loop). */
  async step(): Promise<void> {
    if (!this.#isRunning || !this.isTrading) return;
    // Paused: nothing is placed; the cancels the pause asked for retry on their own.
    if (this.#deps.isPaused(this.id)) {
      if (this.#needsPausedSweep) {
        this.#needsPausedSweep = false;
        await this.cancelAll('paused (at start)');
      }
      return;
    }
    this.#needsPausedSweep = false;
    const run = this.#strategy.tick(this.#context());
    this.#tickInFlight = run;
    try {
      await run;
    } finally {
      this.#tickInFlight = null;
      this.#tracker.prune();
    }
  }

  /** The loop: rescheduled whatever happens — a failed step, and a failure in reporting it. */
  #schedule(ms: number, gen: number): void {
    if (!this.#isRunning || this.#isDisposed || gen !== this.#loopGen) return;
    this.#timer = this.#deps.clock.after(ms, () => {
      void this.#runStep(gen);
    });
  }

  async #runStep(gen: number): Promise<void> {
    let next = this.#strategy.intervalMs;
    try {
      await this.step();
      this.#failures = 0;
    } catch (error) {
      this.#failures++;
      // Back off on repeated failures so a broken account is not hammered.
      next = Math.min(this.#strategy.intervalMs * 2 ** this.#failures, 60_000);
      this.#reportError('strategy step failed', error);
    } finally {
      this.#schedule(next, gen);
    }
  }

  /** Sends a failure to the log and to health; neither may stop the caller (a loop, a retry). */
  #reportError(what: string, error: unknown): void {
    const err = error instanceof Error ? error : new Error(String(error));
    this.#log('warn', what, { error: err.message });
    try {
      this.#deps.onStepError?.(this.id, err);
    } catch (hookError) {
      this.#log('error', 'step error hook failed', { error: message(hookError) });
    }
  }

  /** Logs without ever throwing: a logger that fails must not take a loop or a cancel with it. */
  #log(level: 'warn' | 'error', text: string, fields: Record<string, unknown>): void {
    try {
      this.#deps.log[level](text, { instance: this.id, ...fields });
    } catch {
      // Nothing left to tell.
    }
  }

  // -------------------------------------------------------------------------------------------
  // Cancels

  #exclusive<T>(run: () => Promise<T>): Promise<T> {
    const result = this.#cancelChain.then(run, run);
    this.#cancelChain = result.catch(() => undefined);
    return result;
  }

  /** One round over every symbol: cancel, read the book, record what is still there. `only`: just these keys. */
  async #cancelRound(why: string, only: ReadonlySet<string> | null, useExchangeCancelAll: boolean): Promise<StillOpen[]> {
    const session = this.session;
    if (!session || this.config.mode === 'observe') return this.stillOpen();
    const lists = await Promise.all(
      this.config.symbols.map((symbol) => this.#cancelSymbol(session, symbol, why, only, useExchangeCancelAll)),
    );
    // Orders on symbols this round did not cover stay as they were.
    const next = new Map<string, StillOpen>();
    for (const entry of lists.flat()) next.set(stillOpenKey(entry.symbol, entry.orderId), entry);
    if (only !== null) for (const [key, entry] of this.#stillOpen) if (!only.has(key) && !next.has(key)) next.set(key, entry);
    this.#replaceStillOpen(next);
    this.#afterRound();
    return this.stillOpen();
  }

  async #cancelSymbol(
    session: ExchangeSession,
    symbol: string,
    why: string,
    only: ReadonlySet<string> | null,
    useExchangeCancelAll: boolean,
  ): Promise<StillOpen[]> {
    const failures = new Map<string, string>();
    const isTarget = (orderId: string): boolean => only === null || only.has(stillOpenKey(symbol, orderId));
    if (useExchangeCancelAll && session.cancelAllOrders) {
      try {
        await session.cancelAllOrders(symbol);
      } catch (error) {
        this.#noteRefusal(error);
        this.#log('warn', 'cancel-all failed; cancelling one by one', { symbol, error: message(error) });
      }
    }
    let targets: { id: string }[];
    try {
      targets = (await this.#readBook(session, symbol, true)).filter((o) => isTarget(o.id));
    } catch (error) {
      this.#noteRefusal(error);
      // The book cannot be read: cancel what we know of, then try reading again.
      targets = this.#tracker
        .live(symbol)
        .filter((o): o is TrackedOrder & { orderId: string } => o.orderId !== null && isTarget(o.orderId))
        .map((o) => ({ id: o.orderId }));
    }
    await Promise.all(
      targets.map(async (o) => {
        const failure = await this.#cancelOne(session, symbol, o.id);
        if (failure !== null) failures.set(o.id, `cancel failed: ${message(failure)}`);
      }),
    );
    const entry = (orderId: string, text: string): StillOpen => ({ instance: this.id, symbol, orderId, why: text });
    let after: OpenOrder[];
    try {
      after = await this.#readBook(session, symbol, true);
    } catch (error) {
      this.#noteRefusal(error);
      const unread = `${why}: the book could not be read after the cancel (${message(error)})`;
      const ids = new Set([
        ...targets.map((o) => o.id),
        ...this.#tracker.live(symbol).flatMap((o) => (o.orderId === null ? [] : [o.orderId])),
      ]);
      return [...ids].filter(isTarget).map((id) => entry(id, failures.get(id) ?? unread));
    }
    const still = after
      .filter((o) => isTarget(o.id))
      .map((o) => entry(o.id, failures.get(o.id) ?? `${why}: still on the book after its cancel was accepted`));
    // A create whose answer was lost may still land: it counts until a lookup settles it.
    for (const o of this.#tracker.live(symbol)) {
      if (o.phase !== 'unknown' || (o.orderId !== null && after.some((a) => a.id === o.orderId))) continue;
      const orderId = o.orderId ?? `client:${o.clientOrderId}`;
      if (isTarget(orderId))
        still.push(entry(orderId, `${why}: the answer to placing it was lost; waiting to learn whether it reached the book`));
    }
    return still;
  }

  /** Cancels one order; answers the failure, or null. */
  async #cancelOne(session: ExchangeSession, symbol: string, orderId: string): Promise<unknown> {
    if (orderId.startsWith('client:')) return null; // not on the book as far as anyone knows: the lookup settles it
    this.#tracker.cancelRequested(symbol, orderId);
    try {
      const report = await session.cancelOrder(orderId, symbol);
      if (report) this.#tracker.report({ ...report, symbol });
      else this.#tracker.cancelled(symbol, orderId);
      return null;
    } catch (error) {
      this.#noteRefusal(error);
      return error ?? new Error('cancel failed');
    }
  }

  /** An auth error while cancelling: retrying cannot help; it becomes the instance's error. */
  #noteRefusal(error: unknown): void {
    if (!(error instanceof ExchangeError) || error.kind !== 'auth' || this.#refused !== null) return;
    this.#refused = error;
    this.#reportError('the exchange refused the key while cancelling; orders stay open until cancelled by hand', error);
  }

  #replaceStillOpen(next: Map<string, StillOpen>): void {
    if (this.#refused !== null) {
      for (const [key, entry] of next)
        next.set(key, { ...entry, why: `${entry.why} — the key was refused (${this.#refused.message}); cancel it on the exchange` });
    }
    this.#stillOpen = next;
  }

  #lastNotified = '[]';

  /** Tells health what changed, and keeps retrying while anything is still open. */
  #afterRound(): void {
    const list = this.stillOpen();
    const text = JSON.stringify(list);
    if (text !== this.#lastNotified) {
      this.#lastNotified = text;
      try {
        this.#deps.onStillOpenChanged?.(this.id, list);
      } catch (error) {
        this.#reportError('still-open hook failed', error);
      }
    }
    if (list.length === 0) {
      this.#retryFailures = 0;
      this.#retryTimer?.cancel();
      this.#retryTimer = null;
    } else if (this.#refused === null) {
      this.#scheduleRetry();
    }
  }

  #scheduleRetry(): void {
    if (this.#retryTimer !== null || this.#isDisposed) return;
    const { firstMs, capMs } = this.#deps.cancelRetry ?? DEFAULT_CANCEL_RETRY;
    const wait = Math.min(capMs, firstMs * 2 ** this.#retryFailures);
    this.#retryFailures++;
    this.#retryTimer = this.#deps.clock.after(wait, () => {
      this.#retryTimer = null;
      if (this.#isDisposed || this.#stillOpen.size === 0) return;
      // A live instance retries just the orders it was asked to cancel; a paused or stopped one, every order of its own.
      const isLive = this.#isRunning && !this.#deps.isPaused(this.id);
      const only = isLive ? new Set(this.#stillOpen.keys()) : null;
      this.#exclusive(() => this.#cancelRound('retry', only, false)).catch((error: unknown) => {
        this.#reportError('cancel retry failed', error);
        this.#scheduleRetry();
      });
    });
  }

  // -------------------------------------------------------------------------------------------
  // The book

  /** Whether an order is this instance's: journaled to it, tracked by it, or tagged with its prefix. */
  #owns(session: ExchangeSession, symbol: string, orderId: string): boolean {
    if (this.#deps.ledger.orderOwner(session.exchangeId, session.accountId, symbol, orderId) === this.id) return true;
    return this.#tracker.live(symbol).some((o) => o.orderId === orderId);
  }

  /**
   * This instance's open orders on `symbol` as the exchange lists them, folded into the tracker; the
   * tracked orders missing from the list are settled by a lookup (filled, cancelled, never placed).
   */
  async #readBook(session: ExchangeSession, symbol: string, isControl: boolean): Promise<OpenOrder[]> {
    const readAt = this.#deps.clock.now();
    const listed = await session.fetchOpenOrders(symbol, { isControl });
    const tag = orderTag(this.id);
    const mine = listed.filter((o) => {
      if (this.#deps.ledger.orderOwner(session.exchangeId, session.accountId, o.symbol, o.id) === this.id) return true;
      if (o.clientOrderId?.startsWith(tag) !== true) return false;
      // Ours by its tag, but the app died between placing and journaling it: journal it now.
      this.#journal(session, o.id, o.symbol);
      return true;
    });
    const missing = this.#tracker.book(symbol, mine, readAt);
    const found: OpenOrder[] = [];
    for (const order of missing) {
      const report = await this.#settle(session, order);
      if (report?.status === 'open' && !mine.some((o) => o.id === report.id)) found.push(report);
    }
    return [...mine, ...found];
  }

  /** Asks the exchange what became of an order that is not on the book. */
  async #settle(session: ExchangeSession, order: TrackedOrder): Promise<OpenOrder | null> {
    const age = this.#deps.clock.now() - order.createdAt;
    if (!session.fetchOrderByClientId) {
      if (order.phase !== 'unknown') this.#tracker.leftBook(order);
      else if (age > (this.#deps.lostOrderSettleMs ?? LOST_ORDER_SETTLE_MS))
        this.#tracker.rejected(order.clientOrderId, 'not on the book: it never reached the exchange');
      return null;
    }
    try {
      const report = await session.fetchOrderByClientId(order.symbol, order.clientOrderId);
      if (report === null) {
        if (order.phase !== 'unknown') this.#tracker.leftBook(order);
        else if (age > (this.#deps.lostOrderSettleMs ?? LOST_ORDER_SETTLE_MS))
          this.#tracker.rejected(order.clientOrderId, 'the exchange has no such order: it never reached the book');
        return null;
      }
      const isNew = order.orderId === null;
      this.#tracker.report({ ...report, clientOrderId: order.clientOrderId, symbol: order.symbol });
      if (isNew) this.#journal(session, report.id, order.symbol);
      return report;
    } catch (error) {
      // Not settled now; it still counts as live (worst case) and the next read asks again.
      this.#log('warn', 'order lookup failed', { clientOrderId: order.clientOrderId, error: message(error) });
      return null;
    }
  }

  #journal(session: ExchangeSession, orderId: string, symbol: string): void {
    const claimed = this.#deps.ledger.journalOrder(
      { exchange: session.exchangeId, account: session.accountId, orderId, instanceId: this.id, symbol },
      this.#deps.clock.now(),
    );
    if (claimed > 0) {
      // Older rows became this instance's: the running sums start again.
      this.#held = null;
      this.#deps.onFillsClaimed(this.id);
    }
  }

  /** Places an order: recorded before it is sent; a lost answer is settled by client order id, never by sending it again. */
  async #place(session: ExchangeSession, request: OrderRequest): Promise<OpenOrder> {
    const clientOrderId = `${orderTag(this.id)}${(this.#deps.clock.now() % 1e10).toString(36)}${(++orderSeq).toString(36)}`;
    const tracked = this.#tracker.intent({ ...request, clientOrderId });
    try {
      const order = await session.createOrder({ ...request, clientOrderId });
      this.#tracker.acknowledge(clientOrderId, order);
      this.#journal(session, order.id, request.symbol);
      return order;
    } catch (error) {
      const kind = error instanceof ExchangeError ? error.kind : 'internal';
      if (!ANSWER_MISSING.has(kind)) {
        this.#tracker.rejected(clientOrderId, message(error));
        throw error;
      }
      this.#tracker.lost(clientOrderId, message(error));
      // The order may be on the book: ask for it by its client order id at once.
      const found = await this.#settle(session, tracked);
      if (found) return found;
      throw error;
    }
  }

  #context(): StrategyContext {
    const session = this.session;
    if (!session) throw new Error(`instance ${this.id} has no exchange session`);
    const { ledger } = this.#deps;
    const id = this.id;
    return {
      config: this.config,
      session,
      budget: () => this.#deps.budget(id),
      position: (symbol: string) => this.#deps.position(id, symbol),
      exposure: (symbol: string) => this.exposure(symbol),
      filledInLedger: (symbol: string, orderId: string) => ledger.filledAmount(session.exchangeId, session.accountId, symbol, orderId),
      reportQuoting: (_symbol: string, isBothSides: boolean) => this.#reportQuoting(isBothSides),
      openOrders: (symbol: string) => this.#readBook(session, symbol, false),
      place: (request: OrderRequest) => this.#place(session, request),
      cancel: async (order: OpenOrder): Promise<void> => {
        const failure = await this.#cancelOne(session, order.symbol, order.id);
        if (failure !== null) throw failure;
      },
    };
  }
}

function stillOpenKey(symbol: string, orderId: string): string {
  return `${symbol}|${orderId}`;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

let orderSeq = 0;

/** A short per-instance prefix for client order ids (Binance allows 36 characters of [.A-Za-z:/0-9_-]). */
export function orderTag(instanceId: string): string {
  return `sd-${createHash('sha256').update(instanceId).digest('hex').slice(0, 8)}-`;
}

export class BotEngine {
  #instances = new Map<string, StrategyInstance>();

  add(instance: StrategyInstance): void {
    this.#instances.set(instance.id, instance);
  }

  get(id: string): StrategyInstance | undefined {
    return this.#instances.get(id);
  }

  all(): StrategyInstance[] {
    return [...this.#instances.values()];
  }

  /** Forgets an instance that left the workspace (stop it first). */
  remove(id: string): void {
    this.#instances.delete(id);
  }

  /**
   * Stop all, the kill switch: every instance stops at once. An instance alone on its account and
   * symbol starts with the exchange's cancel-all; one that shares them cancels its own orders one by one.
   */
  async stopAll(): Promise<StillOpen[]> {
    const instances = this.all();
    const results = await Promise.allSettled(instances.map((i) => i.stop('command', { useExchangeCancelAll: this.#isAloneOnBook(i) })));
    return results.flatMap((r, index) => (r.status === 'fulfilled' ? r.value : (instances[index]?.stillOpen() ?? [])));
  }

  /**
   * App shutdown: loops end and orders are cancelled and read back, within `timeoutMs`; positions
   * stay as they are and nothing the trader commanded changes. Answers what the exchange still showed
   * (or, where the time ran out, what was live and unconfirmed). Background retries end here.
   */
  async shutdown(timeoutMs = 5000): Promise<StillOpen[]> {
    const instances = this.all();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<'expired'>((resolve) => {
      timer = setTimeout(() => resolve('expired'), timeoutMs);
      timer.unref?.();
    });
    const results = await Promise.all(
      instances.map((i) => Promise.race([i.stop('shutdown').catch(() => i.unconfirmed('quit: the cancel failed')), expired])),
    );
    clearTimeout(timer);
    const stillOpen = results.flatMap((r, index) =>
      r === 'expired' ? (instances[index]?.unconfirmed('quit before the exchange confirmed the cancel') ?? []) : r,
    );
    for (const instance of instances) instance.dispose();
    return stillOpen;
  }

  /** No other instance of this engine trades any of `instance`'s symbols on its account. */
  #isAloneOnBook(instance: StrategyInstance): boolean {
    return !this.all().some(
      (other) =>
        other !== instance &&
        other.config.account === instance.config.account &&
        other.config.symbols.some((s) => instance.config.symbols.includes(s)),
    );
  }
}
