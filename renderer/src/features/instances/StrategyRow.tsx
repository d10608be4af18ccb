import { memo, useLayoutEffect, useRef, type MouseEvent, type RefObject } from 'react';
import type { Health, StrategyView } from '../../../../shared/model.ts';
import { NOT_A_FIGURE, feesAsPnl, formatCount, formatTimestamp, formatWeight } from '../../format.ts';
import { useCommands, useStoreApi, useStoreWriter, useStratdeskShallow } from '../../store/hooks.ts';
import type { StratdeskState } from '../../store/index.ts';
import { useFocusKept } from '../../components/keepFocus.ts';
import { isLookedAt, lookHandlers } from '../../components/lookedAt.ts';
import { setText } from '../../components/setText.ts';
import { catchUpLine } from '../portfolio/catchUp.ts';
import { AllocationBar } from './AllocationBar.tsx';
import { HealthBadge, ModeBadge, StatusBadge } from '../../components/Badges.tsx';
import { CatchUpProgress } from '../portfolio/CatchUp.tsx';
import { LiveAge, writeAgeSince } from '../../components/LiveAge.tsx';
import { Money, writeMoney } from '../../components/Money.tsx';
import { Sparkline } from '../../components/Sparkline.tsx';
import { isPerpetual } from '../../../../shared/symbols.ts';
import { recordRowRender } from '../../profiling.ts';

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
 * The table reuses a row that left the window for a strategy that entered it (rowSlots), so this row's
 * DOM may start showing another strategy. A button focused in it must not stay focused for the strategy
 * that moved in (Enter would pause that one): the focus goes back to the grid, whose arrow keys still work.
 */
function useFocusLeavesWithStrategy(ref: RefObject<HTMLTableRowElement | null>, id: string): void {
  const shown = useRef(id);
  useLayoutEffect(() => {
    const row = ref.current;
    if (shown.current === id || row === null) return;
    shown.current = id;
    const focused = row.ownerDocument.activeElement;
    if (focused !== null && row.contains(focused)) row.closest<HTMLElement>('[role="grid"]')?.focus();
  }, [ref, id]);
}

/** A strategy's total split into its parts, for the total's tooltip. */
function totalBreakdown(metrics: StrategyView['metrics']): string {
  return [
    `Realized ${metrics.realizedPnl}`,
    `Unrealized ${metrics.unrealizedPnl}`,
    `Funding ${metrics.funding} (+ received)`,
    `Fees ${metrics.fees} (+ paid)`,
  ].join('\n');
}

const FEES_DETAIL = 'Fees shown as their effect on PnL: − paid, + rebate';
const FUNDING_DETAIL = '+ received, − paid';

/**
 * What a row's React render depends on: everything but the figures that move on every delta, which
 * `writeFigures` writes into the row directly. Primitives, compared one by one (`useStratdeskShallow`).
 */
function rowShape(state: StratdeskState, id: string) {
  const strategy = state.strategiesById[id];
  const instance = state.instancesById[id];
  const isPerp = hasPerpetual(instance?.symbols);
  return {
    exists: strategy !== undefined,
    type: strategy?.type,
    account: strategy?.account,
    mode: strategy?.mode,
    status: strategy?.status,
    healthState: strategy?.health.state,
    catchUp: strategy?.health.catchUp ?? null,
    currency: strategy?.metrics.quoteCurrency ?? '',
    isEstimated: strategy?.metrics.isEstimated ?? false,
    // Funding exists for perpetuals only: a spot market maker shows "—", not a misleading 0.00.
    hasFunding: isPerp || strategy?.type === 'funding_rate' || (strategy?.metrics.funding ?? 0) !== 0,
    allocation: strategy?.allocation ?? 0,
    targetWeight: strategy?.targetWeight ?? null,
    pending: state.pendingById[id],
    isFocused: state.focusedId === id,
    isSelected: state.selectedId === id,
    isRunning: instance?.running,
    totalAllocation: state.totals?.allocation ?? 0,
    select: state.select,
  };
}
type RowShape = ReturnType<typeof rowShape>;

/** Where each written cell sits in the row (the order of the <td>s below); checked by its test id on every use. */
const CELL_AT = { health: 4, realized: 5, fees: 6, funding: 7, unrealized: 8, total: 9, 'trade-count': 10 } as const;

function cellOf(row: HTMLTableRowElement, testId: keyof typeof CELL_AT): HTMLElement | null {
  const td = row.cells[CELL_AT[testId]];
  return td?.getAttribute('data-testid') === testId ? td : row.querySelector<HTMLElement>(`[data-testid="${testId}"]`);
}

/**
 * What each row on screen shows, as last written or rendered: a figure equal to it is not formatted or
 * written again. Set by every write, and the writer runs after every commit of the row (useStoreWriter),
 * so it never disagrees with the DOM for long enough to matter.
 */
const shown = new WeakMap<HTMLTableRowElement, StrategyView>();

/**
 * The figures that move on every delta, written into the row on screen (see `useStoreWriter`): the four
 * PnL parts and the total with their machine-readable values, the trade count, and the health cell's age.
 * Tooltips (each figure's full value, the total's breakdown, the health cell's) only `withTitles`: by
 * default when the row is under the pointer or holds the focus, and all of them when either enters it.
 * Everything here is also rendered by the row itself, from the same strategy.
 */
function writeFigures(
  row: HTMLTableRowElement | null,
  strategy: StrategyView | undefined,
  shape: RowShape,
  withTitles = isLookedAt(row),
): void {
  if (row === null || strategy === undefined) return;
  const before = shown.get(row);
  shown.set(row, strategy);
  // Titles carry every figure (the total's breakdown), so a row being looked at is written whole.
  const was = before !== undefined && before.id === strategy.id && !withTitles ? before : undefined;
  const { metrics, health } = strategy;
  const { currency, isEstimated } = shape;
  const money = (
    testId: keyof typeof CELL_AT,
    field: 'realizedPnl' | 'fees' | 'funding' | 'unrealizedPnl' | 'totalPnl',
    detail?: () => string,
  ): void => {
    const v = metrics[field];
    if (was !== undefined && was.metrics[field] === v) return;
    const td = cellOf(row, testId);
    if (td === null) return;
    td.setAttribute('data-value', String(v));
    if (testId === 'funding' && !shape.hasFunding) return;
    const shownValue = field === 'fees' ? feesAsPnl(v) : v;
    const props = { value: shownValue, currency, isEstimated, ...(detail === undefined || !withTitles ? {} : { detail: detail() }) };
    writeMoney(td.firstElementChild, props, withTitles);
  };
  money('realized', 'realizedPnl');
  money('fees', 'fees', () => FEES_DETAIL);
  money('funding', 'funding', () => FUNDING_DETAIL);
  money('unrealized', 'unrealizedPnl');
  money('total', 'totalPnl', () => totalBreakdown(metrics));
  if (was === undefined || was.metrics.tradeCount !== metrics.tradeCount) {
    const count = cellOf(row, 'trade-count');
    if (count !== null) {
      count.setAttribute('data-value', String(metrics.tradeCount));
      setText(count, formatCount(metrics.tradeCount));
    }
  }
  if (was !== undefined && was.health === health) return;
  const healthCell = cellOf(row, 'health');
  if (healthCell === null) return;
  const retried = String(health.retriedFaults);
  if (healthCell.getAttribute('data-retried') !== retried) healthCell.setAttribute('data-retried', retried);
  writeAgeSince(healthCell.querySelector('[data-testid="age"]'), lastGoodOf(health));
  if (!withTitles) return;
  const tip = healthTooltip(health);
  if (healthCell.getAttribute('title') !== tip) healthCell.setAttribute('title', tip);
  const tipSpan = healthCell.querySelector('.health-tip');
  if (tipSpan !== null) setText(tipSpan, tip);
}

function lastGoodOf(health: Health): number | null {
  return health.lastGoodSyncAt === null ? null : Date.parse(health.lastGoodSyncAt);
}

/**
 * One strategy, in a row the table keeps for it while it stays in the window (a re-sort moves its DOM and
 * re-renders nothing) or hands to a strategy that enters (the `id` changes). React renders the row when
 * its shape changes (status, mode, health state, focus, pending command…); the figures that move on every
 * delta are written straight into it (`writeFigures`), so 200 strategies changing every second cost text
 * writes in the ~18 rows on screen, not 18 row renders.
 */
export const StrategyRow = memo(function StrategyRow({ id }: { id: string }) {
  const shape = useStratdeskShallow((state: StratdeskState) => rowShape(state, id));
  const store = useStoreApi();
  const commands = useCommands();
  const rowRef = useRef<HTMLTableRowElement>(null);
  useStoreWriter(
    (state) => state.strategiesById[id],
    (strategy) => writeFigures(rowRef.current, strategy, shape),
  );
  useFocusLeavesWithStrategy(rowRef, id);
  // A commit that swaps the focused button (Pause becomes Resume) hands the focus to the grid.
  useFocusKept(
    () => document.getElementById(`row-${id}`),
    (row) => row?.closest<HTMLElement>('[role="grid"]') ?? null,
  );
  const strategy = store.getState().strategiesById[id];
  if (!shape.exists || strategy === undefined) return null;

  countRender(id);
  const { metrics, health, status, mode } = strategy;
  const { currency, isEstimated, hasFunding, select } = shape;
  const isBusy = shape.pending !== undefined;
  const isLive = mode === 'live';
  const running = shape.isRunning ?? status !== 'stopped';
  const weight = shape.totalAllocation > 0 ? shape.allocation / shape.totalAllocation : null;
  const healthTip = healthTooltip(health);
  const healthState = health.state;

  // The tooltips a row skipped while nobody looked (writeFigures), brought up to date as someone does.
  const onLook = (): void => writeFigures(rowRef.current, store.getState().strategiesById[id], shape, true);

  const onClick = (event: MouseEvent<HTMLTableRowElement>): void => {
    if ((event.target as HTMLElement).closest('button, a, input, select') !== null) return;
    select(id);
  };

  const classes = [
    'strategy-row',
    `strategy-row--${status}`,
    `strategy-row--mode-${mode}`,
    healthState !== 'ok' ? 'strategy-row--unhealthy' : '',
    shape.isFocused ? 'is-focused' : '',
    shape.isSelected ? 'is-selected' : '',
  ].join(' ');

  return (
    <tr
      ref={rowRef}
      id={`row-${id}`}
      data-testid={`strategy-row-${id}`}
      data-row-key={id}
      data-status={status}
      data-health={healthState}
      data-mode={mode}
      aria-selected={shape.isFocused}
      className={classes}
      onClick={onClick}
      {...lookHandlers(onLook)}
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
        data-catching-up={shape.catchUp !== null}
      >
        <span className={`health-cell${shape.catchUp !== null ? ' health-cell--catching-up' : ''}`} tabIndex={-1}>
          <HealthBadge state={healthState} />
          {shape.catchUp === null ? (
            <LiveAge
              since={lastGoodOf(health)}
              oldAfterMs={healthState === 'ok' ? 30_000 : 0}
              hideBelowMs={healthState === 'ok' ? 10_000 : 0}
            />
          ) : (
            // While it reads history the useful figure is how far it got; the age is in the tooltip.
            <CatchUpProgress catchUp={shape.catchUp} />
          )}
          <span className="health-tip" role="tooltip">
            {healthTip}
          </span>
        </span>
      </td>
      <td data-testid="realized" data-value={metrics.realizedPnl} className="num cell-money">
        <Money value={metrics.realizedPnl} currency={currency} isEstimated={isEstimated} />
      </td>
      {/* Shown as their effect on PnL (paid = −); data-value keeps the model's sign (+ = paid). */}
      <td data-testid="fees" data-value={metrics.fees} className="num cell-money">
        <Money value={feesAsPnl(metrics.fees)} currency={currency} isEstimated={isEstimated} detail={FEES_DETAIL} />
      </td>
      <td data-testid="funding" data-value={metrics.funding} className="num cell-money">
        {hasFunding ? (
          <Money value={metrics.funding} currency={currency} isEstimated={isEstimated} detail={FUNDING_DETAIL} />
        ) : (
          <span className="na" title="No funding: this instance trades no perpetual">
            {NOT_A_FIGURE}
          </span>
        )}
      </td>
      <td data-testid="unrealized" data-value={metrics.unrealizedPnl} className="num cell-money">
        <Money value={metrics.unrealizedPnl} currency={currency} isEstimated={isEstimated} />
      </td>
      <td data-testid="total" data-value={metrics.totalPnl} className="num cell-money cell-total">
        <Money value={metrics.totalPnl} currency={currency} isEstimated={isEstimated} detail={totalBreakdown(metrics)} />
      </td>
      <td data-testid="trade-count" data-value={metrics.tradeCount} className="num">
        {formatCount(metrics.tradeCount)}
      </td>
      <td className="cell-spark">
        <Sparkline id={id} currency={currency} />
      </td>
      <td data-testid="allocation" data-value={shape.allocation} className="num cell-alloc">
        <Money value={shape.allocation} currency={currency} isSigned={false} />
        <span
          className="subfigure"
          title={`Share of all capital now ${formatWeight(weight)}, the policy's target ${formatWeight(shape.targetWeight)} (read-only)`}
        >
          <AllocationBar weight={weight} target={shape.targetWeight} /> {formatWeight(weight)} → {formatWeight(shape.targetWeight)}
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
  if (renderCounts === null) return;
  renderCounts[id] = (renderCounts[id] ?? 0) + 1;
  recordRowRender();
}
