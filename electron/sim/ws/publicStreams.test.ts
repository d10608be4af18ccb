/** The simulator's public market streams in Binance's and Bybit v5's wire shapes, read with a plain WebSocket client. */
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startSimulator, type Simulator } from '../simulator.ts';
import { publicStreamsOn } from './publicStreams.ts';

let sim: Simulator | undefined;
const sockets: WebSocket[] = [];

afterEach(async () => {
  for (const ws of sockets.splice(0)) ws.terminate();
  await sim?.close();
  sim = undefined;
});

/** Opens `path` and returns a reader of its next messages (parsed). */
async function open(s: Simulator, path: string): Promise<{ ws: WebSocket; next(): Promise<Record<string, unknown>> }> {
  const ws = new WebSocket(`${s.url.replace('http', 'ws')}${path}`);
  sockets.push(ws);
  const queue: Record<string, unknown>[] = [];
  const waiters: ((m: Record<string, unknown>) => void)[] = [];
  ws.on('message', (data) => {
    const m = JSON.parse(data.toString()) as Record<string, unknown>;
    const w = waiters.shift();
    if (w === undefined) queue.push(m);
    else w(m);
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return { ws, next: () => new Promise((resolve) => (queue.length > 0 ? resolve(queue.shift()!) : waiters.push(resolve))) };
}

type Reader = Awaited<ReturnType<typeof open>>;

/** Opens `path`, subscribes `stream` and checks the subscription is answered by its id. */
async function subscribe(s: Simulator, path: string, stream: string, id: number): Promise<Reader> {
  const c = await open(s, path);
  c.ws.send(JSON.stringify({ method: 'SUBSCRIBE', params: [stream], id }));
  expect(await c.next()).toEqual({ result: null, id });
  return c;
}

async function top(s: Simulator, path: string): Promise<[string, string]> {
  const book = (await (await fetch(`${s.url}${path}?symbol=BTCUSDT&limit=5`)).json()) as { bids: [string][]; asks: [string][] };
  return [book.bids[0]?.[0] ?? '', book.asks[0]?.[0] ?? ''];
}

it('spot bookTicker: SUBSCRIBE is answered by id, the current top of book follows at once, and every change after', async () => {
  const s = await startSimulator({ autoTick: false });
  sim = s;
  const c = await subscribe(s, '/ws/0', 'btcusdt@bookTicker', 7);
  const first = await c.next();
  expect(Object.keys(first).sort()).toEqual(['A', 'B', 'a', 'b', 's', 'u']);
  expect([first['b'], first['a']].map(Number)).toEqual((await top(s, '/api/v3/depth')).map(Number));

  let now = await top(s, '/api/v3/depth');
  const was = now.join();
  for (let i = 0; i < 50 && now.join() === was; i++) {
    s.advance(1);
    now = await top(s, '/api/v3/depth');
  }
  const moved = await c.next();
  expect([moved['b'], moved['a']].map(Number)).not.toEqual(was.split(',').map(Number));
});

it('USDⓈ-M: bookTicker on /public/ws and markPriceUpdate on /market/ws in Binance’s shapes', async () => {
  const s = await startSimulator({ autoTick: false });
  sim = s;
  const book = await subscribe(s, '/public/ws/0', 'btcusdt@bookTicker', 1);
  expect(await book.next()).toMatchObject({ e: 'bookTicker', s: 'BTCUSDT' });

  const mark = await subscribe(s, '/market/ws/1', 'btcusdt@markPrice@1s', 2);
  const m = await mark.next();
  const premium = (await (await fetch(`${s.url}/fapi/v1/premiumIndex?symbol=BTCUSDT`)).json()) as { markPrice: string };
  expect(m).toMatchObject({ e: 'markPriceUpdate', s: 'BTCUSDT' });
  expect(Number(m['p'])).toBe(Number(premium.markPrice));
});

describe('Bybit v5 public streams', () => {
  /** Opens a Bybit public path and sends one op; answers the reader and the op's answer. */
  async function op(s: Simulator, path: string, frame: object): Promise<[Reader, Record<string, unknown>]> {
    const c = await open(s, path);
    c.ws.send(JSON.stringify(frame));
    return [c, await c.next()];
  }

  it('spot: tickers.{id} without bid or ask, orderbook.1.{id} snapshots of the top of book; ping, unsubscribe, an unknown topic refused', async () => {
    const s = await startSimulator({ autoTick: false });
    sim = s;
    const [c, answer] = await op(s, '/v5/public/spot', { op: 'subscribe', req_id: '7', args: ['tickers.BTCUSDT', 'orderbook.1.BTCUSDT'] });
    expect(answer).toMatchObject({ success: true, ret_msg: 'subscribe', req_id: '7', op: 'subscribe' });
    const ticker = await c.next();
    expect(ticker).toMatchObject({ topic: 'tickers.BTCUSDT', type: 'snapshot', data: { symbol: 'BTCUSDT' } });
    expect(Object.keys(ticker['data'] as object)).not.toContain('bid1Price');
    expect(Object.keys(ticker['data'] as object)).toContain('usdIndexPrice');
    const book = await c.next();
    expect(book).toMatchObject({ topic: 'orderbook.1.BTCUSDT', type: 'snapshot', data: { s: 'BTCUSDT' } });
    const data = book['data'] as { b: [string, string][]; a: [string, string][] };
    expect([data.b[0]?.[0], data.a[0]?.[0]].map(Number)).toEqual((await top(s, '/api/v3/depth')).map(Number));

    c.ws.send(JSON.stringify({ op: 'ping', req_id: '8' }));
    expect(await c.next()).toMatchObject({ success: true, ret_msg: 'pong', req_id: '8', op: 'ping' });
    c.ws.send(JSON.stringify({ op: 'unsubscribe', req_id: '9', args: ['tickers.BTCUSDT'] }));
    expect(await c.next()).toMatchObject({ success: true, req_id: '9', op: 'unsubscribe' });
    expect(publicStreamsOn(s.port)?.stats().subscriptions).toBe(1);
    c.ws.send(JSON.stringify({ op: 'subscribe', req_id: '10', args: ['tickers.NOPEUSDT'] }));
    expect(await c.next()).toMatchObject({ success: false, ret_msg: 'error:handler not found,topic:tickers.NOPEUSDT', req_id: '10' });
  });

  it('linear: tickers.{id} is a snapshot with bid, ask and mark, then deltas of what changed', async () => {
    const s = await startSimulator({ autoTick: false });
    sim = s;
    const [c, answer] = await op(s, '/v5/public/linear', { op: 'subscribe', req_id: '1', args: ['tickers.BTCUSDT'] });
    expect(answer).toMatchObject({ success: true, op: 'subscribe' });
    const first = await c.next();
    const rest = (await (await fetch(`${s.url}/v5/market/tickers?category=linear&symbol=BTCUSDT`)).json()) as {
      result: { list: Record<string, string>[] };
    };
    expect(first).toMatchObject({ topic: 'tickers.BTCUSDT', type: 'snapshot', data: rest.result.list[0] });
    s.advance(1);
    const delta = await c.next();
    expect(delta).toMatchObject({ topic: 'tickers.BTCUSDT', type: 'delta', data: { symbol: 'BTCUSDT' } });
    const fields = delta['data'] as Record<string, string>;
    const full = first['data'] as Record<string, string>;
    // Only what changed (and the symbol) is sent.
    for (const [k, v] of Object.entries(fields)) if (k !== 'symbol') expect(v).not.toBe(full[k]);
    expect(Object.keys(fields).length).toBeLessThan(Object.keys(full).length);
  });
});
