/**
 * The one home of the totals rule (DESIGN.md, "Money"): `live` + `observe` strategies are real
 * money, converted into the reporting currency at the given rates; `paper` is summed apart and never
 * added. The host's snapshot (the API's `totals`) and the window's header and subtotals all call this.
 */
import type { MoneySums, StrategyView, Totals } from './model.ts';

const MONEY_KEYS = ['realizedPnl', 'fees', 'funding', 'unrealizedPnl', 'totalPnl', 'todayPnl', 'volume', 'allocation'] as const;

export function emptySums(): MoneySums {
  return { realizedPnl: 0, fees: 0, funding: 0, unrealizedPnl: 0, totalPnl: 0, todayPnl: 0, volume: 0, allocation: 0 };
}

/** Adds one strategy's figures, converted at `rate`, into `sums`. */
export function addStrategy(sums: MoneySums, s: StrategyView, rate: number): void {
  sums.realizedPnl += s.metrics.realizedPnl * rate;
  sums.fees += s.metrics.fees * rate;
  sums.funding += s.metrics.funding * rate;
  sums.unrealizedPnl += s.metrics.unrealizedPnl * rate;
  sums.totalPnl += s.metrics.totalPnl * rate;
  sums.todayPnl += (s.metrics.todayPnl ?? 0) * rate;
  sums.volume += s.metrics.volume * rate;
  sums.allocation += s.allocation * rate;
}

/** Rounds every money figure to 1e-8 of its unit: float noise stops at the edge, the ledger keeps full precision. */
export function roundSums<T extends MoneySums>(sums: T): T {
  for (const key of MONEY_KEYS) sums[key] = roundMoney(sums[key]);
  return sums;
}

export function roundMoney(value: number): number {
  const rounded = Math.round(value * 1e8) / 1e8;
  return Object.is(rounded, -0) ? 0 : rounded;
}

/** The rate for a quote currency: 1 for the reporting currency itself, else the known rate, else null. */
export function rateOf(currency: string, reporting: string, rates: Readonly<Record<string, number>>): number | null {
  if (currency === reporting) return 1;
  const rate = rates[currency];
  return rate !== undefined && Number.isFinite(rate) && rate > 0 ? rate : null;
}

export function totalsOf(strategies: readonly StrategyView[], currency: string, rates: Readonly<Record<string, number>>): Totals {
  const real = emptySums();
  const paper = emptySums();
  const used: Record<string, number> = {};
  const unconverted: Record<string, number> = {};
  const t = { tradeCount: 0, live: 0, paused: 0, stopped: 0, inError: 0 };
  for (const s of strategies) {
    t[s.status] += 1;
    if (s.health.state === 'error') t.inError += 1;
    const quote = s.metrics.quoteCurrency;
    const rate = rateOf(quote, currency, rates);
    if (rate === null) {
      // Never add a figure in another currency as if it were the reporting one: show it apart.
      unconverted[quote] = roundMoney((unconverted[quote] ?? 0) + s.metrics.totalPnl);
      continue;
    }
    used[quote] = rate;
    if (s.mode === 'paper') {
      addStrategy(paper, s, rate);
      continue;
    }
    addStrategy(real, s, rate);
    t.tradeCount += s.metrics.tradeCount;
  }
  return { ...roundSums(real), currency, rates: used, unconverted, paper: roundSums(paper), ...t };
}
