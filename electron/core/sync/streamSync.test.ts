/**
 * Streams first, REST fills the gaps (issue 12): real ccxt.pro streams and real ccxt REST sessions
 * against the simulator on loopback, a real SQLite ledger, the real PortfolioSync doing the gap reads.
 * Every fault leaves the ledger equal to the simulator's own record: each fill once, none missing —
 * on Binance (spot WebSocket API + USDⓈ-M listen key) and on Bybit v5 (one private stream for both).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator, type StreamFaultSpec } from '../../sim/simulator.ts';
import { binanceClient, bybitClient, type Binance, type Bybit } from '../../sim/testClient.ts';
import { systemClock } from '../clock.ts';
import { StrategyInstance } from '../engine/botEngine.ts';
import { createCcxtAccountStream } from '../exchange/ccxtStreams.ts';
import { createCcxtSession } from '../exchange/ccxtSession.ts';
import { Ledger } from '../ledger/ledger.ts';
import { silentLogger } from '../log.ts';
import { parseWorkspace } from '../workspace/workspace.ts';
import { PortfolioSync } from './portfolioSync.ts';
import { StreamSync, type StreamState } from './streamSync.ts';
import { watchDeps } from '../testing/watchDeps.ts';

const SPOT = 'BTC/USDT';
const PERP = 'BTC/USDT:USDT';
let cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const fn of cleanups.reverse()) await fn();
  cleanups = [];
});

async function until(what: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

type StreamExchange = 'binance' | 'bybit';

interface Rig {
  sim: Simulator;
  trader: Binance | Bybit;
  ledger: Ledger;
  streams: StreamSync;
  restSyncs: string[][];
  stored: string[][];
  states: Set<StreamState>;
  /** What StreamSync logged as a warning (message and reason). */
  warnings: string[];
  /** The ledger holds exactly the simulator's fills of the account (ids, amounts, prices, fees), each once. */
  matches: () => boolean;
  fault: (spec: StreamFaultSpec) => void;
}

async function rig(exchange: StreamExchange = 'binance', streamSecret = 's'): Promise<Rig> {
  const sim = await startSimulator({
    seed: 5,
    tickMs: 50,
    accounts: [
      {
        apiKey: 'k',
        secret: 's',
        balances: { USDT: 1_000_000, BTC: 10 },
        futuresUsdt: 1_000_000,
        ...(exchange === 'bybit' ? { dialect: 'bybit' as const } : {}),
      },
    ],
  });
  cleanups.push(() => sim.close());
  const trader =
    exchange === 'bybit'
      ? bybitClient(sim.url, { apiKey: 'k', secret: 's' })
      : binanceClient(sim.url, { apiKey: 'k', secret: 's' }, { linear: true });
  cleanups.push(() => trader.close());
  const startTime = new Date(Date.now() - 60_000).toISOString();
  const workspace = parseWorkspace({
    version: 2,
    syncIntervalMs: 60_000,
    accounts: [{ id: 'acc', exchange, apiBaseUrl: sim.url, credentials: { apiKey: 'k', secret: 's' } }],
    instances: [
      { id: 'spot1', type: 'fixed_spread', account: 'acc', mode: 'observe', symbols: [SPOT], startTime, params: {} },
      { id: 'perp1', type: 'funding_rate', account: 'acc', mode: 'observe', symbols: [PERP], startTime, params: {} },
    ],
    portfolio: { policy: 'target_weights', targets: {} },
  });
  const account = workspace.accounts[0];
  if (account === undefined) throw new Error('no account');
  const credentials = { apiKey: 'k', secret: 's' };
  const ledger = new Ledger(join(mkdtempSync(join(tmpdir(), 'streamsync-')), 'ledger.sqlite'));
  cleanups.push(() => ledger.close());
  const deps = watchDeps(ledger);
  const instances = workspace.instances.map((config) => {
    const session = createCcxtSession({ account, credentials, symbols: config.symbols });
    cleanups.push(() => session.close());
    return new StrategyInstance(config, session, null, deps);
  });
  const rest = new PortfolioSync({ clock: systemClock, ledger, log: silentLogger, intervalMs: 60_000, instances: () => instances });
  const restSyncs: string[][] = [];
  const stored: string[][] = [];
  const states = new Set<StreamState>();
  const warnings: string[] = [];
  const log = {
    ...silentLogger,
    warn: (message: string, fields?: Record<string, unknown>) => warnings.push(`${message}: ${String(fields?.['reason'] ?? '')}`),
  };
  const streams = new StreamSync({
    clock: systemClock,
    ledger,
    log,
    instances: () => instances,
    openStream: (_accountId, symbols) =>
      createCcxtAccountStream({
        account,
        credentials: { apiKey: 'k', secret: streamSecret },
        symbols,
        keepAliveMs: 200,
        maxPingPongMisses: 20,
        backoff: { baseMs: 50, maxMs: 200 },
      }),
    onFills: (ids) => stored.push(ids),
    requestRestSync: (ids) => {
      restSyncs.push(ids);
      void rest.syncNow(ids);
    },
    onHealth: (ids) => {
      for (const id of ids) states.add(streams.health(id).state);
    },
    stallAfterMs: 500,
    dropAfterMs: 1000,
    pollingAfterMs: 1000,
    checkEveryMs: 50,
  });
  cleanups.push(() => streams.stop());
  cleanups.push(() => rest.stop());
  await streams.start();
  // A stream refused on purpose never connects: the test watches it fail.
  if (streamSecret === 's') await until('both streams connected', () => streams.isStreaming('spot1') && streams.isStreaming('perp1'));
  // Bybit numbers a fill by its execId (REST and stream alike), not by the simulator's trade id: there
  // the record is matched by everything else, and a fill stored twice still shows as one row too many.
  const idOf = (id: number | string): string => (exchange === 'bybit' ? '' : String(id));
  const matches = (): boolean => {
    const want = [
      ...sim.trades('k', SPOT).map((t) => `${SPOT}|${idOf(t.id)}|${t.time}|${t.qty}|${t.price}|${t.commission}`),
      ...sim.perpTrades('k', PERP).map((t) => `${PERP}|${idOf(t.id)}|${t.time}|${t.qty}|${t.price}|${t.commission}`),
    ].sort();
    const have = [...ledger.fillsFor('spot1'), ...ledger.fillsFor('perp1')]
      .map((f) => `${f.symbol}|${idOf(f.id)}|${f.timestamp}|${f.amount}|${f.price}|${f.fees.reduce((sum, l) => sum + l.amount, 0)}`)
      .sort();
    return want.length > 0 && JSON.stringify(want) === JSON.stringify(have);
  };
  return { sim, trader, ledger, streams, restSyncs, stored, states, warnings, matches, fault: (spec) => void sim.streamFault(spec) };
}

/** A burst of taker fills on both markets, with `between` run after the `at`-th order. */
async function burst(r: Rig, n: number, at = -1, between: () => Promise<void> | void = () => {}): Promise<void> {
  for (let i = 0; i < n; i++) {
    await r.trader.createOrder(SPOT, 'market', i % 2 === 0 ? 'buy' : 'sell', 0.01);
    await r.trader.createOrder(PERP, 'market', i % 2 === 0 ? 'buy' : 'sell', 0.01);
    if (i === at) await between();
  }
}

describe.each<StreamExchange>(['binance', 'bybit'])('StreamSync on %s: streams first, REST fills the gaps', (exchange) => {
  it('stores each streamed fill once, through the ledger, and says so at once without a REST read', async () => {
    const r = await rig(exchange);
    const readsBefore = r.restSyncs.length;
    await burst(r, 3);
    await until('the ledger to hold the fills', r.matches);
    expect(r.restSyncs.length).toBe(readsBefore);
    expect(r.stored.flat()).toEqual(expect.arrayContaining(['spot1', 'perp1']));
    expect(r.streams.health('spot1')).toMatchObject({ state: 'connected', reconnects: 0 });
    // Both say funding was paid (Binance's ACCOUNT_UPDATE, Bybit's Funding execution row).
    expect(r.streams.isFundingStreamed('perp1')).toBe(true);
    expect(r.streams.isFundingStreamed('spot1')).toBe(true);
  });

  it('a stream cut in the middle of a burst: the gap is read by REST on reconnect, each fill stored once', async () => {
    const r = await rig(exchange);
    const readsBefore = r.restSyncs.length;
    await burst(r, 6, 1, () => r.fault({ kind: 'disconnect' }));
    await until('ledger = simulator', r.matches);
    expect(r.restSyncs.length).toBeGreaterThan(readsBefore);
    await until('streams back', () => r.streams.isStreaming('spot1') && r.streams.isStreaming('perp1'));
    expect(r.streams.health('spot1').reconnects).toBeGreaterThan(0);
    expect(r.states.has('reconnecting')).toBe(true);
    expect(r.matches()).toBe(true);
  });

  it('a silent stall shows as stalled, is dropped, and REST reads what it swallowed', async () => {
    const r = await rig(exchange);
    r.fault({ kind: 'stall' });
    await burst(r, 3);
    await until('the stall to show', () => r.streams.health('spot1').state === 'stalled');
    expect(r.streams.health('spot1').stalledSeconds).toBeGreaterThanOrEqual(0);
    await until('ledger = simulator', r.matches);
    await until('streams back', () => r.streams.isStreaming('spot1') && r.streams.isStreaming('perp1'));
    // Dropped by StreamSync's own stall rule (not left to ccxt's slower keep-alive), and a drop is not a refusal.
    expect(r.warnings.some((w) => w.startsWith('stream: dropped: no sign of life'))).toBe(true);
    expect(r.warnings.filter((w) => w.startsWith('stream: could not connect'))).toEqual([]);
  });

  it('duplicated events store each fill once', async () => {
    const r = await rig(exchange);
    r.fault({ kind: 'duplicate', count: 20 });
    await burst(r, 3);
    await until('ledger = simulator', r.matches);
    expect(r.ledger.countFills()).toBe(r.sim.trades('k').length + r.sim.perpTrades('k').length);
  });

  it('events out of order store every fill', async () => {
    const r = await rig(exchange);
    r.fault({ kind: 'reorder', count: 6 });
    await burst(r, 4);
    await until('ledger = simulator', r.matches);
  });
});

describe('StreamSync: Binance listen key', () => {
  it('an expired listen key: the stream takes a new key, REST reads the gap', async () => {
    const r = await rig();
    await burst(r, 4, 0, () => r.fault({ kind: 'expireListenKey' }));
    await until('ledger = simulator', r.matches);
    await until('USDⓈ-M stream back', () => r.streams.isStreaming('perp1'));
    expect(r.streams.health('perp1').reconnects).toBeGreaterThan(0);
    expect(r.sim.streamStats().listenKeys).toBe(1);
  });
});

describe.each<[StreamExchange, RegExp]>([
  ['binance', /Signature for this request is not valid/],
  // Bybit's watch asks REST whether the account is unified before it opens the socket: the key is refused there first.
  ['bybit', /error sign!|Params Error/],
])('StreamSync on %s: a refused subscription', (exchange, refusal) => {
  it('a bad signature: logged once, the instance reconnects then polls, no unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    cleanups.push(() => void process.off('unhandledRejection', onUnhandled));
    const r = await rig(exchange, 'wrong');
    await until('the refusal to show', () => r.streams.health('spot1').lastError !== null);
    expect(r.streams.health('spot1')).toMatchObject({ state: 'reconnecting', lastError: expect.stringMatching(refusal) as unknown });
    await until('polling', () => r.streams.health('spot1').state === 'polling');
    // Retried meanwhile (backoff 50–200 ms), said once.
    const said = r.warnings.filter((w) => w.startsWith('stream: could not connect'));
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(refusal);
    await new Promise((resolve) => setImmediate(resolve));
    expect(unhandled).toEqual([]);
    // Binance's listen-key socket carries no signature: USDⓈ-M streams on. Bybit's one stream carries both.
    if (exchange === 'binance') await until('USDⓈ-M streaming', () => r.streams.isStreaming('perp1'));
    else expect(r.streams.health('perp1').state).toBe('polling');
  });
});
