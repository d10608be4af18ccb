import { feesAsPnl, formatCount } from '../format.ts';
import { useStratdesk } from '../store/hooks.ts';
import { Money } from './Money.tsx';

/** Totals are summed in USD by the host (every quote currency here is USD-stable). */
const TOTALS_CURRENCY = 'USD';

export function TotalsBar() {
  const totals = useStratdesk((state) => state.totals);
  if (totals === null) {
    return (
      <div className="totals" data-testid="totals" aria-busy="true">
        <span className="totals-placeholder">No snapshot yet</span>
      </div>
    );
  }
  return (
    <dl className="totals" data-testid="totals">
      <div className="figure figure--main" data-testid="totals-total" data-value={totals.totalPnl}>
        <dt>Total PnL</dt>
        <dd>
          <Money value={totals.totalPnl} currency={TOTALS_CURRENCY} />
        </dd>
      </div>
      <div className="figure" data-testid="totals-realized" data-value={totals.realizedPnl}>
        <dt>Realized</dt>
        <dd>
          <Money value={totals.realizedPnl} currency={TOTALS_CURRENCY} />
        </dd>
      </div>
      <div className="figure" data-testid="totals-unrealized" data-value={totals.unrealizedPnl}>
        <dt>Unrealized</dt>
        <dd>
          <Money value={totals.unrealizedPnl} currency={TOTALS_CURRENCY} />
        </dd>
      </div>
      <div className="figure" data-testid="totals-funding" data-value={totals.funding}>
        <dt title="+ received">Funding</dt>
        <dd>
          <Money value={totals.funding} currency={TOTALS_CURRENCY} />
        </dd>
      </div>
      <div className="figure" data-testid="totals-fees" data-value={totals.fees}>
        <dt title="Effect on PnL: − paid, + rebate">Fees</dt>
        <dd>
          <Money value={feesAsPnl(totals.fees)} currency={TOTALS_CURRENCY} />
        </dd>
      </div>
      <div className="figure figure--counts">
        <dt>Strategies</dt>
        <dd>
          <span
            className={`count count--live${totals.live === 0 ? ' count--zero' : ''}`}
            data-testid="totals-live"
            data-value={totals.live}
          >
            {formatCount(totals.live)} live
          </span>
          <span
            className={`count count--paused${totals.paused === 0 ? ' count--zero' : ''}`}
            data-testid="totals-paused"
            data-value={totals.paused}
          >
            {formatCount(totals.paused)} paused
          </span>
          <span
            className={`count count--stopped${totals.stopped === 0 ? ' count--zero' : ''}`}
            data-testid="totals-stopped"
            data-value={totals.stopped}
          >
            {formatCount(totals.stopped)} stopped
          </span>
        </dd>
      </div>
      <div className={`figure${totals.inError > 0 ? ' figure--alert' : ''}`} data-testid="totals-in-error" data-value={totals.inError}>
        <dt>Instances in error</dt>
        <dd>{formatCount(totals.inError)}</dd>
      </div>
    </dl>
  );
}
