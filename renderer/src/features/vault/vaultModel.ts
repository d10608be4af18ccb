/**
 * What the accounts-and-keys view shows, as pure functions of `vault/status` and `account/test`.
 * The window never holds a key: the host sends masked keys only, and `displayKey` masks again in
 * case a host ever sent more (a bug there must not put a full key on screen).
 */
import type { AccountTest, VaultStatus } from '../../../../shared/model.ts';

/** The vault's own rule (contract: vault/create and vault/changePassword). */
export const MIN_PASSWORD_LENGTH = 8;

const MASK = '\u2022\u2022\u2022\u2022';

/**
 * Shows a key as the host masked it (`••••ab12`). Anything that does not start with the mask is
 * treated as a full key and reduced to its last four characters (only the mask when it is short).
 */
export function displayKey(apiKey: string): string {
  if (apiKey.startsWith(MASK)) {
    const tail = [...apiKey.slice(MASK.length)];
    return tail.length <= 4 ? apiKey : `${MASK}${tail.slice(-4).join('')}`;
  }
  const chars = [...apiKey];
  return chars.length >= 12 ? `${MASK}${chars.slice(-4).join('')}` : MASK;
}

/** Why a new password cannot be used, or null. Checked before anything is sent. */
export function checkNewPassword(password: string, repeat: string): string | null {
  if (password.length < MIN_PASSWORD_LENGTH) return `The password needs at least ${MIN_PASSWORD_LENGTH} characters.`;
  if (password !== repeat) return 'The two passwords differ.';
  return null;
}

export type VaultState = 'none' | 'locked' | 'unlocked';

export function vaultState(status: VaultStatus): VaultState {
  if (!status.exists) return 'none';
  return status.isLocked ? 'locked' : 'unlocked';
}

/**
 * Where an account's key comes from, as far as the window can tell:
 * workspace — inline in the workspace file (loopback only) or none: the vault is not involved;
 * locked — a vault entry, but the vault is locked (or not created) so it cannot be read;
 * missing — a vault entry that the unlocked vault does not have;
 * ready — a vault entry that is there.
 */
export type KeySource = 'workspace' | 'locked' | 'missing' | 'ready';

export interface AccountRow {
  id: string;
  exchange: string;
  vaultEntry: string | null;
  isConnected: boolean;
  keySource: KeySource;
}

export function accountRows(status: VaultStatus): AccountRow[] {
  const names = new Set(status.entries.map((e) => e.name));
  return status.accounts.map((a) => {
    const keySource: KeySource =
      a.vaultEntry === null ? 'workspace' : !status.exists || status.isLocked ? 'locked' : names.has(a.vaultEntry) ? 'ready' : 'missing';
    return { id: a.id, exchange: a.exchange, vaultEntry: a.vaultEntry, isConnected: a.isConnected, keySource };
  });
}

/** Account ids that name this vault entry, in workspace order. */
export function usersOfEntry(status: VaultStatus, name: string): string[] {
  return status.accounts.filter((a) => a.vaultEntry === name).map((a) => a.id);
}

/** Entry names that accounts ask for but the (unlocked) vault does not hold: what to add next. */
export function missingEntries(status: VaultStatus): string[] {
  if (!status.exists || status.isLocked) return [];
  const names = new Set(status.entries.map((e) => e.name));
  const missing: string[] = [];
  for (const a of status.accounts) {
    if (a.vaultEntry !== null && !names.has(a.vaultEntry) && !missing.includes(a.vaultEntry)) missing.push(a.vaultEntry);
  }
  return missing;
}

/** The contract's id rule for entry names, checked before sending so the message can be plain. */
export function checkEntryName(name: string): string | null {
  if (name === '') return 'Give the key a name (the name accounts refer to in the workspace).';
  if (name.length > 64) return 'The name is longer than 64 characters.';
  if (!/^[A-Za-z0-9._-]+$/.test(name)) return 'Names use letters, digits, dot, dash and underscore.';
  return null;
}

export type TestVerdict = 'ok' | 'warn' | 'fail';

/** fail — the key did not work; warn — it works but the exchange reports a risk; ok — neither. */
export function testVerdict(test: AccountTest): TestVerdict {
  if (!test.ok) return 'fail';
  return test.warnings.length > 0 ? 'warn' : 'ok';
}
