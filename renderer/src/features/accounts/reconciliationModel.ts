/**
 * What the account's reconciliation view shows and when it alerts, as pure functions of the host's
 * `Reconciliation` (issue 13) and the trader's threshold.
 */
import type { Reconciliation } from '../../../../shared/model.ts';

/** How often the open view reconciles again (the host reads balances and histories: keep it slow). */
export const REFRESH_MS = 60_000;

/** Where the trader's alert threshold is kept in the window (per account). */
export function thresholdKey(accountId: string): string {
  return `stratdesk.reconcile.threshold.${accountId}`;
}

/** A difference the view names, in its own unit (an asset, or base of a symbol). */
export interface Drift {
  what: string;
  unit: string;
  difference: number;
}

/** Every non-zero difference: assets first, then positions. */
export function drifts(r: Reconciliation): Drift[] {
  return [
    ...r.assets.filter((a) => a.difference !== 0).map((a) => ({ what: a.asset, unit: a.asset, difference: a.difference })),
    ...r.positions.filter((p) => p.difference !== 0).map((p) => ({ what: p.symbol, unit: baseOf(p.symbol), difference: p.difference })),
  ];
}

/**
 * The differences past the trader's threshold (an absolute amount in each difference's own unit;
 * 0 = any difference). Unattributed fills alert at any threshold: nobody placed them.
 */
export function driftAlert(r: Reconciliation, threshold: number): string | null {
  const past = drifts(r).filter((d) => Math.abs(d.difference) > Math.max(0, threshold));
  const parts = past.map((d) => `${d.what} ${d.difference > 0 ? '+' : ''}${d.difference} ${d.unit === d.what ? '' : d.unit}`.trim());
  if (r.unattributed.length > 0) parts.push(`${r.unattributed.length} fill${r.unattributed.length === 1 ? '' : 's'} no instance placed`);
  return parts.length === 0 ? null : `Drift on ${r.account}: ${parts.join(', ')}`;
}

/** One headline: matched, or how many things differ. */
export function verdict(r: Reconciliation): { isMatched: boolean; text: string } {
  if (r.ok) return { isMatched: true, text: 'Matched' };
  const n = drifts(r).length;
  const u = r.unattributed.length;
  const bits = [n > 0 ? `${n} difference${n === 1 ? '' : 's'}` : null, u > 0 ? `${u} unattributed fill${u === 1 ? '' : 's'}` : null];
  const text = bits.filter((b) => b !== null).join(', ');
  return { isMatched: false, text: text === '' ? 'Not matched (see notes)' : text };
}

/** A threshold typed by the trader: a non-negative number, or null when it is not one. */
export function parseThreshold(text: string): number | null {
  const value = Number(text.trim());
  return text.trim() !== '' && Number.isFinite(value) && value >= 0 ? value : null;
}

function baseOf(symbol: string): string {
  return symbol.split('/')[0] ?? symbol;
}
