/**
 * The one Stratdesk store, built from slices. A factory rather than a module singleton so each
 * test (and each app mount) gets a fresh store, as zustand's testing guide recommends.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import { initialSnapshotSlice, type SnapshotSlice } from './snapshotSlice.ts';
import { createUiSlice, type UiSlice } from './uiSlice.ts';

export type { SnapshotSlice } from './snapshotSlice.ts';
export type { ConnectionState, RebalanceUi, RowAction, UiError, UiSlice } from './uiSlice.ts';

export type StratdeskState = SnapshotSlice & UiSlice;
export type StratdeskStore = StoreApi<StratdeskState>;

/**
 * `preloaded` overrides initial state. Server-side rendering (used by the component tests, which run
 * without a DOM) reads the store's *initial* state, so a pre-filled store is how those tests see data.
 */
export function createStratdeskStore(preloaded: Partial<StratdeskState> = {}): StratdeskStore {
  return createStore<StratdeskState>()((...args) => ({
    ...initialSnapshotSlice(),
    ...createUiSlice(...args),
    ...preloaded,
  }));
}
