/** Markets load once per exchange host (issue 12), counted at the simulator: a hundred accounts read exchangeInfo once. */
import { afterEach, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../sim/simulator.ts';
import { createCcxtAccountStream } from './ccxtStreams.ts';
import { createCcxtSession } from './ccxtSession.ts';
import { SharedMarkets } from './sharedMarkets.ts';
import type { ExchangeSession } from './types.ts';

let sim: Simulator | undefined;
const sessions: ExchangeSession[] = [];

afterEach(async () => {
  for (const s of sessions.splice(0)) await s.close();
  await sim?.close();
  sim = undefined;
});

it('a hundred accounts behind one host load markets once, and the stream client borrows them too', async () => {
  const accounts = Array.from({ length: 100 }, (_, i) => ({
    apiKey: `key-${i}`,
    secret: `secret-${i}`,
    balances: { USDT: 1000 },
    futuresUsdt: 1000,
  }));
  const s = await startSimulator({ autoTick: false, accounts });
  sim = s;
  // A zero-latency fault on each exchangeInfo route is the simulator's request counter.
  s.addFaults([
    { id: 'spot-info', kind: 'latency', route: '/api/v3/exchangeInfo', latency: { dist: 'fixed', ms: 0 } },
    { id: 'fapi-info', kind: 'latency', route: '/fapi/v1/exchangeInfo', latency: { dist: 'fixed', ms: 0 } },
  ]);
  const markets = new SharedMarkets();
  for (const [i, a] of accounts.entries()) {
    // Half list the perpetual first: the same market types in another order are the same markets.
    const symbols = i % 2 === 0 ? ['BTC/USDT', 'BTC/USDT:USDT'] : ['BTC/USDT:USDT', 'BTC/USDT'];
    sessions.push(
      createCcxtSession({ account: { id: `acc-${i}`, exchange: 'binance', apiBaseUrl: s.url }, credentials: a, symbols, markets }),
    );
  }
  await Promise.all(sessions.map((x) => x.loadMarkets()));
  const quotes = await Promise.all(sessions.slice(0, 3).map((x) => x.fetchQuote('BTC/USDT:USDT')));
  expect(quotes.every((q) => q.bid > 0)).toBe(true);
  const first = accounts[0];
  if (first === undefined) throw new Error('no account');
  const stream = await createCcxtAccountStream({
    account: { id: 'acc-0', exchange: 'binance', apiBaseUrl: s.url },
    credentials: first,
    symbols: ['BTC/USDT', 'BTC/USDT:USDT'],
    markets,
  });
  const connected = new Set<string>();
  stream?.start({ connected: (m) => void connected.add(m), disconnected() {}, fills() {}, funding() {}, needsRest() {} });
  while (connected.size < 2) await new Promise((r) => setTimeout(r, 20));
  await stream?.stop();
  const counts = Object.fromEntries(s.faults().map((f) => [f.id, f.matched]));
  expect(counts).toEqual({ 'spot-info': 1, 'fapi-info': 1 });
  expect(markets.loads).toBe(1);
});
