/**
 * Catch-up: an instance whose first sync reads a long history (or the app coming back after days
 * closed) reports how far it has read (`health.catchUp`). The row shows a bar with the share and
 * the time read to; the header sums it up. Pure functions so the wording and the aggregation are
 * unit tested.
 */
import type { CatchUp, StrategyView } from '../../../../shared/model.ts';
import { NOT_A_FIGURE, formatTimestamp } from '../../format.ts';

const DAY_MS = 86_400_000;

/** Clamps to [0, 1]; anything that is not a finite number counts as nothing read. */
export function clampProgress(progress: number): number {
  if (!Number.isFinite(progress)) return 0;
  return Math.min(1, Math.max(0, progress));
}

/**
 * "43 %". Rounded down, so a catch-up that is not finished never reads "100 %" (the host clears
 * `catchUp` once it is done; until then, at most "99 %").
 */
export function formatProgress(progress: number): string {
  if (!Number.isFinite(progress)) return NOT_A_FIGURE;
  return `${Math.floor(clampProgress(progress) * 100)} %`;
}

/**
 * "read to 11-18" while it is more than a day behind, "read to 04:05" within the last day (UTC, as
 * every time on screen): short enough for the health cell, and the unit that moves at that distance.
 * The tooltip has the full timestamp.
 */
export function formatReadTo(iso: string, now: number): string {
  const time = Date.parse(iso);
  if (Number.isNaN(time)) return `read to ${iso}`;
  const text = new Date(time).toISOString();
  return now - time > DAY_MS ? `read to ${text.slice(5, 10)}` : `read to ${text.slice(11, 16)}`;
}

/** The tooltip's line: "Catching up: history read to 2026-11-18 04:00:00 UTC (43 %)". */
export function catchUpLine(catchUp: CatchUp): string {
  return `Catching up: history read to ${formatTimestamp(catchUp.readTo)} (${formatProgress(catchUp.progress)})`;
}

export interface CatchUpSummary {
  /** Instances whose first sync is still reading history. */
  count: number;
  /** Mean share read over those instances, 0–1; 0 when there are none. */
  progress: number;
  /** The earliest time any of them has read to (ISO), null when none is catching up. */
  oldestReadTo: string | null;
}

/**
 * Over the strategies in display order. The mean gives each instance the same weight: the header
 * says "how far along the catch-up is", the rows say which instance holds it back.
 */
export function summarizeCatchUp(ids: readonly string[], byId: Readonly<Record<string, StrategyView>>): CatchUpSummary {
  let count = 0;
  let sum = 0;
  let oldest: number | null = null;
  let oldestIso: string | null = null;
  for (const id of ids) {
    const catchUp = byId[id]?.health.catchUp;
    if (catchUp === undefined || catchUp === null) continue;
    count += 1;
    sum += clampProgress(catchUp.progress);
    const t = Date.parse(catchUp.readTo);
    if (!Number.isNaN(t) && (oldest === null || t < oldest)) {
      oldest = t;
      oldestIso = catchUp.readTo;
    }
  }
  return { count, progress: count === 0 ? 0 : sum / count, oldestReadTo: oldestIso };
}

/** "catching up 2 instances — 43 %", or "" when nothing is catching up. */
export function catchUpLabel(summary: Pick<CatchUpSummary, 'count' | 'progress'>): string {
  if (summary.count === 0) return '';
  const noun = summary.count === 1 ? 'instance' : 'instances';
  return `catching up ${summary.count} ${noun} \u2014 ${formatProgress(summary.progress)}`;
}
