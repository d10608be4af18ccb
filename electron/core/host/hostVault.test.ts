/** The vault through the host's commands: accounts that name a vault entry connect once it is unlocked. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../sim/simulator.ts';
import { Host } from './host.ts';
import { createLogger } from '../log.ts';
import { MemoryKeychain } from '../vault/keychain.ts';
import { Vault } from '../vault/vault.ts';
import { parseWorkspace } from '../workspace/workspace.ts';

const SECRET = 'planted-secret-9f8e7d6c5b4a';
const KEY = 'planted-api-key-1234abcd';
let sim: Simulator | null = null;
let host: Host | null = null;
afterEach(async () => {
  await host?.close();
  await sim?.close();
});

describe('vault commands', () => {
  it('create, add a key, unlock: the waiting account connects; status never shows a secret; wrong password is a clear 401', async () => {
    sim = await startSimulator({ port: 0, seed: 1, accounts: [{ apiKey: KEY, secret: SECRET, balances: { USDT: 1000 } }] });
    const dataDir = mkdtempSync(join(tmpdir(), 'hv-'));
    const lines: string[] = [];
    const vault = new Vault({ dataDir, kdf: { log2N: 10 } });
    host = new Host({
      workspace: parseWorkspace({
        version: 2,
        syncIntervalMs: 300,
        // A loopback account whose keys live in the vault rather than inline.
        accounts: [{ id: 'main', exchange: 'binance', apiBaseUrl: sim.url, credentials: { vault: 'sim-main' } }],
        instances: [
          { id: 'obs', type: 'fixed_spread', account: 'main', mode: 'observe', symbols: ['BTC/USDT'], startTime: new Date().toISOString() },
        ],
      }),
      dataDir,
      vault,
      log: createLogger({ secrets: () => host?.secrets() ?? [], write: (l) => lines.push(l) }),
    });
    host.start();
    expect(host.snapshot().instances[0]?.health).toMatchObject({ state: 'error', lastError: { kind: 'auth' } });
    expect(host.snapshot().instances[0]?.health.lastError?.message).toMatch(/vault/);

    expect(await host.execute('vault/create', { password: 'correct horse battery' }, 'window')).toMatchObject({
      ok: true,
      value: { exists: true, isLocked: false },
    });
    const put = await host.execute('vault/put', { name: 'sim-main', apiKey: KEY, secret: SECRET }, 'window');
    expect(put.ok).toBe(true);
    expect(JSON.stringify(put)).not.toContain(SECRET);
    expect(JSON.stringify(put)).not.toContain(KEY);
    expect(JSON.stringify(put)).toContain('abcd'); // masked: the last four only
    await host.sync.syncNow();
    expect(host.snapshot().instances[0]?.health.state).toBe('ok');

    await host.execute('vault/lock', {}, 'window');
    const wrong = await host.execute('vault/unlock', { password: 'nope nope nope' }, 'api');
    expect(wrong).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    expect(await host.execute('vault/unlock', { password: 'correct horse battery' }, 'api')).toMatchObject({
      ok: true,
      value: { isLocked: false },
    });
    expect(await host.execute('vault/put', { name: '../x', apiKey: 'a', secret: 'b' }, 'api')).toMatchObject({
      ok: false,
      error: { code: 'bad_request' },
    });

    // Remembering the password needs a real keychain; with one, a fresh start unlocks from it.
    expect(await host.execute('vault/unlock', { password: 'correct horse battery', remember: true }, 'window')).toMatchObject({
      ok: false,
      error: { code: 'conflict' },
    });

    // The secret reached neither a snapshot, the audit log, nor a log line.
    const everything = JSON.stringify([host.snapshot(), await host.execute('audit/list', {}, 'api'), lines]);
    expect(everything).not.toContain(SECRET);
    expect(everything).not.toContain('correct horse battery');
  }, 30_000);
});

describe('keychain unlock', () => {
  it('remembers the password only where a keychain exists, and unlocks from it at start', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'hk-'));
    const keychain = new MemoryKeychain(true);
    const make = () =>
      new Host({
        workspace: parseWorkspace({ version: 2, accounts: [{ id: 'a', exchange: 'binance', credentials: { vault: 'x' } }], instances: [] }),
        dataDir,
        vault: new Vault({ dataDir, kdf: { log2N: 10 } }),
        keychain,
        log: createLogger({ isQuiet: true, write: () => undefined }),
      });
    const first = make();
    await first.execute('vault/create', { password: 'a long password' }, 'window');
    await first.execute('vault/lock', {}, 'window');
    expect(await first.execute('vault/unlock', { password: 'a long password', remember: true }, 'window')).toMatchObject({
      ok: true,
      value: { keychain: 'remembered' },
    });
    await first.close();
    const second = make();
    expect(second.vault?.isLocked).toBe(true);
    expect(await second.unlockFromKeychain()).toBe(true);
    expect(second.vault?.isLocked).toBe(false);
    await second.execute('vault/lock', { forget: true }, 'window');
    expect((await second.vaultStatus()).keychain).toBe('available');
    await second.close();
  });
});

describe('account test', () => {
  it('makes one authenticated call and warns about what the exchange reports (Binance and Bybit dialects), or says why it failed', async () => {
    const s = await startSimulator({
      port: 0,
      seed: 1,
      accounts: [
        { apiKey: 'bn-key-12345678', secret: 'bn-secret', balances: { USDT: 1000 } },
        { apiKey: 'by-key-12345678', secret: 'by-secret', dialect: 'bybit', balances: { USDT: 1000 } },
      ],
    });
    sim = s;
    host = new Host({
      workspace: parseWorkspace({
        version: 2,
        accounts: [
          { id: 'bn', exchange: 'binance', apiBaseUrl: s.url, credentials: { apiKey: 'bn-key-12345678', secret: 'bn-secret' } },
          { id: 'by', exchange: 'bybit', apiBaseUrl: s.url, credentials: { apiKey: 'by-key-12345678', secret: 'by-secret' } },
          { id: 'bad', exchange: 'binance', apiBaseUrl: s.url, credentials: { apiKey: 'revoked-key-0000', secret: 'x' } },
          { id: 'locked', exchange: 'bybit', credentials: { vault: 'nope' } },
        ],
        instances: [
          { id: 'obs', type: 'fixed_spread', account: 'bn', mode: 'observe', symbols: ['BTC/USDT'], startTime: new Date().toISOString() },
        ],
      }),
      dataDir: mkdtempSync(join(tmpdir(), 'acct-')),
      log: createLogger({ isQuiet: true, write: () => undefined }),
    });
    const bn = await host.execute('account/test', { id: 'bn' }, 'window');
    expect(bn).toMatchObject({ ok: true, value: { ok: true, exchange: 'binance' } });
    if (bn.ok) {
      const v = bn.value as { permissions: string[]; warnings: string[] };
      expect(v.permissions).toContain('spot and margin trading');
      expect(v.warnings.join(' ')).toMatch(/no IP whitelist/);
      expect(v.warnings.join(' ')).not.toMatch(/withdrawals/);
    }
    const by = await host.execute('account/test', { id: 'by' }, 'window');
    expect(by).toMatchObject({ ok: true, value: { ok: true, exchange: 'bybit' } });
    if (by.ok) expect((by.value as { warnings: string[] }).warnings.join(' ')).toMatch(/no IP whitelist/);
    const bad = await host.execute('account/test', { id: 'bad' }, 'window');
    expect(bad).toMatchObject({ ok: true, value: { ok: false } });
    if (bad.ok) expect((bad.value as { message: string }).message).toMatch(/authentication|API-key|-2015/i);
    const locked = await host.execute('account/test', { id: 'locked' }, 'window');
    if (locked.ok) expect((locked.value as { message: string }).message).toMatch(/vault/);
    expect(JSON.stringify([bn, by, bad])).not.toMatch(/bn-secret|by-secret|bn-key-12345678/);
  }, 30_000);
});
