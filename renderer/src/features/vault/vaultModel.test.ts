import { describe, expect, it } from 'vitest';
import type { AccountTest, VaultStatus } from '../../../../shared/model.ts';
import {
  accountRows,
  checkEntryName,
  checkNewPassword,
  displayKey,
  missingEntries,
  testVerdict,
  usersOfEntry,
  vaultState,
} from './vaultModel.ts';

function status(overrides: Partial<VaultStatus> = {}): VaultStatus {
  return {
    exists: true,
    isLocked: false,
    entries: [
      { name: 'bn-main', apiKey: '\u2022\u2022\u2022\u2022ab12', hasPassword: false, updatedAt: '2026-11-20T10:00:00Z' },
      { name: 'spare', apiKey: '\u2022\u2022\u2022\u2022', hasPassword: true, updatedAt: '2026-11-20T10:00:00Z' },
    ],
    accounts: [
      { id: 'main', exchange: 'binance', vaultEntry: 'bn-main', isConnected: true },
      { id: 'hedge', exchange: 'binance', vaultEntry: 'bn-main', isConnected: false },
      { id: 'by', exchange: 'bybit', vaultEntry: 'by-main', isConnected: false },
      { id: 'sim', exchange: 'binance', vaultEntry: null, isConnected: true },
    ],
    notice: null,
    keychain: 'unavailable',
    ...overrides,
  };
}

describe('displayKey', () => {
  it('shows what the host masked as it is', () => {
    expect(displayKey('\u2022\u2022\u2022\u2022ab12')).toBe('\u2022\u2022\u2022\u2022ab12');
    expect(displayKey('\u2022\u2022\u2022\u2022')).toBe('\u2022\u2022\u2022\u2022');
  });

  it('masks a full key a host should never have sent: last four at most, nothing of a short one', () => {
    expect(displayKey('AKIAFULLKEY1234567890wxyz')).toBe('\u2022\u2022\u2022\u2022wxyz');
    expect(displayKey('short-key')).toBe('\u2022\u2022\u2022\u2022');
    expect(displayKey('\u2022\u2022\u2022\u2022' + 'leaked-rest-of-key')).toBe('\u2022\u2022\u2022\u2022-key');
    expect(displayKey('')).toBe('\u2022\u2022\u2022\u2022');
  });
});

describe('checkNewPassword', () => {
  it('wants at least 8 characters, typed the same twice', () => {
    expect(checkNewPassword('short', 'short')).toMatch(/at least 8/);
    expect(checkNewPassword('long-enough', 'long-enougH')).toMatch(/differ/);
    expect(checkNewPassword('long-enough', 'long-enough')).toBeNull();
    expect(checkNewPassword('12345678', '12345678')).toBeNull();
  });
});

describe('checkEntryName', () => {
  it('follows the contract id rule', () => {
    expect(checkEntryName('')).toMatch(/name/);
    expect(checkEntryName('bn main')).toMatch(/letters/);
    expect(checkEntryName('x'.repeat(65))).toMatch(/64/);
    expect(checkEntryName('bn-main_2.v1')).toBeNull();
  });
});

describe('accounts and entries', () => {
  it('says where each account key comes from', () => {
    expect(accountRows(status()).map((r) => [r.id, r.keySource])).toEqual([
      ['main', 'ready'],
      ['hedge', 'ready'],
      ['by', 'missing'],
      ['sim', 'workspace'],
    ]);
    const locked = status({ isLocked: true, entries: [] });
    expect(accountRows(locked).map((r) => r.keySource)).toEqual(['locked', 'locked', 'locked', 'workspace']);
    expect(accountRows(status({ exists: false, isLocked: true, entries: [] }))[0]?.keySource).toBe('locked');
  });

  it('lists which accounts use an entry, and the entries accounts ask for that the vault lacks', () => {
    expect(usersOfEntry(status(), 'bn-main')).toEqual(['main', 'hedge']);
    expect(usersOfEntry(status(), 'spare')).toEqual([]);
    expect(missingEntries(status())).toEqual(['by-main']);
    // Locked: the window cannot know what is missing, so it claims nothing.
    expect(missingEntries(status({ isLocked: true, entries: [] }))).toEqual([]);
  });

  it('names the vault state', () => {
    expect(vaultState(status())).toBe('unlocked');
    expect(vaultState(status({ isLocked: true }))).toBe('locked');
    expect(vaultState(status({ exists: false, isLocked: true }))).toBe('none');
  });
});

describe('testVerdict', () => {
  const base: AccountTest = { account: 'sim', exchange: 'binance', ok: true, message: 'the key works', permissions: [], warnings: [] };
  it('fails on a key that did not work, warns on reported risks, else ok', () => {
    expect(testVerdict(base)).toBe('ok');
    expect(testVerdict({ ...base, warnings: ['no IP whitelist'] })).toBe('warn');
    expect(testVerdict({ ...base, ok: false, warnings: ['no IP whitelist'] })).toBe('fail');
  });
});
