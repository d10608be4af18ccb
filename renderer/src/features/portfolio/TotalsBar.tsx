import { feesAsPnl, formatCount, formatMoney } from '../../format.ts';
import { useStratdesk } from '../../store/hooks.ts';
import { sharedPortfolioSums } from '../instances/tableModel.ts';
import { Money } from '../../components/Money.tsx';

/**
 * One headline figure: `value` is what tests and the API compare against (data-value), `shown` what
 * the user reads when it differs (fees are reported as paid but displayed as their effect on PnL).
 * `tagsCurrency` puts the reporting code on the element (data-currency) for the figure tests read it from.
 */
function Figure(props: {
  testId: string;
  label: string;
  value: number;
  currency: string;
  shown?: number;
  title?: string;
  main?: boolean;
  isSigned?: boolean;
  tagsCurrency?: boolean;
}) {
  const { testId, label, value, currency, shown = value, title, main = false, isSigned, tagsCurrency = false } = props;
  return (
    <div
      className={main ? 'figure figure--main' : 'figure'}
      data-testid={testId}
      data-value={value}
      {...(tagsCurrency ? { 'data-currency': currency } : {})}
    >
      <dt {...(title === undefined ? {} : { title })}>{label}</dt>
      <dd>
        <Money value={shown} currency={currency} {...(isSigned === undefined ? {} : { isSigned })} />
      </dd>
    </div>
  );
}

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
  const paperCount = sharedPortfolioSums(ids, byId).paper.count;
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
        <Figure
          testId="totals-equity"
          main
          value={live.equity}
          currency={currency}
          isSigned={false}
          tagsCurrency
          label="Equity"
          title="Σ capital budget + total PnL of live and observe strategies, in the reporting currency"
        />
        <Figure
          testId="totals-total"
          main
          value={live.totalPnl}
          currency={currency}
          label="Total PnL"
          title="Realized + unrealized + funding − fees"
        />
        <Figure testId="totals-today" value={live.todayPnl} currency={currency} label="Today" title="Change in total PnL since 00:00 UTC" />
        <Figure testId="totals-realized" value={live.realizedPnl} currency={currency} label="Realized" />
        <Figure testId="totals-unrealized" value={live.unrealizedPnl} currency={currency} label="Unrealized" />
        <Figure testId="totals-funding" value={live.funding} currency={currency} label="Funding" title="+ received, − paid" />
        {/* data-value keeps the raw fee amount (what the API reports); the figure shows its effect on PnL */}
        <Figure
          testId="totals-fees"
          value={live.fees}
          shown={feesAsPnl(live.fees)}
          currency={currency}
          label="Fees"
          title="Effect on PnL: − paid, + rebate"
        />
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
