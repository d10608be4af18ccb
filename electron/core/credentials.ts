/** How an account's keys are found: inline (loopback accounts only) or, through the vault, by name. */
import type { Credentials } from './exchange/ccxtSession.ts';
import type { AccountConfig } from './workspace/workspace.ts';

/** Resolves an account's keys; returns an error string when they cannot be had (e.g. a locked vault). */
export type CredentialResolver = (account: AccountConfig) => Credentials | null | { error: string };

export function inlineCredentials(account: AccountConfig): Credentials | null | { error: string } {
  const c = account.credentials;
  if (!c) return null;
  if ('vault' in c) return { error: `account "${account.id}" keeps its keys in the vault entry "${c.vault}", and the vault is locked` };
  return { apiKey: c.apiKey, secret: c.secret, ...(c.password !== undefined ? { password: c.password } : {}) };
}
