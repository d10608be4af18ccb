import { memo } from 'react';
import { formatSignedMoney, formatTimestamp } from '../format.ts';
import { useStratdesk } from '../store/hooks.ts';
import type { SparkPoint } from '../store/index.ts';

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
export function sparkPath(points: readonly SparkPoint[], width = W, height = H): string {
  if (points.length < 2) return '';
  const first = points[0] as SparkPoint;
  const last = points[points.length - 1] as SparkPoint;
  const span = Math.max(1, last.t - first.t);
  let min = Infinity;
  let max = -Infinity;
  for (const p of points) {
    if (p.v < min) min = p.v;
    if (p.v > max) max = p.v;
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
  let start = 0;
  let low = 0;
  let high = 0;
  const flush = (end: number): void => {
    const a = Math.min(low, high);
    const b = Math.max(low, high);
    emit(start);
    if (a !== start) emit(a);
    if (b !== a) emit(b);
    if (end !== b) emit(end);
  };
  for (let i = 0; i < points.length; i++) {
    const p = points[i] as SparkPoint;
    const at = Math.floor(((p.t - first.t) * xScale) / UNIT);
    if (at !== column) {
      if (i > 0) flush(i - 1);
      column = at;
      start = low = high = i;
    } else if (p.v < (points[low] as SparkPoint).v) low = i;
    else if (p.v > (points[high] as SparkPoint).v) high = i;
  }
  flush(points.length - 1);
  return out;
}

/** A strategy's recent total PnL; selects only its own series, so a new point re-renders only it. */
export const Sparkline = memo(function Sparkline({ id, currency }: { id: string; currency: string }) {
  const points = useStratdesk((state) => state.sparkById[id]);
  if (points === undefined || points.length < 2) {
    return (
      <span className="spark spark--empty" title="Not enough history yet">
        —
      </span>
    );
  }
  const first = points[0] as SparkPoint;
  const last = points[points.length - 1] as SparkPoint;
  const change = last.v - first.v;
  const tone = change > 0 ? 'pos' : change < 0 ? 'neg' : 'zero';
  const title = `Total PnL ${formatSignedMoney(first.v, currency)} → ${formatSignedMoney(last.v, currency)}\n${formatTimestamp(new Date(first.t).toISOString())} → ${formatTimestamp(new Date(last.t).toISOString())}`;
  return (
    <svg
      className={`spark spark--${tone}`}
      width={W}
      height={H}
      viewBox={`0 0 ${W * UNIT} ${H * UNIT}`}
      role="img"
      aria-label={title}
      data-testid="sparkline"
      data-points={points.length}
    >
      <title>{title}</title>
      <polyline points={sparkPath(points)} fill="none" stroke="currentColor" strokeWidth={1.25 * UNIT} />
    </svg>
  );
});
