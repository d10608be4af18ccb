/** Test support: a real, unmodified ccxt `binance` client aimed at a running simulator. */

import ccxt from 'ccxt';
import { pointCcxtAt, spotOnlyOptions } from './pointCcxt.ts';

export type Binance = InstanceType<typeof ccxt.binance>;

export function binanceClient(baseUrl: string, credentials?: { apiKey: string; secret: string }): Binance {
  const exchange = new ccxt.binance({
    ...(credentials ?? {}),
    // Client-side throttling only slows the tests down; the simulator does not rate-limit.
    enableRateLimit: false,
    options: spotOnlyOptions(),
  });
  pointCcxtAt(exchange, baseUrl);
  return exchange;
}

/** Records the path and query of every request the client sends. */
export function recordRequests(exchange: Binance): string[] {
  const seen: string[] = [];
  const original = exchange.fetch.bind(exchange);
  exchange.fetch = async (url: string, method?: string, headers?: unknown, body?: unknown) => {
    const parsed = new URL(url);
    seen.push(`${method ?? 'GET'} ${parsed.pathname}`);
    return original(url, method, headers, body);
  };
  return seen;
}

/** ccxt types every id as `string | undefined`; an order the exchange accepted always has one. */
export function idOf(order: { id?: string | undefined }): string {
  if (order.id === undefined) throw new Error('order has no id');
  return order.id;
}
