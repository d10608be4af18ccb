/**
 * Public market streams as ccxt.pro reaches them (issue 12: prices by stream where a strategy
 * quotes), on the simulator's own HTTP server. Bybit v5's `tickers.{id}` and `orderbook.1.{id}` at
 * `/v5/public/spot` and `/v5/public/linear` are bybitPublic.ts's; Binance's:
 * - spot `<symbol>@bookTicker` at `/ws/<n>` (ccxt: `urls.api.ws.spot + '/' + streamIndex`),
 * - USDⓈ-M `<symbol>@bookTicker` at `/public/ws/<n>` and `<symbol>@markPrice[@1s]` at
 *   `/market/ws/<n>` (ccxt splits futures streams by category, `getFutureWsCategory`).
 * A connection subscribes with `{ method: 'SUBSCRIBE', params: [...], id }` and is answered
 * `{ result: null, id }`, as Binance does; events are raw (not the `/stream` combined wrapper), in
 * Binance's shapes: spot bookTicker `{ u, s, b, B, a, A }`, futures bookTicker with `e`, `E`, `T`,
 * markPriceUpdate `{ e, E, s, p, i, P, r, T }`.
 *
 * Fed by the engines' books and marks: `scan` (on its own short timer, so the simulator needs no
 * other hook) sends a stream's event when its top of book or mark changed since the last one sent on
 * that connection, and the current value at once on subscribe (Binance's book ticker moves many
 * times a second, so a fresh subscriber hears it at once there too).
 */

import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { fmt8 } from '../decimal.ts';
import type { Engine } from '../engine.ts';
import type { Json } from '../format.ts';
import { px, qty } from '../futuresFormat.ts';
import type { PerpEngine } from '../perpEngine.ts';
import { answerBybitPublicFrame, BYBIT_PUBLIC_PATHS, bybitTopicData, bybitTopicMessage, type BybitPublicMarket } from './bybitPublic.ts';

export interface PublicStreamStats {
  connections: number;
  subscriptions: number;
  eventsSent: number;
}

export interface PublicStreams {
  /** Takes an HTTP upgrade for a public stream path; false when the path is not one. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  /** Sends every subscribed stream whose value changed since it was last sent. */
  scan(): void;
  /** Drops every public connection; with `refuse`, new ones are refused until `refuse(false)`. */
  disconnect(refuse?: boolean): number;
  refuse(on: boolean): void;
  stats(): PublicStreamStats;
  close(): void;
}

export interface PublicStreamsContext {
  engine: Engine;
  perp: PerpEngine;
  now: () => number;
  onError: (error: unknown) => void;
  /** How often `scan` runs by itself, ms (default 50); 0 = only when called. */
  scanMs?: number;
}

type Market = 'spot' | 'future';

interface Conn {
  ws: WebSocket;
  market: Market;
  /** Bybit's market and connection id; null on Binance's connections. */
  bybit: { market: BybitPublicMarket; connId: string } | null;
  /** Stream name (Bybit: topic) → the last value sent on it (without event times), to send only changes. */
  streams: Map<string, string>;
}

/** The instances serving each local port, so tests and benches reach the simulator's streams by its port. */
const byPort = new Map<number, PublicStreams>();

/** The public streams of the simulator listening on `port` (once it has taken one connection). */
export function publicStreamsOn(port: number): PublicStreams | undefined {
  return byPort.get(port);
}

const STREAM_INDEX = /^\d{1,4}$/;

/** The market a path serves, or null when it is not a public stream path (a listen key's is not). */
function marketOf(url: URL): Market | null {
  if (url.searchParams.has('listenKey')) return null;
  if (url.pathname === BYBIT_PUBLIC_PATHS.spot) return 'spot';
  if (url.pathname === BYBIT_PUBLIC_PATHS.linear) return 'future';
  const parts = url.pathname.split('/').filter((p) => p !== '');
  const last = parts[parts.length - 1] ?? '';
  const tail = STREAM_INDEX.test(last) ? parts.slice(0, -1) : parts;
  const path = tail.join('/');
  if (path === 'ws' && tail.length !== parts.length) return 'spot';
  if (path === 'public/ws' || path === 'market/ws') return 'future';
  return null;
}

export function createPublicStreams(ctx: PublicStreamsContext): PublicStreams {
  const { engine, perp, now } = ctx;
  const wss = new WebSocketServer({ noServer: true });
  const conns = new Set<Conn>();
  let eventsSent = 0;
  let refusing = false;
  let seq = 0;

  /** One stream's event: [value to compare, full payload]; null for an unknown stream. */
  const event = (market: Market, stream: string): [string, Json] | null => {
    const [id = '', channel = ''] = stream.split('@');
    const symbol = id.toUpperCase();
    const at = now();
    if (market === 'spot' && channel === 'bookTicker') {
      const spec = engine.spec(symbol);
      if (spec === undefined) return null;
      const book = engine.depth(spec.id, 1);
      const bid = book.bids[0];
      const ask = book.asks[0];
      const body = { s: spec.id, b: fmt8(bid?.price ?? 0), B: fmt8(bid?.qty ?? 0), a: fmt8(ask?.price ?? 0), A: fmt8(ask?.qty ?? 0) };
      return [JSON.stringify(body), { u: book.lastUpdateId, ...body }];
    }
    if (market !== 'future') return null;
    const spec = perp.spec(symbol);
    if (spec === undefined) return null;
    if (channel === 'bookTicker') {
      const book = perp.depth(spec.id, 1);
      const bid = book.bids[0];
      const ask = book.asks[0];
      const body = {
        s: spec.id,
        b: px(spec, bid?.price ?? 0),
        B: qty(spec, bid?.qty ?? 0),
        a: px(spec, ask?.price ?? 0),
        A: qty(spec, ask?.qty ?? 0),
      };
      return [JSON.stringify(body), { e: 'bookTicker', u: book.lastUpdateId, E: at, T: at, ...body }];
    }
    if (channel === 'markPrice') {
      const mark = perp.mark(spec.id);
      const index = perp.index(spec.id);
      const body = {
        s: spec.id,
        p: fmt8(mark),
        i: fmt8(index),
        P: fmt8(mark),
        r: fmt8(perp.fundingRate(spec.id)),
        T: perp.nextFundingTime(),
      };
      return [JSON.stringify(body), { e: 'markPriceUpdate', E: at, ...body }];
    }
    return null;
  };

  /** Bybit's event for a topic: the data compared, the message built from what was last sent. */
  const bybitEvent = (market: BybitPublicMarket, topic: string, last: string | undefined): [string, Json] | null => {
    const data = bybitTopicData(ctx, market, topic);
    if (data === null) return null;
    const previous = last === undefined || last === '' ? null : (JSON.parse(last) as { [key: string]: Json });
    return [JSON.stringify(data), bybitTopicMessage(market, topic, data, previous, now(), seq++)];
  };

  const sendChanged = (c: Conn, stream: string): void => {
    const last = c.streams.get(stream);
    const e = c.bybit === null ? event(c.market, stream) : bybitEvent(c.bybit.market, stream, last);
    if (e === null || last === e[0]) return;
    c.streams.set(stream, e[0]);
    if (c.ws.readyState !== c.ws.OPEN) return;
    c.ws.send(JSON.stringify(e[1]));
    eventsSent++;
  };

  /** Applies a subscription change: new streams start empty and are sent at once, after the answer. */
  const subscribe = (c: Conn, add: readonly string[], answer: unknown): void => {
    const fresh = add.filter((p) => !c.streams.has(p));
    for (const p of fresh) c.streams.set(p, '');
    c.ws.send(JSON.stringify(answer));
    for (const p of fresh) sendChanged(c, p);
  };

  const onBybitMessage = (c: Conn, bybit: NonNullable<Conn['bybit']>, data: RawData): void => {
    const r = answerBybitPublicFrame(data.toString(), bybit.connId, (topic) => bybitTopicData(ctx, bybit.market, topic) !== null);
    if (r.subscribe !== undefined) {
      subscribe(c, r.subscribe, r.answer);
      return;
    }
    for (const topic of r.unsubscribe ?? []) c.streams.delete(topic);
    c.ws.send(JSON.stringify(r.answer));
  };

  const onMessage = (c: Conn, data: RawData): void => {
    const text = data.toString();
    let frame: { method?: unknown; params?: unknown; id?: unknown };
    try {
      frame = JSON.parse(text) as typeof frame;
    } catch {
      c.ws.send(JSON.stringify({ error: { code: 3, msg: 'Invalid JSON' }, id: null }));
      return;
    }
    const id = frame.id ?? null;
    const params = Array.isArray(frame.params) ? frame.params.filter((p): p is string => typeof p === 'string') : [];
    if (frame.method === 'SUBSCRIBE') {
      subscribe(c, params, { result: null, id });
      return;
    }
    if (frame.method === 'UNSUBSCRIBE') {
      for (const p of params) c.streams.delete(p);
      c.ws.send(JSON.stringify({ result: null, id }));
      return;
    }
    if (frame.method === 'LIST_SUBSCRIPTIONS') {
      c.ws.send(JSON.stringify({ result: [...c.streams.keys()], id }));
      return;
    }
    c.ws.send(JSON.stringify({ error: { code: 2, msg: `Invalid request: unknown method` }, id }));
  };

  const self: PublicStreams = {
    handleUpgrade(req, socket, head) {
      const url = new URL(req.url ?? '/', 'http://simulator.invalid');
      const market = marketOf(url);
      if (market === null) return false;
      const isBybit = url.pathname.startsWith('/v5/public/');
      const port = (socket as { localPort?: number }).localPort;
      if (port !== undefined) byPort.set(port, self);
      if (refusing) {
        socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\n');
        return true;
      }
      wss.handleUpgrade(req, socket, head, (ws) => {
        const bybit = isBybit
          ? { market: market === 'spot' ? ('spot' as const) : ('linear' as const), connId: `pub-${(seq++).toString(36)}` }
          : null;
        const c: Conn = { ws, market, bybit, streams: new Map() };
        conns.add(c);
        ws.on('close', () => conns.delete(c));
        ws.on('error', () => conns.delete(c));
        ws.on('message', (data) => {
          try {
            if (c.bybit === null) onMessage(c, data);
            else onBybitMessage(c, c.bybit, data);
          } catch (error) {
            ctx.onError(error);
          }
        });
      });
      return true;
    },
    scan() {
      for (const c of conns) for (const stream of c.streams.keys()) sendChanged(c, stream);
    },
    disconnect(refuse) {
      if (refuse !== undefined) refusing = refuse;
      const n = conns.size;
      for (const c of conns) c.ws.terminate();
      conns.clear();
      return n;
    },
    refuse(on) {
      refusing = on;
    },
    stats() {
      let subscriptions = 0;
      for (const c of conns) subscriptions += c.streams.size;
      return { connections: conns.size, subscriptions, eventsSent };
    },
    close() {
      clearInterval(timer);
      for (const [port, s] of byPort) if (s === self) byPort.delete(port);
      for (const c of conns) c.ws.terminate();
      conns.clear();
      wss.close();
    },
  };

  const scanMs = ctx.scanMs ?? 50;
  const timer = setInterval(
    () => {
      try {
        self.scan();
      } catch (error) {
        ctx.onError(error);
      }
    },
    scanMs > 0 ? scanMs : 2 ** 30,
  );
  timer.unref();
  return self;
}
