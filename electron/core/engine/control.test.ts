/**
 * Control that never lies, against the simulator through real ccxt, with the simulator's book,
 * balances and positions as the judge (docs/ARCHITECTURE.md, "The failure table", lists the rows these prove):
 * cancels confirmed by reading the book and retried until it is clean, a lost create settled by its
 * client order id without placing twice, exposure that counts what the ledger does not hold yet,
 * control requests ahead of reads, loops that survive their own error handlers, a bounded quit.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { StillOpen } from '../../../shared/model.ts';
import type { Simulator } from '../../sim/simulator.ts';
import type { FaultSpec } from '../../sim/faults.ts';
import { systemClock } from '../clock.ts';
import { createCcxtSession } from '../exchange/ccxtSession.ts';
import type { ExchangeSession } from '../exchange/types.ts';
import { defaultBudgetTarget, WeightBudgetRegistry } from '../exchange/weightBudget.ts';
import { Ledger } from '../ledger/ledger.ts';
import { silentLogger, type Logger } from '../log.ts';
import { justNow, simRig, sleep, tempDir } from '../testing/simHost.ts';
import { parseWorkspace } from '../workspace/workspace.ts';
import { BotEngine, StrategyInstance, type EngineDeps } from './botEngine.ts';

const fixture = simRig();

const simulator = (extra: { fundingRate?: { mean: number; sd: number } } = {}): Promise<Simulator> =>
  fixture.simulator({
    seed: 21,
    tickMs: 50,
    accounts: [{ apiKey: 'k', secret: 's', balances: { USDT: 1_000_000, BTC: 20, ETH: 200 }, futuresUsdt: 1_000_000 }],
    ...(extra.fundingRate ? { fundingRate: extra.fundingRate } : {}),
  });

/** The judge's eyes on the simulator's account, on every symbol the tests trade. */
const judge = (sim: Simulator): ExchangeSession => fixture.judge(sim, { symbols: ['BTC/USDT', 'ETH/USDT', 'BTC/USDT:USDT'] });

interface Rig {
  instance: StrategyInstance;
  ledger: Ledger;
  paused: Set<string>;
  errors: Error[];
  stillOpenSeen: StillOpen[][];
}

/** One instance with its real parts (ccxt session, SQLite ledger, system clock) and the host's glue kept minimal. */
function rig(
  sim: Simulator,
  spec: { id?: string; type?: 'fixed_spread' | 'funding_rate'; symbols?: string[]; params?: Record<string, unknown> },
  extra: { ledger?: Ledger; deps?: Partial<EngineDeps>; timeoutMs?: number; budgets?: WeightBudgetRegistry } = {},
): Rig {
  const id = spec.id ?? 'mm';
  const symbols = spec.symbols ?? ['BTC/USDT'];
  const config = parseWorkspace({
    version: 2,
    accounts: [{ id: 'a', exchange: 'binance', apiBaseUrl: sim.url, credentials: { apiKey: 'k', secret: 's' } }],
    instances: [
      {
        id,
        type: spec.type ?? 'fixed_spread',
        account: 'a',
        symbols,
        startTime: justNow(),
        // Quotes 1 % either side that are not moved for small moves: they rest, so the book is what the test made it.
        params:
          (spec.type ?? 'fixed_spread') === 'fixed_spread'
            ? { intervalMs: 150, spreadBps: 200, requoteBps: 50, orderFraction: 0.01, ...spec.params }
            : { ...spec.params },
      },
    ],
  }).instances[0];
  if (!config) throw new Error('no instance');
  const session = createCcxtSession({
    account: { id: 'a', exchange: 'binance', apiBaseUrl: sim.url },
    credentials: { apiKey: 'k', secret: 's' },
    symbols,
    budgets: extra.budgets ?? new WeightBudgetRegistry(),
    ...(extra.timeoutMs !== undefined ? { timeoutMs: extra.timeoutMs } : {}),
  });
  fixture.defer(() => session.close());
  let ledger = extra.ledger;
  if (!ledger) {
    const own = new Ledger(join(tempDir('control-'), 'ledger.sqlite'));
    fixture.defer(() => own.close());
    ledger = own;
  }
  const paused = new Set<string>();
  const errors: Error[] = [];
  const stillOpenSeen: StillOpen[][] = [];
  const instance: StrategyInstance = new StrategyInstance(config, session, null, {
    clock: systemClock,
    ledger,
    log: silentLogger,
    budget: () => 50_000,
    isPaused: (i) => paused.has(i),
    onFillsClaimed: () => undefined,
    position: (_i, symbol) => instance.exposure(symbol).position,
    onStepError: (_i, error) => errors.push(error),
    onStillOpenChanged: (_i, list) => stillOpenSeen.push(list),
    cancelRetry: { firstMs: 300, capMs: 1500 },
    ...extra.deps,
  });
  fixture.defer(() => instance.dispose());
  return { instance, ledger, paused, errors, stillOpenSeen };
}

async function until(what: string, check: () => Promise<boolean> | boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

const openOn = async (client: ExchangeSession, symbol: string) => client.fetchOpenOrders(symbol);
const cancelFault = (kind: FaultSpec['kind']): FaultSpec => ({ id: 'cancels', kind, route: '/api/v3/order', method: 'DELETE' });

/** The default instance (`rig(sim, {})`) started: its two resting quotes are on the book when this returns. */
async function quoting(beforeStart: (r: Rig) => void = () => undefined): Promise<Rig & { sim: Simulator; client: ExchangeSession }> {
  const sim = await simulator();
  const client = judge(sim);
  const r = rig(sim, {});
  beforeStart(r);
  r.instance.start();
  await until('two quotes on the book', async () => (await openOn(client, 'BTC/USDT')).length === 2);
  return { ...r, sim, client };
}

/** The funding arbitrage the order tests run: one leg is 0.2 × 50 000 of quote. */
const arb = {
  id: 'arb',
  type: 'funding_rate' as const,
  symbols: ['BTC/USDT', 'BTC/USDT:USDT'],
  params: { legFraction: 0.2, intervalMs: 300, entryApr: 0.1 },
};

/** The simulator holds one leg long in spot (over the 20 BTC it started with) and one short on the perpetual, within 1 %. */
async function expectOneLegEach(sim: Simulator, client: ExchangeSession): Promise<void> {
  const leg = (0.2 * 50_000) / sim.price('BTC/USDT');
  const balance = (await client.fetchBalance?.('spot'))?.find((b) => b.currency === 'BTC')?.total ?? 0;
  const short = sim.positions('k').find((p) => p.symbol === 'BTCUSDT')?.positionAmt ?? 0;
  expect(Math.abs(balance - 20 - leg) / leg).toBeLessThan(0.01);
  expect(Math.abs(-short - leg) / leg).toBeLessThan(0.01);
}

describe('cancels confirmed on the exchange', () => {
  it('stop with cancels answering 503 answers stillOpen; once cancels work the book empties with no further call', async () => {
    const { sim, client, instance, stillOpenSeen } = await quoting();
    sim.addFaults([cancelFault('503')]);
    const stillOpen = await instance.stop();
    expect(stillOpen).toHaveLength(2);
    expect(stillOpen[0]).toMatchObject({ instance: 'mm', symbol: 'BTC/USDT' });
    expect(stillOpen[0]?.why).toMatch(/cancel failed/);
    expect(await openOn(client, 'BTC/USDT')).toHaveLength(2);
    expect(instance.stillOpen()).toHaveLength(2);
    // Retries keep failing while the exchange does; the book is untouched.
    await sleep(1000);
    expect(await openOn(client, 'BTC/USDT')).toHaveLength(2);
    sim.clearFaults('cancels');
    // The retry cap here is 1.5 s (the host passes two sync intervals at most): no command is sent again.
    await until('the book to be clean', async () => (await openOn(client, 'BTC/USDT')).length === 0, 4000);
    await until('stillOpen to clear', () => instance.stillOpen().length === 0, 2000);
    expect(stillOpenSeen.at(-1)).toEqual([]);
    expect(stillOpenSeen.some((list) => list.length === 2)).toBe(true);
  }, 60_000);

  it('pause with cancels rate-limited (429) answers stillOpen and the retries clear the book; nothing new is placed', async () => {
    const { sim, client, instance, paused } = await quoting();
    sim.addFaults([{ ...cancelFault('429'), retryAfterSec: 1 }]);
    paused.add('mm');
    const stillOpen = await instance.cancelAll('pause');
    expect(stillOpen.length).toBeGreaterThan(0);
    expect(await openOn(client, 'BTC/USDT')).toHaveLength(2);
    sim.clearFaults('cancels');
    await until('the book to be clean', async () => (await openOn(client, 'BTC/USDT')).length === 0, 4000);
    // Still running, paused: it keeps the book empty.
    await sleep(600);
    expect(await openOn(client, 'BTC/USDT')).toEqual([]);
    expect(instance.isRunning).toBe(true);
  }, 60_000);

  it('one order cancelled from the detail view: gone from the book, or listed still open while the exchange fails', async () => {
    const { sim, client, instance, paused } = await quoting();
    paused.add('mm'); // so the strategy does not re-quote what the test cancels
    const [first, second] = await instance.openOrders();
    if (!first || !second) throw new Error('expected two orders');
    expect(await instance.cancelOrder(first.id, 'BTC/USDT')).toEqual([]);
    expect((await openOn(client, 'BTC/USDT')).map((o) => o.id)).toEqual([second.id]);
    sim.addFaults([cancelFault('503')]);
    expect(await instance.cancelOrder(second.id, 'BTC/USDT')).toMatchObject([
      { orderId: second.id, why: expect.stringMatching(/cancel failed/) },
    ]);
    sim.clearFaults('cancels');
    await until('the book to be clean', async () => (await openOn(client, 'BTC/USDT')).length === 0, 4000);
    await expect(instance.cancelOrder('999999', 'BTC/USDT')).rejects.toThrow(/not an order of mm/);
  }, 60_000);

  it('a key refused while cancelling becomes the instance error and the retries stop', async () => {
    const { sim, client, instance, errors } = await quoting();
    sim.addFaults([cancelFault('401')]);
    const stillOpen = await instance.stop();
    expect(stillOpen).toHaveLength(2);
    expect(stillOpen[0]?.why).toMatch(/key was refused/);
    expect(errors.some((e) => /authentication failed/.test(e.message))).toBe(true);
    const tried = sim.faults().find((f) => f.id === 'cancels')?.matched ?? 0;
    await sleep(2000);
    expect(sim.faults().find((f) => f.id === 'cancels')?.matched).toBe(tried);
    expect(await openOn(client, 'BTC/USDT')).toHaveLength(2);
  }, 60_000);

  it("Stop all uses the exchange's cancel-all only where an instance is alone on its account and symbol", async () => {
    const sim = await simulator();
    const client = judge(sim);
    const ledger = new Ledger(join(tempDir('control-'), 'ledger.sqlite'));
    fixture.defer(() => ledger.close());
    const engine = new BotEngine();
    const alone = rig(sim, { id: 'alone', symbols: ['BTC/USDT'] }, { ledger });
    const shareA = rig(sim, { id: 'share-a', symbols: ['ETH/USDT'] }, { ledger });
    const shareB = rig(sim, { id: 'share-b', symbols: ['ETH/USDT'], params: { spreadBps: 300 } }, { ledger });
    for (const r of [alone, shareA, shareB]) {
      engine.add(r.instance);
      r.instance.start();
    }
    // Counts cancel-all requests without failing them.
    sim.addFaults([{ id: 'cancel-all', kind: '500', route: '/api/v3/openOrders', method: 'DELETE', rate: 0 }]);
    await until(
      'quotes of all three',
      async () => (await openOn(client, 'BTC/USDT')).length === 2 && (await openOn(client, 'ETH/USDT')).length === 4,
    );
    const stillOpen = await engine.stopAll();
    expect(stillOpen).toEqual([]);
    expect(await openOn(client, 'BTC/USDT')).toEqual([]);
    expect(await openOn(client, 'ETH/USDT')).toEqual([]);
    expect(sim.faults().find((f) => f.id === 'cancel-all')?.matched).toBe(1);
  }, 60_000);

  it('after a crash, a restarted instance recognises its orders on the book and its stop cancels them', async () => {
    const { sim, client, ...first } = await quoting();
    first.instance.dispose(); // the process died: nothing was cancelled
    await sleep(500); // a step in flight when it died settles
    const second = rig(sim, {}, { ledger: first.ledger });
    expect(await second.instance.openOrders()).toHaveLength(2);
    expect(await second.instance.stop()).toEqual([]);
    expect(await openOn(client, 'BTC/USDT')).toEqual([]);
  }, 60_000);

  it('a pause cut short by a quit: the paused instance cancels its orders when it starts again', async () => {
    const { sim, client, ...first } = await quoting();
    first.instance.dispose(); // paused, then the process died before its cancels went out
    await sleep(500);
    const second = rig(sim, {}, { ledger: first.ledger });
    second.paused.add('mm');
    second.instance.start();
    await until('the book to be clean', async () => (await openOn(client, 'BTC/USDT')).length === 0, 5000);
    await sleep(500);
    expect(await openOn(client, 'BTC/USDT')).toEqual([]);
  }, 60_000);

  it('a quit is bounded: cancels that hang answer as unconfirmed still-open orders', async () => {
    const engine = new BotEngine();
    const { sim, client } = await quoting((r) => engine.add(r.instance));
    sim.addFaults([cancelFault('timeout')]);
    const stillOpen = await engine.shutdown(1500);
    // Every order the exchange still shows is in the answer (unconfirmed: the time ran out).
    const book = await openOn(client, 'BTC/USDT');
    expect(book).toHaveLength(2);
    expect(stillOpen.map((s) => s.orderId)).toEqual(expect.arrayContaining(book.map((o) => o.id)));
    expect(stillOpen[0]?.why).toMatch(/quit before the exchange confirmed/);
  }, 60_000);
});

describe('orders placed once', () => {
  it('a create whose answer is lost (the exchange placed it after the client timed out) is found by its client order id, never sent twice', async () => {
    const sim = await simulator({ fundingRate: { mean: 0.0003, sd: 0.00001 } });
    const client = judge(sim);
    // The spot order is answered 2.5 s late; the client gives up at 1 s.
    sim.addFaults([{ id: 'slow-create', kind: 'latency', route: '/api/v3/order', method: 'POST', latency: { dist: 'fixed', ms: 2500 } }]);
    const { instance, errors } = rig(sim, arb, { timeoutMs: 1000 });
    instance.start();
    await until('the slow create to be sent', () => (sim.faults().find((f) => f.id === 'slow-create')?.fired ?? 0) >= 1);
    sim.clearFaults('slow-create');
    await until('the hedge', () => sim.positions('k').some((p) => p.symbol === 'BTCUSDT' && p.positionAmt < 0), 20_000);
    await sleep(1500);
    await instance.stop('shutdown');
    expect(errors.some((e) => /timed? ?out/i.test(e.message))).toBe(true);
    const spotOrders = new Set(sim.trades('k', 'BTC/USDT').map((t) => t.orderId));
    expect(spotOrders.size).toBe(1);
    await expectOneLegEach(sim, client);
    expect(await openOn(client, 'BTC/USDT')).toEqual([]);
  }, 60_000);
});

describe('orders placed once (5xx)', () => {
  it('a create answered 503 that never reached the book is taken as never placed once the lookup settles, then placed once', async () => {
    const sim = await simulator({ fundingRate: { mean: 0.0003, sd: 0.00001 } });
    const client = judge(sim);
    sim.addFaults([{ id: 'refused-create', kind: '503', route: '/api/v3/order', method: 'POST' }]);
    const { instance, errors } = rig(sim, arb, { deps: { lostOrderSettleMs: 1500 } });
    instance.start();
    await until('the failed create', () => (sim.faults().find((f) => f.id === 'refused-create')?.fired ?? 0) >= 1);
    sim.clearFaults('refused-create');
    // While its fate is unknown the arbitrage places nothing more on either leg.
    await sleep(800);
    expect(sim.trades('k', 'BTC/USDT')).toEqual([]);
    expect(sim.positions('k').filter((p) => p.positionAmt !== 0)).toEqual([]);
    await until('the hedge', () => sim.positions('k').some((p) => p.symbol === 'BTCUSDT' && p.positionAmt < 0), 20_000);
    await sleep(1500);
    await instance.stop('shutdown');
    expect(errors.some((e) => /503|unable to process/i.test(e.message))).toBe(true);
    expect(new Set(sim.trades('k', 'BTC/USDT').map((t) => t.orderId)).size).toBe(1);
    await expectOneLegEach(sim, client);
  }, 60_000);
});

describe('exposure, not the lagging ledger', () => {
  it('the funding arbitrage holds one leg of legFraction × capital after 20 steps of 1 s at a 5 s sync', async () => {
    const sim = await simulator({ fundingRate: { mean: 0.0003, sd: 0.00001 } });
    const client = judge(sim);
    fixture.host(sim, {
      syncIntervalMs: 5000,
      instances: [{ ...arb, account: 'a', startTime: justNow(), params: { capital: 50_000, ...arb.params, intervalMs: 1000 } }],
      start: true,
    });
    await sleep(20_500);
    await expectOneLegEach(sim, client);
  }, 60_000);
});

describe('control traffic first', () => {
  it('with 100 reads queued on a spent read share, a cancel goes out at once and the order is gone', async () => {
    const sim = await simulator();
    const client = judge(sim);
    // A small window (250 weight per minute): 100 reads of weight 2 spend the read share (200) and the rest queue.
    const budgets = new WeightBudgetRegistry({
      resolve: (id, url) => {
        const t = defaultBudgetTarget(id, url);
        return { ...t, policy: { ...t.policy, limit: 250 } };
      },
    });
    const session = createCcxtSession({
      account: { id: 'a', exchange: 'binance', apiBaseUrl: sim.url },
      credentials: { apiKey: 'k', secret: 's' },
      symbols: ['BTC/USDT'],
      budgets,
      retry: { deadlineMs: 120_000 },
    });
    fixture.defer(() => session.close());
    await session.loadMarkets();
    const price = sim.price('BTC/USDT');
    const order = await session.createOrder({
      symbol: 'BTC/USDT',
      side: 'buy',
      amount: 0.01,
      price: Math.round(price * 0.9),
      isPostOnly: true,
    });
    const reads = Array.from({ length: 100 }, () => session.fetchQuote('BTC/USDT').catch(() => null));
    await sleep(200);
    const key = budgets.target('binance', `${sim.url}/api/v3`).key;
    expect(budgets.snapshot(key)?.queued).toBeGreaterThan(0);
    await session.cancelOrder(order.id, 'BTC/USDT');
    expect(await openOn(client, 'BTC/USDT')).toEqual([]);
    void Promise.all(reads);
  }, 60_000);
});

describe('loops that never die', () => {
  it('a step that fails, an error hook that throws and a logger that throws: the loop keeps stepping and recovers', async () => {
    const sim = await simulator();
    const client = judge(sim);
    let hookCalls = 0;
    const throwing: Logger = {
      info() {},
      warn() {
        throw new Error('log disk full');
      },
      error() {
        throw new Error('log disk full');
      },
    };
    sim.addFaults([{ id: 'quotes', kind: '401', route: '/api/v3/ticker/*' }]);
    const { instance } = rig(
      sim,
      { params: { intervalMs: 100 } },
      {
        deps: {
          log: throwing,
          onStepError: () => {
            hookCalls++;
            throw new Error('health store is locked (SQLITE_BUSY)');
          },
        },
      },
    );
    instance.start();
    await until('three failed steps', () => hookCalls >= 3);
    sim.clearFaults('quotes');
    await until('quotes on the book after the fault', async () => (await openOn(client, 'BTC/USDT')).length === 2);
    expect(await instance.stop()).toEqual([]);
  }, 60_000);
});
