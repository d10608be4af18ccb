/**
 * REST weight per minute in steady state, 100 instances over 10 accounts on one Binance host (half on
 * BTC/USDT, half on BTC/USDT:USDT), fills arriving all along: polling every 5 s against streams with
 * the REST gap-read on the host's slow timer (STREAM_GAP_READ_MS). Weight is what the sessions asked of the host's budget (ccxt's
 * cost per request, Binance's weights), counted at the budget registry every session and stream uses.
 * `node bench/streamWeight.ts [windowSeconds] [slowTimerSeconds, default the host's]` — prints numbers.
 */
import { WeightBudgetRegistry, type BudgetTarget, type RequestPriority } from '../electron/core/exchange/weightBudget.ts';
import { STREAM_GAP_READ_MS } from '../electron/core/host/host.ts';
import { openHostDesk } from './hostDesk.ts';
import { openDesk, startFleet } from './streamFleet.ts';

const WINDOW_S = Number(process.argv[2] ?? 30);
const SLOW_S = Number(process.argv[3] ?? STREAM_GAP_READ_MS / 1000);
const INSTANCES = 100;
const ACCOUNTS = 10;
const FILLS_PER_S = 10;

class CountingBudgets extends WeightBudgetRegistry {
  weight = 0;
  requests = 0;
  override acquire(target: BudgetTarget, weight: number, deadline: number | null, priority?: RequestPriority): Promise<void> {
    this.weight += weight;
    this.requests++;
    return super.acquire(target, weight, deadline, priority);
  }
  reset(): void {
    this.weight = 0;
    this.requests = 0;
  }
}

const fleet = await startFleet(1, ACCOUNTS);
const url = fleet.urls[0] ?? '';
const accounts = (fleet.keys[0] ?? []).map((apiKey) => ({ url, apiKey, secret: apiKey.replace(/^k/, 's') }));
// Instance i is on account i % 10: tens alternate spot and perpetual, so every account has both.
const symbols = (i: number): string[] => (Math.floor(i / ACCOUNTS) % 2 === 0 ? ['BTC/USDT'] : ['BTC/USDT:USDT']);
/** What polling asked for and what the budget let it spend, per minute. */
const polling = { demand: Number.NaN, spent: Number.NaN };
console.log(`${INSTANCES} instances over ${ACCOUNTS} accounts, one host; ${FILLS_PER_S} fills/s; window ${WINDOW_S} s`);

// Polling: PortfolioSync every 5 s, no streams.
{
  const budgets = new CountingBudgets();
  const desk = await openDesk({ n: INSTANCES, accounts, intervalMs: 5000, streams: false, budgets, symbols });
  await desk.rest.syncNow();
  budgets.reset();
  await desk.rest.syncNow();
  const round = budgets.weight;
  budgets.reset();
  await fleet.go(FILLS_PER_S, WINDOW_S);
  const perMin = (budgets.weight * 60) / WINDOW_S;
  console.log(
    `polling every 5 s: one round = ${round} weight; asks ${round * 12}/min; spent ${perMin.toFixed(0)}/min (${((budgets.requests * 60) / WINDOW_S).toFixed(0)} requests/min) — the budget holds it near the limit`,
  );
  await desk.close();
  polling.demand = round * 12;
  polling.spent = perMin;
}

// Streams through a real Host, polling interval 5 s as above: the host's rule takes every healthy
// stream's instance off polling, so REST reads only the connect-time gap and then one round every
// STREAM_GAP_READ_MS (or the slow timer given on the command line).
{
  const budgets = new CountingBudgets();
  const { host, streaming } = await openHostDesk({ n: INSTANCES, accounts, syncIntervalMs: 5000, mode: 'observe', symbols, budgets });
  const connectWeight = budgets.weight;
  budgets.reset();
  await fleet.go(FILLS_PER_S, WINDOW_S);
  const between = (budgets.weight * 60) / WINDOW_S;
  const stored = host.ledger.countFills();
  budgets.reset();
  await host.sync.syncNow();
  const round = budgets.weight;
  const slow = (round * 60) / SLOW_S;
  const total = between + slow;
  console.log(
    `streams (Host, 5 s interval): start-up (markets, listen keys, gap reads) ${connectWeight}; between slow reads ${between.toFixed(0)}/min; slow gap-read every ${SLOW_S} s = ${round}/round = ${slow.toFixed(0)}/min; total ${total.toFixed(0)}/min = ${((100 * total) / polling.demand).toFixed(1)} % of polling's ask, ${((100 * total) / polling.spent).toFixed(1)} % of what polling could spend; ${stored} fills stored`,
  );
  console.log(`  streams healthy: ${streaming()}/${INSTANCES}`);
  await host.close();
}
fleet.stop();
