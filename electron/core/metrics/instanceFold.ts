/**
 * An instance's fold kept per symbol, with checkpoints (DESIGN.md, "Money"). Symbols fold
 * independently (a position, its average and its realized PnL belong to one symbol), so a fill that
 * arrives late in one symbol refolds that symbol only, and only from the nearest checkpoint before
 * the late fill — not the instance's whole history on every sync of a funding arbitrage.
 */
import type { Fill } from '../exchange/types.ts';
import { cloneFold, compareFillOrder, emptyFold, foldFill, isLateFill, mergeFolds, type FoldState } from './pnl.ts';

/** Where a refold reads the instance's fills from, in fold order (the ledger). */
export interface FoldSource {
  eachFill(fn: (fill: Fill) => void): number;
  /** The instance's fills in `symbol` with timestamp ≥ `fromTs`. */
  eachFillOfSymbol(symbol: string, fromTs: number, fn: (fill: Fill) => void): number;
}

/** A checkpoint every this many fills of a symbol: a late fill refolds at most this many (plus what came after it). */
export const CHECKPOINT_EVERY = 2_000;

interface Checkpoint {
  ts: number;
  id: string;
  count: number;
  fold: FoldState;
}

interface Track {
  fold: FoldState;
  count: number;
  checkpoints: Checkpoint[];
}

export class InstanceFold {
  readonly quoteCurrency: string;
  readonly checkpointEvery: number;
  #tracks = new Map<string, Track>();
  #funding = 0;
  #merged: FoldState | null = null;
  /** Fills folded again because one arrived late (the bench and the tests read it). */
  refolded = 0;

  constructor(quoteCurrency: string, checkpointEvery = CHECKPOINT_EVERY) {
    this.quoteCurrency = quoteCurrency;
    this.checkpointEvery = Math.max(1, checkpointEvery);
  }

  /** The instance's figures: every symbol's fold added up, with its funding. */
  get state(): FoldState {
    if (this.#merged === null) {
      this.#merged = mergeFolds(
        this.quoteCurrency,
        [...this.#tracks.values()].map((t) => t.fold),
      );
      this.#merged.funding = this.#funding;
    }
    return this.#merged;
  }

  get funding(): number {
    return this.#funding;
  }

  set funding(total: number) {
    this.#funding = total;
    if (this.#merged !== null) this.#merged.funding = total;
  }

  /** Folds everything from the source again (start-up, or fills re-attributed to the instance). */
  recompute(source: FoldSource): void {
    this.#tracks.clear();
    source.eachFill((fill) => this.#fold(this.#track(fill.symbol), fill));
    this.#merged = null;
  }

  /**
   * Folds new rows (in fold order). A symbol whose new rows sort before what it has folded refolds
   * from its nearest checkpoint; the other symbols just fold on. Returns the symbols that refolded.
   */
  add(rows: readonly Fill[], source: FoldSource): string[] {
    if (rows.length === 0) return [];
    const late = new Map<string, Fill>();
    for (const row of rows) {
      const track = this.#tracks.get(row.symbol);
      const seen = late.get(row.symbol);
      if (
        track !== undefined &&
        isLateFill(track.fold, row) &&
        (seen === undefined || compareFillOrder(row.timestamp, row.id, seen.timestamp, seen.id) < 0)
      )
        late.set(row.symbol, row);
    }
    for (const row of rows) if (!late.has(row.symbol)) this.#fold(this.#track(row.symbol), row);
    for (const [symbol, first] of late) this.#refold(symbol, first, source);
    this.#merged = null;
    return [...late.keys()];
  }

  #track(symbol: string): Track {
    let t = this.#tracks.get(symbol);
    if (t === undefined) {
      t = { fold: emptyFold(this.quoteCurrency), count: 0, checkpoints: [] };
      this.#tracks.set(symbol, t);
    }
    return t;
  }

  #fold(track: Track, fill: Fill): void {
    foldFill(track.fold, fill);
    track.count++;
    if (track.count % this.checkpointEvery === 0)
      track.checkpoints.push({ ts: fill.timestamp, id: fill.id, count: track.count, fold: cloneFold(track.fold) });
  }

  /** Refolds `symbol` from the last checkpoint that sorts before `late`, reading the source from there. */
  #refold(symbol: string, late: Fill, source: FoldSource): void {
    const track = this.#track(symbol);
    let keep = track.checkpoints.length;
    while (keep > 0) {
      const cp = track.checkpoints[keep - 1] as Checkpoint;
      if (compareFillOrder(cp.ts, cp.id, late.timestamp, late.id) < 0) break;
      keep--;
    }
    const from = keep > 0 ? (track.checkpoints[keep - 1] as Checkpoint) : null;
    track.checkpoints.length = keep;
    // The checkpoint stays as it was (a later refold may start from it again): fold on a copy.
    track.fold = from === null ? emptyFold(this.quoteCurrency) : cloneFold(from.fold);
    track.count = from?.count ?? 0;
    this.refolded += source.eachFillOfSymbol(symbol, from?.ts ?? Number.MIN_SAFE_INTEGER, (fill) => {
      if (from !== null && compareFillOrder(fill.timestamp, fill.id, from.ts, from.id) <= 0) return;
      this.#fold(track, fill);
    });
  }
}
