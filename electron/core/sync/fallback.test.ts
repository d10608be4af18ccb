/**
 * The fallback chain (DESIGN.md, "Sources, in order") against the simulator through real ccxt: with the
 * exchange unreachable from the start, the figures come from the engine's journal (estimated) while it
 * knows fills the ledger lacks, else from the last good snapshot — its positions and its marks kept
 * across the restart, so unrealized PnL does not drop to 0.
 */
import { describe, expect, it } from 'vitest';
import type { Simulator } from '../../sim/simulator.ts';
import { binanceClient } from '../../sim/testClient.ts';
import { systemClock } from '../clock.ts';
import type { Fill } from '../exchange/types.ts';
import type { Host } from '../host/host.ts';
import { silentLogger } from '../log.ts';
import { observer, simRig, tempDir } from '../testing/simHost.ts';
import { PortfolioSync } from './portfolioSync.ts';

const rig = simRig();

const host = (sim: Simulator, dataDir: string, startTime: number): Host =>
  rig.host(sim, { syncIntervalMs: 60_000, dataDir, instances: [observer('obs', ['BTC/USDT'], startTime)], start: true });

describe('exchange down at start', () => {
  it('shows the journal estimate while the engine knows unsynced fills, then the last good figures with unrealized kept', async () => {
    const sim = await rig.simulator({ seed: 5, accounts: [{ apiKey: 'k', secret: 's', balances: { USDT: 100_000 } }] });
    const client = binanceClient(sim.url, { apiKey: 'k', secret: 's' });
    rig.defer(() => client.close());
    await client.loadMarkets();
    const dataDir = tempDir('fallback-');
    const start = Date.now() - 1000;
    await client.createOrder('BTC/USDT', 'market', 'buy', 0.5);
    sim.advance(40); // the market moves away from the entry

    const first = host(sim, dataDir, start);
    await first.sync.syncNow();
    const good = first.snapshot().strategies[0]!;
    expect(good.health.source).toBe('exchange');
    const btc = sim.balances('k')['BTC'];
    const held = (btc?.free ?? 0) + (btc?.locked ?? 0); // the buy less its fee paid in BTC
    expect(good.metrics.positions['BTC/USDT']).toBeCloseTo(held, 8);
    expect(Math.abs(good.metrics.unrealizedPnl)).toBeGreaterThan(0);
    await first.close();
    // A stream's gap read may still have been running at the quit: close waits for it and keeps its
    // marks, newer than \`good\` (the simulator's price walks every tick). The restart must show those.
    const last = first.sync.metrics(good.id);
    expect(last.positions['BTC/USDT']).toBeCloseTo(held, 8);

    // Every route answers 503 from now on; the app restarts.
    sim.addFaults([{ kind: '503' }]);
    const restarted = host(sim, dataDir, start);
    const journal: Fill[] = [];
    const sync = new PortfolioSync({
      clock: systemClock,
      ledger: restarted.ledger,
      log: silentLogger,
      intervalMs: 60_000,
      instances: () => restarted.engine.all(),
      pendingFills: () => journal,
    });
    const instance = restarted.engine.all()[0]!;
    sync.restore(instance);

    // The engine's order answers reported a sale of 0.2 the ledger does not have: estimated from the journal.
    const price = sim.price('BTC/USDT');
    journal.push({
      id: 'pending:77',
      orderId: '77',
      symbol: 'BTC/USDT',
      side: 'sell',
      price,
      amount: 0.2,
      cost: 0.2 * price,
      fees: [],
      timestamp: Date.now(),
      isMaker: null,
    });
    await sync.syncNow();
    expect(sync.health(instance)).toMatchObject({ state: 'error', source: 'journal' });
    expect(sync.metrics(instance.id)).toMatchObject({ isEstimated: true, tradeCount: good.metrics.tradeCount + 1 });
    expect(sync.metrics(instance.id).positions['BTC/USDT']).toBeCloseTo(held - 0.2, 8);

    // Nothing pending: the last good snapshot, its unrealized PnL kept across the restart.
    journal.length = 0;
    await sync.syncNow();
    expect(sync.health(instance)).toMatchObject({ state: 'error', source: 'snapshot' });
    expect(sync.metrics(instance.id)).toMatchObject({ isEstimated: false, tradeCount: good.metrics.tradeCount });
    expect(sync.metrics(instance.id).unrealizedPnl).toBeCloseTo(last.unrealizedPnl, 8);
    expect(sync.metrics(instance.id).totalPnl).toBeCloseTo(last.totalPnl, 8);
    // The host's own sync (no journal wired into this test's host) shows the same last good figures.
    await restarted.sync.syncNow();
    const shown = restarted.snapshot().strategies[0]!;
    expect(shown.health.source).toBe('snapshot');
    expect(shown.metrics.unrealizedPnl).toBeCloseTo(last.unrealizedPnl, 8);
    await sync.stop();
  }, 60_000);
});
