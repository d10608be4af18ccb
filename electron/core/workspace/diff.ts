/**
 * What applying a workspace change does to each instance, so a hot apply touches only what changed:
 * added → started, removed → stopped, its own config or its account's changed → restarted, the rest
 * unchanged. Portfolio targets and policy restart nothing (the rebalance reads them); neither do
 * `syncIntervalMs`, `reportingCurrency` or `name` (the host applies those in place).
 */
import type { AccountConfig, InstanceConfig, Workspace } from './workspace.ts';

export interface WorkspaceDiff {
  started: string[];
  stopped: string[];
  restarted: string[];
  unchanged: string[];
}

export function diffWorkspaces(old: Workspace, next: Workspace): WorkspaceDiff {
  const before = new Map(old.instances.map((i) => [i.id, i]));
  const after = new Set(next.instances.map((i) => i.id));
  const oldAccounts = new Map(old.accounts.map((a) => [a.id, a]));
  const newAccounts = new Map(next.accounts.map((a) => [a.id, a]));
  const diff: WorkspaceDiff = { started: [], stopped: [], restarted: [], unchanged: [] };
  for (const instance of next.instances) {
    const was = before.get(instance.id);
    if (was === undefined) diff.started.push(instance.id);
    else if (!sameRun(was, instance, oldAccounts.get(was.account), newAccounts.get(instance.account))) diff.restarted.push(instance.id);
    else diff.unchanged.push(instance.id);
  }
  for (const instance of old.instances) if (!after.has(instance.id)) diff.stopped.push(instance.id);
  return diff;
}

function sameRun(a: InstanceConfig, b: InstanceConfig, accountA: AccountConfig | undefined, accountB: AccountConfig | undefined): boolean {
  return canonicalJson(a) === canonicalJson(b) && canonicalJson(accountA ?? null) === canonicalJson(accountB ?? null);
}

/** JSON with object keys sorted: equal for equal content whatever order the keys were written in. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)))
      : v,
  );
}
