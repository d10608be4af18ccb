/**
 * The host: builds the core from a workspace (ledger, sessions, engine, portfolio, sync), answers the
 * command contract, and publishes the snapshot stream. Electron main and serve mode are thin shells
 * around one Host; neither adds behaviour of its own.
 */
import { join } from 'node:path';
import {
  fail,
  ok,
  parseCommand,
  isCommandName,
  type CommandName,
  type CommandOutputs,
  type ErrorCode,
  type Result,
} from '../../shared/contract.ts';
import {
  REBALANCE_POLICIES,
  type AccountTest,
  type EquityPoint,
  type InstanceView,
  type Snapshot,
  type StrategyFigures,
  type StrategyView,
  type StreamMessage,
  type Totals,
  type VaultStatus,
} from '../../shared/model.ts';
import { returnVolatility } from './metrics/risk.ts';
import { spreadCapturedBps } from './metrics/pnl.ts';
import { auditView, downsample, equityPoint, fillView, fillsCsv, fundingCsv, fundingView, metricsCsv } from './reports.ts';
import { systemClock, type Clock, type TimerHandle } from './clock.ts';
import { BotEngine, StrategyInstance } from './engine/botEngine.ts';
import { PaperSession } from './engine/paperSession.ts';
import { createCcxtSession, type Credentials } from './exchange/ccxtSession.ts';
import { ExchangeError, type ExchangeSession } from './exchange/types.ts';
import { inlineCredentials, type CredentialResolver } from './credentials.ts';
import { Ledger } from './ledger/ledger.ts';
import { vaultCredentials } from './vault/resolver.ts';
import type { PasswordKeychain } from './vault/keychain.ts';
import { VaultError, type Vault } from './vault/vault.ts';
import { createLogger, type Logger } from './log.ts';
import { PortfolioManager } from './portfolio/portfolioManager.ts';
import { PortfolioSync } from './sync/portfolioSync.ts';
import type { AccountConfig, InstanceConfig, Workspace } from './workspace/workspace.ts';

/** Where the trader asked for a control action from; kept in the audit log. */
export type CommandSource = 'window' | 'api' | 'cli' | 'system';

export type SessionFactory = (account: AccountConfig, credentials: Credentials | null, instance: InstanceConfig) => ExchangeSession;

export type { CredentialResolver };

export interface HostOptions {
  workspace: Workspace;
  dataDir: string;
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
}

const DEFAULT_ALLOCATION = 10_000;
const PUBLISH_COALESCE_MS = 50;

export { inlineCredentials };

export class Host {
  readonly workspace: Workspace;
  readonly ledger: Ledger;
  readonly engine = new BotEngine();
  readonly portfolio: PortfolioManager;
  readonly sync: PortfolioSync;
  readonly log: Logger;
  #clock: Clock;
  #listeners = new Set<(message: StreamMessage) => void>();
  #published = new Map<string, string>();
  #seq = 0;
  #secrets: string[] = [];
  #isClosed = false;
  #publishTimer: TimerHandle | null = null;
  /** Orders each instance has placed, refreshed after its syncs (for the fill rate). */
  #orderCounts = new Map<string, number>();

  constructor(options: HostOptions) {
    this.workspace = options.workspace;
    this.#clock = options.clock ?? systemClock;
    this.log = options.log ?? createLogger({ secrets: () => this.#secrets });
    this.ledger = new Ledger(join(options.dataDir, 'ledger.sqlite'));
    this.portfolio = new PortfolioManager({
      policy: this.workspace.portfolio.policy,
      targets: this.workspace.portfolio.targets,
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
      intervalMs: this.workspace.syncIntervalMs,
      instances: () => this.engine.all(),
      capital: (id) => this.portfolio.get(id)?.allocation ?? 0,
      ...(options.equitySampleMs !== undefined ? { sampleMs: options.equitySampleMs } : {}),
      onSynced: (changed) => this.#afterSync(changed),
    });
    this.#factory =
      options.sessionFactory ??
      ((account, credentials, instance) => createCcxtSession({ account, credentials, symbols: instance.symbols }));
    this.vault = options.vault ?? null;
    this.#keychain = options.keychain ?? null;
    this.#resolve = options.credentials ?? (this.vault ? vaultCredentials(this.vault) : inlineCredentials);
    for (const config of this.workspace.instances) {
      const built = this.#buildSession(config);
      const instance = new StrategyInstance(config, built.session, built.error, {
        clock: this.#clock,
        ledger: this.ledger,
        log: this.log,
        budget: (id) => this.portfolio.get(id)?.allocation ?? 0,
        isPaused: (id) => this.portfolio.get(id)?.status === 'paused',
        onFillsClaimed: (id) => this.sync.markForRecompute(id),
        position: (id, symbol) => this.sync.fold(id).positions.get(symbol)?.qty ?? 0,
        onStepError: (id, error) => this.sync.recordStepFault(id, error instanceof ExchangeError ? error.kind : 'internal', error.message),
      });
      this.engine.add(instance);
    }
    this.#defaultAllocation = options.defaultAllocation ?? DEFAULT_ALLOCATION;
  }

  #defaultAllocation: number;
  #factory: SessionFactory;
  #resolve: CredentialResolver;
  readonly vault: Vault | null;
  #keychain: PasswordKeychain | null = null;
  #sessions = new Map<string, ExchangeSession>();

  /** An instance's exchange session from its account's keys, or why there is none. */
  #buildSession(config: InstanceConfig): { session: ExchangeSession | null; error: string | null } {
    const account = this.workspace.accounts.find((a) => a.id === config.account);
    if (!account) return { session: null, error: `unknown account "${config.account}"` };
    let creds = this.#resolve(account);
    // Paper trading reads only public market data: it runs without the account's keys.
    if (config.mode === 'paper' && creds !== null && 'error' in creds) creds = null;
    if (creds !== null && 'error' in creds) return { session: null, error: creds.error };
    if (creds) this.#secrets.push(creds.apiKey, creds.secret, ...(creds.password ? [creds.password] : []));
    try {
      // One ccxt client per account, shared by that account's instances: the same keys, one throttler
      // (which is what the exchange enforces per key anyway), and ~1.5 MB of ccxt per client saved.
      const key = `${account.id}|${creds ? 'keys' : 'public'}`;
      let session = this.#sessions.get(key);
      if (!session) {
        const symbols = [...new Set(this.workspace.instances.filter((i) => i.account === account.id).flatMap((i) => i.symbols))];
        session = this.#factory(account, creds, { ...config, symbols });
        this.#sessions.set(key, session);
      }
      return { session: config.mode === 'paper' ? new PaperSession(session, { clock: this.#clock }) : session, error: null };
    } catch (error) {
      return { session: null, error: (error as Error).message };
    }
  }

  /** Gives instances that were waiting for their keys (a locked vault) their sessions now; returns how many connected. */
  refreshSessions(): number {
    let connected = 0;
    for (const instance of this.engine.all()) {
      if (instance.session !== null) continue;
      const built = this.#buildSession(instance.config);
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
    }
    return connected;
  }

  /** Restores each instance as it was left (running or not, paused or not) and starts the sync timer. */
  start(): void {
    for (const instance of this.engine.all()) {
      const stored = this.ledger.strategyState(instance.id);
      const shouldRun = stored?.isRunning ?? instance.config.autoStart;
      const allocation = numberParam(instance.config.params['capital']) ?? this.#defaultAllocation;
      this.portfolio.add(instance.id, shouldRun, allocation);
      this.sync.restore(instance);
      if (shouldRun) instance.start();
    }
    this.sync.start();
    this.log.info('host started', { instances: this.engine.all().length, interval: this.workspace.syncIntervalMs });
  }

  async close(): Promise<void> {
    if (this.#isClosed) return;
    this.#isClosed = true;
    this.#listeners.clear();
    this.#publishTimer?.cancel();
    await this.sync.stop();
    await this.engine.shutdown();
    await Promise.allSettled([...this.#sessions.values()].map((session) => session.close()));
    this.ledger.close();
  }

  /** Every secret the host holds, for loggers and crash reporters to mask. */
  secrets(): readonly string[] {
    return this.#secrets;
  }

  /** Runs a command from an untrusted caller: parses its input, never throws. */
  async execute(name: unknown, input: unknown, source: CommandSource): Promise<Result<unknown>> {
    if (!isCommandName(name)) return fail('not_found', `unknown command ${JSON.stringify(String(name)).slice(0, 80)}`);
    const parsed = parseCommand(name, input);
    if (!parsed.ok) return parsed;
    try {
      return await this.#dispatch(name, parsed.value as Record<string, unknown>, source);
    } catch (error) {
      this.log.error('command failed', { command: name, error: (error as Error).message });
      return fail('internal', `${name} failed: ${(error as Error).message}`);
    }
  }

  async #dispatch(name: CommandName, input: Record<string, unknown>, source: CommandSource): Promise<Result<CommandOutputs[CommandName]>> {
    const reason = typeof input['reason'] === 'string' ? input['reason'] : null;
    switch (name) {
      case 'portfolio/get':
        await this.sync.syncNow();
        return ok(this.snapshot());
      case 'portfolio/allocation':
        await this.sync.syncNow();
        return ok(this.portfolio.allocation());
      case 'portfolio/rebalance': {
        await this.sync.syncNow();
        const isDryRun = input['dryRun'] === true;
        const policy = REBALANCE_POLICIES.find((p) => p === input['policy']) ?? this.portfolio.policy;
        let plan = this.portfolio.plan(policy, isDryRun);
        if (!isDryRun) {
          plan = this.portfolio.apply(plan, (id) => this.engine.get(id)?.isRunning ?? false);
          this.#audit('portfolio/rebalance', 'portfolio', source, reason, { policy, moves: plan.moves.map((m) => [m.id, m.move]) });
          this.publish();
        }
        return ok(plan);
      }
      case 'strategy/pause':
      case 'strategy/resume': {
        const instance = this.engine.get(String(input['id']));
        if (!instance) return fail('not_found', `no strategy "${String(input['id'])}"`);
        if (name === 'strategy/pause') {
          this.portfolio.pause(instance.id, instance.isRunning);
          await instance.cancelOpenOrders().catch((error: unknown) => {
            // Still paused: the engine places nothing while paused; the orders are retried on the next step.
            instance.requestCancel();
            this.log.warn('cancel on pause failed', { instance: instance.id, error: (error as Error).message });
          });
        } else {
          this.portfolio.resume(instance.id, instance.isRunning);
        }
        this.#audit(name, instance.id, source, reason, null);
        this.publish();
        return ok(this.#strategyView(instance));
      }
      case 'portfolio/stopAll': {
        // The kill switch: every instance stops (its loop ends and its open orders are cancelled), all at once.
        const results = await Promise.allSettled(this.engine.all().map((i) => i.stop()));
        for (const instance of this.engine.all()) this.portfolio.applyRules(instance.id, instance.isRunning);
        const failed = results.filter((r) => r.status === 'rejected').length;
        this.#audit('portfolio/stopAll', 'portfolio', source, reason, { failedCancels: failed });
        this.publish();
        return ok(this.snapshot());
      }
      case 'vault/status':
      case 'vault/create':
      case 'vault/unlock':
      case 'vault/lock':
      case 'vault/changePassword':
      case 'vault/put':
      case 'vault/remove':
        return this.#vaultCommand(name, input, source);
      case 'account/test':
        return ok(await this.testAccount(String(input['id'])));
      case 'instance/detail': {
        const instance = this.engine.get(String(input['id']));
        if (!instance) return fail('not_found', `no instance "${String(input['id'])}"`);
        const limit = typeof input['fills'] === 'number' ? input['fills'] : 500;
        const equity = this.ledger.equitySamples(instance.id).map(equityPoint);
        const strategy = this.#strategyView(instance);
        equity.push({ t: this.#clock.now(), totalPnl: strategy.metrics.totalPnl, equity: strategy.allocation + strategy.metrics.totalPnl });
        return ok({
          strategy,
          instance: this.#instanceView(instance),
          fills: this.ledger.recentFills(instance.id, limit).map(fillView),
          funding: this.ledger.fundingFor(instance.id, limit).map(fundingView),
          equity: downsample(equity, 1000),
          audit: this.ledger.auditFor(instance.id, 200).map(auditView),
        });
      }
      case 'instance/export': {
        const instance = this.engine.get(String(input['id']));
        if (!instance) return fail('not_found', `no instance "${String(input['id'])}"`);
        const kind = String(input['kind']);
        const csv =
          kind === 'fills'
            ? fillsCsv(this.ledger.fillsFor(instance.id))
            : kind === 'funding'
              ? fundingCsv(this.ledger.fundingFor(instance.id))
              : metricsCsv(this.ledger.equitySamples(instance.id));
        return ok({ filename: `stratdesk-${instance.id}-${kind}.csv`, csv });
      }
      case 'portfolio/history': {
        const points = typeof input['points'] === 'number' ? input['points'] : 120;
        const series: Record<string, EquityPoint[]> = {};
        for (const instance of this.engine.all())
          series[instance.id] = downsample(this.ledger.equitySamples(instance.id).map(equityPoint), points);
        return ok({ asOf: new Date(this.#clock.now()).toISOString(), series });
      }
      case 'audit/list': {
        const limit = typeof input['limit'] === 'number' ? input['limit'] : 200;
        const target = typeof input['target'] === 'string' ? input['target'] : undefined;
        return ok(this.ledger.auditFor(target, limit).map(auditView));
      }
      case 'instance/start':
      case 'instance/stop': {
        const instance = this.engine.get(String(input['id']));
        if (!instance) return fail('not_found', `no instance "${String(input['id'])}"`);
        if (name === 'instance/start') instance.start();
        else await instance.stop();
        this.portfolio.applyRules(instance.id, instance.isRunning);
        this.#audit(name, instance.id, source, reason, null);
        this.publish();
        return ok(this.#instanceView(instance));
      }
    }
  }

  async #vaultCommand(name: CommandName, input: Record<string, unknown>, source: CommandSource): Promise<Result<VaultStatus>> {
    const vault = this.vault;
    if (!vault) return fail('not_found', 'this host has no key vault');
    const str = (key: string): string => String(input[key] ?? '');
    try {
      switch (name) {
        case 'vault/create':
          await vault.create(str('password'));
          break;
        case 'vault/unlock':
          await vault.unlock(str('password'));
          if (input['remember'] === true) {
            if (!this.#keychain || !(await this.#keychain.isAvailable()))
              return fail('conflict', 'there is no OS keychain to remember the password in on this system');
            await this.#keychain.save(str('password'));
          }
          this.refreshSessions();
          break;
        case 'vault/lock':
          // Locking wipes the vault's keys; sessions already connected keep the keys their ccxt client holds.
          vault.lock();
          if (input['forget'] === true) await this.#keychain?.forget();
          break;
        case 'vault/changePassword':
          await vault.changePassword(str('oldPassword'), str('newPassword'));
          break;
        case 'vault/put':
          await vault.put(str('name'), {
            apiKey: str('apiKey'),
            secret: str('secret'),
            ...(typeof input['password'] === 'string' && input['password'] !== '' ? { password: input['password'] } : {}),
          });
          this.refreshSessions();
          break;
        case 'vault/remove':
          await vault.remove(str('name'));
          break;
        default:
          break;
      }
    } catch (error) {
      return fail(vaultErrorCode(error), (error as Error).message);
    }
    // Names only: a vault action's audit line never carries a key or a password.
    if (name !== 'vault/status') this.#audit(name, typeof input['name'] === 'string' ? input['name'] : 'vault', source, null, null);
    return ok(await this.vaultStatus());
  }

  /** One authenticated call with the account's keys, and the key's restrictions where the exchange tells. */
  async testAccount(id: string): Promise<AccountTest> {
    const account = this.workspace.accounts.find((a) => a.id === id);
    if (!account) return { account: id, exchange: '', ok: false, message: `no account "${id}"`, permissions: [], warnings: [] };
    const base = { account: id, exchange: account.exchange };
    const creds = this.#resolve(account);
    if (creds === null) return { ...base, ok: false, message: 'this account has no keys', permissions: [], warnings: [] };
    if ('error' in creds) return { ...base, ok: false, message: creds.error, permissions: [], warnings: [] };
    let session: ExchangeSession | null = null;
    try {
      const symbols = [...new Set(this.workspace.instances.filter((i) => i.account === id).flatMap((i) => i.symbols))];
      session = this.#factory(account, creds, {
        id: `test-${id}`,
        type: 'fixed_spread',
        account: id,
        mode: 'observe',
        symbols: symbols.length > 0 ? symbols : ['BTC/USDT'],
        startTime: new Date().toISOString(),
        autoStart: false,
        params: {},
      });
      const check = session.checkKey ? await session.checkKey() : { permissions: [], warnings: [], isRestrictionsKnown: false };
      const message = check.isRestrictionsKnown ? 'the key works' : `the key works; ${account.exchange} does not say what else it may do`;
      return { ...base, ok: true, message, permissions: check.permissions, warnings: check.warnings };
    } catch (error) {
      return { ...base, ok: false, message: (error as Error).message, permissions: [], warnings: [] };
    } finally {
      await session?.close().catch(() => undefined);
    }
  }

  async vaultStatus(): Promise<VaultStatus> {
    const vault = this.vault;
    const exists = vault ? await vault.exists() : false;
    return {
      exists,
      isLocked: vault?.isLocked ?? true,
      entries: vault && !vault.isLocked ? vault.list() : [],
      accounts: this.workspace.accounts.map((a) => ({
        id: a.id,
        exchange: a.exchange,
        vaultEntry: a.credentials && 'vault' in a.credentials ? a.credentials.vault : null,
        isConnected: this.engine.all().some((i) => i.config.account === a.id && i.session !== null),
      })),
      notice: vault?.lastNotice ?? null,
      keychain:
        !this.#keychain || !(await this.#keychain.isAvailable())
          ? 'unavailable'
          : (await this.#keychain.load()) !== null
            ? 'remembered'
            : 'available',
    };
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

  #audit(action: string, target: string, source: CommandSource, reason: string | null, detail: unknown): void {
    this.ledger.audit({ at: this.#clock.now(), action, target, source, reason, detail: detail === null ? null : JSON.stringify(detail) });
    this.log.info('control', { action, target, source });
  }

  #afterSync(changed: string[]): void {
    for (const id of changed) this.#orderCounts.set(id, this.ledger.countOrders(id));
    for (const id of changed) {
      const instance = this.engine.get(id);
      if (instance) this.portfolio.applyRules(id, instance.isRunning);
    }
    // Instances sync on their own timers; coalesce their results into one delta.
    if (changed.length > 0 && this.#publishTimer === null && !this.#isClosed) {
      this.#publishTimer = this.#clock.after(PUBLISH_COALESCE_MS, () => {
        this.#publishTimer = null;
        if (!this.#isClosed) this.publish();
      });
    }
  }

  snapshot(): Snapshot {
    const strategies = this.engine.all().map((i) => this.#strategyView(i));
    return {
      asOf: new Date(this.#clock.now()).toISOString(),
      seq: this.#seq,
      totals: totalsOf(strategies),
      strategies,
      instances: this.engine.all().map((i) => this.#instanceView(i)),
    };
  }

  /** Sends every subscriber what changed since the last publish (health ages count as change). */
  publish(): void {
    const snap = this.snapshot();
    this.#seq++;
    const strategies = snap.strategies.filter((s) => this.#changed(`s:${s.id}`, s));
    const instances = snap.instances.filter((i) => this.#changed(`i:${i.id}`, i));
    const message: StreamMessage = { type: 'delta', seq: this.#seq, asOf: snap.asOf, totals: snap.totals, strategies, instances };
    for (const listener of this.#listeners) listener(message);
  }

  #changed(key: string, value: unknown): boolean {
    const json = JSON.stringify(value);
    if (this.#published.get(key) === json) return false;
    this.#published.set(key, json);
    return true;
  }

  /** Subscribes to the stream: the full snapshot now, then deltas. */
  subscribe(listener: (message: StreamMessage) => void): () => void {
    const snap = this.snapshot();
    listener({ type: 'snapshot', snapshot: { ...snap, seq: this.#seq } });
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #strategyView(instance: StrategyInstance): StrategyView {
    const entry = this.portfolio.get(instance.id);
    return {
      id: instance.id,
      type: instance.config.type,
      account: instance.config.account,
      mode: instance.config.mode,
      status: entry?.status ?? (instance.isRunning ? 'live' : 'stopped'),
      health: this.sync.health(instance),
      metrics: this.sync.metrics(instance.id),
      targetWeight: this.portfolio.targetWeight(instance.id),
      allocation: entry?.allocation ?? 0,
      figures: this.#figures(instance),
    };
  }

  #figures(instance: StrategyInstance): StrategyFigures {
    const fold = this.sync.fold(instance.id);
    const own = instance.strategyFigures();
    if (own?.kind === 'funding_rate') return { ...own, fundingAccrued: fold.funding };
    if (instance.config.type === 'funding_rate') {
      return {
        kind: 'funding_rate',
        basis: null,
        fundingAccrued: fold.funding,
        nextFundingTime: null,
        predictedRate: null,
        carryApr: null,
        hedgeImbalance: null,
        isHedged: false,
      };
    }
    const orders = this.#orderCounts.get(instance.id) ?? 0;
    return {
      kind: 'fixed_spread',
      inventory: Object.fromEntries([...fold.positions].map(([symbol, p]) => [symbol, p.qty])),
      spreadCapturedBps: spreadCapturedBps(fold),
      fillRate: orders > 0 ? Math.round((fold.tradeCount / orders) * 1e4) / 1e4 : null,
      quoteUptime: instance.quoteUptime === null ? null : Math.round(instance.quoteUptime * 1e4) / 1e4,
    };
  }

  #instanceView(instance: StrategyInstance): InstanceView {
    return {
      id: instance.id,
      type: instance.config.type,
      account: instance.config.account,
      mode: instance.config.mode,
      running: instance.isRunning,
      health: this.sync.health(instance),
      symbols: [...instance.config.symbols],
      startTime: new Date(Date.parse(instance.config.startTime)).toISOString(),
    };
  }
}

export function totalsOf(strategies: StrategyView[]): Totals {
  const t: Totals = {
    realizedPnl: 0,
    fees: 0,
    funding: 0,
    unrealizedPnl: 0,
    totalPnl: 0,
    todayPnl: 0,
    tradeCount: 0,
    volume: 0,
    allocation: 0,
    live: 0,
    paused: 0,
    stopped: 0,
    inError: 0,
  };
  for (const s of strategies) {
    t.realizedPnl += s.metrics.realizedPnl;
    t.fees += s.metrics.fees;
    t.funding += s.metrics.funding;
    t.unrealizedPnl += s.metrics.unrealizedPnl;
    t.totalPnl += s.metrics.totalPnl;
    t.todayPnl += s.metrics.todayPnl ?? 0;
    t.tradeCount += s.metrics.tradeCount;
    t.volume += s.metrics.volume;
    t.allocation += s.allocation;
    t[s.status] += 1;
    if (s.health.state === 'error') t.inError += 1;
  }
  for (const key of ['realizedPnl', 'fees', 'funding', 'unrealizedPnl', 'totalPnl', 'todayPnl', 'volume', 'allocation'] as const) {
    t[key] = Math.round(t[key] * 1e8) / 1e8;
  }
  return t;
}

function vaultErrorCode(error: unknown): ErrorCode {
  if (!(error instanceof VaultError)) return 'internal';
  switch (error.code) {
    case 'wrong_password':
      return 'unauthorized';
    case 'rate_limited':
      return 'rate_limited';
    case 'not_found':
    case 'no_vault':
      return 'not_found';
    case 'invalid':
      return 'bad_request';
    case 'exists':
    case 'conflict':
    case 'locked':
      return 'conflict';
    default:
      return 'internal';
  }
}

function numberParam(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : null;
}
