import { formatCount } from '../../format.ts';
import { useRef } from 'react';
import { useStoreApi, useStoreWriter, useStratdesk, useStratdeskShallow } from '../../store/hooks.ts';
import type { StratdeskState } from '../../store/index.ts';
import { sharedPortfolioSums } from '../instances/tableModel.ts';
import { LiveAge, writeAgeSince } from '../../components/LiveAge.tsx';

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

function selectLastGoodSync(state: StratdeskState): number | null {
  return sharedPortfolioSums(state.strategyIds, state.strategiesById).lastGoodSyncAt;
}

/**
 * The newest good sync's age. It moves with nearly every delta and is written into the age directly
 * (`writeAgeSince`); React renders this only when there is a first good sync or none is left.
 */
function LastGoodSync() {
  const hasSynced = useStratdesk((state) => selectLastGoodSync(state) !== null);
  const store = useStoreApi();
  const ref = useRef<HTMLSpanElement>(null);
  useStoreWriter(selectLastGoodSync, (since) => writeAgeSince(ref.current, since));
  const since = hasSynced ? selectLastGoodSync(store.getState()) : null;
  return <LiveAge ref={ref} since={since} oldAfterMs={15_000} />;
}
