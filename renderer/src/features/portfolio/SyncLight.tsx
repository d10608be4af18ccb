import { formatCount } from '../../format.ts';
import { useStratdesk, useStratdeskShallow } from '../../store/hooks.ts';
import { sharedPortfolioSums } from '../instances/tableModel.ts';
import { LiveAge } from '../../components/LiveAge.tsx';

/**
 * One light for the whole portfolio's sync: green when every instance synced well and the stream is
 * up, amber for stale, red for errors or a lost stream. A click filters the table to problem rows.
 */
export function SyncLight() {
  // Counts, not the strategies: 200 strategies change every second, the light and its label seldom.
  const { error, stale } = useStratdeskShallow((state) => {
    const { health } = sharedPortfolioSums(state.strategyIds, state.strategiesById);
    return { error: health.error, stale: health.stale };
  });
  const connection = useStratdesk((state) => state.connection);
  const showProblemsOnly = useStratdesk((state) => state.showProblemsOnly);
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
        · last good sync <LastGoodSync />
      </span>
    </button>
  );
}

/** The newest good sync's age: it moves with nearly every delta, so only this re-renders for it. */
function LastGoodSync() {
  const since = useStratdesk((state) => sharedPortfolioSums(state.strategyIds, state.strategiesById).lastGoodSyncAt);
  return <LiveAge since={since} oldAfterMs={15_000} />;
}
