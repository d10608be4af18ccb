/** The key vault's commands: the window creates, unlocks, locks and fills the vault; it reads names and masked keys only. */
import { fail, ok, type CommandInput, type ErrorCode, type Result } from '../../../shared/contract.ts';
import type { HostBudget, VaultStatus } from '../../../shared/model.ts';
import type { PasswordKeychain } from '../vault/keychain.ts';
import { VaultError, type Vault } from '../vault/vault.ts';
import type { AccountConfig } from '../workspace/workspace.ts';
import type { CommandSource } from './handlers.ts';

export interface VaultDeps {
  vault: Vault | null;
  keychain: PasswordKeychain | null;
  accounts: () => readonly AccountConfig[];
  isConnected: (accountId: string) => boolean;
  /** Instances waiting for keys get their sessions (after unlock or a new key). */
  refreshSessions: () => void;
  /** Each exchange host's weight budget in use, shown with the accounts. */
  hostBudgets?: () => HostBudget[];
  /** Names only: a vault action's audit line never carries a key or a password. */
  audit: (action: string, target: string, source: CommandSource) => void;
}

type VaultCommand = 'vault/status' | 'vault/create' | 'vault/unlock' | 'vault/lock' | 'vault/changePassword' | 'vault/put' | 'vault/remove';

export async function runVault<N extends VaultCommand>(
  deps: VaultDeps,
  name: N,
  input: CommandInput<N>,
  source: CommandSource,
): Promise<Result<VaultStatus>> {
  const vault = deps.vault;
  if (!vault) return fail('not_found', 'this host has no key vault');
  const fields = input as Partial<Record<string, unknown>>;
  const str = (key: string): string => (typeof fields[key] === 'string' ? fields[key] : '');
  try {
    switch (name) {
      case 'vault/create':
        await vault.create(str('password'));
        break;
      case 'vault/unlock':
        await vault.unlock(str('password'));
        if (fields['remember'] === true) {
          if (!deps.keychain || !(await deps.keychain.isAvailable()))
            return fail('conflict', 'there is no OS keychain to remember the password in on this system');
          await deps.keychain.save(str('password'));
        }
        deps.refreshSessions();
        break;
      case 'vault/lock':
        // Locking wipes the vault's keys; sessions already connected keep the keys their ccxt client holds.
        vault.lock();
        if (fields['forget'] === true) await deps.keychain?.forget();
        break;
      case 'vault/changePassword':
        await vault.changePassword(str('oldPassword'), str('newPassword'));
        break;
      case 'vault/put':
        await vault.put(str('name'), {
          apiKey: str('apiKey'),
          secret: str('secret'),
          ...(str('password') !== '' ? { password: str('password') } : {}),
        });
        deps.refreshSessions();
        break;
      case 'vault/remove':
        await vault.remove(str('name'));
        break;
      default:
        break;
    }
  } catch (error) {
    return fail(vaultErrorCode(error), (error as Error).message);
  }
  if (name !== 'vault/status') deps.audit(name, str('name') || 'vault', source);
  return ok(await vaultStatus(deps));
}

export async function vaultStatus(deps: VaultDeps): Promise<VaultStatus> {
  const { vault, keychain } = deps;
  const exists = vault ? await vault.exists() : false;
  return {
    exists,
    isLocked: vault?.isLocked ?? true,
    entries: vault && !vault.isLocked ? vault.list() : [],
    accounts: deps.accounts().map((a) => ({
      id: a.id,
      exchange: a.exchange,
      vaultEntry: a.credentials && 'vault' in a.credentials ? a.credentials.vault : null,
      isConnected: deps.isConnected(a.id),
    })),
    notice: vault?.lastNotice ?? null,
    keychain: !keychain || !(await keychain.isAvailable()) ? 'unavailable' : (await keychain.load()) !== null ? 'remembered' : 'available',
    ...(deps.hostBudgets ? { hostBudgets: deps.hostBudgets() } : {}),
  };
}

function vaultErrorCode(error: unknown): ErrorCode {
  if (!(error instanceof VaultError)) return 'internal';
  switch (error.code) {
    case 'wrong_password':
      return 'unauthorized';
    case 'rate_limited':
      return 'rate_limited';
    case 'not_found':
    case 'no_vault':
      return 'not_found';
    case 'invalid':
      return 'bad_request';
    case 'exists':
    case 'conflict':
    case 'locked':
      return 'conflict';
    default:
      return 'internal';
  }
}
