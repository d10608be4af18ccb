/**
 * What the trader's clicks do. Every command's failure lands in the error banner: a pause that did
 * not happen must never look like one that did.
 */
import type { CommandError } from '../../shared/contract.ts';
import type { RebalancePolicy } from '../../shared/model.ts';
import { applyStrategyResult } from './bridge.ts';
import type { RowAction, StratdeskStore } from './store/index.ts';
import type { Transport } from './transport.ts';

export interface AppCommands {
  pauseStrategy: (id: string) => Promise<void>;
  resumeStrategy: (id: string) => Promise<void>;
  /** Opens the panel and asks for a dry-run plan; `null` lets the workspace's policy decide. */
  planRebalance: (policy: RebalancePolicy | null) => Promise<void>;
  /** Applies the rebalance with the policy of the plan on screen. */
  applyRebalance: () => Promise<void>;
  closeRebalance: () => void;
}

export function createAppCommands(transport: Transport, store: StratdeskStore): AppCommands {
  const reportError = (source: string, error: CommandError): void => store.getState().pushError(source, error);

  // Bumped whenever the panel is (re)opened or closed: an answer for a panel the trader has already
  // closed or re-planned must not pop it back up.
  let rebalanceRun = 0;

  async function rowAction(id: string, action: RowAction): Promise<void> {
    const { pendingById, setPending } = store.getState();
    if (pendingById[id] !== undefined) return; // a double click must not send two commands
    setPending(id, action);
    try {
      const name = action === 'pause' ? 'strategy/pause' : 'strategy/resume';
      const result = await transport.command(name, { id });
      if (result.ok) applyStrategyResult(store, result.value);
      else reportError(`${name} ${id}`, result.error);
    } finally {
      store.getState().setPending(id, null);
    }
  }

  async function planRebalance(policy: RebalancePolicy | null): Promise<void> {
    const run = ++rebalanceRun;
    store.getState().setRebalance({ phase: 'loading', policy });
    const input = policy === null ? { dryRun: true } : { dryRun: true, policy };
    const result = await transport.command('portfolio/rebalance', input);
    if (run !== rebalanceRun) return;
    if (result.ok) {
      store.getState().setRebalance({ phase: 'plan', policy, plan: result.value });
    } else {
      reportError('portfolio/rebalance (plan)', result.error);
      store.getState().setRebalance({ phase: 'closed' });
    }
  }

  async function applyRebalance(): Promise<void> {
    const current = store.getState().rebalance;
    if (current.phase !== 'plan') return;
    const run = ++rebalanceRun;
    const { policy, plan } = current;
    store.getState().setRebalance({ phase: 'applying', policy, plan });
    const input = policy === null ? { dryRun: false } : { dryRun: false, policy };
    const result = await transport.command('portfolio/rebalance', input);
    if (run !== rebalanceRun) return;
    if (result.ok) {
      store.getState().setRebalance({ phase: 'applied', policy, plan: result.value });
    } else {
      reportError('portfolio/rebalance (apply)', result.error);
      // Back to the plan so the trader can retry or cancel; the banner says what the host refused.
      store.getState().setRebalance({ phase: 'plan', policy, plan });
    }
  }

  return {
    pauseStrategy: (id) => rowAction(id, 'pause'),
    resumeStrategy: (id) => rowAction(id, 'resume'),
    planRebalance,
    applyRebalance,
    closeRebalance: () => {
      // Applying cannot be taken back once sent, so the panel stays until the answer is shown.
      if (store.getState().rebalance.phase === 'applying') return;
      rebalanceRun += 1;
      store.getState().setRebalance({ phase: 'closed' });
    },
  };
}
