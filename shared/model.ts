/**
 * The snapshot model both sides of Stratdesk share ("common" layer: no electron, no node:*, no DOM).
 *
 * Units and signs (DESIGN.md, "Money"): every money figure is in the instance's quote currency
 * (`quoteCurrency`; USD-stable coins count as USD). Timestamps are ISO-8601 strings in UTC.
 */

export type InstanceType = 'fixed_spread' | 'funding_rate';
export const INSTANCE_TYPES: readonly InstanceType[] = ['fixed_spread', 'funding_rate'];

/** live places real orders, paper simulates fills on live public data, observe never trades. */
export type InstanceMode = 'live' | 'paper' | 'observe';
export const INSTANCE_MODES: readonly InstanceMode[] = ['live', 'paper', 'observe'];

/** Kept by the portfolio manager; `paused` is only ever set by a command and survives restarts. */
export type StrategyStatus = 'live' | 'paused' | 'stopped';

/** ok, stale (no good sync for 3 intervals), error (last error kept). Separate from status. */
export type HealthState = 'ok' | 'stale' | 'error';

/** Why a sync failed, by what the trader should do about it. */
export type ErrorKind = 'network' | 'timeout' | 'rate_limit' | 'auth' | 'bad_payload' | 'exchange' | 'internal';

/** Where an instance's figures came from on its last sync (DESIGN.md, "Sync"). */
export type MetricsSource = 'exchange' | 'journal' | 'snapshot';

export interface SyncError {
  /** ISO time the error happened. */
  at: string;
  kind: ErrorKind;
  /** Human-readable; never contains a secret. */
  message: string;
}

export interface CatchUp {
  /** ISO time the history has been read up to (the oldest cursor of the instance's symbols). */
  readTo: string;
  /** Share of the time from startTime to now already read, 0–1. */
  progress: number;
}

export interface Health {
  state: HealthState;
  /** ISO time of the last sync that succeeded, null before the first. */
  lastGoodSyncAt: string | null;
  /** The last error, kept after recovery so the trader can see what happened. */
  lastError: SyncError | null;
  /** Consecutive failed syncs since the last good one. */
  failures: number;
  /** Requests that failed and were retried successfully, since start (timeouts, 429s, 5xx, bad bodies). */
  retriedFaults: number;
  /** The most recent of those, kept so a fault that a retry absorbed is still visible. */
  lastFault: SyncError | null;
  /** While the first sync reads a long history (or the app catches up after days closed): how far it got. */
  catchUp: CatchUp | null;
  source: MetricsSource;
  /** Orders a cancel was asked for that the exchange still shows (retried until the book is clean); [] when clean. */
  stillOpen: StillOpen[];
  /**
   * The private stream: `connected` (fills arrive as they happen; REST fills the gaps), `reconnecting`,
   * `stalled` (silent `stalledSeconds`; polling meanwhile) or `polling` (no stream: REST only).
   */
  stream: {
    state: 'connected' | 'reconnecting' | 'stalled' | 'polling';
    stalledSeconds: number | null;
    reconnects: number;
    lastError: string | null;
  };
}

export interface Metrics {
  /** Quote currency of every money figure below (e.g. "USDT"). */
  quoteCurrency: string;
  /** Average-cost realized PnL on the signed position; excludes fees and funding. */
  realizedPnl: number;
  /** Fees in quote; + = paid, rebates negative. */
  fees: number;
  /** Funding in quote; + = received. */
  funding: number;
  /** Open inventory marked to market, in quote. */
  unrealizedPnl: number;
  /** realizedPnl + unrealizedPnl + funding − fees. */
  totalPnl: number;
  /** Unique fills attributed to the instance. */
  tradeCount: number;
  /** Σ |cost| of those fills, in quote. */
  volume: number;
  /** Signed base position per symbol (+ long, − short). */
  positions: Record<string, number>;
  /** Reducing fills whose realized PnL after that fill's fee was positive, over all reducing fills; null before the first. */
  winRate: number | null;
  /** Largest fall of totalPnl from a previous peak, in quote (≥ 0). */
  maxDrawdown: number;
  /** That fall as a fraction of the equity (capital + PnL) at the peak; null without capital. */
  maxDrawdownPct: number | null;
  /** Daily Sharpe ratio of time-weighted returns, annualised with √365; null under 2 days of history. */
  sharpe: number | null;
  /** Time-weighted return since start, as a ratio (0.05 = +5 %); capital moved in or out does not count. */
  timeWeightedReturn: number | null;
  /** Change in totalPnl since 00:00 UTC today, in quote; null before the first sample. */
  todayPnl: number | null;
  /** Fees charged in a third asset that could not be priced yet, by currency (amounts in that currency). */
  unpricedFees: Record<string, number>;
  /** True when figures come from the engine's journal rather than the exchange. */
  isEstimated: boolean;
}

/** A market maker's own figures. */
export interface FixedSpreadFigures {
  kind: 'fixed_spread';
  /** Signed base inventory per symbol. */
  inventory: Record<string, number>;
  /** (average sell − average buy) over the average price, in basis points; null before both sides filled. */
  spreadCapturedBps: number | null;
  /** Fills per order placed; null before the first order. */
  fillRate: number | null;
  /** Share of running time with a live quote on both sides, 0–1; null before it quoted. */
  quoteUptime: number | null;
}

/** A funding-rate arbitrage's own figures; null where not known yet. */
export interface FundingRateFigures {
  kind: 'funding_rate';
  /** (perp mark − spot) / spot, as a ratio. */
  basis: number | null;
  /** Funding received since start, in quote (+ = received). */
  fundingAccrued: number;
  /** ISO time of the next funding. */
  nextFundingTime: string | null;
  /** The rate the exchange predicts for the next funding, per interval (0.0001 = 1 bp). */
  predictedRate: number | null;
  /** Annualised carry of the open hedge at the predicted rate, as a ratio. */
  carryApr: number | null;
  /** (perp notional + spot notional) / spot notional: 0 when perfectly hedged. */
  hedgeImbalance: number | null;
  /** True while the hedge (long spot, short perp) is open. */
  isHedged: boolean;
}

export type StrategyFigures = FixedSpreadFigures | FundingRateFigures;

export interface StrategyView {
  /** The instance id: one strategy per instance, so two of one type never collide. */
  id: string;
  type: InstanceType;
  account: string;
  mode: InstanceMode;
  status: StrategyStatus;
  health: Health;
  metrics: Metrics;
  /** Target weight in [0, 1] from the portfolio policy; null when the policy names none. */
  targetWeight: number | null;
  /** Capital budget currently assigned to the instance, in its quote currency. */
  allocation: number;
  /** The strategy type's own figures. */
  figures: StrategyFigures;
}

export interface InstanceView {
  id: string;
  type: InstanceType;
  account: string;
  mode: InstanceMode;
  running: boolean;
  health: Health;
  symbols: string[];
  /** ISO time from which the instance owns its symbols' fills. */
  startTime: string;
}

/** Money figures summed over strategies, in one currency. */
export interface MoneySums {
  realizedPnl: number;
  /** + = paid. */
  fees: number;
  /** + = received. */
  funding: number;
  unrealizedPnl: number;
  totalPnl: number;
  /** Change in total PnL since 00:00 UTC. */
  todayPnl: number;
  volume: number;
  /** Capital budgets. */
  allocation: number;
}

/**
 * The portfolio's totals (DESIGN.md, "Money"): real money only — `live` and `observe` instances —
 * converted into the reporting currency and labelled with its real code; `paper` apart, never added.
 * Computed in one place (shared/totals.ts) for the API and the window alike.
 */
export interface Totals extends MoneySums {
  /** The reporting currency's code, e.g. "USDT" — never "USD" for a USDT sum. */
  currency: string;
  /** The rate each quote currency was converted at (1 unit = rate × reporting currency). */
  rates: Record<string, number>;
  /** Figures in a currency with no known rate: left out of the sums above, totalPnl per currency here. */
  unconverted: Record<string, number>;
  /** Paper instances' money, in the reporting currency, never part of the sums above. */
  paper: MoneySums;
  /** Unique fills over real-money strategies. */
  tradeCount: number;
  live: number;
  paused: number;
  stopped: number;
  /** Instances whose health is `error`. */
  inError: number;
}

export interface Snapshot {
  /** ISO time the snapshot was taken. */
  asOf: string;
  /** Increases by one with every snapshot or delta the host publishes. */
  seq: number;
  totals: Totals;
  strategies: StrategyView[];
  instances: InstanceView[];
}

/**
 * The fields a delta patches one level deeper. Nested rule: for an id the client already holds,
 * `metrics` and `health` carry only their sub-fields that changed (each sub-field whole, e.g. all of
 * `positions`); merge them over the object held (`{ ...held.metrics, ...patch.metrics }`). Both have
 * a fixed set of keys, so a sub-field is never removed. An id the client does not hold yet comes
 * whole, nested objects included.
 */
export const NESTED_PATCH_FIELDS: ReadonlySet<string> = new Set(['metrics', 'health']);

/** A changed strategy in a delta: its id, the top-level fields that changed, and the nested rule above. */
export type StrategyPatch = Partial<Omit<StrategyView, 'metrics' | 'health'>> & {
  id: string;
  metrics?: Partial<Metrics>;
  health?: Partial<Health>;
};
/** A changed instance in a delta: its id, the top-level fields that changed, and the nested rule above. */
export type InstancePatch = Partial<Omit<InstanceView, 'health'>> & { id: string; health?: Partial<Health> };

/**
 * What the stream carries: one full snapshot, then deltas holding only what changed — per strategy
 * and instance, only the fields that changed (merge them into the last known object by id).
 */
export type StreamMessage =
  | { type: 'snapshot'; snapshot: Snapshot }
  | {
      type: 'delta';
      seq: number;
      asOf: string;
      totals: Totals;
      strategies: StrategyPatch[];
      instances: InstancePatch[];
      /** Ids that left the workspace since the last message. */
      removed?: string[];
    };

/** target_weights (default), equal, or inverse_volatility (weights ∝ 1 / volatility of each strategy's returns). */
export type RebalancePolicy = 'target_weights' | 'equal' | 'inverse_volatility';
export const REBALANCE_POLICIES: readonly RebalancePolicy[] = ['target_weights', 'equal', 'inverse_volatility'];

/** One point of an instance's PnL history. */
export interface EquityPoint {
  /** Milliseconds since epoch. */
  t: number;
  /** totalPnl at t, in quote. */
  totalPnl: number;
  /** Capital budget + totalPnl at t, in quote. */
  equity: number;
}

/** A fill as the detail view lists it. */
export interface FillView {
  id: string;
  orderId: string | null;
  symbol: string;
  side: 'buy' | 'sell';
  /** Quote per base. */
  price: number;
  /** Base. */
  amount: number;
  /** Quote. */
  cost: number;
  /** Fee in quote, + = paid (third-asset fees excluded until priced). */
  fee: number;
  /** Milliseconds since epoch. */
  timestamp: number;
  isMaker: boolean | null;
}

/** A funding payment; amount + = received. */
export interface FundingView {
  id: string;
  symbol: string;
  amount: number;
  currency: string;
  timestamp: number;
}

export interface AuditView {
  seq: number;
  /** ISO time. */
  at: string;
  /** Command name, e.g. strategy/pause. */
  action: string;
  /** Strategy or instance id, or "portfolio". */
  target: string;
  /** Where it came from: window, api, cli, system. */
  source: string;
  reason: string | null;
}

export interface InstanceDetail {
  strategy: StrategyView;
  instance: InstanceView;
  /** Newest first, at most the requested number. */
  fills: FillView[];
  funding: FundingView[];
  equity: EquityPoint[];
  audit: AuditView[];
  /** The instance's orders as the exchange shows them now (empty when it could not be read: see openOrdersError). */
  openOrders: OpenOrderView[];
  /** Why the book could not be read, or null. */
  openOrdersError: string | null;
  /** Orders a cancel was asked for that the exchange still shows (being retried). */
  stillOpen: StillOpen[];
}

export interface PortfolioHistory {
  asOf: string;
  /** Per strategy id, oldest first, downsampled to at most the requested number of points. */
  series: Record<string, EquityPoint[]>;
}

export interface CsvExport {
  filename: string;
  csv: string;
}

export interface RebalanceMove {
  id: string;
  status: StrategyStatus;
  targetWeight: number | null;
  /** Capital budget before, in quote. */
  before: number;
  /** Capital budget after, in quote. */
  after: number;
  /** after − before. */
  move: number;
}

export interface RebalancePlan {
  /** Names this plan: Apply with it applies exactly these moves, or is refused if the portfolio moved. */
  id: string;
  /** The state the plan was made from (each strategy's status and capital, the targets). */
  fingerprint: string;
  policy: RebalancePolicy;
  asOf: string;
  dryRun: boolean;
  /** True once the plan has been written to the instances' budgets. */
  applied: boolean;
  totalCapital: number;
  moves: RebalanceMove[];
}

export interface AllocationRow {
  id: string;
  status: StrategyStatus;
  /** Capital budget now, in quote. */
  current: number;
  currentWeight: number;
  targetWeight: number | null;
  /** Capital the policy would give it, in quote. */
  target: number;
}

export interface AllocationView {
  asOf: string;
  policy: RebalancePolicy;
  totalCapital: number;
  strategies: AllocationRow[];
}

/** The key vault as the window may see it: names and masked keys only, never a secret. */
export interface VaultStatus {
  exists: boolean;
  isLocked: boolean;
  entries: { name: string; /** Last 4 characters behind a mask. */ apiKey: string; hasPassword: boolean; updatedAt: string }[];
  /** Accounts that name a vault entry, and whether their instances have a session now. */
  accounts: { id: string; exchange: string; vaultEntry: string | null; isConnected: boolean }[];
  /** Something the trader should know that is not an error, e.g. the backup was opened. */
  notice: string | null;
  /** Unlock through the OS keychain: unavailable here, available, or a password is remembered. */
  keychain: 'unavailable' | 'available' | 'remembered';
  /** Each exchange host's request-weight budget in its current window, as the accounts view shows it. */
  hostBudgets?: HostBudget[];
}

/** One exchange host's (and weight pool's) request budget in the current window, shared by every account on it. */
export interface HostBudget {
  /** Scheme + host of the API, e.g. "https://api.binance.com". */
  origin: string;
  /** The exchange's limit family on that host (Binance: api, sapi, fapi; others: ip). */
  pool: string;
  /** Weight spent in the current window, in the exchange's own units (request count where it counts requests). */
  used: number;
  limit: number;
  windowMs: number;
  /** Part of the limit kept for placing and cancelling orders: reads stop short of it. */
  reserved: number;
  /** Requests waiting for the next window. */
  queued: number;
  /** ISO time until which the exchange asked this host to pause (429/418), else null. */
  blockedUntil: string | null;
}

/** The result of testing an account's key: one authenticated call, and the key's restrictions where the exchange tells. */
export interface AccountTest {
  account: string;
  exchange: string;
  ok: boolean;
  /** What happened, in a sentence; never contains the key. */
  message: string;
  permissions: string[];
  warnings: string[];
}

/** An order the exchange still shows on the book after a cancel was asked for (DESIGN.md, "Control"). */
export interface StillOpen {
  instance: string;
  symbol: string;
  orderId: string;
  /** Why it is still there, e.g. "cancel answered 503; retrying". */
  why: string;
}

/**
 * What every control command answers (pause, resume, start, stop, Stop all, cancels): the snapshot
 * after the command, and the orders still on the book, read back from the exchange. `stillOpen` is
 * empty only when the exchange showed the book clean.
 */
export interface ControlResult extends Snapshot {
  stillOpen: StillOpen[];
}

/** One of an instance's open orders as the exchange shows it. */
export interface OpenOrderView {
  orderId: string;
  clientOrderId: string | null;
  symbol: string;
  side: 'buy' | 'sell';
  /** Quote per base. */
  price: number;
  /** Base, as placed. */
  amount: number;
  /** Base filled so far. */
  filled: number;
  /** Milliseconds since epoch. */
  placedAt: number;
}

/** The workspace file (version 2) as JSON; the host validates it (DESIGN.md, "Workspace file"). */
export interface WorkspaceDocument {
  version: 2;
  syncIntervalMs: number;
  reportingCurrency?: string;
  accounts: {
    id: string;
    exchange: string;
    sandbox?: boolean;
    apiBaseUrl?: string;
    credentials?: { vault: string } | { apiKey: string; secret: string; password?: string };
  }[];
  instances: {
    id: string;
    type: InstanceType;
    account: string;
    mode: InstanceMode;
    symbols: string[];
    /** ISO time with a zone (`Z` or `±hh:mm`). */
    startTime: string;
    autoStart?: boolean;
    params: Record<string, unknown>;
  }[];
  portfolio: { policy: RebalancePolicy; targets: Record<string, number> };
}

export interface WorkspaceState {
  workspace: WorkspaceDocument;
  /** Increases with every applied change; a PUT naming an older one is refused (409). */
  revision: number;
  /** Whether there is a previous revision to undo to. */
  canUndo: boolean;
}

/** What applying a workspace change did, per instance id. */
export interface WorkspaceApplied {
  revision: number;
  applied: { started: string[]; stopped: string[]; restarted: string[]; unchanged: string[] };
}

export interface MarketList {
  exchange: string;
  symbols: { symbol: string; type: 'spot' | 'swap' | 'future' | 'option'; base: string; quote: string }[];
}

/** One asset of an account: the exchange's balance against what the account's instances account for. */
export interface ReconciledAsset {
  asset: string;
  /** The exchange's total (spot free + locked, plus the futures wallet), in the asset. */
  exchange: number;
  /** What the instances' ledgers and capital account for, in the asset. */
  accounted: number;
  /** Deposits, withdrawals and transfers since the baseline, in the asset (+ = in). */
  explained: number;
  /** exchange − accounted − explained; 0 when everything is accounted for. */
  difference: number;
}

export interface ReconciledPosition {
  symbol: string;
  /** The exchange's signed position, base. */
  exchange: number;
  /** The instances' signed position from their ledgers, base. */
  accounted: number;
  difference: number;
}

/** A fill on the account that no instance placed (another bot, a human), waiting to be assigned. */
export interface UnattributedFill {
  id: string;
  symbol: string;
  side: 'buy' | 'sell';
  amount: number;
  price: number;
  timestamp: number;
}

export interface Reconciliation {
  account: string;
  asOf: string;
  /** True when every difference is within tolerance. */
  ok: boolean;
  assets: ReconciledAsset[];
  positions: ReconciledPosition[];
  unattributed: UnattributedFill[];
  movements: { kind: 'deposit' | 'withdrawal' | 'transfer'; asset: string; amount: number; timestamp: number; note: string }[];
  /** Likely causes, in sentences ("0.01 BTC traded on BTC/USDT by no instance"). */
  notes: string[];
}
