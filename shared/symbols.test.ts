import { describe, expect, it } from 'vitest';
import { isInverse, isPerpetual, parseSymbol } from './symbols.ts';

describe('ccxt symbols', () => {
  it('tells spot, linear and inverse perpetuals and dated futures apart', () => {
    expect(parseSymbol('BTC/USDT')).toEqual({ base: 'BTC', quote: 'USDT', settle: null, kind: 'spot' });
    expect(parseSymbol('BTC/USDT:USDT')).toEqual({ base: 'BTC', quote: 'USDT', settle: 'USDT', kind: 'linear' });
    expect(parseSymbol('BTC/USD:BTC')).toEqual({ base: 'BTC', quote: 'USD', settle: 'BTC', kind: 'inverse' });
    expect(parseSymbol('BTC/USDT:USDT-261225')).toEqual({ base: 'BTC', quote: 'USDT', settle: 'USDT', kind: 'future' });
    expect(isPerpetual('ETH/USDT:USDT')).toBe(true);
    expect(isPerpetual('ETH/USDT')).toBe(false);
    expect(isInverse('BTC/USD:BTC')).toBe(true);
    expect(isInverse('BTC/USDT:USDT')).toBe(false);
  });
});
