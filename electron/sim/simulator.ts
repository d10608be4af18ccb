/**
 * The exchange simulator: one loopback HTTP server over a seeded market, speaking
 * - Binance spot (`/api/v3/...`) and Binance USDⓈ-M futures (`/fapi/...`) for 'binance' accounts,
 * - Bybit v5 (`/v5/...`) for 'bybit' accounts,
 * plus a control endpoint (`/__sim/faults`) for injecting faults at runtime.
 *
 * Unmodified ccxt `binance` / `bybit` clients trade against it once every URL in `urls.api` has its
 * scheme and host replaced by `url` (see `pointCcxtAt`).
 */

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { SimAccountSpec } from './accounts.ts';
import { handleFuturesRequest, type FuturesContext } from './binanceFutures.ts';
import { handleSpotRequest, type SpotContext } from './binanceSpot.ts';
import { handleBybitRequest, type BybitContext } from './bybit.ts';
import { roundToStep } from './decimal.ts';
import { createEngine } from './engine.ts';
import { answerFault, createFaultInjector, FaultSpecError, validateFault, type FaultSpec, type FaultView } from './faults.ts';
import type { Json } from './format.ts';
import { DEFAULT_MARKETS, findMarket } from './markets.ts';
import { createMovementBook, driftControl, handleMovementRequest, isMovementRoute, type DriftResult, type DriftSpec } from './movements.ts';
import type { SimDeposit, SimTransfer, SimWithdrawal } from './movements.ts';
import { DEFAULT_FEES, type FeeRates, type SimTrade } from './orders.ts';
import {
  createPerpEngine,
  DEFAULT_FUNDING_MODEL,
  DEFAULT_FUTURES_FEES,
  type FundingModel,
  type PerpTrade,
  type SimFunding,
} from './perpEngine.ts';
import { DEFAULT_PERPS, findPerp } from './perpMarkets.ts';
import { createPublicStreams } from './ws/publicStreams.ts';
import { createUserStreams, parseStreamFault, type StreamFaultSpec, type UserStreamStats } from './ws/userStreams.ts';

export type { SimAccountSpec, SimDialect } from './accounts.ts';
export type { SimTrade } from './orders.ts';
export type { FeeRates } from './orders.ts';
export type { MarketSpec } from './markets.ts';
export type { PerpSpec } from './perpMarkets.ts';
export type { PerpTrade, SimFunding, FundingModel } from './perpEngine.ts';
export type { FaultSpec, FaultView, FaultKind, LatencySpec } from './faults.ts';
export type { StreamFaultSpec, StreamFaultKind, UserStreamStats } from './ws/userStreams.ts';
export type { DriftSpec, DriftResult, SimDeposit, SimWithdrawal, SimTransfer, SimWallet } from './movements.ts';
export { DEFAULT_MARKETS } from './markets.ts';
export { DEFAULT_PERPS } from './perpMarkets.ts';

/** Binance's and Bybit's funding interval: the library default. */
export const DEFAULT_FUNDING_INTERVAL_MS = 8 * 60 * 60 * 1000;
/** What the CLI (and a demo) uses instead: funding shows up within a minute of opening a position. */
export const DEMO_FUNDING_INTERVAL_MS = 30 * 1000;

export interface SimulatorOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Defaults to 127.0.0.1: the simulator holds no real money but still should not face a network. */
  host?: string;
  /** Same seed ⇒ same price path, funding path and, for the same orders, the same fills. Default 1. */
  seed?: number;
  /** Milliseconds between market ticks when `autoTick` is on. Default 250. */
  tickMs?: number;
  /** Advance the market on a timer. Default true; tests turn it off and call `advance`. */
  autoTick?: boolean;
  accounts?: SimAccountSpec[];
  /** The server's clock (serverTime, trade times, recvWindow checks, funding times). Default Date.now. */
  now?: () => number;
  /** Spot commission rates; default maker 0.02 %, taker 0.1 %. */
  fees?: Partial<FeeRates>;
  /** USDⓈ-M commission rates (also Bybit linear); default maker 0.02 %, taker 0.05 %. */
  futuresFees?: Partial<FeeRates>;
  /** Funding settles at every multiple of this (epoch-aligned). Default 8 h. */
  fundingIntervalMs?: number;
  /** The funding-rate path: mean, stationary sd, reversion per tick. Default 0.01 %, 0.015 %, 1 %. */
  fundingRate?: Partial<FundingModel>;
  /** Faults active from the start (more can be added through `addFaults` or POST /__sim/faults). */
  faults?: FaultSpec[];
  /** Serve `/__sim/faults`. Default true (the server only listens on loopback by default). */
  control?: boolean;
  /** Where unexpected internal errors go (the client only sees -1000 / 10016). Default: console.error. */
  onError?: (error: unknown) => void;
}

/** An open perpetual position as the simulator books it (Binance one-way mode). */
export interface SimPosition {
  /** Binance id, e.g. "BTCUSDT". */
  symbol: string;
  /** Signed base quantity: + long, − short. */
  positionAmt: number;
  entryPrice: number;
  markPrice: number;
  unrealizedPnl: number;
  leverage: number;
}

export interface Simulator {
  readonly url: string;
  readonly port: number;
  /** Step the market `ticks` times, synchronously, without timers (funding due by then settles first). */
  advance(ticks: number): void;
  /**
   * Current mid, rounded to the market's tick size. Accepts "BTC/USDT" or "BTCUSDT" (spot), or
   * "BTC/USDT:USDT" (the perpetual's mark price).
   */
  price(symbol: string): number;
  /** The simulator's own record of an account's spot fills (copies), oldest first. */
  trades(apiKey: string, symbol?: string): SimTrade[];
  /** An account's perpetual fills (copies), oldest first. Accepts "BTC/USDT:USDT" or "BTCUSDT". */
  perpTrades(apiKey: string, symbol?: string): PerpTrade[];
  /** An account's funding payments, oldest first; `amount` + = received. */
  funding(apiKey: string, symbol?: string): SimFunding[];
  /** An account's open perpetual positions. */
  positions(apiKey: string): SimPosition[];
  /** The perpetual's current (predicted) funding rate, per interval. */
  fundingRate(symbol: string): number;
  /** When funding next settles (ms since epoch). */
  nextFundingTime(): number;
  addAccount(spec: SimAccountSpec): void;
  /** Drift no app made (issue 13): a trade, a deposit, a withdrawal, a spot ↔ futures transfer. Also `POST /__sim/drift`. */
  drift(spec: DriftSpec): DriftResult;
  /** An account's spot balances as the simulator books them (free + locked), by asset. */
  balances(apiKey: string): Record<string, { free: number; locked: number }>;
  /** An account's USDⓈ-M wallet balance (USDT, without unrealized PnL). */
  futuresWallet(apiKey: string): number;
  /** An account's deposits, withdrawals and transfers, oldest first. */
  movements(apiKey: string): { deposits: SimDeposit[]; withdrawals: SimWithdrawal[]; transfers: SimTransfer[] };
  faults(): FaultView[];
  /** Private-stream faults (disconnect, stall, resume, duplicate, reorder, expireListenKey); also `POST /__sim/streams`. Returns the streams touched. */
  streamFault(spec: StreamFaultSpec): number;
  /** Live private streams and events sent so far. */
  streamStats(): UserStreamStats;
  addFaults(specs: readonly FaultSpec[]): FaultView[];
  /** Removes one fault by id, or all; returns how many were removed. */
  clearFaults(id?: string): number;
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

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const now = options.now ?? Date.now;
  const seed = options.seed ?? 1;
  const fees: FeeRates = { ...DEFAULT_FEES, ...options.fees };
  const futuresFees: FeeRates = { ...DEFAULT_FUTURES_FEES, ...options.futuresFees };
  const tickMs = options.tickMs ?? 250;
  if (!(tickMs > 0)) throw new Error('tickMs must be positive');
  const start = now();
  const engine = createEngine({ markets: DEFAULT_MARKETS, seed, fees, now: start });
  const perp = createPerpEngine({
    perps: DEFAULT_PERPS,
    seed,
    fees: futuresFees,
    now: start,
    fundingIntervalMs: options.fundingIntervalMs ?? DEFAULT_FUNDING_INTERVAL_MS,
    fundingModel: { ...DEFAULT_FUNDING_MODEL, ...options.fundingRate },
    spotMid: (spotId) => engine.mid(spotId),
  });
  const addAccount = (spec: SimAccountSpec): void => {
    if (spec.dialect !== undefined && spec.dialect !== 'binance' && spec.dialect !== 'bybit')
      throw new Error(`unknown dialect ${String(spec.dialect)}`);
    engine.addAccount(spec, now());
    perp.addAccount(spec.apiKey, spec.futuresUsdt ?? 0, now());
  };
  for (const spec of options.accounts ?? []) addAccount(spec);
  const faults = createFaultInjector(seed, options.faults ?? []);
  const onError = options.onError ?? ((error: unknown) => console.error('stratdesk-sim: internal error', error));
  const spotCtx: SpotContext = { engine, fees, now, onError };
  const futuresCtx: FuturesContext = { engine, perp, now, onError };
  const bybitCtx: BybitContext = { engine, perp, fees, futuresFees, now, onError };
  const timers = new Set<NodeJS.Timeout>();
  // Private streams (ws/userStreams.ts): Binance spot's WebSocket API, USDⓈ-M's listen-key stream, Bybit v5's private stream.
  const streams = createUserStreams({ engine, perp, bybit: bybitCtx, now, onError });
  // Public market streams (ws/publicStreams.ts): book tickers and mark prices, fed from the books on their own timer.
  const prices = createPublicStreams({ engine, perp, now, onError });

  const movementBook = createMovementBook(engine, perp);
  const control = (method: string, url: URL, rawBody: string): { status: number; body: Json } => {
    if (url.pathname === '/__sim/drift') return driftControl(movementBook, method, url, rawBody, now());
    if (url.pathname === '/__sim/streams') {
      if (method === 'GET') return { status: 200, body: streams.stats() as unknown as Json };
      if (method !== 'POST') return { status: 405, body: { error: `${method} not allowed on /__sim/streams` } };
      try {
        return { status: 200, body: { touched: streams.fault(parseStreamFault(JSON.parse(rawBody))) } };
      } catch (error) {
        return { status: 400, body: { error: error instanceof Error ? error.message : String(error) } };
      }
    }
    if (url.pathname !== '/__sim/faults') return { status: 404, body: { error: `unknown control endpoint ${url.pathname}` } };
    try {
      if (method === 'GET') return { status: 200, body: { faults: faults.list() as unknown as Json } };
      if (method === 'DELETE') {
        const id = url.searchParams.get('id') ?? undefined;
        return { status: 200, body: { removed: faults.clear(id) } };
      }
      if (method === 'POST') {
        let parsed: unknown;
        try {
          parsed = JSON.parse(rawBody);
        } catch {
          return { status: 400, body: { error: 'body must be JSON: a fault, a list of faults, or { "faults": [...] }' } };
        }
        const list: unknown[] = Array.isArray(parsed)
          ? parsed
          : typeof parsed === 'object' && parsed !== null && Array.isArray((parsed as { faults?: unknown }).faults)
            ? (parsed as { faults: unknown[] }).faults
            : [parsed];
        const added = faults.add(list.map(validateFault));
        return { status: 200, body: { added: added as unknown as Json, faults: faults.list() as unknown as Json } };
      }
      return { status: 405, body: { error: `${method} not allowed on /__sim/faults` } };
    } catch (error) {
      if (error instanceof FaultSpecError) return { status: 400, body: { error: error.message } };
      throw error;
    }
  };

  const serve = (req: IncomingMessage, res: ServerResponse, url: URL, rawBody: string): void => {
    const method = req.method ?? 'GET';
    const path = url.pathname;
    // Funding is time-driven: settle what fell due before anything reads or changes positions.
    perp.settleDue(now());
    const rawQuery = url.search.startsWith('?') ? url.search.slice(1) : url.search;
    if (path.startsWith('/v5/')) {
      const response = handleBybitRequest(bybitCtx, {
        method,
        path,
        rawQuery,
        rawBody,
        headers: {
          apiKey: header(req, 'x-bapi-api-key'),
          timestamp: header(req, 'x-bapi-timestamp'),
          recvWindow: header(req, 'x-bapi-recv-window'),
          sign: header(req, 'x-bapi-sign'),
        },
      });
      send(res, response.status, response.body);
      return;
    }
    const request = { method, path, rawQuery, rawBody, apiKey: header(req, 'x-mbx-apikey') };
    if (path === '/fapi/v1/listenKey') {
      const answer = streams.listenKeyRequest(method, request.apiKey);
      send(res, answer.status, answer.body);
      return;
    }
    if (isMovementRoute(method, path)) {
      const moved = handleMovementRequest({ engine, book: movementBook, now, onError }, request);
      send(res, moved.status, moved.body);
      return;
    }
    const response = path.startsWith('/fapi/') ? handleFuturesRequest(futuresCtx, request) : handleSpotRequest(spotCtx, request);
    send(res, response.status, response.body);
  };

  const handle = (req: IncomingMessage, res: ServerResponse, rawBody: string): void => {
    const url = new URL(req.url ?? '/', 'http://simulator.invalid');
    const method = req.method ?? 'GET';
    if (url.pathname.startsWith('/__sim/')) {
      if (options.control === false) {
        send(res, 404, { error: 'control endpoint disabled' });
        return;
      }
      const response = control(method, url, rawBody);
      send(res, response.status, response.body);
      streams.scan();
      return;
    }
    const apiKey = header(req, 'x-mbx-apikey') ?? header(req, 'x-bapi-api-key');
    const decision = faults.decide({ method, path: url.pathname, apiKey });
    const proceed = (): void => {
      if (decision.answer !== undefined) answerFault(res, decision.answer, url.pathname, now());
      else serve(req, res, url, rawBody);
      // What the request made (a taker fill, a new or cancelled order, funding due) goes out on the streams now.
      streams.scan();
    };
    if (decision.delayMs <= 0) {
      proceed();
      return;
    }
    const timer = setTimeout(() => {
      timers.delete(timer);
      try {
        proceed();
      } catch (error) {
        onError(error);
      }
    }, decision.delayMs);
    timers.add(timer);
  };

  const server = createServer((req, res) => {
    readBody(req).then(
      (rawBody) => handle(req, res, rawBody),
      () => send(res, 413, { code: -1000, msg: 'Request body too large.' }),
    );
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (!prices.handleUpgrade(req, socket, head) && !streams.handleUpgrade(req, socket, head)) socket.destroy();
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

  const tick = (): void => {
    const t = now();
    engine.tick(t);
    perp.tick(t);
    streams.scan();
  };
  const autoTick = (): void => {
    try {
      tick();
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
      for (let i = 0; i < ticks; i++) tick();
    },
    price(symbol: string): number {
      const spec = findMarket(engine.markets, symbol);
      if (spec !== undefined) return roundToStep(engine.mid(spec.id), spec.tickSize);
      const perpSpec = findPerp(perp.perps, symbol);
      if (perpSpec !== undefined) return roundToStep(perp.mark(perpSpec.id), perpSpec.tickSize);
      throw new Error(`unknown symbol ${symbol}`);
    },
    trades(apiKey: string, symbol?: string): SimTrade[] {
      if (engine.account(apiKey) === undefined) throw new Error(`unknown account ${apiKey}`);
      return engine.trades(apiKey, symbol);
    },
    perpTrades(apiKey: string, symbol?: string): PerpTrade[] {
      if (!perp.has(apiKey)) throw new Error(`unknown account ${apiKey}`);
      return perp.trades(apiKey, symbol);
    },
    funding(apiKey: string, symbol?: string): SimFunding[] {
      if (!perp.has(apiKey)) throw new Error(`unknown account ${apiKey}`);
      perp.settleDue(now());
      return perp.funding(apiKey, symbol);
    },
    positions(apiKey: string): SimPosition[] {
      if (!perp.has(apiKey)) throw new Error(`unknown account ${apiKey}`);
      return perp
        .positions(apiKey)
        .filter((p) => p.positionAmt !== 0)
        .map((p) => ({
          symbol: p.spec.id,
          positionAmt: p.positionAmt,
          entryPrice: p.entryPrice,
          markPrice: p.markPrice,
          unrealizedPnl: p.unrealizedPnl,
          leverage: p.leverage,
        }));
    },
    fundingRate(symbol: string): number {
      return perp.fundingRate(symbol);
    },
    nextFundingTime(): number {
      return perp.nextFundingTime();
    },
    addAccount,
    drift: (spec) => {
      const result = movementBook.drift(spec, now());
      // A drifted trade is a fill like any other: the streams report it now, not at the next tick.
      streams.scan();
      return result;
    },
    balances(apiKey: string): Record<string, { free: number; locked: number }> {
      const account = engine.account(apiKey);
      if (account === undefined) throw new Error(`unknown account ${apiKey}`);
      return Object.fromEntries([...account.balances].map(([asset, b]) => [asset, { free: b.free, locked: b.locked }]));
    },
    futuresWallet: (apiKey) => perp.account(apiKey).walletBalance,
    movements: (apiKey) => ({
      deposits: movementBook.deposits(apiKey),
      withdrawals: movementBook.withdrawals(apiKey),
      transfers: movementBook.transfers(apiKey),
    }),
    faults: () => faults.list(),
    streamFault: (spec) => streams.fault(spec),
    streamStats: () => streams.stats(),
    addFaults: (specs) => faults.add(specs),
    clearFaults: (id) => faults.clear(id),
    close(): Promise<void> {
      closed ??= new Promise<void>((resolve) => {
        if (timer !== undefined) clearInterval(timer);
        for (const t of timers) clearTimeout(t);
        timers.clear();
        streams.close();
        prices.close();
        // ccxt keeps sockets alive (and a `timeout` fault holds some open); close them all.
        server.closeAllConnections();
        server.close(() => resolve());
      });
      return closed;
    },
  };
}
