/**
 * How a ccxt `binance` client is aimed at the simulator. Used by the tests; the demo can use it too.
 * Kept free of a ccxt import so any code may load it without pulling the library in.
 */

/**
 * ccxt `binance` options that make `loadMarkets()` call only `GET /api/v3/exchangeInfo`:
 * without them ccxt also calls fapi/dapi exchangeInfo and, with keys, the private sapi endpoints
 * capital/config/getall, margin/allPairs and margin/isolated/allPairs, which the simulator lacks.
 * They go under `options` in the constructor config: `new ccxt.binance({ apiKey, secret, options })`.
 */
export function spotOnlyOptions(): { fetchCurrencies: false; fetchMargins: false; fetchMarkets: { types: string[] } } {
  // A fresh object each time: ccxt keeps (and may push into) the arrays it is given.
  return { fetchCurrencies: false, fetchMargins: false, fetchMarkets: { types: ['spot'] } };
}

/**
 * ccxt `binance` options for spot and USDⓈ-M perpetuals: `loadMarkets()` then calls exactly
 * `GET /api/v3/exchangeInfo` and `GET /fapi/v1/exchangeInfo` (both public).
 */
export function spotAndLinearOptions(): { fetchCurrencies: false; fetchMargins: false; fetchMarkets: { types: string[] } } {
  return { fetchCurrencies: false, fetchMargins: false, fetchMarkets: { types: ['spot', 'linear'] } };
}

/**
 * ccxt `bybit` options for spot and linear perpetuals. Not required (the simulator answers the
 * inverse and option instrument lists with empty lists), but it saves six requests per load:
 * `loadMarkets()` then calls `GET /v5/asset/coin/query-info` (private: needs a valid key),
 * instruments-info for spot, and twice for linear (Trading and PreLaunch).
 */
export function bybitOptions(): { fetchMarkets: { types: string[] } } {
  return { fetchMarkets: { types: ['spot', 'linear'] } };
}

/** Replaces the scheme and host of every URL in `exchange.urls.api`, keeping each path. */
export function pointCcxtAt(exchange: { urls: Record<string, unknown> }, baseUrl: string): void {
  const base = baseUrl.replace(/\/+$/, '');
  const api = exchange.urls['api'];
  if (typeof api !== 'object' || api === null) throw new Error('exchange.urls.api is not an object');
  const entries = api as Record<string, unknown>;
  for (const [key, value] of Object.entries(entries)) {
    if (typeof value === 'string') entries[key] = value.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]+/i, base);
  }
}
