/**
 * The portfolio: one strategy per instance (keyed by the instance id), each with its status,
 * target weight and capital allocation. Status rules (DESIGN.md, "Words"):
 *   running and not paused → live; not running and live → stopped; paused only by command, and kept.
 */
import { createHash } from 'node:crypto';
import type { AllocationView, RebalanceMove, RebalancePlan, RebalancePolicy, StrategyStatus } from '../../../shared/model.ts';
import type { Ledger } from '../ledger/ledger.ts';

export interface StrategyEntry {
  id: string;
  status: StrategyStatus;
  /** Capital budget in quote. */
  allocation: number;
}

export interface PortfolioOptions {
  policy: RebalancePolicy;
  targets: Record<string, number>;
  ledger: Ledger;
  now: () => number;
  /** Volatility of a strategy's returns, for the inverse_volatility policy; null when unknown. */
  volatility?: (id: string) => number | null;
}

export class PortfolioManager {
  policy: RebalancePolicy;
  #targets: Record<string, number>;
  #ledger: Ledger;
  #now: () => number;
  #volatility: (id: string) => number | null;
  #entries = new Map<string, StrategyEntry>();

  constructor(options: PortfolioOptions) {
    this.policy = options.policy;
    this.#targets = options.targets;
    this.#ledger = options.ledger;
    this.#now = options.now;
    this.#volatility = options.volatility ?? (() => null);
  }

  /** Registers an instance's strategy, restoring its status and allocation from the ledger. */
  add(id: string, isRunning: boolean, defaultAllocation: number): StrategyEntry {
    const stored = this.#ledger.strategyState(id);
    const entry: StrategyEntry = {
      id,
      status: stored?.status ?? (isRunning ? 'live' : 'stopped'),
      allocation: stored?.allocation ?? defaultAllocation,
    };
    this.#entries.set(id, entry);
    this.applyRules(id, isRunning);
    return entry;
  }

  /** A workspace change set new targets (or a new default policy). */
  setTargets(policy: RebalancePolicy, targets: Record<string, number>): void {
    this.policy = policy;
    this.#targets = targets;
  }

  /** An instance left the workspace: its strategy leaves the portfolio (its stored state stays in the ledger). */
  remove(id: string): void {
    this.#entries.delete(id);
  }

  get(id: string): StrategyEntry | undefined {
    return this.#entries.get(id);
  }

  ids(): string[] {
    return [...this.#entries.keys()];
  }

  targetWeight(id: string): number | null {
    const t = this.#targets[id];
    return t === undefined ? null : t;
  }

  /** The status rules, run after every sync and every start/stop. Returns true when the status changed. */
  applyRules(id: string, isRunning: boolean): boolean {
    const entry = this.#require(id);
    const before = entry.status;
    if (entry.status !== 'paused') entry.status = isRunning ? 'live' : 'stopped';
    this.#persist(entry, isRunning);
    return entry.status !== before;
  }

  pause(id: string, isRunning: boolean): StrategyEntry {
    const entry = this.#require(id);
    entry.status = 'paused';
    this.#persist(entry, isRunning);
    return entry;
  }

  resume(id: string, isRunning: boolean): StrategyEntry {
    const entry = this.#require(id);
    entry.status = isRunning ? 'live' : 'stopped';
    this.#persist(entry, isRunning);
    return entry;
  }

  allocation(policy: RebalancePolicy = this.policy): AllocationView {
    const plan = this.plan(policy, true);
    const total = plan.totalCapital;
    return {
      asOf: plan.asOf,
      policy,
      totalCapital: total,
      strategies: plan.moves.map((m) => ({
        id: m.id,
        status: m.status,
        current: m.before,
        currentWeight: total > 0 ? round(m.before / total, 6) : 0,
        targetWeight: m.targetWeight,
        target: m.after,
      })),
    };
  }

  /**
   * Target capital per strategy. Paused and stopped strategies keep their capital; the rest of the
   * total is shared among live ones by target weight (`equal`: evenly). Live strategies without a
   * target get nothing moved to them only when some live strategy has a target.
   */
  plan(policy: RebalancePolicy, isDryRun: boolean): RebalancePlan {
    const entries = [...this.#entries.values()];
    const totalCapital = round(
      entries.reduce((sum, e) => sum + e.allocation, 0),
      2,
    );
    const targeted = entries.filter((e) => e.status === 'live' && (this.#targets[e.id] ?? 0) > 0);
    // Under target weights, a live strategy the targets do not name keeps its capital: only a policy
    // that names every live strategy (equal, inverse volatility) may move it.
    const live = entries.filter(
      (e) => e.status === 'live' && (policy !== 'target_weights' || targeted.length === 0 || targeted.includes(e)),
    );
    const fixed = entries.filter((e) => !live.includes(e)).reduce((sum, e) => sum + e.allocation, 0);
    const movable = totalCapital - fixed;
    const weights = new Map<string, number>();
    if (policy === 'inverse_volatility') {
      // Weight ∝ 1/σ. A strategy without enough history to measure σ gets the median weight of the others.
      const inv = new Map(
        live
          .map((e) => [e.id, this.#volatility(e.id)] as const)
          .filter((x): x is [string, number] => x[1] !== null && x[1] > 0)
          .map(([id, v]) => [id, 1 / v]),
      );
      const known = [...inv.values()].sort((a, b) => a - b);
      const median = known.length > 0 ? (known[Math.floor((known.length - 1) / 2)]! + known[Math.ceil((known.length - 1) / 2)]!) / 2 : 1;
      for (const e of live) weights.set(e.id, inv.get(e.id) ?? median);
    } else if (policy === 'equal' || targeted.length === 0) {
      for (const e of live) weights.set(e.id, 1);
    } else {
      for (const e of live) weights.set(e.id, this.#targets[e.id] ?? 0);
    }
    const weightSum = [...weights.values()].reduce((a, b) => a + b, 0);
    const afters = splitExactly(
      movable,
      live.map((e) => (weightSum > 0 ? (weights.get(e.id) ?? 0) / weightSum : 0)),
    );
    const moves: RebalanceMove[] = entries.map((e) => {
      const index = live.indexOf(e);
      const after = index < 0 || weightSum <= 0 ? round(e.allocation, 2) : (afters[index] ?? e.allocation);
      return {
        id: e.id,
        status: e.status,
        targetWeight: this.targetWeight(e.id),
        before: round(e.allocation, 2),
        after,
        move: round(after - e.allocation, 2),
      };
    });
    const fingerprint = this.fingerprint();
    const id = createHash('sha256')
      .update(JSON.stringify([policy, fingerprint, moves.map((m) => [m.id, m.after])]))
      .digest('hex')
      .slice(0, 16);
    return { id, fingerprint, policy, asOf: new Date(this.#now()).toISOString(), dryRun: isDryRun, applied: false, totalCapital, moves };
  }

  /** The state a plan depends on: each strategy's status and capital, and the targets. */
  fingerprint(): string {
    const state = [...this.#entries.values()].map((e) => [e.id, e.status, round(e.allocation, 2)]);
    return createHash('sha256')
      .update(JSON.stringify([state, this.#targets]))
      .digest('hex')
      .slice(0, 16);
  }

  /** Writes a plan's budgets; the caller logs it. */
  apply(plan: RebalancePlan, isRunning: (id: string) => boolean): RebalancePlan {
    for (const move of plan.moves) {
      const entry = this.#entries.get(move.id);
      if (!entry) continue;
      entry.allocation = move.after;
      this.#persist(entry, isRunning(move.id));
    }
    return { ...plan, applied: true };
  }

  #persist(entry: StrategyEntry, isRunning: boolean): void {
    this.#ledger.saveStrategyState({ id: entry.id, status: entry.status, allocation: entry.allocation, isRunning }, this.#now());
  }

  #require(id: string): StrategyEntry {
    const entry = this.#entries.get(id);
    if (!entry) throw new Error(`no strategy "${id}"`);
    return entry;
  }
}

/**
 * Splits `total` (to the cent) by `shares` so the parts sum to it exactly: each part rounded down to
 * the cent, the cents left over given to the largest remainders (an equal split of 120 000 in three is
 * 40 000 each, never 39 999.99 + …).
 */
export function splitExactly(total: number, shares: readonly number[]): number[] {
  const cents = Math.round(total * 100);
  const raw = shares.map((s) => cents * s);
  const parts = raw.map((r) => Math.floor(r + 1e-6));
  let left = cents - parts.reduce((a, b) => a + b, 0);
  const order = raw.map((r, i) => [r - Math.floor(r + 1e-6), i] as const).sort((a, b) => b[0] - a[0]);
  for (const [, i] of order) {
    if (left <= 0) break;
    parts[i] = (parts[i] ?? 0) + 1;
    left--;
  }
  return parts.map((p) => p / 100);
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
