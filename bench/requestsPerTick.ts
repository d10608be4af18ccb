/**
 * Requests and bytes per sync tick after 100 k fills: the incremental sync (cursors, overlap, windows)
 * against the old design's baseline, which refetched everything since startTime every tick.
 * A Binance-dialect history server on loopback holds the fills; real ccxt and a real SQLite ledger read them.
 * `node bench/requestsPerTick.ts [fills]` — prints numbers.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Host } from '../electron/core/host/host.ts';
import { silentLogger } from '../electron/core/log.ts';
import { parseWorkspace } from '../electron/core/workspace/workspace.ts';
import { exchangeInfo } from '../electron/sim/format.ts';
import { DEFAULT_MARKETS } from '../electron/sim/markets.ts';
import { startLatencyProxy } from './latencyProxy.ts';

const N = Number(process.argv[2] ?? 100_000);
const now = Date.now();
const SPACING = 1000;
const start = now - N * SPACING - 60_000;
interface Row {
  id: number;
  time: number;
  price: number;
  qty: number;
  isBuyer: boolean;
}
const trades: Row[] = [];
for (let i = 0; i < N; i++)
  trades.push({
    id: i + 1,
    time: start + i * SPACING,
    price: 68_000 + Math.sin(i / 50) * 100,
    qty: 0.001 + (i % 7) * 0.001,
    isBuyer: i % 2 === 0,
  });

const btc = DEFAULT_MARKETS.filter((m) => m.id === 'BTCUSDT');
const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  const send = (body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(text);
  };
  if (url.pathname === '/api/v3/exchangeInfo') return send(exchangeInfo(btc, Date.now()));
  if (url.pathname === '/api/v3/myTrades') {
    const from = Number(url.searchParams.get('startTime') ?? 0);
    const to = Number(url.searchParams.get('endTime') ?? from + 86_400_000 - 1);
    const limit = Math.min(Number(url.searchParams.get('limit') ?? 500), 1000);
    const lo = trades.findIndex((t) => t.time >= from);
    const out = [];
    for (let i = lo < 0 ? trades.length : lo; i < trades.length && out.length < limit; i++) {
      const t = trades[i];
      if (!t || t.time > to) break;
      out.push({
        symbol: 'BTCUSDT',
        id: t.id,
        orderId: t.id,
        orderListId: -1,
        price: t.price.toFixed(2),
        qty: t.qty.toFixed(5),
        quoteQty: (t.price * t.qty).toFixed(8),
        commission: (t.price * t.qty * 0.001).toFixed(8),
        commissionAsset: 'USDT',
        time: t.time,
        isBuyer: t.isBuyer,
        isMaker: true,
        isBestMatch: true,
      });
    }
    return send(out);
  }
  if (url.pathname === '/api/v3/ticker/24hr')
    return send({
      symbol: 'BTCUSDT',
      bidPrice: '68000.00',
      askPrice: '68000.02',
      lastPrice: '68000.01',
      openPrice: '68000',
      highPrice: '68100',
      lowPrice: '67900',
      volume: '1',
      quoteVolume: '68000',
      closeTime: Date.now(),
      openTime: Date.now() - 86_400_000,
      count: 1,
    });
  res.writeHead(404, { 'content-type': 'application/json' });
  res.end('{"code":-1020,"msg":"not here"}');
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const proxy = await startLatencyProxy(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, 0);

function host(dataDir: string): Host {
  return new Host({
    workspace: parseWorkspace({
      version: 2,
      syncIntervalMs: 3_600_000,
      accounts: [{ id: 'h', exchange: 'binance', apiBaseUrl: proxy.url, credentials: { apiKey: 'k', secret: 's' } }],
      instances: [
        { id: 'obs', type: 'fixed_spread', account: 'h', mode: 'observe', symbols: ['BTC/USDT'], startTime: new Date(start).toISOString() },
      ],
    }),
    dataDir,
    log: silentLogger,
  });
}

const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
const dir = mkdtempSync(join(tmpdir(), 'bench-rpt-'));
const h = host(dir);
h.start();
proxy.reset();
let t = performance.now();
await h.sync.syncNow();
while ((h.snapshot().strategies[0]?.metrics.tradeCount ?? 0) < N) await h.sync.syncNow(); // a catch-up may span several syncs
console.log(
  `catch-up of ${N.toLocaleString()} fills: ${proxy.stats.requests} requests, ${kb(proxy.stats.bytesIn)} in, ${(performance.now() - t).toFixed(0)} ms; tradeCount ${h.snapshot().strategies[0]?.metrics.tradeCount}`,
);

const ticks = 5;
proxy.reset();
for (let i = 0; i < ticks; i++) {
  for (let k = 0; k < 10; k++) {
    const id = trades.length + 1;
    trades.push({ id, time: Date.now() - 500, price: 68_000, qty: 0.001, isBuyer: k % 2 === 0 });
  }
  await h.sync.syncNow();
}
const inc = { requests: proxy.stats.requests / ticks, bytes: proxy.stats.bytesIn / ticks };
console.log(
  `incremental tick (10 new fills each): ${inc.requests.toFixed(1)} requests, ${kb(inc.bytes)} per tick; tradeCount ${h.snapshot().strategies[0]?.metrics.tradeCount}`,
);
await h.close();

// The old design: no cursors, every tick reads everything since startTime.
proxy.reset();
t = performance.now();
const baseDir = mkdtempSync(join(tmpdir(), 'bench-rpt-base-'));
const b = host(baseDir);
b.start();
while ((b.snapshot().strategies[0]?.metrics.tradeCount ?? 0) < trades.length) await b.sync.syncNow();
await b.close();
rmSync(baseDir, { recursive: true, force: true });
console.log(
  `baseline tick (refetch since startTime): ${proxy.stats.requests} requests, ${kb(proxy.stats.bytesIn)}, ${(performance.now() - t).toFixed(0)} ms`,
);
console.log(
  `ratio: ${(proxy.stats.requests / inc.requests).toFixed(0)}× the requests, ${(proxy.stats.bytesIn / inc.bytes).toFixed(0)}× the bytes`,
);
await proxy.close();
server.close();
rmSync(dir, { recursive: true, force: true });
