/**
 * Bybit v5 public market streams as ccxt.pro `bybit` reaches them (`node_modules/ccxt/js/src/pro/bybit.js`:
 * watchTicker → `tickers.{id}`, watchBidsAsks → `orderbook.1.{id}`, handleTicker, handleOrderBook),
 * at `/v5/public/spot` and `/v5/public/linear`. Frames: `{"op":"subscribe"|"unsubscribe","req_id",
 * "args":[topics]}` answered with v5's op answer (`success`, `ret_msg`, `conn_id`, `req_id`, `op`),
 * `{"op":"ping"}` answered `ret_msg: "pong"`. Messages in Bybit's shapes:
 * - `tickers.{id}` spot: a snapshot every time, without bid or ask (Bybit's spot ticker stream has
 *   none); linear: a snapshot first, then deltas holding only the fields that changed;
 * - `orderbook.1.{id}`: a snapshot of the top level each time it changes (level 1 is snapshots only).
 * publicStreams.ts owns the connections and sends an event when its value changed.
 */

import { linearTicker, orderbook, spotTicker } from '../bybitFormat.ts';
import type { Engine } from '../engine.ts';
import type { Json } from '../format.ts';
import type { PerpEngine } from '../perpEngine.ts';
import { opAnswer } from './bybitEvents.ts';

export const BYBIT_PUBLIC_PATHS = { spot: '/v5/public/spot', linear: '/v5/public/linear' } as const;
export type BybitPublicMarket = keyof typeof BYBIT_PUBLIC_PATHS;

/** Fields Bybit's spot ticker stream does not carry (its REST ticker does). */
const SPOT_REST_ONLY = ['bid1Price', 'bid1Size', 'ask1Price', 'ask1Size'];

export interface BybitPublicContext {
  engine: Engine;
  perp: PerpEngine;
  now: () => number;
}

/** A topic's current data (what is compared to send only changes), or null for a topic this market does not have. */
export function bybitTopicData(ctx: BybitPublicContext, market: BybitPublicMarket, topic: string): { [key: string]: Json } | null {
  const parts = topic.split('.');
  const id = parts[parts.length - 1] ?? '';
  const isBook = parts.length === 3 && parts[0] === 'orderbook' && parts[1] === '1';
  if (!isBook && !(parts.length === 2 && parts[0] === 'tickers')) return null;
  if (market === 'spot') {
    const spec = ctx.engine.spec(id);
    if (spec === undefined || spec.id !== id) return null;
    const book = ctx.engine.depth(spec.id, 1);
    if (isBook) return bookData(orderbook(spec, book, 0));
    const row = spotTicker(spec, ctx.engine.stats(spec.id), book.bids[0], book.asks[0]) as { [key: string]: Json };
    return Object.fromEntries(Object.entries(row).filter(([k]) => !SPOT_REST_ONLY.includes(k)));
  }
  const spec = ctx.perp.spec(id);
  if (spec === undefined || spec.id !== id) return null;
  const book = ctx.perp.depth(spec.id, 1);
  if (isBook) return bookData(orderbook(spec, book, 0));
  return linearTicker(spec, ctx.perp.stats(spec.id), book.bids[0], book.asks[0], {
    mark: ctx.perp.mark(spec.id),
    index: ctx.perp.index(spec.id),
    rate: ctx.perp.fundingRate(spec.id),
    nextFundingTime: ctx.perp.nextFundingTime(),
  }) as { [key: string]: Json };
}

/** The stream's `data` of a book: REST's rows without its times (the message carries `ts` and `cts`). */
function bookData(rest: Json): { [key: string]: Json } {
  const { ts: _ts, cts: _cts, ...data } = rest as { [key: string]: Json };
  return data;
}

/**
 * The message for a topic whose data changed from `previous` (null: the first one on the
 * connection). Linear tickers after the first are deltas of the changed fields.
 */
export function bybitTopicMessage(
  market: BybitPublicMarket,
  topic: string,
  data: { [key: string]: Json },
  previous: { [key: string]: Json } | null,
  now: number,
  seq: number,
): Json {
  if (topic.startsWith('orderbook.')) return { topic, ts: now, type: 'snapshot', data, cts: now };
  if (market === 'linear' && previous !== null) {
    const delta: { [key: string]: Json } = { symbol: data['symbol'] ?? '' };
    for (const [k, v] of Object.entries(data)) if (previous[k] !== v) delta[k] = v;
    return { topic, type: 'delta', data: delta, cs: seq, ts: now };
  }
  return { topic, ts: now, type: 'snapshot', cs: seq, data };
}

/** What a client frame asks: a subscription change to apply and the answer to send. */
export function answerBybitPublicFrame(
  text: string,
  connId: string,
  isKnown: (topic: string) => boolean,
): { answer: Json; subscribe?: string[]; unsubscribe?: string[] } {
  let frame: { op?: unknown; args?: unknown; req_id?: unknown };
  try {
    frame = JSON.parse(text) as typeof frame;
  } catch {
    return { answer: opAnswer('', false, 'error:invalid op', connId) };
  }
  const op = typeof frame.op === 'string' ? frame.op : '';
  const reqId = frame.req_id;
  const args = Array.isArray(frame.args) ? frame.args.filter((a): a is string => typeof a === 'string') : [];
  if (op === 'ping') return { answer: opAnswer('ping', true, 'pong', connId, reqId) };
  if (op === 'subscribe' || op === 'unsubscribe') {
    const unknown = args.find((a) => !isKnown(a));
    if (unknown !== undefined) return { answer: opAnswer(op, false, `error:handler not found,topic:${unknown}`, connId, reqId) };
    const answer = opAnswer(op, true, op === 'subscribe' ? 'subscribe' : '', connId, reqId);
    return op === 'subscribe' ? { answer, subscribe: args } : { answer, unsubscribe: args };
  }
  return { answer: opAnswer(op, false, 'error:invalid op', connId, reqId) };
}
