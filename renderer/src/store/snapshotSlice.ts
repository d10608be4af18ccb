/**
 * The snapshot slice: what the host last told us, normalised by id.
 *
 * Data only. The one writer is `bridge.ts` (stream messages and command results), so there is exactly
 * one place that decides ordering (seq) and object identity (unchanged strategies keep theirs, which
 * is what lets one instance's tick re-render one row).
 */
import type { InstanceView, StrategyView, Totals } from '../../../shared/model.ts';

export interface SnapshotSlice {
  /** seq of the last snapshot or delta applied; null until the first snapshot arrives. */
  seq: number | null;
  /** ISO time of the last snapshot or delta applied. */
  asOf: string | null;
  /** Portfolio totals in the reporting currency (`totals.currency`), from shared/totals.ts; null until the first snapshot. */
  totals: Totals | null;
  /** Strategy ids in display order: the host's order, strategies first seen in a delta appended. */
  strategyIds: readonly string[];
  strategiesById: Readonly<Record<string, StrategyView>>;
  instanceIds: readonly string[];
  instancesById: Readonly<Record<string, InstanceView>>;
}

export function initialSnapshotSlice(): SnapshotSlice {
  return {
    seq: null,
    asOf: null,
    totals: null,
    strategyIds: [],
    strategiesById: {},
    instanceIds: [],
    instancesById: {},
  };
}
