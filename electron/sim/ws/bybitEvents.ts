/**
 * Bybit v5 private-stream messages in the exchange's own shapes, as ccxt.pro `bybit` parses them
 * (`node_modules/ccxt/js/src/pro/bybit.js`: handleAuthenticate, handleErrorMessage, handlePong,
 * handleMyTrades, handleOrder, handlePositions, handleBalance). A topic message is
 * `{ id, topic, creationTime, data: [...] }`; its rows are the REST rows (bybitFormat.ts) plus the
 * `category` the unified stream adds, so one fill carries one execId whichever path reads it.
 */

import { position } from '../bybitFormat.ts';
import type { Json } from '../format.ts';
import type { PositionView } from '../perpEngine.ts';

export type BybitTopic = 'execution' | 'order' | 'position' | 'wallet';
export const BYBIT_TOPICS: readonly BybitTopic[] = ['execution', 'order', 'position', 'wallet'];

/** A topic push; `seq` makes the message id unique on the connection. */
export function topicMessage(topic: BybitTopic, data: Json[], now: number, seq: number): Json {
  return { id: `${now.toString(16)}-${seq.toString(16).padStart(8, '0')}`, topic, creationTime: now, data };
}

/** A row of the unified stream: the REST row with its category first. */
export function inCategory(category: 'spot' | 'linear', row: Json): Json {
  return { category, ...(row as { [key: string]: Json }) };
}

/** A position as the `position` topic pushes it: the REST row plus `entryPrice` and the category. */
export function positionRow(v: PositionView, seq: number): Json {
  const row = position(v, seq) as { [key: string]: Json };
  return { category: 'linear', ...row, entryPrice: row['avgPrice'] ?? '0' };
}

/**
 * The answer to an op (`auth`, `subscribe`, `unsubscribe`). A refused auth is answered the way v5
 * answers it (`{"success":false,"ret_msg":"Params Error","op":"auth",...}`: one message for a bad
 * key, a bad signature or an expired request) and the connection stays open, as on Bybit.
 */
export function opAnswer(op: string, isOk: boolean, retMsg: string, connId: string, reqId?: unknown): Json {
  return {
    success: isOk,
    ret_msg: retMsg,
    conn_id: connId,
    ...(reqId === undefined ? {} : { req_id: String(reqId as string | number) }),
    op,
  };
}

/** The private stream's answer to `{"op":"ping"}`. */
export function pong(connId: string, now: number, reqId?: unknown): Json {
  return {
    ...(reqId === undefined ? {} : { req_id: String(reqId as string | number) }),
    op: 'pong',
    args: [String(now)],
    conn_id: connId,
  };
}
