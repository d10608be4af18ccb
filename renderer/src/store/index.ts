/**
 * The one Stratdesk store, built from slices. A factory rather than a module singleton so each
 * test (and each app mount) gets a fresh store, as zustand's testing guide recommends.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import { initialSnapshotSlice, type SnapshotSlice } from './snapshotSlice.ts';
import { createUiSlice, type UiSlice } from './uiSlice.ts';
import { createPrefsSlice, type PrefsSlice } from './prefsSlice.ts';
import { initialHistorySlice, type HistorySlice } from './historySlice.ts';
import { createVaultSlice, type VaultSlice } from './vaultSlice.ts';
import { createControlSlice, type ControlSlice } from './controlSlice.ts';

export type { SnapshotSlice } from './snapshotSlice.ts';
export type {
  Alert,
  AlertKind,
  AlertSeverity,
  ConnectionState,
  PendingConfirm,
  RebalanceUi,
  RowAction,
  StopAllUi,
  UiError,
  UiSlice,
} from './uiSlice.ts';
export type { Prefs, PrefsSlice, SortDir, SortKey, TableFilter, ThemeChoice } from './prefsSlice.ts';
export type { HistorySlice, SparkPoint, SparkSeries } from './historySlice.ts';
export type { AccountTestUi, VaultAction, VaultFeedback, VaultSlice } from './vaultSlice.ts';
export type { ControlAction, ControlNotice, ControlSlice } from './controlSlice.ts';

export type StratdeskState = SnapshotSlice & HistorySlice & UiSlice & PrefsSlice & VaultSlice & ControlSlice;
export type StratdeskStore = StoreApi<StratdeskState>;

/**
 * `preloaded` overrides initial state. Server-side rendering (used by the component tests, which run
 * without a DOM) reads the store's *initial* state, so a pre-filled store is how those tests see data.
 */
export function createStratdeskStore(preloaded: Partial<StratdeskState> = {}): StratdeskStore {
  return createStore<StratdeskState>()((...args) => ({
    ...initialSnapshotSlice(),
    ...initialHistorySlice(),
    ...createUiSlice(...args),
    ...createPrefsSlice(...args),
    ...createVaultSlice(...args),
    ...createControlSlice(...args),
    ...preloaded,
  }));
}
