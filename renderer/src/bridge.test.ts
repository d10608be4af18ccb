import { beforeEach, describe, expect, it } from 'vitest';
import type { StratdeskBridge } from '../../shared/contract.ts';
import type { StreamMessage } from '../../shared/model.ts';
import { applyFetchedSnapshot, applyHistory, applyStrategyResult, applyStreamMessage, connectStream } from './bridge.ts';
import { createStratdeskStore, type StratdeskStore } from './store/index.ts';
import { sparkPoints } from './store/historySlice.ts';
import { makeDelta, makeMetrics, makeSnapshot, makeStrategy, makeTotals } from './testFixtures.ts';
import type { Transport } from './transport.ts';

let store: StratdeskStore;

beforeEach(() => {
  store = createStratdeskStore();
});

function seedThree(): void {
  applyStreamMessage(store, {
    type: 'snapshot',
    snapshot: makeSnapshot(10, [makeStrategy('a'), makeStrategy('b'), makeStrategy('c')]),
  });
}

describe('snapshot', () => {
  it('normalises strategies and instances by id, in the host order', () => {
    seedThree();
    const state = store.getState();
    expect(state.seq).toBe(10);
    expect(state.strategyIds).toEqual(['a', 'b', 'c']);
    expect(state.strategiesById['b']?.id).toBe('b');
    expect(state.instanceIds).toEqual(['a', 'b', 'c']);
    expect(state.totals?.live).toBe(2);
  });

  it('keeps identity of strategies that a reconnect snapshot repeats unchanged', () => {
    seedThree();
    const before = store.getState();
    const changedB = makeStrategy('b', { metrics: makeMetrics({ tradeCount: 5 }) });
    applyStreamMessage(store, {
      type: 'snapshot',
      snapshot: makeSnapshot(11, [makeStrategy('a'), changedB, makeStrategy('c')]),
    });
    const after = store.getState();
    expect(after.strategiesById['a']).toBe(before.strategiesById['a']);
    expect(after.strategiesById['c']).toBe(before.strategiesById['c']);
    expect(after.strategiesById['b']).toEqual(changedB);
    expect(after.strategyIds).toBe(before.strategyIds);
    expect(after.totals).toBe(before.totals);
  });

  it('drops strategies a new snapshot no longer has', () => {
    seedThree();
    applyStreamMessage(store, { type: 'snapshot', snapshot: makeSnapshot(11, [makeStrategy('c'), makeStrategy('a')]) });
    const state = store.getState();
    expect(state.strategyIds).toEqual(['c', 'a']);
    expect(state.strategiesById['b']).toBeUndefined();
  });

  it('always applies a stream snapshot, even with a lower seq (the host restarted)', () => {
    seedThree();
    const outcome = applyStreamMessage(store, { type: 'snapshot', snapshot: makeSnapshot(1, [makeStrategy('z')]) });
    expect(outcome).toBe('applied');
    expect(store.getState().seq).toBe(1);
    expect(store.getState().strategyIds).toEqual(['z']);
  });
});

describe('delta', () => {
  it('replaces only the changed strategies and keeps the others by identity', () => {
    seedThree();
    const before = store.getState();
    const changedB = makeStrategy('b', { metrics: makeMetrics({ realizedPnl: 99, totalPnl: 100 }) });
    const totals = makeTotals({ realizedPnl: 109, totalPnl: 111 });
    const outcome = applyStreamMessage(store, makeDelta(11, [changedB], { totals }));
    const after = store.getState();

    expect(outcome).toBe('applied');
    expect(after.seq).toBe(11);
    expect(after.strategiesById['b']).toEqual(changedB);
    expect(after.strategiesById['a']).toBe(before.strategiesById['a']);
    expect(after.strategiesById['c']).toBe(before.strategiesById['c']);
    expect(after.strategyIds).toBe(before.strategyIds);
    expect(after.instancesById).toBe(before.instancesById);
    expect(after.totals).toEqual(totals);
    expect(after.asOf).toBe(makeDelta(11, []).asOf);
  });

  it('keeps the old object when a delta repeats a strategy unchanged', () => {
    seedThree();
    const before = store.getState();
    applyStreamMessage(store, makeDelta(11, [makeStrategy('a')]));
    expect(store.getState().strategiesById).toBe(before.strategiesById);
    expect(store.getState().totals).toBe(before.totals);
  });

  it('appends a strategy first seen in a delta', () => {
    seedThree();
    applyStreamMessage(store, makeDelta(11, [makeStrategy('d')]));
    expect(store.getState().strategyIds).toEqual(['a', 'b', 'c', 'd']);
  });

  it('ignores a stale delta whose seq is not newer', () => {
    seedThree();
    applyStreamMessage(store, makeDelta(12, [makeStrategy('a', { status: 'paused' })]));
    const before = store.getState();
    const stale = applyStreamMessage(store, makeDelta(11, [makeStrategy('a', { status: 'live' })]));
    const repeated = applyStreamMessage(store, makeDelta(12, [makeStrategy('a', { status: 'stopped' })]));
    expect(stale).toBe('stale');
    expect(repeated).toBe('stale');
    expect(store.getState()).toBe(before);
    expect(store.getState().strategiesById['a']?.status).toBe('paused');
  });

  it('ignores a delta before any snapshot', () => {
    expect(applyStreamMessage(store, makeDelta(5, [makeStrategy('a')]))).toBe('no_snapshot');
    expect(store.getState().strategyIds).toEqual([]);
    expect(store.getState().seq).toBeNull();
  });

  it('applies a delta that skipped seqs but reports the gap', () => {
    seedThree();
    expect(applyStreamMessage(store, makeDelta(14, [makeStrategy('a', { status: 'paused' })]))).toBe('gap');
    expect(store.getState().seq).toBe(14);
    expect(store.getState().strategiesById['a']?.status).toBe('paused');
  });

  it('notifies subscribers once per applied message and not for dropped ones', () => {
    seedThree();
    let notifications = 0;
    store.subscribe(() => notifications++);
    applyStreamMessage(store, makeDelta(11, [makeStrategy('a', { status: 'paused' })]));
    applyStreamMessage(store, makeDelta(9, [makeStrategy('a')]));
    expect(notifications).toBe(1);
  });
});

describe('delta patches (only the fields that changed)', () => {
  it('merges a patch into the row it names, keeping every field it leaves out', () => {
    const store = createStratdeskStore();
    applyStreamMessage(store, { type: 'snapshot', snapshot: makeSnapshot(1, [makeStrategy('a'), makeStrategy('b')]) });
    const before = store.getState().strategiesById;
    const metrics = makeMetrics({ totalPnl: 99 });
    expect(applyStreamMessage(store, makeDelta(2, [{ id: 'a', metrics }]))).toBe('applied');
    const a = store.getState().strategiesById['a'];
    expect(a?.metrics.totalPnl).toBe(99);
    // What the patch left out is what the row had: status, allocation, health.
    expect(a).toMatchObject({ status: 'live', allocation: 1000, mode: 'live' });
    expect(a?.health).toBe(before['a']?.health);
    expect(store.getState().strategiesById['b']).toBe(before['b']);
  });

  it('keeps identity when a patch repeats what the row already holds', () => {
    const store = createStratdeskStore();
    applyStreamMessage(store, { type: 'snapshot', snapshot: makeSnapshot(1, [makeStrategy('a')]) });
    const before = store.getState().strategiesById;
    applyStreamMessage(store, makeDelta(2, [{ id: 'a', status: 'live', allocation: 1000 }]));
    expect(store.getState().strategiesById).toBe(before);
  });

  it('patches instances too, and drops the ids a delta says were removed', () => {
    const store = createStratdeskStore();
    applyStreamMessage(store, { type: 'snapshot', snapshot: makeSnapshot(1, [makeStrategy('a'), makeStrategy('b')]) });
    applyStreamMessage(store, makeDelta(2, [], { instances: [{ id: 'a', running: false }], removed: ['b'] }));
    const state = store.getState();
    expect(state.instancesById['a']).toMatchObject({ running: false, symbols: ['BTC/USDT'] });
    expect(state.strategyIds).toEqual(['a']);
    expect(state.instanceIds).toEqual(['a']);
    expect(state.strategiesById['b']).toBeUndefined();
  });

  it('adds a row first seen whole, and resyncs on a partial patch for a row it never saw', () => {
    const store = createStratdeskStore();
    applyStreamMessage(store, { type: 'snapshot', snapshot: makeSnapshot(1, [makeStrategy('a')]) });
    expect(applyStreamMessage(store, makeDelta(2, [makeStrategy('c')]))).toBe('applied');
    expect(store.getState().strategyIds).toEqual(['a', 'c']);
    expect(applyStreamMessage(store, makeDelta(3, [{ id: 'ghost', allocation: 5 }]))).toBe('gap');
    expect(store.getState().strategiesById['ghost']).toBeUndefined();
  });
});

describe('command results', () => {
  it('shows a paused strategy at once and moves the header counts with it', () => {
    seedThree();
    const before = store.getState();
    applyStrategyResult(store, makeStrategy('b', { status: 'paused' }));
    const after = store.getState();
    expect(after.strategiesById['b']?.status).toBe('paused');
    expect(after.strategiesById['a']).toBe(before.strategiesById['a']);
    expect(after.totals?.live).toBe(1);
    expect(after.totals?.paused).toBe(1);
  });

  it('leaves the store alone when the result changes nothing', () => {
    seedThree();
    const before = store.getState();
    applyStrategyResult(store, makeStrategy('b'));
    expect(store.getState()).toBe(before);
  });

  it('applies a fetched snapshot only if it is not behind the stream', () => {
    seedThree();
    expect(applyFetchedSnapshot(store, makeSnapshot(9, [makeStrategy('old')]))).toBe(false);
    expect(store.getState().strategyIds).toEqual(['a', 'b', 'c']);
    expect(applyFetchedSnapshot(store, makeSnapshot(12, [makeStrategy('a')]))).toBe(true);
    expect(store.getState().strategyIds).toEqual(['a']);
  });
});

/** An in-process transport: the test pushes stream messages and answers commands. */
function fakeTransport(options: { hasConnectionState: boolean }) {
  let streamListener: ((message: StreamMessage) => void) | null = null;
  let connectionListener: ((state: 'connected' | 'reconnecting') => void) | null = null;
  const calls: string[] = [];
  const snapshotForResync = makeSnapshot(20, [makeStrategy('a'), makeStrategy('b', { status: 'stopped' })]);
  const command: StratdeskBridge['command'] = async (name) => {
    calls.push(name);
    if (name === 'portfolio/get') return { ok: true, value: snapshotForResync } as never;
    return { ok: false, error: { code: 'internal', message: 'not in this test' } };
  };
  const transport: Transport = {
    command,
    onStream: (listener) => {
      streamListener = listener;
      return () => {
        streamListener = null;
      };
    },
  };
  if (options.hasConnectionState) {
    transport.onConnectionChange = (listener) => {
      connectionListener = listener;
      return () => {
        connectionListener = null;
      };
    };
  }
  return {
    transport,
    calls,
    push: (message: StreamMessage) => streamListener?.(message),
    setConnection: (state: 'connected' | 'reconnecting') => connectionListener?.(state),
    isSubscribed: () => streamListener !== null,
  };
}

describe('connectStream', () => {
  it('writes the stream into the store and follows the socket state', () => {
    const fake = fakeTransport({ hasConnectionState: true });
    const disconnect = connectStream(fake.transport, store);
    expect(store.getState().connection).toBe('reconnecting');
    fake.setConnection('connected');
    fake.push({ type: 'snapshot', snapshot: makeSnapshot(1, [makeStrategy('a')]) });
    expect(store.getState().connection).toBe('connected');
    expect(store.getState().hasEverConnected).toBe(true);
    expect(store.getState().strategyIds).toEqual(['a']);
    fake.setConnection('reconnecting');
    expect(store.getState().connection).toBe('reconnecting');
    disconnect();
    expect(fake.isSubscribed()).toBe(false);
  });

  it('treats the first message as "connected" when the transport has no socket state (Electron)', () => {
    const fake = fakeTransport({ hasConnectionState: false });
    connectStream(fake.transport, store);
    expect(store.getState().connection).toBe('reconnecting');
    fake.push({ type: 'snapshot', snapshot: makeSnapshot(1, [makeStrategy('a')]) });
    expect(store.getState().connection).toBe('connected');
  });

  it('resyncs with portfolio/get after a gap', async () => {
    const fake = fakeTransport({ hasConnectionState: true });
    connectStream(fake.transport, store);
    fake.push({ type: 'snapshot', snapshot: makeSnapshot(10, [makeStrategy('a'), makeStrategy('b')]) });
    fake.push(makeDelta(11, [makeStrategy('a', { status: 'paused' })]));
    // The sparklines' history is asked for once at connect; nothing else until a gap.
    expect(fake.calls).toEqual(['portfolio/history']);
    fake.push(makeDelta(15, [makeStrategy('a', { status: 'live' })]));
    expect(fake.calls).toEqual(['portfolio/history', 'portfolio/get']);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(store.getState().seq).toBe(20);
    expect(store.getState().strategiesById['b']?.status).toBe('stopped');
  });
});

describe('sparklines', () => {
  it('append one point per changed strategy, at the delta time, touching only its array', () => {
    seedThree();
    const before = store.getState().sparkById;
    expect(Object.keys(before)).toEqual(['a', 'b', 'c']);
    applyStreamMessage(store, makeDelta(11, [makeStrategy('b', { metrics: makeMetrics({ totalPnl: 42 }) })]));
    const after = store.getState().sparkById;
    expect(after['a']).toBe(before['a']);
    expect(after['c']).toBe(before['c']);
    expect(sparkPoints(after['b']).map((p) => p.v)).toEqual([11, 42]);
    expect(sparkPoints(after['b'])[1]?.t).toBe(Date.parse(makeDelta(11, []).asOf));
  });

  it('add nothing for a strategy repeated unchanged', () => {
    seedThree();
    const before = store.getState().sparkById;
    applyStreamMessage(store, makeDelta(11, [makeStrategy('a')]));
    expect(store.getState().sparkById).toBe(before);
  });

  it('seed from history before the live points, once', () => {
    seedThree();
    const liveT = sparkPoints(store.getState().sparkById['a'])[0]?.t ?? 0;
    applyHistory(store, {
      asOf: '2026-11-20T10:00:00Z',
      series: {
        a: [
          { t: liveT - 2000, totalPnl: 1, equity: 1001 },
          { t: liveT - 1000, totalPnl: 2, equity: 1002 },
          { t: liveT, totalPnl: 3, equity: 1003 },
        ],
      },
    });
    expect(sparkPoints(store.getState().sparkById['a']).map((p) => p.v)).toEqual([1, 2, 11]);
  });
});
