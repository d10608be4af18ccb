/** Builders for unit tests: a valid model object with only the fields a test cares about changed. */
import type {
  ControlResult,
  Health,
  InstanceView,
  Metrics,
  RebalancePlan,
  Snapshot,
  StrategyPatch,
  StrategyView,
  StreamMessage,
  Totals,
} from '../../shared/model.ts';

// Spelled here rather than imported from bridge.ts so the core's tests can build model objects without
// pulling the renderer's DOM code into the Node type check.
type DeltaMessage = Extract<StreamMessage, { type: 'delta' }>;

export function makeHealth(overrides: Partial<Health> = {}): Health {
  return {
    state: 'ok',
    lastGoodSyncAt: '2026-11-20T10:00:00.000Z',
    lastError: null,
    failures: 0,
    retriedFaults: 0,
    lastFault: null,
    catchUp: null,
    source: 'exchange',
    stillOpen: [],
    stream: { state: 'polling', stalledSeconds: null, reconnects: 0, lastError: null },
    ...overrides,
  };
}

export function makeMetrics(overrides: Partial<Metrics> = {}): Metrics {
  return {
    quoteCurrency: 'USDT',
    realizedPnl: 10,
    fees: 1,
    funding: 0,
    unrealizedPnl: 2,
    totalPnl: 11,
    todayPnl: 3,
    tradeCount: 4,
    volume: 1000,
    positions: { 'BTC/USDT': 0.01 },
    winRate: 0.5,
    maxDrawdown: 3,
    maxDrawdownPct: 0.003,
    sharpe: null,
    timeWeightedReturn: 0.011,
    unpricedFees: {},
    isEstimated: false,
    ...overrides,
  };
}

/** What a strategy row and its instance agree on: a live market maker on the simulator's account. */
const IDENTITY = { type: 'fixed_spread', account: 'sim', mode: 'live' } as const;

export function makeStrategy(id: string, overrides: Partial<StrategyView> = {}): StrategyView {
  return {
    id,
    ...IDENTITY,
    status: 'live',
    health: makeHealth(),
    metrics: makeMetrics(),
    targetWeight: 0.5,
    allocation: 1000,
    figures: { kind: 'fixed_spread', inventory: { 'BTC/USDT': 0.01 }, spreadCapturedBps: null, fillRate: null, quoteUptime: null },
    ...overrides,
  };
}

export function makeInstance(id: string, overrides: Partial<InstanceView> = {}): InstanceView {
  return {
    id,
    ...IDENTITY,
    running: true,
    health: makeHealth(),
    symbols: ['BTC/USDT'],
    startTime: '2026-11-20T00:00:00Z',
    ...overrides,
  };
}

export function makeTotals(overrides: Partial<Totals> = {}): Totals {
  return {
    realizedPnl: 20,
    fees: 2,
    funding: 0,
    unrealizedPnl: 4,
    totalPnl: 22,
    todayPnl: 6,
    tradeCount: 8,
    volume: 2000,
    allocation: 2000,
    live: 2,
    paused: 0,
    stopped: 0,
    inError: 0,
    currency: 'USDT',
    rates: { USDT: 1 },
    unconverted: {},
    paper: { realizedPnl: 0, fees: 0, funding: 0, unrealizedPnl: 0, totalPnl: 0, todayPnl: 0, volume: 0, allocation: 0 },
    ...overrides,
  };
}

export function makeSnapshot(seq: number, strategies: StrategyView[], overrides: Partial<Snapshot> = {}): Snapshot {
  return {
    asOf: `2026-11-20T10:00:${String(seq % 60).padStart(2, '0')}.000Z`,
    seq,
    totals: makeTotals(),
    strategies,
    instances: strategies.map((s) => makeInstance(s.id)),
    ...overrides,
  };
}

/** A control command's answer: the snapshot after it, and the orders still on the book. */
export function makeControlResult(snapshot: Snapshot, stillOpen: ControlResult['stillOpen'] = []): ControlResult {
  return { ...snapshot, stillOpen };
}

export function makeDelta(seq: number, strategies: StrategyPatch[], overrides: Partial<DeltaMessage> = {}): DeltaMessage {
  return {
    type: 'delta',
    seq,
    asOf: `2026-11-20T10:01:${String(seq % 60).padStart(2, '0')}.000Z`,
    totals: makeTotals(),
    strategies,
    instances: [],
    ...overrides,
  };
}

/** A dry-run plan moving 500 from `b` to `a` (targets 0.75 / 0.25 of 2 000). */
export function makePlan(overrides: Partial<RebalancePlan> = {}): RebalancePlan {
  return {
    id: 'plan-1',
    fingerprint: 'f1',
    policy: 'target_weights',
    asOf: '2026-11-20T10:00:00Z',
    dryRun: true,
    applied: false,
    totalCapital: 2000,
    moves: [
      { id: 'a', status: 'live', targetWeight: 0.75, before: 1000, after: 1500, move: 500 },
      { id: 'b', status: 'live', targetWeight: 0.25, before: 1000, after: 500, move: -500 },
    ],
    ...overrides,
  };
}
