/**
 * Binance private streams as ccxt.pro reaches them, on the simulator's own HTTP server:
 * - spot user data through the WebSocket API (`/ws-api/v3`, method `userDataStream.subscribe.signature`;
 *   events arrive wrapped as `{ subscriptionId, event }`),
 * - USDⓈ-M user data through a listen key: REST `POST/PUT/DELETE /fapi/v1/listenKey` (valid 60 min,
 *   kept alive by PUT) and the stream at `/private/ws?listenKey=KEY` (ccxt's URL) or `/ws/KEY`,
 * - Bybit v5's private stream at `/v5/private` (bybitPrivate.ts: auth, topics, pings).
 *
 * Events are derived from the engines' records after every request and every tick (`scan`): what was
 * recorded since the last scan is sent, so a fill reaches a subscriber in the same turn it is made.
 * Like Binance, nothing is replayed: events made while a subscriber is away are lost to it (REST has
 * them). Faults on demand (`fault`): disconnect, silent stall (no events, no pongs), duplicate and
 * out-of-order events, listen-key expiry — for every dialect's connections alike.
 */

import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { sign } from '../auth.ts';
import type { BybitContext } from '../bybit.ts';
import type { Engine } from '../engine.ts';
import type { Json } from '../format.ts';
import type { PerpEngine } from '../perpEngine.ts';
import type { PerpSpec } from '../perpMarkets.ts';
import { accountPosition, accountUpdate, executionReport, orderTradeUpdate } from './binanceEvents.ts';
import { topicMessage, type BybitTopic } from './bybitEvents.ts';
import { answerBybitFrame, BYBIT_PRIVATE_PATH, scanBybit, type BybitSession } from './bybitPrivate.ts';
import { walkOrders, type Seen } from './walk.ts';

/** Binance's listen-key validity without a keep-alive. */
export const LISTEN_KEY_VALIDITY_MS = 60 * 60 * 1000;

export type StreamFaultKind = 'disconnect' | 'stall' | 'resume' | 'duplicate' | 'reorder' | 'expireListenKey';

export interface StreamFaultSpec {
  kind: StreamFaultKind;
  /** Only this account's streams; default all. */
  apiKey?: string;
  /** `duplicate`: how many events are sent twice; `reorder`: how many are held and sent in reverse. Default 1 / 2. */
  count?: number;
  /** `stall`: how long; default until `resume`. */
  ms?: number;
}

export interface UserStreamStats {
  connections: number;
  subscriptions: number;
  eventsSent: number;
  listenKeys: number;
}

export interface UserStreams {
  /** Takes an HTTP upgrade for a stream path; false when the path is not one. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  /** `/fapi/v1/listenKey` (POST create-or-extend, PUT keep alive, DELETE close). */
  listenKeyRequest(method: string, apiKey: string | undefined): { status: number; body: Json };
  /** Sends what the engines recorded since the last scan to the subscribers; expires listen keys. */
  scan(): void;
  /** Applies a fault to the matching live streams; returns how many streams it touched. */
  fault(spec: StreamFaultSpec): number;
  stats(): UserStreamStats;
  close(): void;
}

export interface UserStreamsContext {
  engine: Engine;
  perp: PerpEngine;
  /** Bybit's view of the same engines (its rows, fees, wallet). */
  bybit: BybitContext;
  now: () => number;
  onError: (error: unknown) => void;
}

type Market = 'spot' | 'future' | 'bybit';

interface Conn {
  ws: WebSocket;
  market: Market;
  /** Spot: subscriptionId → account; future: the listen key's account under id 0; Bybit: the authenticated account under id 0. */
  subs: Map<number, string>;
  /** Bybit's session (its key and topics); null on Binance's connections. */
  bybit: BybitSession | null;
  listenKey: string | null;
  stalledUntil: number;
  duplicateLeft: number;
  reorderLeft: number;
  held: string[];
  flushTimer: NodeJS.Timeout | null;
}

/** What one account's stream has already reported, so each scan sends only what is new. */
interface Tracker {
  trades: number;
  perpTrades: number;
  funding: number;
  /** Orders the stream has announced: cumulative execution reported, and whether the final state was sent. */
  orders: Map<string, Seen>;
  perpOrders: Map<string, Seen>;
}

interface ListenKey {
  apiKey: string;
  expiresAt: number;
}

const SPOT_PATH = '/ws-api/v3';

export function createUserStreams(ctx: UserStreamsContext): UserStreams {
  const { engine, perp, now } = ctx;
  const wss = new WebSocketServer({ noServer: true, autoPong: false });
  const conns = new Set<Conn>();
  const trackers = new Map<string, Tracker>();
  const listenKeys = new Map<string, ListenKey>();
  let nextSubscriptionId = 0;
  let keySeq = 0;
  let eventsSent = 0;
  let messageSeq = 0;

  const isStalled = (c: Conn): boolean => c.stalledUntil > now();

  const tracker = (apiKey: string): Tracker => {
    let t = trackers.get(apiKey);
    if (t === undefined) {
      // Start from the present: a new subscriber gets what happens from now on, as on Binance.
      t = {
        trades: engine.trades(apiKey).length,
        perpTrades: perp.has(apiKey) ? perp.trades(apiKey).length : 0,
        funding: perp.has(apiKey) ? perp.funding(apiKey).length : 0,
        orders: new Map(),
        perpOrders: new Map(),
      };
      for (const o of engine.openOrders(apiKey))
        t.orders.set(`${o.symbol}:${o.orderId}`, { qty: o.executedQty, quote: o.cumQuote, isFinal: false });
      if (perp.has(apiKey))
        for (const o of perp.openOrders(apiKey))
          t.perpOrders.set(`${o.symbol}:${o.orderId}`, { qty: o.executedQty, quote: o.cumQuote, isFinal: false });
      trackers.set(apiKey, t);
    }
    return t;
  };

  const rawSend = (c: Conn, text: string): void => {
    if (c.ws.readyState !== c.ws.OPEN) return;
    c.ws.send(text);
    eventsSent++;
  };

  const flush = (c: Conn): void => {
    if (c.flushTimer !== null) clearTimeout(c.flushTimer);
    c.flushTimer = null;
    const held = c.held.reverse();
    c.held = [];
    for (const text of held) rawSend(c, text);
  };

  /** One event to one connection, through its faults. */
  const deliver = (c: Conn, text: string): void => {
    if (isStalled(c)) return; // a silent stall loses events, as a dead connection would
    if (c.reorderLeft > 0) {
      c.held.push(text);
      c.reorderLeft--;
      if (c.reorderLeft === 0) flush(c);
      // Fewer events than asked for: send what is held (reversed) shortly rather than never.
      else c.flushTimer ??= setTimeout(() => flush(c), 50);
      return;
    }
    rawSend(c, text);
    if (c.duplicateLeft > 0) {
      c.duplicateLeft--;
      rawSend(c, text);
    }
  };

  const publish = (apiKey: string, market: Market, event: Json, topic?: BybitTopic): void => {
    for (const c of conns) {
      if (c.market !== market) continue;
      if (topic !== undefined && c.bybit?.topics.has(topic) !== true) continue;
      for (const [subscriptionId, key] of c.subs) {
        if (key !== apiKey) continue;
        deliver(c, JSON.stringify(market === 'spot' ? { subscriptionId, event } : event));
      }
    }
  };

  const isWatched = (apiKey: string, market: Market): boolean => {
    for (const c of conns) if (c.market === market && [...c.subs.values()].includes(apiKey)) return true;
    return false;
  };

  const scanSpot = (apiKey: string, t: Tracker, at: number): void => {
    const trades = engine.trades(apiKey);
    const fresh = trades.slice(t.trades);
    t.trades = trades.length;
    const watched = isWatched(apiKey, 'spot');
    const send = (event: Json): void => {
      if (watched) publish(apiKey, 'spot', event);
    };
    const assets = new Set<string>();
    const touch = (symbol: string): void => {
      const spec = engine.spec(symbol);
      if (spec !== undefined) assets.add(spec.base).add(spec.quote);
    };
    walkOrders(t.orders, engine.openOrders(apiKey), fresh, (symbol, orderId) => engine.getOrder(apiKey, symbol, { orderId }), {
      created: (o, seen) => send(executionReport(o, 'NEW', seen, at)),
      trade: (o, seen, trade) => {
        send(executionReport(o, 'TRADE', seen, at, trade));
        touch(trade.symbol);
      },
      final: (o, seen) => {
        if (o.status !== 'FILLED') send(executionReport(o, o.status, seen, at));
        touch(o.symbol);
      },
    });
    const account = engine.account(apiKey);
    if (assets.size > 0 && account !== undefined) send(accountPosition(account.balances, assets, at));
  };

  const scanFutures = (apiKey: string, t: Tracker, at: number): void => {
    const watched = isWatched(apiKey, 'future');
    const send = (symbol: string, make: (spec: PerpSpec) => Json): void => {
      const spec = perp.spec(symbol);
      if (watched && spec !== undefined) publish(apiKey, 'future', make(spec));
    };
    const trades = perp.trades(apiKey);
    const fresh = trades.slice(t.perpTrades);
    t.perpTrades = trades.length;
    let isChanged = fresh.length > 0;
    walkOrders(t.perpOrders, perp.openOrders(apiKey), fresh, (symbol, orderId) => perp.getOrder(apiKey, symbol, { orderId }), {
      created: (o, seen) => send(o.symbol, (spec) => orderTradeUpdate(spec, o, 'NEW', seen, at)),
      trade: (o, seen, trade) => send(o.symbol, (spec) => orderTradeUpdate(spec, o, 'TRADE', seen, at, trade)),
      final: (o, seen) => {
        isChanged = true;
        if (o.status !== 'FILLED') send(o.symbol, (spec) => orderTradeUpdate(spec, o, o.status, seen, at));
      },
    });
    const open = (): ReturnType<PerpEngine['positions']> => perp.positions(apiKey).filter((p) => p.positionAmt !== 0);
    if (isChanged && watched) {
      const fees = fresh.reduce((sum, tr) => sum + tr.realizedPnl - tr.commission, 0);
      publish(apiKey, 'future', accountUpdate('ORDER', perp.account(apiKey).walletBalance, fees, open(), at));
    }
    const funding = perp.funding(apiKey);
    const paid = funding.slice(t.funding);
    t.funding = funding.length;
    if (paid.length > 0 && watched) {
      // One update per settlement moment, as Binance sends one per funding round.
      const byTime = new Map<number, number>();
      for (const f of paid) byTime.set(f.time, (byTime.get(f.time) ?? 0) + f.amount);
      for (const [, change] of byTime)
        publish(apiKey, 'future', accountUpdate('FUNDING_FEE', perp.account(apiKey).walletBalance, change, open(), at));
    }
  };

  const expireKeys = (at: number): void => {
    for (const [key, lk] of listenKeys) {
      if (lk.expiresAt > at) continue;
      listenKeys.delete(key);
      for (const c of conns) {
        if (c.listenKey !== key) continue;
        rawSend(c, JSON.stringify({ e: 'listenKeyExpired', E: at, listenKey: key }));
        c.ws.close(1000, 'listenKey expired');
      }
    }
  };

  const scan = (): void => {
    if (listenKeys.size > 0) expireKeys(now());
    if (trackers.size === 0) return;
    const at = now();
    for (const [apiKey, t] of trackers) {
      try {
        if (engine.account(apiKey)?.dialect === 'bybit') {
          const watched = isWatched(apiKey, 'bybit');
          scanBybit(ctx.bybit, apiKey, t, (topic, rows) => {
            if (watched) publish(apiKey, 'bybit', topicMessage(topic, rows(), at, messageSeq++), topic);
          });
          continue;
        }
        scanSpot(apiKey, t, at);
        if (perp.has(apiKey)) scanFutures(apiKey, t, at);
      } catch (error) {
        ctx.onError(error);
      }
    }
  };

  const newConn = (ws: WebSocket, market: Market, listenKey: string | null): Conn => {
    const c: Conn = {
      ws,
      market,
      subs: new Map(),
      bybit: null,
      listenKey,
      stalledUntil: 0,
      duplicateLeft: 0,
      reorderLeft: 0,
      held: [],
      flushTimer: null,
    };
    conns.add(c);
    // Pongs are answered by hand so that a stalled stream also stops answering pings (ccxt's keep-alive notices).
    ws.on('ping', (data: Buffer) => {
      if (!isStalled(c)) ws.pong(data);
    });
    ws.on('close', () => {
      if (c.flushTimer !== null) clearTimeout(c.flushTimer);
      conns.delete(c);
    });
    ws.on('error', () => conns.delete(c));
    return c;
  };

  const wsApiError = (id: unknown, status: number, code: number, msg: string): string =>
    JSON.stringify({ id, status, error: { code, msg } });

  /** A request on the spot WebSocket API. */
  const onSpotMessage = (c: Conn, data: RawData): void => {
    let request: { id?: unknown; method?: unknown; params?: unknown };
    try {
      request = JSON.parse(data.toString()) as typeof request;
    } catch {
      c.ws.send(wsApiError(null, 400, -1100, 'Illegal characters found in JSON.'));
      return;
    }
    const { id, method } = request;
    const params = (typeof request.params === 'object' && request.params !== null ? request.params : {}) as Record<string, unknown>;
    if (method === 'ping') {
      c.ws.send(JSON.stringify({ id, status: 200, result: {} }));
      return;
    }
    if (method === 'userDataStream.unsubscribe') {
      const sid = Number(params['subscriptionId']);
      if (Number.isInteger(sid)) c.subs.delete(sid);
      else c.subs.clear();
      c.ws.send(JSON.stringify({ id, status: 200, result: {} }));
      return;
    }
    if (method !== 'userDataStream.subscribe.signature') {
      c.ws.send(wsApiError(id, 400, -1020, `Unknown method ${String(method)} (not supported by the simulator).`));
      return;
    }
    const apiKey = typeof params['apiKey'] === 'string' ? params['apiKey'] : '';
    const account = engine.account(apiKey);
    if (account === undefined || account.dialect !== 'binance') {
      c.ws.send(wsApiError(id, 401, -2015, 'Invalid API-key, IP, or permissions for action.'));
      return;
    }
    // The WebSocket API signs the parameters sorted by name, signature left out (Binance's docs; ccxt's signParams).
    const payload = Object.keys(params)
      .filter((k) => k !== 'signature')
      .sort()
      .map((k) => `${k}=${String(params[k])}`)
      .join('&');
    if (params['signature'] !== sign(payload, account.secret)) {
      c.ws.send(wsApiError(id, 400, -1022, 'Signature for this request is not valid.'));
      return;
    }
    const timestamp = Number(params['timestamp']);
    const recvWindow = Number(params['recvWindow'] ?? 5000);
    if (!(Math.abs(now() - timestamp) <= Math.max(recvWindow, 1000))) {
      c.ws.send(wsApiError(id, 400, -1021, 'Timestamp for this request is outside of the recvWindow.'));
      return;
    }
    tracker(apiKey);
    const subscriptionId = nextSubscriptionId++;
    c.subs.set(subscriptionId, apiKey);
    c.ws.send(JSON.stringify({ id, status: 200, result: { subscriptionId } }));
  };

  const listenKeyOf = (url: URL): string | null => {
    if (url.pathname === '/private/ws' || url.pathname === '/ws') return url.searchParams.get('listenKey');
    const m = /^\/ws\/([A-Za-z0-9]+)$/.exec(url.pathname);
    return m?.[1] ?? null;
  };

  return {
    handleUpgrade(req, socket, head) {
      const url = new URL(req.url ?? '/', 'http://simulator.invalid');
      if (url.pathname === SPOT_PATH) {
        wss.handleUpgrade(req, socket, head, (ws) => {
          const c = newConn(ws, 'spot', null);
          ws.on('message', (data) => {
            try {
              onSpotMessage(c, data);
            } catch (error) {
              ctx.onError(error);
            }
          });
        });
        return true;
      }
      if (url.pathname === BYBIT_PRIVATE_PATH) {
        wss.handleUpgrade(req, socket, head, (ws) => {
          const c = newConn(ws, 'bybit', null);
          const session: BybitSession = { connId: `sim-${(nextSubscriptionId++).toString(36)}`, apiKey: null, topics: new Set() };
          c.bybit = session;
          ws.on('message', (data) => {
            try {
              const answer = answerBybitFrame(ctx.bybit, session, data.toString(), isStalled(c));
              if (session.apiKey !== null && !c.subs.has(0)) {
                tracker(session.apiKey);
                c.subs.set(0, session.apiKey);
              }
              if (answer !== null) c.ws.send(JSON.stringify(answer));
            } catch (error) {
              ctx.onError(error);
            }
          });
        });
        return true;
      }
      const key = listenKeyOf(url);
      if (key === null) return false;
      const lk = listenKeys.get(key);
      if (lk === undefined || lk.expiresAt <= now()) {
        // Binance refuses a stream for a key it does not know (expired, deleted or made up).
        socket.end(
          'HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n{"code":-1125,"msg":"This listenKey does not exist."}',
        );
        return true;
      }
      wss.handleUpgrade(req, socket, head, (ws) => {
        tracker(lk.apiKey);
        newConn(ws, 'future', key).subs.set(0, lk.apiKey);
      });
      return true;
    },

    listenKeyRequest(method, apiKey) {
      const account = apiKey === undefined ? undefined : engine.account(apiKey);
      if (apiKey === undefined || account === undefined || account.dialect !== 'binance' || !perp.has(apiKey)) {
        return { status: 401, body: { code: -2015, msg: 'Invalid API-key, IP, or permissions for action.' } };
      }
      const at = now();
      const active = [...listenKeys].find(([, lk]) => lk.apiKey === apiKey && lk.expiresAt > at);
      if (method === 'POST') {
        // Binance answers the account's active key (extended) rather than making a second one.
        if (active !== undefined) {
          active[1].expiresAt = at + LISTEN_KEY_VALIDITY_MS;
          return { status: 200, body: { listenKey: active[0] } };
        }
        const key = createHash('sha256')
          .update(`${apiKey}:${keySeq++}:${at}`)
          .digest('base64url')
          .replace(/[^A-Za-z0-9]/g, '')
          .slice(0, 64);
        listenKeys.set(key, { apiKey, expiresAt: at + LISTEN_KEY_VALIDITY_MS });
        return { status: 200, body: { listenKey: key } };
      }
      if (active === undefined) return { status: 400, body: { code: -1125, msg: 'This listenKey does not exist.' } };
      if (method === 'PUT') {
        active[1].expiresAt = at + LISTEN_KEY_VALIDITY_MS;
        return { status: 200, body: { listenKey: active[0] } };
      }
      if (method === 'DELETE') {
        listenKeys.delete(active[0]);
        for (const c of conns) if (c.listenKey === active[0]) c.ws.close(1000, 'listenKey closed');
        return { status: 200, body: {} };
      }
      return { status: 405, body: { code: -1020, msg: `${method} not supported on /fapi/v1/listenKey.` } };
    },

    scan,

    fault(spec) {
      let touched = 0;
      const at = now();
      if (spec.kind === 'expireListenKey') {
        for (const lk of listenKeys.values()) if (spec.apiKey === undefined || lk.apiKey === spec.apiKey) lk.expiresAt = at;
      }
      for (const c of [...conns]) {
        if (spec.apiKey !== undefined && ![...c.subs.values()].includes(spec.apiKey)) continue;
        touched++;
        if (spec.kind === 'disconnect') c.ws.terminate();
        else if (spec.kind === 'stall') c.stalledUntil = spec.ms === undefined ? Number.POSITIVE_INFINITY : at + spec.ms;
        else if (spec.kind === 'resume') c.stalledUntil = 0;
        else if (spec.kind === 'duplicate') c.duplicateLeft += spec.count ?? 1;
        else if (spec.kind === 'reorder') c.reorderLeft += Math.max(2, spec.count ?? 2);
      }
      if (spec.kind === 'expireListenKey') expireKeys(at);
      return touched;
    },

    stats: () => ({
      connections: conns.size,
      subscriptions: [...conns].reduce((n, c) => n + c.subs.size, 0),
      eventsSent,
      listenKeys: listenKeys.size,
    }),

    close() {
      for (const c of conns) {
        if (c.flushTimer !== null) clearTimeout(c.flushTimer);
        c.ws.terminate();
      }
      conns.clear();
      wss.close();
    },
  };
}

const FAULT_KINDS: readonly StreamFaultKind[] = ['disconnect', 'stall', 'resume', 'duplicate', 'reorder', 'expireListenKey'];

/** Parses a stream fault from `POST /__sim/streams`; throws with a message on a bad spec. */
export function parseStreamFault(value: unknown): StreamFaultSpec {
  if (typeof value !== 'object' || value === null) throw new Error('a stream fault is an object with a "kind"');
  const v = value as Record<string, unknown>;
  if (!FAULT_KINDS.includes(v['kind'] as StreamFaultKind)) throw new Error(`kind must be one of ${FAULT_KINDS.join(', ')}`);
  const spec: StreamFaultSpec = { kind: v['kind'] as StreamFaultKind };
  if (v['apiKey'] !== undefined) {
    if (typeof v['apiKey'] !== 'string') throw new Error('apiKey must be a string');
    spec.apiKey = v['apiKey'];
  }
  for (const field of ['count', 'ms'] as const) {
    const n = v[field];
    if (n === undefined) continue;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw new Error(`${field} must be a non-negative whole number`);
    spec[field] = n;
  }
  return spec;
}
