import ccxt from 'ccxt';
import { afterEach, describe, expect, it } from 'vitest';
import { createEngine } from './engine.ts';
import { DEFAULT_MARKETS } from './markets.ts';
import { DEFAULT_FEES } from './orders.ts';
import { startSimulator, type Simulator } from './simulator.ts';
import { binanceClient, idOf, recordRequests, startClockedSimulator, type Binance } from './testClient.ts';

const HOUR = 60 * 60 * 1000;
const BTC = 'BTC/USDT:USDT';
let sim: Simulator | undefined;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

interface Setup {
  s: Simulator;
  ex: Binance;
  /** Moves the server clock (and the client's nonce with it) forward. */
  jump: (ms: number) => void;
  client: (apiKey: string, secret: string) => Promise<Binance>;
}

/** A simulator on a clock the test moves, with a futures-funded account and a client on perps. */
async function setup(options: { seed?: number; fundingIntervalMs?: number; futuresUsdt?: number } = {}): Promise<Setup> {
  const { s, jump, client } = await startClockedSimulator(
    {
      autoTick: false,
      seed: options.seed ?? 7,
      ...(options.fundingIntervalMs !== undefined ? { fundingIntervalMs: options.fundingIntervalMs } : {}),
      accounts: [
        { apiKey: 'k', secret: 's', balances: { USDT: 10_000 }, futuresUsdt: options.futuresUsdt ?? 50_000 },
        { apiKey: 'k2', secret: 's2', futuresUsdt: 50_000 },
      ],
    },
    (url, credentials) => binanceClient(url, credentials, { linear: true }),
  );
  sim = s;
  const ex = await client('k', 's');
  return { s, ex, jump, client };
}

/** Average-cost realized PnL, Binance's way, replayed from fills: [realized per fill, final amt, entry]. */
function replay(fills: { side: string; price: number; qty: number }[]): { realized: number[]; amt: number; entry: number } {
  let amt = 0;
  let entry = 0;
  const realized: number[] = [];
  for (const f of fills) {
    const s = f.side === 'buy' || f.side === 'BUY' ? 1 : -1;
    let r = 0;
    let closed = 0;
    if (amt !== 0 && Math.sign(amt) !== s) {
      closed = Math.min(f.qty, Math.abs(amt));
      r = closed * (f.price - entry) * Math.sign(amt);
    }
    const opened = f.qty - closed;
    const next = amt + s * f.qty;
    if (Math.abs(next) < 1e-12) entry = 0;
    else if (closed > 0 && opened > 1e-12) entry = f.price;
    else if (closed === 0) entry = (Math.abs(amt) * entry + f.qty * f.price) / (Math.abs(amt) + f.qty);
    amt = next;
    realized.push(r);
  }
  return { realized, amt, entry };
}

describe('USDⓈ-M perpetuals through ccxt binance', () => {
  it('loads spot and linear markets with exactly the two public exchangeInfo calls', async () => {
    sim = await startSimulator({ autoTick: false, accounts: [{ apiKey: 'k', secret: 's' }] });
    const ex = binanceClient(sim.url, { apiKey: 'k', secret: 's' }, { linear: true });
    const requests = recordRequests(ex);
    const markets = await ex.loadMarkets();
    expect(requests.sort()).toEqual(['GET /api/v3/exchangeInfo', 'GET /fapi/v1/exchangeInfo']);
    expect(Object.keys(markets).sort()).toEqual(['BTC/USDT', 'BTC/USDT:USDT', 'ETH/USDT', 'ETH/USDT:USDT', 'SOL/USDT', 'SOL/USDT:USDT']);
    const perp = markets[BTC];
    expect(perp).toMatchObject({ type: 'swap', swap: true, linear: true, settle: 'USDT', contractSize: 1, active: true });
    expect(perp?.precision).toMatchObject({ price: 0.1, amount: 0.001 });
    expect(perp?.limits.cost?.min).toBe(100);
    expect(markets['SOL/USDT:USDT']?.precision.amount).toBe(1);
  });

  it('serves ticker, book, mark/index/funding rate and next funding time near the spot path', async () => {
    const { s, ex } = await setup();
    s.advance(30);
    const spot = s.price('BTC/USDT');
    const mark = s.price(BTC);
    for (const base of ['BTC', 'ETH', 'SOL']) {
      // A few basis points of seeded basis, never more than 5 sd (15 bp).
      expect(Math.abs(s.price(`${base}/USDT:USDT`) / s.price(`${base}/USDT`) - 1), base).toBeLessThan(0.002);
    }
    const ticker = await ex.fetchTicker(BTC);
    expect(ticker.symbol).toBe(BTC);
    expect(Math.abs((ticker.last ?? 0) / mark - 1)).toBeLessThan(0.002);
    const book = await ex.fetchOrderBook(BTC, 5);
    expect(book.bids[0]?.[0]).toBeLessThan(book.asks[0]?.[0] ?? 0);
    const fr = await ex.fetchFundingRate(BTC);
    expect(fr.markPrice).toBeCloseTo(mark, 0);
    expect(fr.indexPrice).toBeCloseTo(spot, 0);
    expect(fr.fundingRate).toBeCloseTo(s.fundingRate(BTC), 8);
    expect(fr.fundingTimestamp).toBe(s.nextFundingTime());
    expect((fr.fundingTimestamp ?? 0) % (8 * HOUR)).toBe(0);
  });

  it('opens, adds, reduces and flips a position with realizedPnl computed against the average entry', async () => {
    const { s, ex } = await setup();
    const open = await ex.createOrder(BTC, 'market', 'buy', 0.01);
    expect(open.status).toBe('closed');
    expect(open.filled).toBe(0.01);
    s.advance(40);
    await ex.createOrder(BTC, 'market', 'buy', 0.02); // add: new average entry
    s.advance(40);
    await ex.createOrder(BTC, 'market', 'sell', 0.015); // reduce
    s.advance(40);
    await ex.createOrder(BTC, 'market', 'sell', 0.035); // close 0.015 and flip to −0.02
    const trades = await ex.fetchMyTrades(BTC);
    expect(trades.length).toBeGreaterThanOrEqual(4);
    const expected = replay(trades.map((t) => ({ side: String(t.side), price: Number(t.price), qty: Number(t.amount) })));
    trades.forEach((t, i) => {
      const info = t.info as Record<string, string | boolean>;
      expect(Number(info['realizedPnl'])).toBeCloseTo(expected.realized[i] ?? Number.NaN, 6);
      expect(info['commissionAsset']).toBe('USDT');
      expect(info['positionSide']).toBe('BOTH');
      expect(info['maker']).toBe(false);
      expect(info['buyer']).toBe(t.side === 'buy');
      // Taker commission: 0.05 % of the fill's quote value, in USDT.
      expect(t.fee?.cost).toBeCloseTo(Number(t.price) * Number(t.amount) * 0.0005, 6);
      expect(t.fee?.currency).toBe('USDT');
    });
    // The reduce realized something, and the flip realized only on the closed 0.015.
    expect(expected.realized.some((r) => r !== 0)).toBe(true);
    expect(expected.amt).toBeCloseTo(-0.02, 9);

    const positions = await ex.fetchPositions([BTC]);
    expect(positions).toHaveLength(1);
    const p = positions[0];
    expect(p?.side).toBe('short');
    expect(p?.contracts).toBeCloseTo(0.02, 9);
    expect(p?.entryPrice).toBeCloseTo(expected.entry, 6);
    expect(p?.markPrice).toBeCloseTo(s.price(BTC), 0);
    expect(p?.unrealizedPnl).toBeCloseTo(-0.02 * ((p?.markPrice ?? 0) - expected.entry), 4);
    // The simulator's own record agrees with what the exchange said.
    const own = s.perpTrades('k', BTC);
    expect(own.map((t) => t.realizedPnl)).toEqual(trades.map((t) => Number((t.info as Record<string, string>)['realizedPnl'])));
    expect(s.positions('k')).toEqual([expect.objectContaining({ symbol: 'BTCUSDT', positionAmt: -0.02 })]);
    // Income mirrors the fills: one REALIZED_PNL row per reducing fill, one COMMISSION row per fill.
    const income = (await ex.fapiPrivateGetIncome({ symbol: 'BTCUSDT' })) as { incomeType: string; income: string; tradeId: string }[];
    const realizedRows = income.filter((r) => r.incomeType === 'REALIZED_PNL');
    expect(realizedRows.map((r) => Number(r.income))).toEqual(own.filter((t) => t.realizedPnl !== 0).map((t) => t.realizedPnl));
    const commissions = income.filter((r) => r.incomeType === 'COMMISSION');
    expect(commissions.map((r) => Number(r.income))).toEqual(own.map((t) => -t.commission));
    expect(commissions.map((r) => r.tradeId)).toEqual(own.map((t) => String(t.id)));
  });

  it('fills a resting perp limit order through other traders flow, as maker', async () => {
    const { s, ex } = await setup();
    const mid = s.price(BTC);
    const price = Math.floor(mid * (1 - 3 / 1e4) * 10) / 10;
    const order = await ex.createOrder(BTC, 'limit', 'buy', 0.005, price, { postOnly: true });
    expect(order.status).toBe('open');
    expect((order.info as Record<string, string>)['timeInForce']).toBe('GTX');
    expect((await ex.fetchOpenOrders(BTC)).map((o) => o.id)).toEqual([order.id]);
    for (let i = 0; i < 5000 && s.perpTrades('k', BTC).length === 0; i++) s.advance(1);
    const [trade] = await ex.fetchMyTrades(BTC);
    expect(trade?.takerOrMaker).toBe('maker');
    expect(trade?.price).toBe(price);
    expect(trade?.fee?.cost).toBeCloseTo(price * (trade?.amount ?? 0) * 0.0002, 8);
    const fetched = await ex.fetchOrder(idOf(order), BTC);
    expect(['closed', 'open']).toContain(fetched.status);
    if (fetched.status === 'open') await ex.cancelOrder(idOf(order), BTC);
    expect(await ex.fetchOpenOrders(BTC)).toEqual([]);
  });

  it('rejects what Binance rejects: post-only that would take, reduce-only that would add, lot and notional filters', async () => {
    const { s, ex } = await setup({ futuresUsdt: 1000 });
    const book = await ex.fetchOrderBook(BTC, 1);
    const ask = book.asks[0]?.[0] ?? 0;
    await expect(ex.createOrder(BTC, 'limit', 'buy', 0.005, ask, { postOnly: true })).rejects.toThrow(/-5022/);
    await expect(ex.createOrder(BTC, 'market', 'sell', 0.005, undefined, { reduceOnly: true })).rejects.toThrow(/-2022/);
    await expect(ex.fapiPrivatePostOrder({ symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.0015' })).rejects.toThrow(/-1111/);
    // 68 USDT < 100 notional. On loopback ccxt maps fapi codes with its common table only (it picks
    // the USDⓈ-M table by hostname), where -4164, -2019 and -5022 are plain ExchangeErrors.
    await expect(ex.createOrder(BTC, 'market', 'buy', 0.001)).rejects.toThrow(/-4164/);
    await expect(ex.createOrder(BTC, 'market', 'buy', 0.001)).rejects.toBeInstanceOf(ccxt.ExchangeError);
    // 1000 USDT at 20x carries ~20 000 USDT of notional, not 1 BTC.
    await expect(ex.createOrder(BTC, 'market', 'buy', 1)).rejects.toThrow(/-2019/);
    expect(s.perpTrades('k')).toEqual([]);
  });

  it('settles funding every interval with Binance signs: long pays and short receives when the rate is positive', async () => {
    const { s, ex, jump, client } = await setup({ seed: 3 });
    const short = await client('k2', 's2');
    await ex.createOrder(BTC, 'market', 'buy', 0.01);
    await short.createOrder(BTC, 'market', 'sell', 0.01);
    const settlements = 6;
    for (let i = 0; i < settlements; i++) {
      jump(8 * HOUR);
      s.advance(300); // the rate wanders between settlements
    }
    const longRows = s.funding('k', BTC);
    const shortRows = s.funding('k2', BTC);
    expect(longRows).toHaveLength(settlements);
    expect(shortRows).toHaveLength(settlements);
    // Seed 3's rate path turns negative on the last settlements: both signs are exercised.
    expect(new Set(longRows.map((r) => Math.sign(r.rate)))).toEqual(new Set([1, -1]));
    for (const [i, row] of longRows.entries()) {
      expect(row.time % (8 * HOUR)).toBe(0);
      expect(row.amount).toBeCloseTo(-0.01 * row.markPrice * row.rate, 8);
      expect(Math.sign(row.amount)).toBe(-Math.sign(row.rate));
      expect(shortRows[i]?.amount).toBeCloseTo(-row.amount, 7);
    }
    const history = await ex.fetchFundingHistory(BTC);
    expect(history.map((h) => h.amount)).toEqual(longRows.map((r) => r.amount));
    expect(history.map((h) => h.timestamp)).toEqual(longRows.map((r) => r.time));
    expect(history.every((h) => h.code === 'USDT' && h.symbol === BTC)).toBe(true);
    const shortHistory = await short.fetchFundingHistory(BTC);
    expect(shortHistory.map((h) => Math.sign(Number(h.amount)))).toEqual(shortRows.map((r) => Math.sign(r.amount)));
    // Income carries commissions and realized PnL too; funding history asks for FUNDING_FEE only.
    const income = (await ex.fapiPrivateGetIncome({})) as { incomeType: string }[];
    expect(new Set(income.map((r) => r.incomeType))).toEqual(new Set(['COMMISSION', 'FUNDING_FEE']));
  });

  it('shows the futures wallet in fetchBalance({ type: "future" }), moved by fees, realized PnL and funding', async () => {
    const { s, ex, jump } = await setup();
    const before = await ex.fetchBalance({ type: 'future' });
    expect(before['USDT']).toMatchObject({ free: 50_000, used: 0, total: 50_000 });
    await ex.createOrder(BTC, 'market', 'buy', 0.02);
    s.advance(50);
    await ex.createOrder(BTC, 'market', 'sell', 0.01);
    jump(8 * HOUR);
    s.advance(1);
    const trades = s.perpTrades('k', BTC);
    const funding = s.funding('k', BTC);
    const wallet =
      50_000 + trades.reduce((sum, t) => sum + t.realizedPnl - t.commission, 0) + funding.reduce((sum, f) => sum + f.amount, 0);
    const after = await ex.fetchBalance({ type: 'future' });
    const info = after.info as { totalWalletBalance: string; availableBalance: string };
    expect(Number(info.totalWalletBalance)).toBeCloseTo(wallet, 6);
    const [position] = s.positions('k');
    const im = Math.abs((position?.positionAmt ?? 0) * (position?.markPrice ?? 0)) / 20;
    expect(after['USDT']?.used).toBeCloseTo(im, 4);
    expect(after['USDT']?.total).toBeCloseTo(wallet + (position?.unrealizedPnl ?? 0), 4);
    // Spot balances are a separate wallet.
    expect((await ex.fetchBalance())['USDT']?.free).toBe(10_000);
  });
});

describe('perpetual determinism', () => {
  it('same seed and orders give the same perp fills and funding; the spot path is the v0 path', async () => {
    const run = async (): Promise<{ fills: string; funding: string; spot: number[] }> => {
      const { s, ex, jump } = await setup({ seed: 21 });
      const mid = s.price(BTC);
      await ex.createOrder(BTC, 'limit', 'buy', 0.01, Math.floor(mid * 0.9997 * 10) / 10);
      await ex.createOrder(BTC, 'limit', 'sell', 0.01, Math.ceil(mid * 1.0003 * 10) / 10);
      await ex.createOrder('ETH/USDT:USDT', 'market', 'buy', 0.1);
      const spot: number[] = [];
      for (let i = 0; i < 3; i++) {
        s.advance(400);
        spot.push(s.price('BTC/USDT'));
        jump(8 * HOUR);
      }
      s.advance(1);
      // Times follow the wall clock and client order ids are ccxt's random ones: leave both out.
      const fills = s.perpTrades('k').map(({ time: _time, clientOrderId: _id, ...rest }) => rest);
      const funding = s.funding('k').map(({ time: _time, ...rest }) => rest);
      const result = { fills: JSON.stringify(fills), funding: JSON.stringify(funding), spot };
      await s.close();
      return result;
    };
    const a = await run();
    const b = await run();
    expect(b).toEqual(a);
    const funding = JSON.parse(a.funding) as { symbol: string; markPrice: number }[];
    expect(funding.filter((f) => f.symbol === 'ETHUSDT')).toHaveLength(3);
    expect(new Set(funding.map((f) => f.markPrice)).size).toBe(funding.length);
    // The spot engine alone, same seed, same ticks: adding perpetuals did not move the spot path.
    const engine = createEngine({ markets: DEFAULT_MARKETS, seed: 21, fees: DEFAULT_FEES, now: Date.now() });
    const alone: number[] = [];
    for (let i = 0; i < 3; i++) {
      for (let t = 0; t < 400; t++) engine.tick(Date.now());
      alone.push(Math.round(engine.mid('BTCUSDT') * 100) / 100);
    }
    expect(a.spot).toEqual(alone);
  });
});

describe('GET /fapi/v1/userTrades limits', () => {
  it('requires a symbol, refuses windows over 7 days and fromId with a time bound, pages by fromId', async () => {
    const { s, ex, jump } = await setup();
    const t0 = Date.now();
    await ex.createOrder(BTC, 'market', 'buy', 0.002);
    s.advance(1);
    await ex.createOrder(BTC, 'market', 'sell', 0.002);
    jump(10 * 24 * HOUR);
    s.advance(1);
    await ex.createOrder(BTC, 'market', 'buy', 0.003);
    const all = s.perpTrades('k', BTC);
    expect(all.length).toBeGreaterThanOrEqual(3);

    await expect(ex.fetchMyTrades()).rejects.toBeInstanceOf(ccxt.ArgumentsRequired);
    await expect(ex.fapiPrivateGetUserTrades({})).rejects.toThrow(/-1102.*'symbol'/);
    await expect(ex.fapiPrivateGetUserTrades({ symbol: 'BTCUSDT', startTime: t0, endTime: t0 + 8 * 24 * HOUR })).rejects.toThrow(
      /-1127.*More than 168 hours/,
    );
    await expect(ex.fapiPrivateGetUserTrades({ symbol: 'BTCUSDT', fromId: 1, startTime: t0 })).rejects.toThrow(/-1128/);
    await expect(ex.fapiPrivateGetUserTrades({ symbol: 'BTCUSDT', limit: 1001 })).rejects.toThrow(/-1130/);

    // No bound: only the last 7 days.
    const recent = await ex.fetchMyTrades(BTC);
    expect(recent.map((t) => Number(t.id))).toEqual(all.filter((t) => t.time >= t0 + 9 * 24 * HOUR).map((t) => t.id));
    // ccxt turns an old `since` into a one-week window [since, since + 7 d].
    const firstWeek = await ex.fetchMyTrades(BTC, t0 - 1000);
    expect(firstWeek.map((t) => Number(t.id))).toEqual(all.filter((t) => t.time < t0 + HOUR).map((t) => t.id));
    // fromId pages oldest first.
    const firstId = all[0]?.id ?? 0;
    const page = (await ex.fapiPrivateGetUserTrades({ symbol: 'BTCUSDT', fromId: firstId, limit: 2 })) as { id: number }[];
    expect(page.map((t) => Number(t.id))).toEqual(all.slice(0, 2).map((t) => t.id));
  });
});
