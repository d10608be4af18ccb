/**
 * Recent PnL per strategy for the table's sparklines: seeded once from `portfolio/history`, then
 * one point appended per delta that carries the strategy. Written only by `bridge.ts`; one
 * strategy's new point replaces only that strategy's series, so only its sparkline is redrawn.
 */

export interface SparkPoint {
  /** Milliseconds since epoch. */
  t: number;
  /** totalPnl at t, in the strategy's quote currency. */
  v: number;
}

/** Points kept per strategy: at one per 2 s sync, about 16 minutes of live ticks on top of the seed. */
export const SPARK_MAX_POINTS = 480;

/**
 * A strategy's recent points: the window [start, end) of a buffer that the series it grew from share.
 * A delta appends one point per strategy; copying each strategy's ~480 points to do it was the largest
 * allocation of a delta, and every scavenge then had the 200 fresh copies to move (docs/BENCHMARKS.md,
 * "Renderer: where the p95 went"). So `withPoint` writes past `end` in place when this series is its
 * buffer's tip (no other series has seen that slot: each reads only its own window), and copies the last
 * SPARK_MAX_POINTS into a new buffer once the buffer holds twice that. Read it through `sparkPoints`.
 */
export interface SparkSeries {
  readonly buffer: readonly SparkPoint[];
  readonly start: number;
  readonly end: number;
}

export interface HistorySlice {
  sparkById: Readonly<Record<string, SparkSeries>>;
}

/** A series of these points (its last SPARK_MAX_POINTS), in a buffer of its own. */
export function sparkSeries(points: readonly SparkPoint[]): SparkSeries {
  const buffer = points.slice(-SPARK_MAX_POINTS);
  return { buffer, start: 0, end: buffer.length };
}

/** The series with one more point at its end (and its first dropped past SPARK_MAX_POINTS). */
export function withPoint(series: SparkSeries | undefined, point: SparkPoint): SparkSeries {
  if (series === undefined) return { buffer: [point], start: 0, end: 1 };
  const { buffer, end } = series;
  const start = end - series.start >= SPARK_MAX_POINTS ? end - SPARK_MAX_POINTS + 1 : series.start;
  if (end === buffer.length && buffer.length < 2 * SPARK_MAX_POINTS) {
    // The tip: the slot at `end` is unseen by every series, older ones end before it.
    (buffer as SparkPoint[]).push(point);
    return { buffer, start, end: end + 1 };
  }
  const copy = buffer.slice(start, end);
  copy.push(point);
  return { buffer: copy, start: 0, end: copy.length };
}

/** Its points, oldest first (a copy). */
export function sparkPoints(series: SparkSeries | undefined): SparkPoint[] {
  return series === undefined ? [] : series.buffer.slice(series.start, series.end);
}

export function sparkLength(series: SparkSeries | undefined): number {
  return series === undefined ? 0 : series.end - series.start;
}

/** Its newest point. */
export function lastSpark(series: SparkSeries | undefined): SparkPoint | undefined {
  return series === undefined || series.end === series.start ? undefined : series.buffer[series.end - 1];
}

export function initialHistorySlice(): HistorySlice {
  return { sparkById: {} };
}
