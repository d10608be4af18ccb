import type { CatchUp } from '../../../../shared/model.ts';
import { catchUpLabel, catchUpLine, clampProgress, formatProgress, formatReadTo, summarizeCatchUp } from './catchUp.ts';
import { formatTimestamp } from '../../format.ts';
import { useStratdeskShallow } from '../../store/hooks.ts';
import type { StratdeskState } from '../../store/index.ts';

/**
 * One instance's catch-up in its health cell: a small bar, the share read and how far. A native
 * <progress>, not a styled div: the CSP forbids inline styles, and screen readers know the element.
 */
export function CatchUpProgress({ catchUp }: { catchUp: CatchUp }) {
  const progress = clampProgress(catchUp.progress);
  const percent = formatProgress(progress);
  return (
    <span
      className="catch-up"
      data-testid="catch-up"
      data-progress={progress}
      title={`${catchUpLine(catchUp)}. The figures fill in as it reads; everything else works meanwhile.`}
    >
      <span className="catch-up-line">
        <progress className="catch-up-bar" max={1} value={progress} aria-label={`History read: ${percent}`} />
        <span className="catch-up-pct">{percent}</span>
      </span>
      <span className="catch-up-to">{formatReadTo(catchUp.readTo, Date.now())}</span>
    </span>
  );
}

/** The summary as primitives, one pass over the strategies per store change. */
function selectSummary(state: StratdeskState): { label: string; progress: number; oldest: string | null } {
  const summary = summarizeCatchUp(state.strategyIds, state.strategiesById);
  return { label: catchUpLabel(summary), progress: summary.progress, oldest: summary.oldestReadTo };
}

/**
 * The header's "catching up 2 instances — 43 %". Selects the text and the share (primitives), so it
 * re-renders when they change, not on every delta.
 */
export function CatchUpSummary() {
  const { label, progress, oldest } = useStratdeskShallow(selectSummary);
  if (label === '') return null;
  return (
    <span
      className="catch-up-summary"
      data-testid="catch-up-summary"
      role="status"
      title={`Their first sync is reading a long history; the oldest is read to ${formatTimestamp(oldest)}. The dashboard works meanwhile; their figures fill in as they read.`}
    >
      <progress className="catch-up-bar" max={1} value={progress} aria-hidden="true" />
      {label}
    </span>
  );
}
