/**
 * Late fills and full recomputes at 1 M fills, through the sync's own fold (InstanceFold: per symbol,
 * checkpoints) on a real SQLite ledger.
 * `node --expose-gc bench/foldLate.ts [fills]` — prints numbers, never fails on timing.
 *
 * The design's own case first: a funding arbitrage, one instance trading a spot and a perpetual leg
 * (half the fills each). Then one symbol, as the older bench/fold.ts measured.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { FeeLine, Fill } from '../electron/core/exchange/types.ts';
import { Ledger, type FillRow } from '../electron/core/ledger/ledger.ts';
import { InstanceFold, type FoldSource } from '../electron/core/metrics/instanceFold.ts';
import { emptyFold, foldFill, toMetrics } from '../electron/core/metrics/pnl.ts';

const N = Number(process.argv[2] ?? 1_000_000);
const T0 = Date.UTC(2026, 0, 1);
const STEP_MS = 50;

function makeFills(n: number, symbols: string[]): Fill[] {
  let seed = 42;
  const rnd = () => (seed = (seed * 1664525 + 1013904223) >>> 0) / 4294967296;
  let price = 68_000;
  const out: Fill[] = [];
  for (let i = 0; i < n; i++) {
    price *= 1 + (rnd() - 0.5) * 0.001;
    const amount = Math.round((0.001 + rnd() * 0.05) * 1e5) / 1e5;
    const isBuy = rnd() < 0.5;
    const symbol = symbols[i % symbols.length] as string;
    out.push({
      id: String(i + 1),
      orderId: String(Math.floor(i / 2) + 1),
      symbol,
      side: isBuy ? 'buy' : 'sell',
      price,
      amount,
      cost: price * amount,
      fees: [
        isBuy && !symbol.includes(':')
          ? { currency: 'BTC', amount: amount * 0.0002 }
          : { currency: 'USDT', amount: price * amount * 0.0002 },
      ],
      timestamp: T0 + i * STEP_MS,
      isMaker: true,
    });
  }
  return out;
}

const ms = (t: number) => `${(performance.now() - t).toFixed(0)} ms`;
/** CPU time of this (single-threaded) process, ms: on a shared, loaded machine closer to what an idle one takes than wall time. */
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

function run(label: string, symbols: string[]): void {
  console.log(`\n== ${label}: ${N.toLocaleString()} fills on ${symbols.join(' + ')}`);
  const dir = mkdtempSync(join(tmpdir(), 'bench-late-'));
  const path = join(dir, 'ledger.sqlite');
  const ledger = new Ledger(path);
  let t = performance.now();
  const fills: Fill[] = makeFills(N, symbols);
  for (let i = 0; i < N; i += 20_000) {
    ledger.appendFills(
      { exchange: 'binance', account: 'a', fills: fills.slice(i, i + 20_000).map((fill) => ({ fill, instanceId: 'arb' })), cursor: null },
      0,
    );
  }
  console.log(`ledger written in ${ms(t)}`);
  fills.length = 0;
  globalThis.gc?.();
  const source: FoldSource = {
    eachFill: (fn) => ledger.eachFoldFill('arb', fn),
    eachFillOfSymbol: (symbol, fromTs, fn) => ledger.eachFillOfSymbol('arb', symbol, fromTs, fn),
  };

  // Before: every column, an object per row, JSON.parse of every fee (what the recompute did until now).
  const db = new DatabaseSync(path, { readOnly: true });
  const before: number[] = [];
  const beforeCpu: number[] = [];
  let beforeFold = emptyFold('USDT');
  for (let r = 0; r < 2; r++) {
    t = performance.now();
    const c = cpu();
    beforeFold = emptyFold('USDT');
    for (const row of db.prepare('SELECT * FROM fills WHERE instance_id = ? ORDER BY ts, CAST(id AS INTEGER), id').iterate('arb')) {
      const x = row as unknown as FillRow;
      foldFill(beforeFold, {
        id: x.id,
        orderId: x.order_id,
        symbol: x.symbol,
        side: x.side,
        price: x.price,
        amount: x.amount,
        cost: x.cost,
        fees: JSON.parse(x.fees) as FeeLine[],
        timestamp: Number(x.ts),
        isMaker: x.is_maker === null ? null : x.is_maker === 1,
      });
    }
    before.push(performance.now() - t);
    beforeCpu.push(cpu() - c);
  }
  db.close();
  console.log(
    `full recompute, before (SELECT *, JSON.parse per fee, one fold): wall median ${median(before).toFixed(0)} ms of ${before.map((x) => x.toFixed(0)).join(', ')}; CPU median ${median(beforeCpu).toFixed(0)} ms`,
  );

  // After: the sync's recompute (only the fold's columns, rows as arrays, the one-fee shape read directly; per symbol with checkpoints).
  const after: number[] = [];
  const afterCpu: number[] = [];
  let book = new InstanceFold('USDT');
  for (let r = 0; r < 3; r++) {
    t = performance.now();
    const c = cpu();
    book = new InstanceFold('USDT');
    book.recompute(source);
    after.push(performance.now() - t);
    afterCpu.push(cpu() - c);
  }
  console.log(
    `full recompute, after (InstanceFold.recompute): wall median ${median(after).toFixed(0)} ms of ${after.map((x) => x.toFixed(0)).join(', ')}; CPU median ${median(afterCpu).toFixed(0)} ms`,
  );
  const read: number[] = [];
  const readCpu: number[] = [];
  for (let r = 0; r < 3; r++) {
    t = performance.now();
    const c = cpu();
    ledger.eachFoldFill('arb', () => {});
    read.push(performance.now() - t);
    readCpu.push(cpu() - c);
  }
  // CPU as well as wall: on a shared machine the wall time of a read includes others' turns.
  console.log(
    `  of which reading the rows from SQLite: wall median ${median(read).toFixed(0)} ms; CPU median ${median(readCpu).toFixed(0)} ms`,
  );
  const marks = new Map(symbols.map((s) => [s, 68_000]));
  const a = toMetrics(book.state, marks, false);
  const b = toMetrics(beforeFold, marks, false);
  console.log(
    `  same figures as before: ${Math.abs(a.totalPnl - b.totalPnl) < 1e-6 && a.tradeCount === b.tradeCount} (total ${a.totalPnl.toFixed(2)} USDT)`,
  );

  // A late fill: the last symbol's fill indexed late, inside the sync's 5 s overlap (the case the sync meets), then deeper ones.
  const lastSymbol = symbols[symbols.length - 1] as string;
  const end = T0 + (N - 1) * STEP_MS;
  let nextId = N + 1;
  let rowid = ledger.maxRowid();
  for (const [what, ts] of [
    ['2 s before the newest fill (inside the overlap)', end - 2_000],
    ['1 h before the newest fill', end - 3_600_000],
    ['at the very start of the history (worst case)', T0 + 1],
  ] as const) {
    const times: number[] = [];
    const cpus: number[] = [];
    let refolded = 0;
    for (let r = 0; r < 3; r++) {
      const late: Fill = {
        id: String(nextId++),
        orderId: null,
        symbol: lastSymbol,
        side: 'buy',
        price: 68_000,
        amount: 0.001,
        cost: 68,
        fees: [],
        timestamp: ts + r,
        isMaker: true,
      };
      ledger.appendFills({ exchange: 'binance', account: 'a', fills: [{ fill: late, instanceId: 'arb' }], cursor: null }, 0);
      t = performance.now();
      const c = cpu();
      const before = book.refolded;
      // What the sync does: the rows after the last one folded, then the fold decides what to refold.
      const top = ledger.maxRowid();
      const rows = ledger.fillsAfter('arb', rowid);
      book.add(rows, source);
      rowid = Math.max(rowid, top);
      times.push(performance.now() - t);
      cpus.push(cpu() - c);
      refolded = book.refolded - before;
    }
    console.log(
      `late fill ${what}: wall median ${median(times).toFixed(1)} ms of ${times.map((x) => x.toFixed(1)).join(', ')}; CPU median ${median(cpus).toFixed(1)} ms; ${refolded.toLocaleString()} fills refolded (before: a full recompute)`,
    );
  }
  ledger.close();
  rmSync(dir, { recursive: true, force: true });
}

// How fast this machine is right now (docs/BENCHMARKS.md measured 129 ms for this on an idle one):
// on a shared, loaded machine every figure below scales with it.
{
  const calibration = makeFills(1_000_000, ['BTC/USDT']);
  const t = performance.now();
  const c = cpu();
  const fold = emptyFold('USDT');
  for (const f of calibration) foldFill(fold, f);
  console.log(`calibration: 1 M fills folded in memory in ${ms(t)} (CPU ${(cpu() - c).toFixed(0)} ms)`);
}
globalThis.gc?.();

run('funding arbitrage (the design case)', ['BTC/USDT', 'BTC/USDT:USDT']);
run('one symbol', ['BTC/USDT']);
