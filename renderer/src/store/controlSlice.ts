/**
 * What the last control command left on the exchange's book (pause, stop, Stop all, cancels): the
 * orders the exchange still showed when it answered. A stop with orders still open must never read
 * as a bare "stopped"; the notice stays until the trader dismisses it or the next control replaces it.
 * The set-up view's open/closed state lives here too.
 */
import type { StateCreator } from 'zustand/vanilla';
import type { StillOpen } from '../../../shared/model.ts';
import type { StratdeskState } from './index.ts';

export type ControlAction = 'pause' | 'resume' | 'start' | 'stop' | 'stopAll' | 'cancelOrder' | 'cancelAll';

export interface ControlNotice {
  action: ControlAction;
  /** The instance, or "portfolio" for Stop all. */
  target: string;
  /** Orders the exchange still showed after the command; [] = the book was read back clean. */
  stillOpen: readonly StillOpen[];
  /** ms since epoch, when the answer arrived. */
  at: number;
}

export interface ControlSlice {
  controlNotice: ControlNotice | null;
  setControlNotice: (notice: ControlNotice | null) => void;
  isSetupOpen: boolean;
  setSetupOpen: (isOpen: boolean) => void;
}

export const createControlSlice: StateCreator<StratdeskState, [], [], ControlSlice> = (set) => ({
  controlNotice: null,
  setControlNotice: (controlNotice) => set({ controlNotice }),
  isSetupOpen: false,
  setSetupOpen: (isSetupOpen) => set({ isSetupOpen }),
});
