/**
 * What the window and the API see of the core: strategy and instance views and the snapshot. Pure
 * reads over the portfolio, the sync's folds and the ledger; nothing here changes state.
 */
import type { Health, InstanceView, Snapshot, StrategyFigures, StrategyView } from '../../../shared/model.ts';
import { totalsOf } from '../../../shared/totals.ts';
import type { StrategyInstance } from '../engine/botEngine.ts';
import type { Ledger } from '../ledger/ledger.ts';
import { spreadCapturedBps } from '../metrics/pnl.ts';
import type { PortfolioManager } from '../portfolio/portfolioManager.ts';
import type { PortfolioSync } from '../sync/portfolioSync.ts';
import type { StreamSync } from '../sync/streamSync.ts';

export interface ViewDeps {
  portfolio: PortfolioManager;
  sync: PortfolioSync;
  ledger: Ledger;
  now: () => number;
  /** The workspace's reporting currency (default USDT). */
  reportingCurrency: string;
  /** Known conversion rates into the reporting currency, per quote currency. */
  rates: () => Readonly<Record<string, number>>;
  /** Private streams, where the host runs them. */
  streams?: StreamSync | null;
}

export function strategyView(deps: ViewDeps, instance: StrategyInstance): StrategyView {
  const entry = deps.portfolio.get(instance.id);
  return {
    id: instance.id,
    type: instance.config.type,
    account: instance.config.account,
    mode: instance.config.mode,
    status: entry?.status ?? (instance.isRunning ? 'live' : 'stopped'),
    health: healthOf(deps, instance),
    metrics: deps.sync.metrics(instance.id),
    targetWeight: deps.portfolio.targetWeight(instance.id),
    allocation: entry?.allocation ?? 0,
    figures: figuresOf(deps, instance),
  };
}

export function instanceView(deps: ViewDeps, instance: StrategyInstance): InstanceView {
  return {
    id: instance.id,
    type: instance.config.type,
    account: instance.config.account,
    mode: instance.config.mode,
    running: instance.isRunning,
    health: healthOf(deps, instance),
    symbols: [...instance.config.symbols],
    startTime: new Date(Date.parse(instance.config.startTime)).toISOString(),
  };
}

export function snapshotOf(deps: ViewDeps, instances: readonly StrategyInstance[], seq: number): Snapshot {
  const strategies = instances.map((i) => strategyView(deps, i));
  return {
    asOf: new Date(deps.now()).toISOString(),
    seq,
    totals: totalsOf(strategies, deps.reportingCurrency, deps.rates()),
    strategies,
    instances: instances.map((i) => instanceView(deps, i)),
  };
}

/** The sync's health, with the orders the exchange still shows after a cancel (a book that is not clean). */
function healthOf(deps: ViewDeps, instance: StrategyInstance): Health {
  const stream = deps.streams?.health(instance.id) ?? null;
  const sync = deps.sync.health(instance);
  // A streamed instance is as fresh as its stream (events, pongs), not as its REST reads, which only
  // fill gaps on the slow timer; one that never read REST yet stays stale (its gap is unknown).
  const isFreshByStream = sync.state === 'stale' && stream?.state === 'connected' && sync.lastGoodSyncAt !== null;
  // A history catch-up waiting for its host's budget is behind by design: it shows as catching up, not stale.
  const isCatchingUp = sync.state === 'stale' && sync.catchUp !== null;
  return {
    ...sync,
    state: isFreshByStream || isCatchingUp ? 'ok' : sync.state,
    stillOpen: instance.stillOpen(),
    stream: stream
      ? { state: stream.state, stalledSeconds: stream.stalledSeconds, reconnects: stream.reconnects, lastError: stream.lastError }
      : { state: 'polling', stalledSeconds: null, reconnects: 0, lastError: null },
  };
}

function figuresOf(deps: ViewDeps, instance: StrategyInstance): StrategyFigures {
  const fold = deps.sync.fold(instance.id);
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
  // Orders that filled at least once over orders placed: a share, so it can never pass 100 %.
  const orders = deps.ledger.orderFillStats(instance.id);
  return {
    kind: 'fixed_spread',
    inventory: Object.fromEntries([...fold.positions].map(([symbol, p]) => [symbol, p.qty])),
    spreadCapturedBps: spreadCapturedBps(fold),
    fillRate: orders.placed > 0 ? Math.round((orders.filled / orders.placed) * 1e4) / 1e4 : null,
    quoteUptime: instance.quoteUptime === null ? null : Math.round(instance.quoteUptime * 1e4) / 1e4,
  };
}
