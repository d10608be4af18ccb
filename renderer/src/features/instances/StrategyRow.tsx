import { memo, useLayoutEffect, useRef, type MouseEvent } from 'react';
import type { Health } from '../../../../shared/model.ts';
import { NOT_A_FIGURE, feesAsPnl, formatCount, formatTimestamp, formatWeight } from '../../format.ts';
import { useShallow } from 'zustand/react/shallow';
import { useCommands, useStratdesk } from '../../store/hooks.ts';
import { catchUpLine } from '../portfolio/catchUp.ts';
import { AllocationBar } from './AllocationBar.tsx';
import { HealthBadge, ModeBadge, StatusBadge } from '../../components/Badges.tsx';
import { CatchUpProgress } from '../portfolio/CatchUp.tsx';
import { LiveAge } from '../../components/LiveAge.tsx';
import { Money } from '../../components/Money.tsx';
import { Sparkline } from '../../components/Sparkline.tsx';
import { isPerpetual } from '../../../../shared/symbols.ts';

export function healthTooltip(health: Health): string {
  const lines = [`Health: ${health.state}`, `Last good sync: ${formatTimestamp(health.lastGoodSyncAt)}`];
  if (health.lastError !== null) {
    const { at, kind, message } = health.lastError;
    lines.push(`Last error (${kind}) at ${formatTimestamp(at)}: ${message}`);
  } else {
    lines.push('Last error: none');
  }
  // Faults a retry absorbed: the figures are fine, but an exchange that keeps timing out is worth knowing about.
  lines.push(`Retried faults since start: ${formatCount(health.retriedFaults)} (failed requests a retry absorbed)`);
  if (health.lastFault !== null) {
    const { at, kind, message } = health.lastFault;
    lines.push(`Last retried fault (${kind}) at ${formatTimestamp(at)}: ${message}`);
  }
  if (health.failures > 0) lines.push(`Failed syncs in a row: ${health.failures}`);
  if (health.catchUp !== null) lines.push(catchUpLine(health.catchUp));
  lines.push(`Figures from: ${health.source}`);
  return lines.join('\n');
}

/** A perpetual's ccxt symbol names its settle currency after a colon (BTC/USDT:USDT). */
export function hasPerpetual(symbols: readonly string[] | undefined): boolean {
  return symbols?.some(isPerpetual) ?? false;
}

/**
 * The table keys rows by place, so after a re-sort this row's DOM may show another strategy. A button
 * focused in it must not stay focused for the strategy that moved in (Enter would pause that one):
 * the focus goes back to the grid, whose arrow keys still work.
 */
function useFocusLeavesWithStrategy(id: string) {
  const ref = useRef<HTMLTableRowElement>(null);
  const shown = useRef(id);
  useLayoutEffect(() => {
    const row = ref.current;
    if (shown.current === id || row === null) return;
    shown.current = id;
    const focused = row.ownerDocument.activeElement;
    if (focused !== null && row.contains(focused)) row.closest<HTMLElement>('[role="grid"]')?.focus();
  }, [id]);
  return ref;
}

/**
 * One strategy. Takes only the id and selects its own strategy, so a delta that replaces one
 * strategy object re-renders one row; `memo` keeps the table's re-render (a new key list) from
 * cascading into rows whose id did not change. Ages tick outside React (LiveAge).
 */
export const StrategyRow = memo(function StrategyRow({ id }: { id: string }) {
  // One subscription, compared field by field: eight apart cost eight store checks per row per delta.
  const { strategy, pending, isFocused, isSelected, isRunning, isPerp, totalAllocation, select } = useStratdesk(
    useShallow((state) => ({
      strategy: state.strategiesById[id],
      pending: state.pendingById[id],
      isFocused: state.focusedId === id,
      isSelected: state.selectedId === id,
      isRunning: state.instancesById[id]?.running,
      isPerp: hasPerpetual(state.instancesById[id]?.symbols),
      totalAllocation: state.totals?.allocation ?? 0,
      select: state.select,
    })),
  );
  const commands = useCommands();
  const rowRef = useFocusLeavesWithStrategy(id);
  if (strategy === undefined) return null;

  countRender(id);
  const { metrics, health, status, mode } = strategy;
  const currency = metrics.quoteCurrency;
  const breakdown = [
    `Realized ${metrics.realizedPnl}`,
    `Unrealized ${metrics.unrealizedPnl}`,
    `Funding ${metrics.funding} (+ received)`,
    `Fees ${metrics.fees} (+ paid)`,
  ].join('\n');
  const isBusy = pending !== undefined;
  const isLive = mode === 'live';
  // Funding exists for perpetuals only: a spot market maker shows "—", not a misleading 0.00.
  const hasFunding = isPerp || strategy.type === 'funding_rate' || metrics.funding !== 0;
  const running = isRunning ?? status !== 'stopped';
  const weight = totalAllocation > 0 ? strategy.allocation / totalAllocation : null;
  const healthTip = healthTooltip(health);
  const lastGood = health.lastGoodSyncAt === null ? null : Date.parse(health.lastGoodSyncAt);

  const onClick = (event: MouseEvent<HTMLTableRowElement>): void => {
    if ((event.target as HTMLElement).closest('button, a, input, select') !== null) return;
    select(id);
  };

  const classes = [
    'strategy-row',
    `strategy-row--${status}`,
    `strategy-row--mode-${mode}`,
    health.state !== 'ok' ? 'strategy-row--unhealthy' : '',
    isFocused ? 'is-focused' : '',
    isSelected ? 'is-selected' : '',
  ].join(' ');

  return (
    <tr
      ref={rowRef}
      id={`row-${id}`}
      data-testid={`strategy-row-${id}`}
      data-status={status}
      data-health={health.state}
      data-mode={mode}
      aria-selected={isFocused}
      className={classes}
      onClick={onClick}
    >
      <td className="cell-id" title={id}>
        {id}
      </td>
      <td className="cell-text" title={strategy.account}>
        {strategy.account}
      </td>
      <td data-testid="mode">
        <ModeBadge mode={mode} />
      </td>
      <td data-testid="status">
        <StatusBadge status={status} />
      </td>
      <td
        data-testid="health"
        className="cell-health"
        title={healthTip}
        data-retried={health.retriedFaults}
        data-catching-up={health.catchUp !== null}
      >
        <span className={`health-cell${health.catchUp !== null ? ' health-cell--catching-up' : ''}`} tabIndex={-1}>
          <HealthBadge state={health.state} />
          {health.catchUp === null ? (
            <LiveAge since={lastGood} oldAfterMs={health.state === 'ok' ? 30_000 : 0} hideBelowMs={health.state === 'ok' ? 10_000 : 0} />
          ) : (
            // While it reads history the useful figure is how far it got; the age is in the tooltip.
            <CatchUpProgress catchUp={health.catchUp} />
          )}
          <span className="health-tip" role="tooltip">
            {healthTip}
          </span>
        </span>
      </td>
      <td data-testid="realized" data-value={metrics.realizedPnl} className="num cell-money">
        <Money value={metrics.realizedPnl} currency={currency} isEstimated={metrics.isEstimated} />
      </td>
      {/* Shown as their effect on PnL (paid = −); data-value keeps the model's sign (+ = paid). */}
      <td data-testid="fees" data-value={metrics.fees} className="num cell-money">
        <Money
          value={feesAsPnl(metrics.fees)}
          currency={currency}
          isEstimated={metrics.isEstimated}
          detail="Fees shown as their effect on PnL: − paid, + rebate"
        />
      </td>
      <td data-testid="funding" data-value={metrics.funding} className="num cell-money">
        {hasFunding ? (
          <Money value={metrics.funding} currency={currency} isEstimated={metrics.isEstimated} detail="+ received, − paid" />
        ) : (
          <span className="na" title="No funding: this instance trades no perpetual">
            {NOT_A_FIGURE}
          </span>
        )}
      </td>
      <td data-testid="unrealized" data-value={metrics.unrealizedPnl} className="num cell-money">
        <Money value={metrics.unrealizedPnl} currency={currency} isEstimated={metrics.isEstimated} />
      </td>
      <td data-testid="total" data-value={metrics.totalPnl} className="num cell-money cell-total">
        <Money value={metrics.totalPnl} currency={currency} isEstimated={metrics.isEstimated} detail={breakdown} />
      </td>
      <td data-testid="trade-count" data-value={metrics.tradeCount} className="num">
        {formatCount(metrics.tradeCount)}
      </td>
      <td className="cell-spark">
        <Sparkline id={id} currency={currency} />
      </td>
      <td data-testid="allocation" data-value={strategy.allocation} className="num cell-alloc">
        <Money value={strategy.allocation} currency={currency} isSigned={false} />
        <span
          className="subfigure"
          title={`Share of all capital now ${formatWeight(weight)}, the policy's target ${formatWeight(strategy.targetWeight)} (read-only)`}
        >
          <AllocationBar weight={weight} target={strategy.targetWeight} /> {formatWeight(weight)} → {formatWeight(strategy.targetWeight)}
        </span>
      </td>
      <td className="cell-actions">
        <div className="row-actions">
          {status === 'live' && (
            <button type="button" className="button" disabled={isBusy} aria-busy={isBusy} onClick={() => void commands.pauseStrategy(id)}>
              Pause
            </button>
          )}
          {status === 'paused' && (
            <button
              type="button"
              className="button button--accent"
              disabled={isBusy}
              aria-busy={isBusy}
              onClick={() => void commands.resumeStrategy(id)}
            >
              Resume
            </button>
          )}
          {running ? (
            <button type="button" className="button button--danger" disabled={isBusy} onClick={() => commands.askAction(id, 'stop')}>
              Stop
            </button>
          ) : (
            <button type="button" className="button" disabled={isBusy} aria-busy={isBusy} onClick={() => void commands.startInstance(id)}>
              Start
            </button>
          )}
          {!isLive && <span className="visually-hidden">{mode} mode: not live money</span>}
        </div>
      </td>
    </tr>
  );
});

/**
 * Render counts by row, for the benchmark's "one delta re-renders one row" check. Only the
 * profiling build (`--mode profile`) exposes them; elsewhere this is one branch on a constant.
 */
const renderCounts: Record<string, number> | null = import.meta.env.MODE === 'profile' ? {} : null;
if (renderCounts !== null && typeof window !== 'undefined')
  (window as unknown as { __stratdeskRowRenders: Record<string, number> }).__stratdeskRowRenders = renderCounts;

function countRender(id: string): void {
  if (renderCounts !== null) renderCounts[id] = (renderCounts[id] ?? 0) + 1;
}
