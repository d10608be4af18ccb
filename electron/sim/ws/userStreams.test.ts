import ccxt from 'ccxt';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { createHmac } from 'node:crypto';
import { bybitOptions, spotAndLinearOptions } from '../pointCcxt.ts';
import { startSimulator, type Simulator } from '../simulator.ts';

type ProBinance = InstanceType<typeof ccxt.pro.binance>;
type ProBybit = InstanceType<typeof ccxt.pro.bybit>;

let sim: Simulator | undefined;
const clients: (ProBinance | ProBybit)[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
  await sim?.close();
  sim = undefined;
});

/** Every REST and stream URL of a ccxt.pro client pointed at the simulator (wss → ws, https → http). */
function pointAll(node: Record<string, unknown>, origin: string): void {
  for (const [key, value] of Object.entries(node)) {
    if (typeof value === 'string' && /^(https?|wss?):\/\//.test(value)) {
      // Bybit's URLs carry a `{hostname}` placeholder ccxt fills in later; the path is what counts.
      const url = new URL(value.replace('{hostname}', 'bybit.com'));
      const scheme = value.startsWith('ws') ? 'ws' : 'http';
      node[key] = `${scheme}://${origin}${url.pathname.replace(/\/$/, '')}${url.search}`;
    } else if (value !== null && typeof value === 'object') pointAll(value as Record<string, unknown>, origin);
  }
}

/** A simulator with one account of the dialect and a ccxt.pro client of that exchange aimed at it. */
async function start<E extends ProBinance | ProBybit>(
  dialect: 'binance' | 'bybit',
  make: () => E,
  more: { now?: () => number } = {},
): Promise<{ s: Simulator; ex: E }> {
  const s = await startSimulator({
    ...more,
    autoTick: false,
    seed: 3,
    accounts: [{ apiKey: 'k', secret: 's', dialect, balances: { USDT: 100_000, BTC: 2 }, futuresUsdt: 100_000 }],
  });
  sim = s;
  const ex = make();
  pointAll(ex.urls['api'] as Record<string, unknown>, new URL(s.url).host);
  clients.push(ex);
  // ccxt refuses a plain ws:// URL until its http agent is loaded.
  await ex.loadHttpProxyAgent();
  await ex.loadMarkets();
  return { s, ex };
}

const setup = (): Promise<{ s: Simulator; ex: ProBinance }> =>
  start('binance', () => new ccxt.pro.binance({ apiKey: 'k', secret: 's', enableRateLimit: false, options: spotAndLinearOptions() }));

describe('private streams as ccxt.pro reaches them', () => {
  it('spot: userDataStream.subscribe.signature, then each fill as an executionReport with the REST trade id', async () => {
    const { s, ex } = await setup();
    const first = ex.watchMyTrades();
    await new Promise((r) => setTimeout(r, 100)); // the subscription is confirmed before the order goes in
    await ex.createOrder('BTC/USDT', 'market', 'buy', 0.01);
    const trades = await first;
    const record = s.trades('k', 'BTC/USDT');
    expect(record.length).toBeGreaterThan(0);
    expect(trades.map((t) => t.id)).toEqual(record.map((t) => String(t.id)).slice(0, trades.length));
    expect(trades[0]?.symbol).toBe('BTC/USDT');
    expect(trades[0]?.fee?.cost).toBeCloseTo(record[0]?.commission ?? -1, 10);
    expect(s.streamStats().subscriptions).toBe(1);
  });

  it('USDⓈ-M: listen key from REST, ORDER_TRADE_UPDATE fills with their realized PnL, ACCOUNT_UPDATE on funding', async () => {
    const { s, ex } = await setup();
    const fills = ex.watchMyTrades(undefined, undefined, undefined, { type: 'future' });
    await new Promise((r) => setTimeout(r, 100));
    expect(s.streamStats()).toMatchObject({ listenKeys: 1, connections: 1 });
    await ex.createOrder('BTC/USDT:USDT', 'market', 'buy', 0.01);
    const trades = await fills;
    const record = s.perpTrades('k', 'BTC/USDT:USDT');
    expect(trades.map((t) => t.id)).toEqual(record.map((t) => String(t.id)).slice(0, trades.length));
    expect(trades[0]?.symbol).toBe('BTC/USDT:USDT');
    expect((trades[0]?.info as { rp?: string }).rp).toBe('0.00000000');
  });

  it('refuses a stream for an expired listen key and says the key expired to the one that had it', async () => {
    const { s, ex } = await setup();
    const fills = ex.watchMyTrades(undefined, undefined, undefined, { type: 'future' });
    await new Promise((r) => setTimeout(r, 100));
    expect(s.streamFault({ kind: 'expireListenKey' })).toBe(1);
    await expect(fills).rejects.toThrow();
    expect(s.streamStats().listenKeys).toBe(0);
  });

  it('a wrong signature is refused on the WebSocket API', async () => {
    const { s } = await setup();
    // A raw socket: ccxt leaves its own subscribe future unhandled when the subscription is refused.
    const ws = new WebSocket(`ws://${new URL(s.url).host}/ws-api/v3`);
    await new Promise((resolve) => ws.once('open', resolve));
    const answer = new Promise<string>((resolve) => ws.once('message', (data: Buffer) => resolve(data.toString())));
    ws.send(
      JSON.stringify({
        id: '1',
        method: 'userDataStream.subscribe.signature',
        params: { apiKey: 'k', timestamp: Date.now(), signature: 'bad' },
      }),
    );
    expect(JSON.parse(await answer)).toMatchObject({ id: '1', status: 400, error: { code: -1022 } });
    ws.close();
    expect(s.streamStats().subscriptions).toBe(0);
  });
});

const setupBybit = (more: { now?: () => number } = {}): Promise<{ s: Simulator; ex: ProBybit }> =>
  start(
    'bybit',
    () =>
      new ccxt.pro.bybit({
        apiKey: 'k',
        secret: 's',
        enableRateLimit: false,
        options: { ...bybitOptions(), watchPositions: { fetchPositionsSnapshot: false } },
      }),
    more,
  );

describe('Bybit v5 private stream as ccxt.pro reaches it', () => {
  it('auth, then execution, order, position and wallet topics: each fill with the execId REST lists', async () => {
    const { s, ex } = await setupBybit();
    const fills = ex.watchMyTrades();
    const orders = ex.watchOrders();
    const positions = ex.watchPositions();
    const balance = ex.watchBalance();
    await new Promise((r) => setTimeout(r, 150));
    expect(s.streamStats()).toMatchObject({ connections: 1, subscriptions: 1 });
    await ex.createOrder('BTC/USDT:USDT', 'market', 'buy', 0.01);
    const [trades, orderList, positionList, wallet] = await Promise.all([fills, orders, positions, balance]);
    const rest = await ex.fetchMyTrades('BTC/USDT:USDT');
    expect(s.perpTrades('k', 'BTC/USDT:USDT').length).toBe(rest.length);
    expect(trades.map((t) => t.id)).toEqual(rest.map((t) => t.id).slice(0, trades.length));
    expect(trades[0]).toMatchObject({ symbol: 'BTC/USDT:USDT', side: 'buy', amount: 0.01 });
    expect(trades[0]?.fee?.cost).toBeCloseTo(s.perpTrades('k')[0]?.commission ?? -1, 10);
    expect(orderList[0]).toMatchObject({ symbol: 'BTC/USDT:USDT', status: 'closed', filled: 0.01 });
    expect(positionList[0]).toMatchObject({ symbol: 'BTC/USDT:USDT', side: 'long', contracts: 0.01 });
    expect(wallet['USDT']?.total).toBeGreaterThan(0);
  });

  it('funding paid: an execution row with execType Funding (the row REST lists), then the position and the wallet', async () => {
    let offset = 0;
    const { s, ex } = await setupBybit({ now: () => Date.now() + offset });
    await ex.createOrder('BTC/USDT:USDT', 'market', 'buy', 0.01);
    // The raw execution rows as they arrive (ccxt binds handleMessage when it opens the connection).
    const rows: Record<string, unknown>[] = [];
    const patched = ex as unknown as { handleMessage: (client: unknown, message: { topic?: unknown; data?: unknown }) => unknown };
    const handle = patched.handleMessage.bind(ex);
    patched.handleMessage = (client, message) => {
      if (message.topic === 'execution' && Array.isArray(message.data)) rows.push(...(message.data as Record<string, unknown>[]));
      return handle(client, message);
    };
    const fills = ex.watchMyTrades();
    const positions = ex.watchPositions();
    const wallets = ex.watchBalance();
    await new Promise((r) => setTimeout(r, 100)); // the subscriptions are in before the clock moves
    offset += 8 * 60 * 60 * 1000; // past the next settlement (every 8 h); the stream is authenticated already
    s.advance(1);
    expect(s.funding('k').length).toBe(1);
    // ccxt.pro's watchMyTrades keeps only trades (its execType filter): the payment is no fill there.
    expect((await fills).filter((t) => (t.info as { execType?: string }).execType === 'Funding')).toEqual([]);
    const [position] = await positions;
    expect(position).toMatchObject({ symbol: 'BTC/USDT:USDT', side: 'long', contracts: 0.01 });
    const wallet = await wallets;
    expect(wallet['USDT']?.total).toBeCloseTo(
      s.futuresWallet('k') + (s.balances('k')['USDT']?.free ?? 0) + (s.positions('k')[0]?.unrealizedPnl ?? 0),
      6,
    );
    ex.options['timeDifference'] = -offset; // REST signs with the simulator's clock, 8 h ahead
    const rest = (await ex.privateGetV5ExecutionList({ category: 'linear', execType: 'Funding' })) as { result: { list: unknown[] } };
    expect(rest.result.list).toHaveLength(1);
    const paid = s.funding('k')[0];
    expect(rows.filter((r) => r['execType'] === 'Funding')).toEqual([{ category: 'linear', ...(rest.result.list[0] as object) }]);
    // Bybit's sign: execFee is what the account paid (a long pays at a positive rate).
    expect(Number(rows.find((r) => r['execType'] === 'Funding')?.['execFee'])).toBeCloseTo(-(paid?.amount ?? 0), 8);
  });

  it('a spot fill arrives on the same connection with its category', async () => {
    const { s, ex } = await setupBybit();
    const fills = ex.watchMyTrades();
    await new Promise((r) => setTimeout(r, 150));
    await ex.createOrder('BTC/USDT', 'market', 'sell', 0.01);
    const trades = await fills;
    const record = s.trades('k', 'BTC/USDT');
    expect(record.length).toBeGreaterThan(0);
    expect(trades[0]).toMatchObject({ symbol: 'BTC/USDT', side: 'sell' });
    const rest = await ex.fetchMyTrades('BTC/USDT');
    expect(trades.map((t) => t.id)).toEqual(rest.map((t) => t.id).slice(0, trades.length));
  });

  it('refuses an auth with a bad signature, an unknown key or a past expiry, the way v5 does, and sends nothing', async () => {
    const { s } = await setupBybit();
    const ws = new WebSocket(`ws://${new URL(s.url).host}/v5/private`);
    await new Promise((resolve) => ws.once('open', resolve));
    const ask = async (frame: object): Promise<Record<string, unknown>> => {
      const answer = new Promise<string>((resolve) => ws.once('message', (data: Buffer) => resolve(data.toString())));
      ws.send(JSON.stringify(frame));
      return JSON.parse(await answer) as Record<string, unknown>;
    };
    const expires = String(Date.now() + 10_000);
    const signed = (secret: string, at: string): string => createHmac('sha256', secret).update(`GET/realtime${at}`).digest('hex');
    const refused = { success: false, ret_msg: 'Params Error', op: 'auth' };
    expect(await ask({ op: 'auth', args: ['k', expires, 'bad'] })).toMatchObject(refused);
    expect(await ask({ op: 'auth', args: ['nobody', expires, signed('s', expires)] })).toMatchObject(refused);
    const past = String(Date.now() - 1000);
    expect(await ask({ op: 'auth', args: ['k', past, signed('s', past)] })).toMatchObject(refused);
    expect(await ask({ op: 'subscribe', req_id: '1', args: ['execution'] })).toMatchObject({ success: false, req_id: '1' });
    expect(s.streamStats().subscriptions).toBe(0);
    expect(await ask({ op: 'auth', args: ['k', expires, signed('s', expires)] })).toMatchObject({ success: true, op: 'auth' });
    expect(await ask({ op: 'ping', req_id: '7' })).toMatchObject({ op: 'pong', req_id: '7' });
    ws.close();
  });

  it('a bad secret: ccxt.pro fails with the refusal, the simulator keeps the connection unauthenticated', async () => {
    const { s } = await setupBybit();
    const ex = new ccxt.pro.bybit({ apiKey: 'k', secret: 'wrong', enableRateLimit: false, options: bybitOptions() });
    pointAll(ex.urls['api'] as Record<string, unknown>, new URL(s.url).host);
    clients.push(ex);
    await ex.loadHttpProxyAgent();
    const client = ex.client(ex.urls['api']['ws']['private']['contract'].replace('{hostname}', ex.hostname));
    await expect(ex.authenticate(client.url)).rejects.toThrow(/Params Error/);
    expect(s.streamStats().subscriptions).toBe(0);
  });
});
