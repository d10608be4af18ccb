/**
 * Reconciliation against real parts: a Host with real ccxt `binance` sessions on the simulator, a
 * real SQLite ledger, market makers that trade, and drift made through the simulator's control side.
 * Assertions compare with the simulator's own books (balances, wallets, fills, realizedPnl).
 */
import { describe, expect, it } from 'vitest';
import type { Reconciliation } from '../../../shared/model.ts';
import type { Simulator } from '../../sim/simulator.ts';
import { systemClock } from '../clock.ts';
import { createCcxtSession } from '../exchange/ccxtSession.ts';
import type { Host, HostOptions } from '../host/host.ts';
import { emptyFold, foldFill } from '../metrics/pnl.ts';
import { accountOn, justNow, observer, simRig, sleep } from '../testing/simHost.ts';
import { assignFillForHost, reconcileForHost, type ReconcileHostParts } from './forHost.ts';

const rig = simRig();
/** Reconciliation re-reads when a fill is within this of the reading; tests wait it out after trading. */
const SETTLE_MS = 300;

/** Sessions without the host's weight budgets, so the drift the tests make is read at once. */
const sessionFactory: HostOptions['sessionFactory'] = (account, credentials, instance) =>
  createCcxtSession({ account, credentials, symbols: instance.symbols });

/** What reconciliation reads of a running host. */
const partsOf = (h: Host): ReconcileHostParts => ({
  ledger: h.ledger,
  clock: systemClock,
  engine: h.engine,
  sessions: h.sessions,
  portfolio: h.portfolio,
  sync: h.sync,
});

async function setup(): Promise<{ sim: Simulator; h: Host; parts: ReconcileHostParts }> {
  const sim = await rig.simulator({
    seed: 13,
    autoTick: false,
    accounts: [
      { apiKey: 'k1', secret: 's1', balances: { USDT: 100_000, BTC: 2 }, futuresUsdt: 50_000 },
      { apiKey: 'k2', secret: 's2', balances: { USDT: 50_000, ETH: 20 } },
    ],
  });
  const start = justNow();
  const mm = (id: string, account: string, symbol: string) => ({
    id,
    type: 'fixed_spread',
    account,
    symbols: [symbol],
    startTime: start,
    params: { spreadBps: 4, orderFraction: 0.05, intervalMs: 100, capital: 20_000 },
  });
  const h = rig.host(sim, {
    syncIntervalMs: 300,
    accounts: [accountOn(sim, 'a', { apiKey: 'k1', secret: 's1' }), accountOn(sim, 'b', { apiKey: 'k2', secret: 's2' })],
    instances: [
      mm('mm-btc', 'a', 'BTC/USDT'),
      // Watches the account's perpetual (a bot run elsewhere): every fill of its symbol is its own.
      { id: 'perp-watch', type: 'fixed_spread', account: 'a', mode: 'observe', symbols: ['BTC/USDT:USDT'], startTime: start, params: {} },
      mm('mm-eth', 'b', 'ETH/USDT'),
    ],
    sessionFactory,
  });
  return { sim, h, parts: partsOf(h) };
}

/** Ticks the market until both market makers have filled more than `than` times each (per the simulator). */
async function tradeUntil(sim: Simulator, than: { k1: number; k2: number }): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (sim.trades('k1').length > than.k1 && sim.trades('k2').length > than.k2) break;
    sim.advance(3);
    await sleep(60);
  }
  expect(sim.trades('k1').length).toBeGreaterThan(than.k1);
  expect(sim.trades('k2').length).toBeGreaterThan(than.k2);
  await sleep(SETTLE_MS + 50);
}

async function reconcile(parts: ReconcileHostParts, account: string, rollAfterMs?: number): Promise<Reconciliation> {
  const r = await reconcileForHost(parts, account, { settleMs: SETTLE_MS, ...(rollAfterMs === undefined ? {} : { rollAfterMs }) });
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

const asset = (r: Reconciliation, code: string) => r.assets.find((a) => a.asset === code);
const position = (r: Reconciliation, symbol: string) => r.positions.find((p) => p.symbol === symbol);
const spotTotal = (sim: Simulator, key: string, code: string) => {
  const b = sim.balances(key)[code];
  return (b?.free ?? 0) + (b?.locked ?? 0);
};

describe('reconciliation against the simulator', () => {
  it('a clean run reconciles to zero differences on every account, and our realized PnL on a perpetual equals the exchange’s', async () => {
    const { sim, h, parts } = await setup();
    h.start();
    await tradeUntil(sim, { k1: 0, k2: 0 });

    const firstA = await reconcile(parts, 'a');
    const firstB = await reconcile(parts, 'b');
    // The host's slow timer may have recorded the baseline at start already.
    expect(firstA.notes[0]).toMatch(/^(Baseline recorded|Measured since the baseline)/);
    expect([firstA.ok, firstB.ok]).toEqual([true, true]);

    // More trading after the baseline: the market makers, and a perpetual the observe instance owns
    // (open long, add, close part at another price, flip short: realized PnL on the reducing fills).
    const base = { k1: sim.trades('k1').length, k2: sim.trades('k2').length };
    sim.drift({ kind: 'trade', apiKey: 'k1', symbol: 'BTC/USDT:USDT', side: 'buy', amount: 0.02 });
    sim.advance(40);
    sim.drift({ kind: 'trade', apiKey: 'k1', symbol: 'BTC/USDT:USDT', side: 'buy', amount: 0.01 });
    sim.advance(40);
    sim.drift({ kind: 'trade', apiKey: 'k1', symbol: 'BTC/USDT:USDT', side: 'sell', amount: 0.02 });
    sim.advance(40);
    sim.drift({ kind: 'trade', apiKey: 'k1', symbol: 'BTC/USDT:USDT', side: 'sell', amount: 0.03 });
    await tradeUntil(sim, { k1: base.k1 + 3, k2: base.k2 + 3 });

    for (const [account, key] of [
      ['a', 'k1'],
      ['b', 'k2'],
    ] as const) {
      const r = await reconcile(parts, account);
      expect({ account, ok: r.ok, notes: r.notes.filter((n) => !n.startsWith('Measured since')) }).toEqual({
        account,
        ok: true,
        notes: [],
      });
      expect(r.unattributed).toEqual([]);
      for (const a of r.assets) expect({ asset: a.asset, difference: a.difference }).toEqual({ asset: a.asset, difference: 0 });
      for (const p of r.positions) expect({ symbol: p.symbol, difference: p.difference }).toEqual({ symbol: p.symbol, difference: 0 });
      // The exchange's figures are the simulator's books: spot free + locked, plus the futures wallet.
      const usdt = asset(r, 'USDT');
      expect(usdt?.exchange).toBeCloseTo(spotTotal(sim, key, 'USDT') + (key === 'k1' ? sim.futuresWallet(key) : 0), 6);
      expect(usdt?.explained).toBe(0);
    }

    // The perpetual: the exchange's position, and our realized PnL against the sum of the exchange's own.
    const a = await reconcile(parts, 'a');
    expect(position(a, 'BTC/USDT:USDT')).toEqual({ symbol: 'BTC/USDT:USDT', exchange: -0.02, accounted: -0.02, difference: 0 });
    expect(sim.positions('k1')[0]?.positionAmt).toBe(-0.02);
    const fold = emptyFold('USDT');
    for (const f of h.ledger.fillsFor('perp-watch')) foldFill(fold, f);
    const exchangeRealized = sim.perpTrades('k1', 'BTC/USDT:USDT').reduce((s, t) => s + t.realizedPnl, 0);
    expect(sim.perpTrades('k1', 'BTC/USDT:USDT').filter((t) => t.realizedPnl !== 0).length).toBeGreaterThan(0);
    expect(fold.realizedPnl).toBeCloseTo(exchangeRealized, 6);
    expect(a.notes.some((n) => /realized PnL/.test(n))).toBe(false);
  }, 120_000);

  it('a deposit and a transfer are explained; a manual 0.01 BTC trade is exactly +0.01 BTC unattributed until assigned', async () => {
    const { sim, h, parts } = await setup();
    h.start();
    await tradeUntil(sim, { k1: 0, k2: 0 });
    expect((await reconcile(parts, 'a')).ok).toBe(true);

    // A deposit of 1 000 USDT, then 2 000 USDT moved from spot to the futures wallet.
    const spotBefore = spotTotal(sim, 'k1', 'USDT');
    const futuresBefore = sim.futuresWallet('k1');
    sim.drift({ kind: 'deposit', apiKey: 'k1', asset: 'USDT', amount: 1000 });
    sim.drift({ kind: 'transfer', apiKey: 'k1', asset: 'USDT', amount: 2000, from: 'spot', to: 'futures' });
    expect(spotTotal(sim, 'k1', 'USDT')).toBeCloseTo(spotBefore - 1000, 8);
    expect(sim.futuresWallet('k1')).toBeCloseTo(futuresBefore + 2000, 8);
    await sleep(SETTLE_MS + 50);
    const moved = await reconcile(parts, 'a');
    expect(moved.ok).toBe(true);
    expect(moved.movements.map((m) => [m.kind, m.asset, m.amount])).toEqual([
      ['deposit', 'USDT', 1000],
      ['transfer', 'USDT', 2000],
    ]);
    expect(asset(moved, 'USDT')).toMatchObject({ explained: 1000, difference: 0 });
    expect(moved.notes.some((n) => /1 deposit, 1 transfer since the baseline, explained/.test(n))).toBe(true);

    // A human buys 0.01 BTC in the exchange's page.
    const manual = sim.drift({ kind: 'trade', apiKey: 'k1', symbol: 'BTC/USDT', side: 'buy', amount: 0.01 });
    const manualIds = manual.kind === 'trade' ? manual.spot.map((t) => String(t.id)) : [];
    expect(manualIds.length).toBeGreaterThan(0);
    await sleep(SETTLE_MS + 50);
    const drift = await reconcile(parts, 'a');
    expect(drift.ok).toBe(false);
    expect(drift.unattributed.map((f) => f.id).sort()).toEqual(manualIds.sort());
    expect(drift.unattributed.reduce((s, f) => s + (f.side === 'buy' ? f.amount : -f.amount), 0)).toBeCloseTo(0.01, 12);
    expect(position(drift, 'BTC/USDT')?.difference).toBe(0.01);
    expect(drift.notes.some((n) => n.startsWith('Bought 0.01 BTC on BTC/USDT by no instance'))).toBe(true);

    // The trader says it was the market maker's: the drift clears, and the instance's figures include it.
    let last: Reconciliation = drift;
    for (const f of drift.unattributed) {
      const r = await assignFillForHost(parts, { id: 'a', symbol: f.symbol, fillId: f.id, instance: 'mm-btc' }, { settleMs: SETTLE_MS });
      if (!r.ok) throw new Error(r.error.message);
      last = r.value;
    }
    expect(last.unattributed).toEqual([]);
    expect(position(last, 'BTC/USDT')?.difference).toBe(0);
    expect(last.ok).toBe(true);
    expect(h.ledger.fillsFor('mm-btc').filter((f) => manualIds.includes(f.id))).toHaveLength(manualIds.length);

    // Marked outside instead: still accounted for, but no longer in the instance's figures.
    const first = drift.unattributed[0];
    if (first === undefined) throw new Error('no unattributed fill');
    const outside = await assignFillForHost(
      parts,
      { id: 'a', symbol: first.symbol, fillId: first.id, instance: null },
      { settleMs: SETTLE_MS },
    );
    expect(outside.ok && outside.value.ok).toBe(true);
    expect(h.ledger.fillsFor('mm-btc').some((f) => f.id === first.id)).toBe(false);

    // Refusals: an instance of another account, a fill an instance placed, a fill that does not exist.
    const other = await assignFillForHost(parts, { id: 'a', symbol: 'BTC/USDT', fillId: first.id, instance: 'mm-eth' });
    expect(other.ok ? null : other.error.code).toBe('bad_request');
    const placed = h.ledger.fillsFor('mm-btc').find((f) => !manualIds.includes(f.id));
    if (placed === undefined) throw new Error('the market maker has no fill');
    const own = await assignFillForHost(parts, { id: 'a', symbol: 'BTC/USDT', fillId: placed.id, instance: null });
    expect(own.ok ? null : own.error.code).toBe('conflict');
    const missing = await assignFillForHost(parts, { id: 'a', symbol: 'BTC/USDT', fillId: 'nope', instance: 'mm-btc' });
    expect(missing.ok ? null : missing.error.code).toBe('not_found');
  }, 120_000);

  it('a withdrawal is explained with its fee; an account without a session is not found', async () => {
    const { sim, h, parts } = await setup();
    h.start();
    await tradeUntil(sim, { k1: 0, k2: 0 });
    await reconcile(parts, 'b');
    sim.drift({ kind: 'withdrawal', apiKey: 'k2', asset: 'ETH', amount: 1, fee: 0.002 });
    await sleep(SETTLE_MS + 50);
    const r = await reconcile(parts, 'b');
    expect(r.ok).toBe(true);
    expect(r.movements.map((m) => [m.kind, m.asset, m.amount])).toEqual([['withdrawal', 'ETH', -1.002]]);
    expect(asset(r, 'ETH')).toMatchObject({ explained: -1.002, difference: 0, exchange: spotTotal(sim, 'k2', 'ETH') });

    // A matched reading may become the baseline: the withdrawal is then in it, and the window starts there.
    const rolled = await reconcile(parts, 'b', 0);
    expect(rolled.notes).toContainEqual(expect.stringMatching(/the baseline moves to/));
    await sleep(SETTLE_MS + 50);
    const after = await reconcile(parts, 'b');
    expect([after.ok, after.movements, asset(after, 'ETH')?.explained, after.notes]).toEqual([
      true,
      [],
      0,
      [expect.stringMatching(/^Measured since/)],
    ]);
    const none = await reconcileForHost(parts, 'nope');
    expect(none.ok ? null : none.error.code).toBe('not_found');
  }, 120_000);

  it('a Bybit unified account reconciles its one wallet; histories it cannot read are named, not fatal', async () => {
    const sim = await rig.simulator({
      seed: 17,
      autoTick: false,
      accounts: [{ apiKey: 'by1', secret: 'bys1', dialect: 'bybit', balances: { USDT: 20_000, BTC: 1 }, futuresUsdt: 5_000 }],
    });
    const h = rig.host(sim, {
      syncIntervalMs: 300,
      accounts: [{ ...accountOn(sim, 'by', { apiKey: 'by1', secret: 'bys1' }), exchange: 'bybit' }],
      instances: [observer('watch', ['BTC/USDT'], Date.now() - 1000, 'by')],
      sessionFactory,
    });
    const parts = partsOf(h);
    h.start();
    await sleep(500);
    expect((await reconcile(parts, 'by')).ok).toBe(true);
    // The observe instance owns its symbol's fills: a trade there is accounted for.
    sim.drift({ kind: 'trade', apiKey: 'by1', symbol: 'BTC/USDT', side: 'sell', amount: 0.01 });
    await sleep(SETTLE_MS + 50);
    const r = await reconcile(parts, 'by');
    expect({ ok: r.ok, notes: r.notes }).toMatchObject({ ok: true });
    expect(position(r, 'BTC/USDT')).toEqual({ symbol: 'BTC/USDT', exchange: -0.01, accounted: -0.01, difference: 0 });
    expect(asset(r, 'BTC')?.exchange).toBeCloseTo(spotTotal(sim, 'by1', 'BTC'), 8);
    // Bybit's unified wallet shows spot and the derivatives pool as one.
    expect(asset(r, 'USDT')?.exchange).toBeCloseTo(spotTotal(sim, 'by1', 'USDT') + sim.futuresWallet('by1'), 6);
    expect(r.notes.some((n) => n.startsWith('Deposits, withdrawals and transfers could not be read'))).toBe(true);
  }, 120_000);
});
