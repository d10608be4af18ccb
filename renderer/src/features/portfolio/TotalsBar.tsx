import { useRef } from 'react';
import type { Totals } from '../../../../shared/model.ts';
import { feesAsPnl, formatCount, formatMoney } from '../../format.ts';
import { useStoreApi, useStoreWriter, useStratdeskShallow } from '../../store/hooks.ts';
import type { StratdeskState } from '../../store/index.ts';
import { sharedPortfolioSums } from '../instances/tableModel.ts';
import { Money, writeMoney } from '../../components/Money.tsx';
import { setText } from '../../components/setText.ts';

interface HeadlineFigure {
  testId: string;
  label: string;
  title?: string;
  main?: boolean;
  /** What the API compares against (data-value). */
  value: (t: Totals) => number;
  /** What the user reads, where it differs from `value`. */
  shown?: (t: Totals) => number;
  isSigned?: boolean;
}

/** The headline figures, in order: rendered by `TotalsBar`, then written by `writeTotals`. */
const FIGURES: readonly HeadlineFigure[] = [
  {
    testId: 'totals-equity',
    label: 'Equity',
    main: true,
    title: 'Σ capital budget + total PnL of live and observe strategies, in the reporting currency',
    value: (t) => t.allocation + t.totalPnl,
    isSigned: false,
  },
  { testId: 'totals-total', label: 'Total PnL', main: true, title: 'Realized + unrealized + funding − fees', value: (t) => t.totalPnl },
  { testId: 'totals-today', label: 'Today', title: 'Change in total PnL since 00:00 UTC', value: (t) => t.todayPnl },
  { testId: 'totals-realized', label: 'Realized', value: (t) => t.realizedPnl },
  { testId: 'totals-unrealized', label: 'Unrealized', value: (t) => t.unrealizedPnl },
  { testId: 'totals-funding', label: 'Funding', title: '+ received, − paid', value: (t) => t.funding },
  // data-value keeps the raw fee amount (what the API reports); the figure shows its effect on PnL.
  { testId: 'totals-fees', label: 'Fees', title: 'Effect on PnL: − paid, + rebate', value: (t) => t.fees, shown: (t) => feesAsPnl(t.fees) },
];

/** One figure's numbers for these totals: the same for the render and the writer. */
function figureOf(figure: HeadlineFigure, totals: Totals): { value: number; shown: number; isSigned: boolean } {
  const value = figure.value(totals);
  return { value, shown: figure.shown?.(totals) ?? value, isSigned: figure.isSigned ?? true };
}

/**
 * What the header's React render depends on: whether there are totals, their currency, the status counts
 * and which "not in totals" parts exist. The money figures, which move on every delta, are written into
 * the header directly (`writeTotals`), as the rows write theirs: a delta re-renders nothing here.
 */
function totalsShape(state: StratdeskState) {
  const { totals } = state;
  return {
    hasTotals: totals !== null,
    currency: totals?.currency ?? '',
    live: totals?.live ?? 0,
    paused: totals?.paused ?? 0,
    stopped: totals?.stopped ?? 0,
    paperCount: sharedPortfolioSums(state.strategyIds, state.strategiesById).paper.count,
    // Joined into one primitive so the shape compares field by field (useStratdeskShallow).
    unconverted: totals === null ? '' : Object.keys(totals.unconverted).join(' '),
  };
}

function elementOf(root: Element, testId: string): Element | null {
  return root.querySelector(`[data-testid="${testId}"]`);
}

function writeValue(element: Element | null, value: number): Element | null {
  if (element === null) return null;
  const text = String(value);
  if (element.getAttribute('data-value') !== text) element.setAttribute('data-value', text);
  return element;
}

/**
 * The money figures of `totals`, written into the header on screen: each figure's data-value and its
 * `<Money>` span (text, tone, tooltip — seven tooltips, so they are always written), the paper line and
 * the unconverted currencies. Everything here is also rendered by `TotalsBar` from the same totals.
 */
function writeTotals(root: HTMLElement | null, totals: Totals | null): void {
  if (root === null || totals === null) return;
  const currency = totals.currency;
  for (const figure of FIGURES) {
    const { value, shown, isSigned } = figureOf(figure, totals);
    const element = writeValue(elementOf(root, figure.testId), value);
    writeMoney(element?.querySelector('dd > .money'), { value: shown, currency, isSigned }, true);
  }
  const paper = writeValue(elementOf(root, 'totals-paper'), totals.paper.totalPnl);
  if (paper !== null) {
    writeMoney(paper.querySelector('.money'), { value: totals.paper.totalPnl, currency }, true);
    const capital = paper.querySelector('[data-testid="totals-paper-capital"]');
    if (capital !== null) setText(capital, formatMoney(totals.paper.allocation, currency));
  }
  for (const [code, pnl] of Object.entries(totals.unconverted)) {
    const element = writeValue(elementOf(root, `totals-unconverted-${code}`), pnl);
    writeMoney(element?.querySelector('.money'), { value: pnl, currency: code }, true);
  }
}

/**
 * The portfolio's headline: the host's totals (shared/totals.ts, the same function the API's
 * `totals` come from), so the header and the API never disagree. Real money only — live and observe
 * instances, converted into the reporting currency and labelled with its real code (never "USD" over
 * USDT rows); paper (simulated fills) on its own line, never added; figures in a currency with no
 * known rate listed apart rather than added as if equal.
 */
export function TotalsBar() {
  const shape = useStratdeskShallow(totalsShape);
  const store = useStoreApi();
  const ref = useRef<HTMLDivElement>(null);
  useStoreWriter(
    (state) => state.totals,
    (totals) => writeTotals(ref.current, totals),
  );
  const totals = store.getState().totals;
  if (!shape.hasTotals || totals === null) {
    return (
      <div className="totals" data-testid="totals" aria-busy="true">
        <span className="totals-placeholder">No snapshot yet</span>
      </div>
    );
  }
  const { currency, paperCount } = shape;
  const counts = { live: shape.live, paused: shape.paused, stopped: shape.stopped };
  const unconverted = Object.entries(totals.unconverted);
  return (
    <div className="totals-wrap" ref={ref}>
      <dl className="totals" data-testid="totals">
        {FIGURES.map((figure) => {
          const { testId, label, title, main = false } = figure;
          const { value, shown, isSigned } = figureOf(figure, totals);
          return (
            <div
              key={testId}
              className={main ? 'figure figure--main' : 'figure'}
              data-testid={testId}
              data-value={value}
              // The figure tests read the reporting code from.
              {...(testId === 'totals-equity' ? { 'data-currency': currency } : {})}
            >
              <dt {...(title === undefined ? {} : { title })}>{label}</dt>
              <dd>
                <Money value={shown} currency={currency} isSigned={isSigned} />
              </dd>
            </div>
          );
        })}
        <div className="figure figure--counts">
          <dt>Strategies</dt>
          <dd>
            {(['live', 'paused', 'stopped'] as const).map((status) => (
              <span
                key={status}
                className={`count count--${status}${counts[status] === 0 ? ' count--zero' : ''}`}
                data-testid={`totals-${status}`}
                data-value={counts[status]}
              >
                {formatCount(counts[status])} {status}
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
              <span data-testid="totals-paper-capital">{formatMoney(totals.paper.allocation, currency)}</span>
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
