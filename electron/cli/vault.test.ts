import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runVaultCli, type CliIo } from './vault.ts';
import { Vault } from '../core/vault/vault.ts';

const CLI = fileURLToPath(new URL('./vault.ts', import.meta.url));
const FAST = { kdf: { log2N: 10 } };
const KEY = 'cli-APIKEY-0123456789abcdef-ab12';
const SECRET = 'cli-SECRET-very-secret-value-9876';
const PASSPHRASE = 'cli-PASSPHRASE-555';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stratdesk-vault-cli-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Run {
  code: number;
  out: string;
  err: string;
  asked: string[];
}

/** Runs the CLI in-process; `answers` are what the person types at each hidden prompt. */
async function cli(args: string[], env: NodeJS.ProcessEnv, answers: string[] | null = null): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const asked: string[] = [];
  const queue = [...(answers ?? [])];
  const io: CliIo = {
    env,
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    ask: async (q) => {
      asked.push(q);
      if (answers === null) throw new Error('no terminal');
      const next = queue.shift();
      if (next === undefined) throw new Error(`unexpected prompt ${q}`);
      return next;
    },
  };
  const code = await runVaultCli(['--data-dir', dir, ...args], io, FAST);
  return { code, out: out.join('\n'), err: err.join('\n'), asked };
}

function expectNoSecrets(run: Run): void {
  for (const text of [run.out, run.err]) {
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(KEY);
    expect(text).not.toContain(PASSPHRASE);
    expect(text).not.toContain('master pw 123');
  }
}

describe('vault cli (in-process)', () => {
  it('init, add, list, remove with the environment; never prints a secret', async () => {
    const env = { STRATDESK_VAULT_PASSWORD: 'master pw 123' };
    const init = await cli(['init'], env);
    expect(init).toMatchObject({ code: 0, asked: [] });
    expect(init.out).toMatch(/created the vault .*vault\.bin/);

    const add = await cli(['add', 'binance-main'], {
      ...env,
      STRATDESK_API_KEY: KEY,
      STRATDESK_API_SECRET: SECRET,
      STRATDESK_API_PASSWORD: PASSPHRASE,
    });
    expect(add).toMatchObject({ code: 0, asked: [] });
    expect(add.out).toBe('added "binance-main" (key ••••ab12, with passphrase)');
    expectNoSecrets(add);

    const list = await cli(['list'], env);
    expect(list.code).toBe(0);
    expect(list.out).toMatch(/^binance-main {2}••••ab12 {2}passphrase {2}\d{4}-/);
    expectNoSecrets(list);

    const vault = new Vault({ dataDir: dir, ...FAST });
    await vault.unlock('master pw 123');
    expect(vault.get('binance-main')).toEqual({ apiKey: KEY, secret: SECRET, password: PASSPHRASE });
    vault.lock();

    const remove = await cli(['remove', 'binance-main'], env);
    expect(remove).toMatchObject({ code: 0, out: 'removed "binance-main"' });
    expect((await cli(['list'], env)).out).toBe('the vault is empty');
    expect((await cli(['remove', 'binance-main'], env)).err).toMatch(/no vault entry "binance-main"/);
  });

  it('asks at hidden prompts when the environment has nothing: init twice, add key/secret/passphrase', async () => {
    const init = await cli(['init'], {}, ['master pw 123', 'master pw 123']);
    expect(init.code).toBe(0);
    expect(init.asked).toEqual(['New master password: ', 'Repeat it: ']);
    const add = await cli(['add', 'okx'], {}, ['master pw 123', KEY, SECRET, '']);
    expect(add.code).toBe(0);
    expect(add.asked).toEqual(['Master password: ', 'API key: ', 'API secret: ', 'API passphrase (Enter if none): ']);
    expect(add.out).toBe('added "okx" (key ••••ab12)');
    expectNoSecrets(add);
    const again = await cli(['add', 'okx'], {}, ['master pw 123', KEY, SECRET, PASSPHRASE]);
    expect(again.out).toBe('replaced "okx" (key ••••ab12, with passphrase)');
  });

  it('init refuses mismatched passwords; passwd changes the password', async () => {
    expect((await cli(['init'], {}, ['master pw 123', 'master pw 124'])).err).toMatch(/the two passwords differ/);
    expect(await readdir(dir)).toEqual([]);
    await cli(['init'], { STRATDESK_VAULT_PASSWORD: 'master pw 123' });
    const passwd = await cli(['passwd'], {}, ['master pw 123', 'new master pw', 'new master pw']);
    expect(passwd).toMatchObject({ code: 0, out: 'changed the master password' });
    expect(passwd.asked).toEqual(['Current master password: ', 'New master password: ', 'Repeat it: ']);
    const wrong = await cli(['list'], { STRATDESK_VAULT_PASSWORD: 'master pw 123' });
    expect(wrong).toMatchObject({ code: 1, err: 'stratdesk-vault: wrong master password' });
    expect((await cli(['list'], { STRATDESK_VAULT_PASSWORD: 'new master pw' })).code).toBe(0);
  });

  it('refuses passwords and keys given as flags, and bad usage, with exit code 2', async () => {
    for (const flag of ['--password=hunter22', '--password', '--secret', '--api-key', '-p']) {
      const run = await cli(['list', flag, 'x'], {});
      if (flag === '-p') {
        expect(run.code).toBe(2);
        continue;
      }
      expect(run.code).toBe(2);
      expect(run.err).toMatch(/never taken from flags/);
      expect(run.err).not.toContain('hunter22');
    }
    expect((await cli([], {})).code).toBe(2);
    expect((await cli(['frobnicate'], {})).err).toMatch(/unknown command "frobnicate"/);
    expect((await cli(['add'], {})).err).toMatch(/add needs an entry NAME/);
    expect((await cli(['list', 'extra'], {})).err).toMatch(/unexpected argument "extra"/);
  });

  it('without a terminal and without the environment variable: a clear error', async () => {
    await cli(['init'], { STRATDESK_VAULT_PASSWORD: 'master pw 123' });
    const run = await cli(['list'], {}, null);
    expect(run).toMatchObject({ code: 1, err: 'stratdesk-vault: no terminal to ask on: set STRATDESK_VAULT_PASSWORD' });
  });
});

describe('vault cli (real process, default scrypt cost)', () => {
  async function node(args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
    const child = spawn(process.execPath, [CLI, '--data-dir', dir, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env['PATH'], ...env },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const [code] = (await once(child, 'exit')) as [number];
    return { code, out, err, asked: [] };
  }

  it('runs init, add and list from the environment; the vault file holds no secret', async () => {
    const env = { STRATDESK_VAULT_PASSWORD: 'master pw 123' };
    expect(await node(['init'], env)).toMatchObject({ code: 0, err: '' });
    const add = await node(['add', 'bybit-main'], { ...env, STRATDESK_API_KEY: KEY, STRATDESK_API_SECRET: SECRET });
    expect(add).toMatchObject({ code: 0, out: 'added "bybit-main" (key ••••ab12)\n', err: '' });
    const list = await node(['list'], env);
    expect(list.code).toBe(0);
    expect(list.out).toMatch(/^bybit-main {2}••••ab12 /);
    expectNoSecrets(list);
    const file = await readFile(join(dir, 'vault.bin'));
    expect(file.includes(Buffer.from(SECRET))).toBe(false);
    expect(file.includes(Buffer.from(KEY))).toBe(false);
  });

  it('fails cleanly without a terminal or environment, and on a password flag', async () => {
    expect(await node(['list'], {})).toMatchObject({
      code: 1,
      err: 'stratdesk-vault: no terminal to ask on: set STRATDESK_VAULT_PASSWORD\n',
    });
    const flagged = await node(['init', '--password', 'hunter22'], {});
    expect(flagged.code).toBe(2);
    expect(flagged.err).toMatch(/never taken from flags/);
  });
});
