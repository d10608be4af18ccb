/**
 * The host's two reconciliation commands, from the host's own parts (structural, so this module does
 * not depend on the host): `account/reconcile` → `reconcileForHost(host, id)`, `account/assignFill`
 * → `assignFillForHost(host, input)`. Both answer a `Result` and never throw across the boundary.
 */
import { fail, ok, type Result } from '../../../shared/contract.ts';
import type { Reconciliation } from '../../../shared/model.ts';
import type { ExchangeSession } from '../exchange/types.ts';
import type { Ledger } from '../ledger/ledger.ts';
import { assignFill, reconcileAccount, type ReconcileInstance, type ReconcileOptions } from './reconcile.ts';

export interface ReconcileHostParts {
  readonly ledger: Ledger;
  readonly clock: { now(): number };
  readonly engine: { all(): { id: string; config: { account: string; mode: ReconcileInstance['mode']; symbols: string[] } }[] };
  readonly sessions: { accountSession(accountId: string): ExchangeSession | null };
  readonly portfolio: { get(id: string): { allocation: number } | undefined };
  readonly sync: { syncNow(ids?: readonly string[]): Promise<void>; markForRecompute(id: string): void };
}

/** Tuning a caller may pass through (tests; a host that wants a wider settle window). */
export type ReconcileTuning = Pick<ReconcileOptions, 'tolerance' | 'settleMs' | 'maxReads' | 'sleep' | 'rollAfterMs'>;

function instancesOf(h: ReconcileHostParts, accountId: string): ReconcileInstance[] {
  return h.engine
    .all()
    .filter((i) => i.config.account === accountId)
    .map((i) => ({ id: i.id, mode: i.config.mode, symbols: i.config.symbols, capital: h.portfolio.get(i.id)?.allocation ?? 0 }));
}

export async function reconcileForHost(
  h: ReconcileHostParts,
  accountId: string,
  tuning: ReconcileTuning = {},
): Promise<Result<Reconciliation>> {
  const session = h.sessions.accountSession(accountId);
  if (session === null)
    return fail('not_found', `account "${accountId}" has no connected session (unknown account, no instance, or locked keys)`);
  const instances = instancesOf(h, accountId);
  try {
    return ok(
      await reconcileAccount({
        account: accountId,
        session,
        ledger: h.ledger,
        instances,
        now: () => h.clock.now(),
        syncLedger: () => h.sync.syncNow(instances.map((i) => i.id)),
        ...tuning,
      }),
    );
  } catch (error) {
    return fail('internal', `reconciling "${accountId}" failed: ${(error as Error).message}`);
  }
}

export async function assignFillForHost(
  h: ReconcileHostParts,
  input: { id: string; symbol: string; fillId: string; instance: string | null },
  tuning: ReconcileTuning = {},
): Promise<Result<Reconciliation>> {
  const session = h.sessions.accountSession(input.id);
  if (session === null) return fail('not_found', `account "${input.id}" has no connected session`);
  const result = assignFill({
    ledger: h.ledger,
    session,
    instances: instancesOf(h, input.id),
    symbol: input.symbol,
    fillId: input.fillId,
    instance: input.instance,
    now: h.clock.now(),
  });
  if (!result.ok) return fail(result.code, result.message);
  // The instances the fill left and joined refold from the ledger before the answer is computed.
  for (const id of result.refold) h.sync.markForRecompute(id);
  if (result.refold.length > 0) await h.sync.syncNow(result.refold);
  return reconcileForHost(h, input.id, tuning);
}
