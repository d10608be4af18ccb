/**
 * The OS keychain for the vault password, through Electron's asynchronous safeStorage API. Only a
 * real backend counts: on Linux, `basic_text` (a hard-coded key) and `unknown` are refused.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { safeStorage } from 'electron';
import type { PasswordKeychain } from '../core/vault/keychain.ts';

export function createSafeStorageKeychain(dataDir: string): PasswordKeychain {
  const file = join(dataDir, 'vault.keychain');
  const isAvailable = async (): Promise<boolean> => {
    if (!(await safeStorage.isAsyncEncryptionAvailable())) return false;
    if (process.platform !== 'linux') return true;
    const backend = safeStorage.getSelectedStorageBackend();
    return backend !== 'basic_text' && backend !== 'unknown';
  };
  return {
    isAvailable,
    async save(password) {
      if (!(await isAvailable())) throw new Error('the OS keychain is not available (or is only a plain-text store) on this system');
      await writeFile(file, await safeStorage.encryptStringAsync(password), { mode: 0o600 });
    },
    async load() {
      if (!(await isAvailable())) return null;
      try {
        const { result } = await safeStorage.decryptStringAsync(await readFile(file));
        return result;
      } catch {
        return null;
      }
    },
    async forget() {
      await rm(file, { force: true });
    },
  };
}
