/**
 * The funding-rate arbitrage against the simulator's USDⓈ-M perpetuals through real ccxt: it opens the
 * hedge when funding is above the entry threshold, collects funding with the right sign, and exits
 * below the exit threshold; our realized PnL on the perpetual equals the sum of Binance's own.
 */
import { describe, expect, it } from 'vitest';
import type { Simulator } from '../../sim/simulator.ts';
import type { Host } from '../host/host.ts';
import { emptyFold, foldFill } from '../metrics/pnl.ts';
import { fundingMarket, justNow, simRig, sleep, tempDir } from '../testing/simHost.ts';
import { annualise, fundingRateParams, legAmount } from './fundingRate.ts';

const rig = simRig();

function host(sim: Simulator, dataDir: string, params: Record<string, unknown>): Host {
  return rig.host(sim, {
    syncIntervalMs: 300,
    dataDir,
    instances: [
      {
        id: 'arb',
        type: 'funding_rate',
        account: 'a',
        symbols: ['BTC/USDT', 'BTC/USDT:USDT'],
        startTime: justNow(),
        params: { capital: 50_000, legFraction: 0.2, intervalMs: 200, fundingIntervalMs: 8 * 3_600_000, ...params },
      },
    ],
  });
}

describe('funding_rate arbitrage', () => {
  it('sizes and annualises as documented', () => {
    expect(annualise(0.0001, 8 * 3_600_000)).toBeCloseTo(0.1095, 4);
    const rules = { symbol: 'x', base: 'BTC', quote: 'USDT', tickSize: 0.1, stepSize: 0.001, minAmount: 0.001, minNotional: 5 };
    expect(legAmount(10_000, 68_000, rules, { ...rules, stepSize: 0.0001 })).toBe(0.147);
    expect(legAmount(10, 68_000, rules, rules)).toBe(0);
    expect(fundingRateParams({})).toMatchObject({ entryApr: 0.1, exitApr: 0.02, legFraction: 0.4 });
  });

  it('opens the hedge above the entry threshold, receives funding on the short, exits below the exit threshold', async () => {
    // Funding 0.03 % per interval (≈ 33 %/year at 8 h) that settles every 2 s in the simulator.
    const sim = await rig.simulator(fundingMarket(8, 2000, 200_000));
    const dataDir = tempDir('arb-');
    const h = host(sim, dataDir, { entryApr: 0.1, exitApr: 0.02 });
    h.start();
    const view = () => h.snapshot().strategies[0];
    for (let i = 0; i < 60; i++) {
      await sleep(250);
      const f = view()?.figures;
      if (f?.kind === 'funding_rate' && f.isHedged) break;
    }
    const figures = view()?.figures;
    expect(figures).toMatchObject({ kind: 'funding_rate', isHedged: true });
    // The strategy knows it is hedged from its order answers; the ledger has it once the sync has run.
    await h.sync.syncNow();
    const spot = view()?.metrics.positions['BTC/USDT'] ?? 0;
    const perp = view()?.metrics.positions['BTC/USDT:USDT'] ?? 0;
    expect(spot).toBeGreaterThan(0);
    expect(perp).toBeLessThan(0);
    // Equal notional: the short matches the spot held (less the spot fee paid in BTC).
    expect(Math.abs(perp + spot) / spot).toBeLessThan(0.01);
    expect(sim.positions('k').find((p) => p.symbol === 'BTCUSDT')?.positionAmt ?? 0).toBeCloseTo(perp, 8);

    // Funding settles a few times; the short receives it (positive rate: longs pay shorts).
    await sleep(5000);
    // Funding keeps settling while we look: compare what settled before this sync started.
    const cutoff = Date.now();
    await h.sync.syncNow();
    const received = sim
      .funding('k', 'BTC/USDT:USDT')
      .filter((f) => f.time < cutoff)
      .reduce((s, f) => s + f.amount, 0);
    const recorded = h.ledger
      .fundingFor('arb')
      .filter((f) => f.timestamp < cutoff)
      .reduce((s, f) => s + f.amount, 0);
    expect(received).toBeGreaterThan(0);
    expect(recorded).toBeCloseTo(received, 6);
    expect(view()?.metrics.funding).toBeGreaterThanOrEqual(received - 1e-6);
    const fig = view()?.figures;
    if (fig?.kind !== 'funding_rate') throw new Error('no funding figures');
    expect(fig.fundingAccrued).toBeCloseTo(view()?.metrics.funding ?? NaN, 6);
    expect(fig.carryApr).toBeGreaterThan(0.1);
    expect(fig.predictedRate).toBeGreaterThan(0);
    expect(Date.parse(fig.nextFundingTime ?? '')).toBeGreaterThan(Date.now() - 5000);
    await h.close();

    // Raise the exit threshold above the current carry: on restart it unwinds both legs.
    const exit = host(sim, dataDir, { entryApr: 10, exitApr: 5 });
    exit.start();
    for (let i = 0; i < 60; i++) {
      await sleep(250);
      await exit.sync.syncNow();
      const m = exit.snapshot().strategies[0]?.metrics.positions;
      if (Math.abs(m?.['BTC/USDT:USDT'] ?? 1) < 1e-9) break;
    }
    const after = exit.snapshot().strategies[0];
    expect(after?.metrics.positions['BTC/USDT:USDT']).toBeCloseTo(0, 9);
    expect(after?.metrics.positions['BTC/USDT'] ?? 0).toBeLessThan(0.001); // spot sold, dust on the step grid may stay
    expect(sim.positions('k').filter((p) => p.positionAmt !== 0)).toEqual([]);

    // Our average-cost realized PnL on the perpetual equals the sum of Binance's realizedPnl per fill.
    const perpFills = exit.ledger.fillsFor('arb').filter((f) => f.symbol === 'BTC/USDT:USDT');
    expect(perpFills.length).toBeGreaterThanOrEqual(2);
    const fold = emptyFold('USDT');
    for (const f of perpFills) foldFill(fold, { ...f, fees: [] });
    const binance = perpFills.reduce((s, f) => s + (f.exchangeRealizedPnl ?? NaN), 0);
    expect(fold.realizedPnl).toBeCloseTo(binance, 6);
  }, 90_000);
});
