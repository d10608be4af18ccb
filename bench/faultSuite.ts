/**
 * The fault suite: 20 instances over two accounts on two dialects (Binance spot + USDⓈ-M, Bybit v5)
 * trade and sync against the simulator while 10 % of their requests are faulted (429, 5xx, malformed
 * and truncated bodies, timestamp errors, held sockets, added latency). Measures: crashes and
 * unhandled rejections, fills lost or counted twice (ledger vs the simulator's own record), faults
 * visible in health, and the data age of instances shown as healthy.
 * `node bench/faultSuite.ts [seconds]` prints the figures; electron/core/faultSuite.test.ts asserts them on a shorter run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Host } from '../electron/core/host/host.ts';
import { createLogger } from '../electron/core/log.ts';
import { parseWorkspace } from '../electron/core/workspace/workspace.ts';
import type { FaultSpec } from '../electron/sim/faults.ts';
import { startSimulator } from '../electron/sim/simulator.ts';

export interface FaultSuiteResult {
  seconds: number;
  instances: number;
  syncIntervalMs: number;
  requestsFaulted: number;
  requestsMatched: number;
  faultRate: number;
  faultsVisible: number;
  unhandledRejections: number;
  fills: { ledger: number; exchange: number; missing: number; duplicated: number; extra: number; volumeMismatches: number };
  funding: { ledger: number; exchange: number };
  /** Data age of instances shown ok and without a fault of their own in the last two intervals. */
  healthyAgeMs: { p50: number; p99: number; max: number; samples: number };
  /** Data age of every instance shown ok (faulted ones included: a retried request delays its own sync). */
  okAgeMs: { p50: number; p99: number; max: number; samples: number };
  instancesThatSawFaults: number;
  stateCounts: Record<string, number>;
}

const BINANCE_SYMBOLS = ['BTC/USDT', 'ETH/USDT', 'SOL/USDT', 'BTC/USDT:USDT', 'ETH/USDT:USDT'];
const BYBIT_SYMBOLS = ['BTC/USDT', 'ETH/USDT', 'SOL/USDT', 'BTC/USDT:USDT', 'ETH/USDT:USDT'];

export async function runFaultSuite(options: {
  seconds: number;
  syncIntervalMs?: number;
  faultRate?: number;
  without?: string[];
}): Promise<FaultSuiteResult> {
  const interval = options.syncIntervalMs ?? 2000;
  const rate = options.faultRate ?? 0.1;
  let unhandled = 0;
  const onUnhandled = (): void => {
    unhandled++;
  };
  process.on('unhandledRejection', onUnhandled);
  // 10 % in all, spread over the kinds a real exchange produces. Latency is on top and not a failure.
  const mix: [FaultSpec['kind'], number][] = [
    ['429', 0.02],
    ['500', 0.015],
    ['502', 0.01],
    ['503', 0.01],
    ['malformed', 0.015],
    ['truncated', 0.015],
    ['timestamp', 0.01],
    ['timeout', 0.005],
  ];
  const kinds = mix.filter(([kind]) => !(options.without ?? []).includes(kind));
  const scale = rate / kinds.reduce((s, [, r]) => s + r, 0);
  const faults: FaultSpec[] = [
    ...kinds.map(([kind, r]) => ({ id: `f-${kind}`, kind, rate: r * scale, ...(kind === '429' ? { retryAfterSec: 1 } : {}) })),
    { id: 'latency', kind: 'latency', rate: 1, latency: { dist: 'normal', mean: 30, sd: 15 } },
  ];
  const sim = await startSimulator({
    port: 0,
    seed: 2026,
    tickMs: 100,
    fundingIntervalMs: 10_000,
    faults,
    accounts: [
      { apiKey: 'bn-key', secret: 'bn-secret', balances: { USDT: 2_000_000, BTC: 20, ETH: 300, SOL: 5000 }, futuresUsdt: 1_000_000 },
      {
        apiKey: 'by-key',
        secret: 'by-secret',
        dialect: 'bybit',
        balances: { USDT: 2_000_000, BTC: 20, ETH: 300, SOL: 5000 },
        futuresUsdt: 1_000_000,
      },
    ],
    onError: () => undefined,
  });
  const dataDir = mkdtempSync(join(tmpdir(), 'fault-suite-'));
  const startTime = new Date(Date.now() - 1000).toISOString();
  const instances = [];
  for (let i = 0; i < 10; i++) {
    for (const [account, symbols] of [
      ['bn', BINANCE_SYMBOLS],
      ['by', BYBIT_SYMBOLS],
    ] as const) {
      instances.push({
        id: `${account}-${i}`,
        type: 'fixed_spread',
        account,
        symbols: [symbols[i % 5]],
        startTime,
        params: { spreadBps: 6, intervalMs: 700, orderFraction: 0.01, capital: 50_000 },
      });
    }
  }
  const host = new Host({
    workspace: parseWorkspace({
      version: 2,
      syncIntervalMs: interval,
      accounts: [
        { id: 'bn', exchange: 'binance', apiBaseUrl: sim.url, credentials: { apiKey: 'bn-key', secret: 'bn-secret' } },
        { id: 'by', exchange: 'bybit', apiBaseUrl: sim.url, credentials: { apiKey: 'by-key', secret: 'by-secret' } },
      ],
      instances,
    }),
    dataDir,
    log: createLogger({ write: () => undefined }),
  });
  host.start();
  const ages: number[] = [];
  const okAges: number[] = [];
  const end = Date.now() + options.seconds * 1000;
  const stateCounts: Record<string, number> = {};
  while (Date.now() < end) {
    await new Promise((r) => setTimeout(r, 500));
    const now = Date.now();
    for (const s of host.snapshot().strategies) {
      stateCounts[s.health.state] = (stateCounts[s.health.state] ?? 0) + 1;
      if (s.health.state !== 'ok' || !s.health.lastGoodSyncAt) continue;
      const age = now - Date.parse(s.health.lastGoodSyncAt);
      okAges.push(age);
      // Healthy: shown ok and no fault of its own in the last two intervals — its data must not wait on anyone else's faults.
      const lastTrouble = Math.max(Date.parse(s.health.lastFault?.at ?? '') || 0, Date.parse(s.health.lastError?.at ?? '') || 0);
      if (now - lastTrouble > 2 * interval) ages.push(age);
    }
  }
  const injected = sim.faults().filter((f) => f.kind !== 'latency');
  const fired = injected.reduce((s, f) => s + f.fired, 0);
  const matched = sim.faults().find((f) => f.id === 'latency')?.matched ?? 0;
  // Stop trading, stop faulting, and let one clean sync read everything that happened.
  await host.execute('portfolio/stopAll', {}, 'system');
  sim.clearFaults();
  await new Promise((r) => setTimeout(r, 1000));
  // Positions stay open after the stop, so funding keeps settling: compare what settled before this point.
  const fundingCutoff = Date.now();
  await host.sync.syncNow();
  await host.sync.syncNow();

  const visible = host.engine.all().reduce((sum, i) => sum + host.sync.state(i.id).retriedFaults + host.sync.state(i.id).failedSyncs, 0);
  const sawFaults = host.engine.all().filter((i) => host.sync.state(i.id).retriedFaults + host.sync.state(i.id).failedSyncs > 0).length;
  // Per account and symbol: the same number of fills, the same base and quote volume as the exchange's
  // own record (Bybit's execution ids are not the simulator's trade ids, so compare what they carry).
  let exchangeFills = 0;
  let ledgerFills = 0;
  let missing = 0;
  let extra = 0;
  let duplicated = 0;
  let volumeMismatches = 0;
  const since = Date.parse(startTime);
  for (const [account, key] of [
    ['bn', 'bn-key'],
    ['by', 'by-key'],
  ] as const) {
    const ours = host.engine
      .all()
      .filter((i) => i.config.account === account)
      .flatMap((i) => host.ledger.fillsFor(i.id));
    ledgerFills += ours.length;
    duplicated += ours.length - new Set(ours.map((f) => `${f.symbol}|${f.id}`)).size;
    const theirs = [
      ...sim
        .trades(key)
        .filter((t) => t.time >= since)
        .map((t) => ({ symbol: t.symbol.replace(/USDT$/, '/USDT'), qty: t.qty, quote: t.qty * t.price })),
      ...sim
        .perpTrades(key)
        .filter((t) => t.time >= since)
        .map((t) => ({ symbol: t.symbol.replace(/USDT$/, '/USDT:USDT'), qty: t.qty, quote: t.qty * t.price })),
    ];
    exchangeFills += theirs.length;
    for (const symbol of new Set([...theirs.map((t) => t.symbol), ...ours.map((f) => f.symbol)])) {
      const a = ours.filter((f) => f.symbol === symbol);
      const b = theirs.filter((t) => t.symbol === symbol);
      missing += Math.max(0, b.length - a.length);
      extra += Math.max(0, a.length - b.length);
      const qa = a.reduce((x, f) => x + f.amount, 0);
      const qb = b.reduce((x, t) => x + t.qty, 0);
      if (Math.abs(qa - qb) > 1e-9 * Math.max(1, qb)) volumeMismatches++;
    }
  }
  const fundingLedger = host.engine
    .all()
    .flatMap((i) => host.ledger.fundingFor(i.id))
    .filter((f) => f.timestamp < fundingCutoff)
    .reduce((s, f) => s + f.amount, 0);
  const fundingExchange = [...sim.funding('bn-key'), ...sim.funding('by-key')]
    .filter((f) => f.time >= since && f.time < fundingCutoff)
    .reduce((s, f) => s + f.amount, 0);
  await host.close();
  await sim.close();
  rmSync(dataDir, { recursive: true, force: true });
  process.off('unhandledRejection', onUnhandled);
  ages.sort((a, b) => a - b);
  okAges.sort((a, b) => a - b);
  const pct = (p: number, xs = ages) => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))] ?? 0;
  return {
    seconds: options.seconds,
    instances: instances.length,
    syncIntervalMs: interval,
    requestsFaulted: fired,
    requestsMatched: matched,
    faultRate: matched > 0 ? fired / matched : 0,
    faultsVisible: visible,
    unhandledRejections: unhandled,
    fills: { ledger: ledgerFills, exchange: exchangeFills, missing, duplicated, extra, volumeMismatches },
    funding: { ledger: fundingLedger, exchange: fundingExchange },
    healthyAgeMs: { p50: pct(0.5), p99: pct(0.99), max: ages.at(-1) ?? 0, samples: ages.length },
    okAgeMs: { p50: pct(0.5, okAges), p99: pct(0.99, okAges), max: okAges.at(-1) ?? 0, samples: okAges.length },
    instancesThatSawFaults: sawFaults,
    stateCounts,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const seconds = Number(process.argv[2] ?? 120);
  const without = process.argv
    .slice(3)
    .filter((a) => a.startsWith('--without='))
    .flatMap((a) => a.slice(10).split(','));
  const r = await runFaultSuite({ seconds, without });
  console.log(JSON.stringify(r, null, 2));
}
