import { Profiler, memo, useEffect, useLayoutEffect, useRef, useState, type KeyboardEvent, type RefObject } from 'react';
import type { InstanceType } from '../../../../shared/model.ts';
import { NOT_A_FIGURE, feesAsPnl, formatCount } from '../../format.ts';
import { useCommands, useStoreApi, useStratdesk, useStratdeskShallow } from '../../store/hooks.ts';
import type { SortKey, StratdeskState } from '../../store/index.ts';
import {
  ROW_HEIGHT,
  TYPE_LABEL,
  reportingCurrency,
  isStrategyKey,
  sharedPortfolioSums,
  rowOffset,
  sharedTableKeys,
  windowRows,
  rowSlots,
  rowsStaying,
  stableOrder,
  type MoneySums,
} from './tableModel.ts';
import { Money } from '../../components/Money.tsx';
import { StrategyRow } from './StrategyRow.tsx';
import { useFocusKept } from '../../components/keepFocus.ts';
import { recordCommit, recordRowMoves, timeWrite } from '../../profiling.ts';

const IS_PROFILING = import.meta.env.MODE === 'profile';

interface Column {
  key: SortKey | null;
  label: string;
  /** CSS class of its <col>: fixed widths, so a changed figure never makes the browser re-measure the whole table. */
  col: string;
  isNum?: boolean;
  hint?: string;
}

const COLUMNS: readonly Column[] = [
  { key: 'id', label: 'Strategy', col: 'c-id' },
  { key: 'account', label: 'Account', col: 'c-account' },
  { key: 'mode', label: 'Mode', col: 'c-mode', hint: 'live trades real money; paper is simulated; observe never trades' },
  { key: 'status', label: 'Status', col: 'c-status' },
  { key: 'health', label: 'Health', col: 'c-health', hint: 'Data age since the last good sync; hover or focus for the last error' },
  { key: 'realized', label: 'Realized', col: 'c-money', isNum: true },
  { key: 'fees', label: 'Fees', col: 'c-money-s', isNum: true, hint: 'Effect on PnL: − paid, + rebate' },
  { key: 'funding', label: 'Funding', col: 'c-money-s', isNum: true, hint: '+ received, − paid; — where the instance has no perpetual' },
  { key: 'unrealized', label: 'Unrealized', col: 'c-money', isNum: true },
  { key: 'total', label: 'Total PnL', col: 'c-total', isNum: true, hint: 'Realized + unrealized + funding − fees' },
  { key: 'trades', label: 'Trades', col: 'c-trades', isNum: true },
  { key: null, label: 'PnL trend', col: 'c-spark', hint: 'Total PnL over the sampled history, then every sync' },
  {
    key: 'allocation',
    label: 'Allocation',
    col: 'c-alloc',
    isNum: true,
    hint: 'Capital budget; below: share of all capital now → target weight (bar, tick = target)',
  },
  { key: null, label: 'Actions', col: 'c-actions' },
];

function selectKeys(state: StratdeskState): string[] {
  return sharedTableKeys(state, state.prefs);
}

/** Memoised: the table re-renders on every re-sort, its column headers only when the sort changes. */
const SortHeader = memo(function SortHeader({ column }: { column: Column }) {
  const sort = useStratdesk((state) => state.prefs.sort);
  const toggleSort = useStratdesk((state) => state.toggleSort);
  const className = column.isNum === true ? 'num' : undefined;
  if (column.key === null) {
    return (
      <th scope="col" className={className} title={column.hint}>
        {column.label === 'Actions' ? <span className="visually-hidden">Actions</span> : column.label}
      </th>
    );
  }
  const key = column.key;
  const dir = sort?.key === key ? sort.dir : null;
  return (
    <th
      scope="col"
      className={className}
      aria-sort={dir === null ? 'none' : dir === 'asc' ? 'ascending' : 'descending'}
      title={column.hint}
    >
      <button type="button" className="sort-button" data-testid={`sort-${key}`} onClick={() => toggleSort(key)}>
        {column.label}
        <span className="sort-arrow" aria-hidden="true">
          {dir === 'asc' ? '▲' : dir === 'desc' ? '▼' : ''}
        </span>
      </button>
    </th>
  );
});

const GroupRow = memo(function GroupRow({ type, count }: { type: InstanceType; count: number }) {
  return (
    <tr className="group-row" data-testid={`group-${type}`} data-row-key={`group:${type}`}>
      <th scope="rowgroup" colSpan={COLUMNS.length}>
        {TYPE_LABEL[type]} <span className="group-count">{count}</span>
      </th>
    </tr>
  );
});

function sumsCells(sums: MoneySums, currency: string) {
  return (
    <>
      <td className="num cell-money">
        <Money value={sums.realizedPnl} currency={currency} />
      </td>
      <td className="num cell-money">
        <Money value={feesAsPnl(sums.fees)} currency={currency} />
      </td>
      <td className="num cell-money">
        {sums.hasFunding ? <Money value={sums.funding} currency={currency} /> : <span className="na">{NOT_A_FIGURE}</span>}
      </td>
      <td className="num cell-money">
        <Money value={sums.unrealizedPnl} currency={currency} />
      </td>
      <td className="num cell-money cell-total">
        <Money value={sums.totalPnl} currency={currency} />
      </td>
      <td className="num">{formatCount(sums.tradeCount)}</td>
      <td />
      <td className="num cell-money">
        <Money value={sums.allocation} currency={currency} isSigned={false} />
      </td>
      <td />
    </>
  );
}

function useTypeSums(type: InstanceType) {
  const byId = useStratdesk((state) => state.strategiesById);
  const ids = useStratdesk((state) => state.strategyIds);
  return sharedPortfolioSums(ids, byId, type);
}

/** Real money (live + observe, as in the header): a subtotal never mixes simulated money into real. */
const SubtotalRow = memo(function SubtotalRow({ type }: { type: InstanceType }) {
  const sums = useTypeSums(type);
  const currency = useStratdesk(reportingCurrency);
  return (
    <tr className="subtotal-row" data-testid={`subtotal-${type}`} data-value={sums.real.totalPnl} data-row-key={`subtotal:${type}`}>
      <th scope="row" colSpan={5} title="Live and observe: both are real accounts">
        Subtotal, real money <span className="group-count">{sums.real.count}</span>
      </th>
      {sumsCells(sums.real, currency)}
    </tr>
  );
});

/** Paper of the same type, summed apart and hatched like its rows. */
const OtherRow = memo(function OtherRow({ type }: { type: InstanceType }) {
  const sums = useTypeSums(type);
  const currency = useStratdesk(reportingCurrency);
  return (
    <tr className="subtotal-row subtotal-row--not-money" data-testid={`subtotal-${type}-other`} data-row-key={`other:${type}`}>
      <th scope="row" colSpan={5}>
        Paper (simulated), not in totals <span className="group-count">{sums.paper.count}</span>
      </th>
      {sumsCells(sums.paper, currency)}
    </tr>
  );
});

/** An empty row whose height stands in for the rows outside the window (set through the CSSOM: no style attributes under our CSP). */
function Spacer({ px, rowKey }: { px: number; rowKey: string }) {
  const ref = useRef<HTMLTableCellElement>(null);
  useLayoutEffect(() => {
    if (ref.current) ref.current.style.height = `${px}px`;
  }, [px]);
  if (px <= 0) return null;
  return (
    <tr className="spacer-row" aria-hidden="true" data-row-key={rowKey}>
      <td ref={ref} colSpan={COLUMNS.length} />
    </tr>
  );
}

/** The scroller's scrollTop and height, as state, so the window follows scrolling and resizing. */
function useViewport(ref: RefObject<HTMLDivElement | null>): { top: number; height: number } {
  const [view, setView] = useState({ top: 0, height: 900 });
  useEffect(() => {
    const el = ref.current;
    if (el === null) return;
    const update = (): void =>
      setView((v) => (v.top === el.scrollTop && v.height === el.clientHeight ? v : { top: el.scrollTop, height: el.clientHeight }));
    update();
    el.addEventListener('scroll', update, { passive: true });
    const observer = typeof ResizeObserver === 'undefined' ? null : new ResizeObserver(update);
    observer?.observe(el);
    return () => {
      el.removeEventListener('scroll', update);
      observer?.disconnect();
    };
  }, [ref]);
  return view;
}

/**
 * Puts the table body's rows in the window's order (`keys`: the spacers and the rows by `data-row-key`),
 * moving only the rows that must move (`rowsStaying`). React renders the rows in an order a re-sort does
 * not change, so it never moves one itself; see `StrategiesTable`.
 */
function putRowsInOrder(body: HTMLTableSectionElement | null, keys: readonly string[]): void {
  if (body === null) return;
  const byKey = new Map<string, HTMLTableRowElement>();
  const now = new Map<HTMLTableRowElement, number>();
  for (const row of body.rows) {
    const key = row.dataset['rowKey'];
    if (key !== undefined) byKey.set(key, row);
    now.set(row, now.size);
  }
  const order: HTMLTableRowElement[] = [];
  for (const key of keys) {
    const row = byKey.get(key);
    if (row !== undefined) order.push(row);
  }
  const positions = order.map((row) => now.get(row) as number);
  if (positions.every((p, i) => i === 0 || (positions[i - 1] as number) < p)) return;
  const stays = rowsStaying(positions);
  // From the end: each row that moves goes right before the row that follows it in the window's order.
  let next: HTMLTableRowElement | null = null;
  let moves = 0;
  for (let i = order.length - 1; i >= 0; i--) {
    const row = order[i] as HTMLTableRowElement;
    if (stays[i] !== true) {
      body.insertBefore(row, next);
      moves++;
    }
    next = row;
  }
  recordRowMoves(moves, positions);
}

/**
 * Re-renders only when the visible key list changes; each row watches its own strategy.
 *
 * A re-sort moves rows, and Chromium rebuilds the style and layout of every row moved. React moves keyed
 * rows itself, but moves every row after the first that went backwards: one strategy jumping to the top
 * moved all the others, every second with the table sorted by PnL. So React renders the window's rows in
 * an order a re-sort does not change (`stableOrder`, by React key), where it never moves one, and the
 * commit's layout effect puts the DOM in the window's order with the fewest moves (`putRowsInOrder`):
 * the DOM order is always the order on screen, for reading and for screen readers.
 */
export function StrategiesTable() {
  const keys = useStratdeskShallow(selectKeys);
  const hasSnapshot = useStratdesk((state) => state.seq !== null);
  const total = useStratdesk((state) => state.strategyIds.length);
  const focusedId = useStratdesk((state) => state.focusedId);
  const isDisconnected = useStratdesk((state) => state.connection !== 'connected' && state.hasEverConnected);
  const commands = useCommands();
  const store = useStoreApi();
  const ids = keys.filter(isStrategyKey);
  const scrollRef = useRef<HTMLDivElement>(null);
  const view = useViewport(scrollRef);
  // Only the rows in view (plus ~400 px either side) are rendered: 200 instances ticking every second
  // cost the ~25 rows on screen, not 200 rows of React work, style and layout.
  const win = windowRows(keys, view.top, view.height);
  const slotsRef = useRef<ReadonlyMap<string, string>>(new Map());
  const windowKeys = keys.slice(win.start, win.end);
  const slots = rowSlots(slotsRef.current, windowKeys.filter(isStrategyKey));
  // React's own order for the window's rows (`stableOrder`): by React key, a strategy's being its slot.
  const reactKeyOf = (key: string): string => (isStrategyKey(key) ? (slots.get(key) ?? key) : key);
  const orderRef = useRef<readonly string[]>([]);
  const renderOrder = stableOrder(orderRef.current, windowKeys.map(reactKeyOf));
  const renderIndex = new Map(renderOrder.map((reactKey, index) => [reactKey, index]));
  useLayoutEffect(() => {
    slotsRef.current = slots;
    orderRef.current = renderOrder;
  });
  const bodyRef = useRef<HTMLTableSectionElement>(null);
  // Before useFocusKept below: a layout effect runs in the order it was declared, and a move blurs the
  // focused button it carries, which useFocusKept then gives back.
  useLayoutEffect(() => {
    timeWrite(() => putRowsInOrder(bodyRef.current, ['spacer:above', ...windowKeys, 'spacer:below']));
  });
  // A re-sort moves the focused row's DOM, which blurs its button: the focus stays with that strategy.
  useFocusKept(
    () => scrollRef.current?.querySelector<HTMLElement>('[role="grid"]') ?? null,
    (grid) => grid,
  );

  const onKeyDown = (event: KeyboardEvent<HTMLTableElement>): void => {
    // Keys typed into a button or field inside the table belong to it.
    if (event.target !== event.currentTarget || event.altKey || event.ctrlKey || event.metaKey) return;
    const { setFocused, select, strategiesById } = store.getState();
    const index = focusedId === null ? -1 : ids.indexOf(focusedId);
    const move = (to: number): void => {
      const next = ids[Math.max(0, Math.min(ids.length - 1, to))];
      event.preventDefault();
      if (next === undefined) return;
      setFocused(next);
      // The row may be outside the window (not in the DOM): scroll by its computed offset.
      const scroller = scrollRef.current;
      if (scroller === null) return;
      const head = scroller.querySelector('thead')?.getBoundingClientRect().height ?? 0;
      const top = head + rowOffset(keys, keys.indexOf(next));
      const bottom = top + ROW_HEIGHT.strategy;
      if (top - head < scroller.scrollTop) scroller.scrollTop = top - head;
      else if (bottom > scroller.scrollTop + scroller.clientHeight) scroller.scrollTop = bottom - scroller.clientHeight;
    };
    switch (event.key) {
      case 'ArrowDown':
        move(index + 1);
        return;
      case 'ArrowUp':
        move(index < 0 ? ids.length - 1 : index - 1);
        return;
      case 'Home':
        move(0);
        return;
      case 'End':
        move(ids.length - 1);
        return;
      case 'Enter':
        if (focusedId !== null && index >= 0) {
          select(focusedId);
          event.preventDefault();
        }
        return;
      case 'p':
      case 'P': {
        const s = focusedId === null ? undefined : strategiesById[focusedId];
        if (s === undefined || index < 0) return;
        if (s.status === 'live') commands.askAction(s.id, 'pause');
        else if (s.status === 'paused') commands.askAction(s.id, 'resume');
        event.preventDefault();
        return;
      }
    }
  };

  const visibleCount = ids.length;
  return (
    <section className="panel" aria-labelledby="strategies-heading">
      <h2 id="strategies-heading" className="panel-title">
        Strategies{' '}
        <span className="group-count" data-testid="visible-count">
          {visibleCount === total ? `${total}` : `${visibleCount} of ${total}`}
        </span>
        <span className="keys-hint">↑↓ move · Enter details · p pause/resume</span>
      </h2>
      <div className="table-scroll table-scroll--rows" ref={scrollRef} data-testid="strategies-scroll">
        <table
          className={`grid strategies${isDisconnected ? ' is-disconnected' : ''}`}
          data-testid="strategies-table"
          role="grid"
          tabIndex={0}
          aria-label="Strategies: arrow keys move, Enter opens details, p pauses or resumes"
          aria-activedescendant={focusedId !== null && ids.includes(focusedId) ? `row-${focusedId}` : undefined}
          onKeyDown={onKeyDown}
        >
          <colgroup>
            {COLUMNS.map((column) => (
              <col key={column.label} className={column.col} />
            ))}
          </colgroup>
          <thead>
            <tr>
              {COLUMNS.map((column) => (
                <SortHeader key={column.label} column={column} />
              ))}
            </tr>
          </thead>
          <tbody ref={bodyRef}>
            <Spacer px={win.above} rowKey="spacer:above" />
            {windowKeys
              .map((key, offset) => {
                const index = win.start + offset;
                if (key.startsWith('group:')) {
                  const type = key.slice(6) as InstanceType;
                  let count = 0;
                  for (let i = index + 1; i < keys.length && isStrategyKey(keys[i] ?? ':'); i++) count++;
                  return <GroupRow key={key} type={type} count={count} />;
                }
                if (key.startsWith('subtotal:')) return <SubtotalRow key={key} type={key.slice(9) as InstanceType} />;
                if (key.startsWith('other:')) return <OtherRow key={key} type={key.slice(6) as InstanceType} />;
                // Keyed by slot (rowSlots): a re-sort moves the rows that stay in the window and re-renders
                // none of them, a strategy that enters reuses the row of one that left; the figures that
                // moved are written into the rows directly (StrategyRow). See bench/renderer.ts.
                const slot = reactKeyOf(key);
                // The profiling build (bench/renderer.ts) times the rows apart from the table around them.
                return IS_PROFILING ? (
                  <Profiler key={slot} id="rows" onRender={recordCommit}>
                    <StrategyRow id={key} />
                  </Profiler>
                ) : (
                  <StrategyRow key={slot} id={key} />
                );
              })
              .sort((a, b) => (renderIndex.get(a.key ?? '') ?? 0) - (renderIndex.get(b.key ?? '') ?? 0))}
            <Spacer px={win.below} rowKey="spacer:below" />
          </tbody>
        </table>
      </div>
      {!hasSnapshot && <p className="empty">Waiting for the first snapshot from the host…</p>}
      {hasSnapshot && total === 0 && <p className="empty">No strategies in this workspace.</p>}
      {hasSnapshot && total > 0 && visibleCount === 0 && <p className="empty">No strategy matches the filters.</p>}
    </section>
  );
}
