/**
 * Fill on the simulator → stored in the ledger and handed to the host (StreamSync's `onFills`), p50
 * and p95, for 3 and 100 live instances, against the 2 s polling baseline of issue 12.
 * The simulators run in their own process (simFleet.ts) and make spot fills no app placed (`drift`);
 * the latency of a fill is the moment its ledger insert returned minus the fill's exchange time
 * (the simulator's clock, the same machine's). `/api/stream` is not measured here: the host does not
 * wire StreamSync yet; its refold and publish come on top.
 * `node bench/streamLatency.ts [seconds] [case filter, e.g. bybit]` — prints numbers, never fails on timing.
 * Bybit v5 cases: the same drifted spot fills, delivered by Bybit's private stream (execution topic).
 */
import type { Ledger } from '../electron/core/ledger/ledger.ts';
import { openDesk, percentile, startFleet } from './streamFleet.ts';

const SECONDS = Number(process.argv[2] ?? 15);
const ONLY = process.argv[3]?.toLowerCase();

/** Records, per fill the ledger newly stored, how long after its exchange time the insert returned. */
function timeInserts(ledger: Ledger): number[] {
  const latencies: number[] = [];
  const append = ledger.appendFills.bind(ledger);
  ledger.appendFills = (batch, now) => {
    const inserted = append(batch, now);
    const at = Date.now();
    for (const f of inserted) latencies.push(at - f.timestamp);
    return inserted;
  };
  return latencies;
}

interface Case {
  name: string;
  exchange?: 'binance' | 'bybit';
  instances: number;
  accounts: number;
  streams: boolean;
  intervalMs: number;
  rate: number;
}

const cases: Case[] = [
  {
    name: 'streams, 3 instances, each its own account (design case)',
    instances: 3,
    accounts: 3,
    streams: true,
    intervalMs: 300_000,
    rate: 10,
  },
  {
    name: 'streams, 100 instances, each its own account (design case)',
    instances: 100,
    accounts: 100,
    streams: true,
    intervalMs: 300_000,
    rate: 50,
  },
  {
    name: 'Bybit v5 streams, 3 instances, each its own account',
    exchange: 'bybit',
    instances: 3,
    accounts: 3,
    streams: true,
    intervalMs: 300_000,
    rate: 10,
  },
  {
    name: 'Bybit v5 streams, 100 instances, each its own account',
    exchange: 'bybit',
    instances: 100,
    accounts: 100,
    streams: true,
    intervalMs: 300_000,
    rate: 50,
  },
  {
    name: 'polling every 2 s, 3 instances, each its own account (issue 12 baseline)',
    instances: 3,
    accounts: 3,
    streams: false,
    intervalMs: 2000,
    rate: 10,
  },
];

console.log(`fill → ledger + onFills, ${SECONDS} s of fills per case; simulators in their own process`);
console.log('case | fills made | stored | p50 | p95 | max');
for (const c of cases.filter((k) => ONLY === undefined || k.name.toLowerCase().includes(ONLY))) {
  const fleet = await startFleet(1, c.accounts, 0, 250, c.exchange);
  const url = fleet.urls[0] ?? '';
  const keys = fleet.keys[0] ?? [];
  const desk = await openDesk({
    n: c.instances,
    accounts: keys.map((apiKey) => ({ url, apiKey, secret: apiKey.replace(/^k/, 's') })),
    intervalMs: c.intervalMs,
    streams: c.streams,
    ...(c.exchange !== undefined ? { exchange: c.exchange } : {}),
  });
  await new Promise((r) => setTimeout(r, 1000)); // the connect-time gap reads settle
  const latencies = timeInserts(desk.ledger);
  const made = await fleet.go(c.rate, SECONDS);
  await new Promise((r) => setTimeout(r, c.streams ? 500 : c.intervalMs + 1000));
  const sorted = [...latencies].sort((a, b) => a - b);
  console.log(
    `${c.name} | ${made} | ${sorted.length} | ${percentile(sorted, 50)} ms | ${percentile(sorted, 95)} ms | ${sorted[sorted.length - 1] ?? NaN} ms`,
  );
  await desk.close();
  fleet.stop();
}
