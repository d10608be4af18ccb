/**
 * Binance's request-parameter rules, shared by the spot and USDⓈ-M dialects: an empty value counts
 * as missing, numbers must match Binance's decimal grammar, and query then body are read as one set
 * in which a repeated name is an error (-1101), as on the real exchange.
 */

import { parseDecimal } from './decimal.ts';
import { BinanceError, errors } from './errors.ts';

export type Params = Readonly<Record<string, string>>;

/** Binance treats an empty value as a missing one. */
export function optString(params: Params, name: string): string | undefined {
  const value = params[name];
  return value === undefined || value === '' ? undefined : value;
}

export function reqString(params: Params, name: string): string {
  const value = optString(params, name);
  if (value === undefined) throw errors.mandatory(name);
  return value;
}

export function optDecimal(params: Params, name: string): number | undefined {
  const text = optString(params, name);
  if (text === undefined) return undefined;
  const value = parseDecimal(text);
  if (value === undefined) throw errors.illegalChars(name);
  return value;
}

export function optInt(params: Params, name: string): number | undefined {
  const text = optString(params, name);
  if (text === undefined) return undefined;
  if (!/^[0-9]{1,20}$/.test(text)) throw errors.illegalChars(name);
  return Number(text);
}

export function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], error: () => BinanceError): T | undefined {
  if (value === undefined) return undefined;
  const found = allowed.find((a) => a === value);
  if (found === undefined) throw error();
  return found;
}

export function optionalInts<K extends string>(params: Params, names: readonly K[]): Partial<Record<K, number>> {
  const out: Partial<Record<K, number>> = {};
  for (const name of names) {
    const value = optInt(params, name);
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/** Query then body, as Binance reads them; the same name in both is -1101 there too. */
export function readParams(rawQuery: string, rawBody: string): Record<string, string> {
  const params: Record<string, string> = {};
  for (const raw of [rawQuery, rawBody]) {
    for (const [key, value] of new URLSearchParams(raw)) {
      if (key in params) throw new BinanceError(400, -1101, 'Duplicate values for a parameter detected.');
      params[key] = value;
    }
  }
  return params;
}

/** The fields that have a value: optional request fields pass on as absent, not as `undefined`. */
export function present<T extends Record<string, unknown>>(fields: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> };
}

/** Which order a query or cancel names: `orderId` and/or `origClientOrderId` (both dialects of Binance). */
export function orderRefOf(params: Params): { orderId?: number; origClientOrderId?: string } {
  return present({ orderId: optInt(params, 'orderId'), origClientOrderId: optString(params, 'origClientOrderId') });
}
