import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from './simulator.ts';
import { binanceClient } from './testClient.ts';

let sim: Simulator | undefined;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function setup(): Promise<Simulator> {
  sim = await startSimulator({
    autoTick: false,
    seed: 5,
    accounts: [{ apiKey: 'k', secret: 's', balances: { USDT: 10_000, BTC: 1 }, futuresUsdt: 5_000 }],
  });
  return sim;
}

describe('drift and movements (issue 13)', () => {
  it('a deposit, a withdrawal and transfers both ways change the wallets and read back through ccxt', async () => {
    const s = await setup();
    s.drift({ kind: 'deposit', apiKey: 'k', asset: 'USDT', amount: 1000 });
    s.drift({ kind: 'withdrawal', apiKey: 'k', asset: 'BTC', amount: 0.1, fee: 0.0005 });
    s.drift({ kind: 'transfer', apiKey: 'k', asset: 'USDT', amount: 2000, from: 'spot', to: 'futures' });
    s.drift({ kind: 'transfer', apiKey: 'k', asset: 'USDT', amount: 500, from: 'futures', to: 'spot' });
    expect(s.balances('k')['USDT']).toEqual({ free: 9500, locked: 0 });
    expect(s.balances('k')['BTC']).toEqual({ free: 0.8995, locked: 0 });
    expect(s.futuresWallet('k')).toBe(6500);

    const ex = binanceClient(s.url, { apiKey: 'k', secret: 's' }, { linear: true });
    await ex.loadMarkets();
    const deposits = await ex.fetchDeposits();
    expect(deposits.map((d) => [d.currency, d.amount, d.status, d.type])).toEqual([['USDT', 1000, 'ok', 'deposit']]);
    const withdrawals = await ex.fetchWithdrawals();
    expect(withdrawals.map((w) => [w.currency, w.amount, w.fee?.cost, w.status])).toEqual([['BTC', 0.1, 0.0005, 'ok']]);
    // "2026-12-04 15:00:00" (UTC) parses to the record's second.
    expect(Math.floor((withdrawals[0]?.timestamp ?? 0) / 1000)).toBe(Math.floor((s.movements('k').withdrawals[0]?.time ?? 0) / 1000));
    const toFutures = await ex.fetchTransfers(undefined, undefined, undefined, { fromAccount: 'spot', toAccount: 'future' });
    expect(toFutures.map((t) => [t.currency, t.amount, t.fromAccount, t.toAccount, t.status])).toEqual([
      ['USDT', 2000, 'spot', 'linear', 'ok'],
    ]);
    const toSpot = await ex.fetchTransfers(undefined, undefined, undefined, { fromAccount: 'future', toAccount: 'spot' });
    expect(toSpot.map((t) => [t.amount, t.fromAccount, t.toAccount])).toEqual([[500, 'linear', 'spot']]);
    // Binance books a transfer in the futures income as TRANSFER.
    const income = (await ex.fapiPrivateGetIncome({ incomeType: 'TRANSFER' })) as { income: string }[];
    expect(income.map((r) => Number(r.income))).toEqual([2000, -500]);
    await ex.close();
  });

  it('a manual trade fills on the account with a web client order id; refusals change nothing', async () => {
    const s = await setup();
    const r = s.drift({ kind: 'trade', apiKey: 'k', symbol: 'BTC/USDT', side: 'buy', amount: 0.01 });
    expect(r.kind).toBe('trade');
    expect(s.trades('k', 'BTC/USDT').reduce((sum, t) => sum + t.qty, 0)).toBeCloseTo(0.01, 10);
    const p = s.drift({ kind: 'trade', apiKey: 'k', symbol: 'BTC/USDT:USDT', side: 'sell', amount: 0.01 });
    expect(p.kind === 'trade' ? p.perp.length : 0).toBeGreaterThan(0);
    expect(s.positions('k')[0]?.positionAmt).toBe(-0.01);
    const before = s.balances('k');
    expect(() => s.drift({ kind: 'withdrawal', apiKey: 'k', asset: 'USDT', amount: 1e9 })).toThrow(/not enough/);
    expect(() => s.drift({ kind: 'transfer', apiKey: 'k', asset: 'USDT', amount: 1e9, from: 'futures', to: 'spot' })).toThrow(/not enough/);
    expect(s.balances('k')).toEqual(before);

    const res = await fetch(`${s.url}/__sim/drift`, {
      method: 'POST',
      body: JSON.stringify({ kind: 'deposit', apiKey: 'k', asset: 'USDT', amount: 1000 }),
    });
    expect(res.status).toBe(200);
    const bad = await fetch(`${s.url}/__sim/drift`, {
      method: 'POST',
      body: JSON.stringify({ kind: 'deposit', apiKey: 'k', asset: 'USDT', amount: -1 }),
    });
    expect(bad.status).toBe(400);
    const listed = (await (await fetch(`${s.url}/__sim/drift?apiKey=k`)).json()) as { deposits: unknown[] };
    expect(listed.deposits).toHaveLength(1);
  });
});
