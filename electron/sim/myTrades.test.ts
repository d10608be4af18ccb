import ccxt from 'ccxt';
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from './simulator.ts';
import { binanceClient, type Binance } from './testClient.ts';

const HOUR = 60 * 60 * 1000;
let sim: Simulator | undefined;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

/**
 * A simulator whose clock can jump ahead, and a client whose nonce follows it (ccxt signs with
 * `milliseconds() - options.timeDifference`), so trades can be spread over several days.
 */
async function setupWithClock(): Promise<{ s: Simulator; ex: Binance; jump: (ms: number) => void }> {
  let offset = 0;
  const s = await startSimulator({
    autoTick: false,
    seed: 21,
    now: () => Date.now() + offset,
    accounts: [{ apiKey: 'k', secret: 's', balances: { USDT: 100000, BTC: 1 } }],
  });
  sim = s;
  const ex = binanceClient(s.url, { apiKey: 'k', secret: 's' });
  await ex.loadMarkets();
  const jump = (ms: number): void => {
    offset += ms;
    ex.options['timeDifference'] = -offset;
  };
  return { s, ex, jump };
}

describe('GET /api/v3/myTrades', () => {
  it('requires a symbol (ccxt checks first; the server answers -1102 too)', async () => {
    const { ex } = await setupWithClock();
    await expect(ex.fetchMyTrades()).rejects.toBeInstanceOf(ccxt.ArgumentsRequired);
    const raw = ex.privateGetMyTrades({});
    await expect(raw).rejects.toBeInstanceOf(ccxt.BadRequest);
    await expect(ex.privateGetMyTrades({})).rejects.toThrow(/-1102.*'symbol'/);
  });

  it('pages by 24-hour windows, by fromId and by limit, always oldest first', async () => {
    const { s, ex, jump } = await setupWithClock();
    const t0 = Date.now();
    await ex.createOrder('BTC/USDT', 'market', 'buy', 0.001);
    s.advance(1);
    await ex.createOrder('BTC/USDT', 'market', 'sell', 0.001);
    jump(30 * HOUR);
    s.advance(1);
    await ex.createOrder('BTC/USDT', 'market', 'buy', 0.002);
    const all = s.trades('k', 'BTC/USDT');
    expect(all.length).toBeGreaterThanOrEqual(3);
    const day0 = all.filter((t) => t.time < t0 + HOUR);
    const day1 = all.filter((t) => t.time >= t0 + 30 * HOUR);
    expect(day0.length).toBeGreaterThanOrEqual(2);
    expect(day1.length).toBeGreaterThanOrEqual(1);

    const ids = (trades: { id: string | undefined }[]): number[] => trades.map((t) => Number(t.id));
    // No bounds: the most recent trades, ascending.
    expect(ids(await ex.fetchMyTrades('BTC/USDT'))).toEqual(all.map((t) => t.id));
    // startTime alone covers [startTime, startTime + 24 h]: the later day is not included.
    expect(ids(await ex.fetchMyTrades('BTC/USDT', t0 - 1000))).toEqual(day0.map((t) => t.id));
    // endTime alone covers the 24 h before it.
    expect(ids(await ex.fetchMyTrades('BTC/USDT', undefined, undefined, { until: Date.now() + 30 * HOUR }))).toEqual(day1.map((t) => t.id));
    // A window of exactly 24 h is fine; one millisecond more is -1127.
    expect(ids(await ex.fetchMyTrades('BTC/USDT', t0 - 1000, undefined, { until: t0 - 1000 + 24 * HOUR }))).toEqual(day0.map((t) => t.id));
    const tooLong = ex.fetchMyTrades('BTC/USDT', t0 - 1000, undefined, { until: t0 - 1000 + 24 * HOUR + 1 });
    await expect(tooLong).rejects.toBeInstanceOf(ccxt.BadRequest);
    await expect(ex.fetchMyTrades('BTC/USDT', t0, undefined, { until: t0 + 31 * HOUR })).rejects.toThrow(/-1127.*More than 24 hours/);

    const second = all[1];
    expect(second).toBeDefined();
    expect(ids(await ex.fetchMyTrades('BTC/USDT', undefined, undefined, { fromId: second?.id }))).toEqual(all.slice(1).map((t) => t.id));
    expect(ids(await ex.fetchMyTrades('BTC/USDT', undefined, 2))).toEqual(all.slice(-2).map((t) => t.id));
    expect(ids(await ex.fetchMyTrades('BTC/USDT', undefined, 1, { fromId: all[0]?.id }))).toEqual([all[0]?.id]);
    await expect(ex.fetchMyTrades('BTC/USDT', t0, undefined, { fromId: 1 })).rejects.toThrow(/-1128/);
  });

  it('returns only the trades of the requested symbol and account', async () => {
    const { s, ex } = await setupWithClock();
    s.addAccount({ apiKey: 'k2', secret: 's2', balances: { USDT: 1000 } });
    await ex.createOrder('BTC/USDT', 'market', 'buy', 0.001);
    await ex.createOrder('ETH/USDT', 'market', 'buy', 0.01);
    const other = binanceClient(s.url, { apiKey: 'k2', secret: 's2' });
    expect(await other.fetchMyTrades('BTC/USDT')).toEqual([]);
    const eth = await ex.fetchMyTrades('ETH/USDT');
    expect(eth.length).toBeGreaterThan(0);
    expect(eth.every((t) => t.symbol === 'ETH/USDT')).toBe(true);
  });
});
