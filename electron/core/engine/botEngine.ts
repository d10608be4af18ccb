/**
 * The bot engine: one StrategyInstance per configured instance, each with its own exchange session
 * and its own loop. Paused means: no new orders, open orders cancelled, positions kept, still syncing.
 */
import { createHash } from 'node:crypto';
import type { StrategyFigures } from '../../../shared/model.ts';
import type { InstanceConfig } from '../workspace/workspace.ts';
import type { Clock, TimerHandle } from '../clock.ts';
import type { ExchangeSession, OpenOrder, OrderRequest } from '../exchange/types.ts';
import type { Ledger } from '../ledger/ledger.ts';
import type { Logger } from '../log.ts';
import { createStrategy, type Strategy, type StrategyContext } from './strategies.ts';

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
  /** A strategy step failed; the next step tries again. */
  onStepError?: (id: string, error: Error) => void;
}

export class StrategyInstance {
  readonly config: InstanceConfig;
  #session: ExchangeSession | null;
  #sessionError: string | null;
  #deps: EngineDeps;
  #strategy: Strategy;
  #isRunning = false;
  #timer: TimerHandle | null = null;
  #tickInFlight: Promise<void> | null = null;
  #failures = 0;
  #needsCancel = false;
  /** Quote uptime bookkeeping: time with both sides quoted over time quoting was attempted. */
  #uptime = { upMs: 0, totalMs: 0, lastAt: null as number | null, wasBoth: false };

  constructor(config: InstanceConfig, session: ExchangeSession | null, sessionError: string | null, deps: EngineDeps) {
    this.config = config;
    this.#session = session;
    this.#sessionError = sessionError;
    this.#deps = deps;
    this.#strategy = createStrategy(config);
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
    this.#schedule(0);
  }

  /**
   * Ends the loop and cancels the instance's open orders. A stop the trader asked for also runs the
   * strategy's own exit (a funding arbitrage unwinds its hedge); closing the app does not.
   */
  async stop(reason: 'command' | 'shutdown' = 'command'): Promise<void> {
    const wasRunning = this.#isRunning;
    this.#isRunning = false;
    this.#timer?.cancel();
    this.#timer = null;
    await this.#tickInFlight?.catch(() => undefined);
    await this.cancelOpenOrders();
    if (reason === 'command' && wasRunning && this.isTrading && this.#strategy.onStop) await this.#strategy.onStop(this.#context());
  }

  /** The strategy's own figures, when it keeps them. */
  strategyFigures(): StrategyFigures | null {
    return this.#strategy.figures?.() ?? null;
  }

  /** Cancels every open order this instance placed on its symbols. */
  async cancelOpenOrders(): Promise<number> {
    if (!this.isTrading) return 0;
    await this.#tickInFlight?.catch(() => undefined);
    const ctx = this.#context();
    let cancelled = 0;
    for (const symbol of this.config.symbols) {
      for (const order of await ctx.openOrders(symbol)) {
        await ctx.cancel(order);
        cancelled++;
      }
    }
    return cancelled;
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

  /** Asks the loop to retry cancelling open orders (a cancel on pause that failed). */
  requestCancel(): void {
    this.#needsCancel = true;
  }

  /** Runs one strategy step now (tests and the loop). */
  async step(): Promise<void> {
    if (!this.#isRunning || !this.isTrading) return;
    if (this.#deps.isPaused(this.id)) {
      if (this.#needsCancel) {
        await this.cancelOpenOrders();
        this.#needsCancel = false;
      }
      return;
    }
    const run = this.#strategy.tick(this.#context());
    this.#tickInFlight = run;
    try {
      await run;
    } finally {
      this.#tickInFlight = null;
    }
  }

  #schedule(ms: number): void {
    if (!this.#isRunning) return;
    this.#timer = this.#deps.clock.after(ms, () => {
      this.step().then(
        () => {
          this.#failures = 0;
          this.#schedule(this.#strategy.intervalMs);
        },
        (error: unknown) => {
          this.#failures++;
          this.#deps.log.warn('strategy step failed', { instance: this.id, error: (error as Error).message });
          this.#deps.onStepError?.(this.id, error as Error);
          // Back off on repeated failures so a broken account is not hammered.
          this.#schedule(Math.min(this.#strategy.intervalMs * 2 ** this.#failures, 60_000));
        },
      );
    });
  }

  #context(): StrategyContext {
    const session = this.session;
    if (!session) throw new Error(`instance ${this.id} has no exchange session`);
    const { ledger, clock, onFillsClaimed } = this.#deps;
    const id = this.id;
    const tag = orderTag(id);
    const journal = (orderId: string, symbol: string): void => {
      const claimed = ledger.journalOrder(
        { exchange: session.exchangeId, account: session.accountId, orderId, instanceId: id, symbol },
        clock.now(),
      );
      if (claimed > 0) onFillsClaimed(id);
    };
    return {
      config: this.config,
      session,
      budget: () => this.#deps.budget(id),
      position: (symbol: string) => this.#deps.position(id, symbol),
      filledInLedger: (symbol: string, orderId: string) => ledger.filledAmount(session.exchangeId, session.accountId, symbol, orderId),
      reportQuoting: (_symbol: string, isBothSides: boolean) => this.#reportQuoting(isBothSides),
      async openOrders(symbol: string): Promise<OpenOrder[]> {
        const orders = await session.fetchOpenOrders(symbol);
        // Only orders this instance placed: another instance or a human may share the account.
        return orders.filter((o) => {
          if (ledger.orderOwner(session.exchangeId, session.accountId, o.symbol, o.id) === id) return true;
          if (o.clientOrderId?.startsWith(tag) !== true) return false;
          // Ours by its tag, but the app died between placing and journaling it: journal it now.
          journal(o.id, o.symbol);
          return true;
        });
      },
      async place(request: OrderRequest): Promise<OpenOrder> {
        const order = await session.createOrder({
          ...request,
          clientOrderId: `${tag}${(clock.now() % 1e10).toString(36)}${(++orderSeq).toString(36)}`,
        });
        journal(order.id, request.symbol);
        return order;
      },
      async cancel(order: OpenOrder): Promise<void> {
        await session.cancelOrder(order.id, order.symbol);
      },
    };
  }
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

  /** App shutdown: loops end and orders are cancelled; positions stay as they are. */
  async shutdown(): Promise<void> {
    await Promise.allSettled(this.all().map((i) => i.stop('shutdown')));
  }
}
