/**
 * The spot markets the simulator lists. Filters copy Binance's real BTCUSDT/ETHUSDT/SOLUSDT values
 * so order rounding in the app behaves as it will against the real exchange.
 */

export interface MarketSpec {
  /** Binance id, e.g. "BTCUSDT". */
  id: string;
  /** ccxt symbol, e.g. "BTC/USDT". */
  symbol: string;
  base: string;
  quote: string;
  tickSize: number;
  stepSize: number;
  minQty: number;
  maxQty: number;
  minPrice: number;
  maxPrice: number;
  minNotional: number;
  startPrice: number;
  /** Log-return standard deviation per tick of the price path. */
  volPerTick: number;
  /** Half of the synthetic book's spread, in basis points of the mid. */
  halfSpreadBps: number;
  /** How far other traders' taker prints reach past the touch: bps per unit of |N(0,1)|. */
  flowReachBps: number;
  /** Expected number of other traders' taker prints per tick. */
  flowPerTick: number;
  /** Mean size of one taker print (and of one synthetic book level), in base units. */
  flowMeanQty: number;
}

/**
 * Volatility is deliberately higher than the real market (≈1.5 bp per 250 ms tick): the demo's
 * market makers should see both sides of their quotes fill within seconds, not hours.
 */
export const DEFAULT_MARKETS: readonly MarketSpec[] = [
  {
    id: 'BTCUSDT',
    symbol: 'BTC/USDT',
    base: 'BTC',
    quote: 'USDT',
    tickSize: 0.01,
    stepSize: 0.00001,
    minQty: 0.00001,
    maxQty: 9000,
    minPrice: 0.01,
    maxPrice: 1000000,
    minNotional: 5,
    startPrice: 68000,
    volPerTick: 0.00015,
    halfSpreadBps: 0.5,
    flowReachBps: 4,
    flowPerTick: 1.6,
    flowMeanQty: 0.02,
  },
  {
    id: 'ETHUSDT',
    symbol: 'ETH/USDT',
    base: 'ETH',
    quote: 'USDT',
    tickSize: 0.01,
    stepSize: 0.0001,
    minQty: 0.0001,
    maxQty: 9000,
    minPrice: 0.01,
    maxPrice: 1000000,
    minNotional: 5,
    startPrice: 3500,
    volPerTick: 0.0002,
    halfSpreadBps: 0.5,
    flowReachBps: 5,
    flowPerTick: 1.6,
    flowMeanQty: 0.3,
  },
  {
    id: 'SOLUSDT',
    symbol: 'SOL/USDT',
    base: 'SOL',
    quote: 'USDT',
    tickSize: 0.01,
    stepSize: 0.001,
    minQty: 0.001,
    maxQty: 90000,
    minPrice: 0.01,
    maxPrice: 100000,
    minNotional: 5,
    startPrice: 150,
    volPerTick: 0.00025,
    halfSpreadBps: 1,
    flowReachBps: 6,
    flowPerTick: 1.6,
    flowMeanQty: 6,
  },
];

/** Accepts either spelling, so tests and the app can ask with the ccxt symbol they hold. */
export function findMarket(markets: readonly MarketSpec[], symbolOrId: string): MarketSpec | undefined {
  return markets.find((m) => m.id === symbolOrId || m.symbol === symbolOrId);
}
