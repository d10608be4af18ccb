/**
 * Request-weight budgets shared by every ccxt session in the process, one per exchange host (and, on
 * Binance, per weight pool on that host). ccxt's own throttler lives on each client object, so fifty
 * instances on one exchange would each believe they own the IP's whole limit; this module is the one
 * place that knows what the IP has spent.
 *
 * The model is the exchange's own: a fixed window aligned to the epoch (Binance counts weight per
 * clock minute) with a weight limit. A burst that fits the window goes out at once — nothing is spaced
 * or serialised; only when the window is spent do requests queue (FIFO) for the next one, and a
 * request whose wait would pass its call's deadline fails at once with `rate_limit` and the wait as
 * `retryAfterMs`, so sync backs off instead of hanging. What the exchange reports back
 * (`X-MBX-USED-WEIGHT-1M`, 429 + `Retry-After`, a 418 ban) corrects the local count for every session.
 *
 * Control traffic first: a share of every window (`CONTROL_RESERVE`) is kept for requests that place or
 * cancel orders. Reads wait when only that share is left, and control requests queue apart, ahead of
 * every read — a burst of syncs and dry-run rebalances can never hold a cancel back.
 */
import { ExchangeError } from './types.ts';

export interface BudgetPolicy {
  /** Length of the exchange's counting window, ms. Windows are aligned to the epoch (clock minutes for 60 000). */
  windowMs: number;
  /** Weight the exchange allows one IP per window, in the exchange's own weight units. */
  limit: number;
  /**
   * Exchange weight per unit of the `cost` ccxt declares for the endpoint (binance.js scales weights so
   * that its per-client leaky bucket fits the pool: spot `/api` weight = cost × 5, `/sapi` = cost × 10,
   * `/fapi` = cost × 1). 0 = every request weighs 1, whatever ccxt's cost (request-count limits).
   */
  weightPerCost: number;
  /** Lower-case response header carrying the weight the exchange has counted in the current window, if it sends one. */
  usedWeightHeader: string | null;
}

/** Where one request's weight is drawn from: the scheme+host actually called and the exchange's pool on it. */
export interface BudgetTarget {
  /** `origin|pool`: the registry key. */
  key: string;
  /** Scheme + host (+ port) of the API URL. */
  origin: string;
  /** The exchange's limit family on that host (Binance: `api`, `sapi`, `fapi`, `dapi`, `papi`, `eapi`; others: `ip`). */
  pool: string;
  policy: BudgetPolicy;
}

/** Time as the budget sees it; tests pass a virtual clock so no test waits for a real minute. */
export interface BudgetTiming {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export type BudgetResolver = (exchangeId: string, url: URL) => BudgetTarget;

/** `control`: placing, cancelling or confirming an order; `read`: everything else (syncs, quotes, markets). */
export type RequestPriority = 'control' | 'read';

/** Share of each window only control requests may spend. */
export const CONTROL_RESERVE = 0.2;

const MINUTE = 60_000;

/**
 * Binance's published IP limits per pool (exchangeInfo `rateLimits`, REQUEST_WEIGHT per minute) and
 * the factor from ccxt's declared cost to Binance weight (comments in ccxt 4.5.84 binance.js:
 * "1 IP (api) => cost = 0.2", "1 IP (sapi) => cost = 0.1"; fapi/dapi costs are the weights).
 */
const BINANCE_POOLS: Record<string, BudgetPolicy> = {
  api: { windowMs: MINUTE, limit: 6000, weightPerCost: 5, usedWeightHeader: 'x-mbx-used-weight-1m' },
  sapi: { windowMs: MINUTE, limit: 12_000, weightPerCost: 10, usedWeightHeader: 'x-sapi-used-ip-weight-1m' },
  fapi: { windowMs: MINUTE, limit: 2400, weightPerCost: 1, usedWeightHeader: 'x-mbx-used-weight-1m' },
  dapi: { windowMs: MINUTE, limit: 2400, weightPerCost: 1, usedWeightHeader: 'x-mbx-used-weight-1m' },
  papi: { windowMs: MINUTE, limit: 6000, weightPerCost: 5, usedWeightHeader: 'x-mbx-used-weight-1m' },
  eapi: { windowMs: MINUTE, limit: 400, weightPerCost: 1, usedWeightHeader: 'x-mbx-used-weight-1m' },
};

/**
 * Bybit limits per UID per endpoint (10–20 req/s), which ccxt's per-client bucket approximates (one
 * client per account), plus an IP-wide cap of 600 requests per 5 s window across all endpoints: that
 * cap is the one that needs sharing, as a plain request count.
 */
const BYBIT_POLICY: BudgetPolicy = { windowMs: 5000, limit: 600, weightPerCost: 0, usedWeightHeader: null };

/**
 * OKX (and any exchange without a known IP-wide limit): limits are per endpoint per UID, left to ccxt's
 * per-client bucket; the host budget is a coarse guard against a runaway loop across many instances.
 */
const DEFAULT_POLICY: BudgetPolicy = { windowMs: 2000, limit: 300, weightPerCost: 0, usedWeightHeader: null };

/** The budget a request to `url` on `exchangeId` draws from. */
export function defaultBudgetTarget(exchangeId: string, url: URL): BudgetTarget {
  const origin = url.origin;
  let pool = 'ip';
  let policy = exchangeId.startsWith('bybit') ? BYBIT_POLICY : DEFAULT_POLICY;
  if (exchangeId.startsWith('binance')) {
    pool = binancePool(url);
    policy = BINANCE_POOLS[pool] ?? (BINANCE_POOLS.api as BudgetPolicy);
  }
  return { key: `${origin}|${pool}`, origin, pool, policy };
}

function binancePool(url: URL): string {
  const first = url.pathname.split('/').find((part) => part.length > 0) ?? 'api';
  if (first in BINANCE_POOLS) return first;
  // `futures/data` lives on both fapi.* and dapi.*; the host says which.
  if (url.hostname.startsWith('dapi.')) return 'dapi';
  return first === 'futures' ? 'fapi' : 'api';
}

/** The exchange weight of one request given ccxt's declared cost for its endpoint. */
export function requestWeight(policy: BudgetPolicy, ccxtCost: number): number {
  if (policy.weightPerCost === 0) return 1;
  const cost = Number.isFinite(ccxtCost) && ccxtCost > 0 ? ccxtCost : 1;
  // ccxt's costs are weights scaled by a decimal (0.2, 0.1): round away the float noise.
  return Math.max(1, Math.round(cost * policy.weightPerCost * 1000) / 1000);
}

/** `Retry-After` in ms: delta-seconds or an HTTP date; null when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: number): number | null {
  if (value === undefined) return null;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const at = Date.parse(text);
  return Number.isFinite(at) ? Math.max(0, at - now) : null;
}

/** A response header, whatever case ccxt or the server gave its name (ccxt capitalises: `X-Mbx-Used-Weight-1m`). */
export function headerValue(headers: Record<string, unknown> | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === wanted) return Array.isArray(value) ? String(value[0]) : String(value);
  }
  return undefined;
}

/** A ban (HTTP 418) without Retry-After: Binance's shortest ban is 2 minutes. */
const DEFAULT_BAN_MS = 120_000;

interface Waiter {
  weight: number;
  deadline: number | null;
  resolve: () => void;
  reject: (error: ExchangeError) => void;
}

export interface BudgetSnapshot {
  key: string;
  windowStart: number;
  used: number;
  limit: number;
  blockedUntil: number;
  queued: number;
}

/** One host pool's fixed-window budget. */
class WindowBudget {
  readonly target: BudgetTarget;
  #timing: BudgetTiming;
  #windowStart = Number.NEGATIVE_INFINITY;
  #used = 0;
  #blockedUntil = 0;
  #queue: Waiter[] = [];
  /** Control requests waiting (a ban, or a window spent to the last unit): served before any read. */
  #controlQueue: Waiter[] = [];
  #pumpAt: number | null = null;
  #pumpToken = 0;

  constructor(target: BudgetTarget, timing: BudgetTiming) {
    this.target = target;
    this.#timing = timing;
  }

  /** Resolves when `weight` may be spent; rejects with `rate_limit` at once when the wait would pass `deadline`. */
  acquire(weight: number, deadline: number | null, priority: RequestPriority = 'read'): Promise<void> {
    const now = this.#timing.now();
    const isControl = priority === 'control';
    // A control request passes every queued read; a read waits behind everything queued.
    const isClear = this.#controlQueue.length === 0 && (isControl || this.#queue.length === 0);
    if (isClear && this.#tryTake(weight, now, this.#cap(priority))) return Promise.resolve();
    const wait = this.#estimateWait(weight, now, priority);
    if (deadline !== null && now + wait > deadline) return Promise.reject(this.#exhausted(wait, now));
    return new Promise<void>((resolve, reject) => {
      (isControl ? this.#controlQueue : this.#queue).push({ weight, deadline, resolve, reject });
      this.#schedule(now);
    });
  }

  /** What one priority may fill a window up to: reads leave the control reserve alone. */
  #cap(priority: RequestPriority): number {
    const { limit } = this.target.policy;
    return priority === 'control' ? limit : Math.max(1, limit - Math.floor(limit * CONTROL_RESERVE));
  }

  /** Counts weight already spent (a request that went out without waiting). */
  charge(weight: number): void {
    this.#roll(this.#timing.now());
    this.#used += weight;
  }

  /** Folds what the exchange said about this pool into the local count. `issuedAt` is when the request left. */
  observe(status: number, headers: Record<string, unknown> | undefined, issuedAt: number): void {
    const now = this.#timing.now();
    const { policy } = this.target;
    this.#roll(now);
    if (policy.usedWeightHeader !== null) {
      const reported = Number(headerValue(headers, policy.usedWeightHeader));
      // The header counts the server's current window; a response to a request sent in an earlier local
      // window may describe that one, so it only corrects the window it was sent in.
      if (Number.isFinite(reported) && reported >= 0 && this.#windowOf(issuedAt) === this.#windowStart) {
        this.#used = Math.max(this.#used, reported);
      }
    }
    const retryAfter = parseRetryAfter(headerValue(headers, 'retry-after'), now);
    if (status === 418) {
      this.#blockedUntil = Math.max(this.#blockedUntil, now + (retryAfter ?? DEFAULT_BAN_MS));
    } else if (status === 429) {
      // Without Retry-After, paused for the rest of the window: a pause the exchange asked for, not a count.
      this.#blockedUntil = Math.max(this.#blockedUntil, retryAfter !== null ? now + retryAfter : this.#windowStart + policy.windowMs);
    }
    if (this.#queue.length + this.#controlQueue.length > 0) this.#schedule(now);
  }

  snapshot(): BudgetSnapshot {
    this.#roll(this.#timing.now());
    return {
      key: this.target.key,
      windowStart: this.#windowStart,
      used: this.#used,
      limit: this.target.policy.limit,
      blockedUntil: this.#blockedUntil,
      queued: this.#queue.length + this.#controlQueue.length,
    };
  }

  #windowOf(t: number): number {
    const w = this.target.policy.windowMs;
    return Math.floor(t / w) * w;
  }

  #roll(now: number): void {
    const start = this.#windowOf(now);
    if (start !== this.#windowStart) {
      this.#windowStart = start;
      this.#used = 0;
    }
  }

  #tryTake(weight: number, now: number, cap: number): boolean {
    if (now < this.#blockedUntil) return false;
    this.#roll(now);
    // An empty window admits even a request heavier than the limit, or it would never go out.
    if (this.#used + weight <= cap || this.#used === 0) {
      this.#used += weight;
      return true;
    }
    return false;
  }

  /** When this request could go: after a ban, else at the next window, plus whole windows for the queue ahead. */
  #estimateWait(weight: number, now: number, priority: RequestPriority): number {
    const { windowMs } = this.target.policy;
    const limit = this.#cap(priority);
    const queues = priority === 'control' ? [this.#controlQueue] : [this.#controlQueue, this.#queue];
    // A request heavier than the cap still goes alone in an empty window: it takes one window, not several.
    const ahead = queues.flat().reduce((sum, w) => sum + Math.min(w.weight, limit), 0);
    const extraWindows = Math.max(0, Math.ceil((ahead + Math.min(weight, limit)) / limit) - 1);
    const start = now < this.#blockedUntil ? this.#blockedUntil : this.#windowOf(now) + windowMs;
    return start - now + extraWindows * windowMs;
  }

  #exhausted(wait: number, now: number): ExchangeError {
    const { key, policy } = this.target;
    const why =
      now < this.#blockedUntil
        ? 'the exchange asked this host to pause (429/418)'
        : `the request weight budget is spent (${this.#used}/${policy.limit} per ${policy.windowMs / 1000}s)`;
    // Held back by this budget's own count; a pause the exchange asked for (429/418) is the exchange's limit.
    return new ExchangeError(
      'rate_limit',
      `${key}: ${why}; next slot in ${Math.ceil(wait / 1000)}s, past this call's deadline`,
      Math.ceil(wait),
      {
        isHeldBack: now >= this.#blockedUntil,
      },
    );
  }

  #schedule(now: number): void {
    const at = now < this.#blockedUntil ? this.#blockedUntil : this.#windowOf(now) + this.target.policy.windowMs;
    if (this.#pumpAt !== null && this.#pumpAt <= at) return;
    this.#pumpAt = at;
    const token = ++this.#pumpToken;
    this.#timing.sleep(Math.max(1, at - now)).then(
      () => {
        if (token !== this.#pumpToken) return;
        this.#pumpAt = null;
        this.#pump();
      },
      () => undefined,
    );
  }

  #pump(): void {
    const now = this.#timing.now();
    this.#drain(this.#controlQueue, now, 'control');
    if (this.#controlQueue.length === 0) this.#drain(this.#queue, now, 'read');
    if (this.#queue.length + this.#controlQueue.length > 0) this.#schedule(now);
  }

  #drain(queue: Waiter[], now: number, priority: RequestPriority): void {
    while (queue.length > 0) {
      const head = queue[0] as Waiter;
      if (head.deadline !== null && now > head.deadline) {
        queue.shift();
        head.reject(this.#exhausted(0, now));
        continue;
      }
      if (!this.#tryTake(head.weight, now, this.#cap(priority))) break;
      queue.shift();
      head.resolve();
    }
  }
}

const realTiming: BudgetTiming = {
  now: () => Date.now(),
  sleep: (ms) =>
    new Promise<void>((resolve) => {
      // A queued request must not keep a finished CLI or test process alive.
      setTimeout(resolve, ms).unref?.();
    }),
};

/** The budgets of every host the process talks to. Sessions share one registry; tests make their own. */
export class WeightBudgetRegistry {
  #budgets = new Map<string, WindowBudget>();
  #timing: BudgetTiming;
  #resolve: BudgetResolver;

  constructor(options: { timing?: BudgetTiming; resolve?: BudgetResolver } = {}) {
    this.#timing = options.timing ?? realTiming;
    this.#resolve = options.resolve ?? defaultBudgetTarget;
  }

  now(): number {
    return this.#timing.now();
  }

  /** The budget a request to `url` draws from; `url` may be a base URL (its path still names the pool). */
  target(exchangeId: string, url: string): BudgetTarget {
    return this.#resolve(exchangeId, new URL(url));
  }

  /**
   * Waits until `weight` may be spent on `target`; rejects with `rate_limit` (and the wait) when that
   * would pass `deadline`. `control` requests may spend the reserve and go ahead of queued reads.
   */
  acquire(target: BudgetTarget, weight: number, deadline: number | null, priority: RequestPriority = 'read'): Promise<void> {
    return this.#budget(target).acquire(weight, deadline, priority);
  }

  /** Counts weight spent on `target` without waiting for it. */
  charge(target: BudgetTarget, weight: number): void {
    this.#budget(target).charge(weight);
  }

  /** Folds a response's status and headers into the target's budget. */
  observe(target: BudgetTarget, status: number, headers: Record<string, unknown> | undefined, issuedAt: number): void {
    this.#budget(target).observe(status, headers, issuedAt);
  }

  snapshot(key: string): BudgetSnapshot | null {
    return this.#budgets.get(key)?.snapshot() ?? null;
  }

  /** Every budget a request drew from so far, with its target: the window shows each host's weight in use. */
  all(): { target: BudgetTarget; snapshot: BudgetSnapshot }[] {
    return [...this.#budgets.values()].map((budget) => ({ target: budget.target, snapshot: budget.snapshot() }));
  }

  #budget(target: BudgetTarget): WindowBudget {
    let budget = this.#budgets.get(target.key);
    if (!budget) {
      budget = new WindowBudget(target, this.#timing);
      this.#budgets.set(target.key, budget);
    }
    return budget;
  }
}

/** The process-wide registry every session uses unless given another. */
export const sharedBudgets = new WeightBudgetRegistry();
