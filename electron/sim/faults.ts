/**
 * Faults on demand: per route and per account, the misbehaviour a real exchange shows now and then
 * (slow answers, timeouts, rate limits, bans, gateway errors, broken bodies, auth and clock errors).
 *
 * - A fault matches a request by `route` (exact path, or a prefix ending in `*`; default: every
 *   route), optional `method` and optional `apiKey` (the X-MBX-APIKEY or X-BAPI-API-KEY header), and
 *   then fires with probability `rate` (default 1).
 * - Deterministic under the seed, and independent of the market's random streams: the draw for the
 *   n-th request that fault F sees on (method, path, apiKey) is a pure function of
 *   (seed, F.id, method, path, apiKey, n). Two accounts syncing concurrently do not disturb each
 *   other's fault sequence, and adding faults never changes the price path.
 * - Faults answer BEFORE the endpoint's handler runs, so a faulted request never changes state: a
 *   5xx on order placement means the order was NOT placed (a real exchange may have placed it; the
 *   app must reconcile either way, and the simulator's answer is the simple one).
 * - `latency` adds a delay (fixed, uniform or normal, in ms) and then serves the request normally;
 *   every firing latency fault adds its delay. The first other fault that fires answers instead of
 *   the handler.
 * - The body follows the dialect of the path: Binance (`/api`, `/fapi`) or Bybit (`/v5`).
 */

import type { ServerResponse } from 'node:http';
import { createRng, deriveSeed } from './prng.ts';

export const FAULT_KINDS = ['latency', 'timeout', '429', '418', '500', '502', '503', 'malformed', 'truncated', '401', 'timestamp'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export type LatencySpec =
  { dist: 'fixed'; ms: number } | { dist: 'uniform'; min: number; max: number } | { dist: 'normal'; mean: number; sd: number };

export interface FaultSpec {
  /** Names the fault (and its random stream). Default: `f1`, `f2`, … in the order added. */
  id?: string;
  kind: FaultKind;
  /** Exact path ("/api/v3/myTrades") or prefix ending in "*" ("/fapi/*"); default every route. */
  route?: string;
  method?: string;
  /** Only requests carrying this API key. */
  apiKey?: string;
  /** Probability a matching request is faulted, 0–1. Default 1. */
  rate?: number;
  /** For `latency`: the delay distribution in ms. Default fixed 200 ms. */
  latency?: LatencySpec;
  /** For `429` and `418`: the Retry-After header, seconds. Default 1 (429) and 120 (418). */
  retryAfterSec?: number;
}

export interface FaultView {
  id: string;
  kind: FaultKind;
  route: string;
  method?: string;
  apiKey?: string;
  rate: number;
  latency?: LatencySpec;
  retryAfterSec?: number;
  /** Requests the fault matched, and how many of them it fired on. */
  matched: number;
  fired: number;
}

interface FaultState {
  view: FaultView;
  counters: Map<string, number>;
}

export interface FaultDecision {
  delayMs: number;
  answer?: FaultView;
}

export interface FaultRequest {
  method: string;
  path: string;
  apiKey: string | undefined;
}

export class FaultSpecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FaultSpecError';
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function finiteNonNegative(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new FaultSpecError(`${what} must be a non-negative number`);
  return value;
}

function parseLatency(value: unknown): LatencySpec {
  if (!isObject(value)) throw new FaultSpecError('latency must be an object');
  switch (value['dist']) {
    case 'fixed':
      return { dist: 'fixed', ms: finiteNonNegative(value['ms'], 'latency.ms') };
    case 'uniform': {
      const min = finiteNonNegative(value['min'], 'latency.min');
      const max = finiteNonNegative(value['max'], 'latency.max');
      if (max < min) throw new FaultSpecError('latency.max must be at least latency.min');
      return { dist: 'uniform', min, max };
    }
    case 'normal':
      return { dist: 'normal', mean: finiteNonNegative(value['mean'], 'latency.mean'), sd: finiteNonNegative(value['sd'], 'latency.sd') };
    default:
      throw new FaultSpecError('latency.dist must be fixed, uniform or normal');
  }
}

/** Checks an untrusted fault description (the control endpoint's JSON, the CLI's flags). */
export function validateFault(value: unknown): FaultSpec {
  if (!isObject(value)) throw new FaultSpecError('a fault must be a JSON object');
  const known = new Set(['id', 'kind', 'route', 'method', 'apiKey', 'rate', 'latency', 'retryAfterSec']);
  for (const key of Object.keys(value)) if (!known.has(key)) throw new FaultSpecError(`unknown fault field "${key}"`);
  const kind = value['kind'];
  if (typeof kind !== 'string' || !(FAULT_KINDS as readonly string[]).includes(kind)) {
    throw new FaultSpecError(`kind must be one of ${FAULT_KINDS.join(', ')}`);
  }
  const spec: FaultSpec = { kind: kind as FaultKind };
  for (const name of ['id', 'route', 'method', 'apiKey'] as const) {
    const v = value[name];
    if (v === undefined) continue;
    if (typeof v !== 'string' || v === '') throw new FaultSpecError(`${name} must be a non-empty string`);
    spec[name] = name === 'method' ? v.toUpperCase() : v;
  }
  if (spec.route !== undefined && !spec.route.startsWith('/') && spec.route !== '*') throw new FaultSpecError('route must start with "/"');
  if (value['rate'] !== undefined) {
    const rate = value['rate'];
    if (typeof rate !== 'number' || !(rate >= 0 && rate <= 1)) throw new FaultSpecError('rate must be a number from 0 to 1');
    spec.rate = rate;
  }
  if (value['latency'] !== undefined) spec.latency = parseLatency(value['latency']);
  if (value['retryAfterSec'] !== undefined) spec.retryAfterSec = finiteNonNegative(value['retryAfterSec'], 'retryAfterSec');
  return spec;
}

/**
 * The CLI's `--fault "route=/api/v3/myTrades,kind=429,rate=0.1"`. Keys: kind, route, method,
 * apiKey, rate, id, retryAfter (seconds), and for latency: ms (fixed), or dist=uniform with min/max,
 * or dist=normal with mean/sd.
 */
export function parseFaultFlag(text: string): FaultSpec {
  const fields = new Map<string, string>();
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new FaultSpecError(`"${part}" is not key=value`);
    fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const num = (key: string): number | undefined => {
    const v = fields.get(key);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (v === '' || !Number.isFinite(n)) throw new FaultSpecError(`${key} must be a number, got "${v}"`);
    return n;
  };
  const raw: Record<string, unknown> = {};
  for (const key of ['kind', 'route', 'method', 'apiKey', 'id']) if (fields.has(key)) raw[key] = fields.get(key);
  if (fields.has('rate')) raw['rate'] = num('rate');
  if (fields.has('retryAfter')) raw['retryAfterSec'] = num('retryAfter');
  const dist = fields.get('dist') ?? (fields.has('ms') ? 'fixed' : undefined);
  if (dist !== undefined) {
    raw['latency'] =
      dist === 'fixed'
        ? { dist, ms: num('ms') }
        : dist === 'uniform'
          ? { dist, min: num('min'), max: num('max') }
          : { dist, mean: num('mean'), sd: num('sd') };
  }
  const allowed = new Set(['kind', 'route', 'method', 'apiKey', 'id', 'rate', 'retryAfter', 'dist', 'ms', 'min', 'max', 'mean', 'sd']);
  for (const key of fields.keys()) if (!allowed.has(key)) throw new FaultSpecError(`unknown fault key "${key}"`);
  return validateFault(raw);
}

function routeMatches(route: string, path: string): boolean {
  if (route === '*') return true;
  return route.endsWith('*') ? path.startsWith(route.slice(0, -1)) : route === path;
}

export interface FaultInjector {
  list(): FaultView[];
  add(specs: readonly FaultSpec[]): FaultView[];
  /** Removes one fault, or all of them; returns how many went. */
  clear(id?: string): number;
  decide(request: FaultRequest): FaultDecision;
}

export function createFaultInjector(seed: number, initial: readonly FaultSpec[] = []): FaultInjector {
  const faults: FaultState[] = [];
  let nextId = 1;

  const add = (specs: readonly FaultSpec[]): FaultView[] => {
    const added: FaultView[] = [];
    for (const raw of specs) {
      const spec = validateFault(raw);
      let id = spec.id;
      if (id === undefined) {
        do id = `f${nextId++}`;
        while (faults.some((f) => f.view.id === id));
      } else if (faults.some((f) => f.view.id === id)) {
        throw new FaultSpecError(`a fault with id "${id}" already exists`);
      }
      const view: FaultView = {
        id,
        kind: spec.kind,
        route: spec.route ?? '*',
        rate: spec.rate ?? 1,
        matched: 0,
        fired: 0,
        ...(spec.method !== undefined ? { method: spec.method } : {}),
        ...(spec.apiKey !== undefined ? { apiKey: spec.apiKey } : {}),
        ...(spec.kind === 'latency' ? { latency: spec.latency ?? { dist: 'fixed', ms: 200 } } : {}),
        ...(spec.kind === '429' || spec.kind === '418' ? { retryAfterSec: spec.retryAfterSec ?? (spec.kind === '429' ? 1 : 120) } : {}),
      };
      faults.push({ view, counters: new Map() });
      added.push({ ...view });
    }
    return added;
  };
  add(initial);

  return {
    list: () => faults.map((f) => ({ ...f.view })),
    add,
    clear(id) {
      if (id === undefined) return faults.splice(0).length;
      const index = faults.findIndex((f) => f.view.id === id);
      if (index < 0) return 0;
      faults.splice(index, 1);
      return 1;
    },
    decide(request) {
      let delayMs = 0;
      let answer: FaultView | undefined;
      for (const f of faults) {
        const v = f.view;
        if (!routeMatches(v.route, request.path)) continue;
        if (v.method !== undefined && v.method !== request.method) continue;
        if (v.apiKey !== undefined && v.apiKey !== request.apiKey) continue;
        const key = `${request.method} ${request.path} ${request.apiKey ?? ''}`;
        const n = f.counters.get(key) ?? 0;
        f.counters.set(key, n + 1);
        v.matched += 1;
        const rng = createRng(deriveSeed(seed, `fault:${v.id}:${key}:${n}`));
        if (!(rng.next() < v.rate)) continue;
        if (v.kind === 'latency') {
          v.fired += 1;
          delayMs += sampleLatency(v.latency ?? { dist: 'fixed', ms: 200 }, rng.next, rng.normal);
        } else if (answer === undefined) {
          v.fired += 1;
          answer = { ...v };
        }
      }
      return answer === undefined ? { delayMs } : { delayMs, answer };
    },
  };
}

function sampleLatency(spec: LatencySpec, next: () => number, normal: () => number): number {
  switch (spec.dist) {
    case 'fixed':
      return spec.ms;
    case 'uniform':
      return spec.min + (spec.max - spec.min) * next();
    case 'normal':
      return Math.max(0, spec.mean + spec.sd * normal());
  }
}

type Dialect = 'binance' | 'bybit';

export function dialectOf(path: string): Dialect {
  return path.startsWith('/v5/') ? 'bybit' : 'binance';
}

function write(res: ServerResponse, status: number, body: string, contentType: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

const JSON_TYPE = 'application/json;charset=UTF-8';
const HTML_TYPE = 'text/html';

/**
 * Writes the fault's answer. `timeout` writes nothing: the socket stays open until the client
 * gives up or the simulator closes.
 */
export function answerFault(res: ServerResponse, fault: FaultView, path: string, now: number): void {
  const dialect = dialectOf(path);
  const bybit = (retCode: number, retMsg: string): string => JSON.stringify({ retCode, retMsg, result: {}, retExtInfo: {}, time: now });
  const binance = (code: number, msg: string): string => JSON.stringify({ code, msg });
  const retryAfter = String(Math.round(fault.retryAfterSec ?? 1));
  switch (fault.kind) {
    case 'latency':
    case 'timeout':
      return;
    case '429':
      return dialect === 'bybit'
        ? write(res, 429, bybit(10006, 'Too many visits. Exceeded the API Rate Limit.'), JSON_TYPE, {
            'Retry-After': retryAfter,
            'X-Bapi-Limit-Reset-Timestamp': String(now + Number(retryAfter) * 1000),
          })
        : write(
            res,
            429,
            binance(
              -1003,
              'Too many requests; current limit of IP(127.0.0.1) is 6000 requests per minute. Please use the websocket for live updates to avoid bans.',
            ),
            JSON_TYPE,
            { 'Retry-After': retryAfter },
          );
    case '418': {
      const until = now + Number(retryAfter) * 1000;
      return dialect === 'bybit'
        ? write(res, 418, bybit(10018, 'Exceeded the IP Rate Limit.'), JSON_TYPE, { 'Retry-After': retryAfter })
        : write(
            res,
            418,
            binance(
              -1003,
              `Way too much request weight used; IP banned until ${until}. Please use the websocket for live updates to avoid bans.`,
            ),
            JSON_TYPE,
            {
              'Retry-After': retryAfter,
            },
          );
    }
    case '500':
      return dialect === 'bybit'
        ? write(res, 500, bybit(10016, 'Internal System Error.'), JSON_TYPE)
        : write(res, 500, binance(-1000, 'An unknown error occured while processing the request.'), JSON_TYPE);
    case '502':
      return write(
        res,
        502,
        '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n',
        HTML_TYPE,
      );
    case '503':
      return dialect === 'bybit'
        ? write(res, 503, '<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>', HTML_TYPE)
        : write(res, 503, binance(-1001, 'Internal error; unable to process your request. Please try again.'), JSON_TYPE);
    case 'malformed':
      // Looks like the endpoint's JSON but is not JSON at all (a trailing comma and a bare word).
      return write(
        res,
        200,
        dialect === 'bybit' ? '{"retCode":0,"retMsg":"OK","result":{"list":[,]},undefined}' : '{"symbol":"BTCUSDT","price":"68000.00",}',
        JSON_TYPE,
      );
    case 'truncated':
      // A complete HTTP answer whose JSON stops half way (as when a proxy cuts the upstream).
      return write(
        res,
        200,
        dialect === 'bybit'
          ? '{"retCode":0,"retMsg":"OK","result":{"category":"linear","list":[{"symbol":"BTCUSDT","execPri'
          : '[{"symbol":"BTCUSDT","id":28457,"orderId":10095,"price":"680',
        JSON_TYPE,
      );
    case '401':
      return dialect === 'bybit'
        ? write(res, 401, bybit(10003, 'API key is invalid.'), JSON_TYPE)
        : write(res, 401, binance(-2015, 'Invalid API-key, IP, or permissions for action.'), JSON_TYPE);
    case 'timestamp':
      return dialect === 'bybit'
        ? write(
            res,
            200,
            bybit(
              10002,
              `invalid request, please check your server timestamp or recv_window param. req_timestamp[${now - 10_000}],server_timestamp[${now}],recv_window[5000]`,
            ),
            JSON_TYPE,
          )
        : write(res, 400, binance(-1021, 'Timestamp for this request is outside of the recvWindow.'), JSON_TYPE);
  }
}
