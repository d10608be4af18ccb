import { useMemo } from 'react';
import { NOT_A_FIGURE, feesAsPnl, formatCount, formatMoney } from '../../format.ts';
import { useStratdesk } from '../../store/hooks.ts';
import { portfolioSums } from '../instances/tableModel.ts';
import { Money } from '../../components/Money.tsx';

/** Sums are in USD: every quote currency here is USD-stable (DESIGN.md, "Money"). */
const TOTALS_CURRENCY = 'USD';

/**
 * The portfolio's headline. Live money only: paper (simulated fills) and observe (an account
 * Stratdesk does not trade) are summed apart on their own line, so neither can pass for real PnL.
 */
export function TotalsBar() {
  const hasSnapshot = useStratdesk((state) => state.totals !== null);
  const byId = useStratdesk((state) => state.strategiesById);
  const ids = useStratdesk((state) => state.strategyIds);
  const sums = useMemo(() => portfolioSums(ids, byId), [ids, byId]);
  if (!hasSnapshot) {
    return (
      <div className="totals" data-testid="totals" aria-busy="true">
        <span className="totals-placeholder">No snapshot yet</span>
      </div>
    );
  }
  const live = sums.live;
  const notMoney = [
    { label: 'Paper (simulated)', mode: 'paper', s: sums.paper },
    { label: 'Observe (not traded here)', mode: 'observe', s: sums.observe },
  ].filter((x) => x.s.count > 0);
  return (
    <div className="totals-wrap">
      <dl className="totals" data-testid="totals">
        <div className="figure figure--main" data-testid="totals-equity" data-value={live.equity}>
          <dt title="Σ capital budget + total PnL of live-mode strategies">Equity</dt>
          <dd>
            <Money value={live.equity} currency={TOTALS_CURRENCY} isSigned={false} />
          </dd>
        </div>
        <div className="figure figure--main" data-testid="totals-total" data-value={live.totalPnl}>
          <dt title="Realized + unrealized + funding − fees">Total PnL</dt>
          <dd>
            <Money value={live.totalPnl} currency={TOTALS_CURRENCY} />
          </dd>
        </div>
        <div className="figure" data-testid="totals-today" data-value={live.todayPnl}>
          <dt title="Change in total PnL since 00:00 UTC">Today</dt>
          <dd>
            <Money value={live.todayPnl} currency={TOTALS_CURRENCY} />
          </dd>
        </div>
        <div className="figure" data-testid="totals-realized" data-value={live.realizedPnl}>
          <dt>Realized</dt>
          <dd>
            <Money value={live.realizedPnl} currency={TOTALS_CURRENCY} />
          </dd>
        </div>
        <div className="figure" data-testid="totals-unrealized" data-value={live.unrealizedPnl}>
          <dt>Unrealized</dt>
          <dd>
            <Money value={live.unrealizedPnl} currency={TOTALS_CURRENCY} />
          </dd>
        </div>
        <div className="figure" data-testid="totals-funding" data-value={live.funding}>
          <dt title="+ received, − paid">Funding</dt>
          <dd>
            {live.hasFunding ? (
              <Money value={live.funding} currency={TOTALS_CURRENCY} />
            ) : (
              <span className="na" title="No live strategy trades a perpetual">
                {NOT_A_FIGURE}
              </span>
            )}
          </dd>
        </div>
        <div className="figure" data-testid="totals-fees" data-value={live.fees}>
          <dt title="Effect on PnL: − paid, + rebate">Fees</dt>
          <dd>
            <Money value={feesAsPnl(live.fees)} currency={TOTALS_CURRENCY} />
          </dd>
        </div>
        <div className="figure figure--counts">
          <dt>Strategies</dt>
          <dd>
            {(['live', 'paused', 'stopped'] as const).map((status) => (
              <span
                key={status}
                className={`count count--${status}${sums.status[status] === 0 ? ' count--zero' : ''}`}
                data-testid={`totals-${status}`}
                data-value={sums.status[status]}
              >
                {formatCount(sums.status[status])} {status}
              </span>
            ))}
          </dd>
        </div>
      </dl>
      {notMoney.length > 0 && (
        <p className="totals-not-money" data-testid="totals-not-money">
          <span className="totals-not-money-label">Not in totals:</span>
          {notMoney.map(({ label, mode, s }) => (
            <span key={mode} className={`not-money not-money--${mode}`} data-testid={`totals-${mode}`} data-value={s.totalPnl}>
              {label} {formatCount(s.count)} · PnL <Money value={s.totalPnl} currency={TOTALS_CURRENCY} /> · capital{' '}
              {formatMoney(s.allocation, TOTALS_CURRENCY)}
            </span>
          ))}
        </p>
      )}
    </div>
  );
}
