/**
 * The host against real parts: ccxt `binance` talking to the simulator on loopback, a real SQLite
 * ledger in a temp folder, a real hanging TCP server for the timeout case.
 */
import { mkdtempSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ControlResult, StreamMessage, VaultStatus } from '../../../shared/model.ts';
import { startSimulator, type Simulator } from '../../sim/simulator.ts';
import { ManualClock } from '../clock.ts';
import { createCcxtSession } from '../exchange/ccxtSession.ts';
import { WeightBudgetRegistry } from '../exchange/weightBudget.ts';
import { Host } from './host.ts';
import { silentLogger } from '../log.ts';
import { Vault } from '../vault/vault.ts';
import { parseWorkspace } from '../workspace/workspace.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

async function hangingServer(): Promise<string> {
  const sockets: Socket[] = [];
  const server: Server = createServer((socket) => sockets.push(socket)); // accepts, never answers
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => {
    for (const s of sockets) s.destroy();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const address = server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}

async function sim(): Promise<Simulator> {
  const s = await startSimulator({
    port: 0,
    seed: 7,
    tickMs: 50,
    accounts: [{ apiKey: 'good-key', secret: 'good-secret', balances: { USDT: 100_000, BTC: 2, ETH: 30, SOL: 500 } }],
  });
  cleanups.push(() => s.close());
  return s;
}

function host(workspace: unknown, options: { timeoutMs?: number; clock?: ManualClock } = {}): Host {
  const h = new Host({
    ...(options.clock ? { clock: options.clock } : {}),
    workspace: parseWorkspace(workspace),
    dataDir: mkdtempSync(join(tmpdir(), 'host-')),
    log: silentLogger,
    sessionFactory: (account, credentials, instance) =>
      createCcxtSession({
        account,
        credentials,
        symbols: instance.symbols,
        ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
      }),
  });
  cleanups.push(() => h.close());
  return h;
}

const recent = () => new Date(Date.now() - 60_000).toISOString();
const mm = (id: string, account: string, symbol: string, mode = 'live') => ({
  id,
  type: 'fixed_spread',
  account,
  mode,
  symbols: [symbol],
  startTime: recent(),
  params: { spreadBps: 10, orderFraction: 0.05, intervalMs: 200 },
});

async function until<T>(fn: () => T | undefined | false, timeoutMs: number, what: string): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('host with real ccxt against the simulator', () => {
  it('one instance timing out and one getting 401 leave the healthy one updating, each with its own health', async () => {
    const s = await sim();
    const hang = await hangingServer();
    const h = host(
      {
        version: 2,
        syncIntervalMs: 400,
        accounts: [
          { id: 'good', exchange: 'binance', apiBaseUrl: s.url, credentials: { apiKey: 'good-key', secret: 'good-secret' } },
          { id: 'badkey', exchange: 'binance', apiBaseUrl: s.url, credentials: { apiKey: 'revoked-key', secret: 'wrong-secret' } },
          { id: 'slow', exchange: 'binance', apiBaseUrl: hang, credentials: { apiKey: 'x-key', secret: 'x-secret' } },
        ],
        instances: [mm('mm-good', 'good', 'BTC/USDT'), mm('mm-401', 'badkey', 'ETH/USDT'), mm('mm-hang', 'slow', 'SOL/USDT', 'observe')],
      },
      { timeoutMs: 1500 },
    );
    h.start();
    const byId = (id: string) => h.snapshot().strategies.find((x) => x.id === id);
    await until(() => (byId('mm-good')?.metrics.tradeCount ?? 0) > 0, 30_000, 'the healthy instance to record fills');
    await until(
      () => byId('mm-401')?.health.state === 'error' && byId('mm-hang')?.health.state === 'error',
      20_000,
      'both broken instances in error',
    );

    expect(byId('mm-401')?.health.lastError?.kind).toBe('auth');
    expect(byId('mm-401')?.health.lastError?.message).toMatch(/-2015|API-key/);
    expect(byId('mm-hang')?.health.lastError?.kind).toMatch(/timeout|network/);
    // No secret in anything the host publishes.
    expect(JSON.stringify(h.snapshot())).not.toContain('wrong-secret');
    expect(JSON.stringify(h.snapshot())).not.toContain('good-secret');

    // The healthy instance keeps syncing on its own schedule while the other two fail.
    const t0 = Date.parse(byId('mm-good')?.health.lastGoodSyncAt ?? '');
    const n0 = byId('mm-good')?.metrics.tradeCount ?? 0;
    await until(() => Date.parse(byId('mm-good')?.health.lastGoodSyncAt ?? '') > t0 + 800, 10_000, 'two more good syncs');
    await until(() => (byId('mm-good')?.metrics.tradeCount ?? 0) > n0, 30_000, 'more fills');
    expect(byId('mm-good')?.health.state).toBe('ok');
    expect(byId('mm-good')?.status).toBe('live');
    // Status is separate from health: the failing instances are still live.
    expect(byId('mm-401')?.status).toBe('live');
  }, 90_000);

  it('records every fill the simulator made for the instance, once, and pause leaves no open orders', async () => {
    const s = await sim();
    const h = host({
      version: 2,
      syncIntervalMs: 300,
      accounts: [{ id: 'good', exchange: 'binance', apiBaseUrl: s.url, credentials: { apiKey: 'good-key', secret: 'good-secret' } }],
      instances: [mm('mm-a', 'good', 'BTC/USDT'), mm('mm-b', 'good', 'ETH/USDT')],
    });
    h.start();
    await until(() => h.snapshot().strategies.every((x) => x.metrics.tradeCount >= 3), 30_000, 'fills on both');
    const paused = await h.execute('strategy/pause', { id: 'mm-a', reason: 'test' }, 'api');
    expect(paused).toMatchObject({ ok: true, value: { stillOpen: [] } });
    expect(paused.ok && (paused.value as ControlResult).strategies.find((x) => x.id === 'mm-a')?.status).toBe('paused');

    // After the pause, mm-a has no open order on the exchange and gets no new fills.
    const client = createCcxtSession({
      account: { id: 'good', exchange: 'binance', apiBaseUrl: s.url },
      credentials: { apiKey: 'good-key', secret: 'good-secret' },
      symbols: ['BTC/USDT'],
    });
    cleanups.push(() => client.close());
    expect(await client.fetchOpenOrders('BTC/USDT')).toEqual([]);
    await h.execute('portfolio/get', {}, 'api');
    const countAtPause = h.snapshot().strategies.find((x) => x.id === 'mm-a')?.metrics.tradeCount;
    const ethBefore = h.snapshot().strategies.find((x) => x.id === 'mm-b')?.metrics.tradeCount ?? 0;
    await until(
      () => (h.snapshot().strategies.find((x) => x.id === 'mm-b')?.metrics.tradeCount ?? 0) > ethBefore + 2,
      30_000,
      'mm-b to keep trading',
    );
    await h.execute('portfolio/get', {}, 'api');
    const a = h.snapshot().strategies.find((x) => x.id === 'mm-a');
    expect(a?.status).toBe('paused');
    expect(a?.metrics.tradeCount).toBe(countAtPause);
    expect(await client.fetchOpenOrders('BTC/USDT')).toEqual([]);

    // Ledger vs the simulator's own record: the paused instance's fills exactly; the one still
    // trading may have fills newer than our last sync, but nothing the exchange does not know.
    await h.sync.syncNow();
    for (const [id, symbol] of [
      ['mm-a', 'BTC/USDT'],
      ['mm-b', 'ETH/USDT'],
    ] as const) {
      const simIds = new Set(s.trades('good-key', symbol).map((t) => String(t.id)));
      const ledgerIds = h.ledger.fillsFor(id).map((f) => f.id);
      expect(new Set(ledgerIds).size).toBe(ledgerIds.length);
      expect(ledgerIds.length).toBeGreaterThan(0);
      for (const fid of ledgerIds) expect(simIds.has(fid)).toBe(true);
      if (id === 'mm-a') expect(ledgerIds.length).toBe(simIds.size);
    }
    const audit = h.ledger.auditLog();
    expect(audit[0]).toMatchObject({ action: 'strategy/pause', target: 'mm-a', source: 'api', reason: 'test' });
  }, 90_000);

  it('streams a full snapshot, then deltas that carry only what changed', async () => {
    const s = await sim();
    // A clock that never moves by itself: only commands publish here.
    const h = host(
      {
        version: 2,
        syncIntervalMs: 300,
        accounts: [{ id: 'good', exchange: 'binance', apiBaseUrl: s.url, credentials: { apiKey: 'good-key', secret: 'good-secret' } }],
        instances: [mm('mm-a', 'good', 'BTC/USDT'), { ...mm('mm-idle', 'good', 'ETH/USDT', 'observe'), autoStart: false }],
      },
      { clock: new ManualClock(Date.now()) },
    );
    const messages: StreamMessage[] = [];
    h.start();
    h.subscribe((m) => messages.push(m));
    expect(messages[0]?.type).toBe('snapshot');
    await h.execute('strategy/pause', { id: 'mm-a' }, 'window');
    const delta = messages.at(-1);
    expect(delta?.type).toBe('delta');
    if (delta?.type === 'delta') {
      expect(delta.strategies.map((x) => x.id)).toContain('mm-a');
      expect(delta.strategies.find((x) => x.id === 'mm-a')?.status).toBe('paused');
      // Only what changed travels: the type, account and mode did not.
      expect(Object.keys(delta.strategies.find((x) => x.id === 'mm-a') ?? {})).not.toContain('account');
      expect(delta.totals.paused).toBe(1);
    }
    const before = messages.length;
    await h.execute('strategy/pause', { id: 'mm-a' }, 'window');
    const again = messages.at(-1);
    // Nothing changed the second time: the delta names no strategy and no instance.
    expect(messages.length).toBe(before + 1);
    expect(again).toMatchObject({ type: 'delta', strategies: [], instances: [] });
    await h.execute('instance/start', { id: 'mm-idle' }, 'window');
    const started = messages.at(-1);
    expect(started?.type === 'delta' && started.instances.map((i) => [i.id, i.running])).toEqual([['mm-idle', true]]);
    expect(await h.execute('strategy/pause', { id: 'nope' }, 'window')).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await h.execute('strategy/explode', {}, 'window')).toMatchObject({ ok: false, error: { code: 'not_found' } });
  }, 60_000);

  it('ten graceful quits at random moments change no status: live stays live, paused paused, stopped stopped', async () => {
    const s = await sim();
    const dataDir = mkdtempSync(join(tmpdir(), 'host-quit-'));
    const workspace = parseWorkspace({
      version: 2,
      syncIntervalMs: 300,
      accounts: [{ id: 'good', exchange: 'binance', apiBaseUrl: s.url, credentials: { apiKey: 'good-key', secret: 'good-secret' } }],
      instances: [mm('mm-live', 'good', 'BTC/USDT'), mm('mm-paused', 'good', 'ETH/USDT'), mm('mm-stopped', 'good', 'SOL/USDT')],
    });
    const open = (): Host => new Host({ workspace, dataDir, log: silentLogger });
    const statuses = (h: Host) => h.snapshot().strategies.map((x) => [x.id, x.status]);
    const expected = [
      ['mm-live', 'live'],
      ['mm-paused', 'paused'],
      ['mm-stopped', 'stopped'],
    ];
    const first = open();
    first.start();
    await first.execute('strategy/pause', { id: 'mm-paused' }, 'api');
    await first.execute('instance/stop', { id: 'mm-stopped' }, 'api');
    expect(statuses(first)).toEqual(expected);
    await first.close();
    for (let round = 0; round < 10; round++) {
      const h = open();
      h.start();
      expect([round, statuses(h)]).toEqual([round, expected]);
      // Quit at a random moment: before, during or after a sync (every 300 ms) and a strategy step.
      await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 1200)));
      await h.close();
    }
    const last = open();
    last.start();
    cleanups.push(() => last.close());
    expect(statuses(last)).toEqual(expected);
    expect(last.engine.get('mm-live')?.isRunning).toBe(true);
    expect(last.engine.get('mm-stopped')?.isRunning).toBe(false);
  }, 90_000);

  it('a burst of 100 dry-run rebalances shares syncs, and a pause right after still leaves the book clean', async () => {
    const s = await sim();
    const h = host({
      version: 2,
      syncIntervalMs: 1000,
      accounts: [{ id: 'good', exchange: 'binance', apiBaseUrl: s.url, credentials: { apiKey: 'good-key', secret: 'good-secret' } }],
      instances: [mm('mm-a', 'good', 'BTC/USDT'), mm('mm-b', 'good', 'ETH/USDT')],
    });
    h.start();
    const client = createCcxtSession({
      account: { id: 'good', exchange: 'binance', apiBaseUrl: s.url },
      credentials: { apiKey: 'good-key', secret: 'good-secret' },
      symbols: ['BTC/USDT'],
    });
    cleanups.push(() => client.close());
    for (const end = Date.now() + 30_000; (await client.fetchOpenOrders('BTC/USDT')).length === 0;) {
      if (Date.now() > end) throw new Error('mm-a never quoted');
      await new Promise((r) => setTimeout(r, 100));
    }
    // Count the syncs the burst really runs: the sync reads each instance's fills through its session.
    const session = h.engine.get('mm-a')?.session;
    if (!session) throw new Error('no session');
    let fillReads = 0;
    const fetchFills = session.fetchFills.bind(session);
    session.fetchFills = (...args) => {
      fillReads++;
      return fetchFills(...args);
    };
    const burst = Array.from({ length: 100 }, () => h.execute('portfolio/rebalance', { dryRun: true }, 'api'));
    const paused = await h.execute('strategy/pause', { id: 'mm-a' }, 'api');
    const plans = await Promise.all(burst);
    expect(plans.every((p) => p.ok)).toBe(true);
    // Reads coalesce: a request that arrives while a sync runs waits for that sync instead of starting
    // another, so 100 plans cost a handful of syncs (2 instances × a few pages), not 200.
    expect(fillReads).toBeLessThan(20);
    expect(paused).toMatchObject({ ok: true, value: { stillOpen: [] } });
    // The exchange's book: nothing of mm-a left, and still nothing one interval later.
    expect(await client.fetchOpenOrders('BTC/USDT')).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect(await client.fetchOpenOrders('BTC/USDT')).toEqual([]);
  }, 90_000);

  it('with private streams, fills reach the snapshot between REST syncs, once each, and health says connected', async () => {
    const s = await sim();
    const dataDir = mkdtempSync(join(tmpdir(), 'host-streams-'));
    // REST every minute: within the test, fills after the first sync can only arrive by stream.
    const h = new Host({
      workspace: parseWorkspace({
        version: 2,
        syncIntervalMs: 60_000,
        accounts: [{ id: 'good', exchange: 'binance', apiBaseUrl: s.url, credentials: { apiKey: 'good-key', secret: 'good-secret' } }],
        instances: [mm('mm-a', 'good', 'BTC/USDT')],
      }),
      dataDir,
      log: silentLogger,
      streams: true,
    });
    cleanups.push(() => h.close());
    h.start();
    await until(() => h.snapshot().instances[0]?.health.stream.state === 'connected', 20_000, 'the stream to connect');
    await until(() => (h.snapshot().strategies[0]?.metrics.tradeCount ?? 0) >= 3, 40_000, 'fills by stream');
    expect(h.snapshot().instances[0]?.health.stream.state).toBe('connected');
    // The REST sync then finds the same fills: stored once whatever path brought them.
    await h.sync.syncNow();
    const simIds = new Set(s.trades('good-key', 'BTC/USDT').map((t) => String(t.id)));
    const ledgerIds = h.ledger.fillsFor('mm-a').map((f) => f.id);
    expect(new Set(ledgerIds).size).toBe(ledgerIds.length);
    for (const id of ledgerIds) expect(simIds.has(id)).toBe(true);
  }, 90_000);

  it('a healthy stream takes its instance off polling (no REST fill read for many intervals, fills by stream once); stalled it polls, back it reads the gap', async () => {
    const s = await sim();
    // Every myTrades request the simulator serves is counted by a zero-delay latency fault on the route.
    s.addFaults([{ id: 'count', kind: 'latency', route: '/api/v3/myTrades', latency: { dist: 'fixed', ms: 0 } }]);
    const reads = (): number => s.faults().find((f) => f.id === 'count')?.matched ?? 0;
    const interval = 400;
    const pause = (intervals: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, intervals * interval));
    const trade = (i: number): void =>
      void s.drift({ kind: 'trade', apiKey: 'good-key', symbol: 'BTC/USDT', side: i % 2 === 0 ? 'buy' : 'sell', amount: 0.001 });
    const h = new Host({
      workspace: parseWorkspace({
        version: 2,
        syncIntervalMs: interval,
        accounts: [{ id: 'good', exchange: 'binance', apiBaseUrl: s.url, credentials: { apiKey: 'good-key', secret: 'good-secret' } }],
        instances: [mm('obs', 'good', 'BTC/USDT', 'observe')],
      }),
      dataDir: mkdtempSync(join(tmpdir(), 'host-gap-')),
      log: silentLogger,
      streams: true,
      // Pings every 200 ms, stalled after 600 ms of silence; never dropped by StreamSync or ccxt here, so a stall lasts until resumed.
      streamTiming: {
        gapReadMs: 120_000,
        keepAliveMs: 200,
        maxPingPongMisses: 1000,
        stallAfterMs: 600,
        dropAfterMs: 120_000,
        checkEveryMs: 50,
      },
    });
    cleanups.push(() => h.close());
    h.start();
    const health = () => h.snapshot().instances[0]?.health;
    const stored = () => h.ledger.fillsFor('obs').map((f) => f.id);
    const matchesSim = () => {
      const want = s.trades('good-key', 'BTC/USDT').map((t) => String(t.id));
      return want.length > 0 && JSON.stringify([...stored()].sort()) === JSON.stringify(want.sort());
    };
    await until(() => health()?.stream.state === 'connected' && health()?.lastGoodSyncAt !== null, 20_000, 'connected and read once');
    await pause(2);

    // Ten intervals of fills with a healthy stream: every fill arrives, once, and REST never reads fills.
    const quiet = reads();
    for (let i = 0; i < 5; i++) {
      trade(i);
      await pause(2);
    }
    await until(matchesSim, 10_000, 'the streamed fills in the ledger');
    expect(reads()).toBe(quiet);
    // Fresh by its stream although REST last read more than three intervals ago.
    expect(health()).toMatchObject({ state: 'ok', stream: { state: 'connected' } });

    // Cut (a silent stall): the instance polls at the interval again, and its health says so.
    s.streamFault({ kind: 'stall' });
    await until(() => health()?.stream.state === 'stalled', 10_000, 'the stall to show');
    const atCut = reads();
    trade(5);
    await pause(6);
    expect(reads() - atCut).toBeGreaterThanOrEqual(3);
    await until(matchesSim, 10_000, 'the fill the stall swallowed, read by REST');

    // Back without a reconnect: one more read, then quiet again.
    s.streamFault({ kind: 'resume' });
    await until(() => health()?.stream.state === 'connected', 10_000, 'the stream alive again');
    await pause(2);
    const resumed = reads();
    await pause(4);
    expect(reads()).toBe(resumed);

    // A reconnect reads the gap at once (not on the slow timer), then REST is quiet again.
    s.streamFault({ kind: 'disconnect' });
    await until(() => reads() > resumed, 10_000, "the reconnect's gap read");
    await until(() => health()?.stream.state === 'connected' && (health()?.stream.reconnects ?? 0) > 0, 10_000, 'reconnected');
    await pause(2);
    const reconnected = reads();
    trade(6);
    await pause(4);
    expect(reads()).toBe(reconnected);
    await until(matchesSim, 10_000, 'every fill once');
  }, 90_000);

  it("a history catch-up waits while its host's window is past half spent (live reads go on), shows as catching up, and resumes in the next window", async () => {
    const s = await sim();
    s.addAccount({ apiKey: 'hist-key', secret: 'hist-secret', balances: { USDT: 1000 } });
    const readsOf = (apiKey: string): number => s.faults().find((f) => f.id === apiKey)?.matched ?? 0;
    s.addFaults(
      ['good-key', 'hist-key'].map((apiKey) => ({
        id: apiKey,
        kind: 'latency' as const,
        route: '/api/v3/myTrades',
        apiKey,
        latency: { dist: 'fixed' as const, ms: 0 },
      })),
    );
    // The budget's clock starts on a window boundary (no minute rolls over by itself during the test); `shift` moves it on.
    const start = Date.now();
    let shift = -(start % 60_000);
    const budgets = new WeightBudgetRegistry({
      timing: { now: () => Date.now() + shift, sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) },
    });
    budgets.charge(budgets.target('binance', `${s.url}/api/v3/myTrades`), 3100);
    const interval = 300;
    const h = new Host({
      workspace: parseWorkspace({
        version: 2,
        syncIntervalMs: interval,
        accounts: [
          { id: 'good', exchange: 'binance', apiBaseUrl: s.url, credentials: { apiKey: 'good-key', secret: 'good-secret' } },
          { id: 'hist', exchange: 'binance', apiBaseUrl: s.url, credentials: { apiKey: 'hist-key', secret: 'hist-secret' } },
        ],
        instances: [
          mm('live', 'good', 'BTC/USDT', 'observe'),
          // 300 days through Binance spot's one-day window: ten rounds of thirty windows.
          { ...mm('old', 'hist', 'BTC/USDT', 'observe'), startTime: new Date(start - 300 * 86_400_000).toISOString() },
        ],
      }),
      dataDir: mkdtempSync(join(tmpdir(), 'host-catchup-')),
      log: silentLogger,
      budgets,
    });
    cleanups.push(() => h.close());
    h.start();
    const old = () => h.snapshot().instances.find((i) => i.id === 'old')?.health;
    await until(() => old()?.catchUp !== null && old()?.catchUp !== undefined, 20_000, 'the first catch-up round');
    await new Promise((resolve) => setTimeout(resolve, 2 * interval));
    const held = { old: readsOf('hist-key'), live: readsOf('good-key'), readTo: old()?.catchUp?.readTo ?? '' };
    await new Promise((resolve) => setTimeout(resolve, 6 * interval));
    // Held: no read of its history while the window is past half spent; the live instance reads every round.
    expect(readsOf('hist-key')).toBe(held.old);
    expect(readsOf('good-key') - held.live).toBeGreaterThanOrEqual(3);
    // It shows as catching up, not as stale nor as an error.
    expect(old()).toMatchObject({ state: 'ok', lastError: null, catchUp: { readTo: held.readTo } });

    // The next window: it reads on, and gets further.
    shift += 60_000;
    await until(() => (old()?.catchUp?.readTo ?? '9') > held.readTo, 20_000, 'the catch-up to read further');
    expect(readsOf('hist-key')).toBeGreaterThan(held.old);
  }, 60_000);

  it("the accounts view's status carries each exchange host's weight in use in its window", async () => {
    const s = await sim();
    s.addFaults([{ id: 'count', kind: 'latency', route: '/api/*', latency: { dist: 'fixed', ms: 0 } }]);
    const dataDir = mkdtempSync(join(tmpdir(), 'host-budget-'));
    const h = new Host({
      workspace: parseWorkspace({
        version: 2,
        syncIntervalMs: 60_000,
        accounts: [{ id: 'good', exchange: 'binance', apiBaseUrl: s.url, credentials: { apiKey: 'good-key', secret: 'good-secret' } }],
        instances: [mm('obs', 'good', 'BTC/USDT', 'observe')],
      }),
      dataDir,
      log: silentLogger,
      // The accounts view lives in the vault panel: its status answers where a vault exists (locked here).
      vault: new Vault({ dataDir, kdf: { log2N: 10 } }),
      budgets: new WeightBudgetRegistry(),
    });
    cleanups.push(() => h.close());
    await h.sync.syncNow();
    const status = await h.execute('vault/status', {}, 'window');
    const requests = s.faults().find((f) => f.id === 'count')?.matched ?? 0;
    expect(requests).toBeGreaterThan(0);
    const budgets = status.ok ? (status.value as VaultStatus).hostBudgets : undefined;
    // Binance spot's pool on the simulator's host: 6 000 a minute, a fifth kept for orders, every request counted (weight ≥ 1 each).
    expect(budgets).toEqual([
      {
        origin: s.url,
        pool: 'api',
        used: expect.any(Number) as unknown,
        limit: 6000,
        windowMs: 60_000,
        reserved: 1200,
        queued: 0,
        blockedUntil: null,
      },
    ]);
    expect(budgets?.[0]?.used).toBeGreaterThanOrEqual(requests);
  });
});
