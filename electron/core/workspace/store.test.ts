/**
 * The workspace store on a real folder: revisions that survive a restart, a whole-document check
 * before anything changes, conflicts, undo one change at a time, masked keys, and a file that stays
 * whole when a write fails or the process is killed mid-write.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nodeVaultFs, type VaultFileSystem } from '../vault/vaultFs.ts';
import { diffWorkspaces } from './diff.ts';
import { historyDir, SECRET_MASK, WorkspaceStore } from './store.ts';
import { parseWorkspace, type Workspace } from './workspace.ts';

const START = '2026-11-20T00:00:00Z';

function doc(spreads: Record<string, number> = { 'mm-a': 10, 'mm-b': 10 }): Record<string, unknown> {
  const ids = Object.keys(spreads);
  return {
    version: 2,
    syncIntervalMs: 1000,
    accounts: [
      {
        id: 'sim',
        exchange: 'binance',
        apiBaseUrl: 'http://127.0.0.1:9000',
        credentials: { apiKey: 'sim-key-0123456789', secret: 'sim-secret' },
      },
      { id: 'main', exchange: 'bybit', credentials: { vault: 'bybit-main' } },
    ],
    instances: ids.map((id) => ({
      id,
      type: 'fixed_spread',
      account: 'sim',
      symbols: ['BTC/USDT'],
      startTime: START,
      params: { spreadBps: spreads[id] },
    })),
    portfolio: { policy: 'target_weights', targets: Object.fromEntries(ids.map((id) => [id, 1 / ids.length])) },
  };
}

function folder(initial: Record<string, unknown> = doc()): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'ws-store-'));
  const file = join(dir, 'workspace.json');
  writeFileSync(file, JSON.stringify(initial));
  return { dir, file };
}

const onDisk = (file: string): Workspace => JSON.parse(readFileSync(file, 'utf8')) as Workspace;
const spreadOf = (ws: Workspace, id: string): unknown => ws.instances.find((i) => i.id === id)?.params['spreadBps'];

describe('workspace store', () => {
  it('writes a valid change, keeps its revision across a restart, and refuses a stale one', async () => {
    const { file } = folder();
    const store = await WorkspaceStore.open({ path: file });
    expect(store.get()).toMatchObject({ revision: 1, canUndo: false });
    const applied: string[][] = [];
    const put = await store.put(doc({ 'mm-a': 10, 'mm-b': 14 }), 1, async (_next, diff) => void applied.push(diff.restarted));
    expect(put).toMatchObject({ ok: true, revision: 2, diff: { started: [], stopped: [], restarted: ['mm-b'], unchanged: ['mm-a'] } });
    expect(applied).toEqual([['mm-b']]);
    expect(spreadOf(onDisk(file), 'mm-b')).toBe(14);

    const stale = await store.put(doc({ 'mm-a': 99, 'mm-b': 10 }), 1);
    expect(stale).toMatchObject({ ok: false, reason: 'conflict', revision: 2 });
    expect(spreadOf(onDisk(file), 'mm-a')).toBe(10);

    const reopened = await WorkspaceStore.open({ path: file });
    expect(reopened.get()).toMatchObject({ revision: 2, canUndo: true });
  });

  it('refuses a document with mistakes whole: every field named, the file, revision and instances untouched', async () => {
    const { file } = folder();
    const before = readFileSync(file, 'utf8');
    const store = await WorkspaceStore.open({ path: file });
    const bad = doc({ 'mm-a': -5, 'mm-b': 10 }) as { portfolio: { targets: Record<string, number> } };
    bad.portfolio.targets = { 'mm-a': 0.5, ghost: 0.5 };
    let isApplied = false;
    const put = await store.put(bad, 1, async () => void (isApplied = true));
    expect(put.ok).toBe(false);
    expect(put.ok ? [] : 'fields' in put ? put.fields.map((f) => f.path) : []).toEqual([
      'instances[0].params.spreadBps',
      'portfolio.targets.ghost',
    ]);
    expect(isApplied).toBe(false);
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(store.revision).toBe(1);
  });

  it('one change at a time: two puts from the same revision, one wins and the other is a conflict', async () => {
    const { file } = folder();
    const store = await WorkspaceStore.open({ path: file });
    const results = await Promise.all([store.put(doc({ 'mm-a': 11, 'mm-b': 10 }), 1), store.put(doc({ 'mm-a': 12, 'mm-b': 10 }), 1)]);
    expect(results.map((r) => (r.ok ? 'ok' : r.reason))).toEqual(['ok', 'conflict']);
    expect(spreadOf(onDisk(file), 'mm-a')).toBe(11);
  });

  it('undo walks back one change at a time, each undo a new revision; the history is bounded', async () => {
    const { file } = folder();
    const store = await WorkspaceStore.open({ path: file, historyLimit: 4 });
    await store.put(doc({ 'mm-a': 11, 'mm-b': 10 }), 1);
    await store.put(doc({ 'mm-a': 12, 'mm-b': 10, 'mm-c': 10 }), 2);
    const first = await store.undo();
    // mm-a's config goes from 12 back to 11: it restarts with the values it had; mm-c leaves.
    expect(first).toMatchObject({
      ok: true,
      revision: 4,
      diff: { started: [], stopped: ['mm-c'], restarted: ['mm-a'], unchanged: ['mm-b'] },
    });
    expect(spreadOf(onDisk(file), 'mm-a')).toBe(11);
    expect(onDisk(file).instances.map((i) => i.id)).toEqual(['mm-a', 'mm-b']);
    const second = await store.undo();
    expect(second).toMatchObject({ ok: true, revision: 5, diff: { restarted: ['mm-a'] } });
    expect(spreadOf(onDisk(file), 'mm-a')).toBe(10);
    expect(store.canUndo).toBe(false);
    expect(await store.undo()).toMatchObject({ ok: false, reason: 'nothing_to_undo' });
    expect(readdirSync(historyDir(file)).sort()).toEqual(['2.json', '3.json', '4.json', '5.json']);
  });

  it('a file edited by hand while the app was closed is a revision of its own; undo brings back what the app wrote', async () => {
    const { file } = folder();
    const store = await WorkspaceStore.open({ path: file });
    await store.put(doc({ 'mm-a': 11, 'mm-b': 10 }), 1);
    writeFileSync(file, JSON.stringify(doc({ 'mm-a': 50, 'mm-b': 10 })));
    const reopened = await WorkspaceStore.open({ path: file });
    expect(reopened.revision).toBe(3);
    expect(await reopened.undo()).toMatchObject({ ok: true, revision: 4 });
    expect(spreadOf(onDisk(file), 'mm-a')).toBe(11);
  });

  it('masks inline keys in what it shows; a masked value sent back keeps the key, a mask for nothing is refused', async () => {
    const { file } = folder();
    const store = await WorkspaceStore.open({ path: file });
    const shown = store.get().workspace;
    expect(shown.accounts[0]?.credentials).toEqual({ apiKey: '••••6789', secret: SECRET_MASK });
    expect(JSON.stringify(shown)).not.toMatch(/sim-secret|sim-key-0123456789/);
    expect(shown.accounts[1]?.credentials).toEqual({ vault: 'bybit-main' });

    const edited = structuredClone(shown);
    edited.syncIntervalMs = 2000;
    expect(await store.put(edited, 1)).toMatchObject({ ok: true, revision: 2 });
    expect(onDisk(file).accounts[0]?.credentials).toEqual({ apiKey: 'sim-key-0123456789', secret: 'sim-secret' });

    const renamed = structuredClone(store.get().workspace);
    renamed.accounts.push({ ...renamed.accounts[0]!, id: 'sim2' });
    const refused = await store.put(renamed, 2);
    expect(refused.ok ? [] : 'fields' in refused ? refused.fields.map((f) => f.path) : []).toEqual([
      'accounts[2].credentials.apiKey',
      'accounts[2].credentials.secret',
    ]);
  });

  it('takes a legacy document and says what it did not carry over', async () => {
    const { file } = folder();
    const store = await WorkspaceStore.open({ path: file });
    const legacy = {
      strategy: 'fixed_spread',
      symbol: 'BTC/USDT',
      startTime: START,
      exchange: { id: 'bybit', testnet: true, vault: 'bybit-test', timeout: 5000 },
    };
    const put = await store.put(legacy, 1);
    expect(put).toMatchObject({ ok: true, diff: { started: ['fixed_spread'], stopped: ['mm-a', 'mm-b'] } });
    expect(put.ok && put.notes.join(' ')).toMatch(/timeout/);
    expect(onDisk(file)).toMatchObject({ version: 2, accounts: [{ id: 'default', exchange: 'bybit', sandbox: true }] });
  });

  it('a write that fails (a full disk) changes nothing: the file, the revision, no temp left', async () => {
    const { dir, file } = folder();
    const before = readFileSync(file, 'utf8');
    let isFull = false;
    const fullDisk: VaultFileSystem = {
      ...nodeVaultFs,
      async writeNew(path, data, mode) {
        if (!isFull) return nodeVaultFs.writeNew(path, data, mode);
        await nodeVaultFs.writeNew(path, data.subarray(0, 10), mode);
        throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
      },
    };
    const store = await WorkspaceStore.open({ path: file, fs: fullDisk });
    isFull = true;
    let isApplied = false;
    await expect(store.put(doc({ 'mm-a': 11, 'mm-b': 10 }), 1, async () => void (isApplied = true))).rejects.toThrow(/ENOSPC/);
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(store.revision).toBe(1);
    expect(isApplied).toBe(false);
    expect(readdirSync(dir).filter((n) => n.includes('.tmp-'))).toEqual([]);
    isFull = false;
    expect(await store.put(doc({ 'mm-a': 11, 'mm-b': 10 }), 1)).toMatchObject({ ok: true, revision: 2 });
  });

  it('kill -9 in the middle of writing leaves a whole file: the last one written or the one before', async () => {
    const big = (spread: number): Record<string, unknown> =>
      doc(Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`mm-${i}`, spread])));
    const { dir, file } = folder(big(10));
    const child = join(dir, 'writer.ts');
    writeFileSync(
      child,
      `import { WorkspaceStore } from ${JSON.stringify(new URL('./store.ts', import.meta.url).href)};
const big = ${big.toString()};
const doc = ${doc.toString()};
const START = ${JSON.stringify(START)};
const store = await WorkspaceStore.open({ path: ${JSON.stringify(file)}, historyLimit: 3 });
for (let n = 0; ; n++) {
  await store.put(big(n % 2 === 0 ? 11 : 10), store.revision);
  process.stdout.write('w');
}
`,
    );
    const proc = spawn(process.execPath, [child], { stdio: ['ignore', 'pipe', 'inherit'] });
    let writes = 0;
    await new Promise<void>((resolve, reject) => {
      proc.stdout.on('data', (chunk: Buffer) => {
        writes += chunk.length;
        if (writes >= 8) resolve();
      });
      proc.on('exit', (code) => reject(new Error(`writer exited with ${code}`)));
    });
    proc.kill('SIGKILL');
    await new Promise((resolve) => proc.once('close', resolve));
    const survived = parseWorkspace(JSON.parse(readFileSync(file, 'utf8')));
    expect([10, 11]).toContain(spreadOf(survived, 'mm-0'));
    expect(new Set(survived.instances.map((i) => i.params['spreadBps'])).size).toBe(1);
    const reopened = await WorkspaceStore.open({ path: file });
    expect(reopened.revision).toBeGreaterThan(1);
    expect(readdirSync(dir).filter((n) => n.includes('.tmp-'))).toEqual([]);
  }, 60_000);

  it('keeps revisions in memory when there is no file (the demo)', async () => {
    const store = WorkspaceStore.inMemory(parseWorkspace(doc()));
    expect(await store.put(doc({ 'mm-a': 11, 'mm-b': 10 }), 1)).toMatchObject({ ok: true, revision: 2 });
    expect(await store.undo()).toMatchObject({ ok: true, revision: 3, diff: { restarted: ['mm-a'] } });
  });
});

describe('diffWorkspaces', () => {
  const base = parseWorkspace(doc({ 'mm-a': 10, 'mm-b': 10, 'mm-c': 10 }));
  const on = (ws: Workspace, id: string, account: string): Workspace => ({
    ...ws,
    instances: ws.instances.map((i) => (i.id === id ? { ...i, account } : i)),
  });

  it('added → started, removed → stopped, config changed → restarted, the rest unchanged', () => {
    const next = parseWorkspace(doc({ 'mm-b': 12, 'mm-c': 10, 'mm-d': 10 }));
    expect(diffWorkspaces(base, next)).toEqual({ started: ['mm-d'], stopped: ['mm-a'], restarted: ['mm-b'], unchanged: ['mm-c'] });
  });

  it("an account's change restarts the instances on it, and only them", () => {
    const old = on(base, 'mm-c', 'main');
    const next = structuredClone(old);
    next.accounts[0]!.apiBaseUrl = 'http://127.0.0.1:9001';
    expect(diffWorkspaces(old, next)).toEqual({ started: [], stopped: [], restarted: ['mm-a', 'mm-b'], unchanged: ['mm-c'] });
  });

  it('targets, policy, sync interval and key order restart nothing', () => {
    const next = structuredClone(base);
    next.portfolio = { policy: 'equal', targets: { 'mm-a': 1 } };
    next.syncIntervalMs = 9000;
    next.instances[0] = Object.fromEntries(Object.entries(next.instances[0]!).reverse()) as Workspace['instances'][number];
    expect(diffWorkspaces(base, next)).toEqual({ started: [], stopped: [], restarted: [], unchanged: ['mm-a', 'mm-b', 'mm-c'] });
  });
});
