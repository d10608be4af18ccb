import type { Fill } from '../../exchange/types.ts';

/** A one-unit maker buy of BTC/USDT at 100 with no fees; tests override only the fields they vary. */
export function testFill(id: string, overrides: Partial<Fill> = {}): Fill {
  return {
    id,
    orderId: null,
    symbol: 'BTC/USDT',
    side: 'buy',
    price: 100,
    amount: 1,
    cost: 100,
    fees: [],
    timestamp: 0,
    isMaker: true,
    ...overrides,
  };
}
