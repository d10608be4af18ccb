/**
 * Fill on the simulator → the delta on serve mode's `/api/stream` that carries that instance's new
 * trade count (issue 12): p50 / p95 / max for 3 and for 100 live instances, each on its own simulator
 * account (the design's case), streams on, REST on the host's own rule (a healthy stream's gap read
 * every 6 min). End to end in one process: a real Host, the real serve server (`startServer`), a
 * WebSocket client on `/api/stream` with the bearer token; the simulators in their own process
 * (simFleet.ts) make spot fills no app placed (`drift`), round-robin over the accounts.
 *
 * A fill's latency = when the stream message that raised its instance's `tradeCount` reached the
 * client − the fill's exchange time (the simulator's clock; the same machine). The instances are live
 * fixed-spread market makers quoting every 2 s, so their own orders and fills load the host as a
 * desk would; their fills are measured too.
 *
 * `node bench/streamE2E.ts [seconds] [live|observe] [cases, e.g. 3,100]` — prints numbers, never fails on timing.
 */
import { cpus, loadavg } from 'node:os';
import { WebSocket } from 'ws';
import type { StrategyPatch, StreamMessage } from '../shared/model.ts';
import { startServer } from '../electron/serve/server.ts';
import { openHostDesk } from './hostDesk.ts';
import { percentile, startFleet } from './streamFleet.ts';

const SECONDS = Number(process.argv[2] ?? 15);
const MODE = process.argv[3] === 'observe' ? 'observe' : 'live';
const SIZES = (process.argv[4] ?? '3,100').split(',').map(Number);
/** Fills per second over all accounts: ~3 per instance per second at 3, one every 2 s per instance at 100. */
const RATE: Record<number, number> = { 3: 10, 100: 50 };

async function run(n: number): Promise<void> {
  const fleet = await startFleet(1, n, 0, 250);
  const url = fleet.urls[0] ?? '';
  const keys = fleet.keys[0] ?? [];
  const accounts = keys.map((apiKey) => ({ url, apiKey, secret: apiKey.replace(/^k/, 's') }));
  const { host, dataDir, streaming } = await openHostDesk({ n, accounts, syncIntervalMs: 2000, mode: MODE });
  const token = 'bench-token';
  const server = await startServer({ host, token, port: 0, staticDir: dataDir });

  const latencies: number[] = [];
  const counts = new Map<string, number>();
  const seen = new Map<string, Set<string>>();
  const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}/api/stream`, { headers: { authorization: `Bearer ${token}` } });
  let messages = 0;
  const onPatch = (patch: StrategyPatch, at: number): void => {
    const count = patch.metrics?.tradeCount;
    if (count === undefined || count <= (counts.get(patch.id) ?? 0)) return;
    counts.set(patch.id, count);
    const ids = seen.get(patch.id) ?? new Set<string>();
    seen.set(patch.id, ids);
    for (const fill of host.ledger.fillsFor(patch.id)) {
      if (ids.has(fill.id)) continue;
      ids.add(fill.id);
      latencies.push(at - fill.timestamp);
    }
  };
  const ready = new Promise<void>((resolve, reject) => {
    ws.on('error', reject);
    ws.on('message', (data: Buffer) => {
      const at = Date.now();
      const message = JSON.parse(data.toString()) as StreamMessage;
      messages++;
      if (message.type === 'snapshot') {
        // What the window holds already is not measured.
        for (const s of message.snapshot.strategies) {
          counts.set(s.id, s.metrics.tradeCount);
          seen.set(s.id, new Set(host.ledger.fillsFor(s.id).map((f) => f.id)));
        }
        resolve();
        return;
      }
      for (const patch of message.strategies) onPatch(patch, at);
    });
  });
  await ready;
  const restReads = host.sync.rounds;
  const cpu0 = process.cpuUsage();
  const made = await fleet.go(RATE[n] ?? n / 2, SECONDS);
  await new Promise((r) => setTimeout(r, 1500));
  const cpu = process.cpuUsage(cpu0);
  const sorted = [...latencies].sort((a, b) => a - b);
  console.log(
    `${n} ${MODE} instances, ${n} accounts | drift fills made ${made}, fills seen on /api/stream ${sorted.length} (their own included) | ` +
      `p50 ${percentile(sorted, 50)} ms | p95 ${percentile(sorted, 95)} ms | max ${sorted[sorted.length - 1] ?? NaN} ms | ` +
      `${messages} messages | host CPU ${((cpu.user + cpu.system) / 1000 / (SECONDS + 1.5) / 10).toFixed(0)} % of a core | ` +
      `streams healthy ${streaming()}/${n} | sync-now rounds during the run ${host.sync.rounds - restReads}`,
  );
  ws.close();
  await server.close();
  await host.close();
  fleet.stop();
}

console.log(
  `fill on the simulator → delta on /api/stream (serve mode, WebSocket client); ${SECONDS} s of fills per case; load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')} on ${cpus().length} cores`,
);
for (const n of SIZES) await run(n);
