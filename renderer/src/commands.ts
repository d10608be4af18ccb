/**
 * What the trader's clicks do. Every command's failure lands in the error banner: a pause that did
 * not happen must never look like one that did.
 */
import type { CommandError, Result } from '../../shared/contract.ts';
import type { InstanceDetail, RebalancePolicy } from '../../shared/model.ts';
import { applyInstanceResult, applyStrategyResult } from './bridge.ts';
import type { RowAction, StratdeskStore } from './store/index.ts';
import type { Transport } from './transport.ts';

export type ExportKind = 'fills' | 'funding' | 'metrics';

/** Hands a file to the user: a Blob download in the browser, and in Electron's window alike. */
export type SaveFile = (filename: string, text: string, mime: string) => void;

export interface AppCommands {
  pauseStrategy: (id: string) => Promise<void>;
  resumeStrategy: (id: string) => Promise<void>;
  startInstance: (id: string) => Promise<void>;
  stopInstance: (id: string) => Promise<void>;
  /** Runs any row action by name (the confirm dialog's "yes"). */
  runAction: (id: string, action: RowAction) => Promise<void>;
  /** Asks before doing it: Stop always, and pause/resume from the keyboard. */
  askAction: (id: string, action: RowAction) => void;
  confirmPending: () => Promise<void>;
  cancelPending: () => void;
  /** The detail panel's data; failures come back as a Result for the panel to show in place. */
  loadDetail: (id: string, fills: number) => Promise<Result<InstanceDetail>>;
  /** One code path for Electron and serve mode: the command's {filename, csv}, saved as a Blob. */
  exportCsv: (id: string, kind: ExportKind) => Promise<void>;
  /** Opens the panel and asks for a dry-run plan; `null` lets the workspace's policy decide. */
  planRebalance: (policy: RebalancePolicy | null) => Promise<void>;
  /** Applies the rebalance with the policy of the plan on screen. */
  applyRebalance: () => Promise<void>;
  closeRebalance: () => void;
}

const COMMAND_OF: Record<RowAction, 'strategy/pause' | 'strategy/resume' | 'instance/start' | 'instance/stop'> = {
  pause: 'strategy/pause',
  resume: 'strategy/resume',
  start: 'instance/start',
  stop: 'instance/stop',
};

export function createAppCommands(transport: Transport, store: StratdeskStore, saveFile: SaveFile = () => {}): AppCommands {
  const reportError = (source: string, error: CommandError): void => store.getState().pushError(source, error);

  // Bumped whenever the panel is (re)opened or closed: an answer for a panel the trader has already
  // closed or re-planned must not pop it back up.
  let rebalanceRun = 0;

  async function rowAction(id: string, action: RowAction): Promise<void> {
    const { pendingById, setPending } = store.getState();
    if (pendingById[id] !== undefined) return; // a double click must not send two commands
    setPending(id, action);
    const name = COMMAND_OF[action];
    try {
      if (name === 'strategy/pause' || name === 'strategy/resume') {
        const result = await transport.command(name, { id, reason: 'from the dashboard' });
        if (result.ok) applyStrategyResult(store, result.value);
        else reportError(`${name} ${id}`, result.error);
      } else {
        const result = await transport.command(name, { id, reason: 'from the dashboard' });
        if (result.ok) applyInstanceResult(store, result.value);
        else reportError(`${name} ${id}`, result.error);
      }
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

  async function confirmPending(): Promise<void> {
    const pending = store.getState().confirm;
    if (pending === null) return;
    store.getState().askConfirm(null);
    await rowAction(pending.id, pending.action);
  }

  async function exportCsv(id: string, kind: ExportKind): Promise<void> {
    const result = await transport.command('instance/export', { id, kind });
    if (!result.ok) {
      reportError(`instance/export ${id} ${kind}`, result.error);
      return;
    }
    saveFile(result.value.filename, result.value.csv, 'text/csv;charset=utf-8');
  }

  return {
    pauseStrategy: (id) => rowAction(id, 'pause'),
    resumeStrategy: (id) => rowAction(id, 'resume'),
    startInstance: (id) => rowAction(id, 'start'),
    stopInstance: (id) => rowAction(id, 'stop'),
    runAction: rowAction,
    askAction: (id, action) => store.getState().askConfirm({ id, action }),
    confirmPending,
    cancelPending: () => store.getState().askConfirm(null),
    loadDetail: (id, fills) => transport.command('instance/detail', { id, fills }),
    exportCsv,
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
