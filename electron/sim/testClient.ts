/** Test support: real, unmodified ccxt clients aimed at a running simulator. */

import ccxt from 'ccxt';
import { bybitOptions, pointCcxtAt, spotAndLinearOptions, spotOnlyOptions } from './pointCcxt.ts';
import { startSimulator, type Simulator, type SimulatorOptions } from './simulator.ts';

export type Binance = InstanceType<typeof ccxt.binance>;
export type Bybit = InstanceType<typeof ccxt.bybit>;

export interface ClientOptions {
  /** Load USDⓈ-M perpetuals too (default: spot only). */
  linear?: boolean;
  /** ccxt's per-request timeout, ms. */
  timeout?: number;
}

export function binanceClient(baseUrl: string, credentials?: { apiKey: string; secret: string }, options: ClientOptions = {}): Binance {
  const exchange = new ccxt.binance({
    ...(credentials ?? {}),
    // Client-side throttling only slows the tests down; the simulator does not rate-limit.
    enableRateLimit: false,
    ...(options.timeout !== undefined ? { timeout: options.timeout } : {}),
    options: options.linear === true ? spotAndLinearOptions() : spotOnlyOptions(),
  });
  pointCcxtAt(exchange, baseUrl);
  return exchange;
}

export function bybitClient(baseUrl: string, credentials?: { apiKey: string; secret: string }, options: { timeout?: number } = {}): Bybit {
  const exchange = new ccxt.bybit({
    ...(credentials ?? {}),
    enableRateLimit: false,
    ...(options.timeout !== undefined ? { timeout: options.timeout } : {}),
    options: bybitOptions(),
  });
  pointCcxtAt(exchange, baseUrl);
  return exchange;
}

/** Records the path and query of every request the client sends. */
export function recordRequests(exchange: Binance | Bybit): string[] {
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

/** A simulator on a clock the test moves, and clients whose nonce moves with it. */
export interface ClockedSimulator<C> {
  s: Simulator;
  /** Moves the server clock (and every client's time difference with it) forward. */
  jump: (ms: number) => void;
  /** A client of the given key, markets loaded, following the clock. */
  client: (apiKey: string, secret: string) => Promise<C>;
}

export async function startClockedSimulator<C extends Binance | Bybit>(
  options: Omit<SimulatorOptions, 'now'>,
  make: (url: string, credentials: { apiKey: string; secret: string }) => C,
): Promise<ClockedSimulator<C>> {
  let offset = 0;
  const s = await startSimulator({ ...options, now: () => Date.now() + offset });
  const clients: C[] = [];
  const client = async (apiKey: string, secret: string): Promise<C> => {
    const c = make(s.url, { apiKey, secret });
    c.options['timeDifference'] = -offset;
    await c.loadMarkets();
    clients.push(c);
    return c;
  };
  const jump = (ms: number): void => {
    offset += ms;
    for (const c of clients) c.options['timeDifference'] = -offset;
  };
  return { s, jump, client };
}
