/** Session reads and order parameters for perpetuals, against a loopback server in Binance USDⓈ-M's dialect. */
import { expect, it } from 'vitest';
import { createCcxtSession } from './ccxtSession.ts';
import { startLoopback, type LoopbackServer } from './testing/loopback.ts';
import { marketsReply } from './testing/markets.ts';
import { closeAfterEach } from './testing/virtualSession.ts';
import type { ExchangeSession } from './types.ts';
import { WeightBudgetRegistry } from './weightBudget.ts';

const defer = closeAfterEach();

const NEXT_FUNDING = Date.UTC(2026, 10, 25, 16);

async function fapi(): Promise<LoopbackServer> {
  const s = await startLoopback((hit) => {
    const markets = marketsReply('binance', hit);
    if (markets) return markets;
    if (hit.path === '/fapi/v1/premiumIndex') {
      return {
        body: {
          symbol: 'BTCUSDT',
          markPrice: '68000.10',
          indexPrice: '67990.00',
          estimatedSettlePrice: '67995',
          lastFundingRate: '0.00010000',
          interestRate: '0.0001',
          nextFundingTime: NEXT_FUNDING,
          time: NEXT_FUNDING - 60_000,
        },
      };
    }
    if (hit.path === '/fapi/v1/order' && hit.method === 'POST') {
      return {
        body: {
          orderId: 9,
          symbol: 'BTCUSDT',
          status: 'NEW',
          clientOrderId: hit.params.get('newClientOrderId'),
          price: hit.params.get('price'),
          origQty: hit.params.get('quantity'),
          executedQty: '0',
          type: 'LIMIT',
          side: hit.params.get('side'),
          reduceOnly: hit.params.get('reduceOnly') === 'true',
          updateTime: NEXT_FUNDING - 1000,
        },
      };
    }
    return null;
  });
  defer(() => s.close());
  return s;
}

function session(url: string): ExchangeSession {
  const s = createCcxtSession({
    account: { id: 'perp', exchange: 'binance', apiBaseUrl: url },
    credentials: { apiKey: 'test-key-123', secret: 'test-secret-456' },
    symbols: ['BTC/USDT:USDT'],
    budgets: new WeightBudgetRegistry(),
  });
  defer(() => s.close());
  return s;
}

it('fetchFundingRate: the coming rate (+ = longs pay), its time, mark and index', async () => {
  const s = await fapi();
  expect(await session(s.url).fetchFundingRate('BTC/USDT:USDT')).toEqual({
    symbol: 'BTC/USDT:USDT',
    rate: 0.0001,
    nextFundingTime: NEXT_FUNDING,
    markPrice: 68000.1,
    indexPrice: 67990,
    intervalMs: null,
  });
});

it('createOrder passes reduce-only and our client order id to the exchange', async () => {
  const s = await fapi();
  const order = await session(s.url).createOrder({
    symbol: 'BTC/USDT:USDT',
    side: 'buy',
    amount: 0.01,
    price: 68000,
    isPostOnly: false,
    isReduceOnly: true,
    clientOrderId: 'arb-btc-1',
  });
  const sent = s.hits.find((h) => h.path === '/fapi/v1/order');
  expect(sent?.params.get('reduceOnly')).toBe('true');
  expect(sent?.params.get('newClientOrderId')).toBe('arb-btc-1');
  expect(order).toMatchObject({ id: '9', clientOrderId: 'arb-btc-1', side: 'buy', amount: 0.01, price: 68000 });
});
