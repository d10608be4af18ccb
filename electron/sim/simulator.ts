/**
 * The exchange simulator: a loopback HTTP server speaking Binance spot's REST dialect, over a
 * seeded market. Unmodified ccxt `binance` trades against it once every URL in `urls.api` has its
 * scheme and host replaced by `url` (see `pointCcxtAt` in the tests).
 */

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SimAccountSpec } from './accounts.ts';
import { handleSpotRequest, type SpotContext } from './binanceSpot.ts';
import { roundToStep } from './decimal.ts';
import { createEngine } from './engine.ts';
import { DEFAULT_MARKETS, findMarket } from './markets.ts';
import { DEFAULT_FEES, type FeeRates, type SimTrade } from './orders.ts';

export type { SimAccountSpec } from './accounts.ts';
export type { SimTrade } from './orders.ts';
export type { FeeRates } from './orders.ts';
export type { MarketSpec } from './markets.ts';
export { DEFAULT_MARKETS } from './markets.ts';

export interface SimulatorOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Defaults to 127.0.0.1: the simulator holds no real money but still should not face a network. */
  host?: string;
  /** Same seed ⇒ same price path and, for the same orders, the same fills. Default 1. */
  seed?: number;
  /** Milliseconds between market ticks when `autoTick` is on. Default 250. */
  tickMs?: number;
  /** Advance the market on a timer. Default true; tests turn it off and call `advance`. */
  autoTick?: boolean;
  accounts?: SimAccountSpec[];
  /** The server's clock (serverTime, trade times, recvWindow checks). Default Date.now. */
  now?: () => number;
  /** Commission rates; default maker 0.02 %, taker 0.1 %. */
  fees?: Partial<FeeRates>;
  /** Where unexpected internal errors go (the client only sees -1000). Default: console.error. */
  onError?: (error: unknown) => void;
}

export interface Simulator {
  readonly url: string;
  readonly port: number;
  /** Step the market `ticks` times, synchronously, without timers. */
  advance(ticks: number): void;
  /** Current mid price, rounded to the market's tick size. Accepts "BTC/USDT" or "BTCUSDT". */
  price(symbol: string): number;
  /** The simulator's own record of an account's fills (copies), oldest first. */
  trades(apiKey: string, symbol?: string): SimTrade[];
  addAccount(spec: SimAccountSpec): void;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1 << 20;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json;charset=UTF-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const now = options.now ?? Date.now;
  const fees: FeeRates = { ...DEFAULT_FEES, ...options.fees };
  const tickMs = options.tickMs ?? 250;
  if (!(tickMs > 0)) throw new Error('tickMs must be positive');
  const engine = createEngine({ markets: DEFAULT_MARKETS, seed: options.seed ?? 1, fees, now: now() });
  for (const spec of options.accounts ?? []) engine.addAccount(spec, now());
  const onError = options.onError ?? ((error: unknown) => console.error('stratdesk-sim: internal error', error));
  const ctx: SpotContext = { engine, fees, now, onError };

  const server = createServer((req, res) => {
    readBody(req).then(
      (rawBody) => {
        const url = new URL(req.url ?? '/', 'http://simulator.invalid');
        const apiKey = req.headers['x-mbx-apikey'];
        const response = handleSpotRequest(ctx, {
          method: req.method ?? 'GET',
          path: url.pathname,
          rawQuery: url.search.startsWith('?') ? url.search.slice(1) : url.search,
          rawBody,
          apiKey: Array.isArray(apiKey) ? apiKey[0] : apiKey,
        });
        send(res, response.status, response.body);
      },
      () => send(res, 413, { code: -1000, msg: 'Request body too large.' }),
    );
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  const autoTick = (): void => {
    try {
      engine.tick(now());
    } catch (error) {
      // A timer callback that throws would take the whole host process (the app) down with it.
      onError(error);
    }
  };
  const timer = options.autoTick === false ? undefined : setInterval(autoTick, tickMs);
  let closed: Promise<void> | undefined;

  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    advance(ticks: number): void {
      if (!Number.isInteger(ticks) || ticks < 0) throw new Error('advance() takes a non-negative whole number of ticks');
      for (let i = 0; i < ticks; i++) engine.tick(now());
    },
    price(symbol: string): number {
      const spec = findMarket(engine.markets, symbol);
      if (spec === undefined) throw new Error(`unknown symbol ${symbol}`);
      return roundToStep(engine.mid(spec.id), spec.tickSize);
    },
    trades(apiKey: string, symbol?: string): SimTrade[] {
      if (engine.account(apiKey) === undefined) throw new Error(`unknown account ${apiKey}`);
      return engine.trades(apiKey, symbol);
    },
    addAccount(spec: SimAccountSpec): void {
      engine.addAccount(spec, now());
    },
    close(): Promise<void> {
      closed ??= new Promise<void>((resolve) => {
        if (timer !== undefined) clearInterval(timer);
        // ccxt keeps sockets alive; without this close() would wait for their idle timeout.
        server.closeAllConnections();
        server.close(() => resolve());
      });
      return closed;
    },
  };
}
