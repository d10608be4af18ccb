import { beforeEach, describe, expect, it } from 'vitest';
import type { CommandName, Result, StratdeskBridge } from '../../shared/contract.ts';
import type { AccountTest, VaultStatus } from '../../shared/model.ts';
import { applyStreamMessage } from './bridge.ts';
import { createAppCommands } from './commands.ts';
import { createStratdeskStore, type StratdeskStore } from './store/index.ts';
import { makeControlResult, makeDelta, makeInstance, makePlan, makeSnapshot, makeStrategy } from './testFixtures.ts';
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

    const after = makeSnapshot(2, [makeStrategy('a', { status: 'paused' }), makeStrategy('b')]);
    const stillOpen = [{ instance: 'a', symbol: 'BTC/USDT', orderId: '7', why: 'cancel answered 503; retrying' }];
    calls[0]?.resolve({ ok: true, value: makeControlResult(after, stillOpen) });
    await flush();
    expect(store.getState().pendingById['a']).toBeUndefined();
    expect(store.getState().strategiesById['a']?.status).toBe('paused');
    // The pause left an order on the book: the notice says so rather than a bare "paused".
    expect(store.getState().controlNotice).toMatchObject({ action: 'pause', target: 'a', stillOpen });
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
    calls[0]?.resolve({ ok: true, value: makePlan() });
    await flush();
    expect(store.getState().rebalance).toMatchObject({ phase: 'plan', plan: makePlan() });

    void commands.applyRebalance();
    expect(store.getState().rebalance.phase).toBe('applying');
    expect(calls[1]?.input).toEqual({ dryRun: false, planId: 'plan-1' });
    commands.closeRebalance(); // cannot cancel what was already sent
    expect(store.getState().rebalance.phase).toBe('applying');
    const applied = makePlan({ dryRun: false, applied: true });
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
    calls[0]?.resolve({ ok: true, value: makePlan({ policy: 'equal' }) });
    await flush();
    void commands.applyRebalance();
    expect(calls[1]?.input).toEqual({ dryRun: false, policy: 'equal', planId: 'plan-1' });
  });

  it('drops a plan that arrives after the trader cancelled', async () => {
    const { transport, calls } = deferredTransport();
    const commands = createAppCommands(transport, store);
    void commands.planRebalance(null);
    commands.closeRebalance();
    calls[0]?.resolve({ ok: true, value: makePlan() });
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
    calls[1]?.resolve({ ok: true, value: makePlan() });
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
    // The answer's snapshot is one seq behind a delta that overtook it: the stopped row still shows.
    applyStreamMessage(store, makeDelta(2, [{ id: 'a', allocation: 900 }]));
    const answer = makeSnapshot(1, [makeStrategy('a', { status: 'stopped' })], {
      instances: [makeInstance('a', { running: false })],
    });
    calls[0]?.resolve({ ok: true, value: makeControlResult(answer) });
    await done;
    expect(store.getState().instancesById['a']?.running).toBe(false);
    expect(store.getState().strategiesById['a']).toMatchObject({ status: 'stopped' });
    expect(store.getState().controlNotice).toMatchObject({ action: 'stop', target: 'a', stillOpen: [] });
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

describe('stop all', () => {
  it('asks first, sends one command with the reason, and shows the snapshot it answers with', async () => {
    const { transport, calls } = deferredTransport();
    const commands = createAppCommands(transport, store);
    await commands.confirmStopAll('not asked'); // nothing without the dialog
    expect(calls).toHaveLength(0);

    commands.askStopAll();
    expect(store.getState().stopAll).toBe('confirm');
    commands.cancelStopAll();
    expect(store.getState().stopAll).toBe('closed');

    commands.askStopAll();
    void commands.confirmStopAll('  exchange outage  ');
    void commands.confirmStopAll('twice');
    expect(calls).toHaveLength(1);
    expect(calls[0]?.name).toBe('portfolio/stopAll');
    expect(calls[0]?.input).toEqual({ reason: 'exchange outage' });
    expect(store.getState().stopAll).toBe('running');
    commands.cancelStopAll(); // sent: cannot be taken back
    expect(store.getState().stopAll).toBe('running');

    const stopped = makeSnapshot(2, [makeStrategy('a', { status: 'stopped' }), makeStrategy('b', { status: 'stopped' })]);
    calls[0]?.resolve({ ok: true, value: makeControlResult(stopped) });
    await flush();
    expect(store.getState().stopAll).toBe('closed');
    expect(store.getState().strategyIds.map((id) => store.getState().strategiesById[id]?.status)).toEqual(['stopped', 'stopped']);
  });

  it('gives a default reason, and a refusal goes to the banner', async () => {
    const { transport, calls } = deferredTransport();
    const commands = createAppCommands(transport, store);
    commands.askStopAll();
    void commands.confirmStopAll('');
    expect(calls[0]?.input).toEqual({ reason: 'stop all from the dashboard' });
    calls[0]?.resolve({ ok: false, error: { code: 'internal', message: 'engine busy' } });
    await flush();
    expect(store.getState().stopAll).toBe('closed');
    expect(store.getState().errors[0]).toMatchObject({ source: 'portfolio/stopAll', message: 'engine busy' });
    expect(store.getState().strategiesById['a']?.status).toBe('live');
  });
});

function vaultStatus(overrides: Partial<VaultStatus> = {}): VaultStatus {
  return {
    exists: true,
    isLocked: false,
    entries: [],
    accounts: [{ id: 'sim', exchange: 'binance', vaultEntry: null, isConnected: true }],
    notice: null,
    keychain: 'unavailable',
    ...overrides,
  };
}

describe('vault', () => {
  it('opens the panel and reads the status', async () => {
    const { transport, calls } = deferredTransport();
    const commands = createAppCommands(transport, store);
    store.getState().setAlertsOpen(true);
    void commands.openVault();
    expect(store.getState().isVaultOpen).toBe(true);
    expect(store.getState().isAlertsOpen).toBe(false);
    expect(store.getState().vaultBusy).toBe('load');
    expect(calls[0]?.name).toBe('vault/status');
    calls[0]?.resolve({ ok: true, value: vaultStatus({ exists: false, isLocked: true }) });
    await flush();
    expect(store.getState().vaultBusy).toBeNull();
    expect(store.getState().vaultStatus?.exists).toBe(false);
  });

  it('sends one action at a time and keeps the new status and a confirmation', async () => {
    const { transport, calls } = deferredTransport();
    const commands = createAppCommands(transport, store);
    const created = commands.createVault('long-enough');
    void commands.unlockVault('other', false); // while busy: refused locally, nothing sent
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ name: 'vault/create', input: { password: 'long-enough' } });
    expect(store.getState().vaultBusy).toBe('create');
    calls[0]?.resolve({ ok: true, value: vaultStatus() });
    expect(await created).toBe(true);
    expect(store.getState().vaultBusy).toBeNull();
    expect(store.getState().vaultStatus?.isLocked).toBe(false);
    expect(store.getState().vaultFeedback).toMatchObject({ action: 'create', isError: false });
    // Nothing typed is kept anywhere in the store.
    expect(JSON.stringify(store.getState())).not.toContain('long-enough');
  });

  it('shows a wrong password or a lock-out in the panel, not the app banner', async () => {
    const { transport, calls } = deferredTransport();
    const commands = createAppCommands(transport, store);
    const unlocked = commands.unlockVault('wrong-password', false);
    expect(calls[0]?.input).toEqual({ password: 'wrong-password' });
    calls[0]?.resolve({ ok: false, error: { code: 'unauthorized', message: 'wrong password' } });
    expect(await unlocked).toBe(false);
    expect(store.getState().vaultFeedback).toEqual({ action: 'unlock', isError: true, code: 'unauthorized', message: 'wrong password' });
    expect(store.getState().errors).toHaveLength(0);

    void commands.unlockVault('again', true);
    expect(calls[1]?.input).toEqual({ password: 'again', remember: true });
    expect(store.getState().vaultFeedback).toBeNull(); // cleared while the next one runs
    calls[1]?.resolve({ ok: false, error: { code: 'rate_limited', message: 'too many wrong passwords: try again in 4 s' } });
    await flush();
    expect(store.getState().vaultFeedback).toMatchObject({ code: 'rate_limited', message: 'too many wrong passwords: try again in 4 s' });
    expect(JSON.stringify(store.getState())).not.toMatch(/wrong-password|"again"/);
  });

  it('maps lock, password change, put and remove to their commands', async () => {
    const { transport, calls } = deferredTransport();
    const commands = createAppCommands(transport, store);
    const answer = async (): Promise<void> => {
      calls[calls.length - 1]?.resolve({ ok: true, value: vaultStatus() });
      await flush();
    };
    void commands.lockVault(false);
    await answer();
    void commands.lockVault(true);
    await answer();
    void commands.changeVaultPassword('old-password', 'new-password');
    await answer();
    void commands.putVaultKey({ name: 'bn', apiKey: 'K', secret: 'S', passphrase: '' });
    await answer();
    void commands.putVaultKey({ name: 'okx', apiKey: 'K', secret: 'S', passphrase: 'P' });
    await answer();
    void commands.removeVaultKey('bn');
    await answer();
    expect(calls.map((c) => [c.name, c.input])).toEqual([
      ['vault/lock', {}],
      ['vault/lock', { forget: true }],
      ['vault/changePassword', { oldPassword: 'old-password', newPassword: 'new-password' }],
      ['vault/put', { name: 'bn', apiKey: 'K', secret: 'S' }],
      ['vault/put', { name: 'okx', apiKey: 'K', secret: 'S', password: 'P' }],
      ['vault/remove', { name: 'bn' }],
    ]);
    expect(store.getState().vaultFeedback?.message).toBe('Key "bn" removed.');
  });

  it('drops a status read that an action overtook', async () => {
    const { transport, calls } = deferredTransport();
    const commands = createAppCommands(transport, store);
    void commands.refreshVault({ quiet: true });
    void commands.lockVault(false);
    expect(calls.map((c) => c.name)).toEqual(['vault/status', 'vault/lock']);
    calls[1]?.resolve({ ok: true, value: vaultStatus({ isLocked: true }) });
    await flush();
    calls[0]?.resolve({ ok: true, value: vaultStatus({ isLocked: false }) });
    await flush();
    expect(store.getState().vaultStatus?.isLocked).toBe(true);
  });

  it('forgets the last answer when the panel closes', () => {
    const { transport } = deferredTransport();
    const commands = createAppCommands(transport, store);
    store.getState().setVaultOpen(true);
    store.getState().setVaultFeedback({ action: 'lock', isError: false, code: null, message: 'Locked.' });
    commands.closeVault();
    expect(store.getState().isVaultOpen).toBe(false);
    expect(store.getState().vaultFeedback).toBeNull();
  });
});

describe('account test', () => {
  it('runs once at a time per account and keeps the result with its warnings', async () => {
    const { transport, calls } = deferredTransport();
    const commands = createAppCommands(transport, store);
    void commands.testAccount('sim');
    void commands.testAccount('sim');
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ name: 'account/test', input: { id: 'sim' } });
    expect(store.getState().accountTests['sim']).toEqual({ phase: 'running' });
    const result: AccountTest = {
      account: 'sim',
      exchange: 'binance',
      ok: true,
      message: 'the key works',
      permissions: ['reading', 'spot and margin trading'],
      warnings: ['no IP whitelist: the key works from any address'],
    };
    calls[0]?.resolve({ ok: true, value: result });
    await flush();
    expect(store.getState().accountTests['sim']).toMatchObject({ phase: 'done', result });

    void commands.testAccount('other');
    calls[1]?.resolve({ ok: false, error: { code: 'not_found', message: 'no account "other"' } });
    await flush();
    expect(store.getState().accountTests['other']).toEqual({
      phase: 'failed',
      error: { code: 'not_found', message: 'no account "other"' },
    });
  });
});
