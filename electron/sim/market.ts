/**
 * One market's exogenous world: a seeded price path, the synthetic order book other traders keep
 * around it, and other traders' taker flow. Nothing here knows about accounts; the engine matches
 * the flow against resting orders.
 *
 * Every tick consumes a fixed number of draws from the market's own random stream, whatever the
 * accounts do — so the path is a function of (seed, market, tick count) alone.
 */

import { ceilToStep, floorToStep, round8 } from './decimal.ts';
import type { MarketSpec } from './markets.ts';
import { createRng, deriveSeed, type Rng } from './prng.ts';

export type Side = 'BUY' | 'SELL';

export interface BookLevel {
  price: number;
  qty: number;
}

/** Another trader's taker order: `side` is the taker's, `limitPrice` the worst price it accepts. */
export interface FlowPrint {
  side: Side;
  qty: number;
  limitPrice: number;
}

export interface Fill {
  price: number;
  qty: number;
}

export interface TakeRequest {
  /** The taker's side: BUY walks the asks, SELL the bids. */
  side: Side;
  /** Base quantity wanted; omit when spending a quote budget. */
  qty?: number;
  /** Quote to spend (market buy/sell with quoteOrderQty). */
  quoteBudget?: number;
  /** Worst acceptable price; omit for a market order. */
  limitPrice?: number;
  /** Only report what would fill (for balance checks and FOK) without consuming the book. */
  dryRun?: boolean;
}

const BOOK_LEVELS = 50;
const MAX_FLOW_PER_TICK = 4;
/** Synthetic levels sit about half a basis point apart, never closer than one tick. */
const LEVEL_GAP_BPS = 0.5;

export interface MarketModel {
  readonly spec: MarketSpec;
  /** Ticks taken since start. */
  readonly tick: number;
  mid(): number;
  /** Synthetic bids, best (highest) first. */
  bids(): readonly BookLevel[];
  /** Synthetic asks, best (lowest) first. */
  asks(): readonly BookLevel[];
  /** Advance one tick: move the mid, rebuild the book, return other traders' taker prints. */
  step(): FlowPrint[];
  /** Consume synthetic liquidity for a taker order; returns the fills, best price first. */
  take(request: TakeRequest): Fill[];
}

export interface MarketModelOptions {
  /** Names the random stream; defaults to the market id (a perpetual passes its own label). */
  streamLabel?: string;
  /**
   * Where the mid comes from instead of the model's own random walk (a perpetual follows its spot
   * path times a basis). Called once per step, before the book is rebuilt.
   */
  anchor?: () => number;
  /** Starting mid when the anchor is not yet known; defaults to `spec.startPrice`. */
  startMid?: number;
}

export function createMarketModel(spec: MarketSpec, seed: number, options: MarketModelOptions = {}): MarketModel {
  const rng: Rng = createRng(deriveSeed(seed, options.streamLabel ?? spec.id));
  const anchor = options.anchor;
  let mid = options.startMid ?? spec.startPrice;
  let tick = 0;
  let bids: BookLevel[] = [];
  let asks: BookLevel[] = [];

  const tickSize = spec.tickSize;
  const rebuildBook = (): void => {
    const half = spec.halfSpreadBps / 1e4;
    const bestBid = floorToStep(mid * (1 - half), tickSize);
    let bestAsk = ceilToStep(mid * (1 + half), tickSize);
    if (bestAsk <= bestBid) bestAsk = round8(bestBid + tickSize);
    const gap = Math.max(tickSize, floorToStep((mid * LEVEL_GAP_BPS) / 1e4, tickSize));
    const levelQty = (i: number): number => {
      const raw = spec.flowMeanQty * (0.5 + 1.5 * rng.next()) * (1 + 0.15 * i);
      return Math.max(spec.minQty, floorToStep(raw, spec.stepSize));
    };
    bids = [];
    asks = [];
    for (let i = 0; i < BOOK_LEVELS; i++) {
      bids.push({ price: round8(bestBid - i * gap), qty: levelQty(i) });
      asks.push({ price: round8(bestAsk + i * gap), qty: levelQty(i) });
    }
    bids = bids.filter((level) => level.price >= spec.minPrice);
  };
  rebuildBook();

  const flowPrint = (): FlowPrint | undefined => {
    // Always five draws per candidate, active or not, so the stream stays aligned across runs.
    const active = rng.next() < spec.flowPerTick / MAX_FLOW_PER_TICK;
    const side: Side = rng.next() < 0.5 ? 'BUY' : 'SELL';
    const qtyDraw = rng.next();
    const reach = Math.abs(rng.normal());
    if (!active) return undefined;
    const qty = Math.max(spec.minQty, floorToStep(spec.flowMeanQty * -Math.log(1 - qtyDraw), spec.stepSize));
    const distance = (spec.halfSpreadBps + reach * spec.flowReachBps) / 1e4;
    const limitPrice = side === 'BUY' ? ceilToStep(mid * (1 + distance), tickSize) : floorToStep(mid * (1 - distance), tickSize);
    return { side, qty, limitPrice };
  };

  return {
    spec,
    get tick() {
      return tick;
    },
    mid: () => mid,
    bids: () => bids,
    asks: () => asks,
    step(): FlowPrint[] {
      tick += 1;
      if (anchor === undefined) {
        const z = rng.normal();
        const sigma = spec.volPerTick;
        // Drift-corrected geometric step: the path has no expected trend up or down.
        mid = Math.min(spec.maxPrice / 2, Math.max(spec.minPrice * 100, mid * Math.exp(sigma * z - (sigma * sigma) / 2)));
      } else {
        // Follows its anchor wherever it goes, within the market's own price filter.
        mid = Math.min(spec.maxPrice, Math.max(spec.minPrice, anchor()));
      }
      rebuildBook();
      const prints: FlowPrint[] = [];
      for (let i = 0; i < MAX_FLOW_PER_TICK; i++) {
        const print = flowPrint();
        if (print !== undefined) prints.push(print);
      }
      return prints;
    },
    take(request: TakeRequest): Fill[] {
      const levels = request.side === 'BUY' ? asks : bids;
      const fills: Fill[] = [];
      let qtyLeft = request.qty ?? Number.POSITIVE_INFINITY;
      let budgetLeft = request.quoteBudget ?? Number.POSITIVE_INFINITY;
      for (const level of levels) {
        if (qtyLeft <= 0 || budgetLeft <= 0) break;
        if (request.limitPrice !== undefined) {
          const crosses = request.side === 'BUY' ? level.price <= request.limitPrice : level.price >= request.limitPrice;
          if (!crosses) break;
        }
        if (level.qty <= 0) continue;
        let qty = Math.min(level.qty, qtyLeft);
        if (Number.isFinite(budgetLeft)) qty = Math.min(qty, floorToStep(budgetLeft / level.price, spec.stepSize));
        qty = round8(qty);
        if (qty <= 0) break;
        if (request.dryRun !== true) level.qty = round8(level.qty - qty);
        qtyLeft = round8(qtyLeft - qty);
        budgetLeft = round8(budgetLeft - qty * level.price);
        fills.push({ price: level.price, qty });
      }
      return fills;
    },
  };
}

/**
 * One side of the order book a client sees: the synthetic market's levels plus the accounts'
 * resting orders at their prices, best first, at most `limit` levels.
 */
export function mergedLevels<O extends { side: Side; price: number }>(
  side: Side,
  synthetic: readonly BookLevel[],
  resting: readonly O[],
  openQty: (order: O) => number,
  limit: number,
): BookLevel[] {
  const byPrice = new Map<number, number>();
  for (const level of synthetic) if (level.qty > 0) byPrice.set(level.price, level.qty);
  for (const o of resting) {
    const qty = o.side === side ? openQty(o) : 0;
    if (qty > 0) byPrice.set(o.price, round8((byPrice.get(o.price) ?? 0) + qty));
  }
  const sorted = [...byPrice.entries()].sort((a, b) => (side === 'BUY' ? b[0] - a[0] : a[0] - b[0]));
  return sorted.slice(0, limit).map(([price, qty]) => ({ price, qty }));
}

/** The 24-hour figures a ticker reports, kept per market. */
export interface PrintStats {
  high: number;
  low: number;
  last: number;
  lastQty: number;
  volume: number;
  quoteVolume: number;
  count: number;
  firstId: number;
  lastId: number;
}

/** Records a trade print on a market (spot or perpetual): gives it the next trade id and updates the ticker figures. */
export function recordPrint(st: { nextTradeId: number; stats: PrintStats }, price: number, qty: number): number {
  const id = st.nextTradeId++;
  const s = st.stats;
  s.last = price;
  s.lastQty = qty;
  s.volume = round8(s.volume + qty);
  s.quoteVolume = round8(s.quoteVolume + price * qty);
  s.count += 1;
  s.high = Math.max(s.high, price);
  s.low = Math.min(s.low, price);
  if (s.firstId < 0) s.firstId = id;
  s.lastId = id;
  return id;
}
