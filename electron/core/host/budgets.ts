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
