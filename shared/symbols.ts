/**
 * ccxt symbols, in one place: `BASE/QUOTE` is spot, `BASE/QUOTE:SETTLE` a perpetual swap (linear when
 * settled in the quote, inverse when settled in the base), `BASE/QUOTE:SETTLE-YYMMDD` a dated future.
 */
export type MarketKind = 'spot' | 'linear' | 'inverse' | 'future';

export interface SymbolParts {
  base: string;
  quote: string;
  /** The settlement currency of a derivative, or null for spot. */
  settle: string | null;
  kind: MarketKind;
}

const SYMBOL = /^([^/:]+)\/([^/:]+)(?::([^-]+)(-.+)?)?$/;

export function parseSymbol(symbol: string): SymbolParts {
  const match = SYMBOL.exec(symbol);
  if (!match) return { base: symbol, quote: '', settle: null, kind: 'spot' };
  const [, base = symbol, quote = '', settle, expiry] = match;
  if (settle === undefined) return { base, quote, settle: null, kind: 'spot' };
  return { base, quote, settle, kind: expiry !== undefined ? 'future' : settle === base ? 'inverse' : 'linear' };
}

/** A derivative (perpetual or dated): it has a position, a mark price and funding rather than a wallet balance. */
export function isPerpetual(symbol: string): boolean {
  return symbol.includes(':');
}

/** `BTC/USDT:USDT` settled in its base (COIN-M, Bybit inverse). */
export function isInverse(symbol: string): boolean {
  return parseSymbol(symbol).kind === 'inverse';
}

/**
 * The currency a symbol's PnL, fees and funding come out in: the settle currency of a derivative (BTC
 * for an inverse `BTC/USD:BTC`), else the quote. An instance's fold is labelled with it, so totals
 * convert an inverse instance's BTC at the BTC rate instead of adding it as USD.
 */
export function pnlCurrency(symbol: string): string {
  const { quote, settle } = parseSymbol(symbol);
  return settle ?? quote;
}
