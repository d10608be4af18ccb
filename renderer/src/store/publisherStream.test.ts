/**
 * The serve-mode stream end to end without a socket: the host's real Publisher makes the messages
 * and the window's real merge applies them. Whatever changes, a client applying deltas holds what a
 * fresh full snapshot would give it, and a metrics-only change travels as just that sub-field.
 */
import { describe, expect, it } from 'vitest';
// eslint-disable-next-line no-restricted-imports -- a test only: it plays the host's side of the stream with the real Publisher
import { Publisher } from '../../../electron/core/host/publisher.ts';
import type { Snapshot, StrategyView, StreamMessage } from '../../../shared/model.ts';
import { mergeDelta, mergeSnapshot } from '../bridge.ts';
import { makeHealth, makeMetrics, makeSnapshot, makeStrategy } from '../testFixtures.ts';
import { initialSnapshotSlice, type SnapshotSlice } from './snapshotSlice.ts';

/** A small seeded generator, so a failure replays the same changes. */
function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

function apply(slice: SnapshotSlice, message: StreamMessage): SnapshotSlice {
  if (message.type === 'snapshot') return mergeSnapshot(slice, message.snapshot);
  const { slice: next, outcome } = mergeDelta(slice, message);
  expect(outcome).toBe('applied');
  return next;
}

/** One random change to the snapshot: a metric, a health field, a position, a status, a new or removed row. */
function change(snapshot: Snapshot, next: () => number, step: number): Snapshot {
  const strategies = [...snapshot.strategies];
  const at = Math.floor(next() * strategies.length);
  const s = strategies[at];
  const roll = next();
  if (s === undefined || roll < 0.05) {
    strategies.push(makeStrategy(`new${step}`));
  } else if (roll < 0.1 && strategies.length > 3) {
    strategies.splice(at, 1);
  } else if (roll < 0.5) {
    strategies[at] = { ...s, metrics: { ...s.metrics, totalPnl: Math.round(next() * 1e4) / 100, tradeCount: s.metrics.tradeCount + 1 } };
  } else if (roll < 0.65) {
    strategies[at] = { ...s, metrics: { ...s.metrics, positions: next() < 0.5 ? {} : { 'BTC/USDT': next() } } };
  } else if (roll < 0.85) {
    const stream = { ...s.health.stream, reconnects: s.health.stream.reconnects + 1 };
    strategies[at] = { ...s, health: { ...s.health, failures: Math.floor(next() * 3), stream } };
  } else {
    strategies[at] = { ...s, status: next() < 0.5 ? 'paused' : 'live', allocation: Math.round(next() * 1000) };
  }
  const instances = strategies.map((v) => snapshot.instances.find((i) => i.id === v.id) ?? { ...makeSnapshot(0, [v]).instances[0]! });
  if (s !== undefined && roll >= 0.85) {
    instances[Math.min(at, instances.length - 1)] = {
      ...instances[Math.min(at, instances.length - 1)]!,
      health: makeHealth({ failures: step }),
    };
  }
  return { ...snapshot, strategies, instances };
}

function strategiesOf(slice: SnapshotSlice): StrategyView[] {
  return slice.strategyIds.map((id) => slice.strategiesById[id]!);
}

describe('Publisher deltas through the bridge merge', () => {
  it('a few hundred random changes applied as deltas reach the state of a full snapshot', () => {
    const next = random(14);
    const publisher = new Publisher();
    let snapshot = makeSnapshot(
      0,
      ['a', 'b', 'c', 'd', 'e'].map((id) => makeStrategy(id)),
    );
    let client = initialSnapshotSlice();
    publisher.subscribe(snapshot, (message) => {
      client = apply(client, message);
    });
    for (let step = 1; step <= 400; step++) {
      snapshot = change(snapshot, next, step);
      publisher.publish(snapshot);
      const fresh = mergeSnapshot(initialSnapshotSlice(), { ...snapshot, seq: publisher.seq });
      expect(strategiesOf(client)).toEqual(strategiesOf(fresh));
      expect(client.instanceIds.map((id) => client.instancesById[id])).toEqual(fresh.instanceIds.map((id) => fresh.instancesById[id]));
    }
  });

  it('a change to one metric sends only that metric, not all of metrics and health', () => {
    const publisher = new Publisher();
    const a = makeStrategy('a');
    const messages: StreamMessage[] = [];
    publisher.subscribe(makeSnapshot(1, [a]), (message) => messages.push(message));
    publisher.publish(makeSnapshot(2, [{ ...a, metrics: makeMetrics({ ...a.metrics, totalPnl: 123 }) }]));
    const delta = messages.at(-1);
    expect(delta?.type).toBe('delta');
    if (delta?.type !== 'delta') return;
    expect(delta.strategies).toEqual([{ id: 'a', metrics: { totalPnl: 123 } }]);
    expect(delta.instances).toEqual([]);
  });
});
