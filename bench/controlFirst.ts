/**
 * Control traffic first: how long a cancel takes when reads have spent their share of the weight
 * window and more are queued, against the same cancel on an idle budget. Real ccxt against the
 * simulator on loopback; the host's window is scaled down (600 weight per minute instead of Binance's
 * 6000) so a few hundred reads spend it. `node bench/controlFirst.ts [reads]` — prints numbers.
 */
import { startSimulator } from '../electron/sim/simulator.ts';
import { createCcxtSession } from '../electron/core/exchange/ccxtSession.ts';
import { defaultBudgetTarget, WeightBudgetRegistry } from '../electron/core/exchange/weightBudget.ts';

const READS = Number(process.argv[2] ?? 400);
const LIMIT = 600;

const sim = await startSimulator({
  port: 0,
  seed: 5,
  tickMs: 100,
  accounts: [{ apiKey: 'k', secret: 's', balances: { USDT: 1_000_000 } }],
});
const budgets = new WeightBudgetRegistry({
  resolve: (id, url) => {
    const t = defaultBudgetTarget(id, url);
    return { ...t, policy: { ...t.policy, limit: LIMIT } };
  },
});
const account = { id: 'a', exchange: 'binance', apiBaseUrl: sim.url };
const session = createCcxtSession({
  account,
  credentials: { apiKey: 'k', secret: 's' },
  symbols: ['BTC/USDT'],
  budgets,
  retry: { deadlineMs: 180_000 },
});
const judge = createCcxtSession({
  account,
  credentials: { apiKey: 'k', secret: 's' },
  symbols: ['BTC/USDT'],
  budgets: new WeightBudgetRegistry(),
});
await session.loadMarkets();
await judge.loadMarkets();

async function placeAndCancel(): Promise<{ cancelMs: number; goneMs: number }> {
  const price = Math.round(sim.price('BTC/USDT') * 0.9);
  const order = await session.createOrder({ symbol: 'BTC/USDT', side: 'buy', amount: 0.01, price, isPostOnly: true });
  const started = performance.now();
  await session.cancelOrder(order.id, 'BTC/USDT');
  const cancelMs = performance.now() - started;
  for (;;) {
    if (!(await judge.fetchOpenOrders('BTC/USDT')).some((o) => o.id === order.id)) break;
  }
  return { cancelMs, goneMs: performance.now() - started };
}

const idle = await placeAndCancel();
const key = budgets.target('binance', `${sim.url}/api/v3`).key;
const reads = Array.from({ length: READS }, () => session.fetchQuote('BTC/USDT').catch(() => null));
await new Promise((r) => setTimeout(r, 300));
const before = budgets.snapshot(key);
const busy = await placeAndCancel();
const now = budgets.now();
const readWaitMs = before ? before.windowStart + 60_000 - now : NaN;

console.log(`reads fired: ${READS} (weight 2 each), window ${LIMIT} weight/min, read share ${LIMIT * 0.8}`);
console.log(`budget when the cancel was sent: used ${before?.used}/${before?.limit}, queued reads ${before?.queued}`);
console.log(
  `cancel, idle budget:        answered in ${idle.cancelMs.toFixed(1)} ms, gone from the book after ${idle.goneMs.toFixed(1)} ms`,
);
console.log(
  `cancel, read share spent:   answered in ${busy.cancelMs.toFixed(1)} ms, gone from the book after ${busy.goneMs.toFixed(1)} ms`,
);
console.log(`a read sent at that moment waits for the next window: ${(readWaitMs / 1000).toFixed(1)} s`);

void Promise.all(reads);
await session.close();
await judge.close();
await sim.close();
process.exit(0);
