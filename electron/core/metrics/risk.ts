/**
 * Risk figures from an instance's PnL history (equity samples): max drawdown, time-weighted return
 * and daily Sharpe. Folded incrementally, one sample at a time; capital moved in or out (rebalance)
 * is a flow, not a return: returns are ΔtotalPnl over the equity (capital + PnL) before it.
 */
import type { Metrics } from '../../../shared/model.ts';

export type RiskFigures = Pick<Metrics, 'maxDrawdown' | 'maxDrawdownPct' | 'sharpe' | 'timeWeightedReturn' | 'todayPnl'>;

export const NO_RISK: RiskFigures = { maxDrawdown: 0, maxDrawdownPct: null, sharpe: null, timeWeightedReturn: null, todayPnl: null };

const DAY = 86_400_000;

export interface RiskPoint {
  ts: number;
  totalPnl: number;
  capital: number;
}

export interface RiskState {
  first: RiskPoint | null;
  last: RiskPoint | null;
  peakPnl: number;
  peakEquity: number;
  maxDrawdown: number;
  maxDrawdownPct: number | null;
  /** Π (1 + r) over every step so far. */
  growth: number;
  /** UTC day index of the current day and the growth at the end of the previous day. */
  day: number | null;
  growthAtDayStart: number;
  /** totalPnl when the current UTC day began (the last point before it, or the day's first point). */
  pnlAtDayStart: number;
  dailyReturns: number[];
}

export function emptyRisk(): RiskState {
  return {
    first: null,
    last: null,
    peakPnl: 0,
    peakEquity: 0,
    maxDrawdown: 0,
    maxDrawdownPct: null,
    growth: 1,
    day: null,
    growthAtDayStart: 1,
    pnlAtDayStart: 0,
    dailyReturns: [],
  };
}

export function foldRiskPoint(state: RiskState, p: RiskPoint): void {
  if (state.last && p.ts <= state.last.ts) return;
  if (state.last) {
    const base = state.last.capital + state.last.totalPnl;
    if (base > 0) state.growth *= 1 + (p.totalPnl - state.last.totalPnl) / base;
  } else {
    state.first = p;
    state.peakPnl = p.totalPnl;
    state.peakEquity = p.capital + p.totalPnl;
  }
  const day = Math.floor(p.ts / DAY);
  if (state.day === null) {
    state.day = day;
    state.pnlAtDayStart = p.totalPnl;
  } else if (day !== state.day) {
    state.pnlAtDayStart = state.last?.totalPnl ?? p.totalPnl;
    state.dailyReturns.push(state.growth / state.growthAtDayStart - 1);
    state.growthAtDayStart = state.growth;
    state.day = day;
  }
  if (p.totalPnl > state.peakPnl) {
    state.peakPnl = p.totalPnl;
    state.peakEquity = p.capital + p.totalPnl;
  }
  const drawdown = state.peakPnl - p.totalPnl;
  if (drawdown > state.maxDrawdown) {
    state.maxDrawdown = drawdown;
    state.maxDrawdownPct = state.peakEquity > 0 ? drawdown / state.peakEquity : null;
  }
  state.last = p;
}

/** The figures, with `live` (the current, not yet sampled point) taken into account without storing it. */
export function riskFigures(state: RiskState, live: RiskPoint | null): RiskFigures {
  const s: RiskState = live ? { ...state, dailyReturns: [...state.dailyReturns] } : state;
  if (live) foldRiskPoint(s, live);
  if (!s.first || !s.last) return NO_RISK;
  const span = s.last.ts - s.first.ts;
  const returns = s.dailyReturns;
  let sharpe: number | null = null;
  if (span >= 2 * DAY && returns.length >= 2) {
    const mean = returns.reduce((a, b) => a + b, 0) / returns.length;
    const variance = returns.reduce((a, b) => a + (b - mean) ** 2, 0) / (returns.length - 1);
    sharpe = variance > 0 ? (mean / Math.sqrt(variance)) * Math.sqrt(365) : null;
  }
  return {
    maxDrawdown: round(s.maxDrawdown, 8),
    maxDrawdownPct: s.maxDrawdownPct === null ? null : round(s.maxDrawdownPct, 8),
    sharpe: sharpe === null ? null : round(sharpe, 6),
    timeWeightedReturn: round(s.growth - 1, 10),
    todayPnl: round(s.last.totalPnl - s.pnlAtDayStart, 8),
  };
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Standard deviation of step returns (ΔtotalPnl over the equity before it); null with fewer than 3 points. */
export function returnVolatility(points: readonly RiskPoint[]): number | null {
  const returns: number[] = [];
  for (let i = 1; i < points.length; i++) {
    const prev = points[i - 1];
    const cur = points[i];
    if (!prev || !cur) continue;
    const base = prev.capital + prev.totalPnl;
    if (base > 0) returns.push((cur.totalPnl - prev.totalPnl) / base);
  }
  if (returns.length < 2) return null;
  const mean = returns.reduce((a, b) => a + b, 0) / returns.length;
  const variance = returns.reduce((a, b) => a + (b - mean) ** 2, 0) / (returns.length - 1);
  return Math.sqrt(variance);
}
