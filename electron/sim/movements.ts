/**
 * Money that moves without a trade, and trades no app placed: the drift a reconciliation has to
 * explain or report (issue 13).
 *
 * - Deposits, withdrawals and transfers between the spot and USDⓈ-M wallets, kept per account and
 *   served in Binance's dialect, as ccxt reads them: `GET /sapi/v1/capital/deposit/hisrec`
 *   (fetchDeposits), `GET /sapi/v1/capital/withdraw/history` (fetchWithdrawals),
 *   `GET /sapi/v1/asset/transfer` (fetchTransfers, `type` MAIN_UMFUTURE or UMFUTURE_MAIN).
 * - Drift on demand (`POST /__sim/drift`, or `Simulator.drift`): a market trade on the account that
 *   no app placed (as a human in the exchange's web page would, client order id `web_…`), a deposit
 *   (credited at once, status 1), a withdrawal (amount + fee leave the spot wallet at once; status 6,
 *   completed), a transfer spot ↔ futures (also a TRANSFER row in the futures income, as Binance
 *   books it).
 *
 * Binance's rules kept here: deposit and withdrawal history answer the last 90 days without bounds
 * and refuse a window over 90 days; transfers need `type`, answer the last 7 days without bounds,
 * page with `current`/`size` (size ≤ 100). Histories answer newest first, as Binance does.
 */

import { verifySigned } from './auth.ts';
import { credit, freeOf } from './accounts.ts';
import { binanceSecret, type SpotResponse } from './binanceSpot.ts';
import { fmt8, round8 } from './decimal.ts';
import type { Engine } from './engine.ts';
import { BinanceError, errors } from './errors.ts';
import type { Json } from './format.ts';
import type { Side } from './market.ts';
import type { SimTrade } from './orders.ts';
import { optInt, optionalInts, optString, readParams, reqString, type Params } from './params.ts';
import type { PerpEngine, PerpTrade } from './perpEngine.ts';

const DAY_MS = 86_400_000;
const HISTORY_WINDOW_MS = 90 * DAY_MS;

export interface SimDeposit {
  id: string;
  asset: string;
  /** Credited, in `asset`. */
  amount: number;
  txId: string;
  time: number;
}

export interface SimWithdrawal {
  id: string;
  asset: string;
  /** What left for the address, in `asset`; the fee left the wallet too. */
  amount: number;
  fee: number;
  txId: string;
  time: number;
}

export type SimWallet = 'spot' | 'futures';

export interface SimTransfer {
  tranId: number;
  asset: string;
  amount: number;
  from: SimWallet;
  to: SimWallet;
  time: number;
}

export type DriftSpec =
  | { kind: 'trade'; apiKey: string; symbol: string; side: 'buy' | 'sell'; amount: number }
  | { kind: 'deposit'; apiKey: string; asset: string; amount: number }
  | { kind: 'withdrawal'; apiKey: string; asset: string; amount: number; fee?: number }
  | { kind: 'transfer'; apiKey: string; asset: string; amount: number; from: SimWallet; to: SimWallet };

export type DriftResult =
  | { kind: 'trade'; spot: SimTrade[]; perp: PerpTrade[] }
  | { kind: 'deposit'; deposit: SimDeposit }
  | { kind: 'withdrawal'; withdrawal: SimWithdrawal }
  | { kind: 'transfer'; transfer: SimTransfer };

export class DriftError extends Error {
  override name = 'DriftError';
}

export interface MovementBook {
  deposits(apiKey: string): SimDeposit[];
  withdrawals(apiKey: string): SimWithdrawal[];
  transfers(apiKey: string): SimTransfer[];
  drift(spec: DriftSpec, now: number): DriftResult;
}

interface Records {
  deposits: SimDeposit[];
  withdrawals: SimWithdrawal[];
  transfers: SimTransfer[];
}

export function createMovementBook(engine: Engine, perp: PerpEngine): MovementBook {
  const byKey = new Map<string, Records>();
  let seq = 1;
  const recordsOf = (apiKey: string): Records => {
    if (engine.account(apiKey) === undefined) throw new DriftError(`unknown account ${apiKey}`);
    let r = byKey.get(apiKey);
    if (r === undefined) {
      r = { deposits: [], withdrawals: [], transfers: [] };
      byKey.set(apiKey, r);
    }
    return r;
  };
  const positive = (value: unknown, name: string): number => {
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new DriftError(`${name} must be a positive number`);
    return round8(value);
  };
  const assetOf = (value: unknown): string => {
    if (typeof value !== 'string' || !/^[A-Z0-9]{2,10}$/.test(value)) throw new DriftError('asset must be a code like USDT');
    return value;
  };

  const drift = (spec: DriftSpec, now: number): DriftResult => {
    const records = recordsOf(spec.apiKey);
    const account = engine.account(spec.apiKey);
    if (account === undefined) throw new DriftError(`unknown account ${spec.apiKey}`);
    switch (spec.kind) {
      case 'trade': {
        const side: Side = spec.side === 'sell' ? 'SELL' : 'BUY';
        if (spec.side !== 'buy' && spec.side !== 'sell') throw new DriftError('side must be buy or sell');
        const quantity = positive(spec.amount, 'amount');
        const clientOrderId = `web_sim${seq++}`;
        if (typeof spec.symbol === 'string' && spec.symbol.includes(':')) {
          const perpSpec = perp.spec(spec.symbol);
          if (perpSpec === undefined) throw new DriftError(`unknown symbol ${spec.symbol}`);
          const { fills } = perp.placeOrder(
            spec.apiKey,
            { symbol: perpSpec.id, side, type: 'MARKET', quantity, newClientOrderId: clientOrderId },
            now,
          );
          return { kind: 'trade', spot: [], perp: fills.map((t) => ({ ...t })) };
        }
        if (typeof spec.symbol !== 'string' || engine.spec(spec.symbol) === undefined)
          throw new DriftError(`unknown symbol ${String(spec.symbol)}`);
        const { fills } = engine.placeOrder(
          spec.apiKey,
          { symbol: spec.symbol, side, type: 'MARKET', quantity, newClientOrderId: clientOrderId },
          now,
        );
        return { kind: 'trade', spot: fills.map((t) => ({ ...t })), perp: [] };
      }
      case 'deposit': {
        const asset = assetOf(spec.asset);
        const amount = positive(spec.amount, 'amount');
        credit(account, asset, amount);
        account.updateTime = now;
        const n = seq++;
        const deposit: SimDeposit = { id: `simdep${n}`, asset, amount, txId: `0xsimdeposit${n}`, time: now };
        records.deposits.push(deposit);
        return { kind: 'deposit', deposit: { ...deposit } };
      }
      case 'withdrawal': {
        const asset = assetOf(spec.asset);
        const amount = positive(spec.amount, 'amount');
        const fee = spec.fee === undefined ? 0 : spec.fee === 0 ? 0 : positive(spec.fee, 'fee');
        if (round8(freeOf(account, asset) - amount - fee) < 0)
          throw new DriftError(`not enough free ${asset} to withdraw ${amount} + fee ${fee}`);
        credit(account, asset, -round8(amount + fee));
        account.updateTime = now;
        const n = seq++;
        const withdrawal: SimWithdrawal = { id: `simwd${n}`, asset, amount, fee, txId: `0xsimwithdrawal${n}`, time: now };
        records.withdrawals.push(withdrawal);
        return { kind: 'withdrawal', withdrawal: { ...withdrawal } };
      }
      case 'transfer': {
        const asset = assetOf(spec.asset);
        const amount = positive(spec.amount, 'amount');
        const wallets: readonly unknown[] = ['spot', 'futures'];
        if (!wallets.includes(spec.from) || !wallets.includes(spec.to) || spec.from === spec.to)
          throw new DriftError('a transfer goes from "spot" to "futures" or back');
        // The USDⓈ-M wallet holds USDT only here (the simulator's futures wallet is USDT).
        if (asset !== 'USDT') throw new DriftError('only USDT moves between spot and futures here');
        if (!perp.has(spec.apiKey)) throw new DriftError(`account ${spec.apiKey} has no futures wallet`);
        if (spec.from === 'spot') {
          if (round8(freeOf(account, asset) - amount) < 0) throw new DriftError(`not enough free ${asset} on spot to move ${amount}`);
          credit(account, asset, -amount);
          perp.transferWallet(spec.apiKey, amount, now);
        } else {
          if (!perp.transferWallet(spec.apiKey, -amount, now))
            throw new DriftError(`not enough available ${asset} on futures to move ${amount}`);
          credit(account, asset, amount);
        }
        account.updateTime = now;
        const transfer: SimTransfer = { tranId: seq++, asset, amount, from: spec.from, to: spec.to, time: now };
        records.transfers.push(transfer);
        return { kind: 'transfer', transfer: { ...transfer } };
      }
      default:
        throw new DriftError(`unknown drift kind ${String((spec as { kind?: unknown }).kind)}`);
    }
  };

  return {
    deposits: (apiKey) => recordsOf(apiKey).deposits.map((d) => ({ ...d })),
    withdrawals: (apiKey) => recordsOf(apiKey).withdrawals.map((w) => ({ ...w })),
    transfers: (apiKey) => recordsOf(apiKey).transfers.map((t) => ({ ...t })),
    drift,
  };
}

/** Binance's withdraw history writes times as "2019-10-12 11:12:02" (UTC). */
function binanceDateTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

/** [from, to] of a 90-day history query: the last 90 days without bounds, at most 90 days with them. */
function historyWindow(params: Params, now: number): { from: number; to: number } {
  const { startTime, endTime } = optionalInts(params, ['startTime', 'endTime']);
  if (startTime !== undefined && endTime !== undefined && endTime - startTime > HISTORY_WINDOW_MS) throw errors.windowTooLong(90 * 24);
  if (startTime === undefined && endTime === undefined) return { from: now - HISTORY_WINDOW_MS, to: now };
  if (startTime === undefined) return { from: (endTime ?? now) - HISTORY_WINDOW_MS, to: endTime ?? now };
  return { from: startTime, to: endTime ?? startTime + HISTORY_WINDOW_MS };
}

function page<T>(rows: T[], params: Params, defaultLimit: number, maxLimit: number): T[] {
  const limit = optInt(params, 'limit') ?? defaultLimit;
  const offset = optInt(params, 'offset') ?? 0;
  if (limit < 1 || limit > maxLimit) throw errors.invalidValue('limit');
  return rows.slice(offset, offset + limit);
}

const TRANSFER_TYPES: Record<string, { from: SimWallet; to: SimWallet }> = {
  MAIN_UMFUTURE: { from: 'spot', to: 'futures' },
  UMFUTURE_MAIN: { from: 'futures', to: 'spot' },
};

/**
 * A deposit or withdrawal history: the rows in the asked window and coin, newest first. Every simulated
 * movement is complete, so asking for any other status than `doneStatus` finds nothing.
 */
function capitalHistory<T extends { time: number; asset: string }>(
  rows: readonly T[],
  params: Params,
  now: number,
  doneStatus: number,
): T[] {
  const { from, to } = historyWindow(params, now);
  const coin = optString(params, 'coin');
  const status = optInt(params, 'status');
  return rows
    .filter(
      (r) => r.time >= from && r.time <= to && (coin === undefined || r.asset === coin) && (status === undefined || status === doneStatus),
    )
    .sort((a, b) => b.time - a.time);
}

type Handler = (book: MovementBook, apiKey: string, params: Params, now: number) => Json;

const routes: Record<string, Handler> = {
  'GET /sapi/v1/capital/deposit/hisrec': (book, apiKey, params, now) => {
    const rows = capitalHistory(book.deposits(apiKey), params, now, 1);
    return page(rows, params, 1000, 1000).map((d) => ({
      id: d.id,
      amount: fmt8(d.amount),
      coin: d.asset,
      network: 'SIM',
      status: 1,
      address: 'sim-deposit-address',
      addressTag: '',
      txId: d.txId,
      insertTime: d.time,
      completeTime: d.time,
      transferType: 0,
      confirmTimes: '1/1',
      unlockConfirm: 0,
      walletType: 0,
    }));
  },
  'GET /sapi/v1/capital/withdraw/history': (book, apiKey, params, now) => {
    const rows = capitalHistory(book.withdrawals(apiKey), params, now, 6);
    return page(rows, params, 1000, 1000).map((w) => ({
      id: w.id,
      amount: fmt8(w.amount),
      transactionFee: fmt8(w.fee),
      coin: w.asset,
      status: 6,
      address: 'sim-withdrawal-address',
      txId: w.txId,
      applyTime: binanceDateTime(w.time),
      network: 'SIM',
      transferType: 0,
      info: '',
      confirmNo: 1,
      walletType: 0,
      txKey: '',
      completeTime: binanceDateTime(w.time),
    }));
  },
  'GET /sapi/v1/asset/transfer': (book, apiKey, params, now) => {
    const type = reqString(params, 'type');
    const direction = TRANSFER_TYPES[type];
    if (direction === undefined) throw errors.invalidValue('type');
    const { startTime, endTime } = optionalInts(params, ['startTime', 'endTime']);
    const from = startTime ?? (endTime === undefined ? now - 7 * DAY_MS : 0);
    const to = endTime ?? now;
    const current = optInt(params, 'current') ?? 1;
    const size = optInt(params, 'size') ?? 10;
    if (current < 1) throw errors.invalidValue('current');
    if (size < 1 || size > 100) throw errors.invalidValue('size');
    const rows = book
      .transfers(apiKey)
      .filter((t) => t.from === direction.from && t.to === direction.to && t.time >= from && t.time <= to)
      .sort((a, b) => b.time - a.time);
    return {
      total: rows.length,
      rows: rows.slice((current - 1) * size, current * size).map((t) => ({
        asset: t.asset,
        amount: fmt8(t.amount),
        type,
        status: 'CONFIRMED',
        tranId: t.tranId,
        timestamp: t.time,
      })),
    };
  },
};

export function isMovementRoute(method: string, path: string): boolean {
  return routes[`${method} ${path}`] !== undefined;
}

export interface MovementRequest {
  method: string;
  path: string;
  rawQuery: string;
  rawBody: string;
  apiKey: string | undefined;
}

export function handleMovementRequest(
  ctx: { engine: Engine; book: MovementBook; now: () => number; onError?: (error: unknown) => void },
  request: MovementRequest,
): SpotResponse {
  try {
    const handler = routes[`${request.method} ${request.path}`];
    if (handler === undefined) throw errors.notFound(request.method, request.path);
    const params = readParams(request.rawQuery, request.rawBody);
    const apiKey = verifySigned(
      { apiKey: request.apiKey, rawQuery: request.rawQuery, rawBody: request.rawBody, params, now: ctx.now() },
      (key) => binanceSecret(ctx.engine, key),
    );
    return { status: 200, body: handler(ctx.book, apiKey, params, ctx.now()) };
  } catch (error) {
    if (error instanceof BinanceError) return { status: error.status, body: error.toJSON() };
    ctx.onError?.(error);
    return { status: 500, body: errors.unknown().toJSON() };
  }
}

/** `POST /__sim/drift` (a drift spec; answers what it did) and `GET /__sim/drift?apiKey=` (the account's movements). */
export function driftControl(book: MovementBook, method: string, url: URL, rawBody: string, now: number): { status: number; body: Json } {
  try {
    if (method === 'GET') {
      const apiKey = url.searchParams.get('apiKey');
      if (apiKey === null) return { status: 400, body: { error: 'apiKey is required' } };
      return {
        status: 200,
        body: {
          deposits: book.deposits(apiKey) as unknown as Json,
          withdrawals: book.withdrawals(apiKey) as unknown as Json,
          transfers: book.transfers(apiKey) as unknown as Json,
        },
      };
    }
    if (method !== 'POST') return { status: 405, body: { error: `${method} not allowed on /__sim/drift` } };
    let spec: unknown;
    try {
      spec = JSON.parse(rawBody);
    } catch {
      return {
        status: 400,
        body: { error: 'body must be JSON: { "kind": "trade" | "deposit" | "withdrawal" | "transfer", "apiKey", ... }' },
      };
    }
    if (typeof spec !== 'object' || spec === null) return { status: 400, body: { error: 'body must be a JSON object' } };
    return { status: 200, body: book.drift(spec as DriftSpec, now) as unknown as Json };
  } catch (error) {
    if (error instanceof DriftError) return { status: 400, body: { error: error.message } };
    if (error instanceof BinanceError) return { status: 400, body: { error: error.message, code: error.code } };
    throw error;
  }
}
