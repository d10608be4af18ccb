/**
 * A sync reads the marks of open positions while it reads the fills (not after them): a position the
 * new fills opened must still be marked in that same sync, at the exchange's price of that moment, and
 * no fill is missed. Checked against the simulator's own record through real ccxt.
 */
import { describe, expect, it } from 'vitest';
import type { Simulator } from '../../sim/simulator.ts';
import { binanceClient } from '../../sim/testClient.ts';
import { systemClock } from '../clock.ts';
import { silentLogger } from '../log.ts';
import { observer, simRig } from '../testing/simHost.ts';
import { PortfolioSync } from './portfolioSync.ts';

const rig = simRig();

/**
 * The instance on a started host (sessions attached), synced by a PortfolioSync of its own over the
 * host's ledger: the host's reconcile loop starts syncs of its own when balances move, and `syncNow`
 * joins a sync already running — this one's syncs begin when the test says, after its orders.
 */
function syncOf(
  sim: Simulator,
  id: string,
  symbols: string[],
): { sync: PortfolioSync; metrics: () => ReturnType<PortfolioSync['metrics']> } {
  const host = rig.host(sim, { syncIntervalMs: 3_600_000, instances: [observer(id, symbols, Date.now() - 1000)], start: true });
  const deps = { clock: systemClock, ledger: host.ledger, log: silentLogger };
  const sync = new PortfolioSync({ ...deps, intervalMs: 3_600_000, instances: () => host.engine.all() });
  rig.defer(() => sync.stop());
  return { sync, metrics: () => sync.metrics(id) };
}

describe('marks read beside the fills', () => {
  it('a position opened between two syncs is marked in the next one, and follows the price after', async () => {
    const sim = await rig.simulator({ seed: 7, autoTick: false, accounts: [{ apiKey: 'k', secret: 's', balances: { USDT: 100_000 } }] });
    const client = binanceClient(sim.url, { apiKey: 'k', secret: 's' });
    rig.defer(() => client.close());
    await client.loadMarkets();
    const { sync, metrics } = syncOf(sim, 'obs', ['BTC/USDT']);
    await sync.syncNow();
    expect(metrics().positions['BTC/USDT'] ?? 0).toBe(0);

    // A fill lands at the exchange between rounds, then the market moves: nothing was open when the sync began.
    await client.createOrder('BTC/USDT', 'market', 'buy', 0.5);
    sim.advance(40);
    const tick = 0.01;
    const p1 = sim.price('BTC/USDT');
    await sync.syncNow();
    const btc = sim.balances('k')['BTC'];
    const held = (btc?.free ?? 0) + (btc?.locked ?? 0);
    expect(metrics().tradeCount).toBe(sim.trades('k', 'BTC/USDT').length);
    expect(metrics().positions['BTC/USDT']).toBeCloseTo(held, 8);
    // The market moved away from the fill: a position left unmarked (or marked at its entry) shows here.
    const entry = sim.trades('k', 'BTC/USDT')[0]!.price;
    expect(Math.abs(p1 - entry)).toBeGreaterThan(10 * tick);
    const u1 = metrics().unrealizedPnl;

    // Open before the sync began: marked beside the fills read, at the new price.
    sim.advance(40);
    const p2 = sim.price('BTC/USDT');
    expect(p2).not.toBe(p1);
    await sync.syncNow();
    expect(metrics().tradeCount).toBe(sim.trades('k', 'BTC/USDT').length);
    // Unrealized is linear in the mark: its change is the position times the price move only if the
    // first sync marked at p1 (the fill's own price, or no mark, would leave the entry's move in it)
    // and this one at p2.
    expect(Math.abs(metrics().unrealizedPnl - u1 - held * (p2 - p1))).toBeLessThanOrEqual(held * tick * 2);
  });

  it('a spot and a perpetual symbol read side by side: every fill of both, each position as the exchange holds it', async () => {
    const sim = await rig.simulator({
      seed: 8,
      autoTick: false,
      accounts: [{ apiKey: 'k', secret: 's', balances: { USDT: 100_000 }, futuresUsdt: 100_000 }],
    });
    const client = binanceClient(sim.url, { apiKey: 'k', secret: 's' }, { linear: true });
    rig.defer(() => client.close());
    await client.loadMarkets();
    const symbols = ['BTC/USDT', 'BTC/USDT:USDT'];
    const { sync, metrics } = syncOf(sim, 'arb', symbols);
    await sync.syncNow();
    // Fills on both markets land between syncs, twice.
    for (let round = 0; round < 2; round++) {
      await client.createOrder('BTC/USDT', 'market', 'buy', 0.3);
      await client.createOrder('BTC/USDT:USDT', 'market', 'sell', 0.3);
      await client.createOrder('BTC/USDT:USDT', 'market', 'sell', 0.1);
      await sync.syncNow();
      expect(metrics().tradeCount).toBe(sim.trades('k', 'BTC/USDT').length + sim.perpTrades('k', 'BTC/USDT:USDT').length);
      const btc = sim.balances('k')['BTC'];
      expect(metrics().positions['BTC/USDT']).toBeCloseTo((btc?.free ?? 0) + (btc?.locked ?? 0), 8);
      const perp = sim.positions('k').find((p) => p.symbol === 'BTCUSDT');
      expect(metrics().positions['BTC/USDT:USDT']).toBeCloseTo(perp?.positionAmt ?? Number.NaN, 8);
    }
  });
});
