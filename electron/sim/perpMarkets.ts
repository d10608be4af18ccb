/**
 * The USDⓈ-M perpetuals the simulator lists. Filters copy Binance's real BTCUSDT/ETHUSDT/SOLUSDT
 * perpetual values (tick 0.10 on BTC, whole SOL contracts, the 100/20/5 USDT notional floors), so
 * order rounding in the app meets the same rules it will meet on the real exchange.
 *
 * A perpetual's mid follows its spot market's mid times (1 + basis); the basis is a small seeded
 * mean-reverting path, so the perp trades a few basis points rich or cheap of spot.
 */

import type { MarketSpec } from './markets.ts';

export interface PerpSpec extends MarketSpec {
  /** The spot market whose path the perpetual follows (its index price). */
  spotId: string;
  /** Settlement (margin) asset: always USDT here. */
  settle: string;
  /** Decimals Binance shows for prices and quantities (`pricePrecision`, `quantityPrecision`). */
  pricePrecision: number;
  quantityPrecision: number;
  /** Largest order quantity a MARKET order may have (MARKET_LOT_SIZE). */
  maxMarketQty: number;
  maxLeverage: number;
  /** Maintenance margin ratio of the first leverage bracket. */
  maintMarginRatio: number;
  /** Standard deviation of the basis, as a fraction (3e-4 = 3 bp), and its pull back to 0 per tick. */
  basisSd: number;
  basisReversion: number;
}

const COMMON = { settle: 'USDT', quote: 'USDT', volPerTick: 0, basisSd: 0.0003, basisReversion: 0.02 } as const;

export const DEFAULT_PERPS: readonly PerpSpec[] = [
  {
    ...COMMON,
    id: 'BTCUSDT',
    symbol: 'BTC/USDT:USDT',
    spotId: 'BTCUSDT',
    base: 'BTC',
    tickSize: 0.1,
    stepSize: 0.001,
    minQty: 0.001,
    maxQty: 1000,
    maxMarketQty: 120,
    minPrice: 261.1,
    maxPrice: 809484,
    minNotional: 100,
    pricePrecision: 2,
    quantityPrecision: 3,
    maxLeverage: 125,
    maintMarginRatio: 0.004,
    startPrice: 68000,
    halfSpreadBps: 0.3,
    flowReachBps: 4,
    flowPerTick: 1.8,
    flowMeanQty: 0.02,
  },
  {
    ...COMMON,
    id: 'ETHUSDT',
    symbol: 'ETH/USDT:USDT',
    spotId: 'ETHUSDT',
    base: 'ETH',
    tickSize: 0.01,
    stepSize: 0.001,
    minQty: 0.001,
    maxQty: 10000,
    maxMarketQty: 2000,
    minPrice: 39.86,
    maxPrice: 306177,
    minNotional: 20,
    pricePrecision: 2,
    quantityPrecision: 3,
    maxLeverage: 125,
    maintMarginRatio: 0.004,
    startPrice: 3500,
    halfSpreadBps: 0.3,
    flowReachBps: 5,
    flowPerTick: 1.8,
    flowMeanQty: 0.3,
  },
  {
    ...COMMON,
    id: 'SOLUSDT',
    symbol: 'SOL/USDT:USDT',
    spotId: 'SOLUSDT',
    base: 'SOL',
    tickSize: 0.01,
    stepSize: 1,
    minQty: 1,
    maxQty: 1000000,
    maxMarketQty: 5000,
    minPrice: 0.42,
    maxPrice: 6857,
    minNotional: 5,
    pricePrecision: 4,
    quantityPrecision: 0,
    maxLeverage: 100,
    maintMarginRatio: 0.005,
    startPrice: 150,
    halfSpreadBps: 0.8,
    flowReachBps: 6,
    flowPerTick: 1.8,
    flowMeanQty: 6,
  },
];

/** Accepts the Binance id ("BTCUSDT") or the ccxt symbol ("BTC/USDT:USDT"). */
export function findPerp(perps: readonly PerpSpec[], symbolOrId: string): PerpSpec | undefined {
  return perps.find((m) => m.id === symbolOrId || m.symbol === symbolOrId);
}
