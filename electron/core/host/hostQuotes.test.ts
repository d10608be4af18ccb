/**
 * Quotes by stream in the running app (issue 12): a Host with streams on gives its market makers the
 * public stream (Binance's book ticker, Bybit v5's level-1 book), so quoting spends no ticker request
 * at the exchange (counted at the simulator); with streams off the same strategy reads a ticker every
 * step. When the last instance quoting a symbol stops, its subscription is dropped at the simulator.
 */
import { describe, expect, it } from 'vitest';
import type { Simulator } from '../../sim/simulator.ts';
import { bybitClient } from '../../sim/testClient.ts';
import { publicStreamsOn } from '../../sim/ws/publicStreams.ts';
import type { Host } from '../host/host.ts';
import { accountOn, justNow, simRig, sleep } from '../testing/simHost.ts';

const rig = simRig();

type QuoteExchange = 'binance' | 'bybit';

/** The REST ticker route of each exchange's dialect (a zero-latency fault on it counts the requests). */
const TICKER_ROUTE: Record<QuoteExchange, string> = { binance: '/api/v3/ticker/*', bybit: '/v5/market/tickers' };

/** One live market maker on BTC/USDT of `exchange`, and the open orders the simulator shows for it. */
async function maker(
  exchange: QuoteExchange,
  streams: boolean,
  quoteIdleMs?: number,
): Promise<{ sim: Simulator; host: Host; openOrders: () => Promise<number> }> {
  const sim = await rig.simulator({
    seed: 5,
    tickMs: 100,
    accounts: [
      { apiKey: 'k', secret: 's', balances: { USDT: 1_000_000, BTC: 20 }, ...(exchange === 'bybit' ? { dialect: 'bybit' as const } : {}) },
    ],
  });
  const host = rig.host(sim, {
    syncIntervalMs: 500,
    streams,
    ...(quoteIdleMs === undefined ? {} : { streamTiming: { quoteIdleMs } }),
    accounts: [{ ...accountOn(sim), exchange }],
    instances: [
      {
        id: 'mm',
        type: 'fixed_spread',
        account: 'a',
        symbols: ['BTC/USDT'],
        startTime: justNow(),
        params: { intervalMs: 100, capital: 50_000, spreadBps: 30, requoteBps: 1 },
      },
    ],
  });
  let openOrders: () => Promise<number>;
  if (exchange === 'bybit') {
    const trader = bybitClient(sim.url, { apiKey: 'k', secret: 's' });
    rig.defer(() => trader.close());
    openOrders = async () => (await trader.fetchOpenOrders('BTC/USDT')).length;
  } else {
    const judge = rig.judge(sim);
    openOrders = async () => (await judge.fetchOpenOrders('BTC/USDT')).length;
  }
  host.start();
  const deadline = Date.now() + 10_000;
  while ((await openOrders()) < 2 && Date.now() < deadline) await sleep(100);
  return { sim, host, openOrders };
}

/** Runs one live market maker for `ms` after its first quotes rest; answers the ticker requests the simulator saw meanwhile. */
async function tickerReadsWhileQuoting(exchange: QuoteExchange, streams: boolean, ms: number): Promise<{ reads: number; quoted: boolean }> {
  const { sim, openOrders } = await maker(exchange, streams);
  // Counting starts once the maker quotes: its first read may go by REST while the stream subscribes.
  sim.addFaults([{ id: 'ticker-count', kind: 'latency', route: TICKER_ROUTE[exchange], latency: { dist: 'fixed', ms: 0 } }]);
  await sleep(ms);
  const quoted = (await openOrders()) > 0;
  return { reads: sim.faults().find((f) => f.id === 'ticker-count')?.matched ?? -1, quoted };
}

describe.each<QuoteExchange>(['binance', 'bybit'])('quotes by stream on %s', (exchange) => {
  it('a market maker quotes from the stream: no ticker request while it runs, where polling reads one every step', async () => {
    const polling = await tickerReadsWhileQuoting(exchange, false, 2000);
    const streamed = await tickerReadsWhileQuoting(exchange, true, 2000);
    expect(polling.quoted && streamed.quoted).toBe(true);
    expect(polling.reads).toBeGreaterThan(2);
    expect(streamed.reads).toBe(0);
  }, 40_000);

  it('the last instance quoting a symbol stops: its public subscription is dropped at the simulator', async () => {
    const { sim, host, openOrders } = await maker(exchange, true, 2000);
    expect(await openOrders()).toBeGreaterThan(0);
    const subscriptions = (): number => publicStreamsOn(sim.port)?.stats().subscriptions ?? -1;
    expect(subscriptions()).toBe(1);
    expect(await host.execute('instance/stop', { id: 'mm' }, 'api')).toMatchObject({ ok: true });
    const deadline = Date.now() + 10_000;
    while (subscriptions() !== 0 && Date.now() < deadline) await sleep(50);
    expect(subscriptions()).toBe(0);
  }, 40_000);
});
