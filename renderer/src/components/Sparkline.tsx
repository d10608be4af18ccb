import { memo } from 'react';
import { formatSignedMoney, formatTimestamp } from '../format.ts';
import { useStratdesk } from '../store/hooks.ts';
import type { SparkPoint } from '../store/index.ts';

const W = 68;
const H = 24;

/** One decimal is finer than a pixel; Math.round and string concatenation cost a fraction of toFixed. */
const r1 = (v: number): number => Math.round(v * 10) / 10;

/**
 * SVG polyline points, x by time, y by value; a flat line sits in the middle. Per pixel column only
 * its first, lowest, highest and last point (in time order): up to 480 points drawn into ~66 columns
 * would otherwise cost the string, the attribute parse and the paint of points no one can see, on
 * every row every second, for the same line on screen.
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
  const xOf = (p: SparkPoint): number => ((p.t - first.t) / span) * (width - 2) + 1;
  const yOf = (p: SparkPoint): number => (range === 0 ? height / 2 : height - 2 - ((p.v - min) / range) * (height - 4));
  const parts: string[] = [];
  // The current column's first, lowest, highest and last points, by index into `points`.
  let column = NaN;
  let start = 0;
  let low = 0;
  let high = 0;
  const flush = (end: number): void => {
    let previous = -1;
    for (const i of [start, low, high, end].sort((a, b) => a - b)) {
      if (i === previous) continue;
      previous = i;
      const p = points[i] as SparkPoint;
      parts.push(`${r1(xOf(p))},${r1(yOf(p))}`);
    }
  };
  for (let i = 0; i < points.length; i++) {
    const p = points[i] as SparkPoint;
    const at = Math.floor(xOf(p));
    if (at !== column) {
      if (i > 0) flush(i - 1);
      column = at;
      start = low = high = i;
    } else if (p.v < (points[low] as SparkPoint).v) low = i;
    else if (p.v > (points[high] as SparkPoint).v) high = i;
  }
  flush(points.length - 1);
  return parts.join(' ');
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
      viewBox={`0 0 ${W} ${H}`}
      role="img"
      aria-label={title}
      data-testid="sparkline"
      data-points={points.length}
    >
      <title>{title}</title>
      <polyline points={sparkPath(points)} fill="none" stroke="currentColor" strokeWidth="1.25" />
    </svg>
  );
});
