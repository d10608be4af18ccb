/**
 * Quotes by stream vs by REST polling (issue 12): N market makers, each on its own simulator account
 * behind one host, read their quote every REQUOTE_MS as a fixed-spread maker does. Prints the REST
 * weight per minute spent on quotes (ticker requests counted at the simulator × Binance's weight of
 * a one-symbol `ticker/24hr`, 2) and the quote age at each read: read time − the quote's time (REST:
 * the exchange's answer time, so the round trip; stream: when the last book change arrived, so how
 * long the book has been quiet — a live stream's value is current until the next change arrives),
 * and how long the maker waits for its quote (fetchQuote's own time).
 *
 * `node bench/priceStreams.ts [seconds] [makers, e.g. 10,100] [binance|bybit]` — prints numbers, never fails on timing.
 * Bybit v5: the same makers on Bybit accounts (its level-1 book by stream); a ticker request is weight 1 (Bybit counts requests).
 */
import { cpus, loadavg } from 'node:os';
import { createCcxtSession } from '../electron/core/exchange/ccxtSession.ts';
import { PriceFeeds } from '../electron/core/exchange/priceStreams.ts';
import { SharedMarkets } from '../electron/core/exchange/sharedMarkets.ts';
import type { ExchangeSession } from '../electron/core/exchange/types.ts';
import { WeightBudgetRegistry } from '../electron/core/exchange/weightBudget.ts';
import { startSimulator } from '../electron/sim/simulator.ts';
import { percentile } from './streamFleet.ts';

const SECONDS = Number(process.argv[2] ?? 20);
const SIZES = (process.argv[3] ?? '10,100').split(',').map(Number);
const REQUOTE_MS = 2000;
const SYMBOL = 'BTC/USDT';
const EXCHANGE: 'binance' | 'bybit' = process.argv[4] === 'bybit' ? 'bybit' : 'binance';
/** Binance spot's weight of GET /api/v3/ticker/24hr for one symbol (what ccxt's fetchTicker calls); Bybit counts requests. */
const TICKER_WEIGHT = EXCHANGE === 'bybit' ? 1 : 2;
const TICKER_ROUTE = EXCHANGE === 'bybit' ? '/v5/market/tickers' : '/api/v3/ticker/*';

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function run(n: number, mode: 'poll' | 'stream'): Promise<void> {
  const accounts = Array.from({ length: n }, (_, i) => ({
    apiKey: `k-${i}`,
    secret: `s-${i}`,
    balances: { USDT: 1000 },
    dialect: EXCHANGE,
  }));
  const sim = await startSimulator({ accounts, tickMs: 250 });
  sim.addFaults([{ id: 'ticker', kind: 'latency', route: TICKER_ROUTE, latency: { dist: 'fixed', ms: 0 } }]);
  const markets = new SharedMarkets();
  const feeds = mode === 'stream' ? new PriceFeeds({ markets }) : null;
  const budgets = new WeightBudgetRegistry();
  const sessions: ExchangeSession[] = accounts.map((a, i) =>
    createCcxtSession({
      account: { id: `a-${i}`, exchange: EXCHANGE, apiBaseUrl: sim.url },
      credentials: a,
      symbols: [SYMBOL],
      budgets,
      markets,
      quotes: feeds,
    }),
  );
  await Promise.all(sessions.map((s) => s.loadMarkets()));
  // Warm-up: each maker's first read (the stream subscribes on it), then a second for the stream to deliver.
  await Promise.all(sessions.map((s) => s.fetchQuote(SYMBOL)));
  await delay(1000);

  const ages: number[] = [];
  const waits: number[] = [];
  let reads = 0;
  let failures = 0;
  const start = sim.faults()[0]?.matched ?? 0;
  const cpu0 = process.cpuUsage();
  const t0 = Date.now();
  const end = t0 + SECONDS * 1000;
  await Promise.all(
    sessions.map(async (s, i) => {
      // Makers requote out of phase, as independent instances do.
      await delay((i / n) * REQUOTE_MS);
      while (Date.now() < end) {
        try {
          const asked = performance.now();
          const q = await s.fetchQuote(SYMBOL);
          waits.push(performance.now() - asked);
          ages.push(Date.now() - q.timestamp);
          reads++;
        } catch {
          failures++;
        }
        await delay(REQUOTE_MS);
      }
    }),
  );
  const minutes = (Date.now() - t0) / 60_000;
  const requests = (sim.faults()[0]?.matched ?? 0) - start;
  const cpu = process.cpuUsage(cpu0);
  ages.sort((a, b) => a - b);
  waits.sort((a, b) => a - b);
  const perMin = (requests * TICKER_WEIGHT) / minutes;
  console.log(
    `${String(n).padStart(3)} makers ${mode.padEnd(6)} reads ${reads} (failed ${failures}) ticker requests ${requests} → weight ${perMin.toFixed(0)}/min; ` +
      `quote age p50 ${percentile(ages, 50)} ms p95 ${percentile(ages, 95)} ms; ` +
      `read wait p50 ${percentile(waits, 50).toFixed(1)} ms p95 ${percentile(waits, 95).toFixed(1)} ms; CPU ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms` +
      (feeds === null ? '' : `; feed ${JSON.stringify(feeds.stats())}`),
  );
  for (const s of sessions) await s.close();
  await feeds?.close();
  await sim.close();
}

console.log(
  `load ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')} on ${cpus().length} cores; ${EXCHANGE}; ${SECONDS} s per case, requote every ${REQUOTE_MS} ms`,
);
for (const n of SIZES) {
  await run(n, 'poll');
  await run(n, 'stream');
}
