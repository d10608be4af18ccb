/**
 * Measurement hooks for `bench/renderer.ts`, compiled in only by `vite build --mode profile`
 * (which also swaps in React's profiling build, see vite.config.ts). In every other build
 * `import.meta.env.MODE !== 'profile'` is a constant and these are no-ops.
 *
 * What it records, on `window.__stratdeskProfile`:
 * - commits: React Profiler actualDuration per commit (ms); commitAt: when each was committed (performance.now());
 * - updateToPaint: from a stream message's arrival to the frame after React committed it (ms);
 * - frames: stream frames seen, with their size in characters (UTF-16 ≈ bytes for this ASCII JSON).
 */
import type { Transport } from './transport.ts';

export interface ProfileData {
  commits: number[];
  commitAt: number[];
  updateToPaint: number[];
  frames: number;
}

const isProfiling = import.meta.env.MODE === 'profile';
const data: ProfileData = { commits: [], commitAt: [], updateToPaint: [], frames: 0 };
if (isProfiling && typeof window !== 'undefined') (window as unknown as { __stratdeskProfile: ProfileData }).__stratdeskProfile = data;

export function recordCommit(
  _id: string,
  _phase: string,
  actualDuration: number,
  _baseDuration: number,
  _startTime: number,
  commitTime: number,
): void {
  if (!isProfiling) return;
  data.commits.push(actualDuration);
  data.commitAt.push(commitTime);
}

/** Wraps the transport so each stream message's time from arrival to the next painted frame is measured. */
export function installProfiling(transport: Transport): Transport {
  if (!isProfiling) return transport;
  return {
    ...transport,
    onStream: (listener) =>
      transport.onStream((message) => {
        const start = performance.now();
        data.frames += 1;
        listener(message);
        // rAF runs before the next paint; the timeout after it runs once that frame is out.
        requestAnimationFrame(() => setTimeout(() => data.updateToPaint.push(performance.now() - start), 0));
      }),
  };
}
