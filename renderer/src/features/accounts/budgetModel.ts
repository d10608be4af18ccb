/**
 * Each exchange host's request budget as the accounts view shows it (issue 12): weight used over the
 * host's limit in its current window, the share kept for orders, and whether reads are waiting. Every
 * account on one host draws from one budget, so the view lists hosts, not accounts.
 */
import type { HostBudget } from '../../../../shared/model.ts';
import { formatCount } from '../../format.ts';

/** `ok`; `busy` past half the limit; `full` once reads reach the share kept for orders (reads wait for the next window). */
export type BudgetLevel = 'ok' | 'busy' | 'full';

export interface BudgetRow {
  key: string;
  /** "api.binance.com" (the origin without its scheme). */
  host: string;
  pool: string;
  /** "1,234 / 6,000 a minute". */
  usedText: string;
  /** used / limit, clamped to [0, 1]. */
  share: number;
  level: BudgetLevel;
  /** What the trader should know beyond the count: a pause the exchange asked for, requests waiting, the reserve. */
  note: string;
}

export function budgetRows(budgets: readonly HostBudget[] | undefined, now: number): BudgetRow[] {
  return (budgets ?? []).map((b) => {
    const readCap = b.limit - b.reserved;
    const blockedFor = b.blockedUntil === null ? 0 : Date.parse(b.blockedUntil) - now;
    const level: BudgetLevel = blockedFor > 0 || b.used >= readCap ? 'full' : b.used >= b.limit / 2 ? 'busy' : 'ok';
    const notes = [
      ...(blockedFor > 0 ? [`paused by the exchange for ${Math.ceil(blockedFor / 1000)}s more`] : []),
      ...(b.queued > 0 ? [`${formatCount(b.queued)} waiting for the next window`] : []),
      `${formatCount(b.reserved)} kept for orders and cancels`,
    ];
    return {
      key: `${b.origin}|${b.pool}`,
      host: hostOf(b.origin),
      pool: b.pool,
      usedText: `${formatCount(b.used)} / ${formatCount(b.limit)} ${windowText(b.windowMs)}`,
      share: b.limit > 0 ? Math.min(1, Math.max(0, b.used / b.limit)) : 0,
      level,
      note: notes.join('; '),
    };
  });
}

function hostOf(origin: string): string {
  try {
    return new URL(origin).host;
  } catch {
    return origin;
  }
}

/** "a minute", "per 5s". */
export function windowText(ms: number): string {
  if (ms === 60_000) return 'a minute';
  return ms % 60_000 === 0 ? `per ${ms / 60_000} min` : `per ${ms / 1000}s`;
}
