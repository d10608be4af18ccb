/**
 * Minimal market listings in each exchange's wire format, enough for ccxt's `loadMarkets` to know the
 * symbols the recorded payloads mention. The recorded fixtures hold responses only, not markets; these
 * are the least each parser needs (ids, assets, contract fields, filters), not copies of real listings.
 */
import type { Hit, Reply } from './loopback.ts';

const binanceSpot = (id: string, base: string, quote: string): object => ({
  symbol: id,
  status: 'TRADING',
  baseAsset: base,
  baseAssetPrecision: 8,
  quoteAsset: quote,
  quotePrecision: 8,
  quoteAssetPrecision: 8,
  orderTypes: ['LIMIT', 'LIMIT_MAKER', 'MARKET'],
  isSpotTradingAllowed: true,
  isMarginTradingAllowed: false,
  filters: [
    { filterType: 'PRICE_FILTER', minPrice: '0.01000000', maxPrice: '1000000.00000000', tickSize: '0.01000000' },
    { filterType: 'LOT_SIZE', minQty: '0.00001000', maxQty: '9000.00000000', stepSize: '0.00001000' },
    { filterType: 'NOTIONAL', minNotional: '5.00000000' },
  ],
  permissions: [],
  permissionSets: [['SPOT']],
});

const binanceContract = (id: string, base: string, quote: string, margin: string, contractSize?: number): object => ({
  symbol: id,
  pair: `${base}${quote}`,
  contractType: 'PERPETUAL',
  deliveryDate: 4133404800000,
  onboardDate: 1569398400000,
  status: 'TRADING',
  contractStatus: 'TRADING',
  ...(contractSize !== undefined ? { contractSize } : {}),
  marginAsset: margin,
  baseAsset: base,
  quoteAsset: quote,
  pricePrecision: 2,
  quantityPrecision: 3,
  baseAssetPrecision: 8,
  quotePrecision: 8,
  underlyingType: 'COIN',
  filters: [
    { filterType: 'PRICE_FILTER', minPrice: '0.10', maxPrice: '1000000', tickSize: '0.10' },
    { filterType: 'LOT_SIZE', minQty: '0.001', maxQty: '1000', stepSize: '0.001' },
    { filterType: 'MIN_NOTIONAL', notional: '5' },
  ],
  orderTypes: ['LIMIT', 'MARKET'],
  timeInForce: ['GTC', 'IOC', 'FOK', 'GTX'],
});

const BINANCE: Record<string, object> = {
  '/api/v3/exchangeInfo': {
    timezone: 'UTC',
    serverTime: 1700000000000,
    symbols: [binanceSpot('LTCUSDT', 'LTC', 'USDT'), binanceSpot('BTCUSDT', 'BTC', 'USDT'), binanceSpot('ETHUSDT', 'ETH', 'USDT')],
  },
  '/fapi/v1/exchangeInfo': {
    timezone: 'UTC',
    serverTime: 1700000000000,
    symbols: [binanceContract('BTCUSDT', 'BTC', 'USDT', 'USDT'), binanceContract('LTCUSDT', 'LTC', 'USDT', 'USDT')],
  },
  '/dapi/v1/exchangeInfo': {
    timezone: 'UTC',
    serverTime: 1700000000000,
    symbols: [binanceContract('BTCUSD_PERP', 'BTC', 'USD', 'BTC', 100)],
  },
};

const bybitSpot = (id: string, base: string, quote: string): object => ({
  symbol: id,
  baseCoin: base,
  quoteCoin: quote,
  innovation: '0',
  status: 'Trading',
  marginTrading: 'none',
  lotSizeFilter: {
    basePrecision: '0.000001',
    quotePrecision: '0.00000001',
    minOrderQty: '0.000048',
    maxOrderQty: '71.73956243',
    minOrderAmt: '1',
    maxOrderAmt: '2000000',
  },
  priceFilter: { tickSize: '0.01' },
});

const bybitLinear = (id: string, base: string, quote: string): object => ({
  symbol: id,
  contractType: 'LinearPerpetual',
  status: 'Trading',
  baseCoin: base,
  quoteCoin: quote,
  launchTime: '1585526400000',
  deliveryTime: '0',
  deliveryFeeRate: '',
  priceScale: '2',
  leverageFilter: { minLeverage: '1', maxLeverage: '100.00', leverageStep: '0.01' },
  priceFilter: { minPrice: '0.10', maxPrice: '199999.80', tickSize: '0.01' },
  lotSizeFilter: { maxOrderQty: '100.000', minOrderQty: '0.001', qtyStep: '0.001', postOnlyMaxOrderQty: '1000.000' },
  unifiedMarginTrade: true,
  fundingInterval: 480,
  settleCoin: quote,
});

const BYBIT: Record<string, object[]> = {
  spot: [bybitSpot('BTCUSDT', 'BTC', 'USDT'), bybitSpot('ETHUSDT', 'ETH', 'USDT'), bybitSpot('LTCUSDT', 'LTC', 'USDT')],
  linear: [bybitLinear('LTCUSDT', 'LTC', 'USDT'), bybitLinear('BTCUSDT', 'BTC', 'USDT')],
};

const okxSpot = (base: string, quote: string): object => ({
  instType: 'SPOT',
  instId: `${base}-${quote}`,
  uly: '',
  instFamily: '',
  baseCcy: base,
  quoteCcy: quote,
  settleCcy: '',
  ctValCcy: '',
  listTime: '1606468572000',
  expTime: '',
  lever: '10',
  tickSz: '0.01',
  lotSz: '0.000001',
  minSz: '0.001',
  ctVal: '',
  ctMult: '',
  ctType: '',
  state: 'live',
});

const okxSwap = (base: string, quote: string): object => ({
  instType: 'SWAP',
  instId: `${base}-${quote}-SWAP`,
  uly: `${base}-${quote}`,
  instFamily: `${base}-${quote}`,
  baseCcy: '',
  quoteCcy: '',
  settleCcy: quote,
  ctValCcy: base,
  listTime: '1606468572000',
  expTime: '',
  lever: '50',
  tickSz: '0.01',
  lotSz: '1',
  minSz: '1',
  ctVal: '1',
  ctMult: '1',
  ctType: 'linear',
  state: 'live',
});

const OKX: Record<string, object[]> = {
  SPOT: [okxSpot('LTC', 'USDT'), okxSpot('BTC', 'USDT')],
  SWAP: [okxSwap('LTC', 'USDT'), okxSwap('SUSHI', 'USDT')],
};

/** The market listing ccxt asks for on `exchange`, or null when `hit` is not a market request. */
export function marketsReply(exchange: string, hit: Hit): Reply | null {
  if (exchange.startsWith('binance')) {
    const body = BINANCE[hit.path];
    return body ? { body } : null;
  }
  if (exchange === 'bybit' && hit.path === '/v5/market/instruments-info') {
    const category = hit.query.get('category') ?? '';
    return {
      body: {
        retCode: 0,
        retMsg: 'OK',
        result: { category, list: BYBIT[category] ?? [], nextPageCursor: '' },
        retExtInfo: {},
        time: 1700000000000,
      },
    };
  }
  if (exchange === 'okx' && hit.path === '/api/v5/public/instruments') {
    return { body: { code: '0', data: OKX[hit.query.get('instType') ?? ''] ?? [], msg: '' } };
  }
  return null;
}
