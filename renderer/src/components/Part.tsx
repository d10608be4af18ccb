import { Profiler, type ReactNode } from 'react';
import { recordCommit } from '../profiling.ts';

/**
 * In the profiling build (bench/renderer.ts) each part of the window is its own <Profiler>, so a delta's React
 * time can be told apart by part; elsewhere a plain fragment.
 */
export function Part({ id, children }: { id: string; children: ReactNode }) {
  return import.meta.env.MODE === 'profile' ? (
    <Profiler id={id} onRender={recordCommit}>
      {children}
    </Profiler>
  ) : (
    children
  );
}
