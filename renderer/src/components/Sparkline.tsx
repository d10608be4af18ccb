import { memo } from 'react';
import { formatSignedMoney, formatTimestamp } from '../format.ts';
import { useStratdesk } from '../store/hooks.ts';
import type { SparkPoint } from '../store/index.ts';

const W = 68;
const H = 24;

/** SVG polyline points, x by time, y by value; a flat line sits in the middle. */
export function sparkPath(points: readonly SparkPoint[], width = W, height = H): string {
  if (points.length < 2) return '';
  const first = points[0] as SparkPoint;
  const last = points[points.length - 1] as SparkPoint;
  const span = Math.max(1, last.t - first.t);
  let min = Infinity;
  let max = -Infinity;
  for (const p of points) {
    min = Math.min(min, p.v);
    max = Math.max(max, p.v);
  }
  const range = max - min;
  return points
    .map((p) => {
      const x = ((p.t - first.t) / span) * (width - 2) + 1;
      const y = range === 0 ? height / 2 : height - 2 - ((p.v - min) / range) * (height - 4);
      return `${x.toFixed(1)},${y.toFixed(1)}`;
    })
    .join(' ');
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
