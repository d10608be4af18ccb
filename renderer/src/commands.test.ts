import { beforeEach, describe, expect, it } from 'vitest';
import type { CommandName, Result, StratdeskBridge } from '../../shared/contract.ts';
import type { RebalancePlan } from '../../shared/model.ts';
import { applyStreamMessage } from './bridge.ts';
import { createAppCommands } from './commands.ts';
import { createStratdeskStore, type StratdeskStore } from './store/index.ts';
import { makeSnapshot, makeStrategy } from './testFixtures.ts';
import type { Transport } from './transport.ts';

interface Call {
  name: CommandName;
  input: unknown;
  resolve: (result: Result<unknown>) => void;
}

/** Commands wait until the test answers them, so in-flight states can be observed. */
function deferredTransport() {
  const calls: Call[] = [];
  const record = (name: CommandName, input: unknown): Promise<Result<unknown>> =>
    new Promise((resolve) => calls.push({ name, input, resolve }));
  // The test answers with whatever result a case needs; the generic signature cannot express that.
  const command = record as StratdeskBridge['command'];
  const transport: Transport = { command, onStream: () => () => {} };
  return { transport, calls };
}

function plan(overrides: Partial<RebalancePlan> = {}): RebalancePlan {
  return {
    policy: 'target_weights',
    asOf: '2026-11-20T10:00:00Z',
    dryRun: true,
    applied: false,
    totalCapital: 2000,
    moves: [
      { id: 'a', status: 'live', targetWeight: 0.75, before: 1000, after: 1500, move: 500 },
      { id: 'b', status: 'live', targetWeight: 0.25, before: 1000, after: 500, move: -500 },
    ],
    ...overrides,
  };
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

let store: StratdeskStore;

beforeEach(() => {
  store = createStratdeskStore();
  applyStreamMessage(store, { type: 'snapshot', snapshot: makeSnapshot(1, [makeStrategy('a'), makeStrategy('b')]) });
});

describe('pause and resume', () => {
  it('marks the row busy, sends one command, and shows the answer', async () => {
    const { transport, calls } = deferredTransport();
    const commands = createAppCommands(transport, store);
    void commands.pauseStrategy('a');
    void commands.pauseStrategy('a'); // double click
    expect(calls).toHaveLength(1);
    expect(calls[0]?.name).toBe('strategy/pause');
    expect(calls[0]?.input).toEqual({ id: 'a', reason: 'from the dashboard' });
    expect(store.getState().pendingById['a']).toBe('pause');

    calls[0]?.resolve({ ok: true, value: makeStrategy('a', { status: 'paused' }) });
    await flush();
    expect(store.getState().pendingById['a']).toBeUndefined();
    expect(store.getState().strategiesById['a']?.status).toBe('paused');
  });

  it('puts a failure in the error banner and leaves the strategy as it was', async () => {
    const { transport, calls } = deferredTransport();
    const commands = createAppCommands(transport, store);
    void commands.resumeStrategy('b');
    calls[0]?.resolve({ ok: false, error: { code: 'conflict', message: 'b is not paused' } });
    await flush();
    const errors = store.getState().errors;
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ source: 'strategy/resume b', code: 'conflict', message: 'b is not paused' });
    expect(store.getState().strategiesById['b']?.status).toBe('live');
    expect(store.getState().pendingById['b']).toBeUndefined();

    store.getState().dismissError(errors[0]?.id ?? -1);
    expect(store.getState().errors).toEqual([]);
  });

  it('counts a repeated failure instead of stacking banners', () => {
    store.getState().pushError('stream', { code: 'internal', message: 'x' });
    store.getState().pushError('stream', { code: 'internal', message: 'x' });
    expect(store.getState().errors).toHaveLength(1);
    expect(store.getState().errors[0]?.count).toBe(2);
  });
});

describe('rebalance', () => {
  it('plans with a dry run, then applies and shows the applied result', async () => {
    const { transport, calls } = deferredTransport();
    const commands = createAppCommands(transport, store);

    void commands.planRebalance(null);
    expect(store.getState().rebalance.phase).toBe('loading');
    expect(calls[0]?.input).toEqual({ dryRun: true });
    calls[0]?.resolve({ ok: true, value: plan() });
    await flush();
    expect(store.getState().rebalance).toMatchObject({ phase: 'plan', plan: plan() });

    void commands.applyRebalance();
    expect(store.getState().rebalance.phase).toBe('applying');
    expect(calls[1]?.input).toEqual({ dryRun: false });
    commands.closeRebalance(); // cannot cancel what was already sent
    expect(store.getState().rebalance.phase).toBe('applying');
    const applied = plan({ dryRun: false, applied: true });
    calls[1]?.resolve({ ok: true, value: applied });
    await flush();
    expect(store.getState().rebalance).toMatchObject({ phase: 'applied', plan: applied });

    commands.closeRebalance();
    expect(store.getState().rebalance.phase).toBe('closed');
  });

  it('applies with the policy the plan on screen was made with', async () => {
    const { transport, calls } = deferredTransport();
    const commands = createAppCommands(transport, store);
    void commands.planRebalance('equal');
    expect(calls[0]?.input).toEqual({ dryRun: true, policy: 'equal' });
    calls[0]?.resolve({ ok: true, value: plan({ policy: 'equal' }) });
    await flush();
    void commands.applyRebalance();
    expect(calls[1]?.input).toEqual({ dryRun: false, policy: 'equal' });
  });

  it('drops a plan that arrives after the trader cancelled', async () => {
    const { transport, calls } = deferredTransport();
    const commands = createAppCommands(transport, store);
    void commands.planRebalance(null);
    commands.closeRebalance();
    calls[0]?.resolve({ ok: true, value: plan() });
    await flush();
    expect(store.getState().rebalance.phase).toBe('closed');
  });

  it('reports a failed plan and closes; a failed apply goes back to the plan', async () => {
    const { transport, calls } = deferredTransport();
    const commands = createAppCommands(transport, store);
    void commands.planRebalance(null);
    calls[0]?.resolve({ ok: false, error: { code: 'internal', message: 'sync failed' } });
    await flush();
    expect(store.getState().rebalance.phase).toBe('closed');
    expect(store.getState().errors[0]?.message).toBe('sync failed');

    void commands.planRebalance(null);
    calls[1]?.resolve({ ok: true, value: plan() });
    await flush();
    void commands.applyRebalance();
    calls[2]?.resolve({ ok: false, error: { code: 'conflict', message: 'budgets changed' } });
    await flush();
    expect(store.getState().rebalance.phase).toBe('plan');
    expect(store.getState().errors.map((e) => e.message)).toEqual(['sync failed', 'budgets changed']);
  });
});

describe('confirm and export', () => {
  it('asks before stopping and only sends the command on yes', async () => {
    const { transport, calls } = deferredTransport();
    const store = createStratdeskStore();
    applyStreamMessage(store, { type: 'snapshot', snapshot: makeSnapshot(1, [makeStrategy('a')]) });
    const commands = createAppCommands(transport, store);
    commands.askAction('a', 'stop');
    expect(store.getState().confirm).toEqual({ id: 'a', action: 'stop' });
    commands.cancelPending();
    expect(store.getState().confirm).toBeNull();
    expect(calls).toHaveLength(0);
    commands.askAction('a', 'stop');
    const done = commands.confirmPending();
    expect(store.getState().confirm).toBeNull();
    expect(calls[0]?.name).toBe('instance/stop');
    expect(store.getState().pendingById['a']).toBe('stop');
    calls[0]?.resolve({
      ok: true,
      value: {
        id: 'a',
        type: 'fixed_spread',
        account: 'sim',
        mode: 'live',
        running: false,
        health: makeStrategy('a').health,
        symbols: [],
        startTime: '2026-11-20T00:00:00Z',
      },
    });
    await done;
    expect(store.getState().instancesById['a']?.running).toBe(false);
    expect(store.getState().pendingById['a']).toBeUndefined();
  });

  it('saves the exported CSV through one path, and reports a failure in the banner', async () => {
    const { transport, calls } = deferredTransport();
    const store = createStratdeskStore();
    const saved: string[] = [];
    const commands = createAppCommands(transport, store, (filename, text, mime) => saved.push(`${filename}|${mime}|${text}`));
    const ok = commands.exportCsv('a', 'fills');
    calls[0]?.resolve({ ok: true, value: { filename: 'stratdesk-a-fills.csv', csv: 'h\n' } });
    await ok;
    expect(calls[0]?.input).toEqual({ id: 'a', kind: 'fills' });
    expect(saved).toEqual(['stratdesk-a-fills.csv|text/csv;charset=utf-8|h\n']);
    const bad = commands.exportCsv('a', 'metrics');
    calls[1]?.resolve({ ok: false, error: { code: 'not_found', message: 'no instance "a"' } });
    await bad;
    expect(store.getState().errors[0]?.message).toBe('no instance "a"');
  });
});
