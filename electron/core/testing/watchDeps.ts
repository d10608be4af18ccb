/** Engine dependencies for instances that only sync (tests and benches of the sync paths): no budget, never paused, no trading. */
import { systemClock } from '../clock.ts';
import type { EngineDeps } from '../engine/botEngine.ts';
import type { Ledger } from '../ledger/ledger.ts';
import { silentLogger } from '../log.ts';

export function watchDeps(ledger: Ledger): EngineDeps {
  return {
    clock: systemClock,
    ledger,
    log: silentLogger,
    budget: () => 0,
    isPaused: () => false,
    onFillsClaimed: () => {},
    position: () => 0,
  };
}
