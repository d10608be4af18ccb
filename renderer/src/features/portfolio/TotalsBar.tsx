import { useMemo } from 'react';
import { feesAsPnl, formatCount, formatMoney } from '../../format.ts';
import { useStratdesk } from '../../store/hooks.ts';
import { portfolioSums } from '../instances/tableModel.ts';
import { Money } from '../../components/Money.tsx';

/**
 * The portfolio's headline: the host's totals (shared/totals.ts, the same function the API's
 * `totals` come from), so the header and the API never disagree. Real money only — live and observe
 * instances, converted into the reporting currency and labelled with its real code (never "USD" over
 * USDT rows); paper (simulated fills) on its own line, never added; figures in a currency with no
 * known rate listed apart rather than added as if equal.
 */
export function TotalsBar() {
  const totals = useStratdesk((state) => state.totals);
  const byId = useStratdesk((state) => state.strategiesById);
  const ids = useStratdesk((state) => state.strategyIds);
  const paperCount = useMemo(() => portfolioSums(ids, byId).paper.count, [ids, byId]);
  if (totals === null) {
    return (
      <div className="totals" data-testid="totals" aria-busy="true">
        <span className="totals-placeholder">No snapshot yet</span>
      </div>
    );
  }
  const currency = totals.currency;
  const live = { ...totals, equity: totals.allocation + totals.totalPnl };
  const status = { live: totals.live, paused: totals.paused, stopped: totals.stopped };
  const unconverted = Object.entries(totals.unconverted);
  const sums = { status };
  return (
    <div className="totals-wrap">
      <dl className="totals" data-testid="totals">
        <div className="figure figure--main" data-testid="totals-equity" data-value={live.equity} data-currency={currency}>
          <dt title="Σ capital budget + total PnL of live and observe strategies, in the reporting currency">Equity</dt>
          <dd>
            <Money value={live.equity} currency={currency} isSigned={false} />
          </dd>
        </div>
        <div className="figure figure--main" data-testid="totals-total" data-value={live.totalPnl}>
          <dt title="Realized + unrealized + funding − fees">Total PnL</dt>
          <dd>
            <Money value={live.totalPnl} currency={currency} />
          </dd>
        </div>
        <div className="figure" data-testid="totals-today" data-value={live.todayPnl}>
          <dt title="Change in total PnL since 00:00 UTC">Today</dt>
          <dd>
            <Money value={live.todayPnl} currency={currency} />
          </dd>
        </div>
        <div className="figure" data-testid="totals-realized" data-value={live.realizedPnl}>
          <dt>Realized</dt>
          <dd>
            <Money value={live.realizedPnl} currency={currency} />
          </dd>
        </div>
        <div className="figure" data-testid="totals-unrealized" data-value={live.unrealizedPnl}>
          <dt>Unrealized</dt>
          <dd>
            <Money value={live.unrealizedPnl} currency={currency} />
          </dd>
        </div>
        <div className="figure" data-testid="totals-funding" data-value={live.funding}>
          <dt title="+ received, − paid">Funding</dt>
          <dd>
            <Money value={live.funding} currency={currency} />
          </dd>
        </div>
        <div className="figure" data-testid="totals-fees" data-value={live.fees}>
          <dt title="Effect on PnL: − paid, + rebate">Fees</dt>
          <dd>
            <Money value={feesAsPnl(live.fees)} currency={currency} />
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
      {(paperCount > 0 || unconverted.length > 0) && (
        <p className="totals-not-money" data-testid="totals-not-money">
          <span className="totals-not-money-label">Not in totals:</span>
          {paperCount > 0 && (
            <span className="not-money not-money--paper" data-testid="totals-paper" data-value={totals.paper.totalPnl}>
              Paper (simulated) {formatCount(paperCount)} · PnL <Money value={totals.paper.totalPnl} currency={currency} /> · capital{' '}
              {formatMoney(totals.paper.allocation, currency)}
            </span>
          )}
          {unconverted.map(([code, pnl]) => (
            <span
              key={code}
              className="not-money"
              data-testid={`totals-unconverted-${code}`}
              data-value={pnl}
              title={`No rate from ${code} to ${currency} yet`}
            >
              In {code}, not converted · PnL <Money value={pnl} currency={code} />
            </span>
          ))}
        </p>
      )}
    </div>
  );
}
