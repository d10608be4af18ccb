/**
 * Recent PnL per strategy for the table's sparklines: seeded once from `portfolio/history`, then
 * one point appended per delta that carries the strategy. Written only by `bridge.ts`; one
 * strategy's new point replaces only that strategy's array, so only its row re-renders.
 */

export interface SparkPoint {
  /** Milliseconds since epoch. */
  t: number;
  /** totalPnl at t, in the strategy's quote currency. */
  v: number;
}

/** Points kept per strategy: at one per 2 s sync, about 16 minutes of live ticks on top of the seed. */
export const SPARK_MAX_POINTS = 480;

export interface HistorySlice {
  sparkById: Readonly<Record<string, readonly SparkPoint[]>>;
}

export function initialHistorySlice(): HistorySlice {
  return { sparkById: {} };
}
