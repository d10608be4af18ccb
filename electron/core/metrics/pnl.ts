/**
 * Per-instance PnL fold (DESIGN.md, "Money"): average cost per symbol on a signed position, shorts
 * and flips through zero included. Fees are converted to quote at the fill: quote as is, base as a
 * disposal of base at the fill price. Realized excludes fees and funding.
 */
import type { Metrics } from '../../../shared/model.ts';
import { NO_RISK, type RiskFigures } from './risk.ts';
import type { Fill } from '../exchange/types.ts';
import { parseSymbol } from '../../../shared/symbols.ts';

export interface PositionState {
  /** Signed base amount: + long, − short. */
  qty: number;
  /** Average entry price of the open position, in quote; 0 when flat. */
  avgPrice: number;
}

export interface FoldState {
  quoteCurrency: string;
  realizedPnl: number;
  fees: number;
  funding: number;
  tradeCount: number;
  volume: number;
  positions: Map<string, PositionState>;
  /** Fills that reduced a position, and those of them whose realized PnL after the fill's fee was positive. */
  reducingFills: number;
  winningFills: number;
  /** Base bought and sold, and what it cost, for the spread a market maker captured. */
  boughtQty: number;
  boughtCost: number;
  soldQty: number;
  soldCost: number;
  /** Fees in a third asset that could not be priced at the fill, by currency; shown, never guessed. */
  unpricedFees: Map<string, number>;
  /** (timestamp, id) of the last fill folded, to detect late fills that need a recompute. */
  lastTs: number;
  lastId: string;
  /** The same per symbol: a late fill in one symbol refolds that symbol only (a funding arbitrage trades two). */
  lastBySymbol: Map<string, { ts: number; id: string }>;
}

export function emptyFold(quoteCurrency: string): FoldState {
  return {
    quoteCurrency,
    realizedPnl: 0,
    fees: 0,
    funding: 0,
    tradeCount: 0,
    volume: 0,
    reducingFills: 0,
    winningFills: 0,
    boughtQty: 0,
    boughtCost: 0,
    soldQty: 0,
    soldCost: 0,
    positions: new Map(),
    unpricedFees: new Map(),
    lastTs: 0,
    lastId: '',
    lastBySymbol: new Map(),
  };
}

/** A deep copy: checkpoints keep one, and estimates fold on one without touching the real fold. */
export function cloneFold(state: Readonly<FoldState>): FoldState {
  return {
    ...state,
    positions: new Map([...state.positions].map(([symbol, pos]) => [symbol, { ...pos }])),
    unpricedFees: new Map(state.unpricedFees),
    lastBySymbol: new Map([...state.lastBySymbol].map(([symbol, last]) => [symbol, { ...last }])),
  };
}

/**
 * Adds folds of disjoint symbols into one (the instance's figures from its per-symbol folds). Positions
 * are shared by reference, so a strategy reading the merged fold sees the same objects the sync folds into.
 */
export function mergeFolds(quoteCurrency: string, parts: Iterable<FoldState>): FoldState {
  const out = emptyFold(quoteCurrency);
  for (const p of parts) {
    out.realizedPnl += p.realizedPnl;
    out.fees += p.fees;
    out.funding += p.funding;
    out.tradeCount += p.tradeCount;
    out.volume += p.volume;
    out.reducingFills += p.reducingFills;
    out.winningFills += p.winningFills;
    out.boughtQty += p.boughtQty;
    out.boughtCost += p.boughtCost;
    out.soldQty += p.soldQty;
    out.soldCost += p.soldCost;
    for (const [symbol, pos] of p.positions) out.positions.set(symbol, pos);
    for (const [currency, amount] of p.unpricedFees) out.unpricedFees.set(currency, (out.unpricedFees.get(currency) ?? 0) + amount);
    for (const [symbol, last] of p.lastBySymbol) out.lastBySymbol.set(symbol, { ...last });
    if (compareFillOrder(p.lastTs, p.lastId, out.lastTs, out.lastId) > 0) {
      out.lastTs = p.lastTs;
      out.lastId = p.lastId;
    }
  }
  return out;
}

/** Fold order (the ledger's too): time, then the exchange's id, numerically when both are numbers. */
export function compareFillOrder(aTs: number, aId: string, bTs: number, bId: string): number {
  return aTs !== bTs ? aTs - bTs : compareId(aId, bId);
}

/** Base and quote of a ccxt symbol ("BTC/USDT" or "BTC/USDT:USDT"), and whether it is inverse (settled in its base). */
export function splitSymbol(symbol: string): SymbolSplit {
  // Asked once per fill: a recompute at 1 M fills would otherwise split the same few strings a million times.
  let split = SPLITS.get(symbol);
  if (split === undefined) {
    const { base, quote, kind } = parseSymbol(symbol);
    split = Object.freeze({ base, quote, inverse: kind === 'inverse' });
    if (SPLITS.size > 10_000) SPLITS.clear();
    SPLITS.set(symbol, split);
  }
  return split;
}

interface SymbolSplit {
  readonly base: string;
  readonly quote: string;
  readonly inverse: boolean;
}

const SPLITS = new Map<string, SymbolSplit>();

/** True when `fill` sorts before what the fold has already seen of its symbol: that symbol must refold. */
export function isLateFill(state: FoldState, fill: Fill): boolean {
  const last = state.lastBySymbol.get(fill.symbol);
  return last !== undefined && compareFillOrder(fill.timestamp, fill.id, last.ts, last.id) < 0;
}

export function foldFill(state: FoldState, fill: Fill): void {
  const { base, quote, inverse } = splitSymbol(fill.symbol);
  const pos = state.positions.get(fill.symbol) ?? { qty: 0, avgPrice: 0 };
  const signed = fill.side === 'buy' ? fill.amount : -fill.amount;
  const isReducing = pos.qty !== 0 && Math.sign(pos.qty) !== Math.sign(signed);
  let realized = inverse ? tradeInverse(pos, signed, fill.price) : trade(pos, signed, fill.price);
  let fee = 0;
  for (const line of fill.fees) {
    if (inverse && line.currency === base) {
      // An inverse contract settles in its base: a fee in the coin is a figure in the fold's own currency, not a disposal.
      fee += line.amount;
    } else if (line.currency === quote && !inverse) {
      fee += line.amount;
    } else if (line.currency === base) {
      // Paying a fee in base gives that base away at the fill price: a disposal, with its own realized PnL.
      fee += line.amount * fill.price;
      realized += trade(pos, -line.amount, fill.price);
    } else if (typeof line.quoteValue === 'number' && Number.isFinite(line.quoteValue)) {
      // A third asset (e.g. BNB), valued at its price at the fill's time when the fill was synced.
      fee += line.quoteValue;
    } else {
      state.unpricedFees.set(line.currency, (state.unpricedFees.get(line.currency) ?? 0) + line.amount);
    }
  }
  state.realizedPnl += realized;
  state.fees += fee;
  if (isReducing) {
    state.reducingFills += 1;
    if (realized - fee > 0) state.winningFills += 1;
  }
  state.positions.set(fill.symbol, pos);
  if (fill.side === 'buy') {
    state.boughtQty += fill.amount;
    state.boughtCost += fill.amount * fill.price;
  } else {
    state.soldQty += fill.amount;
    state.soldCost += fill.amount * fill.price;
  }
  state.tradeCount += 1;
  state.volume += Math.abs(fill.cost);
  state.lastTs = fill.timestamp;
  state.lastId = fill.id;
  // Updated in place: a million fills should not allocate a million records.
  const last = state.lastBySymbol.get(fill.symbol);
  if (last === undefined) state.lastBySymbol.set(fill.symbol, { ts: fill.timestamp, id: fill.id });
  else {
    last.ts = fill.timestamp;
    last.id = fill.id;
  }
}

/** (average sell − average buy) / average price, in basis points; null until both sides traded. */
export function spreadCapturedBps(state: FoldState): number | null {
  if (state.boughtQty <= 0 || state.soldQty <= 0) return null;
  const buy = state.boughtCost / state.boughtQty;
  const sell = state.soldCost / state.soldQty;
  return round(((sell - buy) / ((sell + buy) / 2)) * 10_000, 4);
}

/** Adds a funding payment (+ = received) in quote. */
export function foldFunding(state: FoldState, amount: number): void {
  state.funding += amount;
}

/**
 * Below this share of the amounts involved a position is float noise, not a position: 0.3 − 0.1 − 0.2
 * leaves −2.8e-17, a phantom short that would count as a trade side, skew the win rate and ask for a
 * quote every sync. Far below any exchange's step (1e-8 of a coin at the finest).
 */
export const DUST_RELATIVE = 1e-12;

/** Applies a signed trade to a position; returns the realized PnL of the part that reduced it. */
export function trade(pos: PositionState, signedQty: number, price: number): number {
  if (signedQty === 0) return 0;
  const dust = Math.max(Math.max(Math.abs(pos.qty), Math.abs(signedQty)) * DUST_RELATIVE, 1e-12);
  const isSameSide = pos.qty === 0 || Math.sign(pos.qty) === Math.sign(signedQty);
  if (isSameSide) {
    const newQty = pos.qty + signedQty;
    pos.avgPrice = (Math.abs(pos.qty) * pos.avgPrice + Math.abs(signedQty) * price) / Math.abs(newQty);
    pos.qty = newQty;
    return 0;
  }
  const closing = Math.min(Math.abs(signedQty), Math.abs(pos.qty));
  const realized = closing * (price - pos.avgPrice) * Math.sign(pos.qty);
  const remainder = Math.abs(signedQty) - closing;
  if (remainder > dust) {
    // Flip through zero: the rest opens a new position at this price.
    pos.qty = Math.sign(signedQty) * remainder;
    pos.avgPrice = price;
  } else {
    pos.qty += signedQty;
    if (Math.abs(pos.qty) <= dust) {
      pos.qty = 0;
      pos.avgPrice = 0;
    }
  }
  return realized;
}

/**
 * An inverse contract (`BTC/USD:BTC`, see normalize.ts `contractAmount`): `pos.qty` is the signed face
 * value in quote (USD) and `pos.avgPrice` the entry in quote per coin. Long N USD of BTC is short N USD
 * priced in BTC (1/price), so the linear rule on reciprocal prices gives the exchange's coin PnL exactly,
 * N × (1/entry − 1/exit), and its average entry is the contract-weighted harmonic mean the exchanges use.
 */
export function tradeInverse(pos: PositionState, signedFace: number, price: number): number {
  const mirror: PositionState = { qty: -pos.qty, avgPrice: pos.avgPrice > 0 ? 1 / pos.avgPrice : 0 };
  const realized = trade(mirror, -signedFace, 1 / price);
  pos.qty = mirror.qty === 0 ? 0 : -mirror.qty;
  pos.avgPrice = mirror.avgPrice > 0 ? 1 / mirror.avgPrice : 0;
  return realized;
}

/** Marks open positions to `marks` (symbol → price); a symbol without a mark contributes 0 and is reported. */
export function toMetrics(
  state: FoldState,
  marks: ReadonlyMap<string, number>,
  isEstimated: boolean,
  risk: RiskFigures = NO_RISK,
): Metrics {
  let unrealizedPnl = 0;
  const positions: Record<string, number> = {};
  for (const [symbol, pos] of state.positions) {
    const mark = marks.get(symbol);
    if (splitSymbol(symbol).inverse) {
      // Face in quote → base at the mark (the exchange's own position figure, normalize.ts), else at entry.
      const at = mark !== undefined && mark > 0 ? mark : pos.avgPrice;
      positions[symbol] = at > 0 ? round(pos.qty / at, 10) : 0;
      if (pos.qty !== 0 && mark !== undefined && mark > 0) unrealizedPnl += pos.qty * (1 / pos.avgPrice - 1 / mark);
      continue;
    }
    positions[symbol] = round(pos.qty, 10);
    if (pos.qty !== 0 && mark !== undefined) unrealizedPnl += pos.qty * (mark - pos.avgPrice);
  }
  const totalPnl = state.realizedPnl + unrealizedPnl + state.funding - state.fees;
  return {
    quoteCurrency: state.quoteCurrency,
    realizedPnl: round(state.realizedPnl, 8),
    fees: round(state.fees, 8),
    funding: round(state.funding, 8),
    unrealizedPnl: round(unrealizedPnl, 8),
    totalPnl: round(totalPnl, 8),
    tradeCount: state.tradeCount,
    volume: round(state.volume, 8),
    positions,
    winRate: state.reducingFills > 0 ? round(state.winningFills / state.reducingFills, 6) : null,
    ...risk,
    unpricedFees: Object.fromEntries(state.unpricedFees),
    isEstimated,
  };
}

function compareId(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  if (Number.isFinite(na) && Number.isFinite(nb)) return na - nb;
  return a < b ? -1 : a > b ? 1 : 0;
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
