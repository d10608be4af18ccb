import { mkdtemp, readdir, readFile, rm, stat, writeFile, open as openFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.ts';
import { parseFile, sha256, type KdfParams } from './format.ts';
import { nodeVaultFs, type VaultFileSystem } from './vaultFs.ts';
import { BACKUP_FILE, VAULT_FILE, Vault, VaultError, maskKey, type VaultErrorCode, type VaultOptions } from './vault.ts';

// Most tests use a cheap scrypt; one test checks the default is the strong one.
const FAST_KDF: KdfParams = { log2N: 10, r: 8, p: 1 };
const PASSWORD = 'correct horse battery';
const BINANCE = { apiKey: 'bnc-APIKEY-0123456789abcdef-ab12', secret: 'bnc-SECRET-fedcba9876543210-zz99' };
const OKX = { apiKey: 'okx-APIKEY-aaaabbbbccccdddd-cd34', secret: 'okx-SECRET-1111222233334444-yy88', password: 'okx-PASSPHRASE-77' };

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stratdesk-vault-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function vault(options: Partial<VaultOptions> = {}): Vault {
  return new Vault({ dataDir: dir, kdf: FAST_KDF, idleLockMs: null, ...options });
}

async function vaultWithKeys(options: Partial<VaultOptions> = {}): Promise<Vault> {
  const v = vault(options);
  await v.create(PASSWORD);
  await v.put('binance-main', BINANCE);
  await v.put('okx-arb', OKX);
  return v;
}

/** What `promise` was rejected with; null when it was fulfilled. */
const rejection = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => null,
    (e: unknown) => e,
  );

async function expectVaultError(promise: Promise<unknown>, code: VaultErrorCode, message?: RegExp): Promise<VaultError> {
  const error = await rejection(promise);
  expect(error, `expected a VaultError "${code}"`).toBeInstanceOf(VaultError);
  const ve = error as VaultError;
  expect(ve.code, ve.message).toBe(code);
  if (message) expect(ve.message).toMatch(message);
  return ve;
}

/** Opens the folder with a fresh Vault and checks both original entries are there. */
async function expectOriginalKeys(): Promise<void> {
  const v = vault();
  await v.unlock(PASSWORD);
  expect(v.get('binance-main')).toEqual(BINANCE);
  expect(v.get('okx-arb')).toEqual(OKX);
  v.lock();
}

const mainPath = (): string => join(dir, VAULT_FILE);
const backupPath = (): string => join(dir, BACKUP_FILE);

function withChecksum(content: Buffer): Buffer {
  return Buffer.concat([content, sha256(content)]);
}

describe('vault: round trip', () => {
  it('stores, lists, reads back after a reopen, replaces and removes entries', async () => {
    const v = await vaultWithKeys();
    expect(v.isLocked).toBe(false);
    expect(v.get('binance-main')).toEqual(BINANCE);
    expect(v.get('okx-arb')).toEqual(OKX);
    v.lock();
    expect(v.isLocked).toBe(true);

    const again = vault();
    await again.unlock(PASSWORD);
    expect(again.get('okx-arb')).toEqual(OKX);
    expect(again.list().map((e) => [e.name, e.apiKey, e.hasPassword])).toEqual([
      ['binance-main', '••••ab12', false],
      ['okx-arb', '••••cd34', true],
    ]);

    await again.put('binance-main', { apiKey: '  new-key-0000000000-wx90  ', secret: 'new-secret' });
    expect(again.get('binance-main')).toEqual({ apiKey: 'new-key-0000000000-wx90', secret: 'new-secret' });
    await again.remove('okx-arb');
    await expectVaultError(again.remove('okx-arb'), 'not_found');
    again.lock();

    const third = vault();
    await third.unlock(PASSWORD);
    expect(third.list().map((e) => e.name)).toEqual(['binance-main']);
    expect(third.get('binance-main').secret).toBe('new-secret');
    expect(() => third.get('okx-arb')).toThrow(/no vault entry "okx-arb"/);
  });

  it('serializes concurrent changes', async () => {
    const v = vault();
    await v.create(PASSWORD);
    await Promise.all(Array.from({ length: 6 }, (_, i) => v.put(`acct-${i}`, { apiKey: `key-${i}-xxxxxxxxxxxx`, secret: `secret-${i}` })));
    const again = vault();
    await again.unlock(PASSWORD);
    expect(again.list()).toHaveLength(6);
    expect(again.get('acct-5').secret).toBe('secret-5');
  });

  it('refuses to create over an existing vault, a short password, bad names and empty fields', async () => {
    const v = await vaultWithKeys();
    await expectVaultError(vault().create(PASSWORD), 'exists', /already exists/);
    await expectVaultError(new Vault({ dataDir: join(dir, 'other'), kdf: FAST_KDF }).create('short'), 'invalid', /at least 8 characters/);
    await expectVaultError(v.put('', BINANCE), 'invalid');
    await expectVaultError(v.put('bad\nname', BINANCE), 'invalid');
    await expectVaultError(v.put('ok', { apiKey: '   ', secret: 's' }), 'invalid', /apiKey is empty/);
    await expectVaultError(v.put('ok', { apiKey: 'k', secret: '' }), 'invalid', /secret is empty/);
    await expectOriginalKeys();
  });

  it('says when there is no vault, and refuses reads while locked', async () => {
    const v = vault();
    await expectVaultError(v.unlock(PASSWORD), 'no_vault', /create one first/);
    expect(await v.exists()).toBe(false);
    expect(() => v.get('x')).toThrow(/the vault is locked/);
    expect(() => v.list()).toThrow(VaultError);
    await expectVaultError(v.put('x', BINANCE), 'locked');
  });

  it('the default scrypt cost is N >= 2^17, r = 8, p = 1, recorded in the header', async () => {
    const v = new Vault({ dataDir: dir, idleLockMs: null });
    await v.create(PASSWORD);
    const file = parseFile(await readFile(mainPath()), VAULT_FILE);
    expect(2 ** file.kdf.log2N).toBeGreaterThanOrEqual(131072);
    expect(file.kdf.r).toBe(8);
    expect(file.kdf.p).toBe(1);
  });

  it('raises a weaker stored scrypt cost on unlock', async () => {
    await vaultWithKeys();
    expect(parseFile(await readFile(mainPath()), VAULT_FILE).kdf.log2N).toBe(10);
    const stronger = vault({ kdf: { ...FAST_KDF, log2N: 12 } });
    await stronger.unlock(PASSWORD);
    expect(parseFile(await readFile(mainPath()), VAULT_FILE).kdf.log2N).toBe(12);
    await expectOriginalKeys();
  });
});

describe('vault: secrets stay secret', () => {
  it('never writes a plaintext key, secret or passphrase to disk', async () => {
    await vaultWithKeys();
    const files = (await readdir(dir)).filter((f) => f.startsWith('vault'));
    expect(files.sort()).toEqual([VAULT_FILE, BACKUP_FILE].sort());
    for (const name of files) {
      const bytes = await readFile(join(dir, name));
      for (const value of [BINANCE.apiKey, BINANCE.secret, OKX.apiKey, OKX.secret, OKX.password, PASSWORD]) {
        const plain = Buffer.from(value, 'utf8');
        const needles = [
          plain,
          Buffer.from(value, 'utf16le'),
          Buffer.from(plain.toString('base64')),
          Buffer.from(plain.toString('hex')),
          plain.subarray(4, 16),
        ];
        for (const needle of needles) expect(bytes.includes(needle), `${name} contains ${needle.toString()}`).toBe(false);
      }
    }
  });

  it('list() never returns a full key, whatever its length', async () => {
    const v = vault();
    await v.create(PASSWORD);
    const keys = Array.from({ length: 40 }, (_, i) => 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopq'.slice(0, i + 1));
    for (const [i, key] of keys.entries()) await v.put(`e${String(i).padStart(2, '0')}`, { apiKey: key, secret: `s-${i}` });
    const listed = v.list();
    expect(listed).toHaveLength(40);
    for (const [i, entry] of listed.entries()) {
      const key = keys[i] as string;
      expect(entry.apiKey).not.toContain(key);
      expect(entry.apiKey.startsWith('••••')).toBe(true);
      expect(entry.apiKey.length).toBeLessThanOrEqual(8);
      expect(JSON.stringify(entry)).not.toContain(`s-${i}`);
    }
    expect(maskKey(BINANCE.apiKey)).toBe('••••ab12');
    expect(maskKey('short')).toBe('••••');
  });

  it('lock() zeroes the Buffers it handed out and the vault forgets the keys', async () => {
    const onLock: string[] = [];
    const v = await vaultWithKeys({ onLock: (reason) => onLock.push(reason) });
    const okx = v.getBuffers('okx-arb');
    const bin = v.getBuffers('binance-main');
    expect(okx.secret.toString()).toBe(OKX.secret);
    expect(okx.password?.toString()).toBe(OKX.password);
    v.lock();
    for (const buf of [okx.apiKey, okx.secret, okx.password, bin.apiKey, bin.secret]) {
      expect(buf).not.toBeNull();
      expect((buf as Buffer).length).toBeGreaterThan(0);
      expect((buf as Buffer).every((b) => b === 0)).toBe(true);
    }
    expect(v.isLocked).toBe(true);
    expect(() => v.get('okx-arb')).toThrow(/locked/);
    expect(onLock).toEqual(['manual']);
  });

  it('replacing an entry zeroes the old secret Buffers', async () => {
    const v = await vaultWithKeys();
    const old = v.getBuffers('binance-main');
    await v.put('binance-main', { apiKey: 'replacement-key-000000', secret: 'replacement-secret' });
    expect(old.secret.every((b) => b === 0)).toBe(true);
    expect(v.get('binance-main').secret).toBe('replacement-secret');
  });
});

describe('vault: failures leave the stored keys readable', () => {
  it('wrong password: a clear error, nothing changed on disk', async () => {
    (await vaultWithKeys()).lock();
    const before = await readFile(mainPath());
    const v = vault();
    await expectVaultError(v.unlock('not the password'), 'wrong_password', /wrong master password/);
    expect(v.isLocked).toBe(true);
    expect((await readFile(mainPath())).equals(before)).toBe(true);
    await v.unlock(PASSWORD);
    expect(v.get('binance-main')).toEqual(BINANCE);
  });

  it('a truncated file: says so (no backup), at any cut', async () => {
    (await vaultWithKeys()).lock();
    const whole = await readFile(mainPath());
    await rm(backupPath());
    for (const cut of [0, 3, 8, 20, 60, Math.floor(whole.length / 2), whole.length - 1]) {
      await writeFile(mainPath(), whole.subarray(0, cut));
      await expectVaultError(vault().unlock(PASSWORD), 'truncated', new RegExp(`${VAULT_FILE} is (empty|truncated).*no backup`));
    }
    await writeFile(mainPath(), whole);
    await expectOriginalKeys();
  });

  it('one flipped byte anywhere in the file is detected (checksum), and never opens', async () => {
    (await vaultWithKeys()).lock();
    const whole = await readFile(mainPath());
    await rm(backupPath());
    for (let i = 0; i < whole.length; i++) {
      const bad = Buffer.from(whole);
      bad[i] = (bad[i] as number) ^ 0xff;
      await writeFile(mainPath(), bad);
      const error = await rejection(vault().unlock(PASSWORD));
      expect(error, `byte ${i} flipped but the vault opened`).toBeInstanceOf(VaultError);
      expect(['corrupt', 'truncated']).toContain((error as VaultError).code);
    }
    await writeFile(mainPath(), whole);
    await expectOriginalKeys();
  });

  it('a flipped byte with the checksum recomputed fails authentication: header, wrapped key, nonce, ciphertext, tag', async () => {
    (await vaultWithKeys()).lock();
    const whole = await readFile(mainPath());
    const file = parseFile(whole, VAULT_FILE);
    await rm(backupPath());
    const content = whole.subarray(0, whole.length - 32);
    const bodyStart = file.header.length;
    for (let i = 0; i < content.length; i++) {
      const bad = Buffer.from(content);
      bad[i] = (bad[i] as number) ^ 0x01;
      await writeFile(mainPath(), withChecksum(bad));
      const error = await rejection(vault().unlock(PASSWORD));
      expect(error, `byte ${i} flipped but the vault opened`).toBeInstanceOf(VaultError);
      const code = (error as VaultError).code;
      if (i >= bodyStart) {
        // Body nonce, ciphertext and tag: the data key is fine, GCM refuses the body.
        expect(code, `byte ${i}`).toBe('tampered');
      } else {
        // Header: structure checks or the key wrap's authentication (which cannot tell a changed header from a wrong password).
        expect(['corrupt', 'truncated', 'unsupported_version', 'wrong_password'], `byte ${i}`).toContain(code);
      }
    }
    await writeFile(mainPath(), whole);
    await expectOriginalKeys();
  });

  it('the header is authenticated with the body: the same data key under another header does not open it', async () => {
    (await vaultWithKeys()).lock();
    const first = parseFile(await readFile(mainPath()), VAULT_FILE);
    // Unlocking with a higher scrypt cost re-wraps the same data key under a new header (new salt, wrap).
    await vault({ kdf: { ...FAST_KDF, log2N: 11 } }).unlock(PASSWORD);
    const second = await readFile(mainPath());
    const upgraded = parseFile(second, VAULT_FILE);
    expect(upgraded.header.equals(first.header)).toBe(false);
    const spliced = Buffer.concat([upgraded.header, first.bodyNonce, first.body, first.bodyTag]);
    await writeFile(mainPath(), withChecksum(spliced));
    await rm(backupPath());
    await expectVaultError(vault().unlock(PASSWORD), 'tampered', /failed its authentication check/);
    await writeFile(mainPath(), second);
    await expectOriginalKeys();
  });

  it('a newer format version: unsupported, no fallback to the older backup, files untouched', async () => {
    (await vaultWithKeys()).lock();
    const whole = await readFile(mainPath());
    const content = Buffer.from(whole.subarray(0, whole.length - 32));
    content.writeUInt16BE(2, 8);
    const newer = withChecksum(content);
    await writeFile(mainPath(), newer);
    const backupBefore = await readFile(backupPath());
    await expectVaultError(vault().unlock(PASSWORD), 'unsupported_version', /format version 2.*newer Stratdesk/);
    expect((await readFile(mainPath())).equals(newer)).toBe(true);
    expect((await readFile(backupPath())).equals(backupBefore)).toBe(true);
    await writeFile(mainPath(), whole);
    await expectOriginalKeys();
  });

  it('not a vault file at all: corrupt', async () => {
    await writeFile(mainPath(), '{"hello": "world"}');
    await expectVaultError(vault().unlock(PASSWORD), 'corrupt', /not a Stratdesk vault file/);
  });

  for (const failing of ['backup', 'main'] as const) {
    it(`disk full (ENOSPC after a partial write of the ${failing} file): error, previous keys intact`, async () => {
      let writes = 0;
      let isFull = false;
      const fullDisk: VaultFileSystem = {
        ...nodeVaultFs,
        async writeNew(path, data, mode) {
          writes++;
          // Writes go backup first, then main.
          if (isFull && (failing === 'backup' ? writes === 1 : writes === 2)) {
            const handle = await openFile(path, 'wx', mode);
            await handle.write(data.subarray(0, Math.floor(data.length / 2)));
            await handle.close();
            throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28 });
          }
          return nodeVaultFs.writeNew(path, data, mode);
        },
      };
      const v = await vaultWithKeys({ fs: fullDisk });
      const mainBefore = await readFile(mainPath());
      isFull = true;
      writes = 0;
      await expectVaultError(
        v.put('bybit', { apiKey: 'bybit-key-000000000000', secret: 'bybit-secret' }),
        'disk_full',
        /disk is full.*was not changed/,
      );
      // The open vault did not take the change either, and still has the old keys.
      expect(v.has('bybit')).toBe(false);
      expect(v.get('binance-main')).toEqual(BINANCE);
      expect((await readFile(mainPath())).equals(mainBefore)).toBe(true);
      expect((await readdir(dir)).filter((f) => f.includes('.tmp-'))).toEqual([]);
      v.lock();
      await expectOriginalKeys();
    });
  }

  it('killed mid-write: a partial temp file is ignored (and cleaned up), the old keys open', async () => {
    (await vaultWithKeys()).lock();
    const whole = await readFile(mainPath());
    const partial = join(dir, `${VAULT_FILE}.tmp-99999-deadbeef0000`);
    await writeFile(partial, whole.subarray(0, 100), { mode: 0o600 });
    await expectOriginalKeys();
    expect((await readdir(dir)).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('falls back to the backup when vault.bin is damaged, with a clear notice, and repairs it on the next change', async () => {
    const notices: string[] = [];
    const v = vault();
    await v.create(PASSWORD);
    await v.put('binance-main', BINANCE);
    await v.put('okx-arb', OKX); // backup now holds the version with binance-main only
    v.lock();
    const whole = await readFile(mainPath());
    await writeFile(mainPath(), whole.subarray(0, whole.length - 10));

    const recovering = vault({ onNotice: (m) => notices.push(m) });
    await recovering.unlock(PASSWORD);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(new RegExp(`${VAULT_FILE} is truncated.*Opened the backup ${BACKUP_FILE.replace('.', '\\.')}`));
    expect(recovering.lastNotice).toBe(notices[0]);
    expect(recovering.list().map((e) => e.name)).toEqual(['binance-main']);
    expect(recovering.get('binance-main')).toEqual(BINANCE);

    await recovering.put('okx-arb', OKX);
    recovering.lock();
    const healed = vault();
    await healed.unlock(PASSWORD);
    expect(healed.lastNotice).toBeNull();
    expect(healed.get('okx-arb')).toEqual(OKX);
  });

  it('both vault.bin and the backup damaged: one error naming both', async () => {
    (await vaultWithKeys()).lock();
    await writeFile(mainPath(), Buffer.alloc(0));
    const bak = await readFile(backupPath());
    bak[40] = (bak[40] as number) ^ 0xff;
    await writeFile(backupPath(), bak);
    await expectVaultError(vault().unlock(PASSWORD), 'truncated', /vault\.bin is empty.*backup is unusable too.*checksum/);
  });

  it('writes vault.bin and its backup with mode 0600', async () => {
    if (process.platform === 'win32') return;
    await vaultWithKeys();
    expect((await stat(mainPath())).mode & 0o777).toBe(0o600);
    expect((await stat(backupPath())).mode & 0o777).toBe(0o600);
  });

  it('refuses to overwrite a change made by another process (lost update), until reopened', async () => {
    const a = await vaultWithKeys();
    const b = vault();
    await b.unlock(PASSWORD);
    await a.put('from-a', { apiKey: 'aaaa-key-0000000000', secret: 'a-secret' });
    await expectVaultError(b.put('from-b', { apiKey: 'bbbb-key-0000000000', secret: 'b-secret' }), 'conflict', /changed on disk/);
    await b.unlock(PASSWORD);
    await b.put('from-b', { apiKey: 'bbbb-key-0000000000', secret: 'b-secret' });
    const c = vault();
    await c.unlock(PASSWORD);
    expect(c.list().map((e) => e.name)).toEqual(['binance-main', 'from-a', 'from-b', 'okx-arb']);
  });
});

describe('vault: password change', () => {
  it('re-encrypts under the new password; the old one opens neither the file nor the backup', async () => {
    const v = await vaultWithKeys();
    const oldKey = v.getBuffers('binance-main').secret;
    await v.changePassword(PASSWORD, 'a brand new password');
    expect(v.isLocked).toBe(false);
    expect(v.get('okx-arb')).toEqual(OKX);
    expect(oldKey.every((b) => b === 0)).toBe(true);
    v.lock();

    await expectVaultError(vault().unlock(PASSWORD), 'wrong_password');
    const fresh = vault();
    await fresh.unlock('a brand new password');
    expect(fresh.get('binance-main')).toEqual(BINANCE);

    // The backup must not stay readable with the old password.
    await rm(mainPath());
    await expectVaultError(vault().unlock(PASSWORD), 'wrong_password', /backup/);
    const fromBackup = vault();
    await fromBackup.unlock('a brand new password');
    expect(fromBackup.get('okx-arb')).toEqual(OKX);
  });

  it('a wrong old password changes nothing', async () => {
    const v = await vaultWithKeys();
    const before = await readFile(mainPath());
    await expectVaultError(v.changePassword('wrong password!', 'whatever password'), 'wrong_password');
    expect((await readFile(mainPath())).equals(before)).toBe(true);
    expect(v.get('binance-main')).toEqual(BINANCE);
    await expectVaultError(v.changePassword(PASSWORD, 'short'), 'invalid');
  });
});

describe('vault: timers and rate limits (fake clock)', () => {
  it('locks itself after the idle time; use resets the timer', async () => {
    const clock = new ManualClock();
    const locks: string[] = [];
    (await vaultWithKeys()).lock();
    const v = vault({ clock, idleLockMs: 60_000, onLock: (r) => locks.push(r) });
    await v.unlock(PASSWORD);
    const held = v.getBuffers('okx-arb');
    await clock.advance(59_000);
    expect(v.isLocked).toBe(false);
    expect(v.get('okx-arb')).toEqual(OKX); // use: the minute starts again
    await clock.advance(59_000);
    expect(v.isLocked).toBe(false);
    await clock.advance(2_000);
    expect(v.isLocked).toBe(true);
    expect(locks).toEqual(['idle']);
    expect(held.secret.every((b) => b === 0)).toBe(true);
    await expectVaultError(v.put('x', BINANCE), 'locked');
  });

  it('delays attempts exponentially after repeated wrong passwords, even for the right one', async () => {
    const clock = new ManualClock();
    (await vaultWithKeys()).lock();
    const v = vault({ clock });
    for (let i = 0; i < 3; i++) await expectVaultError(v.unlock(`wrong password ${i}`), 'wrong_password');
    // Three free attempts; the fourth failure costs 1 s.
    await expectVaultError(v.unlock('wrong password 3'), 'wrong_password');
    const limited = await expectVaultError(v.unlock(PASSWORD), 'rate_limited', /try again in 1 s/);
    expect(limited.retryAfterMs).toBe(1000);
    await clock.advance(1000);
    await expectVaultError(v.unlock('wrong password 4'), 'wrong_password');
    // Fifth failure: 2 s.
    await clock.advance(1000);
    const again = await expectVaultError(v.unlock(PASSWORD), 'rate_limited');
    expect(again.retryAfterMs).toBe(1000);
    await clock.advance(1000);
    await v.unlock(PASSWORD);
    expect(v.get('binance-main')).toEqual(BINANCE);
    // Success resets the count.
    v.lock();
    await expectVaultError(v.unlock('nope nope'), 'wrong_password');
    await v.unlock(PASSWORD);
  });

  it('caps the delay', async () => {
    const clock = new ManualClock();
    (await vaultWithKeys()).lock();
    const v = vault({ clock, backoff: { freeAttempts: 0, baseMs: 1000, maxMs: 4000 } });
    for (let i = 0; i < 6; i++) {
      await expectVaultError(v.unlock('wrong wrong'), 'wrong_password');
      const limited = await expectVaultError(v.unlock(PASSWORD), 'rate_limited');
      expect(limited.retryAfterMs).toBe(Math.min(1000 * 2 ** i, 4000));
      await clock.advance(limited.retryAfterMs ?? 0);
    }
  });
});
