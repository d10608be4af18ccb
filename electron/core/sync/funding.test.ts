/**
 * Funding on a perpetual two instances share, against the simulator through real ccxt: the exchange's
 * own funding record is the judge. A payment re-read after an instance joined or left (the sync reads
 * from `cursor − 5 s`) moves between instances at most, and is never counted twice.
 */
import { describe, expect, it } from 'vitest';
import type { Simulator } from '../../sim/simulator.ts';
import { binanceClient, idOf } from '../../sim/testClient.ts';
import type { Host } from '../host/host.ts';
import { fundingMarket, observer, simRig, sleep, tempDir } from '../testing/simHost.ts';

const PERP = 'BTC/USDT:USDT';
const rig = simRig();

const host = (sim: Simulator, dataDir: string, ids: string[], startTime: number): Host =>
  rig.host(sim, { syncIntervalMs: 60_000, dataDir, instances: ids.map((id) => observer(id, [PERP], startTime)), start: true });

describe('funding on a shared perpetual', () => {
  it('an instance joining and then leaving leaves every total unchanged, and the sum over instances equals the exchange', async () => {
    const sim = await rig.simulator(fundingMarket(11, 1000, 100_000));
    const client = binanceClient(sim.url, { apiKey: 'k', secret: 's' }, { linear: true });
    await client.loadMarkets();
    const dataDir = tempDir('funding-');
    const start = Date.now() - 1000;
    /** An order the instance placed, as the engine journals it. */
    const place = async (h: Host, instanceId: string, side: 'buy' | 'sell', amount: number) => {
      const order = await client.createOrder(PERP, 'market', side, amount);
      h.ledger.journalOrder({ exchange: 'binance', account: 'a', orderId: idOf(order), instanceId, symbol: PERP }, Date.now());
    };
    const exchangeSum = (before: number) =>
      sim
        .funding('k', PERP)
        .filter((f) => f.time < before)
        .reduce((s, f) => s + f.amount, 0);
    const ledgerSum = (h: Host, id: string, before: number) =>
      h.ledger
        .fundingFor(id)
        .filter((f) => f.timestamp < before)
        .reduce((s, f) => s + f.amount, 0);

    // Alone: A holds a short and receives funding.
    const alone = host(sim, dataDir, ['A'], start);
    await place(alone, 'A', 'sell', 0.01);
    await sleep(2500);
    const cut1 = Date.now();
    await alone.sync.syncNow();
    const a1 = ledgerSum(alone, 'A', cut1);
    expect(exchangeSum(cut1)).toBeGreaterThan(0);
    expect(a1).toBeCloseTo(exchangeSum(cut1), 8);
    await alone.close();

    // B joins the perpetual (it re-reads every payment since its start; A re-reads its overlap) and shorts twice A's size.
    const both = host(sim, dataDir, ['A', 'B'], start);
    await both.sync.syncNow();
    expect(ledgerSum(both, 'A', cut1)).toBeCloseTo(a1, 8);
    expect(ledgerSum(both, 'B', cut1)).toBeCloseTo(0, 12);
    await place(both, 'B', 'sell', 0.02);
    await sleep(2500);
    const cut2 = Date.now();
    await both.sync.syncNow();
    await both.sync.syncNow();
    const a2 = ledgerSum(both, 'A', cut2);
    const b2 = ledgerSum(both, 'B', cut2);
    expect(ledgerSum(both, 'A', cut1)).toBeCloseTo(a1, 8); // what A had before B joined is untouched
    expect(a2 + b2).toBeCloseTo(exchangeSum(cut2), 8);
    // Paid on the net short of 0.03: B holds two thirds of what came after its entry.
    expect(b2).toBeGreaterThan(a2 - a1);
    expect(both.snapshot().strategies.reduce((s, x) => s + x.metrics.funding, 0)).toBeGreaterThanOrEqual(exchangeSum(cut2) - 1e-9);
    await both.close();

    // B leaves the workspace: A re-reads its overlap alone; B's rows stay, and nothing moves or doubles.
    const again = host(sim, dataDir, ['A'], start);
    await sleep(1500);
    const cut3 = Date.now();
    await again.sync.syncNow();
    await again.sync.syncNow();
    expect(ledgerSum(again, 'A', cut2)).toBeCloseTo(a2, 8);
    expect(ledgerSum(again, 'B', cut2)).toBeCloseTo(b2, 8);
    expect(ledgerSum(again, 'A', cut3) + ledgerSum(again, 'B', cut3)).toBeCloseTo(exchangeSum(cut3), 8);
    await client.close();
  }, 60_000);
});
