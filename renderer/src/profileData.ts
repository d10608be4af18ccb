/** What the profiling build records on `window.__stratdeskProfile` (see profiling.ts); read by bench/renderer.ts. */
export interface ProfileData {
  commits: number[];
  commitAt: number[];
  writes: number[];
  updates: number[];
  /** React's part of `updates`, per stream message. */
  updateReact: number[];
  updateAt: number[];
  /** Strategy rows React rendered, per stream message. */
  updateRows: number[];
  /** Table rows moved in the DOM to put the window in order (`putRowsInOrder`), per stream message. */
  updateMoves: number[];
  /** The rows React's own keyed reordering would have moved for the same change, per stream message. */
  updateReactMoves: number[];
  /** React's render time by part of the window, per stream message. */
  updateParts: Record<string, number>[];
  /** React's render time by part of the window (App.tsx), ms in all. */
  parts: Record<string, number>;
  updateToPaint: number[];
  frames: number;
}
