/**
 * Account balances as Binance spot keeps them: per asset, `free` (spendable) and `locked` (held by
 * open orders). Every mutation snaps to 8 decimals so repeated fills never drift.
 */

import { round8 } from './decimal.ts';

export type SimDialect = 'binance' | 'bybit';

export interface SimAccountSpec {
  apiKey: string;
  secret: string;
  /** Spot balances by asset. */
  balances?: Record<string, number>;
  /** USDⓈ-M futures wallet, USDT (Binance's separate futures wallet). Default 0. */
  futuresUsdt?: number;
  /**
   * Which REST dialect the key works with. Default 'binance' (spot `/api/v3` and USDⓈ-M `/fapi`);
   * 'bybit' keys work only on `/v5` (Bybit's unified account shows spot and futures wallets as one).
   * A key used with the other dialect is an unknown key there (-2015 / 10003).
   */
  dialect?: SimDialect;
}

export interface Balance {
  free: number;
  locked: number;
}

export interface Account {
  readonly apiKey: string;
  readonly secret: string;
  readonly balances: Map<string, Balance>;
  readonly dialect: SimDialect;
  /** Moment the balances last changed, for the account endpoint's `updateTime`. */
  updateTime: number;
}

export function createAccount(spec: SimAccountSpec, now: number): Account {
  const balances = new Map<string, Balance>();
  for (const [asset, amount] of Object.entries(spec.balances ?? {})) {
    if (!Number.isFinite(amount) || amount < 0) throw new Error(`balance for ${asset} must be a non-negative number`);
    balances.set(asset, { free: round8(amount), locked: 0 });
  }
  return { apiKey: spec.apiKey, secret: spec.secret, balances, dialect: spec.dialect ?? 'binance', updateTime: now };
}

function balanceOf(account: Account, asset: string): Balance {
  let balance = account.balances.get(asset);
  if (balance === undefined) {
    balance = { free: 0, locked: 0 };
    account.balances.set(asset, balance);
  }
  return balance;
}

export function freeOf(account: Account, asset: string): number {
  return account.balances.get(asset)?.free ?? 0;
}

/** Moves `amount` from free to locked; false (and no change) when free is short. */
export function lock(account: Account, asset: string, amount: number): boolean {
  const balance = balanceOf(account, asset);
  if (round8(balance.free - amount) < 0) return false;
  balance.free = round8(balance.free - amount);
  balance.locked = round8(balance.locked + amount);
  return true;
}

export function unlock(account: Account, asset: string, amount: number): void {
  const balance = balanceOf(account, asset);
  balance.locked = round8(Math.max(0, balance.locked - amount));
  balance.free = round8(balance.free + amount);
}

/** Removes `amount` from locked (the order's hold is spent on a fill). */
export function spendLocked(account: Account, asset: string, amount: number): void {
  const balance = balanceOf(account, asset);
  balance.locked = round8(Math.max(0, balance.locked - amount));
}

/** Adds (or with a negative amount removes) free balance. */
export function credit(account: Account, asset: string, amount: number): void {
  const balance = balanceOf(account, asset);
  balance.free = round8(balance.free + amount);
}
