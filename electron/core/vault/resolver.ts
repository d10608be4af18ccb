/**
 * The host's `CredentialResolver` backed by the vault: an account that names a vault entry gets
 * that entry's keys while the vault is unlocked, and a clear error (never a throw) otherwise.
 * Inline credentials (loopback accounts only, see workspace.ts) pass through unchanged.
 */
import { inlineCredentials, type CredentialResolver } from '../credentials.ts';
import type { AccountConfig } from '../workspace/workspace.ts';
import { VaultError, type Vault } from './vault.ts';

export function vaultCredentials(vault: Vault): CredentialResolver {
  return (account: AccountConfig) => {
    const c = account.credentials;
    if (!c || !('vault' in c)) return inlineCredentials(account);
    const where = `account "${account.id}" keeps its keys in the vault entry "${c.vault}"`;
    if (vault.isLocked) return { error: `${where}, and the vault is locked` };
    try {
      return vault.get(c.vault);
    } catch (error) {
      if (error instanceof VaultError && error.code === 'not_found') return { error: `${where}, and the vault has no such entry` };
      if (error instanceof VaultError && error.code === 'locked') return { error: `${where}, and the vault is locked` };
      return { error: `${where}, which could not be read: ${(error as Error).message}` };
    }
  };
}
