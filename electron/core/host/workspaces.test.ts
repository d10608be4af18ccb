/**
 * Editing the workspace through the host's commands (the window and serve mode use the same ones):
 * validated whole before anything changes, applied hot (only the instances it touches restart),
 * written atomically to the file, undoable. Against the simulator through real ccxt.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { WorkspaceApplied, WorkspaceDocument, WorkspaceState } from '../../../shared/model.ts';
import type { Simulator } from '../../sim/simulator.ts';
import { silentLogger } from '../log.ts';
import { accountOn, simRig, tempDir } from '../testing/simHost.ts';
import { loadWorkspaceFile } from '../workspace/workspace.ts';
import { Host } from './host.ts';

const rig = simRig();

async function setup(): Promise<{ h: Host; s: Simulator; file: string; doc: WorkspaceDocument }> {
  const s = await rig.simulator({
    seed: 11,
    tickMs: 50,
    accounts: [{ apiKey: 'k1', secret: 's1', balances: { USDT: 100_000, BTC: 2, ETH: 30, SOL: 500 } }],
  });
  const dir = tempDir('host-ws-');
  const file = join(dir, 'workspace.json');
  const startTime = new Date(Date.now() - 60_000).toISOString();
  const params = { spreadBps: 10, orderFraction: 0.05, intervalMs: 200 };
  const doc: WorkspaceDocument = {
    version: 2,
    syncIntervalMs: 300,
    accounts: [accountOn(s, 'sim', { apiKey: 'k1', secret: 's1' })],
    instances: [
      { id: 'mm-a', type: 'fixed_spread', account: 'sim', mode: 'live', symbols: ['BTC/USDT'], startTime, params },
      { id: 'mm-b', type: 'fixed_spread', account: 'sim', mode: 'live', symbols: ['ETH/USDT'], startTime, params },
    ],
    portfolio: { policy: 'target_weights', targets: { 'mm-a': 0.5, 'mm-b': 0.5 } },
  };
  writeFileSync(file, JSON.stringify(doc, null, 2));
  const h = new Host({ workspace: await loadWorkspaceFile(file), workspacePath: file, dataDir: dir, log: silentLogger });
  rig.defer(() => h.close());
  h.start();
  return { h, s, file, doc };
}

async function get(h: Host): Promise<WorkspaceState> {
  const r = await h.execute('workspace/get', {}, 'window');
  if (!r.ok) throw new Error(r.error.message);
  return r.value as WorkspaceState;
}

async function until(fn: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('workspace changes from the window', () => {
  it('applies a change hot: only the edited instance restarts, the file is written, undo puts it back', async () => {
    const { h, file } = await setup();
    const before = await get(h);
    expect(before.canUndo).toBe(false);
    const a = h.engine.get('mm-a');
    const next = structuredClone(before.workspace);
    next.instances[1]!.params = { ...next.instances[1]!.params, spreadBps: 14 };
    next.syncIntervalMs = 400;
    const put = await h.execute('workspace/put', { workspace: next, revision: before.revision }, 'window');
    expect(put.ok).toBe(true);
    const applied = (put.ok ? put.value : null) as WorkspaceApplied;
    expect(applied.applied).toEqual({ started: [], stopped: [], restarted: ['mm-b'], unchanged: ['mm-a'] });
    expect(applied.revision).toBeGreaterThan(before.revision);
    // The interval and the reporting currency apply in place: they restart nothing.
    expect(h.sync.intervalMs).toBe(400);
    expect(h.engine.get('mm-a')).toBe(a);
    expect(h.engine.get('mm-b')?.config.params['spreadBps']).toBe(14);
    expect(h.engine.get('mm-b')?.isRunning).toBe(true);
    expect((JSON.parse(readFileSync(file, 'utf8')) as WorkspaceDocument).instances[1]?.params['spreadBps']).toBe(14);
    expect(h.ledger.auditFor(undefined, 5).some((e) => e.action === 'workspace/put')).toBe(true);

    // A second writer with the old revision is refused, and changes nothing.
    const stale = await h.execute('workspace/put', { workspace: before.workspace, revision: before.revision }, 'api');
    expect(stale).toMatchObject({ ok: false, error: { code: 'conflict' } });
    expect(h.engine.get('mm-b')?.config.params['spreadBps']).toBe(14);

    const undone = await h.execute('workspace/undo', {}, 'window');
    expect(undone).toMatchObject({ ok: true, value: { applied: { restarted: ['mm-b'], unchanged: ['mm-a'] } } });
    expect(h.engine.get('mm-b')?.config.params['spreadBps']).toBe(10);
    expect((JSON.parse(readFileSync(file, 'utf8')) as WorkspaceDocument).instances[1]?.params['spreadBps']).toBe(10);
  }, 60_000);

  it('refuses a document with mistakes, naming each field, and applies nothing', async () => {
    const { h, file } = await setup();
    const before = await get(h);
    const onDisk = readFileSync(file, 'utf8');
    const b = h.engine.get('mm-b');
    const bad = structuredClone(before.workspace);
    bad.instances[1]!.params = { ...bad.instances[1]!.params, spreadBps: -5 };
    bad.portfolio.targets = { 'mm-a': 0.5, ghost: 0.5 };
    bad.instances[0]!.startTime = '2026-11-20T00:00:00';
    const put = await h.execute('workspace/put', { workspace: bad, revision: before.revision }, 'window');
    expect(put.ok).toBe(false);
    const fields = put.ok ? [] : (put.error.fields ?? []);
    expect(put.ok ? null : put.error.code).toBe('bad_request');
    const paths = fields.map((f) => f.path).join(' ');
    expect(paths).toMatch(/instances.*1.*params.*spreadBps/);
    expect(paths).toMatch(/targets.*ghost/);
    expect(paths).toMatch(/instances.*0.*startTime/);
    expect(readFileSync(file, 'utf8')).toBe(onDisk);
    expect(h.engine.get('mm-b')).toBe(b);
    expect((await get(h)).revision).toBe(before.revision);
  }, 60_000);

  it('adds an instance that trades on the simulator, and removing one stops it with its orders cancelled', async () => {
    const { h, s } = await setup();
    const before = await get(h);
    const next = structuredClone(before.workspace);
    next.instances.push({ ...next.instances[0]!, id: 'mm-c', symbols: ['SOL/USDT'] });
    next.portfolio.targets = { 'mm-a': 0.4, 'mm-b': 0.3, 'mm-c': 0.3 };
    const put = await h.execute('workspace/put', { workspace: next, revision: before.revision }, 'window');
    expect(put).toMatchObject({ ok: true, value: { applied: { started: ['mm-c'], stopped: [], restarted: [] } } });
    await until(() => (h.snapshot().strategies.find((x) => x.id === 'mm-c')?.metrics.tradeCount ?? 0) > 0, 30_000, 'mm-c to trade');

    const now = await get(h);
    const fewer = structuredClone(now.workspace);
    fewer.instances = fewer.instances.filter((i) => i.id !== 'mm-a');
    fewer.portfolio.targets = { 'mm-b': 0.5, 'mm-c': 0.5 };
    const removed = await h.execute('workspace/put', { workspace: fewer, revision: now.revision }, 'window');
    expect(removed).toMatchObject({ ok: true, value: { applied: { stopped: ['mm-a'] } } });
    expect(h.snapshot().strategies.map((x) => x.id)).toEqual(['mm-b', 'mm-c']);
    // The exchange's own book: mm-a's symbol has no order left.
    const client = rig.judge(s, { credentials: { apiKey: 'k1', secret: 's1' } });
    expect(await client.fetchOpenOrders('BTC/USDT')).toEqual([]);
  }, 90_000);
});
