/**
 * Fold throughput at 1 M fills, and a full recompute from the SQLite ledger.
 * `node bench/fold.ts [fills]` — prints numbers, never fails on timing.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Fill } from '../electron/core/exchange/types.ts';
import { Ledger } from '../electron/core/ledger/ledger.ts';
import { emptyFold, foldFill, toMetrics } from '../electron/core/metrics/pnl.ts';

const N = Number(process.argv[2] ?? 1_000_000);
const mb = (n: number) => `${(n / 1024 / 1024).toFixed(0)} MB`;

function makeFills(n: number): Fill[] {
  let seed = 42;
  const rnd = () => (seed = (seed * 1664525 + 1013904223) >>> 0) / 4294967296;
  let price = 68_000;
  const out: Fill[] = [];
  const t0 = Date.UTC(2026, 0, 1);
  for (let i = 0; i < n; i++) {
    price *= 1 + (rnd() - 0.5) * 0.001;
    const amount = Math.round((0.001 + rnd() * 0.05) * 1e5) / 1e5;
    const isBuy = rnd() < 0.5;
    out.push({
      id: String(i + 1),
      orderId: String(Math.floor(i / 2) + 1),
      symbol: 'BTC/USDT',
      side: isBuy ? 'buy' : 'sell',
      price,
      amount,
      cost: price * amount,
      fees: [isBuy ? { currency: 'BTC', amount: amount * 0.0002 } : { currency: 'USDT', amount: price * amount * 0.0002 }],
      timestamp: t0 + i * 50,
      isMaker: true,
    });
  }
  return out;
}

const t = performance.now();
const fills = makeFills(N);
console.log(`generated ${N.toLocaleString()} fills in ${(performance.now() - t).toFixed(0)} ms`);

const s0 = performance.now();
const mem = emptyFold('USDT');
for (const f of fills) foldFill(mem, f);
const foldMs = performance.now() - s0;
console.log(`fold in memory: ${foldMs.toFixed(0)} ms → ${Math.round(N / (foldMs / 1000)).toLocaleString()} fills/s`);

const dir = mkdtempSync(join(tmpdir(), 'bench-fold-'));
const ledger = new Ledger(join(dir, 'ledger.sqlite'));
const w0 = performance.now();
for (let i = 0; i < N; i += 10_000) {
  ledger.appendFills(
    {
      exchange: 'binance',
      account: 'a',
      fills: fills.slice(i, i + 10_000).map((fill) => ({ fill, instanceId: 'mm' })),
      cursor: { instanceId: 'mm', endpoint: 'myTrades', symbol: 'BTC/USDT', since: fills[Math.min(i + 9_999, N - 1)]?.timestamp ?? 0 },
    },
    Date.now(),
  );
}
const writeMs = performance.now() - w0;
console.log(
  `write to ledger (batches of 10 000, WAL, synchronous=FULL): ${writeMs.toFixed(0)} ms → ${Math.round(N / (writeMs / 1000)).toLocaleString()} fills/s; file ${mb(statSync(join(dir, 'ledger.sqlite')).size)}`,
);
fills.length = 0;
globalThis.gc?.();

const rssBefore = process.memoryUsage().rss;
const r0 = performance.now();
const fromDb = emptyFold('USDT');
const count = ledger.eachFill('mm', (f) => foldFill(fromDb, f));
const recomputeMs = performance.now() - r0;
console.log(
  `full recompute from SQLite (streamed): ${recomputeMs.toFixed(0)} ms for ${count.toLocaleString()} fills → ${Math.round(count / (recomputeMs / 1000)).toLocaleString()} fills/s; RSS ${mb(rssBefore)} → ${mb(process.memoryUsage().rss)}`,
);

const a = toMetrics(mem, new Map([['BTC/USDT', 68_000]]), false);
const b = toMetrics(fromDb, new Map([['BTC/USDT', 68_000]]), false);
const same = a.realizedPnl === b.realizedPnl && a.fees === b.fees && a.tradeCount === b.tradeCount && a.unrealizedPnl === b.unrealizedPnl;
console.log(
  `recompute equals the incremental fold: ${same} (realized ${a.realizedPnl.toFixed(2)} USDT, fees ${a.fees.toFixed(2)} USDT, ${a.tradeCount.toLocaleString()} fills)`,
);
ledger.close();
rmSync(dir, { recursive: true, force: true });
