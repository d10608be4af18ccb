import { memo } from 'react';
import { formatWeight } from '../../format.ts';

const W = 64;
const H = 8;

/**
 * Current share of capital as a bar, the target as a tick. SVG attributes, since the CSP forbids inline
 * styles. Memoised: its row re-renders every second, the shares change when capital moves.
 */
export const AllocationBar = memo(function AllocationBar({ weight, target }: { weight: number | null; target: number | null }) {
  const w = weight === null || !Number.isFinite(weight) ? 0 : Math.min(1, Math.max(0, weight));
  const label = `Now ${formatWeight(weight)} of capital, target ${formatWeight(target)}`;
  const off = target !== null && weight !== null && Math.abs(weight - target) > 0.02;
  return (
    <svg
      className={`alloc-bar${off ? ' alloc-bar--off' : ''}`}
      width={W}
      height={H}
      viewBox={`0 0 ${W} ${H}`}
      role="img"
      aria-label={label}
    >
      <title>{label}</title>
      <rect className="alloc-bar-track" x="0" y="1" width={W} height={H - 2} rx="1" />
      <rect className="alloc-bar-fill" x="0" y="1" width={(w * W).toFixed(1)} height={H - 2} rx="1" />
      {target !== null && (
        <rect className="alloc-bar-target" x={Math.min(W - 2, Math.max(0, target * W - 1)).toFixed(1)} y="0" width="2" height={H} />
      )}
    </svg>
  );
});
