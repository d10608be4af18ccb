/**
 * The snapshot stream: a full snapshot to a new subscriber, then deltas. A delta carries, per
 * strategy and instance, only the top-level fields whose value changed since the last publish (a
 * market maker's tick sends its metrics and health, not its whole view again).
 */
import type { InstancePatch, Snapshot, StrategyPatch, StreamMessage } from '../../../shared/model.ts';

export class Publisher {
  #listeners = new Set<(message: StreamMessage) => void>();
  /** Per "s:id" / "i:id", the JSON of each top-level field as last published. */
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

  /** The fields of `value` that changed since it was last published (with its id), or null. */
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
      const json = JSON.stringify(v);
      if (last.get(field) === json) continue;
      last.set(field, json);
      patch[field] = v;
      isChanged = true;
    }
    return isChanged ? patch : null;
  }
}
