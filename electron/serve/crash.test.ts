/**
 * Crash safety (kill -9): the real serve process is SIGKILLed at random points while it trades and
 * syncs, 20 times, and restarted each time. Afterwards the ledger must hold exactly the fills the
 * exchange made (none lost, none twice), a clean observer run must compute the same money from
 * scratch, and the strategy paused before the first kill must still be paused.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Snapshot } from '../../shared/model.ts';
import { Ledger } from '../core/ledger/ledger.ts';
import { startSimulator, type Simulator } from '../sim/simulator.ts';

const CLI = join(import.meta.dirname, 'cli.ts');
const TOKEN = 'crash-test-token';
const KEY = 'crash-key';
const SECRET = 'crash-secret';
const KILLS = 20;

let sim: Simulator;
const children: ChildProcess[] = [];

beforeAll(async () => {
  sim = await startSimulator({
    port: 0,
    seed: 99,
    tickMs: 50,
    accounts: [{ apiKey: KEY, secret: SECRET, balances: { USDT: 1_000_000, BTC: 10, ETH: 100 } }],
  });
});

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await sim?.close();
});

function workspace(mode: 'live' | 'observe', startTime: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'crash-ws-'));
  const file = join(dir, 'workspace.json');
  const instance = (id: string, symbol: string) => ({
    id,
    type: 'fixed_spread',
    account: 'sim',
    mode,
    symbols: [symbol],
    startTime,
    autoStart: true,
    params: { spreadBps: 6, requoteBps: 2, orderFraction: 0.05, intervalMs: 150, capital: 20_000 },
  });
  writeFileSync(
    file,
    JSON.stringify({
      version: 2,
      syncIntervalMs: 250,
      accounts: [{ id: 'sim', exchange: 'binance', apiBaseUrl: sim.url, credentials: { apiKey: KEY, secret: SECRET } }],
      instances: [instance('mm-a', 'BTC/USDT'), instance('mm-b', 'ETH/USDT')],
    }),
  );
  return file;
}

async function serve(ws: string, dataDir: string): Promise<{ child: ChildProcess; api: <T>(path: string, method?: string) => Promise<T> }> {
  const child = spawn(process.execPath, [CLI, '--workspace', ws, '--data-dir', dataDir, '--port', '0', '--token', TOKEN], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start:\n${out}`)), 30_000);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = out.match(/stratdesk listening on (http:\/\/127\.0\.0\.1:\d+)/);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`serve exited (${String(code ?? signal)}):\n${out}`));
    });
  });
  const api = async <T>(path: string, method = 'GET'): Promise<T> => {
    const res = await fetch(url + path, { method, headers: { authorization: `Bearer ${TOKEN}` } });
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  return { child, api };
}

async function kill9(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  await exited;
}

/** mulberry32: the kill points are random but the same every run. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const money = (s: Snapshot, id: string) => {
  const m = s.strategies.find((x) => x.id === id)?.metrics;
  return m && { realizedPnl: m.realizedPnl, fees: m.fees, tradeCount: m.tradeCount, volume: m.volume, positions: m.positions };
};

describe('kill -9 during sync', () => {
  it(`loses and duplicates nothing over ${KILLS} kills, matches a clean run, keeps paused paused`, async () => {
    const startTime = new Date(Date.now() - 1000).toISOString();
    const liveWs = workspace('live', startTime);
    const dataDir = mkdtempSync(join(tmpdir(), 'crash-data-'));
    const random = prng(20261125);

    const first = await serve(liveWs, dataDir);
    await new Promise((r) => setTimeout(r, 1500));
    await first.api('/api/strategies/mm-b/pause', 'POST');
    await new Promise((r) => setTimeout(r, 300 + random() * 500));
    await kill9(first.child);

    for (let i = 1; i < KILLS; i++) {
      const run = await serve(liveWs, dataDir);
      if (i % 5 === 0) {
        const snap = await run.api<Snapshot>('/api/portfolio');
        expect(snap.strategies.find((s) => s.id === 'mm-b')?.status, `after restart ${i}`).toBe('paused');
      }
      await new Promise((r) => setTimeout(r, 200 + random() * 1000));
      await kill9(run.child);
    }

    // The last run: stop trading (pause cancels the instance's orders, including ones a killed run placed
    // but never journaled, recognised by their client order id), then sync what happened.
    const last = await serve(liveWs, dataDir);
    await last.api('/api/strategies/mm-a/pause', 'POST');
    await new Promise((r) => setTimeout(r, 500));
    await last.api('/api/strategies/mm-a/pause', 'POST');
    const final = await last.api<Snapshot>('/api/portfolio');
    expect(final.strategies.map((s) => [s.id, s.status])).toEqual([
      ['mm-a', 'paused'],
      ['mm-b', 'paused'],
    ]);

    const ledger = new Ledger(join(dataDir, 'ledger.sqlite'));
    try {
      for (const [id, symbol] of [
        ['mm-a', 'BTC/USDT'],
        ['mm-b', 'ETH/USDT'],
      ] as const) {
        const exchange = sim
          .trades(KEY, symbol)
          .filter((t) => t.time >= Date.parse(startTime))
          .map((t) => String(t.id))
          .sort();
        const ours = ledger
          .fillsFor(id)
          .map((f) => f.id)
          .sort();
        expect(ours, `${id}: ledger vs the exchange's own record`).toEqual(exchange);
        expect(money(final, id)?.tradeCount).toBe(exchange.length);
      }
      expect(ledger.fillsFor('mm-a').length).toBeGreaterThan(5);
    } finally {
      ledger.close();
    }
    await kill9(last.child);

    // A clean run from scratch, observing the same account: the same money.
    const clean = await serve(workspace('observe', startTime), mkdtempSync(join(tmpdir(), 'crash-clean-')));
    const fresh = await clean.api<Snapshot>('/api/portfolio');
    for (const id of ['mm-a', 'mm-b']) {
      const a = money(final, id);
      const b = money(fresh, id);
      expect(b?.tradeCount).toBe(a?.tradeCount);
      expect(b?.realizedPnl).toBeCloseTo(a?.realizedPnl ?? NaN, 6);
      expect(b?.fees).toBeCloseTo(a?.fees ?? NaN, 6);
      expect(b?.volume).toBeCloseTo(a?.volume ?? NaN, 6);
      expect(b?.positions).toEqual(a?.positions);
    }
    await kill9(clean.child);
  }, 240_000);
});
