import { memo } from 'react';
import type { HealthState, InstanceMode, StrategyStatus } from '../../../shared/model.ts';

// Memoised: a table row re-renders on every figure it shows, its badges only when their value changes.
// The text content stays the raw model value ("paper", "live"): CSS uppercases it, and tests and
// screen readers get the word the API uses.

/** What each badge means, by family (its class is `badge--<family>-<value>`). */
const BADGE_HINT = {
  mode: {
    live: 'Live: places real orders',
    paper: 'Paper: simulated fills on live market data, no real orders',
    observe: 'Observe: never trades; tracks an account traded by something else',
  } satisfies Record<InstanceMode, string>,
  status: {
    live: 'Running and allowed to trade',
    paused: 'Paused by command: no new orders, open orders cancelled, positions kept, still syncing',
    stopped: 'Instance not running',
  } satisfies Record<StrategyStatus, string>,
};

function Badge<F extends keyof typeof BADGE_HINT>({ family, value }: { family: F; value: keyof (typeof BADGE_HINT)[F] & string }) {
  const hints: Record<string, string> = BADGE_HINT[family];
  return (
    <span className={`badge badge--${family}-${value}`} title={hints[value]}>
      {value}
    </span>
  );
}

export const ModeBadge = memo(function ModeBadge({ mode }: { mode: InstanceMode }) {
  return <Badge family="mode" value={mode} />;
});

export const StatusBadge = memo(function StatusBadge({ status }: { status: StrategyStatus }) {
  return <Badge family="status" value={status} />;
});

export const HealthBadge = memo(function HealthBadge({ state }: { state: HealthState }) {
  return <span className={`health health--${state}`}>{state}</span>;
});
