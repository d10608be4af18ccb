/** The request-weight budgets the window shows: each exchange host's weight in use in its current window. */
import type { HostBudget } from '../../../shared/model.ts';
import { CONTROL_RESERVE, type WeightBudgetRegistry } from '../exchange/weightBudget.ts';

export function hostBudgets(registry: WeightBudgetRegistry): HostBudget[] {
  const now = registry.now();
  return registry
    .all()
    .map(({ target, snapshot }) => ({
      origin: target.origin,
      pool: target.pool,
      used: snapshot.used,
      limit: snapshot.limit,
      windowMs: target.policy.windowMs,
      reserved: Math.floor(snapshot.limit * CONTROL_RESERVE),
      queued: snapshot.queued,
      blockedUntil: snapshot.blockedUntil > now ? new Date(snapshot.blockedUntil).toISOString() : null,
    }))
    .sort((a, b) => a.origin.localeCompare(b.origin) || a.pool.localeCompare(b.pool));
}

/**
 * Share of a host's window past which a history catch-up waits for a later round: it runs in the
 * background, leaving the rest of the window to live reads (and the control reserve to orders).
 */
export const CATCH_UP_SHARE = 0.5;

/**
 * Whether a catch-up on this account should wait: a budget it draws from is past `CATCH_UP_SHARE`,
 * has requests queued, or is paused by the exchange. An account's budgets are those of its own API
 * host (a simulator, a proxy), else those whose host names its exchange (api.binance.com for binance).
 */
export function isCatchUpHeld(budgets: readonly HostBudget[], account: { exchange: string; apiBaseUrl?: string | undefined }): boolean {
  const origin = account.apiBaseUrl === undefined ? null : new URL(account.apiBaseUrl).origin;
  const name = account.exchange.replace(/(usdm|coinm|futures)$/, '');
  return budgets
    .filter((b) => (origin === null ? new URL(b.origin).hostname.includes(name) : b.origin === origin))
    .some((b) => b.used >= b.limit * CATCH_UP_SHARE || b.queued > 0 || b.blockedUntil !== null);
}
