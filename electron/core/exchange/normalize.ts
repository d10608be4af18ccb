/**
 * ccxt's unified structures → the ledger's. Signs and units are settled here, once, and proven against
 * recorded exchange payloads in golden.test.ts (ccxt-static fixtures), not from memory.
 */
import type { Balances, Position, Trade } from 'ccxt';
import { ExchangeError, type BalanceLine, type FeeLine, type Fill, type FundingEvent, type PositionReport } from './types.ts';
import { isInverse, pnlCurrency } from '../../../shared/symbols.ts';

/**
 * True for a row of a fills endpoint that is not a fill: Bybit's execution list also carries funding
 * settlements (`execType: "Funding"`, recorded in bybit.json "Swap private trade"), which ccxt parses
 * into a trade with a side, price and amount. Booked as a fill it would open a phantom position; it
 * is a funding event and arrives through `fetchFunding`.
 */
export function isFundingExecution(t: Trade): boolean {
  return isFundingRow(t.info as Record<string, unknown> | undefined);
}

/** The same test on the exchange's own row (a REST answer's `info`, a stream message's `data` entry). */
export function isFundingRow(row: Record<string, unknown> | undefined): boolean {
  return row?.['execType'] === 'Funding';
}

/** What a fill needs of its market (ccxt's loaded `market`): absent or spot, the amount is already in base. */
export interface ContractMarket {
  contract?: boolean | undefined;
  inverse?: boolean | undefined;
  contractSize?: number | undefined;
}

/**
 * The one home of the contract-size rule for fills. ccxt reports a contract market's trade `amount` in
 * contracts (OKX BTC-USDT-SWAP: 0.01 BTC each; inverse BTC-USD-SWAP: 100 USD; Bybit BTCUSD: 1 USD;
 * Binance COIN-M: 100 USD). The ledger holds:
 * - linear: base quantity = contracts × contractSize, at the fill price, notional in quote — so the
 *   fold's `qty × (exit − entry)` is the exchange's PnL in the quote (= settle) currency;
 * - inverse: the face value in quote = contracts × contractSize (USD), at the fill price, and the fold
 *   (pnl.ts, `isInverse`) books it against 1/price: PnL = face × (1/entry − 1/exit) in the settle coin,
 *   exactly what the exchange pays. Converting to base at the fill price instead was rejected: an open
 *   of N USD at E and its close at X would be N/E and N/X BTC, which never net to flat, and the PnL
 *   would come out in USD at whatever the fold's average said rather than the coin the exchange pays.
 */
export function contractAmount(contracts: number, market: ContractMarket | undefined): number {
  if (market?.contract !== true) return contracts;
  return contracts * finite(market.contractSize, 1);
}

/** Turns a ccxt trade into a ledger fill (amounts per `contractAmount`), refusing anything without the numbers PnL needs. */
export function normalizeTrade(t: Trade, symbol: string, market?: ContractMarket): Fill {
  const price = num(t.price);
  const amount = contractAmount(num(t.amount), market);
  const isContract = market?.contract === true;
  const timestamp = num(t.timestamp);
  if (t.id === undefined || t.id === null || String(t.id) === '') throw new ExchangeError('bad_payload', `trade on ${symbol} has no id`);
  if (!(price > 0) || !(amount > 0) || !(timestamp > 0)) {
    throw new ExchangeError('bad_payload', `trade ${String(t.id)} on ${symbol} has a missing or non-positive price, amount or time`);
  }
  if (t.side !== 'buy' && t.side !== 'sell')
    throw new ExchangeError('bad_payload', `trade ${String(t.id)} on ${symbol} has side ${String(t.side)}`);
  const lines: FeeLine[] = [];
  // ccxt fills `fees` with every fee line and `fee` with one of them; the sum needs all of them.
  // ccxt's fee `cost` is + = paid on every exchange (it flips OKX's negative-when-charged `fee`).
  const all = (t as Trade & { fees?: Trade['fee'][] }).fees;
  const source = Array.isArray(all) && all.length > 0 ? all : t.fee ? [t.fee] : [];
  for (const fee of source) {
    if (!fee) continue;
    const cost = Number(fee.cost ?? 0);
    if (fee.currency && Number.isFinite(cost) && cost !== 0) lines.push({ currency: fee.currency, amount: cost });
  }
  const fill: Fill = {
    id: String(t.id),
    orderId: t.order !== undefined && t.order !== null ? String(t.order) : null,
    symbol: t.symbol ?? symbol,
    side: t.side,
    price,
    amount,
    // A contract's notional is ours to compute (ccxt's inverse `cost` is in the coin, not the face in quote).
    cost: isContract
      ? market.inverse === true
        ? amount
        : price * amount
      : Number.isFinite(Number(t.cost)) && Number(t.cost) > 0
        ? Number(t.cost)
        : price * amount,
    fees: lines,
    timestamp,
    isMaker: t.takerOrMaker === 'maker' ? true : t.takerOrMaker === 'taker' ? false : null,
  };
  const realized = exchangeRealizedPnl(t);
  if (realized !== null) fill.exchangeRealizedPnl = realized;
  return fill;
}

/**
 * Binance USDⓈ-M/COIN-M `userTrades` rows carry `realizedPnl`, their stream's `ORDER_TRADE_UPDATE`
 * carries it as `rp`; ccxt keeps either only in `info`. A fill is stored once, by whichever path came
 * first, so both paths must keep it.
 */
function exchangeRealizedPnl(t: Trade): number | null {
  const info = t.info as Record<string, unknown> | undefined;
  const raw = info?.realizedPnl ?? info?.rp;
  if (typeof raw !== 'string' && typeof raw !== 'number') return null;
  const value = Number(raw);
  return Number.isFinite(value) ? value : null;
}

/**
 * The sign that turns ccxt's funding `amount` into + = received, per exchange, as proven by the
 * recorded payloads (golden.test.ts): Binance's `income` is a wallet change (+ = received); Bybit's
 * `execFee` is a fee (+ = paid: a long with a positive rate has a positive `execFee`); OKX's `balChg`
 * is a balance change (+ = received: balance before + `balChg` = balance after).
 */
export const FUNDING_SIGN: Record<string, 1 | -1> = { binance: 1, binanceusdm: 1, okx: 1, bybit: -1 };

export function normalizeFunding(
  exchangeId: string,
  row: { id?: unknown; symbol?: unknown; amount?: unknown; code?: unknown; timestamp?: unknown },
  symbol: string,
): FundingEvent {
  const sign = FUNDING_SIGN[exchangeId];
  if (sign === undefined) throw new ExchangeError('internal', `the funding sign of ${exchangeId} is not known yet; refusing to guess it`);
  const amount = num(row.amount);
  const timestamp = num(row.timestamp);
  if (!Number.isFinite(amount) || !(timestamp > 0))
    throw new ExchangeError('bad_payload', `funding row on ${symbol} has no amount or time`);
  const id = row.id !== undefined && row.id !== null && String(row.id) !== '' ? String(row.id) : `${timestamp}:${amount}`;
  // `0 * -1` is -0: keep zero plain so stored rows compare equal.
  const signed = amount === 0 ? 0 : sign * amount;
  return {
    id,
    symbol: typeof row.symbol === 'string' ? row.symbol : symbol,
    amount: signed,
    // An inverse perpetual pays funding in its coin: a row without a code is labelled with the settle currency.
    currency: typeof row.code === 'string' && row.code !== '' ? row.code : pnlCurrency(symbol) || 'USDT',
    timestamp,
  };
}

/**
 * A ccxt position → signed base quantity. Linear contracts are `contracts × contractSize` in base;
 * inverse ones (`BTC/USD:BTC`) have a contract size in quote, so their base exposure is that over the
 * mark price (which is what Binance's COIN-M `notionalValue` is). The timestamp is the exchange's last
 * update (ccxt puts Bybit's and OKX's creation time in `timestamp`).
 */
export function normalizePosition(p: Position, now: number): PositionReport {
  const symbol = p.symbol ?? '';
  const markPrice = num(p.markPrice ?? 0);
  const size = num(p.contracts ?? 0) * finite(p.contractSize, 1);
  const base = isInverse(symbol) ? (markPrice > 0 ? size / markPrice : Math.abs(num(p.notional ?? 0))) : size;
  const magnitude = Number.isFinite(base) ? Math.abs(base) : 0;
  return {
    symbol,
    qty: p.side === 'short' ? -magnitude : magnitude,
    entryPrice: finiteOr(p.entryPrice, 0),
    markPrice: Number.isFinite(markPrice) ? markPrice : 0,
    unrealizedPnl: finiteOr(p.unrealizedPnl, 0),
    timestamp: finiteOr(p.lastUpdateTimestamp, finiteOr(p.timestamp, now)),
  };
}

/** ccxt's balance structure → one line per currency, nulls where the exchange gives no figure. */
export function normalizeBalance(b: Balances): BalanceLine[] {
  const skip = new Set(['info', 'free', 'used', 'total', 'timestamp', 'datetime', 'debt']);
  const lines: BalanceLine[] = [];
  for (const [currency, entry] of Object.entries(b as unknown as Record<string, unknown>)) {
    if (skip.has(currency) || entry === null || typeof entry !== 'object') continue;
    const e = entry as { free?: unknown; used?: unknown; total?: unknown };
    lines.push({ currency, free: orNull(e.free), used: orNull(e.used), total: orNull(e.total) });
  }
  return lines.sort((a, b) => (a.currency < b.currency ? -1 : a.currency > b.currency ? 1 : 0));
}

/** A number from ccxt's number-or-string fields; NaN when there is none. */
export function num(value: unknown): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
  return Number.isFinite(n) ? n : NaN;
}

/** A positive number, else `fallback`. */
export function finite(value: unknown, fallback: number): number {
  const n = num(value);
  return Number.isFinite(n) && n > 0 ? n : fallback;
}

function finiteOr(value: unknown, fallback: number): number {
  const n = num(value);
  return Number.isFinite(n) ? n : fallback;
}

function orNull(value: unknown): number | null {
  const n = num(value);
  return Number.isFinite(n) ? n : null;
}
