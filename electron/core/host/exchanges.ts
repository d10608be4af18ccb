/** What the set-up form chooses from: ccxt's exchange ids, and an exchange's markets. */
import { fail, ok, type Result } from '../../../shared/contract.ts';
import type { MarketList } from '../../../shared/model.ts';
import { listExchanges, preloadExchanges } from '../exchange/ccxtLoader.ts';
import { createCcxtSession } from '../exchange/ccxtSession.ts';
import type { ExchangeSession } from '../exchange/types.ts';
import type { AccountConfig } from '../workspace/workspace.ts';
import type { SessionPool } from './sessions.ts';

export class ExchangeCatalog {
  #sessions: SessionPool;
  #accounts: () => readonly AccountConfig[];
  #ids: Promise<string[]> | null = null;

  constructor(sessions: SessionPool, accounts: () => readonly AccountConfig[]) {
    this.#sessions = sessions;
    this.#accounts = accounts;
  }

  list(): Promise<string[]> {
    this.#ids ??= listExchanges();
    return this.#ids;
  }

  /**
   * The markets of `exchange`: through the named account's own session (its host, e.g. a simulator on
   * loopback), else through a public client of the exchange's real API.
   */
  async markets(exchange: string, accountId: string | undefined): Promise<Result<MarketList>> {
    if (!(await this.list()).includes(exchange)) return fail('bad_request', `unknown exchange "${exchange}" (not a ccxt exchange id)`);
    const account = accountId === undefined ? undefined : this.#accounts().find((a) => a.id === accountId);
    if (accountId !== undefined && account === undefined) return fail('not_found', `no account "${accountId}"`);
    if (account !== undefined && account.exchange !== exchange)
      return fail('bad_request', `account "${account.id}" is on ${account.exchange}, not ${exchange}`);
    let session: ExchangeSession | null = account ? this.#sessions.accountSession(account.id) : null;
    let isOwned = false;
    try {
      if (session === null) {
        await preloadExchanges([exchange]);
        // Public market data only: no keys, so nothing here can trade or leak.
        session = createCcxtSession({
          account: {
            id: `catalog-${exchange}`,
            exchange,
            ...(account?.apiBaseUrl !== undefined ? { apiBaseUrl: account.apiBaseUrl } : {}),
          },
          credentials: null,
          symbols: ['BTC/USDT', 'BTC/USDT:USDT'],
        });
        isOwned = true;
      }
      if (!session.listMarkets) return fail('not_found', `${exchange} cannot list its markets here`);
      return ok({ exchange, symbols: await session.listMarkets() });
    } catch (error) {
      return fail('internal', `could not load ${exchange}'s markets: ${(error as Error).message}`);
    } finally {
      if (isOwned) await session?.close().catch(() => undefined);
    }
  }
}
