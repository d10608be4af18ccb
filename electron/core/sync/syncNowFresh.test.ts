/**
 * "Sync first" means a read that starts after the ask. A `syncNow` that arrives while the instance's
 * previous sync is still running (waiting on a slow mark read, its fills already read) must not be
 * answered by that sync: what happened in between (a reconnect's gap, the trade just made) would be
 * missing until the next timer, a minute away. Judged against the simulator's own trade record.
 */
import { expect, it } from 'vitest';
import { binanceClient } from '../../sim/testClient.ts';
import { observer, simRig, sleep } from '../testing/simHost.ts';

const SPOT = 'BTC/USDT';
const rig = simRig();

it('a syncNow during a running sync gets a sync of its own after it: the trade made meanwhile is in the ledger when it resolves', async () => {
  const sim = await rig.simulator({ seed: 21, tickMs: 50, accounts: [{ apiKey: 'k', secret: 's', balances: { USDT: 100_000, BTC: 1 } }] });
  const host = rig.host(sim, { syncIntervalMs: 60_000, instances: [observer('obs', [SPOT], Date.now() - 1000)] });
  const trader = binanceClient(sim.url, { apiKey: 'k', secret: 's' });
  rig.defer(() => trader.close());
  await trader.createOrder(SPOT, 'market', 'buy', 0.01); // an open position: every sync marks it
  await host.sync.syncNow();
  expect(host.ledger.fillsFor('obs')).toHaveLength(1);

  // The mark read now takes a second; the fills read beside it answers at once.
  sim.addFaults([{ id: 'slow-mark', kind: 'latency', route: '/api/v3/ticker*', latency: { dist: 'fixed', ms: 1000 } }]);
  const running = host.sync.syncNow();
  await sleep(300); // its fills are read; it waits on the mark
  await trader.createOrder(SPOT, 'market', 'buy', 0.01);
  const asked = host.sync.syncNow();
  await running;
  await asked;
  const traded = sim.trades('k', SPOT).map((t) => String(t.id));
  expect(traded).toHaveLength(2);
  expect(host.ledger.fillsFor('obs').map((f) => f.id)).toEqual(traded);
  expect(sim.faults().find((f) => f.id === 'slow-mark')?.fired ?? 0).toBeGreaterThan(0);
}, 30_000);

it('a syncNow asked after stop() began reads and writes nothing: the marks stop() saved stay the newest', async () => {
  const sim = await rig.simulator({ seed: 22, accounts: [{ apiKey: 'k', secret: 's', balances: { USDT: 100_000, BTC: 1 } }] });
  const host = rig.host(sim, { syncIntervalMs: 60_000, instances: [observer('obs', [SPOT], Date.now() - 1000)] });
  const trader = binanceClient(sim.url, { apiKey: 'k', secret: 's' });
  rig.defer(() => trader.close());
  await trader.createOrder(SPOT, 'market', 'buy', 0.01);
  await host.sync.syncNow();

  await host.sync.stop();
  const marksAtStop = host.ledger.lastMarks('obs');
  expect([...marksAtStop.keys()]).toEqual([SPOT]);
  // Every read from now on is counted (a 1 ms delay that records each request it met).
  sim.addFaults([
    { id: 'trades-read', kind: 'latency', route: '/api/v3/myTrades*', latency: { dist: 'fixed', ms: 1 } },
    { id: 'mark-read', kind: 'latency', route: '/api/v3/ticker*', latency: { dist: 'fixed', ms: 1 } },
  ]);
  await trader.createOrder(SPOT, 'market', 'buy', 0.01);
  sim.advance(20);
  await host.sync.syncNow();
  await host.sync.syncNow(['obs']);
  expect(sim.faults().map((f) => [f.id, f.fired])).toEqual([
    ['trades-read', 0],
    ['mark-read', 0],
  ]);
  expect(host.ledger.fillsFor('obs')).toHaveLength(1);
  expect(host.ledger.lastMarks('obs')).toEqual(marksAtStop);

  // Started again, the same ask reads (the counters count) and stores the trade made meanwhile.
  host.sync.start();
  await host.sync.syncNow();
  expect(sim.faults().every((f) => f.fired > 0)).toBe(true);
  expect(host.ledger.fillsFor('obs')).toHaveLength(2);
}, 30_000);
