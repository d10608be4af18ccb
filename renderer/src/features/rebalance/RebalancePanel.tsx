import { REBALANCE_POLICIES, type RebalanceMove, type RebalancePlan, type RebalancePolicy } from '../../../../shared/model.ts';
import { formatMoney, formatTimestamp, formatWeight, moneyTone } from '../../format.ts';
import { useCommands, useStratdesk } from '../../store/hooks.ts';
import { StatusBadge } from '../../components/Badges.tsx';
import { Money } from '../../components/Money.tsx';
import { reportingCurrency } from '../instances/tableModel.ts';
import { TableHead, num } from '../../components/TableHead.tsx';

const POLICY_LABEL: Record<RebalancePolicy, string> = {
  target_weights: 'Target weights',
  equal: 'Equal weights',
  inverse_volatility: 'Inverse volatility',
};

function isPolicy(value: string): value is RebalancePolicy {
  return (REBALANCE_POLICIES as readonly string[]).includes(value);
}

function PlanRow({ move, totalBefore, totalAfter }: { move: RebalanceMove; totalBefore: number; totalAfter: number }) {
  // Moves carry no currency of their own; the strategy's quote currency is the unit of its budget.
  const currency = useStratdesk((state) => state.strategiesById[move.id]?.metrics.quoteCurrency ?? reportingCurrency(state));
  return (
    <tr data-testid={`plan-row-${move.id}`} data-move={move.move}>
      <td className="cell-id">{move.id}</td>
      <td>
        <StatusBadge status={move.status} />
      </td>
      <td className="num">{formatWeight(move.targetWeight)}</td>
      <td className="num">
        <Money value={move.before} currency={currency} isSigned={false} />
        <span className="subfigure">{formatWeight(totalBefore > 0 ? move.before / totalBefore : null)}</span>
      </td>
      <td className="num">
        <Money value={move.after} currency={currency} isSigned={false} />
        <span className="subfigure">{formatWeight(totalAfter > 0 ? move.after / totalAfter : null)}</span>
      </td>
      <td className="num">
        <Money value={move.move} currency={currency} />
      </td>
    </tr>
  );
}

function PlanTable({ plan }: { plan: RebalancePlan }) {
  const currency = useStratdesk(reportingCurrency);
  const totalBefore = plan.moves.reduce((sum, m) => sum + m.before, 0);
  const totalAfter = plan.moves.reduce((sum, m) => sum + m.after, 0);
  return (
    <div className="table-scroll">
      <table className="grid plan" data-testid="rebalance-plan">
        <TableHead
          columns={[
            'Strategy',
            'Status',
            num('Target weight', "From the workspace's portfolio targets (read-only here)"),
            num('Before (share)'),
            num('After (share)'),
            num('Move'),
          ]}
        />
        <tbody>
          {plan.moves.map((move) => (
            <PlanRow key={move.id} move={move} totalBefore={totalBefore} totalAfter={totalAfter} />
          ))}
        </tbody>
        <tfoot>
          <tr className="subtotal-row">
            <th scope="row" colSpan={3}>
              Total
            </th>
            <td className="num">
              <Money value={totalBefore} currency={currency} isSigned={false} />
            </td>
            <td className="num">
              <Money value={totalAfter} currency={currency} isSigned={false} />
            </td>
            <td className="num">
              <Money value={totalAfter - totalBefore} currency={currency} />
            </td>
          </tr>
        </tfoot>
      </table>
      {plan.moves.length === 0 && <p className="empty">No strategies to rebalance.</p>}
    </div>
  );
}

function capitalMoved(plan: RebalancePlan): number {
  // Every unit moved leaves one budget and joins another: half the absolute moves.
  return plan.moves.reduce((sum, move) => sum + Math.abs(move.move), 0) / 2;
}

function changedBudgets(plan: RebalancePlan): number {
  return plan.moves.filter((move) => moneyTone(move.move) !== 'zero').length;
}

export function RebalancePanel() {
  const currency = useStratdesk(reportingCurrency);
  const rebalance = useStratdesk((state) => state.rebalance);
  const commands = useCommands();
  if (rebalance.phase === 'closed') return null;

  const isApplying = rebalance.phase === 'applying';
  const policyValue = rebalance.policy ?? '';

  return (
    <section className="panel rebalance" aria-labelledby="rebalance-heading" data-testid="rebalance-panel">
      <div className="panel-head">
        <h2 id="rebalance-heading" className="panel-title">
          Rebalance
        </h2>
        <label className="field">
          Policy
          <select
            data-testid="rebalance-policy"
            value={policyValue}
            disabled={isApplying || rebalance.phase === 'applied'}
            onChange={(event) => {
              const value = event.target.value;
              void commands.planRebalance(isPolicy(value) ? value : null);
            }}
          >
            <option value="">Workspace policy</option>
            <option value="target_weights">{POLICY_LABEL.target_weights}</option>
            <option value="equal">{POLICY_LABEL.equal}</option>
            <option value="inverse_volatility">{POLICY_LABEL.inverse_volatility}</option>
          </select>
        </label>
      </div>

      {rebalance.phase === 'loading' && (
        <p className="empty" aria-busy="true">
          Syncing every instance and computing the plan…
        </p>
      )}

      {rebalance.phase === 'applied' && (
        <p className="notice notice--ok" data-testid="rebalance-applied" role="status">
          Applied at {formatTimestamp(rebalance.plan.asOf)} ({POLICY_LABEL[rebalance.plan.policy]}):{' '}
          {formatMoney(capitalMoved(rebalance.plan), currency)} moved, {changedBudgets(rebalance.plan)} of {rebalance.plan.moves.length}{' '}
          budgets changed. The budgets below are now in force.
        </p>
      )}

      {(rebalance.phase === 'plan' || rebalance.phase === 'applying') && (
        <p className="notice">
          Dry run ({POLICY_LABEL[rebalance.plan.policy]}, as of {formatTimestamp(rebalance.plan.asOf)}): nothing has moved yet. Total
          capital {formatMoney(rebalance.plan.totalCapital, currency)}, {formatMoney(capitalMoved(rebalance.plan), currency)} would move.
        </p>
      )}

      {rebalance.phase !== 'loading' && <PlanTable plan={rebalance.plan} />}

      <p className="muted small" data-testid="targets-readonly">
        Target weights come from the workspace file and are read-only here: editing them needs a contract command (e.g.{' '}
        <code>portfolio/setTargets</code>) that the host does not offer yet. Equal weights and inverse volatility ignore them. Paused and
        stopped strategies keep their capital.
      </p>

      <div className="panel-actions">
        {(rebalance.phase === 'plan' || rebalance.phase === 'applying') && (
          <>
            <button
              type="button"
              className="button button--primary"
              disabled={isApplying}
              aria-busy={isApplying}
              onClick={() => void commands.applyRebalance()}
            >
              Apply
            </button>
            <button type="button" className="button" disabled={isApplying} onClick={commands.closeRebalance}>
              Cancel
            </button>
          </>
        )}
        {rebalance.phase === 'loading' && (
          <button type="button" className="button" onClick={commands.closeRebalance}>
            Cancel
          </button>
        )}
        {rebalance.phase === 'applied' && (
          <button type="button" className="button" onClick={commands.closeRebalance}>
            Close
          </button>
        )}
      </div>
    </section>
  );
}
