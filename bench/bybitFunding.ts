/**
 * Bybit funding → ledger by stream (issue 12): a Bybit v5 account holds a short perpetual that
 * settles funding every FUNDING_MS on the simulator; the host runs with streams on, its REST timer at
 * 60 s and the slow gap read at 6 min. Each settlement's `execType: "Funding"` execution row asks
 * REST for the payment at once. Prints, per settlement, the time from the settlement (the
 * simulator's funding time, the same machine's clock) to the payment being in the ledger — p50, p95,
 * max — and the REST execution-list requests spent per settlement. Before this, Bybit funding waited
 * for the gap read (up to 6 min).
 *
 * `node bench/bybitFunding.ts [seconds]` — prints numbers, never fails on timing.
 */
import { loadavg } from 'node:os';
import { startSimulator } from '../electron/sim/simulator.ts';
import { bybitClient } from '../electron/sim/testClient.ts';
import { openHostDesk } from './hostDesk.ts';
import { percentile } from './streamFleet.ts';

const SECONDS = Number(process.argv[2] ?? 20);
const FUNDING_MS = 1000;
const PERP = 'BTC/USDT:USDT';

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const sim = await startSimulator({
  seed: 13,
  tickMs: 50,
  fundingIntervalMs: FUNDING_MS,
  fundingRate: { mean: 0.0003, sd: 0.00001 },
  accounts: [{ apiKey: 'k', secret: 's', dialect: 'bybit', balances: { USDT: 100_000 }, futuresUsdt: 100_000 }],
});
sim.addFaults([{ id: 'executions', kind: 'latency', route: '/v5/execution/list', latency: { dist: 'fixed', ms: 0 } }]);
const { host } = await openHostDesk({
  n: 1,
  accounts: [{ url: sim.url, apiKey: 'k', secret: 's' }],
  syncIntervalMs: 60_000,
  mode: 'observe',
  symbols: () => [PERP],
  exchange: 'bybit',
});
const trader = bybitClient(sim.url, { apiKey: 'k', secret: 's' });
await trader.createOrder(PERP, 'market', 'sell', 0.01);
// Past the start's reconciliation (up to three ledger reads a second apart): from here only the stream asks for reads.
await delay(4000);

const from = sim.funding('k', PERP).length;
const reads0 = sim.faults()[0]?.matched ?? 0;
const latencies: number[] = [];
const seen = new Set<number>();
const cpu0 = process.cpuUsage();
const end = Date.now() + SECONDS * 1000;
while (Date.now() < end) {
  const stored = new Set(host.ledger.fundingFor('mm-0').map((f) => f.timestamp));
  const now = Date.now();
  for (const f of sim.funding('k', PERP).slice(from)) {
    if (seen.has(f.time) || !stored.has(f.time)) continue;
    seen.add(f.time);
    latencies.push(now - f.time);
  }
  await delay(5);
}
const cpu = process.cpuUsage(cpu0);
const settled = sim.funding('k', PERP).length - from;
const reads = (sim.faults()[0]?.matched ?? 0) - reads0;
latencies.sort((a, b) => a - b);
const fmt = (ms: number): string => `${Math.round(ms)} ms`;
console.log(
  `load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}; ${SECONDS} s, funding every ${FUNDING_MS} ms, REST timer 60 s`,
);
console.log(
  `settlements ${settled}, in the ledger ${latencies.length}; settlement → ledger p50 ${fmt(percentile(latencies, 50))}, ` +
    `p95 ${fmt(percentile(latencies, 95))}, max ${fmt(latencies[latencies.length - 1] ?? Number.NaN)}`,
);
console.log(
  `execution-list requests ${reads} (${(reads / Math.max(1, settled)).toFixed(1)} per settlement); ` +
    `CPU ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms (this process: app + simulator)`,
);
await trader.close();
await host.close();
await sim.close();
