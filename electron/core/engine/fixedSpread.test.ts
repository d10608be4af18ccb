/** The fixed-spread strategy and control against the simulator through real ccxt, and a restart. */
import { describe, expect, it } from 'vitest';
import type { Simulator } from '../../sim/simulator.ts';
import { justNow, simRig, sleep, tempDir } from '../testing/simHost.ts';

const rig = simRig();

async function setup(params: Record<string, unknown>, extra: { ids?: string[]; dataDir?: string; sim?: Simulator } = {}) {
  const sim =
    extra.sim ??
    (await rig.simulator({
      seed: 11,
      tickMs: 40,
      accounts: [{ apiKey: 'k', secret: 's', balances: { USDT: 1_000_000, BTC: 20, ETH: 200, SOL: 5000 } }],
    }));
  const ids = extra.ids ?? ['mm'];
  const symbols = ['BTC/USDT', 'ETH/USDT', 'SOL/USDT'];
  const dataDir = extra.dataDir ?? tempDir('fs-');
  const host = rig.host(sim, {
    syncIntervalMs: 300,
    dataDir,
    instances: ids.map((id, i) => ({
      id,
      type: 'fixed_spread',
      account: 'a',
      symbols: [symbols[i]],
      startTime: justNow(),
      params: { intervalMs: 100, capital: 50_000, ...params },
    })),
  });
  const client = rig.judge(sim, { symbols });
  return { sim, host, client, dataDir };
}

describe('fixed_spread against the simulator', () => {
  it('quotes sit at the configured spread, one per side, and follow mid', async () => {
    const { sim, host, client } = await setup({ spreadBps: 30, requoteBps: 3 });
    host.start();
    const mids: number[] = [];
    const centres: number[] = [];
    for (let i = 0; i < 12; i++) {
      await sleep(400);
      const orders = await client.fetchOpenOrders('BTC/USDT');
      const bids = orders.filter((o) => o.side === 'buy');
      const asks = orders.filter((o) => o.side === 'sell');
      expect(bids.length).toBeLessThanOrEqual(1);
      expect(asks.length).toBeLessThanOrEqual(1);
      const [bid] = bids;
      const [ask] = asks;
      if (!bid || !ask) continue;
      const mid = sim.price('BTC/USDT');
      const spread = ((ask.price - bid.price) / mid) * 10_000;
      // 30 bp, give or take the requote tolerance on each side and the market's move since.
      expect(spread).toBeGreaterThan(30 - 8);
      expect(spread).toBeLessThan(30 + 8);
      mids.push(mid);
      centres.push((ask.price + bid.price) / 2);
    }
    expect(mids.length).toBeGreaterThan(5);
    // The quotes' centre tracks mid: within ~10 bp each time, while mid itself moved.
    for (const [i, c] of centres.entries()) expect(Math.abs(c - (mids[i] ?? 0)) / (mids[i] ?? 1)).toBeLessThan(0.001);
  }, 60_000);

  it('inventory stays within its limit (plus at most one order) while it trades', async () => {
    // limit = 1 % of 50 000 USDT = 500 USDT of BTC; each quote is 0.4 % = 200 USDT
    const { sim, host } = await setup({ spreadBps: 4, requoteBps: 1, orderFraction: 0.004, maxInventoryFraction: 0.01, skew: 1 });
    host.start();
    const limit = 500 / sim.price('BTC/USDT');
    const order = 200 / sim.price('BTC/USDT');
    let maxAbs = 0;
    for (let i = 0; i < 30; i++) {
      await sleep(300);
      await host.sync.syncNow();
      maxAbs = Math.max(maxAbs, Math.abs(host.sync.fold('mm').positions.get('BTC/USDT')?.qty ?? 0));
    }
    expect(host.snapshot().strategies[0]?.metrics.tradeCount).toBeGreaterThan(5);
    expect(maxAbs).toBeLessThanOrEqual(limit + order * 1.01);
    const figures = host.snapshot().strategies[0]?.figures;
    expect(figures?.kind).toBe('fixed_spread');
    if (figures?.kind === 'fixed_spread') {
      expect(figures.fillRate).toBeGreaterThan(0);
      expect(figures.quoteUptime).toBeGreaterThan(0);
    }
  }, 60_000);

  it('pause leaves zero open orders within one sync interval, keeps the position, and the instance keeps syncing', async () => {
    const { host, client } = await setup({ spreadBps: 4, orderFraction: 0.01 });
    host.start();
    for (let i = 0; i < 60 && (host.snapshot().strategies[0]?.metrics.tradeCount ?? 0) < 2; i++) await sleep(250);
    await host.execute('strategy/pause', { id: 'mm' }, 'api');
    await sleep(300); // one sync interval
    expect(await client.fetchOpenOrders('BTC/USDT')).toEqual([]);
    await host.sync.syncNow();
    const position = host.snapshot().strategies[0]?.metrics.positions['BTC/USDT'];
    const syncedAt = host.snapshot().strategies[0]?.health.lastGoodSyncAt;
    await sleep(1200);
    expect(await client.fetchOpenOrders('BTC/USDT')).toEqual([]);
    const after = host.snapshot().strategies[0];
    expect(after?.metrics.positions['BTC/USDT']).toBe(position);
    expect(after?.status).toBe('paused');
    expect(Date.parse(after?.health.lastGoodSyncAt ?? '')).toBeGreaterThan(Date.parse(syncedAt ?? ''));
  }, 60_000);

  it('stop all cancels every order and stops every instance', async () => {
    const { host, client } = await setup({ spreadBps: 30 }, { ids: ['a1', 'a2', 'a3'] });
    host.start();
    for (let i = 0; i < 40; i++) {
      await sleep(200);
      const n = (await Promise.all(['BTC/USDT', 'ETH/USDT', 'SOL/USDT'].map((s) => client.fetchOpenOrders(s)))).flat().length;
      if (n >= 6) break;
    }
    const result = await host.execute('portfolio/stopAll', { reason: 'kill switch test' }, 'window');
    expect(result.ok).toBe(true);
    expect((await Promise.all(['BTC/USDT', 'ETH/USDT', 'SOL/USDT'].map((s) => client.fetchOpenOrders(s)))).flat()).toEqual([]);
    expect(host.snapshot().strategies.map((s) => s.status)).toEqual(['stopped', 'stopped', 'stopped']);
    expect(host.ledger.auditLog(1)[0]).toMatchObject({ action: 'portfolio/stopAll', source: 'window', reason: 'kill switch test' });
  }, 60_000);

  it('after a restart every instance comes back as it was left: paused stays paused, stopped stays stopped', async () => {
    const first = await setup({ spreadBps: 30 }, { ids: ['p', 's', 'r'] });
    first.host.start();
    await sleep(500);
    await first.host.execute('strategy/pause', { id: 'p' }, 'api');
    await first.host.execute('instance/stop', { id: 's' }, 'api');
    await first.host.close();
    const second = await setup({ spreadBps: 30 }, { ids: ['p', 's', 'r'], dataDir: first.dataDir, sim: first.sim });
    second.host.start();
    const byId = (id: string) => second.host.snapshot().strategies.find((s) => s.id === id);
    expect(byId('p')?.status).toBe('paused');
    expect(byId('s')?.status).toBe('stopped');
    expect(byId('r')?.status).toBe('live');
    expect(second.host.engine.get('p')?.isRunning).toBe(true);
    expect(second.host.engine.get('s')?.isRunning).toBe(false);
    await sleep(800);
    expect(await second.client.fetchOpenOrders('BTC/USDT')).toEqual([]); // paused: nothing placed
    expect(await second.client.fetchOpenOrders('ETH/USDT')).toEqual([]); // stopped
    expect((await second.client.fetchOpenOrders('SOL/USDT')).length).toBeGreaterThan(0); // the rest running
  }, 60_000);
});
