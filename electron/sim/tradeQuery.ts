/**
 * GET /api/v3/myTrades parameter rules, as Binance documents them. The 24-hour window is the rule
 * the app's incremental sync must respect, so the simulator enforces it rather than being lenient:
 * - supported combinations: none; orderId; startTime; endTime; fromId; startTime+endTime;
 *   orderId+fromId — anything else is -1128;
 * - startTime and endTime at most 24 h apart (-1127); startTime alone means [startTime, +24 h],
 *   endTime alone means [endTime − 24 h, endTime];
 * - fromId returns trades with id ≥ fromId; no time or id bound returns the most recent trades;
 * - limit defaults to 500 and is capped at 1000; rows always come back oldest first.
 */

import { errors } from './errors.ts';
import type { SimTrade } from './orders.ts';

export interface MyTradesQuery {
  symbol: string;
  orderId?: number;
  startTime?: number;
  endTime?: number;
  fromId?: number;
  limit?: number;
}

export const MY_TRADES_WINDOW_MS = 24 * 60 * 60 * 1000;
const DEFAULT_LIMIT = 500;
const MAX_LIMIT = 1000;

/** `trades` are one account's rows for the query's symbol, in id order. */
export function queryMyTrades(trades: readonly SimTrade[], query: MyTradesQuery): SimTrade[] {
  const { orderId, startTime, endTime, fromId } = query;
  const hasTime = startTime !== undefined || endTime !== undefined;
  if ((fromId !== undefined && hasTime) || (orderId !== undefined && hasTime)) throw errors.badCombination();
  if (query.limit !== undefined && query.limit < 1) throw errors.invalidValue('limit');
  const limit = Math.min(query.limit ?? DEFAULT_LIMIT, MAX_LIMIT);

  let rows = [...trades].sort((a, b) => a.id - b.id);
  if (orderId !== undefined) rows = rows.filter((t) => t.orderId === orderId);
  if (fromId !== undefined) return rows.filter((t) => t.id >= fromId).slice(0, limit);
  if (startTime !== undefined || endTime !== undefined) {
    const from = startTime ?? (endTime ?? 0) - MY_TRADES_WINDOW_MS;
    const to = endTime ?? from + MY_TRADES_WINDOW_MS;
    if (to - from > MY_TRADES_WINDOW_MS) throw errors.windowTooLong(24);
    return rows.filter((t) => t.time >= from && t.time <= to).slice(0, limit);
  }
  return rows.slice(-limit);
}
