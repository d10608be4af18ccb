/**
 * Query rules of the USDⓈ-M history endpoints, as Binance documents them. They are the rules the
 * app's incremental sync must respect, so the simulator enforces them instead of being lenient.
 *
 * GET /fapi/v1/userTrades:
 * - `symbol` is mandatory (-1102);
 * - `fromId` cannot be sent with `startTime` or `endTime` (-1128);
 * - neither time bound: the last 7 days; `startTime` alone: [startTime, startTime + 7 d];
 *   `endTime` alone: [endTime − 7 d, endTime]; both: at most 7 days apart (-1127);
 * - `fromId` returns trades with id ≥ fromId; `orderId` narrows to one order;
 * - `limit` defaults to 500, at most 1000 (more is -1130); rows come back oldest first; a window
 *   holding more than `limit` rows answers its first `limit` rows, except the default window
 *   (no bound at all), which answers the most recent ones.
 *
 * GET /fapi/v1/income:
 * - neither time bound: the last 7 days; otherwise the bounds given (inclusive);
 * - `incomeType` filters (unknown type: -1130); `symbol` filters;
 * - `limit` defaults to 100, at most 1000; `page` (from 1) pages by `limit`; oldest first;
 * - only the last three months are kept.
 */

import { errors } from './errors.ts';

export const WEEK_MS = 7 * 24 * 60 * 60 * 1000;
const INCOME_RETENTION_MS = 90 * 24 * 60 * 60 * 1000;

export interface UserTradesQuery {
  orderId?: number;
  startTime?: number;
  endTime?: number;
  fromId?: number;
  limit?: number;
}

export interface IncomeQuery {
  symbol?: string;
  incomeType?: string;
  startTime?: number;
  endTime?: number;
  page?: number;
  limit?: number;
}

export const INCOME_TYPES = ['TRANSFER', 'WELCOME_BONUS', 'REALIZED_PNL', 'FUNDING_FEE', 'COMMISSION', 'INSURANCE_CLEAR'] as const;

/** `rows` are one account's trades in one symbol, in id order. */
export function queryUserTrades<T extends { id: number; orderId: number; time: number }>(
  rows: readonly T[],
  query: UserTradesQuery,
  now: number,
): T[] {
  const { orderId, startTime, endTime, fromId } = query;
  if (fromId !== undefined && (startTime !== undefined || endTime !== undefined)) throw errors.badCombination();
  if (query.limit !== undefined && (query.limit < 1 || query.limit > 1000)) throw errors.invalidValue('limit');
  const limit = query.limit ?? 500;
  let selected = [...rows].sort((a, b) => a.id - b.id);
  if (orderId !== undefined) selected = selected.filter((t) => t.orderId === orderId);
  if (fromId !== undefined) return selected.filter((t) => t.id >= fromId).slice(0, limit);
  if (startTime === undefined && endTime === undefined) {
    return selected.filter((t) => t.time >= now - WEEK_MS).slice(-limit);
  }
  const from = startTime ?? (endTime ?? 0) - WEEK_MS;
  const to = endTime ?? from + WEEK_MS;
  if (to - from > WEEK_MS) throw errors.windowTooLong(168);
  return selected.filter((t) => t.time >= from && t.time <= to).slice(0, limit);
}

export function queryIncome<T extends { symbol: string; incomeType: string; time: number; tranId: number }>(
  rows: readonly T[],
  query: IncomeQuery,
  now: number,
): T[] {
  if (query.incomeType !== undefined && !(INCOME_TYPES as readonly string[]).includes(query.incomeType)) {
    throw errors.invalidValue('incomeType');
  }
  if (query.limit !== undefined && (query.limit < 1 || query.limit > 1000)) throw errors.invalidValue('limit');
  if (query.page !== undefined && query.page < 1) throw errors.invalidValue('page');
  const limit = query.limit ?? 100;
  const page = query.page ?? 1;
  const noBounds = query.startTime === undefined && query.endTime === undefined;
  const from = Math.max(noBounds ? now - WEEK_MS : (query.startTime ?? 0), now - INCOME_RETENTION_MS);
  const to = noBounds ? now : (query.endTime ?? Number.MAX_SAFE_INTEGER);
  return rows
    .filter(
      (r) =>
        (query.symbol === undefined || r.symbol === query.symbol) &&
        (query.incomeType === undefined || r.incomeType === query.incomeType) &&
        r.time >= from &&
        r.time <= to,
    )
    .sort((a, b) => a.time - b.time || a.tranId - b.tranId)
    .slice((page - 1) * limit, page * limit);
}
