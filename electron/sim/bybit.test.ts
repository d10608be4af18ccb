import ccxt from 'ccxt';
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from './simulator.ts';
import { binanceClient, bybitClient, idOf, recordRequests, startClockedSimulator, type Bybit } from './testClient.ts';

const HOUR = 60 * 60 * 1000;
const BTC = 'BTC/USDT:USDT';
let sim: Simulator | undefined;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function setup(
  seed = 3,
): Promise<{ s: Simulator; ex: Bybit; jump: (ms: number) => void; client: (k: string, sec: string) => Promise<Bybit> }> {
  const { s, jump, client } = await startClockedSimulator(
    {
      autoTick: false,
      seed,
      accounts: [
        { apiKey: 'by1', secret: 'by1-secret', dialect: 'bybit', balances: { USDT: 20_000, BTC: 0.5 }, futuresUsdt: 30_000 },
        { apiKey: 'by2', secret: 'by2-secret', dialect: 'bybit', futuresUsdt: 30_000 },
        { apiKey: 'bn1', secret: 'bn1-secret', balances: { USDT: 1000 }, futuresUsdt: 1000 },
      ],
    },
    (url, credentials) => bybitClient(url, credentials),
  );
  sim = s;
  const ex = await client('by1', 'by1-secret');
  return { s, ex, jump, client };
}

/**
 * Two rows of the recorded Bybit case "linear funding history" (fixtures/ccxt-static/response/
 * bybit.json, from ccxt's static tests): a LONG (side Buy) position, the raw `execFee` and `feeRate`,
 * and the `amount` ccxt parsed. Positive rate → positive execFee → positive amount: + = PAID.
 */
const RECORDED_BYBIT_FUNDING = [
  { side: 'Buy', feeRate: '0.0001', execFee: '0.0007797', execValue: '7.797', parsedAmount: 0.0007797, parsedRate: 0.0001 },
  { side: 'Buy', feeRate: '-0.000881', execFee: '-0.00708126', execValue: '8.033', parsedAmount: -0.00708126, parsedRate: -0.000881 },
];

describe('Bybit v5 dialect through ccxt bybit', () => {
  it('loads spot and linear markets; the options only trim calls, the defaults work too', async () => {
    sim = await startSimulator({ autoTick: false, accounts: [{ apiKey: 'by1', secret: 'x', dialect: 'bybit' }] });
    const ex = bybitClient(sim.url, { apiKey: 'by1', secret: 'x' });
    const requests = recordRequests(ex);
    const markets = await ex.loadMarkets();
    expect(requests.sort()).toEqual([
      'GET /v5/asset/coin/query-info',
      'GET /v5/market/instruments-info',
      'GET /v5/market/instruments-info',
      'GET /v5/market/instruments-info',
    ]);
    expect(Object.keys(markets).sort()).toEqual(['BTC/USDT', 'BTC/USDT:USDT', 'ETH/USDT', 'ETH/USDT:USDT', 'SOL/USDT', 'SOL/USDT:USDT']);
    expect(markets[BTC]).toMatchObject({ swap: true, linear: true, settle: 'USDT', precision: { price: 0.1, amount: 0.001 } });
    expect(markets['BTC/USDT']).toMatchObject({ spot: true, precision: { price: 0.01, amount: 0.00001 } });
    const plain = new ccxt.bybit({ apiKey: 'by1', secret: 'x', enableRateLimit: false });
    for (const [k, v] of Object.entries(plain.urls['api'] as Record<string, string>)) {
      (plain.urls['api'] as Record<string, string>)[k] = v.replace(/^https:\/\/[^/]+/, sim.url);
    }
    expect(Object.keys(await plain.loadMarkets()).length).toBe(6);
  });

  it('serves spot and linear tickers and books', async () => {
    const { s, ex } = await setup();
    s.advance(20);
    const spot = await ex.fetchTicker('BTC/USDT');
    const perp = await ex.fetchTicker(BTC);
    expect(Math.abs((spot.last ?? 0) / s.price('BTC/USDT') - 1)).toBeLessThan(0.002);
    expect(perp.markPrice).toBeCloseTo(s.price(BTC), 0);
    expect(Number((perp.info as Record<string, string>)['fundingRate'])).toBeCloseTo(s.fundingRate(BTC), 8);
    expect((perp.info as Record<string, string>)['fundingRate']).not.toMatch(/e/);
    const book = await ex.fetchOrderBook(BTC, 5);
    expect(book.bids[0]?.[0]).toBeLessThan(book.asks[0]?.[0] ?? 0);
  });

  it('trades linear, lists executions with closedSize and positions, and the unified wallet', async () => {
    const { s, ex } = await setup();
    const order = await ex.createOrder(BTC, 'market', 'buy', 0.02);
    expect(order.id).toMatch(/^[0-9a-f]{8}-/);
    s.advance(30);
    await ex.createOrder(BTC, 'market', 'sell', 0.005);
    const trades = await ex.fetchMyTrades(BTC);
    const own = s.perpTrades('by1', BTC);
    expect(trades).toHaveLength(own.length);
    // Bybit lists newest first; ccxt sorts oldest first.
    expect(trades.map((t) => t.amount)).toEqual(own.map((t) => t.qty));
    expect(trades.map((t) => t.side)).toEqual(own.map((t) => (t.side === 'BUY' ? 'buy' : 'sell')));
    for (const [i, t] of trades.entries()) {
      expect(t.fee?.cost).toBeCloseTo(own[i]?.commission ?? Number.NaN, 8);
      expect(t.fee?.currency).toBe('USDT');
      expect(Number((t.info as Record<string, string>)['closedSize'])).toBeCloseTo(own[i]?.closedQty ?? Number.NaN, 9);
    }
    const [position] = await ex.fetchPositions([BTC]);
    expect(position).toMatchObject({ symbol: BTC, side: 'long' });
    expect(position?.contracts).toBeCloseTo(0.015, 9);
    expect(position?.entryPrice).toBeCloseTo(s.positions('by1')[0]?.entryPrice ?? 0, 4);
    expect(await ex.fetchPositions()).toHaveLength(1);

    const balance = await ex.fetchBalance();
    const futuresWallet = 30_000 + own.reduce((sum, t) => sum + t.realizedPnl - t.commission, 0);
    expect(balance['USDT']?.total).toBeCloseTo(20_000 + futuresWallet, 6);
    expect(balance['USDT']?.used).toBeCloseTo(Math.abs(0.015 * s.price(BTC)) / 20, 1);
    expect(balance['BTC']?.total).toBe(0.5);
  });

  it('trades spot through Bybit and lists the fills with the fee in the coin received', async () => {
    const { s, ex } = await setup();
    await ex.createOrder('BTC/USDT', 'market', 'buy', 0.01);
    s.advance(5);
    await ex.createOrder('BTC/USDT', 'market', 'sell', 0.005);
    const trades = await ex.fetchMyTrades('BTC/USDT');
    const own = s.trades('by1', 'BTC/USDT');
    expect(trades.map((t) => [t.side, t.amount, t.price])).toEqual(own.map((t) => [t.isBuyer ? 'buy' : 'sell', t.qty, t.price]));
    expect(trades.map((t) => t.fee?.currency)).toEqual(['BTC', 'USDT']);
    expect(trades.map((t) => t.fee?.cost)).toEqual(own.map((t) => t.commission));
    const balance = await ex.fetchBalance();
    expect(balance['BTC']?.total).toBeCloseTo(0.5 + 0.01 - (own[0]?.commission ?? 0) - 0.005, 8);
  });

  it('places, lists and cancels resting orders on linear and spot', async () => {
    const { s, ex } = await setup();
    const perpPrice = Math.floor(s.price(BTC) * 0.99 * 10) / 10;
    const perpOrder = await ex.createOrder(BTC, 'limit', 'buy', 0.003, perpPrice);
    const spotPrice = Math.floor(s.price('BTC/USDT') * 0.99 * 100) / 100;
    const spotOrder = await ex.createOrder('BTC/USDT', 'limit', 'buy', 0.001, spotPrice, { clientOrderId: 'mine-1' });
    const openPerp = await ex.fetchOpenOrders(BTC);
    expect(openPerp.map((o) => [o.id, o.price, o.amount, o.status])).toEqual([[perpOrder.id, perpPrice, 0.003, 'open']]);
    const openSpot = await ex.fetchOpenOrders('BTC/USDT');
    expect(openSpot.map((o) => [o.id, o.clientOrderId, o.price])).toEqual([[spotOrder.id, 'mine-1', spotPrice]]);
    await ex.cancelOrder(idOf(perpOrder), BTC);
    await ex.cancelOrder(idOf(spotOrder), 'BTC/USDT');
    expect(await ex.fetchOpenOrders(BTC)).toEqual([]);
    expect(await ex.fetchOpenOrders('BTC/USDT')).toEqual([]);
    await expect(ex.cancelOrder(idOf(perpOrder), BTC)).rejects.toBeInstanceOf(ccxt.OrderNotFound);
  });

  it('lists funding settlements with Bybit signs (execFee + = paid), as the recorded payload shows', async () => {
    const { s, ex, jump, client } = await setup(3);
    // What the recording says ccxt does with Bybit's rows: amount = execFee, + = paid by a long.
    const parsed = ex.parseIncomes(
      RECORDED_BYBIT_FUNDING.map((r) => ({ symbol: 'BTCUSDT', execType: 'Funding', execTime: '1710892800000', execId: 'x', ...r })),
      ex.market(BTC),
    );
    expect(parsed.map((p) => p.amount)).toEqual(RECORDED_BYBIT_FUNDING.map((r) => r.parsedAmount));
    for (const r of RECORDED_BYBIT_FUNDING) expect(Math.sign(r.parsedAmount)).toBe(Math.sign(r.parsedRate));

    const short = await client('by2', 'by2-secret');
    await ex.createOrder(BTC, 'market', 'buy', 0.01);
    await short.createOrder(BTC, 'market', 'sell', 0.01);
    for (let i = 0; i < 6; i++) {
      jump(8 * HOUR);
      s.advance(300);
    }
    const longRows = s.funding('by1', BTC);
    expect(new Set(longRows.map((r) => Math.sign(r.rate)))).toEqual(new Set([1, -1]));
    const longHistory = await ex.fetchFundingHistory(BTC);
    const shortHistory = await short.fetchFundingHistory(BTC);
    expect(longHistory).toHaveLength(6);
    expect(shortHistory).toHaveLength(6);
    for (const [i, row] of longHistory.entries()) {
      const own = longRows[i];
      // ccxt's bybit parser adds the funding `rate` that its FundingHistory type does not declare.
      const rate = Number((row as { rate?: number }).rate);
      // Long: + = paid, so the sign follows the rate (the recorded relation); the simulator's own
      // record is + = received, the opposite.
      expect(Math.sign(Number(row.amount))).toBe(Math.sign(rate));
      expect(row.amount).toBeCloseTo(-(own?.amount ?? Number.NaN), 8);
      expect(rate).toBeCloseTo(own?.rate ?? Number.NaN, 8);
      expect(row.timestamp).toBe(own?.time);
      expect(row.code).toBe('USDT');
      expect((row.info as Record<string, string>)['side']).toBe('Buy');
      expect(Math.sign(Number(shortHistory[i]?.amount))).toBe(-Math.sign(rate));
    }
    // The trades list of ccxt asks for execType=Trade: funding rows stay out of fetchMyTrades.
    const trades = await ex.fetchMyTrades(BTC);
    expect(trades.every((t) => (t.info as Record<string, string>)['execType'] === 'Trade')).toBe(true);
  });

  it('pages executions newest first with a cursor and refuses windows over 7 days', async () => {
    const { s, ex } = await setup();
    for (let i = 0; i < 5; i++) {
      await ex.createOrder(BTC, 'market', i % 2 === 0 ? 'buy' : 'sell', 0.002);
      s.advance(3);
    }
    const own = s.perpTrades('by1', BTC);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = (await ex.privateGetV5ExecutionList({
        category: 'linear',
        symbol: 'BTCUSDT',
        limit: 2,
        ...(cursor ? { cursor } : {}),
      })) as {
        result: { list: { execId: string; execTime: string }[]; nextPageCursor: string };
      };
      seen.push(...page.result.list.map((r) => r.execTime));
      cursor = page.result.nextPageCursor || undefined;
    } while (cursor !== undefined);
    expect(seen).toHaveLength(own.length);
    expect(seen.map(Number)).toEqual(own.map((t) => t.time).sort((a, b) => b - a));
    const now = Date.now();
    await expect(ex.privateGetV5ExecutionList({ category: 'linear', startTime: now - 8 * 24 * HOUR, endTime: now })).rejects.toBeInstanceOf(
      ccxt.BadRequest,
    );
  });

  it('checks Bybit auth: unknown key, bad signature, a Binance key, and an old timestamp', async () => {
    const { s } = await setup();
    const wrongKey = bybitClient(s.url, { apiKey: 'nobody', secret: 'x' });
    await expect(wrongKey.loadMarkets()).rejects.toBeInstanceOf(ccxt.AuthenticationError);
    await expect(wrongKey.loadMarkets()).rejects.toThrow(/10003/);
    const wrongSecret = bybitClient(s.url, { apiKey: 'by1', secret: 'wrong' });
    await expect(wrongSecret.loadMarkets()).rejects.toThrow(/10004/);
    await expect(wrongSecret.loadMarkets()).rejects.toBeInstanceOf(ccxt.AuthenticationError);
    const binanceKey = bybitClient(s.url, { apiKey: 'bn1', secret: 'bn1-secret' });
    await expect(binanceKey.loadMarkets()).rejects.toBeInstanceOf(ccxt.AuthenticationError);
    // And the other way round: a Bybit account is unknown to Binance's routes.
    const onBinance = binanceClient(s.url, { apiKey: 'by1', secret: 'by1-secret' }, { linear: true });
    await expect(onBinance.fetchBalance({ type: 'future' })).rejects.toBeInstanceOf(ccxt.AuthenticationError);
    const late = bybitClient(s.url, { apiKey: 'by1', secret: 'by1-secret' });
    late.options['timeDifference'] = 60_000; // its clock runs a minute behind
    await expect(late.loadMarkets()).rejects.toBeInstanceOf(ccxt.InvalidNonce);
  });
});
