/**
 * What one reconciliation costs as the account's window fills up: a real SQLite ledger holding N
 * fills of one account since its baseline (spot and a perpetual, every order journaled to its
 * instance), an in-process session answering the exchange's side (balances that match), and
 * `reconcileAccount` timed end to end. Prints numbers; never fails on them.
 * `node bench/reconcile.ts [fills...]`   (default 10000 100000)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AccountState, ExchangeSession, Fill } from '../electron/core/exchange/types.ts';
import { Ledger } from '../electron/core/ledger/ledger.ts';
import { reconcileAccount } from '../electron/core/reconcile/reconcile.ts';

const sizes = process.argv
  .slice(2)
  .map(Number)
  .filter((n) => n > 0);
const START = Date.UTC(2026, 11, 1);

for (const n of sizes.length > 0 ? sizes : [10_000, 100_000]) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-reconcile-'));
  const ledger = new Ledger(join(dir, 'ledger.sqlite'));
  const balances = { USDT: 1_000_000, BTC: 10, futures: 1_000_000 };
  ledger.saveReconcileBaseline(
    {
      exchange: 'binance',
      account: 'acct',
      ts: START,
      balances: [
        { wallet: 'spot', asset: 'USDT', total: balances.USDT },
        { wallet: 'spot', asset: 'BTC', total: balances.BTC },
        { wallet: 'futures', asset: 'USDT', total: balances.futures },
      ],
      positions: [],
      movementIds: [],
    },
    START,
  );
  let perpQty = 0;
  const batch: { fill: Fill; instanceId: string }[] = [];
  for (let i = 0; i < n; i++) {
    const isPerp = i % 4 === 3;
    const side = i % 2 === 0 ? 'buy' : 'sell';
    const price = 60_000 + (i % 100);
    const amount = 0.001;
    const cost = price * amount;
    const fee = Math.round(cost * 0.0002 * 1e8) / 1e8;
    const symbol = isPerp ? 'BTC/USDT:USDT' : 'BTC/USDT';
    const orderId = String(Math.floor(i / 100));
    const fill: Fill = {
      id: String(i + 1),
      orderId,
      symbol,
      side,
      price,
      amount,
      cost,
      fees: [{ currency: 'USDT', amount: fee }],
      timestamp: START + 1000 + i,
      isMaker: true,
    };
    if (isPerp) {
      const realized = side === 'sell' && perpQty > 0 ? 0.5 : 0;
      fill.exchangeRealizedPnl = realized;
      perpQty += side === 'buy' ? amount : -amount;
      balances.futures += realized - fee;
    } else {
      balances.BTC += side === 'buy' ? amount : -amount;
      balances.USDT += (side === 'buy' ? -cost : cost) - fee;
    }
    batch.push({ fill, instanceId: isPerp ? 'perp' : 'mm' });
  }
  for (let i = 0; i < batch.length; i += 10_000) {
    ledger.appendFills({ exchange: 'binance', account: 'acct', fills: batch.slice(i, i + 10_000), cursor: null }, START);
  }
  for (let o = 0; o * 100 < n; o++) {
    for (const [symbol, instanceId] of [
      ['BTC/USDT', 'mm'],
      ['BTC/USDT:USDT', 'perp'],
    ] as const)
      ledger.journalOrder({ exchange: 'binance', account: 'acct', orderId: String(o), instanceId, symbol }, START);
  }
  const state: AccountState = {
    balances: [
      { wallet: 'spot', asset: 'USDT', total: balances.USDT },
      { wallet: 'spot', asset: 'BTC', total: balances.BTC },
      { wallet: 'futures', asset: 'USDT', total: balances.futures },
    ],
    positions:
      perpQty === 0 ? [] : [{ symbol: 'BTC/USDT:USDT', qty: perpQty, entryPrice: 60_000, markPrice: 0, unrealizedPnl: 0, timestamp: 0 }],
  };
  const session = {
    exchangeId: 'binance',
    accountId: 'acct',
    fetchAccountState: () => Promise.resolve(state),
    fetchMovements: () => Promise.resolve([]),
  } as unknown as ExchangeSession;
  const now = START + 10 * 86_400_000;
  const instances = [
    { id: 'mm', mode: 'live' as const, symbols: ['BTC/USDT'], capital: 10_000 },
    { id: 'perp', mode: 'live' as const, symbols: ['BTC/USDT:USDT'], capital: 10_000 },
  ];
  const times: number[] = [];
  let ok = false;
  for (let run = 0; run < 3; run++) {
    const t0 = performance.now();
    const r = await reconcileAccount({ account: 'acct', session, ledger, instances, now: () => now, rollAfterMs: Infinity });
    times.push(performance.now() - t0);
    ok = r.ok;
    if (!r.ok && run === 0) console.log(r.notes, r.assets, r.positions);
  }
  console.log(
    `${n.toLocaleString('en')} fills in the window: reconcileAccount ${times.map((t) => t.toFixed(0)).join(' / ')} ms (3 runs), ok=${ok}`,
  );
  ledger.close();
  rmSync(dir, { recursive: true, force: true });
}
