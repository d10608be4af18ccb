/**
 * Loads only the ccxt exchanges a workspace uses. `import 'ccxt'` evaluates all ~110 exchange classes
 * (~100 MB of RSS, measured); one exchange module and ccxt's base cost a fraction of that. Classes
 * load from ccxt's own files next to its entry point, so error classes are the very ones the
 * exchanges throw (`instanceof` holds).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Exchange } from 'ccxt';

export type ExchangeClass = new (config: object) => Exchange;

const srcDir = new URL('./src/', import.meta.resolve('ccxt'));

/** ccxt's error classes (ExchangeError, AuthenticationError, NetworkError, …). */
export const ccxtErrors = (await import(new URL('./base/errors.js', srcDir).href)) as Record<string, new (...args: never[]) => Error>;

const loaded = new Map<string, ExchangeClass>();

/** True for a ccxt exchange id whose module exists (ids are lower-case letters and digits). */
export function isCcxtExchange(id: string): boolean {
  return /^[a-z][a-z0-9]{1,40}$/.test(id) && existsSync(fileURLToPath(new URL(`./${id}.js`, srcDir)));
}

/** Loads the given exchanges' classes (once); call before creating sessions for them. */
export async function preloadExchanges(ids: Iterable<string>): Promise<void> {
  for (const id of new Set(ids)) {
    if (loaded.has(id) || !isCcxtExchange(id)) continue;
    const mod = (await import(new URL(`./${id}.js`, srcDir).href)) as { default: ExchangeClass };
    loaded.set(id, mod.default);
  }
}

const proDir = new URL('./pro/', srcDir);
const proClasses = new Map<string, Promise<ExchangeClass>>();

/** An exchange's ccxt.pro (WebSocket) class, loaded once on first use: the private and the public streams share it. */
export function proExchangeClass(id: string): Promise<ExchangeClass> {
  let cls = proClasses.get(id);
  if (cls === undefined) {
    cls = isCcxtExchange(id)
      ? import(new URL(`./${id}.js`, proDir).href).then((m: { default: ExchangeClass }) => m.default)
      : Promise.reject(new Error(`unknown exchange "${id}"`));
    proClasses.set(id, cls);
  }
  return cls;
}

/** The class of a preloaded exchange, or undefined. */
export function exchangeClass(id: string): ExchangeClass | undefined {
  return loaded.get(id);
}

// The dialects the simulator speaks and most traders use are always ready; others load on demand.
await preloadExchanges(['binance', 'bybit', 'okx']);

/** Every exchange id ccxt ships (one module per exchange), without loading any of them. */
export async function listExchanges(): Promise<string[]> {
  const { readdir } = await import('node:fs/promises');
  const files = await readdir(fileURLToPath(srcDir));
  return files
    .filter((f) => f.endsWith('.js'))
    .map((f) => f.slice(0, -3))
    .filter((id) => isCcxtExchange(id))
    .sort();
}
