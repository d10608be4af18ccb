/**
 * The shared per-host weight budget, wired into real ccxt clients: many sessions, one loopback host.
 * Time is virtual, so "wait for the next minute" costs no real minute.
 */
import { describe, expect, it } from 'vitest';
import { startLoopback, type Handler, type LoopbackServer } from './testing/loopback.ts';
import { marketsReply } from './testing/markets.ts';
import { binanceTicker, virtualSessions } from './testing/virtualSession.ts';
import type { ExchangeSession } from './types.ts';
import { ExchangeError } from './types.ts';

const env = virtualSessions(20);

async function server(exchange: string, handler: Handler): Promise<LoopbackServer> {
  const s = await startLoopback((hit) => marketsReply(exchange, hit) ?? handler(hit));
  env.defer(() => s.close());
  return s;
}

function session(url: string, symbols = ['BTC/USDT'], exchange = 'binance', deadlineMs = 15_000): ExchangeSession {
  return env.session(url, {
    account: { id: `acc-${Math.random()}`, exchange, apiBaseUrl: url },
    symbols,
    timeoutMs: 2000,
    retry: { deadlineMs },
    // Each session loads its own markets here: these tests count every request against the budget.
    markets: null,
  });
}

const tickerBody = binanceTicker(2);
const nextWindow = (t: number): number => Math.floor(t / 60_000) * 60_000 + 60_000;

describe('one budget per host, shared by every session', () => {
  it('100 instances syncing at once go out together, not one after another', async () => {
    let inFlight = 0;
    let peak = 0;
    const s = await server('binance', async (hit) => {
      if (hit.path !== '/api/v3/ticker/24hr') return null;
      peak = Math.max(peak, ++inFlight);
      await new Promise((resolve) => setTimeout(resolve, 150));
      inFlight--;
      return { body: tickerBody };
    });
    const sessions = Array.from({ length: 100 }, () => session(s.url));
    await Promise.all(sessions.map((x) => x.loadMarkets()));
    const started = Date.now();
    const quotes = await Promise.all(sessions.map((x) => x.fetchQuote('BTC/USDT')));
    expect(quotes).toHaveLength(100);
    // 100 × (exchangeInfo 20 + ticker 2) = 2200 of 6000: nothing waits, nothing is spaced out.
    expect(peak).toBeGreaterThanOrEqual(90);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(env.time.sleeps).toEqual([]);
    expect(env.budgets.snapshot(`${s.url}|api`)?.used).toBe(2200);
  });

  it('charges each request what ccxt declares for its endpoint, in the pool of the host it goes to', async () => {
    const s = await server('binance', (hit) => {
      if (hit.path === '/api/v3/ticker/24hr') return { body: tickerBody };
      if (hit.path === '/api/v3/myTrades') return { body: [] };
      return null;
    });
    const spot = session(s.url);
    await spot.fetchQuote('BTC/USDT');
    await spot.fetchFills('BTC/USDT', Date.UTC(2026, 10, 24), 100, null);
    // exchangeInfo 20 + ticker/24hr 2 + myTrades 20 (Binance's documented weights).
    expect(env.budgets.snapshot(`${s.url}|api`)?.used).toBe(42);
    const perp = session(s.url, ['BTC/USDT:USDT']);
    await perp.loadMarkets();
    // USDⓈ-M has its own pool (2400/min): fapi exchangeInfo weighs 1 there and nothing in the spot pool.
    expect(env.budgets.snapshot(`${s.url}|fapi`)?.used).toBe(1);
    expect(env.budgets.snapshot(`${s.url}|api`)?.used).toBe(42);
  });

  it('X-MBX-USED-WEIGHT-1M from one session makes the others wait for the next window', async () => {
    const arrivals: { path: string; at: number }[] = [];
    const s = await server('binance', (hit) => {
      arrivals.push({ path: hit.path, at: env.time.now() });
      // Another process on this IP has spent nearly the whole minute.
      if (hit.path === '/api/v3/ticker/24hr') return { headers: { 'X-MBX-USED-WEIGHT-1M': '5999' }, body: tickerBody };
      return null;
    });
    const a = session(s.url);
    // A deadline long enough to sit out the minute (the default 15 s would fail fast instead, next test).
    const b = session(s.url, ['BTC/USDT'], 'binance', 90_000);
    await Promise.all([a.loadMarkets(), b.loadMarkets()]);
    const t0 = env.time.now();
    await a.fetchQuote('BTC/USDT');
    await b.fetchQuote('BTC/USDT');
    const tickers = arrivals.filter((x) => x.path === '/api/v3/ticker/24hr');
    expect(tickers.map((x) => x.at)).toEqual([t0, nextWindow(t0)]);
  });

  it('a wait past the call deadline fails fast with rate_limit and the wait, without sending', async () => {
    const s = await server('binance', (hit) =>
      hit.path === '/api/v3/ticker/24hr' ? { headers: { 'x-mbx-used-weight-1m': '6000' }, body: tickerBody } : null,
    );
    const a = session(s.url);
    const b = session(s.url, ['BTC/USDT'], 'binance', 10_000);
    await Promise.all([a.loadMarkets(), b.loadMarkets()]);
    await a.fetchQuote('BTC/USDT');
    const t0 = env.time.now();
    const error = await b.fetchQuote('BTC/USDT').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExchangeError);
    // Nothing was sent (held back by the budget, through the retry's "not retried" note): a sync waits for the slot.
    expect(error).toMatchObject({ kind: 'rate_limit', retryAfterMs: nextWindow(t0) - t0, isHeldBack: true });
    expect(s.hits.filter((h) => h.path === '/api/v3/ticker/24hr')).toHaveLength(1);
  });

  it('Bybit: every request of every session counts once against the host (600 per 5 s)', async () => {
    const s = await server('bybit', (hit) =>
      hit.path === '/v5/market/tickers'
        ? {
            body: {
              retCode: 0,
              retMsg: 'OK',
              result: {
                category: 'spot',
                list: [
                  {
                    symbol: 'BTCUSDT',
                    bid1Price: '100',
                    ask1Price: '101',
                    lastPrice: '100.5',
                    prevPrice24h: '99',
                    highPrice24h: '102',
                    lowPrice24h: '98',
                    volume24h: '10',
                    turnover24h: '1000',
                  },
                ],
              },
              time: 1,
            },
          }
        : null,
    );
    const sessions = [session(s.url, ['BTC/USDT'], 'bybit'), session(s.url, ['BTC/USDT'], 'bybit')];
    for (const x of sessions) await x.fetchQuote('BTC/USDT');
    expect(env.budgets.snapshot(`${s.url}|ip`)?.used).toBe(s.hits.length);
    expect(s.hits.length).toBeGreaterThanOrEqual(4);
  });
});
