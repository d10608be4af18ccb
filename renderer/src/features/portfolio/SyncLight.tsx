import { formatCount } from '../../format.ts';
import { useStratdesk } from '../../store/hooks.ts';
import { sharedPortfolioSums } from '../instances/tableModel.ts';
import { LiveAge } from '../../components/LiveAge.tsx';

/**
 * One light for the whole portfolio's sync: green when every instance synced well and the stream is
 * up, amber for stale, red for errors or a lost stream. A click filters the table to problem rows.
 */
export function SyncLight() {
  const byId = useStratdesk((state) => state.strategiesById);
  const ids = useStratdesk((state) => state.strategyIds);
  const connection = useStratdesk((state) => state.connection);
  const showProblemsOnly = useStratdesk((state) => state.showProblemsOnly);
  const sums = sharedPortfolioSums(ids, byId);
  const { error, stale } = sums.health;
  const state = connection !== 'connected' || error > 0 ? 'error' : stale > 0 ? 'stale' : 'ok';
  const problems = [error > 0 ? `${formatCount(error)} in error` : '', stale > 0 ? `${formatCount(stale)} stale` : '']
    .filter((x) => x !== '')
    .join(', ');
  const label = connection !== 'connected' ? 'Stream down' : problems === '' ? 'All syncing' : problems;
  return (
    <button
      type="button"
      className={`sync-light sync-light--${state}`}
      data-testid="sync-light"
      data-state={state}
      onClick={showProblemsOnly}
      title="Click to show only instances that are stale or in error"
    >
      <span className="sync-dot" aria-hidden="true" />
      <span data-testid="totals-in-error" data-value={error}>
        {label}
      </span>
      <span className="sync-age">
        · last good sync <LiveAge since={sums.lastGoodSyncAt} oldAfterMs={15_000} />
      </span>
    </button>
  );
}
