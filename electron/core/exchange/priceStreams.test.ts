/**
 * Quotes by stream (issue 12), real ccxt.pro against the simulator on loopback: a live stream's quote
 * spends no request (counted at the simulator) and is the simulator's top of book; a moved book is
 * seen; a killed stream falls back to REST; a perpetual's mark price arrives.
 */
import { afterEach, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../sim/simulator.ts';
import { publicStreamsOn } from '../../sim/ws/publicStreams.ts';
import { createCcxtSession } from './ccxtSession.ts';
import { PriceFeeds, type PriceAccount } from './priceStreams.ts';
import { SharedMarkets } from './sharedMarkets.ts';
import { watchUnhandledRejections } from './testing/loopback.ts';
import type { ExchangeSession } from './types.ts';
import { WeightBudgetRegistry } from './weightBudget.ts';

let sim: Simulator | undefined;
let feeds: PriceFeeds | undefined;
const sessions: ExchangeSession[] = [];
const rejections = watchUnhandledRejections();

afterEach(async () => {
  for (const s of sessions.splice(0)) await s.close();
  await feeds?.close();
  feeds = undefined;
  await sim?.close();
  sim = undefined;
  expect(rejections.seen).toEqual([]);
});

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(read: () => T | null | Promise<T | null>, what: string, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (v !== null) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await delay(20);
  }
}

interface Rig {
  sim: Simulator;
  feeds: PriceFeeds;
  account: PriceAccount;
  session: ExchangeSession;
  /** Requests the simulator answered on its ticker routes so far. */
  tickerRequests(): number;
}

async function rig(symbol: string): Promise<Rig> {
  const s = await startSimulator({
    autoTick: false,
    accounts: [{ apiKey: 'k-1', secret: 's-1', balances: { USDT: 1000 }, futuresUsdt: 1000 }],
  });
  sim = s;
  // A zero-latency fault on each ticker route is the simulator's request counter.
  s.addFaults([
    { id: 'spot-ticker', kind: 'latency', route: '/api/v3/ticker/*', latency: { dist: 'fixed', ms: 0 } },
    { id: 'fapi-ticker', kind: 'latency', route: '/fapi/v1/ticker/*', latency: { dist: 'fixed', ms: 0 } },
  ]);
  const markets = new SharedMarkets();
  const f = new PriceFeeds({ markets, backoff: { baseMs: 20, maxMs: 100 } });
  feeds = f;
  const account = { id: 'a-1', exchange: 'binance', apiBaseUrl: s.url };
  const session = createCcxtSession({
    account,
    credentials: { apiKey: 'k-1', secret: 's-1' },
    symbols: [symbol],
    budgets: new WeightBudgetRegistry(),
    markets,
    quotes: f,
  });
  sessions.push(session);
  const tickerRequests = (): number => s.faults().reduce((n, v) => n + v.matched, 0);
  return { sim: s, feeds: f, account, session, tickerRequests };
}

/** The simulator's own top of book (its REST depth, read without the app). */
async function topOfBook(s: Simulator, path: string, id: string): Promise<{ bid: number; ask: number }> {
  const r = await fetch(`${s.url}${path}?symbol=${id}&limit=5`);
  const book = (await r.json()) as { bids: [string, string][]; asks: [string, string][] };
  return { bid: Number(book.bids[0]?.[0]), ask: Number(book.asks[0]?.[0]) };
}

/** Waits until the session's quote comes from the stream (no ticker request made for it). */
async function streamedQuote(r: Rig, symbol: string): Promise<void> {
  await until(() => r.feeds.quote(r.account, symbol), `a streamed ${symbol} quote`);
}

it('a spot quote read while the stream is live spends no request and is the simulator’s top of book; a moved book is seen', async () => {
  const r = await rig('BTC/USDT');
  // The first read subscribes and is answered by REST (nothing streamed yet).
  await r.session.fetchQuote('BTC/USDT');
  expect(r.tickerRequests()).toBe(1);
  await streamedQuote(r, 'BTC/USDT');

  const before = r.tickerRequests();
  const q = await r.session.fetchQuote('BTC/USDT');
  expect(r.tickerRequests()).toBe(before);
  const top = await topOfBook(r.sim, '/api/v3/depth', 'BTCUSDT');
  expect({ bid: q.bid, ask: q.ask }).toEqual(top);

  // The book moves; the next quotes follow it without a request.
  let moved = top;
  for (let i = 0; i < 50 && moved.bid === top.bid && moved.ask === top.ask; i++) {
    r.sim.advance(1);
    moved = await topOfBook(r.sim, '/api/v3/depth', 'BTCUSDT');
  }
  expect(moved).not.toEqual(top);
  const seen = await until(async () => {
    const x = await r.session.fetchQuote('BTC/USDT');
    return x.bid === moved.bid && x.ask === moved.ask ? x : null;
  }, 'the moved book');
  expect(seen.bid).toBe(moved.bid);
  expect(r.tickerRequests()).toBe(before);
  // One connection for the host, one subscription, however many reads.
  expect(publicStreamsOn(r.sim.port)?.stats()).toMatchObject({ connections: 1, subscriptions: 1 });
});

it('a killed stream falls back to REST and still answers; the stream comes back when the host allows it', async () => {
  const r = await rig('BTC/USDT');
  r.feeds.watch(r.account, ['BTC/USDT']);
  await streamedQuote(r, 'BTC/USDT');
  const server = publicStreamsOn(r.sim.port);
  expect(server?.disconnect(true)).toBe(1);

  await until(() => (r.feeds.quote(r.account, 'BTC/USDT') === null ? true : null), 'the stream noticed down');
  const before = r.tickerRequests();
  const q = await r.session.fetchQuote('BTC/USDT');
  expect(r.tickerRequests()).toBe(before + 1);
  expect(q.bid).toBeGreaterThan(0);
  expect(q.ask).toBeGreaterThanOrEqual(q.bid);

  server?.refuse(false);
  await streamedQuote(r, 'BTC/USDT');
});

it('a perpetual’s book ticker and mark price arrive by stream', async () => {
  const r = await rig('BTC/USDT:USDT');
  r.feeds.watch(r.account, ['BTC/USDT:USDT']);
  const mark = await until(() => r.feeds.mark(r.account, 'BTC/USDT:USDT'), 'a mark price');
  const premium = (await (await fetch(`${r.sim.url}/fapi/v1/premiumIndex?symbol=BTCUSDT`)).json()) as { markPrice: string };
  expect(mark.markPrice).toBe(Number(premium.markPrice));

  await streamedQuote(r, 'BTC/USDT:USDT');
  const before = r.tickerRequests();
  const q = await r.session.fetchQuote('BTC/USDT:USDT');
  expect(r.tickerRequests()).toBe(before);
  expect({ bid: q.bid, ask: q.ask }).toEqual(await topOfBook(r.sim, '/fapi/v1/depth', 'BTCUSDT'));
});
