/**
 * Error handling by kind, end to end: real ccxt against loopback servers that answer exactly what a
 * real exchange answers when things go wrong. Time is virtual (backoff and budget waits return at
 * once with the clock moved), so nothing here sleeps for real except ccxt's own request timeouts.
 */
import { describe, expect, it } from 'vitest';
import type { RetryPolicy } from './retry.ts';
import { startLoopback, type Hit, type LoopbackServer, type Reply } from './testing/loopback.ts';
import { marketsReply } from './testing/markets.ts';
import { binanceTicker, virtualSessions } from './testing/virtualSession.ts';
import { ExchangeError, type ExchangeSession } from './types.ts';

// Abandoned attempts (a hanging socket cut by the deadline) settle when the server closes.
const env = virtualSessions(50);

type Route = (hit: Hit, n: number) => Reply;

/** A Binance spot dialect server: markets are served; `routes` answer the rest, with a per-path call count. */
async function binance(routes: Record<string, Route>): Promise<LoopbackServer & { count(path: string): number }> {
  const counts = new Map<string, number>();
  const server = await startLoopback((hit) => {
    const markets = marketsReply('binance', hit);
    if (markets) return markets;
    const key = `${hit.method} ${hit.path}`;
    const n = (counts.get(key) ?? 0) + 1;
    counts.set(key, n);
    return routes[key]?.(hit, n) ?? null;
  });
  env.defer(() => server.close());
  return Object.assign(server, { count: (path: string) => server.hits.filter((h) => `${h.method} ${h.path}` === path).length });
}

const session = (url: string, retry: Partial<RetryPolicy> = {}, timeoutMs = 400): ExchangeSession => env.session(url, { timeoutMs, retry });

async function failure(promise: Promise<unknown>): Promise<ExchangeError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ExchangeError);
    return error as ExchangeError;
  }
  throw new Error('expected the call to fail');
}

const ticker = (): Reply => ({ body: binanceTicker(Date.now()) });
const trades = (): Reply => ({
  body: [
    {
      symbol: 'BTCUSDT',
      id: 7,
      orderId: 70,
      price: '100.00',
      qty: '0.10000',
      quoteQty: '10.00',
      commission: '0.01',
      commissionAsset: 'USDT',
      time: 1_790_000_000_000,
      isBuyer: true,
      isMaker: false,
      isBestMatch: true,
    },
  ],
});
const binanceError = (status: number, code: number, msg: string, headers: Record<string, string> = {}): Reply => ({
  status,
  headers,
  body: { code, msg },
});
const TICKER = 'GET /api/v3/ticker/24hr';
const TRADES = 'GET /api/v3/myTrades';
const OPEN = 'GET /api/v3/openOrders';
const ORDER = 'POST /api/v3/order';

describe('transient failures of reads are retried with backoff, within the deadline', () => {
  it('429 with Retry-After: waits at least what the exchange asked, then succeeds', async () => {
    const s = await binance({
      [TICKER]: (_, n) => (n === 1 ? binanceError(429, -1003, 'Too many requests.', { 'Retry-After': '2' }) : ticker()),
    });
    const quote = await session(s.url).fetchQuote('BTC/USDT');
    expect(quote).toMatchObject({ bid: 100, ask: 101, last: 100.5 });
    expect(s.count(TICKER)).toBe(2);
    expect(Math.max(...env.time.sleeps)).toBeGreaterThanOrEqual(2000);
  });

  it('5xx (JSON or not): full-jitter exponential backoff, then succeeds', async () => {
    const s = await binance({
      [TICKER]: (_, n) =>
        n === 1
          ? { status: 503, body: 'Service Unavailable' }
          : n === 2
            ? binanceError(500, -1001, 'Internal error; unable to process your request. Please try again.')
            : ticker(),
    });
    await session(s.url).fetchQuote('BTC/USDT');
    expect(s.count(TICKER)).toBe(3);
    // random() = 0.5 → half of 250·2^0, then half of 250·2^1.
    expect(env.time.sleeps.filter((ms) => ms < 1000)).toEqual([125, 250]);
  });

  it('a non-JSON 200 (ccxt: plain TypeError) is bad_payload, retried; persistent garbage gives up after maxAttempts', async () => {
    const s = await binance({ [TRADES]: (_, n) => (n === 1 ? { body: '<html>maintenance</html>' } : trades()) });
    const fills = await session(s.url).fetchFills('BTC/USDT', 1_789_000_000_000, 100, null);
    expect(fills.map((f) => f.id)).toEqual(['7']);
    expect(s.count(TRADES)).toBe(2);

    const bad = await binance({ [TRADES]: () => ({ body: '<html>maintenance</html>' }) });
    const error = await failure(session(bad.url, { maxAttempts: 3 }).fetchFills('BTC/USDT', 1_789_000_000_000, 100, null));
    expect(error.kind).toBe('bad_payload');
    expect(error.message).toContain('gave up after 3 attempts');
    expect(bad.count(TRADES)).toBe(3);
  });

  it('a dropped connection is a network error, retried', async () => {
    const s = await binance({ [TICKER]: (_, n) => (n <= 2 ? { destroy: true } : ticker()) });
    await session(s.url).fetchQuote('BTC/USDT');
    expect(s.count(TICKER)).toBe(3);
  });

  it('a hanging socket times out (ccxt timeout) and is retried', async () => {
    const s = await binance({ [TICKER]: (_, n) => (n === 1 ? { hang: 'headers' } : ticker()) });
    const quote = await session(s.url, {}, 200).fetchQuote('BTC/USDT');
    expect(quote.last).toBe(100.5);
    expect(s.count(TICKER)).toBe(2);
  });

  it('an answer that never ends cannot hold a call past its deadline', async () => {
    const s = await binance({ [TICKER]: () => ({ hang: 'body' }) });
    // Wall-clock time here: the deadline is about real time passing while a body trickles in.
    const wall = { now: () => Date.now(), sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)) };
    const sess = session(s.url, { deadlineMs: 800, ...wall }, 5000);
    await sess.loadMarkets();
    const started = Date.now();
    const error = await failure(sess.fetchQuote('BTC/USDT'));
    expect(error.kind).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('a 418 ban longer than the deadline is returned at once as rate_limit with retryAfterMs, and the host stays paused for every session', async () => {
    const s = await binance({
      [TICKER]: () => binanceError(418, -1003, 'Way too many requests; IP banned until 1790000120000.', { 'Retry-After': '120' }),
    });
    const a = session(s.url);
    const b = session(s.url);
    await Promise.all([a.loadMarkets(), b.loadMarkets()]);
    const error = await failure(a.fetchQuote('BTC/USDT'));
    expect(error.kind).toBe('rate_limit');
    expect(error.retryAfterMs).toBe(120_000);
    expect(s.count(TICKER)).toBe(1);
    expect(env.time.sleeps.every((ms) => ms < 120_000)).toBe(true);

    // The other instance on the same IP does not knock on a banned door.
    const other = await failure(b.fetchQuote('BTC/USDT'));
    expect(other.kind).toBe('rate_limit');
    expect(other.retryAfterMs).toBeGreaterThan(100_000);
    expect(s.count(TICKER)).toBe(1);
  });
});

describe('failures that must not be retried', () => {
  it('401 -2015 is auth at once, with a clear message and no secret', async () => {
    const s = await binance({ [OPEN]: () => binanceError(401, -2015, 'Invalid API-key, IP, or permissions for action.') });
    const error = await failure(session(s.url).fetchOpenOrders('BTC/USDT'));
    expect(error.kind).toBe('auth');
    expect(error.message).toMatch(/authentication failed.*not retried/);
    expect(error.message).not.toContain('test-secret-456');
    expect(s.count(OPEN)).toBe(1);
  });

  it('-2015 after the session has authenticated (ccxt then says DDoSProtection) is still auth, not retried', async () => {
    const s = await binance({
      [OPEN]: (_, n) => (n === 1 ? { body: [] } : binanceError(401, -2015, 'Invalid API-key, IP, or permissions for action.')),
    });
    const sess = session(s.url);
    expect(await sess.fetchOpenOrders('BTC/USDT')).toEqual([]);
    const error = await failure(sess.fetchOpenOrders('BTC/USDT'));
    expect(error.kind).toBe('auth');
    expect(s.count(OPEN)).toBe(2);
  });

  it.each([
    [-2014, 'API-key format invalid.'],
    [-1022, 'Signature for this request is not valid.'],
  ])('%i is auth, not retried', async (code, msg) => {
    const s = await binance({ [OPEN]: () => binanceError(400, code, msg) });
    const error = await failure(session(s.url).fetchOpenOrders('BTC/USDT'));
    expect(error.kind).toBe('auth');
    expect(s.count(OPEN)).toBe(1);
  });

  it('an exchange rejection (bad symbol, invalid order) is exchange, not retried', async () => {
    const s = await binance({ [TRADES]: () => binanceError(400, -1121, 'Invalid symbol.') });
    const error = await failure(session(s.url).fetchFills('BTC/USDT', 1_789_000_000_000, 100, null));
    expect(error.kind).toBe('exchange');
    expect(s.count(TRADES)).toBe(1);
  });
});

describe('-1021 (timestamp outside recvWindow): resync the clock offset, retry once', () => {
  /** A server whose clock runs a minute ahead and checks signed timestamps against it, as Binance does. */
  const skewed = (routes: Record<string, Route>, skewMs = 60_000): Promise<LoopbackServer & { count(path: string): number }> => {
    const check =
      (route: Route): Route =>
      (hit, n) => {
        const ts = Number(hit.params.get('timestamp'));
        const window = Number(hit.params.get('recvWindow') ?? 5000);
        return Date.now() + skewMs - ts > window
          ? binanceError(400, -1021, 'Timestamp for this request is outside of the recvWindow.')
          : route(hit, n);
      };
    return binance({
      'GET /api/v3/time': () => ({ body: { serverTime: Date.now() + skewMs } }),
      ...Object.fromEntries(Object.entries(routes).map(([k, r]) => [k, check(r)])),
    });
  };

  it('loads the time difference from /api/v3/time and the retried request passes', async () => {
    const s = await skewed({ [OPEN]: () => ({ body: [] }) });
    expect(await session(s.url).fetchOpenOrders('BTC/USDT')).toEqual([]);
    expect(s.count(OPEN)).toBe(2);
    expect(s.count('GET /api/v3/time')).toBe(1);
  });

  it('also for an order: a -1021 proves the order was not accepted', async () => {
    const s = await skewed({
      [ORDER]: () => ({
        body: {
          symbol: 'BTCUSDT',
          orderId: 42,
          clientOrderId: 'mm-1',
          transactTime: Date.now(),
          price: '100.00',
          origQty: '0.10000',
          executedQty: '0',
          status: 'NEW',
          type: 'LIMIT',
          side: 'BUY',
        },
      }),
    });
    const order = await session(s.url).createOrder({ symbol: 'BTC/USDT', side: 'buy', amount: 0.1, price: 100, isPostOnly: false });
    expect(order.id).toBe('42');
    expect(s.count(ORDER)).toBe(2);
  });

  it('a clock the resync cannot fix fails after one resync, as exchange', async () => {
    const s = await binance({
      'GET /api/v3/time': () => ({ body: { serverTime: Date.now() } }),
      [OPEN]: () => binanceError(400, -1021, 'Timestamp for this request was 1000ms ahead of the server time.'),
    });
    const error = await failure(session(s.url).fetchOpenOrders('BTC/USDT'));
    expect(error.kind).toBe('exchange');
    expect(error.message).toContain('after resyncing');
    expect(s.count('GET /api/v3/time')).toBe(1);
    expect(s.count(OPEN)).toBe(2);
  });
});

describe('createOrder is never retried blindly', () => {
  it('a timeout returns the error after one request: the order may be on the book', async () => {
    const s = await binance({ [ORDER]: () => ({ hang: 'headers' }) });
    const sess = session(s.url, {}, 250);
    await sess.loadMarkets();
    const error = await failure(sess.createOrder({ symbol: 'BTC/USDT', side: 'buy', amount: 0.1, price: 100, isPostOnly: true }));
    expect(error.kind).toBe('timeout');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(s.count(ORDER)).toBe(1);
  });

  it('nor after a 5xx or a dropped connection', async () => {
    const s = await binance({ [ORDER]: (_, n) => (n === 1 ? { status: 502, body: 'Bad Gateway' } : { destroy: true }) });
    const sess = session(s.url);
    expect((await failure(sess.createOrder({ symbol: 'BTC/USDT', side: 'sell', amount: 0.1, price: 100, isPostOnly: false }))).kind).toBe(
      'network',
    );
    expect((await failure(sess.createOrder({ symbol: 'BTC/USDT', side: 'sell', amount: 0.1, price: 100, isPostOnly: false }))).kind).toBe(
      'network',
    );
    expect(s.count(ORDER)).toBe(2);
  });

  it('a cancel is retried (repeating it is harmless) and "unknown order" on the retry means done', async () => {
    const s = await binance({
      'DELETE /api/v3/order': (_, n) =>
        n === 1 ? { status: 503, body: 'Service Unavailable' } : binanceError(400, -2011, 'Unknown order sent.'),
    });
    await session(s.url).cancelOrder('42', 'BTC/USDT');
    expect(s.count('DELETE /api/v3/order')).toBe(2);
  });
});
