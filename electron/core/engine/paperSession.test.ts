/** Paper mode against the simulator's live public data: fills are simulated, the real account is untouched. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../sim/simulator.ts';
import { Host } from '../host/host.ts';
import { silentLogger } from '../log.ts';
import { parseWorkspace } from '../workspace/workspace.ts';

let sim: Simulator | null = null;
let host: Host | null = null;
afterEach(async () => {
  await host?.close();
  await sim?.close();
});

/** A paper fixed-spread instance on BTC/USDT; the two in this file differ only by account. */
function paperInstance(id: string, account: string) {
  return {
    id,
    type: 'fixed_spread',
    account,
    mode: 'paper',
    symbols: ['BTC/USDT'],
    startTime: new Date(Date.now() - 1000).toISOString(),
    params: { spreadBps: 4, orderFraction: 0.05, intervalMs: 150 },
  };
}

describe('paper mode', () => {
  it('trades the strategy on live prices with simulated fills and never touches the account', async () => {
    sim = await startSimulator({
      port: 0,
      seed: 3,
      tickMs: 50,
      accounts: [{ apiKey: 'k', secret: 's', balances: { USDT: 100_000, BTC: 1 } }],
    });
    host = new Host({
      workspace: parseWorkspace({
        version: 2,
        syncIntervalMs: 300,
        accounts: [
          { id: 'real', exchange: 'binance', apiBaseUrl: sim.url, credentials: { apiKey: 'k', secret: 's' } },
          // no keys at all: paper needs only public data
          { id: 'nokeys', exchange: 'binance', apiBaseUrl: sim.url },
        ],
        instances: [paperInstance('paper-btc', 'nokeys'), paperInstance('paper-on-real', 'real')],
      }),
      dataDir: mkdtempSync(join(tmpdir(), 'paper-')),
      log: silentLogger,
    });
    host.start();
    const deadline = Date.now() + 40_000;
    const count = (id: string) => host?.snapshot().strategies.find((s) => s.id === id)?.metrics.tradeCount ?? 0;
    while ((count('paper-btc') < 2 || count('paper-on-real') < 2) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(count('paper-btc')).toBeGreaterThanOrEqual(2);
    expect(count('paper-on-real')).toBeGreaterThanOrEqual(2);
    const view = host.snapshot().strategies.find((s) => s.id === 'paper-btc');
    expect(view?.mode).toBe('paper');
    expect(view?.health.state).toBe('ok');
    expect(view?.metrics.fees).toBeGreaterThan(0);
    // The real account never saw an order or a fill.
    expect(sim.trades('k')).toEqual([]);
    const fills = host.ledger.fillsFor('paper-on-real');
    expect(fills.every((f) => f.orderId?.startsWith('paper-'))).toBe(true);
    // Paused paper instances place nothing either.
    await host.execute('strategy/pause', { id: 'paper-btc' }, 'api');
    const orders = await host.engine.get('paper-btc')?.session?.fetchOpenOrders('BTC/USDT');
    expect(orders).toEqual([]);
  }, 60_000);
});
