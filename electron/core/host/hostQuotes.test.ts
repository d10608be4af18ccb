/**
 * Quotes by stream in the running app (issue 12): a Host with streams on gives its market makers the
 * public book-ticker stream, so quoting spends no ticker request at the exchange (counted at the
 * simulator); with streams off the same strategy reads a ticker every step.
 */
import { expect, it } from 'vitest';
import type { Simulator } from '../../sim/simulator.ts';
import { justNow, simRig, sleep } from '../testing/simHost.ts';

const rig = simRig();

/** Runs one live market maker for `ms` after its first quotes rest; answers the ticker requests the simulator saw meanwhile. */
async function tickerReadsWhileQuoting(streams: boolean, ms: number): Promise<{ reads: number; quoted: boolean }> {
  const sim: Simulator = await rig.simulator({
    seed: 5,
    tickMs: 100,
    accounts: [{ apiKey: 'k', secret: 's', balances: { USDT: 1_000_000, BTC: 20 } }],
  });
  const host = rig.host(sim, {
    syncIntervalMs: 500,
    streams,
    instances: [
      {
        id: 'mm',
        type: 'fixed_spread',
        account: 'a',
        symbols: ['BTC/USDT'],
        startTime: justNow(),
        params: { intervalMs: 100, capital: 50_000, spreadBps: 30, requoteBps: 1 },
      },
    ],
  });
  const judge = rig.judge(sim);
  host.start();
  const deadline = Date.now() + 10_000;
  while ((await judge.fetchOpenOrders('BTC/USDT')).length < 2 && Date.now() < deadline) await sleep(100);
  // Counting starts once the maker quotes: its first read may go by REST while the stream subscribes.
  sim.addFaults([{ id: 'ticker-count', kind: 'latency', route: '/api/v3/ticker/*', latency: { dist: 'fixed', ms: 0 } }]);
  await sleep(ms);
  const quoted = (await judge.fetchOpenOrders('BTC/USDT')).length > 0;
  return { reads: sim.faults().find((f) => f.id === 'ticker-count')?.matched ?? -1, quoted };
}

it('a market maker quotes from the stream: no ticker request while it runs, where polling reads one every step', async () => {
  const polling = await tickerReadsWhileQuoting(false, 2000);
  const streamed = await tickerReadsWhileQuoting(true, 2000);
  expect(polling.quoted && streamed.quoted).toBe(true);
  expect(polling.reads).toBeGreaterThan(5);
  expect(streamed.reads).toBe(0);
}, 40_000);
