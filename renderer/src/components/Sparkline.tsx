import { memo, useRef } from 'react';
import { formatSignedMoney, formatTimestamp } from '../format.ts';
import { isLookedAt, lookHandlers } from './lookedAt.ts';
import { setText } from './setText.ts';
import { useStoreApi, useStoreWriter, useStratdesk } from '../store/hooks.ts';
import type { SparkPoint, SparkSeries } from '../store/index.ts';
import { sparkLength } from '../store/historySlice.ts';

const W = 68;
const H = 24;

/**
 * The path is drawn in tenths of a pixel (the svg's viewBox is 10× its size) so every coordinate is
 * an integer: integers become text several times faster than decimals, and there are ~250 per row
 * per second.
 */
const UNIT = 10;

/**
 * SVG polyline points in tenths of a pixel, x by time, y by value; a flat line sits in the middle.
 * Per pixel column only its first, lowest, highest and last point, in time order: up to 480 points
 * drawn into ~66 columns would otherwise cost the string, the attribute parse and the paint of points
 * no one can see, on every row every second, for the same line on screen.
 */
export function sparkPath(points: readonly SparkPoint[], width = W, height = H, from = 0, to = points.length): string {
  if (to - from < 2) return '';
  const first = points[from] as SparkPoint;
  const last = points[to - 1] as SparkPoint;
  const span = Math.max(1, last.t - first.t);
  let min = Infinity;
  let max = -Infinity;
  for (let i = from; i < to; i++) {
    const v = (points[i] as SparkPoint).v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const range = max - min;
  const xScale = ((width - 2) * UNIT) / span;
  const yScale = range === 0 ? 0 : ((height - 4) * UNIT) / range;
  const yBase = range === 0 ? (height * UNIT) / 2 : (height - 2) * UNIT;
  let out = '';
  const emit = (i: number): void => {
    const p = points[i] as SparkPoint;
    const xy = `${Math.round((p.t - first.t) * xScale) + UNIT},${Math.round(yBase - (p.v - min) * yScale)}`;
    out = out === '' ? xy : `${out} ${xy}`;
  };
  // The current column's first, lowest, highest and last points, by index; first ≤ low, high ≤ last.
  let column = -1;
  let start = from;
  let low = from;
  let high = from;
  const flush = (end: number): void => {
    const a = Math.min(low, high);
    const b = Math.max(low, high);
    emit(start);
    if (a !== start) emit(a);
    if (b !== a) emit(b);
    if (end !== b) emit(end);
  };
  for (let i = from; i < to; i++) {
    const p = points[i] as SparkPoint;
    const at = Math.floor(((p.t - first.t) * xScale) / UNIT);
    if (at !== column) {
      if (i > from) flush(i - 1);
      column = at;
      start = low = high = i;
    } else if (p.v < (points[low] as SparkPoint).v) low = i;
    else if (p.v > (points[high] as SparkPoint).v) high = i;
  }
  flush(to - 1);
  return out;
}

/** What a sparkline shows for its points: tone (class), tooltip and path. One home for the component and its writer. */
function sparkView(series: SparkSeries, currency: string, withTitle: boolean): { className: string; title: string | null; path: string } {
  const { buffer, start, end } = series;
  const first = buffer[start] as SparkPoint;
  const last = buffer[end - 1] as SparkPoint;
  const change = last.v - first.v;
  const tone = change > 0 ? 'pos' : change < 0 ? 'neg' : 'zero';
  const title = !withTitle
    ? null
    : `Total PnL ${formatSignedMoney(first.v, currency)} → ${formatSignedMoney(last.v, currency)}\n${formatTimestamp(new Date(first.t).toISOString())} → ${formatTimestamp(new Date(last.t).toISOString())}`;
  return { className: `spark spark--${tone}`, title, path: sparkPath(buffer, W, H, start, end) };
}

/**
 * A line on screen is redrawn every SPARK_EVERY-th new point (every 4 s at one sync a second), not on
 * each: at ~55 s of history per pixel column a point moves the picture by a pixel at most, while building
 * and parsing the path was half of a delta's work for the ~18 rows on screen. Rows start at different
 * offsets (by id), so each delta redraws about a quarter of them. The figures beside the line stay live.
 */
const SPARK_EVERY = 4;
/** New points each line on screen has not drawn yet. */
const undrawn = new WeakMap<SVGSVGElement, number>();

function staggerOf(id: string): number {
  let hash = 0;
  for (let i = 0; i < id.length; i++) hash = (hash * 31 + id.charCodeAt(i)) | 0;
  return Math.abs(hash) % SPARK_EVERY;
}

/**
 * The sparkline on screen redrawn for new points, outside React (see `useStoreWriter`). Its tooltip (and
 * label) only when the pointer is on it or `withTitle`, as for the row's figures; those redraw at once.
 */
function writeSpark(
  svg: SVGSVGElement | null,
  id: string,
  series: SparkSeries | undefined,
  currency: string,
  withTitle = isLookedAt(svg),
): void {
  if (svg === null || series === undefined || sparkLength(series) < 2) return;
  const waiting = (undrawn.get(svg) ?? staggerOf(id)) + 1;
  if (waiting < SPARK_EVERY && !withTitle) {
    undrawn.set(svg, waiting);
    return;
  }
  undrawn.set(svg, 0);
  const { className, title, path } = sparkView(series, currency, withTitle);
  if (svg.getAttribute('class') !== className) svg.setAttribute('class', className);
  svg.setAttribute('data-points', String(sparkLength(series)));
  svg.querySelector('polyline')?.setAttribute('points', path);
  if (title === null) return;
  if (svg.getAttribute('aria-label') !== title) svg.setAttribute('aria-label', title);
  const titleEl = svg.querySelector('title');
  if (titleEl !== null) setText(titleEl, title);
}

/**
 * A strategy's recent total PnL. React renders it when it appears or when it gains its first line; every
 * new point after that is drawn by a direct write, so a second of new points re-renders no row.
 */
export const Sparkline = memo(function Sparkline({ id, currency }: { id: string; currency: string }) {
  const hasLine = useStratdesk((state) => sparkLength(state.sparkById[id]) >= 2);
  const store = useStoreApi();
  const ref = useRef<SVGSVGElement>(null);
  useStoreWriter(
    (state) => state.sparkById[id],
    (series) => writeSpark(ref.current, id, series, currency),
  );
  const series = store.getState().sparkById[id];
  if (!hasLine || series === undefined || sparkLength(series) < 2) {
    return (
      <span className="spark spark--empty" title="Not enough history yet">
        —
      </span>
    );
  }
  const { className, title, path } = sparkView(series, currency, true);
  return (
    <svg
      ref={ref}
      className={className}
      width={W}
      height={H}
      viewBox={`0 0 ${W * UNIT} ${H * UNIT}`}
      role="img"
      aria-label={title ?? undefined}
      data-testid="sparkline"
      data-points={sparkLength(series)}
      {...lookHandlers(() => writeSpark(ref.current, id, store.getState().sparkById[id], currency, true))}
    >
      <title>{title}</title>
      <polyline points={path} fill="none" stroke="currentColor" strokeWidth={1.25 * UNIT} />
    </svg>
  );
});
