/**
 * Main-process memory at 100 instances and 1 M stored fills: the ledger is filled first (10 000
 * fills per instance), then a host starts on it — folds every instance from the ledger — and syncs
 * against the simulator (own process) a few times. Prints RSS and heap; never fails on a number.
 * `node --expose-gc bench/memory.ts [instances] [fillsPerInstance] [accounts]`
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Host } from '../electron/core/host/host.ts';
import { Ledger } from '../electron/core/ledger/ledger.ts';
import { silentLogger } from '../electron/core/log.ts';
import { parseWorkspace } from '../electron/core/workspace/workspace.ts';
import { startSimProcess } from '../e2e/serve.ts';

const INSTANCES = Number(process.argv[2] ?? 100);
const PER = Number(process.argv[3] ?? 10_000);
const ACCOUNTS = Number(process.argv[4] ?? 4);
const SYMBOLS = ['BTC/USDT', 'ETH/USDT', 'SOL/USDT'];
const mb = (n: number) => `${(n / 1024 / 1024).toFixed(0)} MB`;
const gc = () => (globalThis as { gc?: () => void }).gc?.();

const { url: simUrl, process: child } = await startSimProcess();

const prepareDir = process.argv.find((a) => a.startsWith('--prepare='))?.slice(10);
const dataDir = prepareDir ?? mkdtempSync(join(tmpdir(), 'bench-mem-'));
const start = Number(process.argv.find((a) => a.startsWith('--start='))?.slice(8) ?? Date.now() - 3_600_000);
if (prepareDir !== undefined) {
  const ledger = new Ledger(join(dataDir, 'ledger.sqlite'));
  for (let i = 0; i < INSTANCES; i++) {
    const symbol = SYMBOLS[i % SYMBOLS.length] ?? 'BTC/USDT';
    const fills = Array.from({ length: PER }, (_, k) => ({
      fill: {
        id: `${i}-${k}`,
        orderId: null,
        symbol,
        side: (k % 2 === 0 ? 'buy' : 'sell') as 'buy' | 'sell',
        price: 100 + (k % 50),
        amount: 0.01,
        cost: (100 + (k % 50)) * 0.01,
        fees: [{ currency: 'USDT', amount: 0.0002 }],
        timestamp: start + k,
        isMaker: true,
      },
      instanceId: `obs-${i}`,
    }));
    ledger.appendFills(
      {
        exchange: 'binance',
        account: `acct-${i % ACCOUNTS}`,
        fills,
        cursor: { instanceId: `obs-${i}`, endpoint: 'myTrades', symbol, since: start + PER },
      },
      Date.now(),
    );
  }
  ledger.close();
  child.kill('SIGTERM');
  process.exit(0);
}
// The ledger is written by a separate process, so what is measured here is the host alone.
await new Promise<void>((resolve, reject) => {
  const prep = spawn(
    process.execPath,
    [import.meta.filename, String(INSTANCES), String(PER), String(ACCOUNTS), `--prepare=${dataDir}`, `--start=${start}`],
    { stdio: 'inherit' },
  );
  prep.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`prepare exited ${String(code)}`))));
});
gc();
const base = process.memoryUsage();
console.log(
  `ledger: ${(INSTANCES * PER).toLocaleString()} fills, ${mb(statSync(join(dataDir, 'ledger.sqlite')).size)} on disk; process before the host: RSS ${mb(base.rss)}, heap ${mb(base.heapUsed)}`,
);

const t = performance.now();
const host = new Host({
  workspace: parseWorkspace({
    version: 2,
    syncIntervalMs: 3_600_000,
    accounts: Array.from({ length: ACCOUNTS }, (_, a) => ({
      id: `acct-${a}`,
      exchange: 'binance',
      apiBaseUrl: simUrl,
      credentials: { apiKey: 'demo-key', secret: 'demo-secret' },
    })),
    instances: Array.from({ length: INSTANCES }, (_, i) => ({
      id: `obs-${i}`,
      type: 'fixed_spread',
      account: `acct-${i % ACCOUNTS}`,
      mode: 'observe',
      symbols: [SYMBOLS[i % SYMBOLS.length]],
      startTime: new Date(start).toISOString(),
    })),
  }),
  dataDir,
  log: silentLogger,
});
host.start();
console.log(
  `host started (every instance folded from the ledger) in ${(performance.now() - t).toFixed(0)} ms; tradeCount ${host.snapshot().totals.tradeCount.toLocaleString()}`,
);
for (let r = 0; r < 3; r++) await host.sync.syncNow();
gc();
const after = process.memoryUsage();
console.log(
  `after 3 syncs of ${INSTANCES} instances on ${ACCOUNTS} accounts: RSS ${mb(after.rss)}, heap used ${mb(after.heapUsed)}, external ${mb(after.external)}`,
);
await host.close();
child.kill('SIGTERM');
rmSync(dataDir, { recursive: true, force: true });
