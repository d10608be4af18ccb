/**
 * `node electron/core/vault/cli.ts [--data-dir DIR] <init | add NAME | list | remove NAME | passwd>`
 *
 * Manages the key vault from a terminal. Passwords and keys come from a prompt that does not echo,
 * or from the environment; never from a flag (flags end up in shell history and `ps`). Nothing it
 * prints contains a secret: keys are shown masked.
 */
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { promptHidden, PromptCancelled } from './prompt.ts';
import { maskKey, Vault, VaultError, type VaultOptions } from '../core/vault/vault.ts';

const USAGE = `usage: node electron/core/vault/cli.ts [--data-dir DIR] <command>
  init           create a vault (asks for a new master password twice)
  add NAME       add or replace the entry NAME (asks for the API key, secret and optional passphrase)
  list           entry names with masked keys
  remove NAME    delete the entry NAME
  passwd         change the master password
  --data-dir DIR the data folder (default: $STRATDESK_DATA_DIR, else the app's data folder)
environment (instead of prompts):
  STRATDESK_VAULT_PASSWORD      the master password
  STRATDESK_VAULT_NEW_PASSWORD  the new master password (passwd)
  STRATDESK_API_KEY, STRATDESK_API_SECRET, STRATDESK_API_PASSWORD  the entry (add)
passwords and keys are never taken from flags.`;

export interface CliIo {
  env: NodeJS.ProcessEnv;
  out(line: string): void;
  err(line: string): void;
  /** Asks without echo; rejects when there is no terminal. */
  ask(question: string): Promise<string>;
}

class UsageError extends Error {}
/** Bad input from the person at the terminal (not a vault problem). */
class InputError extends Error {}

const SECRET_FLAG = /^--?(password|passwd|pass|pw|secret|api-?key|key|token|passphrase)(=|$)/i;

/** Runs one command; returns the exit code (0 ok, 1 failed, 2 usage). */
export async function runVaultCli(argv: string[], io: CliIo, vaultOptions: Partial<VaultOptions> = {}): Promise<number> {
  try {
    const flag = argv.find((a) => SECRET_FLAG.test(a));
    if (flag !== undefined) {
      throw new UsageError(
        `${flag.split('=')[0] ?? flag}: passwords and keys are never taken from flags (they would show in shell history and ps); use the prompt or the environment variables below`,
      );
    }
    let parsed;
    try {
      parsed = parseArgs({
        args: argv,
        options: { 'data-dir': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
        allowPositionals: true,
        strict: true,
      });
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    if (parsed.values.help === true) {
      io.out(USAGE);
      return 0;
    }
    const [command, name, ...extra] = parsed.positionals;
    if (command === undefined) throw new UsageError('no command');
    const needsName = command === 'add' || command === 'remove';
    if (!['init', 'add', 'list', 'remove', 'passwd'].includes(command)) throw new UsageError(`unknown command "${command}"`);
    if (needsName && name === undefined) throw new UsageError(`${command} needs an entry NAME`);
    if (extra.length > 0 || (!needsName && name !== undefined))
      throw new UsageError(`unexpected argument "${needsName ? extra[0] : name}"`);

    const dataDir = parsed.values['data-dir'] !== undefined ? resolve(parsed.values['data-dir']) : await defaultDir(io.env);
    const vault = new Vault({ idleLockMs: null, ...vaultOptions, dataDir, onNotice: (m) => io.err(`stratdesk-vault: note: ${m}`) });
    try {
      switch (command) {
        case 'init': {
          const password = await newPassword(io, 'STRATDESK_VAULT_PASSWORD', 'New master password: ');
          await vault.create(password);
          io.out(`created the vault ${vault.path}`);
          break;
        }
        case 'add': {
          await vault.unlock(await masterPassword(io));
          const apiKey = await value(io, 'STRATDESK_API_KEY', 'API key: ');
          const secret = await value(io, 'STRATDESK_API_SECRET', 'API secret: ');
          const fromEnv = io.env['STRATDESK_API_KEY'] !== undefined;
          const passphrase = fromEnv
            ? (io.env['STRATDESK_API_PASSWORD'] ?? '')
            : await value(io, 'STRATDESK_API_PASSWORD', 'API passphrase (Enter if none): ');
          const existed = vault.has(name as string);
          await vault.put(name as string, { apiKey, secret, ...(passphrase !== '' ? { password: passphrase } : {}) });
          io.out(
            `${existed ? 'replaced' : 'added'} "${name}" (key ${maskKey(apiKey.trim())}${passphrase !== '' ? ', with passphrase' : ''})`,
          );
          break;
        }
        case 'list': {
          await vault.unlock(await masterPassword(io));
          const entries = vault.list();
          if (entries.length === 0) io.out('the vault is empty');
          const width = Math.max(4, ...entries.map((e) => e.name.length));
          for (const e of entries)
            io.out(`${e.name.padEnd(width)}  ${e.apiKey.padEnd(8)}  ${e.hasPassword ? 'passphrase' : '          '}  ${e.updatedAt}`);
          break;
        }
        case 'remove': {
          await vault.unlock(await masterPassword(io));
          await vault.remove(name as string);
          io.out(`removed "${name}"`);
          break;
        }
        case 'passwd': {
          const old = await masterPassword(io, 'Current master password: ');
          const next = await newPassword(io, 'STRATDESK_VAULT_NEW_PASSWORD', 'New master password: ');
          await vault.changePassword(old, next);
          io.out('changed the master password');
          break;
        }
      }
    } finally {
      vault.lock();
    }
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`stratdesk-vault: ${error.message}\n${USAGE}`);
      return 2;
    }
    if (error instanceof PromptCancelled) {
      io.err('stratdesk-vault: cancelled');
      return 1;
    }
    io.err(
      `stratdesk-vault: ${error instanceof VaultError || error instanceof InputError ? error.message : `failed: ${(error as Error).message}`}`,
    );
    return 1;
  }
}

async function defaultDir(env: NodeJS.ProcessEnv): Promise<string> {
  // Loaded only when needed: bootstrap pulls in the whole core.
  const { defaultDataDir } = await import('../app/bootstrap.ts');
  return defaultDataDir(env);
}

async function ask(io: CliIo, question: string, envName: string): Promise<string> {
  try {
    return await io.ask(question);
  } catch (error) {
    if (error instanceof PromptCancelled) throw error;
    throw new InputError(`no terminal to ask on: set ${envName}`);
  }
}

async function masterPassword(io: CliIo, question = 'Master password: '): Promise<string> {
  return io.env['STRATDESK_VAULT_PASSWORD'] ?? (await ask(io, question, 'STRATDESK_VAULT_PASSWORD'));
}

async function newPassword(io: CliIo, envName: string, question: string): Promise<string> {
  const fromEnv = io.env[envName];
  if (fromEnv !== undefined) return fromEnv;
  const first = await ask(io, question, envName);
  const second = await ask(io, 'Repeat it: ', envName);
  if (first !== second) throw new InputError('the two passwords differ; nothing changed');
  return first;
}

async function value(io: CliIo, envName: string, question: string): Promise<string> {
  return io.env[envName] ?? (await ask(io, question, envName));
}

if (import.meta.main) {
  const code = await runVaultCli(process.argv.slice(2), {
    env: process.env,
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    ask: (question) => promptHidden(question),
  });
  process.exitCode = code;
}
