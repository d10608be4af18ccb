/**
 * The snapshot stream: a full snapshot to a new subscriber, then deltas. A delta carries, per
 * strategy and instance, only the top-level fields whose value changed since the last publish, and
 * inside `metrics` and `health` only the sub-fields that changed (a market maker's tick sends its
 * new PnL figures, not its whole metrics and health again). The nested rule is at StrategyPatch.
 */
import { NESTED_PATCH_FIELDS } from '../../../shared/model.ts';
import type { InstancePatch, Snapshot, StrategyPatch, StreamMessage } from '../../../shared/model.ts';

export class Publisher {
  #listeners = new Set<(message: StreamMessage) => void>();
  /** Per "s:id" / "i:id", the JSON of each top-level field (and "metrics.x"-style sub-field) as last published. */
  #published = new Map<string, Map<string, string>>();
  #seq = 0;

  get seq(): number {
    return this.#seq;
  }

  subscribe(snapshot: Snapshot, listener: (message: StreamMessage) => void): () => void {
    // Bring everyone to this same snapshot first, so every later delta is relative to what the new
    // subscriber holds as well.
    this.publish(snapshot);
    listener({ type: 'snapshot', snapshot: { ...snapshot, seq: this.#seq } });
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  clear(): void {
    this.#listeners.clear();
  }

  publish(snapshot: Snapshot): void {
    this.#seq++;
    const seen = new Set<string>();
    const strategies: StrategyPatch[] = [];
    for (const s of snapshot.strategies) {
      seen.add(`s:${s.id}`);
      const patch = this.#patch(`s:${s.id}`, s);
      if (patch) strategies.push(patch as StrategyPatch);
    }
    const instances: InstancePatch[] = [];
    for (const i of snapshot.instances) {
      seen.add(`i:${i.id}`);
      const patch = this.#patch(`i:${i.id}`, i);
      if (patch) instances.push(patch as InstancePatch);
    }
    const removed: string[] = [];
    for (const key of [...this.#published.keys()]) {
      if (seen.has(key)) continue;
      this.#published.delete(key);
      if (key.startsWith('s:')) removed.push(key.slice(2));
    }
    const message: StreamMessage = {
      type: 'delta',
      seq: this.#seq,
      asOf: snapshot.asOf,
      totals: snapshot.totals,
      strategies,
      instances,
      ...(removed.length > 0 ? { removed } : {}),
    };
    for (const listener of this.#listeners) listener(message);
  }

  /**
   * The fields of `value` that changed since it was last published (with its id), or null. A new
   * id is sent whole; for a known one, a nested field carries only its changed sub-fields.
   */
  #patch(key: string, value: { id: string }): Record<string, unknown> | null {
    let last = this.#published.get(key);
    const isNew = last === undefined;
    if (!last) {
      last = new Map();
      this.#published.set(key, last);
    }
    const patch: Record<string, unknown> = { id: value.id };
    let isChanged = isNew;
    for (const [field, v] of Object.entries(value)) {
      if (NESTED_PATCH_FIELDS.has(field) && isPlainObject(v)) {
        const changed = changedFields(last, `${field}.`, v);
        if (changed === null) continue;
        patch[field] = isNew ? v : changed;
        isChanged = true;
        continue;
      }
      const json = JSON.stringify(v);
      if (last.get(field) === json) continue;
      last.set(field, json);
      patch[field] = v;
      isChanged = true;
    }
    return isChanged ? patch : null;
  }
}

/** The entries of `value` whose JSON differs from what `last` holds under `prefix` + key (recorded), or null. */
function changedFields(last: Map<string, string>, prefix: string, value: Record<string, unknown>): Record<string, unknown> | null {
  let changed: Record<string, unknown> | null = null;
  for (const [k, v] of Object.entries(value)) {
    const json = JSON.stringify(v);
    if (last.get(prefix + k) === json) continue;
    last.set(prefix + k, json);
    (changed ??= {})[k] = v;
  }
  return changed;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
