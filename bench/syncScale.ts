/**
 * Sync wall time for 1, 10, 100 and 200 instances with 50 ms of latency on every request, against a
 * baseline that syncs instances one after another; requests per tick; main-process memory.
 * Real parts: the simulator in a child process, a latency proxy on loopback, ccxt, SQLite.
 * `node bench/syncScale.ts [counts…]` — prints numbers, never fails on timing.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Host } from '../electron/core/host/host.ts';
import { silentLogger } from '../electron/core/log.ts';
import { parseWorkspace } from '../electron/core/workspace/workspace.ts';
import { startLatencyProxy } from './latencyProxy.ts';

const COUNTS = process.argv
  .slice(2)
  .map(Number)
  .filter((n) => n > 0);
const counts = COUNTS.length > 0 ? COUNTS : [1, 10, 100, 200];
const LATENCY = 50;
const SYMBOLS = ['BTC/USDT', 'ETH/USDT', 'SOL/USDT'];

async function startSimProcess(): Promise<{ url: string; stop: () => void }> {
  const child = spawn(process.execPath, [join(import.meta.dirname, '..', 'electron', 'sim', 'cli.ts'), '--port', '0', '--seed', '5'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = out.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      if (m?.[1]) resolve(m[1]);
    });
    child.once('exit', () => reject(new Error(out)));
  });
  return { url, stop: () => child.kill('SIGTERM') };
}

const sim = await startSimProcess();
const proxy = await startLatencyProxy(sim.url, LATENCY);
const mb = (n: number) => `${(n / 1024 / 1024).toFixed(0)} MB`;
console.log(`latency ${LATENCY} ms per request; simulator ${sim.url} (own process); proxy ${proxy.url}`);
console.log('instances | concurrent sync | serial baseline | ratio to 1 instance | requests/tick | RSS');

let single = 0;
for (const n of counts) {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-sync-'));
  const host = new Host({
    workspace: parseWorkspace({
      version: 2,
      syncIntervalMs: 3_600_000,
      accounts: [{ id: 'demo', exchange: 'binance', apiBaseUrl: proxy.url, credentials: { apiKey: 'demo-key', secret: 'demo-secret' } }],
      instances: Array.from({ length: n }, (_, i) => ({
        id: `obs-${i}`,
        type: 'fixed_spread',
        account: 'demo',
        mode: 'observe',
        symbols: [SYMBOLS[i % SYMBOLS.length]],
        startTime: new Date(Date.now() - 3_600_000).toISOString(),
        autoStart: true,
      })),
    }),
    dataDir,
    log: silentLogger,
  });
  host.start();
  await host.sync.syncNow(); // warm-up: markets loaded, cursors written
  const rounds = 3;
  let concurrent = 0;
  proxy.reset();
  for (let r = 0; r < rounds; r++) {
    const t = performance.now();
    await host.sync.syncNow();
    concurrent += performance.now() - t;
  }
  concurrent /= rounds;
  const perTick = proxy.stats.requests / rounds;
  const ids = host.engine.all().map((i) => i.id);
  const t = performance.now();
  for (const id of ids) await host.sync.syncNow([id]);
  const serial = performance.now() - t;
  if (n === counts[0]) single = concurrent;
  console.log(
    `${String(n).padStart(9)} | ${concurrent.toFixed(0).padStart(12)} ms | ${serial.toFixed(0).padStart(12)} ms | ${(concurrent / single).toFixed(2).padStart(19)}× | ${perTick.toFixed(0).padStart(13)} | ${mb(process.memoryUsage().rss)}`,
  );
  const failed = host.snapshot().strategies.filter((s) => s.health.state === 'error');
  if (failed.length > 0) console.log(`  ${failed.length} instances in error, e.g. ${failed[0]?.health.lastError?.message ?? ''}`);
  await host.close();
  rmSync(dataDir, { recursive: true, force: true });
}
await proxy.close();
sim.stop();
