import ccxt from 'ccxt';
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from './simulator.ts';
import { binanceClient, idOf, recordRequests, type Binance } from './testClient.ts';

const KEY = 'k1';
const SECRET = 's1';

let sim: Simulator | undefined;

async function setup(seed = 11): Promise<{ sim: Simulator; ex: Binance }> {
  sim = await startSimulator({
    autoTick: false,
    seed,
    accounts: [{ apiKey: KEY, secret: SECRET, balances: { USDT: 100000, BTC: 1, ETH: 10 } }],
  });
  const ex = binanceClient(sim.url, { apiKey: KEY, secret: SECRET });
  await ex.loadMarkets();
  return { sim, ex };
}

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

/** Steps one tick at a time until `done` holds; fails the test if it never does. */
function advanceUntil(s: Simulator, done: () => boolean, maxTicks = 2000): number {
  for (let i = 1; i <= maxTicks; i++) {
    s.advance(1);
    if (done()) return i;
  }
  throw new Error(`condition not reached within ${maxTicks} ticks`);
}

describe('loadMarkets', () => {
  it('needs only GET /api/v3/exchangeInfo with the spot-only options, and parses the filters', async () => {
    sim = await startSimulator({ autoTick: false, accounts: [{ apiKey: KEY, secret: SECRET }] });
    const ex = binanceClient(sim.url, { apiKey: KEY, secret: SECRET });
    const requests = recordRequests(ex);
    const markets = await ex.loadMarkets();
    expect(requests).toEqual(['GET /api/v3/exchangeInfo']);
    expect(Object.keys(markets).sort()).toEqual(['BTC/USDT', 'ETH/USDT', 'SOL/USDT']);
    const btc = markets['BTC/USDT'];
    expect(btc?.spot).toBe(true);
    expect(btc?.active).toBe(true);
    expect(btc?.precision).toMatchObject({ price: 0.01, amount: 0.00001 });
    expect(btc?.limits.amount?.min).toBe(0.00001);
    expect(btc?.limits.cost?.min).toBe(5);
  });

  it('fails without the options, because ccxt then asks for futures and sapi endpoints', async () => {
    sim = await startSimulator({ autoTick: false, accounts: [{ apiKey: KEY, secret: SECRET }] });
    const ex = new ccxt.binance({ apiKey: KEY, secret: SECRET, enableRateLimit: false });
    const api = ex.urls['api'] as Record<string, string>;
    for (const [k, v] of Object.entries(api)) if (typeof v === 'string') api[k] = v.replace(/^https:\/\/[^/]+/, sim.url);
    await expect(ex.loadMarkets()).rejects.toThrow(/Unknown endpoint: GET \/(fapi|dapi|sapi)\//);
  });
});

describe('market data', () => {
  it('serves a ticker and an order book around the simulated price', async () => {
    const { sim: s, ex } = await setup();
    s.advance(20);
    const mid = s.price('BTC/USDT');
    const ticker = await ex.fetchTicker('BTC/USDT');
    const book = await ex.fetchOrderBook('BTC/USDT', 10);
    expect(book.bids).toHaveLength(10);
    expect(book.asks).toHaveLength(10);
    const bestBid = book.bids[0]?.[0] ?? 0;
    const bestAsk = book.asks[0]?.[0] ?? 0;
    expect(bestBid).toBeLessThan(bestAsk);
    expect(bestBid).toBeLessThanOrEqual(mid);
    expect(bestAsk).toBeGreaterThanOrEqual(mid);
    expect((bestAsk - bestBid) / mid).toBeLessThan(0.0005);
    for (let i = 1; i < 10; i++) {
      expect(book.bids[i]?.[0]).toBeLessThan(book.bids[i - 1]?.[0] ?? 0);
      expect(book.asks[i]?.[0]).toBeGreaterThan(book.asks[i - 1]?.[0] ?? 0);
    }
    expect(ticker.bid).toBe(bestBid);
    expect(ticker.ask).toBe(bestAsk);
    expect(ticker.open).toBe(68000);
    expect(ticker.baseVolume).toBeGreaterThan(0);
    expect(Math.abs((ticker.last ?? 0) - mid) / mid).toBeLessThan(0.002);
  });

  it('answers an unknown route with a JSON 404 and an unknown symbol with BadSymbol', async () => {
    const { sim: s, ex } = await setup();
    const res = await fetch(`${s.url}/api/v3/nothing`);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ code: -1020, msg: expect.stringMatching(/Unknown endpoint: GET \/api\/v3\/nothing/) });
    await expect(ex.fetchOHLCV('BTC/USDT')).rejects.toBeInstanceOf(ccxt.BadRequest);
    await expect(ex.publicGetTicker24hr({ symbol: 'DOGEUSDT' })).rejects.toBeInstanceOf(ccxt.BadSymbol);
  });
});

describe('orders', () => {
  it('rests a post-only bid, locks its quote, lists it, rejects a crossing post-only, and cancels', async () => {
    const { ex } = await setup();
    const book = await ex.fetchOrderBook('BTC/USDT', 5);
    const bestBid = book.bids[0]?.[0] ?? 0;
    const bestAsk = book.asks[0]?.[0] ?? 0;
    const price = Math.round((bestBid - 20) * 100) / 100;
    const order = await ex.createOrder('BTC/USDT', 'limit', 'buy', 0.01, price, { postOnly: true });
    expect(order.status).toBe('open');
    expect(order.postOnly).toBe(true);
    expect(order.info['type']).toBe('LIMIT_MAKER');

    let balance = await ex.fetchBalance();
    expect(balance['USDT']?.used).toBeCloseTo(price * 0.01, 8);
    expect(balance['USDT']?.free).toBeCloseTo(100000 - price * 0.01, 8);

    await expect(ex.createOrder('BTC/USDT', 'limit', 'buy', 0.01, bestAsk, { postOnly: true })).rejects.toBeInstanceOf(
      ccxt.OrderImmediatelyFillable,
    );
    await expect(ex.createOrder('BTC/USDT', 'limit', 'sell', 0.01, bestBid, { postOnly: true })).rejects.toBeInstanceOf(
      ccxt.OrderImmediatelyFillable,
    );

    const open = await ex.fetchOpenOrders('BTC/USDT');
    expect(open.map((o) => o.id)).toEqual([order.id]);
    expect(open[0]).toMatchObject({ side: 'buy', price, amount: 0.01, filled: 0, status: 'open' });

    const canceled = await ex.cancelOrder(idOf(order), 'BTC/USDT');
    expect(canceled.status).toBe('canceled');
    expect(await ex.fetchOpenOrders('BTC/USDT')).toEqual([]);
    expect((await ex.fetchOrder(idOf(order), 'BTC/USDT')).status).toBe('canceled');
    balance = await ex.fetchBalance();
    expect(balance['USDT']).toMatchObject({ free: 100000, used: 0 });
    await expect(ex.cancelOrder(idOf(order), 'BTC/USDT')).rejects.toBeInstanceOf(ccxt.OrderNotFound);
    await expect(ex.fetchOrder('999999', 'BTC/USDT')).rejects.toBeInstanceOf(ccxt.OrderNotFound);
  });

  it('cancels all open orders on a symbol, and reports none left as Binance does', async () => {
    const { ex } = await setup();
    const bestBid = (await ex.fetchOrderBook('ETH/USDT', 5)).bids[0]?.[0] ?? 0;
    await ex.createOrder('ETH/USDT', 'limit', 'buy', 0.1, bestBid - 5, { postOnly: true });
    await ex.createOrder('ETH/USDT', 'limit', 'buy', 0.1, bestBid - 6, { postOnly: true });
    const canceled = await ex.cancelAllOrders('ETH/USDT');
    expect(canceled.map((o) => o.status)).toEqual(['canceled', 'canceled']);
    expect(await ex.fetchOpenOrders('ETH/USDT')).toEqual([]);
    await expect(ex.cancelAllOrders('ETH/USDT')).rejects.toBeInstanceOf(ccxt.OrderNotFound);
  });

  it('fills a crossing GTC limit order at once as taker, at the book prices, with the taker fee', async () => {
    const { sim: s, ex } = await setup();
    const bestAsk = (await ex.fetchOrderBook('BTC/USDT', 5)).asks[0]?.[0] ?? 0;
    const limit = Math.round(bestAsk * 1.002 * 100) / 100;
    const order = await ex.createOrder('BTC/USDT', 'limit', 'buy', 0.05, limit);
    expect(order.status).toBe('closed');
    expect(order.filled).toBeCloseTo(0.05, 8);
    expect(order.average).toBeGreaterThanOrEqual(bestAsk);
    expect(order.average).toBeLessThan(limit);
    const trades = s.trades(KEY, 'BTC/USDT');
    expect(trades.length).toBeGreaterThan(0);
    for (const t of trades) {
      expect(t.isMaker).toBe(false);
      expect(t.commissionAsset).toBe('BTC');
      expect(t.commission).toBeCloseTo(t.qty * 0.001, 8);
    }
    const cost = trades.reduce((sum, t) => sum + t.quoteQty, 0);
    const fee = trades.reduce((sum, t) => sum + t.commission, 0);
    const balance = await ex.fetchBalance();
    // The hold at the limit price is released; only the traded cost leaves the account.
    expect(balance['USDT']).toMatchObject({ used: 0 });
    expect(balance['USDT']?.free).toBeCloseTo(100000 - cost, 6);
    expect(balance['BTC']?.free).toBeCloseTo(1 + 0.05 - fee, 8);
  });

  it('expires what IOC could not fill and the whole of an FOK it could not fill in full', async () => {
    const { sim: s, ex } = await setup();
    const book = await ex.fetchOrderBook('BTC/USDT', 5);
    const askPrice = book.asks[0]?.[0] ?? 0;
    const askQty = book.asks[0]?.[1] ?? 0;
    const tooMuch = Math.round((askQty + 0.01) * 1e5) / 1e5;

    const fok = await ex.createOrder('BTC/USDT', 'limit', 'buy', tooMuch, askPrice, { timeInForce: 'FOK' });
    expect(fok).toMatchObject({ status: 'expired', filled: 0 });
    expect(s.trades(KEY)).toEqual([]);

    const ioc = await ex.createOrder('BTC/USDT', 'limit', 'buy', tooMuch, askPrice, { timeInForce: 'IOC' });
    expect(ioc.status).toBe('expired');
    expect(ioc.filled).toBeCloseTo(askQty, 8);
    expect(s.trades(KEY).map((t) => t.price)).toEqual([askPrice]);
    expect(await ex.fetchOpenOrders('BTC/USDT')).toEqual([]);
    const balance = await ex.fetchBalance();
    expect(balance['USDT']).toMatchObject({ used: 0 });
    expect(balance['USDT']?.free).toBeCloseTo(100000 - askPrice * askQty, 6);
  });

  it('executes market orders in both directions, the sell paying its fee in quote', async () => {
    const { sim: s, ex } = await setup();
    const sell = await ex.createOrder('ETH/USDT', 'market', 'sell', 1);
    expect(sell.status).toBe('closed');
    expect(sell.filled).toBeCloseTo(1, 8);
    const sellTrades = s.trades(KEY, 'ETH/USDT');
    const proceeds = sellTrades.reduce((sum, t) => sum + t.quoteQty, 0);
    expect(sellTrades.every((t) => t.commissionAsset === 'USDT' && !t.isBuyer)).toBe(true);
    const buy = await ex.createOrder('ETH/USDT', 'market', 'buy', 0.5);
    expect(buy.status).toBe('closed');
    const balance = await ex.fetchBalance();
    const all = s.trades(KEY, 'ETH/USDT');
    const buyTrades = all.slice(sellTrades.length);
    const spent = buyTrades.reduce((sum, t) => sum + t.quoteQty, 0);
    const buyFee = buyTrades.reduce((sum, t) => sum + t.commission, 0);
    expect(balance['ETH']?.total).toBeCloseTo(10 - 1 + 0.5 - buyFee, 8);
    expect(balance['USDT']?.total).toBeCloseTo(100000 + proceeds * 0.999 - spent, 5);
  });

  it('rejects what Binance rejects: lot size, notional, price tick, and insufficient balance', async () => {
    const { ex } = await setup();
    const bid = String(Math.floor(((await ex.fetchOrderBook('BTC/USDT', 5)).bids[0]?.[0] ?? 0) - 100));
    const order = (extra: Record<string, string>) =>
      ex.privatePostOrder({ symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', quantity: '0.01', price: bid, ...extra });
    await expect(order({ quantity: '0.000015' })).rejects.toThrow(/LOT_SIZE/);
    await expect(order({ quantity: '0.00001' })).rejects.toThrow(/NOTIONAL/);
    await expect(order({ price: `${bid}.005` })).rejects.toThrow(/PRICE_FILTER/);
    await expect(order({ quantity: '0.01', timeInForce: '' })).rejects.toThrow(/timeInForce/);
    await expect(ex.createOrder('BTC/USDT', 'limit', 'buy', 5, Number(bid))).rejects.toBeInstanceOf(ccxt.InsufficientFunds);
    await expect(ex.createOrder('BTC/USDT', 'limit', 'sell', 2, Number(bid) * 2)).rejects.toBeInstanceOf(ccxt.InsufficientFunds);
    expect(await ex.fetchOpenOrders('BTC/USDT')).toEqual([]);
    const balance = await ex.fetchBalance();
    expect(balance['USDT']).toMatchObject({ free: 100000, used: 0 });
  });
});

describe('fills from other traders', () => {
  it('fills a resting bid as maker; myTrades, the order and the balance all agree', async () => {
    const { sim: s, ex } = await setup();
    const bestBid = (await ex.fetchOrderBook('BTC/USDT', 5)).bids[0]?.[0] ?? 0;
    const price = Math.round((bestBid - 10) * 100) / 100;
    const order = await ex.createOrder('BTC/USDT', 'limit', 'buy', 0.002, price, { postOnly: true });
    const ticks = advanceUntil(s, () => s.trades(KEY).length > 0 && s.trades(KEY).reduce((q, t) => q + t.qty, 0) >= 0.002);
    expect(ticks).toBeGreaterThan(0);

    const trades = await ex.fetchMyTrades('BTC/USDT');
    const simTrades = s.trades(KEY, 'BTC/USDT');
    expect(trades.map((t) => Number(t.id))).toEqual(simTrades.map((t) => t.id));
    expect(trades.reduce((q, t) => q + (t.amount ?? 0), 0)).toBeCloseTo(0.002, 8);
    for (const t of trades) {
      expect(t).toMatchObject({ order: order.id, side: 'buy', takerOrMaker: 'maker', price, symbol: 'BTC/USDT' });
      // Maker fee 0.02 %, charged in the asset received (BTC for a buy).
      expect(t.fee?.currency).toBe('BTC');
      expect(t.fee?.cost).toBeCloseTo((t.amount ?? 0) * 0.0002, 10);
    }
    const fee = trades.reduce((sum, t) => sum + (t.fee?.cost ?? 0), 0);

    const closed = await ex.fetchOrder(idOf(order), 'BTC/USDT');
    expect(closed).toMatchObject({ status: 'closed', filled: 0.002, remaining: 0 });
    const balance = await ex.fetchBalance();
    expect(balance['BTC']?.free).toBeCloseTo(1 + 0.002 - fee, 8);
    expect(balance['USDT']).toMatchObject({ used: 0 });
    expect(balance['USDT']?.free).toBeCloseTo(100000 - price * 0.002, 6);
  });

  it('fills a large resting ask in parts, reporting PARTIALLY_FILLED on the way', async () => {
    const { sim: s, ex } = await setup(5);
    const bestAsk = (await ex.fetchOrderBook('BTC/USDT', 5)).asks[0]?.[0] ?? 0;
    const order = await ex.createOrder('BTC/USDT', 'limit', 'sell', 0.5, bestAsk + 1, { postOnly: true });
    advanceUntil(s, () => s.trades(KEY).length > 0);
    const partial = await ex.fetchOrder(idOf(order), 'BTC/USDT');
    expect(partial.info['status']).toBe('PARTIALLY_FILLED');
    expect(partial.status).toBe('open');
    expect(partial.filled).toBeGreaterThan(0);
    expect(partial.filled).toBeLessThan(0.5);
    const balance = await ex.fetchBalance();
    // Only the unfilled part stays locked.
    expect(balance['BTC']?.used).toBeCloseTo(0.5 - (partial.filled ?? 0), 8);
    const trades = await ex.fetchMyTrades('BTC/USDT');
    expect(trades.every((t) => t.side === 'sell' && t.fee?.currency === 'USDT')).toBe(true);
  });
});

describe('authentication', () => {
  it('rejects a bad secret and an unknown key with AuthenticationError', async () => {
    const { sim: s } = await setup();
    const badSecret = binanceClient(s.url, { apiKey: KEY, secret: 'wrong' });
    await badSecret.loadMarkets();
    await expect(badSecret.fetchBalance()).rejects.toBeInstanceOf(ccxt.AuthenticationError);
    await expect(badSecret.fetchBalance()).rejects.toThrow(/-1022/);
    const unknownKey = binanceClient(s.url, { apiKey: 'nobody', secret: SECRET });
    await unknownKey.loadMarkets();
    await expect(unknownKey.fetchBalance()).rejects.toBeInstanceOf(ccxt.AuthenticationError);
    await expect(unknownKey.fetchBalance()).rejects.toThrow(/-2015/);
    const res = await fetch(`${s.url}/api/v3/account?timestamp=${Date.now()}&signature=00`, { headers: { 'X-MBX-APIKEY': 'nobody' } });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ code: -2015, msg: 'Invalid API-key, IP, or permissions for action.' });
  });

  it('keeps each account to its own balances, orders and trades', async () => {
    const { sim: s, ex } = await setup();
    s.addAccount({ apiKey: 'k2', secret: 's2', balances: { USDT: 500 } });
    const other = binanceClient(s.url, { apiKey: 'k2', secret: 's2' });
    await other.loadMarkets();
    const bestBid = (await ex.fetchOrderBook('SOL/USDT', 5)).bids[0]?.[0] ?? 0;
    await ex.createOrder('SOL/USDT', 'limit', 'buy', 1, bestBid - 1, { postOnly: true });
    expect(await other.fetchOpenOrders('SOL/USDT')).toEqual([]);
    const balance = await other.fetchBalance();
    expect(balance['USDT']).toMatchObject({ free: 500, used: 0 });
    expect(balance['BTC']).toBeUndefined();
    await expect(other.createOrder('SOL/USDT', 'limit', 'buy', 10, bestBid - 1)).rejects.toBeInstanceOf(ccxt.InsufficientFunds);
  });
});
