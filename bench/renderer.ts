/**
 * Renderer speed benchmark: the REAL built renderer (React profiling build) in Chromium, fed by a tiny
 * in-bench server that speaks serve mode's protocol — static files, GET /api/portfolio,
 * GET /api/portfolio/history, and the /api/stream WebSocket (one snapshot, then deltas) — with a
 * workspace of 200 instances where every instance changes every second for a minute.
 *
 * Why not real serve with 200 observe instances on the simulator: that measures the core's sync of
 * 200 ccxt sessions as much as the renderer, and its delta sizes depend on the simulator's market.
 * This isolates the renderer and makes the load exact: ~all 200 strategies change every second,
 * which is the worst case serve mode can send (it already coalesces instance syncs into one delta).
 *
 *   node bench/renderer.ts               # 60 s
 *   BENCH_SECONDS=10 node bench/renderer.ts
 *   BENCH_SCENARIO=calm node bench/renderer.ts   # the favourable case (see SCENARIO)
 *
 * Prints numbers; never fails on timing.
 */
import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { chromium } from 'playwright-core';
import { WebSocketServer, type WebSocket } from 'ws';
import { totalsOf } from '../shared/totals.ts';
import { Publisher } from '../electron/core/host/publisher.ts';
import type { ProfileData } from '../renderer/src/profileData.ts';
import type {
  EquityPoint,
  HealthState,
  InstanceMode,
  InstanceView,
  Snapshot,
  StrategyFigures,
  StrategyStatus,
  StrategyView,
  StreamMessage,
} from '../shared/model.ts';

const ROOT = join(import.meta.dirname, '..');
const OUT = join(ROOT, 'out', 'renderer-profile');
const N = Number(process.env['BENCH_INSTANCES'] ?? 200);
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 60);
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
/**
 * BENCH_SCENARIO: `busy` (the default, the case the window is designed for and measured against): ~all
 * strategies change every second, each total jumping by up to ±10 against a spread of 1 between
 * neighbours, so half the rows on screen reshuffle every second, and funding flips sign at random.
 * `calm` (the favourable case, for comparison): a fifth change each second, by up to ±0.5, and funding
 * only accrues.
 */
const SCENARIO = process.env['BENCH_SCENARIO'] === 'calm' ? 'calm' : 'busy';
const CHANGING = SCENARIO === 'calm' ? 0.2 : 0.98;
const NOISE = SCENARIO === 'calm' ? 1 : 20;
const DESCRIBED =
  SCENARIO === 'calm'
    ? '~a fifth changing every second by small amounts (calm: the favourable case)'
    : '~all changing every second (busy: the design case)';

// ---- the workspace -------------------------------------------------------------------------

let seed = 12345;
function random(): number {
  // xorshift: the same run every time
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return ((seed >>> 0) % 1_000_000) / 1_000_000;
}

const started = Date.now() - 3_600_000;
const ids = Array.from({ length: N }, (_, i) => (i % 4 === 3 ? `arb-${i}` : `mm-${i}`));

function strategyAt(i: number, now: number, tick: number): StrategyView {
  const id = ids[i] as string;
  const isArb = id.startsWith('arb');
  const realized = Math.round((Math.sin((tick + i) / 7) * (SCENARIO === 'calm' ? 2 : 50) + i) * 1e6) / 1e6;
  const unrealized = Math.round((random() - 0.5) * NOISE * 1e6) / 1e6;
  const fees = Math.round((tick * 0.03 + i * 0.01) * 1e6) / 1e6;
  const funding = !isArb
    ? 0
    : SCENARIO === 'calm'
      ? Math.round((1 + tick * 0.001) * 1e6) / 1e6
      : Math.round((random() - 0.3) * 5 * 1e6) / 1e6;
  const mode: InstanceMode = i % 10 === 9 ? 'paper' : i % 10 === 8 ? 'observe' : 'live';
  const status: StrategyStatus = i % 17 === 0 ? 'paused' : 'live';
  const state: HealthState = i % 41 === 0 ? 'stale' : 'ok';
  const figures: StrategyFigures = isArb
    ? {
        kind: 'funding_rate',
        basis: 0.0004,
        fundingAccrued: funding,
        nextFundingTime: null,
        predictedRate: 0.0001,
        carryApr: 0.1,
        hedgeImbalance: 0.001,
        isHedged: true,
      }
    : { kind: 'fixed_spread', inventory: { 'BTC/USDT': 0.01 }, spreadCapturedBps: 8.5, fillRate: 0.4, quoteUptime: 0.99 };
  return {
    id,
    type: isArb ? 'funding_rate' : 'fixed_spread',
    account: `acct-${i % 12}`,
    mode,
    status,
    health: {
      state,
      lastGoodSyncAt: new Date(now).toISOString(),
      lastError: null,
      stillOpen: [],
      stream: { state: 'polling', stalledSeconds: null, reconnects: 0, lastError: null },
      failures: 0,
      retriedFaults: 0,
      catchUp: null,
      lastFault: null,
      source: 'exchange',
    },
    metrics: {
      quoteCurrency: 'USDT',
      realizedPnl: realized,
      fees,
      funding,
      unrealizedPnl: unrealized,
      todayPnl: realized + unrealized + funding - fees,
      totalPnl: Math.round((realized + unrealized + funding - fees) * 1e6) / 1e6,
      tradeCount: 100 + tick * 2 + i,
      volume: 50_000 + tick * 300,
      positions: isArb ? { 'BTC/USDT': 0.5, 'BTC/USDT:USDT': -0.5 } : { 'BTC/USDT': Math.round((random() - 0.5) * 1e4) / 1e4 },
      winRate: 0.55,
      maxDrawdown: 12.5,
      maxDrawdownPct: 0.0012,
      sharpe: null,
      timeWeightedReturn: 0.0031,
      unpricedFees: {},
      isEstimated: false,
    },
    targetWeight: 1 / N,
    allocation: 10_000,
    figures,
  };
}

function instanceOf(s: StrategyView): InstanceView {
  return {
    id: s.id,
    type: s.type,
    account: s.account,
    mode: s.mode,
    running: true,
    health: s.health,
    symbols: s.type === 'funding_rate' ? ['BTC/USDT', 'BTC/USDT:USDT'] : ['BTC/USDT'],
    startTime: new Date(started).toISOString(),
  };
}

let seq = 0;
let tick = 0;
let strategies = ids.map((_, i) => strategyAt(i, Date.now(), 0));

function snapshot(): Snapshot {
  return {
    asOf: new Date().toISOString(),
    seq,
    totals: totalsOf(strategies, 'USDT', {}),
    strategies,
    instances: strategies.map(instanceOf),
  };
}

function history(): { asOf: string; series: Record<string, EquityPoint[]> } {
  const series: Record<string, EquityPoint[]> = {};
  for (const s of strategies) {
    series[s.id] = Array.from({ length: 120 }, (_, k) => {
      const v = Math.sin(k / 9 + s.id.length) * 20;
      return { t: started + k * 30_000, totalPnl: v, equity: 10_000 + v };
    });
  }
  return { asOf: new Date().toISOString(), series };
}

// ---- the server ----------------------------------------------------------------------------

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
};
const frameBytes: number[] = [];
let snapshotBytes = 0;
const clients = new Set<WebSocket>();

function sendJson(res: ServerResponse, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  if (url.pathname === '/api/portfolio') return sendJson(res, snapshot());
  if (url.pathname === '/api/portfolio/history') return sendJson(res, history());
  const rel = url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname).replace(/^\/+/, '');
  const full = normalize(join(OUT, rel));
  if (!full.startsWith(OUT + sep) || !existsSync(full) || !statSync(full).isFile()) {
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { code: 'not_found', message: url.pathname } }));
    return;
  }
  res.writeHead(200, { 'content-type': MIME[extname(full)] ?? 'application/octet-stream' });
  createReadStream(full).pipe(res);
});
const wss = new WebSocketServer({ noServer: true });
server.on('upgrade', (req, socket, head) => {
  wss.handleUpgrade(req, socket, head, (ws) => {
    const text = JSON.stringify({ type: 'snapshot', snapshot: snapshot() } satisfies StreamMessage);
    snapshotBytes = Buffer.byteLength(text);
    ws.send(text);
    clients.add(ws);
    ws.on('close', () => clients.delete(ws));
  });
});

/**
 * The host's own publisher makes the deltas, so the bench sends exactly what serve mode sends: per
 * strategy and instance only the top-level fields that changed since the last publish.
 */
const publisher = new Publisher();
// The first message a subscriber gets is the snapshot it starts from; the sockets get theirs on connect.
let isPrimed = false;
/** While not null, deltas are kept here instead of sent: the measured run's frames are made before it (see `main`). */
let outbox: string[] | null = null;

function publish(): void {
  publisher.publish(snapshot());
}

publisher.subscribe(snapshot(), (message) => {
  if (!isPrimed || message.type !== 'delta') {
    isPrimed = true;
    return;
  }
  seq = message.seq;
  const text = JSON.stringify(message);
  frameBytes.push(Buffer.byteLength(text));
  if (outbox !== null) outbox.push(text);
  else for (const ws of clients) ws.send(text);
});
seq = publisher.seq;

// ---- helpers -------------------------------------------------------------------------------

function pct(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}
const f1 = (v: number): string => (Number.isFinite(v) ? v.toFixed(1) : '—');
const mb = (bytes: number): string => (bytes / 1_048_576).toFixed(1);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface TraceEvent {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  /** Thread (CPU) time: unlike `dur`, it does not grow when other processes take the core. */
  tdur?: number;
  args?: { name?: string };
}

/**
 * Self time per event name on the renderer's main thread (CrRendererMain), from a Chromium trace:
 * an event's duration minus its children's, so style, layout, paint and script add up to the busy time.
 */
function mainThreadBreakdown(trace: Buffer): string {
  const events = (JSON.parse(trace.toString('utf8')) as { traceEvents: TraceEvent[] }).traceEvents;
  const main = events.find((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain');
  if (main === undefined) return 'trace: no renderer main thread';
  const spans = events
    .filter((e) => e.pid === main.pid && e.tid === main.tid && e.ph === 'X' && (e.dur ?? 0) > 0)
    .sort((a, b) => a.ts - b.ts || (b.dur ?? 0) - (a.dur ?? 0));
  const self = new Map<string, number>();
  const open: { end: number; name: string }[] = [];
  let busyWall = 0;
  let busyCpu = 0;
  for (const e of spans) {
    while (open.length > 0 && (open[open.length - 1] as { end: number }).end <= e.ts) open.pop();
    const parent = open[open.length - 1];
    if (parent === undefined) {
      busyWall += (e.dur ?? 0) / 1000;
      busyCpu += (e.tdur ?? 0) / 1000;
    }
    const dur = (e.dur ?? 0) / 1000;
    self.set(e.name, (self.get(e.name) ?? 0) + dur);
    if (parent !== undefined) self.set(parent.name, (self.get(parent.name) ?? 0) - dur);
    open.push({ end: e.ts + (e.dur ?? 0), name: e.name });
  }
  const lines = [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 20)
    .map(([k, v]) => `${v.toFixed(0).padStart(7)} ms  ${k}`);
  return [
    `main thread busy ${busyWall.toFixed(0)} ms wall, ${busyCpu.toFixed(0)} ms CPU (thread time); self time by event:`,
    ...lines,
  ].join('\n');
}

// ---- run -----------------------------------------------------------------------------------

async function main(): Promise<void> {
  console.log('building the renderer (vite build --mode profile → out/renderer-profile)…');
  if (process.env['BENCH_SKIP_BUILD'] !== '1')
    execFileSync(
      process.execPath,
      [
        join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'),
        'build',
        '--config',
        'renderer/vite.config.ts',
        '--mode',
        'profile',
        '--logLevel',
        'warn',
      ],
      {
        cwd: ROOT,
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      // BENCH_CHROMIUM_ARGS: extra flags for experiments (e.g. --js-flags=...), space-separated; none by default.
      ...(process.env['BENCH_CHROMIUM_ARGS'] ?? '').split(' ').filter((flag) => flag !== ''),
    ],
  });
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  // In-page code is passed as source text: this file is typechecked for Node, without the DOM library.
  await page.addInitScript(`
    // React's profiling build logs every component render to the performance timeline (console.timeStamp,
    // React 19.2's "Components" track); the production build users run does not, and with DevTools
    // attached it was a third of React's main-thread time here. React checks for it once, at load.
    console.timeStamp = undefined;
    // The trader's worst case: sorted by Total PnL, so the order can change on every delta.
    localStorage.setItem('stratdesk.prefs.v1', JSON.stringify({ sort: { key: 'total', dir: 'desc' } }));
    window.__longTasks = [];
    window.__longTaskAt = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        window.__longTasks.push(e.duration);
        window.__longTaskAt.push(e.startTime);
      }
    })
      .observe({ type: 'longtask', buffered: true });
  `);
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable');
  const heap = async (): Promise<number> => {
    await cdp.send('HeapProfiler.collectGarbage');
    const { metrics } = await cdp.send('Performance.getMetrics');
    return metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? NaN;
  };

  await page.goto(url);
  // Polled with evaluate: waitForFunction's string predicate needs eval, which the page's CSP refuses.
  for (
    let waited = 0;
    (await page.evaluate<string | null>(`document.querySelector('[data-testid="visible-count"]')?.textContent ?? null`)) !== String(N);
    waited += 100
  ) {
    if (waited > 30_000) throw new Error('the renderer never showed all strategies');
    await sleep(100);
  }
  const rowsInDom = await page.evaluate<number>(`document.querySelectorAll('tr[data-testid^="strategy-row-"]').length`);
  // Every delta of the run is made (strategies, the publisher's diff, JSON) before it starts, and only sent
  // during it: made on the fly, this process's own work and GC right after each send took one of the
  // machine's two cores from the renderer while it handled that very message (the renderer's main thread
  // was off the CPU for 1–6 ms of a 5–14 ms message, in a trace). Serve mode's host is likewise done with a
  // delta's work when it publishes it. BENCH_LIVE_SEND=1 makes them on the fly, as before.
  const isLiveSend = process.env['BENCH_LIVE_SEND'] === '1';
  const made = (at: number): void => {
    // busy: every instance but a random 2 % changes this second; calm: a random fifth.
    strategies = strategies.map((s, i) => (random() < CHANGING ? strategyAt(i, at, tick) : s));
    publish();
  };
  const frames: string[] = [];
  frameBytes.length = 0;
  if (!isLiveSend) {
    outbox = frames;
    // Stamped with the times they will be sent at (about: the heap is measured in between).
    const startAt = Date.now() + 2000;
    for (tick = 1; tick <= SECONDS; tick++) made(startAt + tick * 1000);
    outbox = null;
  }
  await sleep(1000);
  const heapStart = await heap();
  await page.evaluate(`(() => {
    const p = window.__stratdeskProfile;
    p.commits.length = 0;
    p.commitAt.length = 0;
    p.writes.length = 0;
    p.updates.length = 0;
    p.updateReact.length = 0;
    p.updateRows.length = 0;
    p.updateMoves.length = 0;
    p.updateReactMoves.length = 0;
    p.updateParts.length = 0;
    for (const k of Object.keys(p.parts)) delete p.parts[k];
    p.updateAt.length = 0;
    window.__benchStart = performance.now();
    p.updateToPaint.length = 0;
    window.__longTasks.length = 0;
    window.__longTaskAt.length = 0;
  })()`);

  console.log(`streaming: ${N} instances, ${DESCRIBED}, for ${SECONDS} s…`);
  // BENCH_CPUPROFILE=1: where the renderer's time goes (self time by function), for tuning only.
  const isCpuProfiling = process.env['BENCH_CPUPROFILE'] === '1';
  if (isCpuProfiling) {
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
    await cdp.send('Profiler.start');
  }
  // BENCH_ALLOCATIONS=1: where the renderer allocates (bytes by function, garbage included), for tuning only.
  // Every byte allocated brings the next young-generation GC nearer, and a GC that lands inside React's render
  // is counted in its commit: allocation is the p95's main lever (see docs/BENCHMARKS.md).
  const isSamplingAllocations = process.env['BENCH_ALLOCATIONS'] === '1';
  if (isSamplingAllocations)
    await cdp.send('HeapProfiler.startSampling', {
      samplingInterval: 1024,
      includeObjectsCollectedByMinorGC: true,
      includeObjectsCollectedByMajorGC: true,
    });
  // BENCH_TRACE=1: the renderer main thread's time by trace event (script, style, layout, paint…), for tuning only.
  const isTracing = process.env['BENCH_TRACE'] === '1';
  // BENCH_TRACE_CATEGORIES adds categories, comma-separated (e.g. disabled-by-default-devtools.timeline.invalidationTracking: why layout ran).
  const traceCategories = [
    'devtools.timeline',
    'disabled-by-default-devtools.timeline',
    ...(process.env['BENCH_TRACE_CATEGORIES'] ?? '').split(','),
  ];
  if (isTracing) await browser.startTracing(page, { categories: traceCategories.filter((category) => category !== '') });
  for (tick = 1; tick <= SECONDS; tick++) {
    if (isLiveSend) made(Date.now());
    else for (const ws of clients) ws.send(frames[tick - 1] as string);
    await sleep(1000);
  }
  await sleep(1000);
  if (isCpuProfiling) {
    const { profile } = await cdp.send('Profiler.stop');
    // For DevTools' Performance panel (load the file) or a closer look than the two lists below.
    writeFileSync(join(ROOT, 'out', 'renderer.cpuprofile'), JSON.stringify(profile));
    const self = new Map<string, number>();
    const total = new Map<string, number>();
    const dt = new Map<number, number>();
    profile.samples?.forEach((id, k) => dt.set(id, (dt.get(id) ?? 0) + (profile.timeDeltas?.[k] ?? 0)));
    const byId = new Map(profile.nodes.map((node) => [node.id, node]));
    const keyOf = (id: number): string => {
      const frame = (byId.get(id) as (typeof profile.nodes)[number]).callFrame;
      return `${frame.functionName || '(anon)'} ${frame.url.split('/').pop()}:${frame.lineNumber}`;
    };
    // Inclusive time: a node's own samples plus its subtree's, counted once per function on a stack (recursion).
    const inclusive = (id: number, onStack: Set<string>): number => {
      const node = byId.get(id) as (typeof profile.nodes)[number];
      const key = keyOf(id);
      const isOuter = !onStack.has(key);
      if (isOuter) onStack.add(key);
      let sum = (dt.get(id) ?? 0) / 1000;
      for (const child of node.children ?? []) sum += inclusive(child, onStack);
      if (isOuter) {
        onStack.delete(key);
        total.set(key, (total.get(key) ?? 0) + sum);
      }
      self.set(key, (self.get(key) ?? 0) + (dt.get(id) ?? 0) / 1000);
      return sum;
    };
    inclusive((profile.nodes[0] as (typeof profile.nodes)[number]).id, new Set());
    const top = (times: Map<string, number>): string =>
      [...times.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, Number(process.env['BENCH_TOP'] ?? 25))
        .map(([k, v]) => `${v.toFixed(0).padStart(7)} ms  ${k}`)
        .join('\n');
    console.log(`self time:\n${top(self)}\n\ntotal time (with callees):\n${top(total)}`);
  }
  if (isSamplingAllocations) {
    const { profile } = await cdp.send('HeapProfiler.stopSampling');
    const bytes = new Map<string, number>();
    let all = 0;
    const walk = (node: typeof profile.head): void => {
      const frame = node.callFrame;
      const key = `${frame.functionName || '(anon)'} ${frame.url.split('/').pop()}:${frame.lineNumber}`;
      bytes.set(key, (bytes.get(key) ?? 0) + node.selfSize);
      all += node.selfSize;
      for (const child of node.children) walk(child);
    };
    walk(profile.head);
    const perDelta = (b: number): string => `${(b / 1024 / SECONDS).toFixed(0).padStart(6)} KB`;
    console.log(
      `allocated per delta (sampled, garbage included): ${perDelta(all)}; by function:\n` +
        [...bytes.entries()]
          .sort((a, b) => b[1] - a[1])
          .slice(0, Number(process.env['BENCH_TOP'] ?? 25))
          .map(([k, v]) => `${perDelta(v)}  ${k}`)
          .join('\n'),
    );
  }
  if (isTracing) {
    const trace = await browser.stopTracing();
    // For DevTools' Performance panel (load the file), like the CPU profile.
    writeFileSync(join(ROOT, 'out', 'renderer.trace.json'), trace);
    console.log(mainThreadBreakdown(trace));
  }
  const heapEnd = await heap();
  const run = await page.evaluate<Omit<ProfileData, 'frames'> & { longTasks: number[]; longTaskAt: number[] }>(
    `({ commits: [...window.__stratdeskProfile.commits], commitAt: window.__stratdeskProfile.commitAt.map((t) => t - window.__benchStart), writes: [...window.__stratdeskProfile.writes], updates: [...window.__stratdeskProfile.updates], updateReact: [...window.__stratdeskProfile.updateReact], updateRows: [...window.__stratdeskProfile.updateRows], updateMoves: [...window.__stratdeskProfile.updateMoves], updateReactMoves: [...window.__stratdeskProfile.updateReactMoves], updateParts: [...window.__stratdeskProfile.updateParts], parts: { ...window.__stratdeskProfile.parts }, updateAt: window.__stratdeskProfile.updateAt.map((t) => t - window.__benchStart), updateToPaint: [...window.__stratdeskProfile.updateToPaint], longTasks: [...window.__longTasks], longTaskAt: window.__longTaskAt.map((t) => t - window.__benchStart) })`,
  );
  // The first seconds run cold code (V8 has not optimised the row renders yet); a window open for
  // hours lives in the warm part, so it is shown apart (the headline figure keeps every commit).
  const WARM_AFTER_MS = 10_000;
  const warm = run.updates.filter((_, k) => (run.updateAt[k] ?? 0) >= WARM_AFTER_MS);
  const warmReact = run.updateReact.filter((_, k) => (run.updateAt[k] ?? 0) >= WARM_AFTER_MS);

  // One instance changes: how many rows re-render?
  const renders = '({ ...window.__stratdeskRowRenders })';
  const countsBefore = await page.evaluate<Record<string, number>>(renders);
  // A row on screen; only its trade count moves, so the sort keeps it where it is.
  const onScreen = await page.evaluate<string>(
    `document.querySelector('tr[data-testid^="strategy-row-"]')?.getAttribute('data-testid')?.replace('strategy-row-', '') ?? ''`,
  );
  const target = Math.max(0, ids.indexOf(onScreen));
  const old = strategies[target] as StrategyView;
  const changed: StrategyView = { ...old, metrics: { ...old.metrics, tradeCount: old.metrics.tradeCount + 1 } };
  strategies = strategies.map((s, i) => (i === target ? changed : s));
  publish();
  await sleep(1000);
  const countsAfter = await page.evaluate<Record<string, number>>(renders);
  const rerendered = Object.keys(countsAfter).filter((id) => (countsAfter[id] ?? 0) !== (countsBefore[id] ?? 0));
  // The figure must still reach the screen: written into the row directly, not by a render.
  const shownCount = await page.evaluate<string | null>(
    `document.querySelector('tr[data-testid="strategy-row-${ids[target]}"] [data-testid="trade-count"]')?.getAttribute('data-value') ?? null`,
  );

  await browser.close();
  for (const ws of clients) ws.terminate();
  wss.close();
  server.close();

  const updatesP50 = pct(run.updates, 50);
  const updatesP95 = pct(run.updates, 95);
  const writesTotal = run.writes.reduce((a, b) => a + b, 0);
  const paintP50 = pct(run.updateToPaint, 50);
  const paintP95 = pct(run.updateToPaint, 95);
  const long = run.longTasks;
  const avgBytes = frameBytes.reduce((a, b) => a + b, 0) / Math.max(1, frameBytes.length);
  const rowRenders = run.updateRows.reduce((a, b) => a + b, 0);
  const reactTotal = run.commits.reduce((a, b) => a + b, 0);
  const parts = Object.entries(run.parts)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${f1(v)}`)
    .join(', ');
  const lines = [
    `### Renderer: ${N} instances, ${DESCRIBED}, ${SECONDS} s`,
    '',
    `Command: \`node bench/renderer.ts\` (BENCH_SECONDS / BENCH_INSTANCES override). Real built renderer (\`vite build --mode profile\`: React's`,
    `profiling build, so <Profiler> reports render times; the figures rows write straight into the DOM are timed around each write and`,
    `counted in the same delta's work) in Debian Chromium (headless, --disable-gpu), fed by an in-bench server that`,
    `speaks serve mode's protocol (snapshot, then one delta per second carrying ~98 % of the strategies). Table sorted by Total PnL (the order`,
    `can change every delta). Viewport 1440×900; the table is windowed: ${rowsInDom} of ${N} strategy rows in the DOM at a time.`,
    '',
    '| figure | value |',
    '| --- | --- |',
    `| render work per delta p50 / p95 / max (React commit + direct writes) | ${f1(updatesP50)} / ${f1(updatesP95)} / ${f1(Math.max(...run.updates))} ms (${run.updates.length} deltas) |`,
    `| the same after the first ${WARM_AFTER_MS / 1000} s p50 / p95 / max | ${f1(pct(warm, 50))} / ${f1(pct(warm, 95))} / ${f1(warm.length ? Math.max(...warm) : NaN)} ms (${warm.length} deltas) |`,
    `| of which React commits p50 / p95 | ${f1(pct(run.commits, 50))} / ${f1(pct(run.commits, 95))} ms (${run.commits.length} commits, Profiler actualDuration) |`,
    `| React's part of each delta after the first ${WARM_AFTER_MS / 1000} s p50 / p95 (the issue's own figure, warm) | ${f1(pct(warmReact, 50))} / ${f1(pct(warmReact, 95))} ms (${warmReact.length} deltas) |`,
    `| React's render time by part of the window | ${f1(reactTotal)} ms in all: ${parts} ms; the rest outside these parts |`,
    `| strategy rows rendered by React | ${rowRenders} (${(rowRenders / Math.max(1, run.updates.length)).toFixed(1)} per delta, max ${Math.max(0, ...run.updateRows)}) |`,
    `| table rows moved in the DOM to follow the sort | ${run.updateMoves.reduce((a, b) => a + b, 0)} (${(run.updateMoves.reduce((a, b) => a + b, 0) / Math.max(1, run.updates.length)).toFixed(1)} per delta, max ${Math.max(0, ...run.updateMoves)}; ${rowsInDom} strategy rows in the DOM); React's own keyed reordering would have moved ${run.updateReactMoves.reduce((a, b) => a + b, 0)} |`,
    `| of which direct writes | ${run.writes.length} writes, ${f1(writesTotal)} ms in all (${f1(writesTotal / Math.max(1, run.updates.length))} ms per delta) |`,
    `| stream message → next painted frame p50 / p95 | ${f1(paintP50)} / ${f1(paintP95)} ms (${run.updateToPaint.length} messages) |`,
    `| long tasks > 50 ms | ${long.length} (max ${f1(long.length ? Math.max(...long) : 0)} ms, total ${f1(long.reduce((a, b) => a + b, 0))} ms over ${SECONDS} s) |`,
    `| JS heap used, start → end (after GC) | ${mb(heapStart)} → ${mb(heapEnd)} MB |`,
    `| bytes per update crossing the bridge (WebSocket text frame) | avg ${Math.round(avgBytes).toLocaleString('en-US')} B, max ${Math.max(...frameBytes).toLocaleString('en-US')} B per delta (${(avgBytes / N).toFixed(0)} B per instance); snapshot ${snapshotBytes.toLocaleString('en-US')} B |`,
    `| a delta changing one instance's trade count | re-renders ${rerendered.length} row(s)${rerendered.length > 0 ? `: ${rerendered.join(', ')}` : ''}; the row shows ${shownCount ?? 'nothing'} (expected ${changed.metrics.tradeCount}, written directly) |`,
  ];
  // In arrival order: a lone slow commit (a GC, the history seed) reads differently from a slow trend.
  console.log(
    `render work per delta, ms, in order (React + direct writes / rows React rendered): ${run.updates.map((c, k) => `${(run.updateReact[k] ?? 0).toFixed(1)}+${(c - (run.updateReact[k] ?? 0)).toFixed(1)}/${run.updateRows[k] ?? 0}`).join(' ')}`,
  );
  // The React part of each delta split by the window's parts: a spike in one part reads differently from a spread.
  console.log(
    `React by part per delta, ms, in order: ${run.updateParts
      .map((p) =>
        Object.entries(p)
          .map(([k, v]) => `${k[0]}${v.toFixed(1)}`)
          .join(','),
      )
      .join(' ')}`,
  );
  // When each long task began, after which stream message (the work that message caused is in the list above).
  if (long.length > 0)
    console.log(
      `long tasks: ${long
        .map((ms, k) => {
          const at = run.longTaskAt[k] ?? NaN;
          const after = run.updateAt.filter((t) => t <= at).length;
          return `${f1(ms)} ms at ${f1(at / 1000)} s (after message ${after}, ${f1(at - (run.updateAt[after - 1] ?? NaN))} ms later)`;
        })
        .join('; ')}`,
    );
  console.log('\n' + lines.join('\n'));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
  server.close();
});
