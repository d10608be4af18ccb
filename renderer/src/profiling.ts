/**
 * Measurement hooks for `bench/renderer.ts`, compiled in only by `vite build --mode profile`
 * (which also swaps in React's profiling build, see vite.config.ts). In every other build
 * `import.meta.env.MODE !== 'profile'` is a constant and these are no-ops.
 *
 * What it records, on `window.__stratdeskProfile`:
 * - commits: React Profiler actualDuration per commit (ms); commitAt: when each was committed (performance.now());
 * - writes: the time of each direct DOM write outside React (`useStoreWriter`: the figures of rows on screen), ms;
 * - updates (updateReact: React's part): per stream message, the render work it caused: React's actualDuration of its commits plus its
 *   direct writes (ms), so moving work out of React cannot hide it; updateAt: when the message arrived;
 * - updateRows: per stream message, the strategy rows React rendered for it;
 * - updateParts: per stream message, React's render time by part (below);
 * - parts: React's render time by part of the window (each a <Profiler> inside the app's, App.tsx), ms in all;
 * - updateToPaint: from a stream message's arrival to the frame after React committed it (ms);
 * - frames: stream frames seen, with their size in characters (UTF-16 ≈ bytes for this ASCII JSON).
 */
import type { ProfileData } from './profileData.ts';
import type { Transport } from './transport.ts';

const isProfiling = import.meta.env.MODE === 'profile';
const data: ProfileData = {
  commits: [],
  commitAt: [],
  writes: [],
  updates: [],
  updateReact: [],
  updateAt: [],
  updateRows: [],
  updateMoves: [],
  updateReactMoves: [],
  updateParts: [],
  updateToPaint: [],
  parts: {},
  frames: 0,
};
if (isProfiling && typeof window !== 'undefined') (window as unknown as { __stratdeskProfile: ProfileData }).__stratdeskProfile = data;

/** The render work of the stream message being handled (until its frame is drawn), or null between messages. */
let current: { work: number; react: number; rows: number; moves: number; reactMoves: number; parts: Record<string, number> } | null = null;

export function recordCommit(
  id: string,
  _phase: string,
  actualDuration: number,
  _baseDuration: number,
  _startTime: number,
  commitTime: number,
): void {
  if (!isProfiling) return;
  // The parts' Profilers sit inside the app's: their time is already in the app's commit.
  if (id !== 'app') {
    data.parts[id] = (data.parts[id] ?? 0) + actualDuration;
    if (current !== null) current.parts[id] = (current.parts[id] ?? 0) + actualDuration;
    return;
  }
  data.commits.push(actualDuration);
  data.commitAt.push(commitTime);
  if (current !== null) {
    current.work += actualDuration;
    current.react += actualDuration;
  }
}

/** A strategy row rendered by React, counted in the current message's figures. */
export function recordRowRender(): void {
  if (isProfiling && current !== null) current.rows += 1;
}

/**
 * Table rows moved in the DOM for the current message, and how many React's own keyed reordering would
 * have moved for the same change: it keeps a row only if the row was after every row kept before it.
 */
export function recordRowMoves(moves: number, positions: readonly number[]): void {
  if (!isProfiling || current === null) return;
  current.moves += moves;
  let lastPlaced = -1;
  for (const p of positions) {
    if (p < lastPlaced) current.reactMoves += 1;
    else lastPlaced = p;
  }
}

/** Runs a direct DOM write; in the profiling build, times it and counts it in the current message's work. */
export function timeWrite(write: () => void): void {
  if (!isProfiling) {
    write();
    return;
  }
  const start = performance.now();
  write();
  const ms = performance.now() - start;
  data.writes.push(ms);
  if (current !== null) current.work += ms;
}

/** Wraps the transport so each stream message's render work and time to the next painted frame are measured. */
export function installProfiling(transport: Transport): Transport {
  if (!isProfiling) return transport;
  return {
    ...transport,
    onStream: (listener) =>
      transport.onStream((message) => {
        const start = performance.now();
        const bucket = { work: 0, react: 0, rows: 0, moves: 0, reactMoves: 0, parts: {} };
        current = bucket;
        data.frames += 1;
        listener(message);
        // rAF runs before the next paint, after React's commit (a microtask); the timeout after it runs
        // once that frame is out.
        requestAnimationFrame(() => {
          data.updates.push(bucket.work);
          data.updateReact.push(bucket.react);
          data.updateRows.push(bucket.rows);
          data.updateMoves.push(bucket.moves);
          data.updateReactMoves.push(bucket.reactMoves);
          data.updateParts.push(bucket.parts);
          data.updateAt.push(start);
          if (current === bucket) current = null;
          setTimeout(() => data.updateToPaint.push(performance.now() - start), 0);
        });
      }),
  };
}
