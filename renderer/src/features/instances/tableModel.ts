/**
 * What the strategies table shows, as pure functions of the store: filtering, sorting, grouping by
 * type with subtotals, and the sums behind the header. Kept out of the components so they are unit
 * tested and so the table selects one flat list of keys (cheap to compare, see `useStratdeskShallow`).
 */
import type { HealthState, InstanceMode, InstanceType, InstanceView, StrategyStatus, StrategyView } from '../../../../shared/model.ts';
import { INSTANCE_TYPES } from '../../../../shared/model.ts';
import { feesAsPnl } from '../../format.ts';
import type { Prefs, SortKey, TableFilter } from '../../store/index.ts';

export const TYPE_LABEL: Record<InstanceType, string> = {
  fixed_spread: 'Fixed spread (market making)',
  funding_rate: 'Funding-rate arbitrage',
};

const MODE_RANK: Record<InstanceMode, number> = { live: 0, paper: 1, observe: 2 };
const STATUS_RANK: Record<StrategyStatus, number> = { live: 0, paused: 1, stopped: 2 };
const HEALTH_RANK: Record<HealthState, number> = { ok: 0, stale: 1, error: 2 };

/** The value a column sorts by; money columns sort by what they display (fees as their effect on PnL). */
export function sortValue(s: StrategyView, key: SortKey): number | string {
  switch (key) {
    case 'id':
      return s.id;
    case 'account':
      return s.account;
    case 'mode':
      return MODE_RANK[s.mode];
    case 'status':
      return STATUS_RANK[s.status];
    case 'health':
      return HEALTH_RANK[s.health.state];
    case 'realized':
      return s.metrics.realizedPnl;
    case 'fees':
      return feesAsPnl(s.metrics.fees);
    case 'funding':
      return s.metrics.funding;
    case 'unrealized':
      return s.metrics.unrealizedPnl;
    case 'total':
      return s.metrics.totalPnl;
    case 'trades':
      return s.metrics.tradeCount;
    case 'allocation':
      return s.allocation;
  }
}

export function matchesFilter(s: StrategyView, instance: InstanceView | undefined, filter: TableFilter): boolean {
  if (filter.statuses.length > 0 && !filter.statuses.includes(s.status)) return false;
  if (filter.health.length > 0 && !filter.health.includes(s.health.state)) return false;
  const text = filter.text.trim().toLowerCase();
  if (text === '') return true;
  const haystack = [s.id, s.account, s.type, TYPE_LABEL[s.type], s.mode, ...(instance?.symbols ?? [])].join(' ').toLowerCase();
  return text.split(/\s+/).every((word) => haystack.includes(word));
}

export const groupKey = (type: InstanceType): string => `group:${type}`;
export const subtotalKey = (type: InstanceType): string => `subtotal:${type}`;
/** The paper line under a group's subtotal, present when the type has paper strategies. */
export const otherKey = (type: InstanceType): string => `other:${type}`;

/** Structural keys contain a colon; strategy ids never do (the contract's id pattern has none). */
export function isStrategyKey(key: string): boolean {
  return !key.includes(':');
}

export interface TableSource {
  strategyIds: readonly string[];
  strategiesById: Readonly<Record<string, StrategyView>>;
  instancesById: Readonly<Record<string, InstanceView>>;
}

/**
 * The table's rows, top to bottom: for each type with visible rows, its header, its strategies
 * (filtered, sorted; host order when unsorted), its live-money subtotal and, when the type has
 * paper or observe strategies, their separate line.
 */
export function tableKeys(source: TableSource, prefs: Pick<Prefs, 'sort' | 'filter'>): string[] {
  const visible: StrategyView[] = [];
  for (const id of source.strategyIds) {
    const s = source.strategiesById[id];
    if (s !== undefined && matchesFilter(s, source.instancesById[id], prefs.filter)) visible.push(s);
  }
  const { sort } = prefs;
  if (sort !== null) {
    const sign = sort.dir === 'asc' ? 1 : -1;
    // Stable: equal values keep the host's order, so rows do not shuffle on ties.
    visible.sort((a, b) => {
      const x = sortValue(a, sort.key);
      const y = sortValue(b, sort.key);
      const c = typeof x === 'string' || typeof y === 'string' ? String(x).localeCompare(String(y)) : x - y;
      return c * sign;
    });
  }
  const keys: string[] = [];
  for (const type of INSTANCE_TYPES) {
    const rows = visible.filter((s) => s.type === type);
    if (rows.length === 0) continue;
    keys.push(groupKey(type), ...rows.map((s) => s.id), subtotalKey(type));
    const hasOther = source.strategyIds.some((id) => {
      const s = source.strategiesById[id];
      return s !== undefined && s.type === type && s.mode === 'paper';
    });
    if (hasOther) keys.push(otherKey(type));
  }
  return keys;
}

let lastKeys: { source: TableSource; sort: Prefs['sort']; filter: Prefs['filter']; keys: string[] } | null = null;

/**
 * `tableKeys` once per store state: the table's selector runs on every store change and again in
 * render, and filtering and sorting 200 strategies each time was a tenth of a delta's render.
 */
export function sharedTableKeys(source: TableSource, prefs: Pick<Prefs, 'sort' | 'filter'>): string[] {
  const held = lastKeys;
  if (
    held !== null &&
    held.source.strategyIds === source.strategyIds &&
    held.source.strategiesById === source.strategiesById &&
    held.source.instancesById === source.instancesById &&
    held.sort === prefs.sort &&
    held.filter === prefs.filter
  )
    return held.keys;
  const keys = tableKeys(source, prefs);
  lastKeys = {
    source: { strategyIds: source.strategyIds, strategiesById: source.strategiesById, instancesById: source.instancesById },
    sort: prefs.sort,
    filter: prefs.filter,
    keys,
  };
  return keys;
}

/** Money sums over a set of strategies, in their quote currency (labelled with `reportingCurrency`). */
export interface MoneySums {
  count: number;
  realizedPnl: number;
  /** + = paid, as the model keeps it. */
  fees: number;
  funding: number;
  unrealizedPnl: number;
  totalPnl: number;
  allocation: number;
  /** Σ allocation + totalPnl. */
  equity: number;
  /** Σ change in total PnL since 00:00 UTC (strategies without history yet count 0). */
  todayPnl: number;
  tradeCount: number;
  /** Some strategy here can have funding (an arbitrage, or funding already booked); else funding shows "—". */
  hasFunding: boolean;
}

export function emptySums(): MoneySums {
  return {
    count: 0,
    realizedPnl: 0,
    fees: 0,
    funding: 0,
    unrealizedPnl: 0,
    totalPnl: 0,
    allocation: 0,
    equity: 0,
    todayPnl: 0,
    tradeCount: 0,
    hasFunding: false,
  };
}

export function addTo(sums: MoneySums, s: StrategyView): void {
  sums.count += 1;
  sums.realizedPnl += s.metrics.realizedPnl;
  sums.fees += s.metrics.fees;
  sums.funding += s.metrics.funding;
  sums.unrealizedPnl += s.metrics.unrealizedPnl;
  sums.totalPnl += s.metrics.totalPnl;
  sums.allocation += s.allocation;
  sums.equity += s.allocation + s.metrics.totalPnl;
  sums.todayPnl += s.metrics.todayPnl ?? 0;
  sums.tradeCount += s.metrics.tradeCount;
  if (s.type === 'funding_rate' || s.metrics.funding !== 0) sums.hasFunding = true;
}

/**
 * Per mode, and `real`: live + observe, the real money the header's totals add (DESIGN.md, "Money";
 * shared/totals.ts). Paper (simulated fills) is summed apart and never added to it.
 */
export interface PortfolioSums {
  real: MoneySums;
  live: MoneySums;
  paper: MoneySums;
  observe: MoneySums;
  status: Record<StrategyStatus, number>;
  health: Record<HealthState, number>;
  /** Newest last-good-sync over all strategies, ms; null before any. */
  lastGoodSyncAt: number | null;
}

export function portfolioSums(ids: readonly string[], byId: Readonly<Record<string, StrategyView>>, type?: InstanceType): PortfolioSums {
  const sums: PortfolioSums = {
    real: emptySums(),
    live: emptySums(),
    paper: emptySums(),
    observe: emptySums(),
    status: { live: 0, paused: 0, stopped: 0 },
    health: { ok: 0, stale: 0, error: 0 },
    lastGoodSyncAt: null,
  };
  for (const id of ids) {
    const s = byId[id];
    if (s === undefined || (type !== undefined && s.type !== type)) continue;
    addTo(sums[s.mode], s);
    if (s.mode !== 'paper') addTo(sums.real, s);
    sums.status[s.status] += 1;
    sums.health[s.health.state] += 1;
    const good = s.health.lastGoodSyncAt === null ? NaN : Date.parse(s.health.lastGoodSyncAt);
    if (Number.isFinite(good) && (sums.lastGoodSyncAt === null || good > sums.lastGoodSyncAt)) sums.lastGoodSyncAt = good;
  }
  return sums;
}

const sumsCache = new WeakMap<object, Map<string, { ids: readonly string[]; sums: PortfolioSums }>>();

/**
 * `portfolioSums` once per store state: the header, the sync light and each type's two subtotal rows
 * all ask for it on every delta, and six passes over every strategy became three.
 */
export function sharedPortfolioSums(
  ids: readonly string[],
  byId: Readonly<Record<string, StrategyView>>,
  type?: InstanceType,
): PortfolioSums {
  let byType = sumsCache.get(byId);
  if (byType === undefined) sumsCache.set(byId, (byType = new Map()));
  const held = byType.get(type ?? '');
  if (held !== undefined && held.ids === ids) return held.sums;
  const sums = portfolioSums(ids, byId, type);
  byType.set(type ?? '', { ids, sums });
  return sums;
}

/** The detail panel's drawdown series: equity minus its running peak (≤ 0), in quote. */
export function drawdownSeries(points: readonly { t: number; equity: number }[]): { t: number; value: number }[] {
  let peak = -Infinity;
  return points.map((p) => {
    peak = Math.max(peak, p.equity);
    return { t: p.t, value: p.equity - peak };
  });
}

/** Row heights in px, fixed by the stylesheet, so the windowed table knows every row's offset. */
export const ROW_HEIGHT = { strategy: 46, other: 30 } as const;

export function rowHeight(key: string): number {
  return isStrategyKey(key) ? ROW_HEIGHT.strategy : ROW_HEIGHT.other;
}

/**
 * Rows rendered beyond the view on either side: four strategy rows, enough for a wheel step between
 * two frames. Every one of them re-renders, restyles and lays out on each delta, so at 400 px the
 * rows no one saw were over half the table's work (bench/renderer.ts).
 */
export const TABLE_OVERSCAN_PX = 4 * ROW_HEIGHT.strategy;

/**
 * The rows a window shows: [start, end) over `keys`, with the px above and below for spacers.
 * Rows are not all one height (group and subtotal rows are shorter), hence the walk.
 */
export function windowRows(
  keys: readonly string[],
  scrollTop: number,
  height: number,
  overscanPx = TABLE_OVERSCAN_PX,
): { start: number; end: number; above: number; below: number } {
  const from = Math.max(0, scrollTop - overscanPx);
  const to = scrollTop + height + overscanPx;
  let y = 0;
  let start = keys.length;
  let above = 0;
  let end = keys.length;
  for (let i = 0; i < keys.length; i++) {
    const h = rowHeight(keys[i] as string);
    if (start === keys.length && y + h > from) {
      start = i;
      above = y;
    }
    if (y >= to) {
      end = i;
      break;
    }
    y += h;
  }
  if (start === keys.length) above = y;
  let total = y;
  for (let i = end; i < keys.length; i++) total += rowHeight(keys[i] as string);
  if (start > end) start = end;
  return { start, end, above, below: total - y };
}

/** Offset of a row's top, px. */
export function rowOffset(keys: readonly string[], index: number): number {
  let y = 0;
  for (let i = 0; i < index && i < keys.length; i++) y += rowHeight(keys[i] as string);
  return y;
}

/**
 * The code money sums are labelled with: the reporting currency the host's totals carry, else (before
 * the first snapshot has totals) the first strategy's quote. Never a made-up "USD".
 */
export function reportingCurrency(state: {
  totals: { currency: string } | null;
  strategyIds: readonly string[];
  strategiesById: Readonly<Record<string, StrategyView>>;
}): string {
  const first = state.strategyIds[0];
  return state.totals?.currency ?? (first === undefined ? '' : (state.strategiesById[first]?.metrics.quoteCurrency ?? ''));
}

/**
 * React keys for the strategy rows in the window: a strategy keeps its key while it stays in the window
 * (a re-sort moves its row's DOM and re-renders nothing), and one that enters takes the key of one that
 * left (its row is re-rendered for the newcomer instead of unmounted and a new one mounted: new DOM,
 * styled and laid out from scratch). New keys only when the window grows. Pure: the same window and
 * previous keys give the same keys, however often React renders.
 */
export function rowSlots(previous: ReadonlyMap<string, string>, ids: readonly string[]): Map<string, string> {
  const next = new Map<string, string>();
  const inWindow = new Set(ids);
  for (const id of ids) {
    const slot = previous.get(id);
    if (slot !== undefined) next.set(id, slot);
  }
  const free: string[] = [];
  for (const [id, slot] of previous) if (!inWindow.has(id)) free.push(slot);
  // Reused in a fixed order (oldest first), so the assignment does not depend on Map quirks.
  free.sort();
  const taken = new Set(next.values());
  let fresh = 0;
  for (const id of ids) {
    if (next.has(id)) continue;
    // A leaving strategy's key (never one still in use: the previous keys were one per strategy).
    let slot = free.shift();
    while (slot === undefined || taken.has(slot)) slot = `slot-${String(fresh++).padStart(4, '0')}`;
    taken.add(slot);
    next.set(id, slot);
  }
  return next;
}

/**
 * Which rows can stay where they are when the window is put in a new order: `positions[i]` is where the
 * i-th row of the new order sits now, and the answer is a longest increasing run of them (their order is
 * already right). Every other row moves, so a re-sort moves n − LIS rows: one row jumping to the top moves
 * one row. React's own reordering of keyed children moves every row after the first that went backwards
 * (one row jumping to the top moved all the others), and Chromium rebuilds the style and layout of every
 * row it moves. O(n log n).
 */
export function rowsStaying(positions: readonly number[]): boolean[] {
  const n = positions.length;
  // tails[k]: index (into positions) of the smallest tail of an increasing run of length k + 1.
  const tails: number[] = [];
  const previous = new Array<number>(n).fill(-1);
  for (let i = 0; i < n; i++) {
    const p = positions[i] as number;
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((positions[tails[mid] as number] as number) < p) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0) previous[i] = tails[lo - 1] as number;
    tails[lo] = i;
  }
  const stays = new Array<boolean>(n).fill(false);
  for (let i = tails.length === 0 ? -1 : (tails[tails.length - 1] as number); i >= 0; i = previous[i] as number) stays[i] = true;
  return stays;
}

/**
 * The order React renders the window's rows in (by React key): the rows it rendered last time keep their
 * order, whatever the sort did to them, and rows new to the window follow in the window's order. React then
 * never moves a row itself (see `rowsStaying` for who does); a first render is already in the window's order.
 * Pure, like `rowSlots`: the same previous order and keys give the same answer however often React renders.
 */
export function stableOrder(previous: readonly string[], keys: readonly string[]): string[] {
  const present = new Set(keys);
  const order = previous.filter((key) => present.has(key));
  const kept = new Set(order);
  for (const key of keys) if (!kept.has(key)) order.push(key);
  return order;
}
