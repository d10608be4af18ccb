import ccxt from 'ccxt';
import { afterEach, describe, expect, it } from 'vitest';
import { parseFaultFlag, type FaultKind } from './faults.ts';
import { startSimulator, type FaultSpec, type Simulator } from './simulator.ts';
import { binanceClient, bybitClient } from './testClient.ts';

const running: Simulator[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

async function start(options: { seed?: number; faults?: FaultSpec[] } = {}): Promise<Simulator> {
  const s = await startSimulator({
    autoTick: false,
    seed: options.seed ?? 5,
    ...(options.faults !== undefined ? { faults: options.faults } : {}),
    accounts: [
      { apiKey: 'k', secret: 's', balances: { USDT: 10_000, BTC: 1 }, futuresUsdt: 10_000 },
      { apiKey: 'k2', secret: 's2', balances: { USDT: 10_000 } },
      { apiKey: 'b', secret: 'bs', dialect: 'bybit', balances: { USDT: 10_000 }, futuresUsdt: 10_000 },
    ],
  });
  running.push(s);
  return s;
}

type ErrorClass = abstract new (...args: never[]) => Error;

describe('faults through real ccxt clients', () => {
  const cases: [FaultKind, ErrorClass, ErrorClass][] = [
    // kind, ccxt binance's error class, ccxt bybit's error class
    ['429', ccxt.DDoSProtection, ccxt.RateLimitExceeded],
    ['418', ccxt.DDoSProtection, ccxt.RateLimitExceeded],
    ['500', ccxt.OperationFailed, ccxt.ExchangeError],
    ['502', ccxt.ExchangeNotAvailable, ccxt.ExchangeNotAvailable],
    ['503', ccxt.OperationFailed, ccxt.ExchangeNotAvailable],
    ['401', ccxt.AuthenticationError, ccxt.AuthenticationError],
    ['timestamp', ccxt.InvalidNonce, ccxt.InvalidNonce],
    ['timeout', ccxt.RequestTimeout, ccxt.RequestTimeout],
  ];

  it.each(cases)('%s → the error class ccxt raises for it (binance spot + USDⓈ-M, bybit)', async (kind, binanceError, bybitError) => {
    const s = await start();
    const ex = binanceClient(s.url, { apiKey: 'k', secret: 's' }, { linear: true });
    const by = bybitClient(s.url, { apiKey: 'b', secret: 'bs' });
    await ex.loadMarkets();
    await by.loadMarkets();
    // A short client timeout only where the server will not answer (a loaded CI box is slow).
    const timeout = kind === 'timeout' ? 150 : 10_000;
    ex.timeout = timeout;
    by.timeout = timeout;
    s.addFaults([
      { kind, route: '/api/v3/myTrades' },
      { kind, route: '/fapi/v1/income' },
      { kind, route: '/v5/execution/list' },
    ]);
    await expect(ex.fetchMyTrades('BTC/USDT')).rejects.toBeInstanceOf(binanceError);
    await expect(ex.fetchFundingHistory('BTC/USDT:USDT')).rejects.toBeInstanceOf(binanceError);
    await expect(by.fetchMyTrades('BTC/USDT:USDT')).rejects.toBeInstanceOf(bybitError);
    // Other routes are untouched.
    ex.timeout = 10_000;
    expect((await ex.fetchBalance())['USDT']?.free).toBe(10_000);
  });

  it('non-JSON 200 bodies: a TypeError from binance fetchMyTrades, but silently empty or garbage results elsewhere', async () => {
    const s = await start();
    const ex = binanceClient(s.url, { apiKey: 'k', secret: 's' }, { linear: true });
    const by = bybitClient(s.url, { apiKey: 'b', secret: 'bs' });
    await ex.loadMarkets();
    await by.loadMarkets();
    for (const kind of ['malformed', 'truncated'] as const) {
      s.clearFaults();
      s.addFaults([
        { kind, route: '/api/v3/myTrades' },
        { kind, route: '/api/v3/account' },
        { kind, route: '/fapi/v1/income' },
        { kind, route: '/v5/execution/list' },
      ]);
      await expect(ex.fetchMyTrades('BTC/USDT')).rejects.toBeInstanceOf(TypeError);
      // ccxt hands the unparsed body to the parsers: callers must validate what they get.
      const balance = await ex.fetchBalance();
      expect(balance['USDT']).toBeUndefined();
      const funding = await ex.fetchFundingHistory('BTC/USDT:USDT');
      expect(funding.length).toBeGreaterThan(0);
      expect(funding.every((f) => f.amount === undefined)).toBe(true);
      expect(await by.fetchMyTrades('BTC/USDT:USDT')).toEqual([]);
    }
  });

  it('sends Retry-After with 429 and 418, and Binance -1003 bodies', async () => {
    const s = await start({
      faults: [
        { kind: '429', route: '/api/v3/time', retryAfterSec: 7 },
        { kind: '418', route: '/fapi/v1/time' },
      ],
    });
    const r429 = await fetch(`${s.url}/api/v3/time`);
    expect(r429.status).toBe(429);
    expect(r429.headers.get('retry-after')).toBe('7');
    expect(await r429.json()).toMatchObject({ code: -1003 });
    const r418 = await fetch(`${s.url}/fapi/v1/time`);
    expect(r418.status).toBe(418);
    expect(r418.headers.get('retry-after')).toBe('120');
    expect(await r418.json()).toMatchObject({ code: -1003, msg: expect.stringMatching(/IP banned until \d+/) });
  });

  it('adds latency from a distribution and then serves the request normally', async () => {
    const s = await start({
      faults: [{ kind: 'latency', route: '/api/v3/ticker/24hr', latency: { dist: 'uniform', min: 120, max: 180 } }],
    });
    const ex = binanceClient(s.url);
    await ex.loadMarkets();
    const t0 = performance.now();
    const ticker = await ex.fetchTicker('BTC/USDT');
    const elapsed = performance.now() - t0;
    expect(ticker.symbol).toBe('BTC/USDT');
    expect(elapsed).toBeGreaterThanOrEqual(115);
    expect(s.faults()[0]).toMatchObject({ matched: 1, fired: 1 });
  });

  it('scopes a fault to one API key', async () => {
    const s = await start({ faults: [{ kind: '401', apiKey: 'k2' }] });
    const one = binanceClient(s.url, { apiKey: 'k', secret: 's' });
    const two = binanceClient(s.url, { apiKey: 'k2', secret: 's2' });
    await one.loadMarkets();
    await two.loadMarkets(); // public: no key header, so no fault
    expect((await one.fetchBalance())['USDT']?.free).toBe(10_000);
    await expect(two.fetchBalance()).rejects.toBeInstanceOf(ccxt.AuthenticationError);
  });

  it('answers before the handler: a faulted order placement places nothing', async () => {
    const s = await start({
      faults: [
        { kind: '500', route: '/api/v3/order', method: 'POST' },
        { kind: '503', route: '/fapi/v1/order', method: 'POST' },
      ],
    });
    const ex = binanceClient(s.url, { apiKey: 'k', secret: 's' }, { linear: true });
    await ex.loadMarkets();
    await expect(ex.createOrder('BTC/USDT', 'market', 'buy', 0.01)).rejects.toBeInstanceOf(ccxt.OperationFailed);
    await expect(ex.createOrder('BTC/USDT:USDT', 'market', 'buy', 0.01)).rejects.toBeInstanceOf(ccxt.OperationFailed);
    s.clearFaults();
    expect(s.trades('k')).toEqual([]);
    expect(s.perpTrades('k')).toEqual([]);
    expect(await ex.fetchOpenOrders('BTC/USDT')).toEqual([]);
    expect((await ex.fetchBalance())['USDT']?.free).toBe(10_000);
  });

  it('is deterministic under the seed, per route and key, and leaves the market path alone', async () => {
    const outcomes = async (seed: number, withFaults: boolean): Promise<{ seen: string; price: number }> => {
      const s = await start({ seed, ...(withFaults ? { faults: [{ kind: '503', route: '/api/v3/myTrades', rate: 0.5 }] } : {}) });
      const a = binanceClient(s.url, { apiKey: 'k', secret: 's' });
      const b = binanceClient(s.url, { apiKey: 'k2', secret: 's2' });
      await a.loadMarkets();
      await b.loadMarkets();
      const run = async (ex: typeof a): Promise<string> => {
        let out = '';
        for (let i = 0; i < 24; i++)
          out += await ex.fetchMyTrades('BTC/USDT').then(
            () => '.',
            () => 'x',
          );
        return out;
      };
      // Both accounts at once: their interleaving must not change either sequence.
      const [sa, sb] = await Promise.all([run(a), run(b)]);
      s.advance(50);
      return { seen: `${sa}|${sb}`, price: s.price('BTC/USDT') };
    };
    const first = await outcomes(11, true);
    const again = await outcomes(11, true);
    const other = await outcomes(12, true);
    const clean = await outcomes(11, false);
    expect(again.seen).toBe(first.seen);
    expect(first.seen).toMatch(/x/);
    expect(first.seen).toMatch(/\./);
    expect(other.seen).not.toBe(first.seen);
    expect(clean.seen).toBe(`${'.'.repeat(24)}|${'.'.repeat(24)}`);
    expect(first.price).toBe(clean.price);
  });

  it('is controlled at runtime through /__sim/faults', async () => {
    const s = await start();
    const ex = binanceClient(s.url, { apiKey: 'k', secret: 's' });
    await ex.loadMarkets();
    const post = await fetch(`${s.url}/__sim/faults`, {
      method: 'POST',
      body: JSON.stringify({
        faults: [
          { id: 'rl', kind: '429', route: '/api/v3/*' },
          { kind: 'latency', latency: { dist: 'fixed', ms: 1 } },
        ],
      }),
    });
    expect(post.status).toBe(200);
    expect(((await post.json()) as { added: { id: string }[] }).added.map((f) => f.id)).toEqual(['rl', 'f1']);
    await expect(ex.fetchBalance()).rejects.toBeInstanceOf(ccxt.DDoSProtection);
    const listed = (await (await fetch(`${s.url}/__sim/faults`)).json()) as { faults: { id: string; matched: number; fired: number }[] };
    expect(listed.faults.find((f) => f.id === 'rl')).toMatchObject({ matched: 1, fired: 1 });
    expect((await (await fetch(`${s.url}/__sim/faults?id=rl`, { method: 'DELETE' })).json()) as unknown).toEqual({ removed: 1 });
    expect((await ex.fetchBalance())['USDT']?.free).toBe(10_000);
    const bad = await fetch(`${s.url}/__sim/faults`, { method: 'POST', body: JSON.stringify({ kind: 'explode' }) });
    expect(bad.status).toBe(400);
    expect((await (await fetch(`${s.url}/__sim/faults`, { method: 'DELETE' })).json()) as unknown).toEqual({ removed: 1 });
    expect(s.faults()).toEqual([]);
  });

  it('parses the CLI flag syntax', () => {
    expect(parseFaultFlag('route=/api/v3/myTrades,kind=429,rate=0.1')).toEqual({ route: '/api/v3/myTrades', kind: '429', rate: 0.1 });
    expect(parseFaultFlag('kind=latency,dist=normal,mean=80,sd=20,apiKey=k1')).toEqual({
      kind: 'latency',
      apiKey: 'k1',
      latency: { dist: 'normal', mean: 80, sd: 20 },
    });
    expect(parseFaultFlag('kind=latency,ms=50')).toEqual({ kind: 'latency', latency: { dist: 'fixed', ms: 50 } });
    expect(parseFaultFlag('kind=418,retryAfter=30,method=get')).toEqual({ kind: '418', retryAfterSec: 30, method: 'GET' });
    expect(() => parseFaultFlag('kind=429,rate=2')).toThrow(/rate/);
    expect(() => parseFaultFlag('kind=nope')).toThrow(/kind/);
    expect(() => parseFaultFlag('kind=429,colour=red')).toThrow(/colour/);
  });
});
