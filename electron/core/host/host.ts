/**
 * The host: builds the core from a workspace (ledger, sessions, engine, portfolio, sync), runs the
 * command contract through one typed handler per command (handlers.ts), and publishes the snapshot
 * stream. Electron main and serve mode are thin shells around one Host; neither adds behaviour.
 *
 * Lifecycle here; views, sessions, control, the workspace and the vault each live beside it.
 */
import { join } from 'node:path';
import { fail, isCommandName, parseCommand, type CommandName, type Result } from '../../../shared/contract.ts';
import type { RebalancePlan, Snapshot, StrategyView, InstanceView, StreamMessage, VaultStatus } from '../../../shared/model.ts';
import { returnVolatility } from '../metrics/risk.ts';
import { systemClock, type Clock, type TimerHandle } from '../clock.ts';
import { BotEngine, StrategyInstance } from '../engine/botEngine.ts';
import { ExchangeError, type ExchangeSession } from '../exchange/types.ts';
import { inlineCredentials, type CredentialResolver } from '../credentials.ts';
import { Ledger } from '../ledger/ledger.ts';
import { vaultCredentials } from '../vault/resolver.ts';
import type { PasswordKeychain } from '../vault/keychain.ts';
import type { Vault } from '../vault/vault.ts';
import { createLogger, type Logger } from '../log.ts';
import { PortfolioManager } from '../portfolio/portfolioManager.ts';
import { PortfolioSync } from '../sync/portfolioSync.ts';
import type { InstanceConfig, Workspace } from '../workspace/workspace.ts';
import type { HostContext } from './context.ts';
import { Control } from './control.ts';
import { ExchangeCatalog } from './exchanges.ts';
import { createHandlers, type CommandSource, type Handlers } from './handlers.ts';
import { SessionPool, type SessionFactory } from './sessions.ts';
import { Publisher } from './publisher.ts';
import { vaultStatus, type VaultDeps } from './vaultHandlers.ts';
import { instanceView, snapshotOf, strategyView, type ViewDeps } from './views.ts';
import { WorkspaceService } from './workspaces.ts';
import { assignFillForHost, reconcileForHost, type ReconcileHostParts } from '../reconcile/forHost.ts';
import { ReconcileSchedule } from '../reconcile/schedule.ts';
import { createCcxtSession } from '../exchange/ccxtSession.ts';
import { PriceFeeds } from '../exchange/priceStreams.ts';
import { createCcxtAccountStream, type CcxtStreamOptions } from '../exchange/ccxtStreams.ts';
import type { AccountStream } from '../exchange/streams.ts';
import { StreamSync, type StreamSyncOptions } from '../sync/streamSync.ts';
import { sharedBudgets, type WeightBudgetRegistry } from '../exchange/weightBudget.ts';
import { hostBudgets, isCatchUpHeld } from './budgets.ts';

export type { CommandSource, CredentialResolver, SessionFactory };

export interface HostOptions {
  workspace: Workspace;
  dataDir: string;
  /** The workspace file the host was loaded from; changes are written back to it. Null: kept in the data folder. */
  workspacePath?: string | null;
  clock?: Clock;
  log?: Logger;
  sessionFactory?: SessionFactory;
  credentials?: CredentialResolver;
  /** Default capital budget for a strategy the ledger does not know yet, in quote. */
  defaultAllocation?: number;
  /** How often each instance's equity is sampled into the ledger, ms (default 60 s). */
  equitySampleMs?: number;
  /** The key vault; accounts that name a vault entry connect once it is unlocked. */
  vault?: Vault;
  /** Where the vault password may be remembered (the OS keychain in Electron). */
  keychain?: PasswordKeychain;
  /**
   * Private streams first (DESIGN.md, "Sync"): fills arrive as they happen, REST fills the gaps. The
   * shells turn them on; a host built without them polls only.
   */
  streams?: boolean;
  /** The request-weight budgets the host's sessions and streams draw from (default: the process-wide one). */
  budgets?: WeightBudgetRegistry;
  /** Stream timings (tests shorten them); defaults: StreamSync's and ccxt's own, the gap read every `STREAM_GAP_READ_MS`. */
  streamTiming?: StreamTiming;
}

export interface StreamTiming
  extends
    Pick<StreamSyncOptions, 'stallAfterMs' | 'dropAfterMs' | 'pollingAfterMs' | 'checkEveryMs'>,
    Pick<CcxtStreamOptions, 'keepAliveMs' | 'maxPingPongMisses' | 'backoff'> {
  /** How often REST reads the gap of an instance whose stream is healthy, ms. */
  gapReadMs?: number;
  /** A quoted symbol nobody read this long is unsubscribed from the public stream, ms (default `QUOTE_IDLE_MS`). */
  quoteIdleMs?: number;
}

/**
 * While an instance's stream is connected and caught up, REST only reads its gap on this slow timer
 * (plus on every connect). 6 min keeps 100 streamed instances' steady-state REST weight under 5 % of
 * polling's every 5 s (docs/BENCHMARKS.md: one gap-read round is ~2 100 weight, so ≥ ~340 s is needed).
 */
export const STREAM_GAP_READ_MS = 360_000;

/** A held history catch-up still reads at least this often: low priority, never starved. */
export const CATCH_UP_MAX_WAIT_MS = 60_000;

const DEFAULT_ALLOCATION = 10_000;
const PUBLISH_COALESCE_MS = 50;
const REMEMBERED_PLANS = 20;
const RATES_REFRESH_MS = 60_000;

export { inlineCredentials };

export class Host {
  readonly ledger: Ledger;
  readonly engine = new BotEngine();
  readonly portfolio: PortfolioManager;
  readonly sync: PortfolioSync;
  readonly log: Logger;
  readonly vault: Vault | null;
  readonly sessions: SessionPool;
  readonly control: Control;
  readonly workspaces: WorkspaceService;
  readonly exchanges: ExchangeCatalog;
  #workspace: Workspace;
  #clock: Clock;
  #keychain: PasswordKeychain | null;
  #publisher: Publisher;
  #isClosed = false;
  #publishTimer: TimerHandle | null = null;
  #defaultAllocation: number;
  #handlers: Handlers;
  #plans = new Map<string, RebalancePlan>();
  #rates: Record<string, number> = {};
  #ratesAt = -Infinity;
  #views: ViewDeps;
  #reconciles: ReconcileSchedule;
  #resolveCredentials: CredentialResolver;
  readonly streams: StreamSync | null;
  #streamTiming: StreamTiming;
  #budgets: WeightBudgetRegistry;
  /** Public quotes by stream where strategies quote (one socket per exchange host), REST when stale; with streams on only. */
  #priceFeeds: PriceFeeds | null;
  /** When REST last read each instance (a periodic round or a stream's gap read). */
  #restReadAt = new Map<string, number>();
  /** Instances whose last periodic round found no healthy stream: the round their stream is back reads once more. */
  #wasPolling = new Set<string>();

  constructor(options: HostOptions) {
    this.#workspace = options.workspace;
    this.#clock = options.clock ?? systemClock;
    this.log = options.log ?? createLogger({ secrets: () => this.secrets() });
    this.ledger = new Ledger(join(options.dataDir, 'ledger.sqlite'));
    this.vault = options.vault ?? null;
    this.#keychain = options.keychain ?? null;
    this.#defaultAllocation = options.defaultAllocation ?? DEFAULT_ALLOCATION;
    this.#streamTiming = options.streamTiming ?? {};
    this.#budgets = options.budgets ?? sharedBudgets;
    this.#priceFeeds =
      options.streams === true
        ? new PriceFeeds({
            onError: (error) => this.log.warn('price stream failed', { error: (error as Error).message }),
            ...(this.#streamTiming.quoteIdleMs === undefined ? {} : { idleMs: this.#streamTiming.quoteIdleMs }),
          })
        : null;
    this.portfolio = new PortfolioManager({
      policy: this.#workspace.portfolio.policy,
      targets: this.#workspace.portfolio.targets,
      ledger: this.ledger,
      now: () => this.#clock.now(),
      volatility: (id) =>
        returnVolatility(
          this.ledger
            .equitySamples(id, this.#clock.now() - 30 * 86_400_000)
            .map((s) => ({ ts: s.ts, totalPnl: s.totalPnl, capital: s.capital })),
        ),
    });
    this.sync = new PortfolioSync({
      clock: this.#clock,
      ledger: this.ledger,
      log: this.log,
      intervalMs: this.#workspace.syncIntervalMs,
      instances: () => this.engine.all(),
      capital: (id) => this.portfolio.get(id)?.allocation ?? 0,
      ...(options.equitySampleMs !== undefined ? { sampleMs: options.equitySampleMs } : {}),
      onSynced: (changed) => this.#afterSync(changed),
      // The fallback chain's middle step: when the exchange cannot be read, the engine's own order answers.
      pendingFills: (id) => this.engine.get(id)?.pendingFills() ?? [],
      isDue: (id) => this.#isRestDue(id),
    });
    this.#resolveCredentials = options.credentials ?? (this.vault ? vaultCredentials(this.vault) : inlineCredentials);
    this.sessions = new SessionPool({
      workspace: () => this.#workspace,
      factory:
        options.sessionFactory ??
        ((account, credentials, instance) =>
          createCcxtSession({ account, credentials, symbols: instance.symbols, budgets: this.#budgets, quotes: this.#priceFeeds })),
      resolve: this.#resolveCredentials,
      clock: this.#clock,
    });
    this.#views = {
      portfolio: this.portfolio,
      sync: this.sync,
      ledger: this.ledger,
      now: () => this.#clock.now(),
      reportingCurrency: this.#workspace.reportingCurrency,
      rates: () => this.#rates,
    };
    this.streams =
      options.streams === true
        ? new StreamSync({
            clock: this.#clock,
            ledger: this.ledger,
            log: this.log,
            instances: () => this.engine.all(),
            openStream: (accountId, symbols) => this.#openStream(accountId, symbols),
            // A streamed fill is folded and published at once; REST still reads what a stream may have missed.
            onFills: (ids) => this.sync.foldStored(ids),
            requestRestSync: (ids) => void this.#readGap(ids),
            onHealth: () => this.#schedulePublish(),
            ...pickTiming(this.#streamTiming, ['stallAfterMs', 'dropAfterMs', 'pollingAfterMs', 'checkEveryMs']),
          })
        : null;
    this.#views.streams = this.streams;
    this.#publisher = new Publisher();
    this.control = new Control({
      engine: this.engine,
      portfolio: this.portfolio,
      snapshot: () => this.snapshot(),
      publish: () => this.publish(),
      audit: (...args) => this.#audit(...args),
    });
    this.exchanges = new ExchangeCatalog(this.sessions, () => this.#workspace.accounts);
    this.workspaces = new WorkspaceService({
      path: options.workspacePath ?? null,
      current: () => this.#workspace,
      apply: (next, diff) => this.#applyWorkspace(next, diff),
      audit: (...args) => this.#audit(...args),
    });
    // Every account against the exchange on start (its baseline) and every few minutes, one at a time.
    this.#reconciles = new ReconcileSchedule({
      clock: this.#clock,
      accounts: () => this.#workspace.accounts.map((a) => a.id).filter((id) => this.sessions.accountSession(id) !== null),
      run: (id) => reconcileForHost(this.#reconcileParts(), id),
      onResult: (id, result) => {
        if (result.ok && !result.value.ok) this.log.warn('account does not reconcile', { account: id, notes: result.value.notes.length });
      },
    });
    for (const config of this.#workspace.instances) this.engine.add(this.#buildInstance(config));
    this.#handlers = createHandlers(this.#context());
  }

  get workspace(): Workspace {
    return this.#workspace;
  }

  /** Every secret the host holds, for loggers and crash reporters to mask. */
  secrets(): readonly string[] {
    return this.sessions.secrets;
  }

  /** Restores each instance as it was left (running or not, paused or not) and starts the sync timers. */
  start(): void {
    for (const instance of this.engine.all()) this.#restore(instance);
    this.sync.start();
    this.#reconciles.start();
    void this.streams?.start().catch((error: unknown) => this.log.warn('streams failed to start', { error: (error as Error).message }));
    this.log.info('host started', { instances: this.engine.all().length, interval: this.#workspace.syncIntervalMs });
  }

  /**
   * Quitting changes nothing the trader commanded: the timers stop, in-flight syncs are waited for
   * (bounded), loops end and the orders are cancelled — and no status is written. Live stays live.
   */
  async close(): Promise<void> {
    if (this.#isClosed) return;
    this.#isClosed = true;
    this.#publisher.clear();
    this.#publishTimer?.cancel();
    await Promise.all([this.sync.stop(), this.#reconciles.stop(), this.streams?.stop(), this.#priceFeeds?.close()]);
    const stillOpen = await this.engine.shutdown();
    if (stillOpen.length > 0) this.log.warn('quit with orders the exchange did not confirm cancelled', { stillOpen });
    await this.sessions.closeAll();
    this.ledger.close();
  }

  /** Runs a command from an untrusted caller: parses its input, never throws. */
  async execute(name: unknown, input: unknown, source: CommandSource): Promise<Result<unknown>> {
    if (!isCommandName(name)) return fail('not_found', `unknown command ${JSON.stringify(String(name)).slice(0, 80)}`);
    const parsed = parseCommand(name, input);
    if (!parsed.ok) return parsed;
    if (this.#isClosed) return fail('conflict', 'the app is shutting down');
    try {
      return await this.#run(name, parsed.value, source);
    } catch (error) {
      this.log.error('command failed', { command: name, error: (error as Error).message });
      return fail('internal', `${name} failed: ${(error as Error).message}`);
    }
  }

  #run<N extends CommandName>(name: N, input: unknown, source: CommandSource): Promise<Result<unknown>> {
    const handler = this.#handlers[name] as (input: unknown, source: CommandSource) => Promise<Result<unknown>>;
    return handler(input, source);
  }

  /** Gives instances that were waiting for their keys (a locked vault) their sessions now; returns how many connected. */
  refreshSessions(): number {
    let connected = 0;
    for (const instance of this.engine.all()) {
      if (instance.session !== null) continue;
      const built = this.sessions.build(instance.config);
      if (built.session) {
        instance.attachSession(built.session);
        connected++;
      } else if (built.error !== null) {
        instance.setSessionError(built.error);
      }
    }
    if (connected > 0) {
      this.log.info('sessions connected', { count: connected });
      void this.sync.syncNow();
      void this.streams?.refresh().catch(() => undefined);
    }
    return connected;
  }

  async vaultStatus(): Promise<VaultStatus> {
    return vaultStatus(this.#vaultDeps());
  }

  /** Unlocks the vault with the password the OS keychain remembers, if any (Electron start-up). */
  async unlockFromKeychain(): Promise<boolean> {
    const password = this.#keychain && this.vault?.isLocked ? await this.#keychain.load() : null;
    if (password === null || !this.vault) return false;
    try {
      await this.vault.unlock(password);
      this.refreshSessions();
      return true;
    } catch (error) {
      this.log.warn('keychain unlock failed', { error: (error as Error).message });
      return false;
    }
  }

  snapshot(): Snapshot {
    return snapshotOf(this.#views, this.engine.all(), this.#publisher.seq);
  }

  /** Sends every subscriber what changed since the last publish. */
  publish(): void {
    if (this.#isClosed) return;
    this.#publisher.publish(this.snapshot());
  }

  /** Subscribes to the stream: the full snapshot now, then deltas. */
  subscribe(listener: (message: StreamMessage) => void): () => void {
    return this.#publisher.subscribe(this.snapshot(), listener);
  }

  // -------------------------------------------------------------------------------------------
  // Instances

  #buildInstance(config: InstanceConfig): StrategyInstance {
    const built = this.sessions.build(config);
    return new StrategyInstance(config, built.session, built.error, {
      clock: this.#clock,
      ledger: this.ledger,
      log: this.log,
      budget: (id) => this.portfolio.get(id)?.allocation ?? 0,
      isPaused: (id) => this.portfolio.get(id)?.status === 'paused',
      onFillsClaimed: (id) => this.sync.markForRecompute(id),
      position: (id, symbol) => this.sync.fold(id).positions.get(symbol)?.qty ?? 0,
      onStepError: (id, error) => this.sync.recordStepFault(id, error instanceof ExchangeError ? error.kind : 'internal', error.message),
      // Failed cancels are retried often enough that the book is clean within two sync intervals.
      cancelRetry: { firstMs: 500, capMs: Math.min(10_000, this.#workspace.syncIntervalMs) },
      // A book that is not clean after a cancel (or clean again) shows in health at once.
      onStillOpenChanged: (id, stillOpen) => {
        if (stillOpen.length > 0) this.log.warn('orders still open after cancel', { instance: id, count: stillOpen.length });
        this.#schedulePublish();
      },
    });
  }

  /** Puts an instance back as it was left: running or not, paused or not, with its capital. */
  #restore(instance: StrategyInstance): void {
    const stored = this.ledger.strategyState(instance.id);
    const shouldRun = stored?.isRunning ?? instance.config.autoStart;
    const capital = instance.config.params['capital'];
    const allocation = typeof capital === 'number' && Number.isFinite(capital) && capital > 0 ? capital : this.#defaultAllocation;
    this.portfolio.add(instance.id, shouldRun, allocation);
    this.sync.restore(instance);
    if (shouldRun) instance.start();
    // A stop that a quit cut short may have left orders: a stopped instance's book is swept at start.
    else if (instance.isTrading)
      void instance
        .cancelAll('stopped at start')
        .catch((error: unknown) => this.log.warn('sweep at start failed', { instance: instance.id, error: (error as Error).message }));
  }

  /** Applies a validated workspace hot: only the instances the change touches stop, start or restart. */
  async #applyWorkspace(
    next: Workspace,
    diff: { started: string[]; stopped: string[]; restarted: string[]; unchanged: string[] },
  ): Promise<void> {
    const previous = this.#workspace;
    const leaving = [...diff.stopped, ...diff.restarted];
    // A removed instance stops as commanded (a funding arbitrage unwinds its hedge); one restarted
    // with new settings only ends its loop and cancels its orders: its positions carry over.
    await Promise.allSettled([
      ...diff.stopped.map((id) => this.engine.get(id)?.stop('command')),
      ...diff.restarted.map((id) => this.engine.get(id)?.stop('shutdown')),
    ]);
    for (const id of leaving) {
      this.sync.remove(id);
      this.engine.remove(id);
    }
    // An account whose settings changed gets a new client with them.
    for (const account of previous.accounts) {
      const now = next.accounts.find((a) => a.id === account.id);
      if (!now || JSON.stringify(now) !== JSON.stringify(account)) await this.sessions.drop(account.id);
    }
    this.#workspace = next;
    this.#views.reportingCurrency = next.reportingCurrency;
    this.sync.intervalMs = next.syncIntervalMs;
    this.portfolio.setTargets(next.portfolio.policy, next.portfolio.targets);
    for (const id of diff.stopped) this.portfolio.remove(id);
    for (const id of [...diff.started, ...diff.restarted]) {
      const config = next.instances.find((i) => i.id === id);
      if (!config) continue;
      const instance = this.#buildInstance(config);
      this.engine.add(instance);
      this.#restore(instance);
      this.sync.add(instance);
    }
    await this.streams?.refresh();
    this.publish();
  }

  // -------------------------------------------------------------------------------------------
  // Plumbing

  #context(): HostContext {
    return {
      engine: this.engine,
      ledger: this.ledger,
      portfolio: this.portfolio,
      sync: this.sync,
      clock: this.#clock,
      sessions: this.sessions,
      control: this.control,
      workspaces: this.workspaces,
      exchanges: this.exchanges,
      snapshot: () => this.snapshot(),
      publish: () => this.publish(),
      syncFirst: () => this.syncFirst(),
      strategyView: (i): StrategyView => strategyView(this.#views, i),
      instanceView: (i): InstanceView => instanceView(this.#views, i),
      audit: (...args) => this.#audit(...args),
      vaultDeps: () => this.#vaultDeps(),
      rememberPlan: (plan) => {
        this.#plans.set(plan.id, plan);
        for (const id of this.#plans.keys()) if (this.#plans.size > REMEMBERED_PLANS) this.#plans.delete(id);
        return plan;
      },
      reviewedPlan: (id) => this.#plans.get(id) ?? null,
      reconcile: (accountId) => reconcileForHost(this.#reconcileParts(), accountId),
      assignFill: async (input, source) => {
        const result = await assignFillForHost(this.#reconcileParts(), input);
        if (result.ok)
          this.#audit('account/assignFill', input.id, source, input.reason ?? null, { fill: input.fillId, instance: input.instance });
        return result;
      },
    };
  }

  /** An account's private stream from its keys, or null (no keys, a locked vault, or no stream for its exchange here). */
  async #openStream(accountId: string, symbols: string[]): Promise<AccountStream | null> {
    const account = this.#workspace.accounts.find((a) => a.id === accountId);
    if (!account) return null;
    const credentials = this.#resolveCredentials(account);
    if (credentials === null || 'error' in credentials) return null;
    return createCcxtAccountStream({
      account,
      credentials,
      symbols,
      ...pickTiming(this.#streamTiming, ['keepAliveMs', 'maxPingPongMisses', 'backoff']),
      budgets: this.#budgets,
      onError: (error) => this.log.warn('stream message skipped', { account: accountId, error: (error as Error).message }),
    });
  }

  /**
   * Whether PortfolioSync's periodic round reads this instance (DESIGN.md, "Sync": streams first, REST
   * fills the gaps). Without a healthy stream it polls every interval, as before streams; with one,
   * REST reads only every `gapReadMs`, and once more the first round its stream is healthy again (a
   * stall that ended without a reconnect swallowed events no connect-time gap read covers).
   */
  #isRestDue(id: string): boolean {
    const now = this.#clock.now();
    const lastRead = this.#restReadAt.get(id) ?? -Infinity;
    const catchingUp = this.#isCatchingUp(id);
    if (catchingUp && now - lastRead < CATCH_UP_MAX_WAIT_MS && this.#isCatchUpHeld(id)) return false;
    const isStreaming = this.streams?.isStreaming(id) === true;
    const gapReadMs = this.#streamTiming.gapReadMs ?? STREAM_GAP_READ_MS;
    // A history still being read comes only by REST, however healthy the stream of what happens now.
    if (!catchingUp && isStreaming && !this.#wasPolling.has(id) && now - lastRead < gapReadMs) return false;
    if (isStreaming) this.#wasPolling.delete(id);
    else this.#wasPolling.add(id);
    this.#restReadAt.set(id, now);
    return true;
  }

  #isCatchingUp(id: string): boolean {
    const instance = this.engine.get(id);
    return instance !== undefined && this.sync.health(instance).catchUp !== null;
  }

  /**
   * A history catch-up (days closed, a start long ago) runs at low priority: its rounds wait while its
   * host's window is past half spent, so live reads and orders go first; its health shows the catch-up.
   */
  #isCatchUpHeld(id: string): boolean {
    const instance = this.engine.get(id);
    const account = this.#workspace.accounts.find((a) => a.id === instance?.config.account);
    return account !== undefined && isCatchUpHeld(hostBudgets(this.#budgets), account);
  }

  /** A stream asked for a REST read (a connect's gap, funding, a fill it could not store): it restarts the slow timer. */
  #readGap(ids: readonly string[]): Promise<void> {
    const now = this.#clock.now();
    for (const id of ids) {
      this.#restReadAt.set(id, now);
      if (this.streams?.isStreaming(id) === true) this.#wasPolling.delete(id);
    }
    return this.sync.syncNow(ids);
  }

  /**
   * "Syncs first" (a snapshot, an allocation, a rebalance): an instance whose stream is connected and
   * caught up (a REST read finished since it connected) is current already; the others read REST now.
   * So ten reads in ten seconds cost streamed instances no request weight.
   */
  async syncFirst(): Promise<void> {
    const ids = this.engine
      .all()
      .filter((i) => !this.#isCaughtUp(i))
      .map((i) => i.id);
    if (ids.length > 0) await this.sync.syncNow(ids);
  }

  #isCaughtUp(instance: StrategyInstance): boolean {
    const stream = this.streams?.health(instance.id);
    if (stream?.state !== 'connected' || stream.since === null) return false;
    const readAt = this.sync.health(instance).lastGoodSyncAt;
    return readAt !== null && Date.parse(readAt) >= Date.parse(stream.since);
  }

  #reconcileParts(): ReconcileHostParts {
    return {
      ledger: this.ledger,
      clock: this.#clock,
      engine: this.engine,
      sessions: this.sessions,
      portfolio: this.portfolio,
      sync: this.sync,
    };
  }

  #vaultDeps(): VaultDeps {
    return {
      vault: this.vault,
      keychain: this.#keychain,
      accounts: () => this.#workspace.accounts,
      isConnected: (id) => this.engine.all().some((i) => i.config.account === id && i.session !== null),
      refreshSessions: () => void this.refreshSessions(),
      hostBudgets: () => hostBudgets(this.#budgets),
      audit: (action, target, source) => this.#audit(action, target, source, null, null),
    };
  }

  #audit(action: string, target: string, source: CommandSource, reason: string | null, detail: unknown): void {
    this.ledger.audit({ at: this.#clock.now(), action, target, source, reason, detail: detail === null ? null : JSON.stringify(detail) });
    this.log.info('control', { action, target, source });
  }

  /**
   * Rates into the reporting currency for every other quote currency an instance reports in, from a
   * session whose exchange lists the pair (either way round). Refreshed at most once a minute; a
   * currency without a rate stays out of the totals and is shown apart (shared/totals.ts).
   */
  async #refreshRates(): Promise<void> {
    const now = this.#clock.now();
    if (now - this.#ratesAt < RATES_REFRESH_MS) return;
    this.#ratesAt = now;
    const reporting = this.#workspace.reportingCurrency;
    const wanted = new Set(this.engine.all().map((i) => this.sync.metrics(i.id).quoteCurrency));
    wanted.delete(reporting);
    for (const currency of wanted) {
      for (const instance of this.engine.all()) {
        const session = instance.session;
        if (!session) continue;
        const rate = await rateFrom(session, currency, reporting);
        if (rate !== null) {
          this.#rates[currency] = rate;
          break;
        }
      }
    }
  }

  #afterSync(changed: string[]): void {
    // A sync that lands after quit began writes nothing: only a command changes a status.
    if (this.#isClosed) return;
    void this.#refreshRates().catch((error: unknown) => this.log.warn('rates refresh failed', { error: (error as Error).message }));
    for (const id of changed) {
      const instance = this.engine.get(id);
      if (instance) this.portfolio.applyRules(id, instance.isRunning);
    }
    if (changed.length > 0) this.#schedulePublish();
  }

  /** Instances sync and change on their own timers; coalesce what they change into one delta. */
  #schedulePublish(): void {
    if (this.#publishTimer !== null || this.#isClosed) return;
    this.#publishTimer = this.#clock.after(PUBLISH_COALESCE_MS, () => {
      this.#publishTimer = null;
      this.publish();
    });
  }
}

/** One unit of `currency` in `reporting`, from the exchange's own pair (direct or inverse), or null. */
async function rateFrom(session: ExchangeSession, currency: string, reporting: string): Promise<number | null> {
  for (const [symbol, isInverse] of [
    [`${currency}/${reporting}`, false],
    [`${reporting}/${currency}`, true],
  ] as const) {
    try {
      session.market(symbol);
    } catch {
      continue;
    }
    const quote = await session.fetchQuote(symbol).catch(() => null);
    const mid = quote && quote.bid > 0 && quote.ask > 0 ? (quote.bid + quote.ask) / 2 : (quote?.last ?? 0);
    if (mid > 0) return isInverse ? 1 / mid : mid;
  }
  return null;
}

/** The named timings that were given, without an `undefined` for the others (exact optional properties). */
function pickTiming<K extends keyof StreamTiming>(timing: StreamTiming, keys: readonly K[]): Pick<StreamTiming, K> {
  return Object.fromEntries(keys.filter((k) => timing[k] !== undefined).map((k) => [k, timing[k]])) as Pick<StreamTiming, K>;
}
