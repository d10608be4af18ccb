/**
 * THE one place that writes host data into the store: the stream (full snapshot, then deltas) and
 * the strategies that pause/resume answer with.
 *
 * Two rules live here so no component has to care:
 * - Ordering: a delta whose seq is not newer than what we hold is dropped; a delta that skips seqs
 *   is applied (it is the newest truth we have) and triggers a resync, since deltas carry only what
 *   changed and the skipped ones may have touched other rows. A stream snapshot always wins: after a
 *   reconnect to a restarted host its seq may start over.
 * - Identity: a strategy, instance or totals object that did not change keeps its identity, so rows
 *   selecting it by id do not re-render.
 * - Patches: a delta's strategies and instances are patches keyed by id (only the fields that
 *   changed, and inside metrics/health only the sub-fields that changed); each is merged into the
 *   object we hold, the fields it leaves out kept. A full object is
 *   a patch too, so a host that still sends whole objects works the same.
 */
import type {
  ControlResult,
  InstancePatch,
  InstanceView,
  PortfolioHistory,
  Snapshot,
  StrategyPatch,
  StrategyStatus,
  StrategyView,
  StreamMessage,
  Totals,
} from '../../shared/model.ts';
import { NESTED_PATCH_FIELDS } from '../../shared/model.ts';
import { isSameList, isSameValue } from './sameValue.ts';
import { lastSpark, sparkPoints, sparkSeries, withPoint } from './store/historySlice.ts';
import type { HistorySlice, SnapshotSlice, SparkSeries, StratdeskStore } from './store/index.ts';
import type { Transport } from './transport.ts';

export type DeltaMessage = Extract<StreamMessage, { type: 'delta' }>;

/**
 * applied — written; stale — older than what we hold, dropped; no_snapshot — a delta with nothing to
 * apply it to, dropped; gap — written, but seqs were skipped.
 */
export type ApplyOutcome = 'applied' | 'stale' | 'no_snapshot' | 'gap';

interface Keyed {
  id: string;
}

/** Rebuilds an id map from a full list, reusing every entry that is structurally unchanged. */
function mergeAll<T extends Keyed>(
  previous: Readonly<Record<string, T>>,
  previousIds: readonly string[],
  incoming: readonly T[],
): { byId: Readonly<Record<string, T>>; ids: readonly string[] } {
  const byId: Record<string, T> = {};
  const ids: string[] = [];
  for (const item of incoming) {
    if (!Object.hasOwn(byId, item.id)) ids.push(item.id);
    const old = previous[item.id];
    byId[item.id] = old !== undefined && isSameValue(old, item) ? old : item;
  }
  // Same ids in the same order (so no entry was dropped either) and every entry reused: nothing moved.
  if (isSameList(previousIds, ids)) {
    return ids.every((id) => byId[id] === previous[id]) ? { byId: previous, ids: previousIds } : { byId, ids: previousIds };
  }
  return { byId, ids };
}

/**
 * Merges a delta's patches into the map: each patch's fields over the object held for its id. An
 * entry is copied only if a field really changed, and the map only if an entry did. A patch for an id
 * we do not hold is a new entry when it is whole (the host sends a new instance whole); a partial one
 * is skipped and reported (`isMissingBase`), so the caller resyncs instead of drawing half a row.
 */
function mergePatches<T extends Keyed, P extends Keyed>(
  previous: Readonly<Record<string, T>>,
  previousIds: readonly string[],
  patches: readonly P[],
  removed: readonly string[],
  isWhole: (patch: P) => patch is P & T,
): { byId: Readonly<Record<string, T>>; ids: readonly string[]; isMissingBase: boolean } {
  let byId = previous;
  let ids = previousIds;
  let isMissingBase = false;
  for (const patch of patches) {
    const old = byId[patch.id];
    let next: T | undefined;
    if (old === undefined) {
      if (isWhole(patch)) next = patch;
      else isMissingBase = true;
    } else {
      for (const key of Object.keys(patch) as (keyof T & string)[]) {
        const raw = (patch as unknown as Partial<T>)[key];
        if (raw === undefined) continue;
        // The nested rule (shared/model.ts): a known row's metrics/health carry only what changed.
        const held = old[key];
        const value = NESTED_PATCH_FIELDS.has(key) && isObject(held) && isObject(raw) ? ({ ...held, ...raw } as T[typeof key]) : raw;
        if (isSameValue(old[key], value)) continue;
        next ??= { ...old };
        next[key] = value;
      }
    }
    if (next === undefined) continue;
    if (byId === previous) byId = { ...previous };
    (byId as Record<string, T>)[patch.id] = next;
    if (old === undefined) ids = [...ids, patch.id];
  }
  const gone = removed.filter((id) => Object.hasOwn(byId, id));
  if (gone.length > 0) {
    if (byId === previous) byId = { ...previous };
    for (const id of gone) delete (byId as Record<string, T>)[id];
    ids = ids.filter((id) => !gone.includes(id));
  }
  return { byId, ids, isMissingBase };
}

function isObject(v: unknown): v is object {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isWholeStrategy(patch: StrategyPatch): patch is StrategyPatch & StrategyView {
  return patch.metrics !== undefined && patch.health !== undefined && patch.figures !== undefined && patch.status !== undefined;
}

function isWholeInstance(patch: InstancePatch): patch is InstancePatch & InstanceView {
  return patch.health !== undefined && patch.symbols !== undefined && patch.startTime !== undefined;
}

function keepIfSame(previous: Totals | null, next: Totals): Totals {
  return previous !== null && isSameValue(previous, next) ? previous : next;
}

export function mergeSnapshot(state: SnapshotSlice, snapshot: Snapshot): SnapshotSlice {
  const strategies = mergeAll(state.strategiesById, state.strategyIds, snapshot.strategies);
  const instances = mergeAll(state.instancesById, state.instanceIds, snapshot.instances);
  return {
    seq: snapshot.seq,
    asOf: snapshot.asOf,
    totals: keepIfSame(state.totals, snapshot.totals),
    strategyIds: strategies.ids,
    strategiesById: strategies.byId,
    instanceIds: instances.ids,
    instancesById: instances.byId,
  };
}

export function mergeDelta(state: SnapshotSlice, delta: DeltaMessage): { slice: SnapshotSlice; outcome: ApplyOutcome } {
  if (state.seq === null) return { slice: state, outcome: 'no_snapshot' };
  if (delta.seq <= state.seq) return { slice: state, outcome: 'stale' };
  const removed = delta.removed ?? [];
  const strategies = mergePatches(state.strategiesById, state.strategyIds, delta.strategies, removed, isWholeStrategy);
  const instances = mergePatches(state.instancesById, state.instanceIds, delta.instances, removed, isWholeInstance);
  return {
    slice: {
      seq: delta.seq,
      asOf: delta.asOf,
      totals: keepIfSame(state.totals, delta.totals),
      strategyIds: strategies.ids,
      strategiesById: strategies.byId,
      instanceIds: instances.ids,
      instancesById: instances.byId,
    },
    // A patch for a row we never saw whole cannot be drawn: resync as after a gap.
    outcome: delta.seq === state.seq + 1 && !strategies.isMissingBase && !instances.isMissingBase ? 'applied' : 'gap',
  };
}

function snapshotSliceOf(state: SnapshotSlice): SnapshotSlice {
  const { seq, asOf, totals, strategyIds, strategiesById, instanceIds, instancesById } = state;
  return { seq, asOf, totals, strategyIds, strategiesById, instanceIds, instancesById };
}

/**
 * One sparkline point per strategy whose object changed, at the message's time. Only the series of
 * those strategies are replaced (`withPoint`: one point added, nothing copied); the map is copied once, and not at all when nothing changed.
 */
export function appendSpark(
  sparkById: HistorySlice['sparkById'],
  before: Readonly<Record<string, StrategyView>>,
  after: Readonly<Record<string, StrategyView>>,
  changedIds: readonly string[],
  t: number,
): HistorySlice['sparkById'] {
  if (before === after || !Number.isFinite(t)) return sparkById;
  let next = sparkById;
  for (const id of changedIds) {
    const strategy = after[id];
    if (strategy === undefined || strategy === before[id]) continue;
    const series = sparkById[id];
    const last = lastSpark(series);
    if (last !== undefined && last.t >= t) continue;
    if (next === sparkById) next = { ...sparkById };
    (next as Record<string, SparkSeries>)[id] = withPoint(series, { t, v: strategy.metrics.totalPnl });
  }
  return next;
}

/** Writes one stream message into the store and says what happened to it. */
export function applyStreamMessage(store: StratdeskStore, message: StreamMessage): ApplyOutcome {
  const state = store.getState();
  const current = snapshotSliceOf(state);
  if (message.type === 'snapshot') {
    const slice = mergeSnapshot(current, message.snapshot);
    const ids = message.snapshot.strategies.map((s) => s.id);
    const sparkById = appendSpark(state.sparkById, current.strategiesById, slice.strategiesById, ids, Date.parse(message.snapshot.asOf));
    store.setState({ ...slice, sparkById });
    return 'applied';
  }
  const { slice, outcome } = mergeDelta(current, message);
  if (outcome === 'applied' || outcome === 'gap') {
    const ids = message.strategies.map((s) => s.id);
    const sparkById = appendSpark(state.sparkById, current.strategiesById, slice.strategiesById, ids, Date.parse(message.asOf));
    store.setState(sparkById === state.sparkById ? slice : { ...slice, sparkById });
  }
  return outcome;
}

/**
 * Seeds the sparklines with the host's sampled history (once, at start). Points the stream already
 * appended stay; the seed only fills in what came before them.
 */
export function applyHistory(store: StratdeskStore, history: PortfolioHistory): void {
  const { sparkById } = store.getState();
  const next: Record<string, SparkSeries> = { ...sparkById };
  for (const [id, series] of Object.entries(history.series)) {
    const live = sparkPoints(sparkById[id]);
    const firstLive = live[0]?.t ?? Infinity;
    const seed = series.filter((p) => p.t < firstLive).map((p) => ({ t: p.t, v: p.totalPnl }));
    if (seed.length > 0) next[id] = sparkSeries([...seed, ...live]);
  }
  store.setState({ sparkById: next });
}

/**
 * A snapshot fetched with `portfolio/get` (a resync). Unlike a stream snapshot it may be older than a
 * delta that overtook it while the host was syncing, so it only applies if it is not behind.
 */
export function applyFetchedSnapshot(store: StratdeskStore, snapshot: Snapshot): boolean {
  const current = snapshotSliceOf(store.getState());
  if (current.seq !== null && snapshot.seq < current.seq) return false;
  store.setState(mergeSnapshot(current, snapshot));
  return true;
}

const STATUS_COUNT_KEY: Record<StrategyStatus, 'live' | 'paused' | 'stopped'> = {
  live: 'live',
  paused: 'paused',
  stopped: 'stopped',
};

/**
 * The strategy a pause/resume answered with, shown at once instead of waiting for the next delta
 * (the host may only publish on its next sync). The header's status counts move with it; the next
 * delta or snapshot overwrites both with the host's own figures.
 */
export function applyStrategyResult(store: StratdeskStore, strategy: StrategyView): void {
  const state = store.getState();
  const old = state.strategiesById[strategy.id];
  if (old !== undefined && isSameValue(old, strategy)) return;
  let totals = state.totals;
  if (totals !== null && old !== undefined && old.status !== strategy.status) {
    const from = STATUS_COUNT_KEY[old.status];
    const to = STATUS_COUNT_KEY[strategy.status];
    totals = { ...totals, [from]: Math.max(0, totals[from] - 1), [to]: totals[to] + 1 };
  }
  store.setState({
    strategiesById: { ...state.strategiesById, [strategy.id]: strategy },
    strategyIds: old === undefined ? [...state.strategyIds, strategy.id] : state.strategyIds,
    totals,
  });
}

/**
 * What a control command answered (the snapshot after it): applied like a fetched snapshot; if a
 * newer delta already overtook it, at least the commanded instance's own row shows the answer.
 */
export function applyControlResult(store: StratdeskStore, result: ControlResult, id: string | null): void {
  const { stillOpen: _stillOpen, ...snapshot } = result;
  if (applyFetchedSnapshot(store, snapshot) || id === null) return;
  const strategy = result.strategies.find((s) => s.id === id);
  const instance = result.instances.find((i) => i.id === id);
  if (strategy !== undefined) applyStrategyResult(store, strategy);
  if (instance !== undefined) applyInstanceResult(store, instance);
}

/** Same for an instance that start/stop answered with. */
export function applyInstanceResult(store: StratdeskStore, instance: InstanceView): void {
  const state = store.getState();
  const old = state.instancesById[instance.id];
  if (old !== undefined && isSameValue(old, instance)) return;
  store.setState({
    instancesById: { ...state.instancesById, [instance.id]: instance },
    instanceIds: old === undefined ? [...state.instanceIds, instance.id] : state.instanceIds,
  });
}

/**
 * Subscribes the store to the transport's stream and connection state. Returns the unsubscribe.
 */
export function connectStream(transport: Transport, store: StratdeskStore): () => void {
  let isResyncing = false;

  async function resync(): Promise<void> {
    if (isResyncing) return;
    isResyncing = true;
    try {
      const result = await transport.command('portfolio/get', {});
      if (result.ok) applyFetchedSnapshot(store, result.value);
      else store.getState().pushError('portfolio/get', result.error);
    } finally {
      isResyncing = false;
    }
  }

  // Sparklines: the sampled history once; the stream appends from then on. A failure only costs
  // the sparklines their past, so it is not worth a banner.
  void transport.command('portfolio/history', { points: 120 }).then((result) => {
    if (result.ok) applyHistory(store, result.value);
  });

  const hasConnectionState = transport.onConnectionChange !== undefined;
  const offConnection = transport.onConnectionChange?.((state) => store.getState().setConnection(state));
  const offStream = transport.onStream((message) => {
    // Electron's IPC has no socket to watch: a message arriving is the proof of connection.
    if (!hasConnectionState && store.getState().connection !== 'connected') {
      store.getState().setConnection('connected');
    }
    const outcome = applyStreamMessage(store, message);
    if (outcome === 'gap' || outcome === 'no_snapshot') void resync();
  });

  return () => {
    offStream();
    offConnection?.();
  };
}
