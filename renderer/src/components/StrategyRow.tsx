import { memo } from 'react';
import type { Health, InstanceType } from '../../../shared/model.ts';
import { feesAsPnl, formatCount, formatTimestamp, formatWeight } from '../format.ts';
import { useCommands, useStratdesk } from '../store/hooks.ts';
import { HealthBadge, ModeBadge, StatusBadge } from './Badges.tsx';
import { Money } from './Money.tsx';

const TYPE_LABEL: Record<InstanceType, string> = {
  fixed_spread: 'Fixed spread',
  funding_rate: 'Funding arb',
};

export function healthTooltip(health: Health): string {
  const lines = [`Health: ${health.state}`, `Last good sync: ${formatTimestamp(health.lastGoodSyncAt)}`];
  if (health.lastError !== null) {
    const { at, kind, message } = health.lastError;
    lines.push(`Last error (${kind}) at ${formatTimestamp(at)}: ${message}`);
  } else {
    lines.push('Last error: none');
  }
  if (health.failures > 0) lines.push(`Failed syncs in a row: ${health.failures}`);
  lines.push(`Figures from: ${health.source}`);
  return lines.join('\n');
}

/**
 * One strategy. Takes only the id and selects its own strategy, so a delta that replaces one
 * strategy object re-renders one row; `memo` keeps the table's re-render (a new id list) from
 * cascading into rows whose id did not change.
 */
export const StrategyRow = memo(function StrategyRow({ id }: { id: string }) {
  const strategy = useStratdesk((state) => state.strategiesById[id]);
  const pending = useStratdesk((state) => state.pendingById[id]);
  const commands = useCommands();
  if (strategy === undefined) return null;

  const { metrics, health, status } = strategy;
  const currency = metrics.quoteCurrency;
  const breakdown = [
    `Realized ${metrics.realizedPnl}`,
    `Unrealized ${metrics.unrealizedPnl}`,
    `Funding ${metrics.funding} (+ received)`,
    `Fees ${metrics.fees} (+ paid)`,
  ].join('\n');
  const isBusy = pending !== undefined;

  return (
    <tr data-testid={`strategy-row-${id}`} data-status={status} className={`strategy-row strategy-row--${status}`}>
      <td className="cell-id" title={id}>
        {id}
      </td>
      <td className="cell-text">{TYPE_LABEL[strategy.type]}</td>
      <td className="cell-text">{strategy.account}</td>
      <td data-testid="mode">
        <ModeBadge mode={strategy.mode} />
      </td>
      <td data-testid="status">
        <StatusBadge status={status} />
      </td>
      <td data-testid="health" title={healthTooltip(health)}>
        <HealthBadge state={health.state} />
      </td>
      <td data-testid="realized" data-value={metrics.realizedPnl} className="num">
        <Money value={metrics.realizedPnl} currency={currency} isEstimated={metrics.isEstimated} />
      </td>
      {/* Shown as their effect on PnL (paid = −); data-value keeps the model's sign (+ = paid). */}
      <td data-testid="fees" data-value={metrics.fees} className="num">
        <Money
          value={feesAsPnl(metrics.fees)}
          currency={currency}
          isEstimated={metrics.isEstimated}
          detail="Fees shown as their effect on PnL: − paid, + rebate"
        />
      </td>
      <td data-testid="total" data-value={metrics.totalPnl} className="num cell-total">
        <Money value={metrics.totalPnl} currency={currency} isEstimated={metrics.isEstimated} detail={breakdown} />
      </td>
      <td data-testid="trade-count" data-value={metrics.tradeCount} className="num">
        {formatCount(metrics.tradeCount)}
      </td>
      <td data-testid="allocation" data-value={strategy.allocation} className="num">
        <Money value={strategy.allocation} currency={currency} isSigned={false} />
        <span className="subfigure" title="Target weight from the portfolio policy">
          target {formatWeight(strategy.targetWeight)}
        </span>
      </td>
      <td className="cell-actions">
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
      </td>
    </tr>
  );
});
