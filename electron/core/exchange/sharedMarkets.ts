/**
 * Markets load once per exchange host and are shared by every account's ccxt client (issue 12): a
 * hundred accounts behind one host would otherwise read `exchangeInfo` a hundred times (20 weight
 * each on Binance spot) at every start. Markets are public and the same for every key, so the first
 * client to load them lends them to the others through ccxt's own `setMarkets(markets, currencies)`
 * (each client still builds its own lookup tables from them; no request is made).
 */
import type { Exchange } from 'ccxt';

interface Loaded {
  markets: Exchange['markets'];
  currencies: Exchange['currencies'];
}

export class SharedMarkets {
  #byHost = new Map<string, Promise<Loaded>>();
  #loads = 0;

  /** How many times markets were actually fetched from an exchange (the rest were shared). */
  get loads(): number {
    return this.#loads;
  }

  /**
   * Gives `client` the markets of `key`'s host, loading them through `client` if no one has yet.
   * Concurrent callers share the one load; a failed load is not kept, so the next caller tries again.
   */
  async load(client: Exchange, key: string): Promise<void> {
    let pending = this.#byHost.get(key);
    if (pending === undefined) {
      this.#loads++;
      pending = client.loadMarkets().then(() => ({ markets: client.markets, currencies: client.currencies }));
      this.#byHost.set(key, pending);
      pending.catch(() => {
        if (this.#byHost.get(key) === pending) this.#byHost.delete(key);
      });
    }
    const loaded = await pending;
    // ccxt's typings declare the second parameter as `undefined`; its code takes the currencies there.
    if (client.markets !== loaded.markets) client.setMarkets(loaded.markets, loaded.currencies as never);
  }

  /** Forgets a host's markets (the next load fetches them again, e.g. after a listing change). */
  forget(key?: string): void {
    if (key === undefined) this.#byHost.clear();
    else this.#byHost.delete(key);
  }
}

/** The one registry every session of the process shares (tests pass their own). */
export const sharedMarkets = new SharedMarkets();

/**
 * What makes two clients' markets the same: the exchange, live or sandbox, the host the requests go
 * to, and which market types are loaded (`options.fetchMarkets`). The key never includes credentials.
 */
export function marketsKey(
  account: { exchange: string; sandbox?: boolean | undefined; apiBaseUrl?: string | undefined },
  client: Exchange,
): string {
  const host = account.apiBaseUrl === undefined ? 'default' : new URL(account.apiBaseUrl).origin;
  const fetchMarkets = (client.options as Record<string, unknown>)['fetchMarkets'] as { types?: unknown } | undefined;
  // The same types in another order are the same markets.
  const types = Array.isArray(fetchMarkets?.types)
    ? [...(fetchMarkets.types as unknown[])].map(String).sort().join(',')
    : JSON.stringify(fetchMarkets ?? null);
  return `${account.exchange}|${account.sandbox === true ? 'sandbox' : 'live'}|${host}|${types}`;
}
