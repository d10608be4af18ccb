/** What the profiling build records on `window.__stratdeskProfile` (see profiling.ts); read by bench/renderer.ts. */
export interface ProfileData {
  commits: number[];
  commitAt: number[];
  writes: number[];
  updates: number[];
  /** React's part of `updates`, per stream message. */
  updateReact: number[];
  updateAt: number[];
  updateToPaint: number[];
  frames: number;
}
