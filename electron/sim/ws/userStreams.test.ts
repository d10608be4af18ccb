import ccxt from 'ccxt';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { spotAndLinearOptions } from '../pointCcxt.ts';
import { startSimulator, type Simulator } from '../simulator.ts';

type ProBinance = InstanceType<typeof ccxt.pro.binance>;

let sim: Simulator | undefined;
const clients: ProBinance[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
  await sim?.close();
  sim = undefined;
});

/** Every REST and stream URL of a ccxt.pro client pointed at the simulator (wss → ws, https → http). */
function pointAll(node: Record<string, unknown>, origin: string): void {
  for (const [key, value] of Object.entries(node)) {
    if (typeof value === 'string' && /^(https?|wss?):\/\//.test(value)) {
      const url = new URL(value);
      const scheme = value.startsWith('ws') ? 'ws' : 'http';
      node[key] = `${scheme}://${origin}${url.pathname.replace(/\/$/, '')}${url.search}`;
    } else if (value !== null && typeof value === 'object') pointAll(value as Record<string, unknown>, origin);
  }
}

async function setup(): Promise<{ s: Simulator; ex: ProBinance }> {
  const s = await startSimulator({
    autoTick: false,
    seed: 3,
    accounts: [{ apiKey: 'k', secret: 's', balances: { USDT: 100_000, BTC: 2 }, futuresUsdt: 100_000 }],
  });
  sim = s;
  const ex = new ccxt.pro.binance({ apiKey: 'k', secret: 's', enableRateLimit: false, options: spotAndLinearOptions() });
  pointAll(ex.urls['api'] as Record<string, unknown>, new URL(s.url).host);
  clients.push(ex);
  // ccxt refuses a plain ws:// URL until its http agent is loaded.
  await ex.loadHttpProxyAgent();
  await ex.loadMarkets();
  return { s, ex };
}

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
