/**
 * Exchange sessions for the host's instances: one ccxt client per account (shared by that account's
 * instances), keys resolved through the vault or inline (loopback only), paper instances wrapped in
 * their own paper book, and the secrets remembered so loggers can mask them.
 */
import type { AccountTest } from '../../../shared/model.ts';
import type { CredentialResolver } from '../credentials.ts';
import type { Clock } from '../clock.ts';
import { PaperSession } from '../engine/paperSession.ts';
import type { Credentials } from '../exchange/ccxtSession.ts';
import type { ExchangeSession } from '../exchange/types.ts';
import type { AccountConfig, InstanceConfig, Workspace } from '../workspace/workspace.ts';

export type SessionFactory = (account: AccountConfig, credentials: Credentials | null, instance: InstanceConfig) => ExchangeSession;

export interface SessionPoolOptions {
  workspace: () => Workspace;
  factory: SessionFactory;
  resolve: CredentialResolver;
  clock: Clock;
}

export class SessionPool {
  #options: SessionPoolOptions;
  #sessions = new Map<string, ExchangeSession>();
  #secrets: string[] = [];

  constructor(options: SessionPoolOptions) {
    this.#options = options;
  }

  /** Every secret a session was built with, for loggers and crash reporters to mask. */
  get secrets(): readonly string[] {
    return this.#secrets;
  }

  /** The account's shared (keyed) session, if one was built. */
  accountSession(accountId: string): ExchangeSession | null {
    return this.#sessions.get(`${accountId}|keys`) ?? this.#sessions.get(`${accountId}|public`) ?? null;
  }

  /** An instance's exchange session from its account's keys, or why there is none. */
  build(config: InstanceConfig): { session: ExchangeSession | null; error: string | null } {
    const workspace = this.#options.workspace();
    const account = workspace.accounts.find((a) => a.id === config.account);
    if (!account) return { session: null, error: `unknown account "${config.account}"` };
    let creds = this.#options.resolve(account);
    // Paper trading reads only public market data: it runs without the account's keys.
    if (config.mode === 'paper' && creds !== null && 'error' in creds) creds = null;
    if (creds !== null && 'error' in creds) return { session: null, error: creds.error };
    if (creds) this.#remember(creds);
    try {
      // One ccxt client per account, shared by that account's instances: the same keys, one throttler
      // (which is what the exchange enforces per key anyway), and ~1.5 MB of ccxt per client saved.
      const key = `${account.id}|${creds ? 'keys' : 'public'}`;
      let session = this.#sessions.get(key);
      if (!session) {
        session = this.#options.factory(account, creds, { ...config, symbols: accountSymbols(workspace, account.id) });
        this.#sessions.set(key, session);
      }
      return { session: config.mode === 'paper' ? new PaperSession(session, { clock: this.#options.clock }) : session, error: null };
    } catch (error) {
      return { session: null, error: (error as Error).message };
    }
  }

  /** Closes and forgets an account's sessions (its config changed); instances rebuild theirs. */
  async drop(accountId: string): Promise<void> {
    for (const key of [`${accountId}|keys`, `${accountId}|public`]) {
      const session = this.#sessions.get(key);
      this.#sessions.delete(key);
      await session?.close().catch(() => undefined);
    }
  }

  async closeAll(): Promise<void> {
    await Promise.allSettled([...this.#sessions.values()].map((session) => session.close()));
    this.#sessions.clear();
  }

  /** One authenticated call with the account's keys, and the key's restrictions where the exchange tells. */
  async test(id: string): Promise<AccountTest> {
    const workspace = this.#options.workspace();
    const account = workspace.accounts.find((a) => a.id === id);
    if (!account) return { account: id, exchange: '', ok: false, message: `no account "${id}"`, permissions: [], warnings: [] };
    const base = { account: id, exchange: account.exchange };
    const creds = this.#options.resolve(account);
    if (creds === null) return { ...base, ok: false, message: 'this account has no keys', permissions: [], warnings: [] };
    if ('error' in creds) return { ...base, ok: false, message: creds.error, permissions: [], warnings: [] };
    this.#remember(creds);
    let session: ExchangeSession | null = null;
    try {
      const symbols = accountSymbols(workspace, id);
      session = this.#options.factory(account, creds, {
        id: `test-${id}`,
        type: 'fixed_spread',
        account: id,
        mode: 'observe',
        symbols: symbols.length > 0 ? symbols : ['BTC/USDT'],
        startTime: new Date(this.#options.clock.now()).toISOString(),
        autoStart: false,
        params: {},
      });
      const check = session.checkKey ? await session.checkKey() : { permissions: [], warnings: [], isRestrictionsKnown: false };
      const message = check.isRestrictionsKnown ? 'the key works' : `the key works; ${account.exchange} does not say what else it may do`;
      return { ...base, ok: true, message, permissions: check.permissions, warnings: check.warnings };
    } catch (error) {
      return { ...base, ok: false, message: (error as Error).message, permissions: [], warnings: [] };
    } finally {
      await session?.close().catch(() => undefined);
    }
  }

  #remember(creds: Credentials): void {
    for (const secret of [creds.apiKey, creds.secret, creds.password]) {
      if (secret !== undefined && secret !== '' && !this.#secrets.includes(secret)) this.#secrets.push(secret);
    }
  }
}

/** Every symbol the account's instances trade: the account's one session loads them all. */
export function accountSymbols(workspace: Workspace, accountId: string): string[] {
  return [...new Set(workspace.instances.filter((i) => i.account === accountId).flatMap((i) => i.symbols))];
}
