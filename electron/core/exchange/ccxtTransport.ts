/**
 * Hooks into one ccxt client's request path (ccxt 4.5.84, base/Exchange.js), so that every request of
 * every session draws from the shared host budget and every failed response keeps its own status and
 * headers:
 *
 * - `fetch2(path, api, method, params, headers, body, config)` is where ccxt computes an endpoint's
 *   cost and calls its per-client `throttle(cost)` — before `sign()`, so a wait here never ages a
 *   signed timestamp (Binance rejects requests older than `recvWindow`). The wrapper takes the cost
 *   from `calculateRateLimiterCost` (binance.js overrides it for `noSymbol`/`byLimit` costs), resolves
 *   the host from `urls.api[api]` as `sign()` will, and waits on the shared budget there. The client's
 *   `enableRateLimit` is off so ccxt's own fetch2 does not throttle a second time; for exchanges whose
 *   limits are per account (Bybit, OKX) the wrapper still calls the client's own `throttle(cost)`.
 * - `fetch(url, …)` sees the URL actually used; if it is not the host the budget was drawn from (an
 *   exchange whose `sign()` picks another base URL), the weight is charged where it really went.
 * - `handleRestResponse(response, url, …)` sees the status and headers of every response before ccxt
 *   maps errors: the budget is reconciled from them, and any error ccxt throws for that response is
 *   tagged with them. `client.last_response_headers` is not used: it is shared by the client's
 *   concurrent requests and keeps the previous response's headers after a timeout.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Exchange } from 'ccxt';
import { requestWeight, type BudgetTarget, type RequestPriority, type WeightBudgetRegistry } from './weightBudget.ts';

/** What one session call carries down to its requests. */
export interface CallScope {
  /** Absolute deadline of the session call, in the budget registry's time; null = none. */
  deadline: number | null;
  /** `control`: placing or cancelling an order (or confirming one); never queued behind reads. Default `read`. */
  priority?: RequestPriority;
}

/** The status and headers of the response an error came from. */
export interface ResponseMeta {
  status: number;
  headers: Record<string, string>;
  url: string;
}

const callScope = new AsyncLocalStorage<CallScope>();
const requestScope = new AsyncLocalStorage<RequestCharge>();
const responseMeta = new WeakMap<object, ResponseMeta>();

interface RequestCharge {
  target: BudgetTarget;
  /** The base URL the target was resolved from: a request URL under it goes to the same budget. */
  base: string;
  /** ccxt's declared cost of the endpoint. */
  cost: number;
  issuedAt: number;
}

/** Runs `fn` (one attempt of a session call) so that its requests know the call's deadline. */
export function runInCallScope<T>(scope: CallScope, fn: () => Promise<T>): Promise<T> {
  return callScope.run(scope, fn);
}

/** The response an error was raised for, when ccxt raised it while handling one. */
export function responseMetaOf(error: unknown): ResponseMeta | null {
  return error !== null && typeof error === 'object' ? (responseMeta.get(error) ?? null) : null;
}

type Fetch2 = (
  path: unknown,
  api?: unknown,
  method?: string,
  params?: Record<string, unknown>,
  headers?: unknown,
  body?: unknown,
  config?: Record<string, unknown>,
) => Promise<unknown>;
type Fetch = (url: string, method?: string, headers?: unknown, body?: unknown) => Promise<unknown>;
type HandleRestResponse = (
  response: { status: number },
  url: string,
  method?: string,
  requestHeaders?: unknown,
  requestBody?: unknown,
) => unknown;

export interface InstrumentOptions {
  exchangeId: string;
  budgets: WeightBudgetRegistry;
  /** Keep ccxt's per-client leaky bucket too (limits per account/UID rather than per IP). */
  isClientThrottled: boolean;
}

/** Installs the hooks on `client` (once). */
export function instrumentClient(client: Exchange, options: InstrumentOptions): void {
  const { exchangeId, budgets, isClientThrottled } = options;
  const originalFetch2 = client.fetch2.bind(client) as Fetch2;
  const originalFetch = client.fetch.bind(client) as Fetch;
  const originalHandle = client.handleRestResponse.bind(client) as HandleRestResponse;
  client.enableRateLimit = false;
  const bucket = isClientThrottled ? new ClientBucket(Number(client.rateLimit) || 1) : null;
  // Base URL → its budget: a client has a handful of bases, and two URL parses per request showed in the
  // profile of 100 accounts (~1.7 ms of a round's ~45 ms).
  const targets = new Map<string, BudgetTarget>();

  const wrappedFetch2: Fetch2 = async (path, api = 'public', method = 'GET', params = {}, headers, body, config = {}) => {
    const cost = Number(client.calculateRateLimiterCost(api, method, path, params, config));
    if (bucket !== null) await bucket.take(cost);
    const base = predictBaseUrl(client, api);
    let target = targets.get(base);
    if (target === undefined) targets.set(base, (target = budgets.target(exchangeId, base)));
    const weight = requestWeight(target.policy, cost);
    const scope = callScope.getStore();
    await budgets.acquire(target, weight, scope?.deadline ?? null, scope?.priority ?? 'read');
    const charge: RequestCharge = { target, base, cost, issuedAt: budgets.now() };
    return requestScope.run(charge, () => originalFetch2(path, api, method, params, headers, body, config));
  };

  const wrappedFetch: Fetch = (url, method, headers, body) => {
    const charge = requestScope.getStore();
    // A URL under the predicted base (same origin, same first path segment: the pool) draws from its budget.
    if (charge && !(url.startsWith(charge.base) && '/?#'.includes(url.charAt(charge.base.length) || '/'))) {
      const actual = budgets.target(exchangeId, url);
      if (actual.key !== charge.target.key) {
        // Charge where the request really goes (it is already signed: no waiting now); the predicted
        // pool keeps its small overcount.
        budgets.charge(actual, requestWeight(actual.policy, charge.cost));
        charge.target = actual;
      }
    }
    return originalFetch(url, method, headers, body);
  };

  const wrappedHandle: HandleRestResponse = (response, url, method, requestHeaders, requestBody) => {
    const headers = client.getResponseHeaders(response) as Record<string, string>;
    const meta: ResponseMeta = { status: response.status, headers, url };
    const charge = requestScope.getStore();
    budgets.observe(charge?.target ?? budgets.target(exchangeId, url), response.status, headers, charge?.issuedAt ?? budgets.now());
    let result: unknown;
    try {
      result = originalHandle(response, url, method, requestHeaders, requestBody);
    } catch (error) {
      tag(error, meta);
      throw error;
    }
    return Promise.resolve(result).catch((error: unknown) => {
      tag(error, meta);
      throw error;
    });
  };

  Object.assign(client, { fetch2: wrappedFetch2, fetch: wrappedFetch, handleRestResponse: wrappedHandle });
}

/**
 * The per-account leaky bucket of an exchange whose limits are per account (Bybit, OKX): ccxt's own
 * (base/functions/throttle.js), with the time a client sat idle counted. ccxt's loop restarts its
 * refill clock each time it wakes from idle (ccxt issue #25556), so the tokens a pause should have
 * refilled are lost and every request after one waits as if sent back to back: ~100 ms on each Bybit
 * read (a ticker costs 5 × 20 ms), an order's cancel included. Same parameters as ccxt's: refill one
 * token per `rateLimitMs`, capacity 1, a request goes when the tokens are not negative and takes its
 * cost; requests go in the order they asked.
 */
export class ClientBucket {
  readonly rateLimitMs: number;
  #tokens = 0;
  #at: number;
  #queue: Promise<void> = Promise.resolve();
  readonly #now: () => number;
  readonly #sleep: (ms: number) => Promise<void>;

  constructor(
    rateLimitMs: number,
    now: () => number = () => performance.now(),
    sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  ) {
    this.rateLimitMs = rateLimitMs;
    this.#now = now;
    this.#sleep = sleep;
    this.#at = now();
  }

  /** Resolves when a request of `cost` may go. */
  take(cost: number): Promise<void> {
    const turn = this.#queue.then(() => this.#wait(cost));
    this.#queue = turn;
    return turn;
  }

  async #wait(cost: number): Promise<void> {
    for (;;) {
      const t = this.#now();
      this.#tokens = Math.min(1, this.#tokens + (t - this.#at) / this.rateLimitMs);
      this.#at = t;
      if (this.#tokens >= 0) {
        this.#tokens -= cost;
        return;
      }
      await this.#sleep(Math.max(1, -this.#tokens * this.rateLimitMs));
    }
  }
}

function tag(error: unknown, meta: ResponseMeta): void {
  if (error !== null && typeof error === 'object') responseMeta.set(error, meta);
}

/** The base URL `sign()` will use for `api`: `urls.api[api]` (Binance, Bybit), else `urls.api.rest` (OKX), else the first one. */
function predictBaseUrl(client: Exchange, api: unknown): string {
  const section = (client.urls as Record<string, unknown>).api;
  const name = Array.isArray(api) ? api[0] : api;
  let base: string | undefined;
  if (typeof section === 'string') base = section;
  else if (section !== null && typeof section === 'object') {
    const table = section as Record<string, unknown>;
    const direct = typeof name === 'string' ? table[name] : undefined;
    base = typeof direct === 'string' ? direct : typeof table.rest === 'string' ? table.rest : firstUrl(table);
  }
  if (base === undefined) return 'http://unknown.invalid/';
  return client.implodeHostname(base);
}

function firstUrl(node: Record<string, unknown>): string | undefined {
  for (const value of Object.values(node)) {
    if (typeof value === 'string' && /^https?:\/\//.test(value)) return value;
    if (value !== null && typeof value === 'object') {
      const found = firstUrl(value as Record<string, unknown>);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}
