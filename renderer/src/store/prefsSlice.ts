/**
 * The trader's remembered choices: table sort and filters, detail panel width, theme, alert settings.
 * Kept in one object so persisting is one write, and loaded defensively: a hand-edited or old
 * localStorage entry must never stop the app from starting.
 */
import type { HealthState, StrategyStatus } from '../../../shared/model.ts';
import type { StateCreator } from 'zustand/vanilla';
import type { StratdeskState } from './index.ts';

/** Every column the strategies table can sort by. */
export type SortKey =
  'id' | 'account' | 'mode' | 'status' | 'health' | 'realized' | 'fees' | 'funding' | 'unrealized' | 'total' | 'trades' | 'allocation';

export const SORT_KEYS: readonly SortKey[] = [
  'id',
  'account',
  'mode',
  'status',
  'health',
  'realized',
  'fees',
  'funding',
  'unrealized',
  'total',
  'trades',
  'allocation',
];

export type SortDir = 'asc' | 'desc';
export type ThemeChoice = 'system' | 'dark' | 'light';

export interface TableFilter {
  /** Matches id, account, type and symbols, case-insensitive. */
  text: string;
  /** Statuses shown; empty = all. */
  statuses: readonly StrategyStatus[];
  /** Health states shown; empty = all. */
  health: readonly HealthState[];
}

export interface Prefs {
  sort: { key: SortKey; dir: SortDir } | null;
  filter: TableFilter;
  /** Detail panel width in CSS pixels. */
  panelWidth: number;
  theme: ThemeChoice;
  /** Alert when an instance's max drawdown passes this fraction of its equity at the peak (0.05 = 5 %). */
  drawdownAlertPct: number;
  /** Desktop notifications wanted (the browser's permission is asked on the click that sets this). */
  isNotifying: boolean;
}

export const PANEL_MIN = 420;
export const PANEL_MAX = 1200;

export function defaultPrefs(): Prefs {
  return {
    sort: null,
    filter: { text: '', statuses: [], health: [] },
    panelWidth: 760,
    theme: 'system',
    drawdownAlertPct: 0.05,
    isNotifying: false,
  };
}

const STATUSES: readonly StrategyStatus[] = ['live', 'paused', 'stopped'];
const HEALTH: readonly HealthState[] = ['ok', 'stale', 'error'];

function pick<T extends string>(value: unknown, allowed: readonly T[]): T | null {
  return typeof value === 'string' && (allowed as readonly string[]).includes(value) ? (value as T) : null;
}

function pickList<T extends string>(value: unknown, allowed: readonly T[]): T[] {
  if (!Array.isArray(value)) return [];
  return value.map((v) => pick(v, allowed)).filter((v): v is T => v !== null);
}

export function clampPanelWidth(width: number): number {
  if (!Number.isFinite(width)) return defaultPrefs().panelWidth;
  return Math.round(Math.min(PANEL_MAX, Math.max(PANEL_MIN, width)));
}

/** Reads whatever was stored, keeping each field only if it is valid. */
export function parsePrefs(text: string | null): Prefs {
  const prefs = defaultPrefs();
  if (text === null) return prefs;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return prefs;
  }
  if (typeof raw !== 'object' || raw === null) return prefs;
  const r = raw as Record<string, unknown>;
  const sort = r['sort'] as Record<string, unknown> | null | undefined;
  if (typeof sort === 'object' && sort !== null) {
    const key = pick(sort['key'], SORT_KEYS);
    const dir = pick(sort['dir'], ['asc', 'desc'] as const);
    if (key !== null && dir !== null) prefs.sort = { key, dir };
  }
  const filter = r['filter'] as Record<string, unknown> | undefined;
  if (typeof filter === 'object' && filter !== null) {
    prefs.filter = {
      text: typeof filter['text'] === 'string' ? filter['text'].slice(0, 200) : '',
      statuses: pickList(filter['statuses'], STATUSES),
      health: pickList(filter['health'], HEALTH),
    };
  }
  if (typeof r['panelWidth'] === 'number') prefs.panelWidth = clampPanelWidth(r['panelWidth']);
  prefs.theme = pick(r['theme'], ['system', 'dark', 'light'] as const) ?? prefs.theme;
  const dd = r['drawdownAlertPct'];
  if (typeof dd === 'number' && Number.isFinite(dd) && dd > 0 && dd < 1) prefs.drawdownAlertPct = dd;
  if (typeof r['isNotifying'] === 'boolean') prefs.isNotifying = r['isNotifying'];
  return prefs;
}

export const PREFS_KEY = 'stratdesk.prefs.v1';

/** Minimal storage, so tests pass a Map-backed one; the app passes localStorage. */
export interface PrefsStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

export function loadPrefs(storage: PrefsStorage | null): Prefs {
  try {
    return parsePrefs(storage?.getItem(PREFS_KEY) ?? null);
  } catch {
    // Storage can throw (disabled, quota, sandboxed frame): fall back to defaults.
    return defaultPrefs();
  }
}

/** Writes prefs whenever they change; returns the unsubscribe. */
export function persistPrefs(
  store: { subscribe: (l: (s: StratdeskState, p: StratdeskState) => void) => () => void },
  storage: PrefsStorage | null,
): () => void {
  return store.subscribe((state, previous) => {
    if (state.prefs === previous.prefs || storage === null) return;
    try {
      storage.setItem(PREFS_KEY, JSON.stringify(state.prefs));
    } catch {
      // Not remembering a layout is not worth an error banner.
    }
  });
}

export interface PrefsSlice {
  prefs: Prefs;
  /** Click on a column header: first ascending (descending for money), then flipped, then off. */
  toggleSort: (key: SortKey) => void;
  setFilterText: (text: string) => void;
  toggleStatusFilter: (status: StrategyStatus) => void;
  toggleHealthFilter: (health: HealthState) => void;
  /** Shows only rows with a problem (stale or error): what the sync light's click does. */
  showProblemsOnly: () => void;
  clearFilters: () => void;
  setPanelWidth: (width: number) => void;
  setTheme: (theme: ThemeChoice) => void;
  setDrawdownAlertPct: (pct: number) => void;
  setNotifying: (isNotifying: boolean) => void;
}

const MONEY_KEYS: readonly SortKey[] = ['realized', 'fees', 'funding', 'unrealized', 'total', 'trades', 'allocation'];

function toggled<T>(list: readonly T[], item: T): T[] {
  return list.includes(item) ? list.filter((x) => x !== item) : [...list, item];
}

export const createPrefsSlice: StateCreator<StratdeskState, [], [], PrefsSlice> = (set) => {
  const update = (fn: (prefs: Prefs) => Partial<Prefs>): void => set((state) => ({ prefs: { ...state.prefs, ...fn(state.prefs) } }));
  const updateFilter = (fn: (filter: TableFilter) => Partial<TableFilter>): void =>
    update((p) => ({ filter: { ...p.filter, ...fn(p.filter) } }));
  return {
    prefs: defaultPrefs(),
    toggleSort: (key) =>
      update(({ sort }) => {
        const first: SortDir = MONEY_KEYS.includes(key) ? 'desc' : 'asc';
        if (sort === null || sort.key !== key) return { sort: { key, dir: first } };
        if (sort.dir === first) return { sort: { key, dir: first === 'asc' ? 'desc' : 'asc' } };
        return { sort: null };
      }),
    setFilterText: (text) => updateFilter(() => ({ text })),
    toggleStatusFilter: (status) => updateFilter((f) => ({ statuses: toggled(f.statuses, status) })),
    toggleHealthFilter: (health) => updateFilter((f) => ({ health: toggled(f.health, health) })),
    showProblemsOnly: () => updateFilter(() => ({ health: ['stale', 'error'] })),
    clearFilters: () => updateFilter(() => ({ text: '', statuses: [], health: [] })),
    setPanelWidth: (width) => update(() => ({ panelWidth: clampPanelWidth(width) })),
    setTheme: (theme) => update(() => ({ theme })),
    setDrawdownAlertPct: (pct) =>
      update((p) => ({ drawdownAlertPct: Number.isFinite(pct) && pct > 0 && pct < 1 ? pct : p.drawdownAlertPct })),
    setNotifying: (isNotifying) => update(() => ({ isNotifying })),
  };
};
