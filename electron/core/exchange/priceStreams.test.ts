/**
 * Quotes by stream (issue 12), real ccxt.pro against the simulator on loopback: a live stream's quote
 * spends no request (counted at the simulator) and is the simulator's top of book; a moved book is
 * seen; a killed stream falls back to REST; a perpetual's mark price arrives; on Binance and on Bybit v5; a
 * symbol nobody reads any more is unsubscribed (the simulator's subscription count falls).
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

type PriceExchange = 'binance' | 'bybit';

async function rig(symbol: string, exchange: PriceExchange = 'binance', idleMs?: number): Promise<Rig> {
  const s = await startSimulator({
    autoTick: false,
    accounts: [
      {
        apiKey: 'k-1',
        secret: 's-1',
        balances: { USDT: 1000 },
        futuresUsdt: 1000,
        ...(exchange === 'bybit' ? { dialect: 'bybit' as const } : {}),
      },
    ],
  });
  sim = s;
  // A zero-latency fault on each ticker route is the simulator's request counter.
  s.addFaults([
    { id: 'spot-ticker', kind: 'latency', route: '/api/v3/ticker/*', latency: { dist: 'fixed', ms: 0 } },
    { id: 'fapi-ticker', kind: 'latency', route: '/fapi/v1/ticker/*', latency: { dist: 'fixed', ms: 0 } },
    { id: 'bybit-ticker', kind: 'latency', route: '/v5/market/tickers', latency: { dist: 'fixed', ms: 0 } },
  ]);
  const markets = new SharedMarkets();
  const f = new PriceFeeds({ markets, backoff: { baseMs: 20, maxMs: 100 }, ...(idleMs === undefined ? {} : { idleMs }) });
  feeds = f;
  const account = { id: 'a-1', exchange, apiBaseUrl: s.url };
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

/** The same from Bybit's REST (`/v5/market/orderbook`). */
async function bybitTopOfBook(s: Simulator, category: 'spot' | 'linear'): Promise<{ bid: number; ask: number }> {
  const r = await fetch(`${s.url}/v5/market/orderbook?category=${category}&symbol=BTCUSDT&limit=5`);
  const book = ((await r.json()) as { result: { b: [string, string][]; a: [string, string][] } }).result;
  return { bid: Number(book.b[0]?.[0]), ask: Number(book.a[0]?.[0]) };
}

/** Waits until the session's quote comes from the stream (no ticker request made for it). */
async function streamedQuote(r: Rig, symbol: string): Promise<void> {
  await until(() => r.feeds.quote(r.account, symbol), `a streamed ${symbol} quote`);
}

/** The simulator's top of book for BTCUSDT of that exchange and market, read by REST without the app. */
function simTop(r: Rig, exchange: PriceExchange, kind: 'spot' | 'linear'): Promise<{ bid: number; ask: number }> {
  if (exchange === 'bybit') return bybitTopOfBook(r.sim, kind);
  return topOfBook(r.sim, kind === 'spot' ? '/api/v3/depth' : '/fapi/v1/depth', 'BTCUSDT');
}

it.each<PriceExchange>(['binance', 'bybit'])(
  'a %s spot quote read while the stream is live spends no request and is the simulator’s top of book; a moved book is seen',
  async (exchange) => {
    const r = await rig('BTC/USDT', exchange);
    // The first read subscribes and is answered by REST (nothing streamed yet).
    await r.session.fetchQuote('BTC/USDT');
    expect(r.tickerRequests()).toBe(1);
    await streamedQuote(r, 'BTC/USDT');

    const before = r.tickerRequests();
    const q = await r.session.fetchQuote('BTC/USDT');
    expect(r.tickerRequests()).toBe(before);
    const top = await simTop(r, exchange, 'spot');
    expect({ bid: q.bid, ask: q.ask }).toEqual(top);

    // The book moves; the next quotes follow it without a request.
    let moved = top;
    for (let i = 0; i < 50 && moved.bid === top.bid && moved.ask === top.ask; i++) {
      r.sim.advance(1);
      moved = await simTop(r, exchange, 'spot');
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
  },
);

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

it('a Bybit perpetual’s quote and mark price arrive on one tickers subscription', async () => {
  const r = await rig('BTC/USDT:USDT', 'bybit');
  r.feeds.watch(r.account, ['BTC/USDT:USDT']);
  const mark = await until(() => r.feeds.mark(r.account, 'BTC/USDT:USDT'), 'a mark price');
  const rest = (await (await fetch(`${r.sim.url}/v5/market/tickers?category=linear&symbol=BTCUSDT`)).json()) as {
    result: { list: { markPrice: string; indexPrice: string }[] };
  };
  expect(mark.markPrice).toBe(Number(rest.result.list[0]?.markPrice));
  expect(mark.indexPrice).toBe(Number(rest.result.list[0]?.indexPrice));

  await streamedQuote(r, 'BTC/USDT:USDT');
  const before = r.tickerRequests();
  const q = await r.session.fetchQuote('BTC/USDT:USDT');
  expect(r.tickerRequests()).toBe(before);
  expect({ bid: q.bid, ask: q.ask }).toEqual(await simTop(r, 'bybit', 'linear'));
  // The mark moves with the next ticks and is seen (Bybit sends the changed fields as a delta).
  for (let i = 0; i < 5; i++) r.sim.advance(1);
  const next = (await (await fetch(`${r.sim.url}/v5/market/tickers?category=linear&symbol=BTCUSDT`)).json()) as typeof rest;
  const want = Number(next.result.list[0]?.markPrice);
  await until(() => (r.feeds.mark(r.account, 'BTC/USDT:USDT')?.markPrice === want ? true : null), 'the moved mark');
  expect(publicStreamsOn(r.sim.port)?.stats()).toMatchObject({ connections: 1, subscriptions: 1 });
});

it.each<[PriceExchange, string]>([
  ['binance', 'BTC/USDT'],
  ['binance', 'BTC/USDT:USDT'],
  ['bybit', 'BTC/USDT'],
  ['bybit', 'BTC/USDT:USDT'],
])('%s %s: a symbol nobody quotes any more is unsubscribed at the simulator, and subscribed again when read', async (exchange, symbol) => {
  const r = await rig(symbol, exchange, 300);
  const isPerp = symbol.endsWith(':USDT');
  r.feeds.watch(r.account, [symbol]);
  if (isPerp) r.feeds.mark(r.account, symbol);
  await streamedQuote(r, symbol);
  if (isPerp) await until(() => r.feeds.mark(r.account, symbol), 'a mark price');
  // Binance: book ticker and mark price; Bybit: its one tickers topic.
  const subscribed = exchange === 'binance' && isPerp ? 2 : 1;
  expect(publicStreamsOn(r.sim.port)?.stats().subscriptions).toBe(subscribed);
  const connections = publicStreamsOn(r.sim.port)?.stats().connections;

  // Nobody reads it any more (the strategies quoting it stopped): the simulator sees the subscriptions go.
  await until(() => (publicStreamsOn(r.sim.port)?.stats().subscriptions === 0 ? true : null), 'the subscriptions dropped');
  expect(r.feeds.stats().subscriptions).toBe(0);
  expect(publicStreamsOn(r.sim.port)?.stats().connections).toBe(connections); // the sockets stay for the next symbol

  // A strategy quotes it again: subscribed again, streamed again.
  await streamedQuote(r, symbol);
  expect(publicStreamsOn(r.sim.port)?.stats().subscriptions).toBeGreaterThanOrEqual(1);
});
