import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AccountConfig } from '../workspace/workspace.ts';
import { vaultCredentials } from './resolver.ts';
import { Vault } from './vault.ts';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stratdesk-resolver-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const vaultAccount: AccountConfig = { id: 'main', exchange: 'bybit', credentials: { vault: 'bybit-main' } };
const inlineAccount: AccountConfig = {
  id: 'sim',
  exchange: 'binance',
  apiBaseUrl: 'http://127.0.0.1:9000',
  credentials: { apiKey: 'k1', secret: 's1' },
};
const publicAccount: AccountConfig = { id: 'watch', exchange: 'binance' };

describe('vaultCredentials', () => {
  it('says the vault is locked (as an error value, not a throw) until it is unlocked', async () => {
    const vault = new Vault({ dataDir: dir, kdf: { log2N: 10 }, idleLockMs: null });
    await vault.create('master password');
    await vault.put('bybit-main', { apiKey: 'bybit-key-1234567890', secret: 'bybit-secret', password: 'pp' });
    vault.lock();
    const resolve = vaultCredentials(vault);
    expect(resolve(vaultAccount)).toEqual({
      error: 'account "main" keeps its keys in the vault entry "bybit-main", and the vault is locked',
    });

    await vault.unlock('master password');
    expect(resolve(vaultAccount)).toEqual({ apiKey: 'bybit-key-1234567890', secret: 'bybit-secret', password: 'pp' });
    expect(resolve({ ...vaultAccount, credentials: { vault: 'missing' } })).toEqual({
      error: 'account "main" keeps its keys in the vault entry "missing", and the vault has no such entry',
    });
  });

  it('passes inline (loopback) credentials and keyless accounts through', () => {
    const resolve = vaultCredentials(new Vault({ dataDir: dir }));
    expect(resolve(inlineAccount)).toEqual({ apiKey: 'k1', secret: 's1' });
    expect(resolve(publicAccount)).toBeNull();
  });
});
