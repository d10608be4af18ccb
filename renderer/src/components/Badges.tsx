import type { HealthState, InstanceMode, StrategyStatus } from '../../../shared/model.ts';

// The text content stays the raw model value ("paper", "live"): CSS uppercases it, and tests and
// screen readers get the word the API uses.

const MODE_HINT: Record<InstanceMode, string> = {
  live: 'Live: places real orders',
  paper: 'Paper: simulated fills on live market data, no real orders',
  observe: 'Observe: never trades; tracks an account traded by something else',
};

export function ModeBadge({ mode }: { mode: InstanceMode }) {
  return (
    <span className={`badge badge--mode-${mode}`} title={MODE_HINT[mode]}>
      {mode}
    </span>
  );
}

const STATUS_HINT: Record<StrategyStatus, string> = {
  live: 'Running and allowed to trade',
  paused: 'Paused by command: no new orders, open orders cancelled, positions kept, still syncing',
  stopped: 'Instance not running',
};

export function StatusBadge({ status }: { status: StrategyStatus }) {
  return (
    <span className={`badge badge--status-${status}`} title={STATUS_HINT[status]}>
      {status}
    </span>
  );
}

export function HealthBadge({ state }: { state: HealthState }) {
  return <span className={`health health--${state}`}>{state}</span>;
}
