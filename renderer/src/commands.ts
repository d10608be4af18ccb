/**
 * What the trader's clicks do. Every command's failure lands in the error banner: a pause that did
 * not happen must never look like one that did.
 */
import type { CommandError, CommandInput, Result } from '../../shared/contract.ts';
import type {
  ControlResult,
  InstanceDetail,
  MarketList,
  RebalancePolicy,
  Reconciliation,
  VaultStatus,
  WorkspaceApplied,
  WorkspaceDocument,
  WorkspaceState,
} from '../../shared/model.ts';
import { applyControlResult } from './bridge.ts';
import type { ControlAction, RebalanceUi, RowAction, StratdeskStore, VaultAction } from './store/index.ts';
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
  /** The kill switch's dialog: asked first, always. */
  askStopAll: () => void;
  cancelStopAll: () => void;
  /** Every instance stops, open orders cancelled, funding hedges unwound; the answer's snapshot is shown at once. */
  confirmStopAll: (reason: string) => Promise<void>;
  /** Opens the accounts-and-keys view and asks for the vault's status. */
  openVault: () => Promise<void>;
  closeVault: () => void;
  /** Re-reads the status; `quiet` keeps a failure out of the panel (the periodic refresh). */
  refreshVault: (options?: { quiet?: boolean }) => Promise<void>;
  /*
   * Vault actions. Each resolves true when the host did it. Passwords, keys and secrets go straight
   * from the caller into the command: nothing here keeps them.
   */
  createVault: (password: string) => Promise<boolean>;
  unlockVault: (password: string, remember: boolean) => Promise<boolean>;
  lockVault: (forget: boolean) => Promise<boolean>;
  changeVaultPassword: (oldPassword: string, newPassword: string) => Promise<boolean>;
  putVaultKey: (entry: VaultKeyInput) => Promise<boolean>;
  removeVaultKey: (name: string) => Promise<boolean>;
  /** One authenticated call with the account's key; the result (permissions, warnings) lands in the store. */
  testAccount: (id: string) => Promise<void>;
  /** The account's balances and positions against what its instances account for (issue 13); the view shows failures in place. */
  reconcileAccount: (id: string) => Promise<Result<Reconciliation>>;
  /** Gives an unattributed fill to an instance (null = outside); answers the reconciliation after it. */
  assignFill: (input: { id: string; symbol: string; fillId: string; instance: string | null }) => Promise<Result<Reconciliation>>;
  /** Cancels one of an instance's open orders; what stays on the book lands in the control notice. */
  cancelOrder: (id: string, orderId: string, symbol: string) => Promise<Result<ControlResult>>;
  /** Cancels every open order of one instance (it keeps running and may quote again). */
  cancelAll: (id: string) => Promise<Result<ControlResult>>;
  dismissControlNotice: () => void;
  /* Set-up (issue 14): the workspace as a document, edited in the window and applied as one change. */
  openSetup: () => void;
  closeSetup: () => void;
  getWorkspace: () => Promise<Result<WorkspaceState>>;
  /** Applies the whole document if `revision` is still the current one; refusals carry `error.fields[]`. */
  putWorkspace: (workspace: WorkspaceDocument, revision: number) => Promise<Result<WorkspaceApplied>>;
  undoWorkspace: () => Promise<Result<WorkspaceApplied>>;
  /** Migrates a legacy file to a document for review; nothing is applied. */
  importWorkspace: (legacy: unknown) => Promise<Result<{ workspace: unknown; notes: string[] }>>;
  listExchanges: () => Promise<Result<{ exchanges: string[] }>>;
  listMarkets: (exchange: string, account: string | null) => Promise<Result<MarketList>>;
}

export interface VaultKeyInput {
  name: string;
  apiKey: string;
  secret: string;
  /** Some exchanges' keys have a passphrase (OKX, KuCoin); empty = none. */
  passphrase: string;
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
  // Bumped by every vault action, so a status read that was sent before it cannot overwrite its answer.
  let vaultGeneration = 0;

  /**
   * Shows a control command's answer at once (its snapshot) and what it left on the book. A command
   * that takes orders off the book always says whether it is clean; resume and start only speak up
   * when orders are still open.
   */
  function controlAnswered(action: ControlAction, target: string, result: ControlResult): void {
    applyControlResult(store, result, target === 'portfolio' ? null : target);
    const isCleaning = action !== 'resume' && action !== 'start';
    if (isCleaning || result.stillOpen.length > 0)
      store.getState().setControlNotice({ action, target, stillOpen: result.stillOpen, at: Date.now() });
  }

  async function rowAction(id: string, action: RowAction): Promise<void> {
    const { pendingById, setPending } = store.getState();
    if (pendingById[id] !== undefined) return; // a double click must not send two commands
    setPending(id, action);
    const name = COMMAND_OF[action];
    try {
      const result = await transport.command(name, { id, reason: 'from the dashboard' });
      if (result.ok) controlAnswered(action, id, result.value);
      else reportError(`${name} ${id}`, result.error);
    } finally {
      store.getState().setPending(id, null);
    }
  }

  async function cancelOrder(id: string, orderId: string, symbol: string): Promise<Result<ControlResult>> {
    const result = await transport.command('instance/cancelOrder', { id, orderId, symbol, reason: 'from the detail view' });
    if (result.ok) controlAnswered('cancelOrder', id, result.value);
    else reportError(`instance/cancelOrder ${id} ${orderId}`, result.error);
    return result;
  }

  async function cancelAll(id: string): Promise<Result<ControlResult>> {
    const result = await transport.command('instance/cancelAll', { id, reason: 'from the detail view' });
    if (result.ok) controlAnswered('cancelAll', id, result.value);
    else reportError(`instance/cancelAll ${id}`, result.error);
    return result;
  }

  /**
   * Sends one rebalance request and shows its answer as `phase`; on a refusal, reports it and shows
   * `fallback`. An answer to a request overtaken since (a new plan, Cancel) is dropped.
   */
  async function sendRebalance(
    input: CommandInput<'portfolio/rebalance'>,
    what: string,
    policy: RebalancePolicy | null,
    phase: 'plan' | 'applied',
    fallback: RebalanceUi,
  ): Promise<void> {
    const run = ++rebalanceRun;
    const result = await transport.command('portfolio/rebalance', input);
    if (run !== rebalanceRun) return;
    if (result.ok) {
      store.getState().setRebalance({ phase, policy, plan: result.value });
    } else {
      reportError(`portfolio/rebalance (${what})`, result.error);
      store.getState().setRebalance(fallback);
    }
  }

  async function planRebalance(policy: RebalancePolicy | null): Promise<void> {
    store.getState().setRebalance({ phase: 'loading', policy });
    const input = policy === null ? { dryRun: true } : { dryRun: true, policy };
    await sendRebalance(input, 'plan', policy, 'plan', { phase: 'closed' });
  }

  async function applyRebalance(): Promise<void> {
    const current = store.getState().rebalance;
    if (current.phase !== 'plan') return;
    const { policy, plan } = current;
    store.getState().setRebalance({ phase: 'applying', policy, plan });
    // The plan's id: the host applies exactly what was reviewed, or refuses if the portfolio moved.
    const input = policy === null ? { dryRun: false, planId: plan.id } : { dryRun: false, policy, planId: plan.id };
    // A refusal goes back to the plan so the trader can retry or cancel; the banner says what the host refused.
    await sendRebalance(input, 'apply', policy, 'applied', { phase: 'plan', policy, plan });
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

  async function confirmStopAll(reason: string): Promise<void> {
    if (store.getState().stopAll !== 'confirm') return;
    store.getState().setStopAll('running');
    try {
      const text = reason.trim();
      const result = await transport.command('portfolio/stopAll', {
        reason: text === '' ? 'stop all from the dashboard' : text.slice(0, 500),
      });
      // The answer is the snapshot after the stop: every row shows stopped without waiting for the stream.
      if (result.ok) controlAnswered('stopAll', 'portfolio', result.value);
      else reportError('portfolio/stopAll', result.error);
    } finally {
      store.getState().setStopAll('closed');
    }
  }

  /** Runs one vault command: one at a time, the answer (or the refusal) shown in the panel. */
  async function vaultCommand(
    action: VaultAction,
    send: () => Promise<Result<VaultStatus>>,
    success: (status: VaultStatus) => string,
  ): Promise<boolean> {
    const state = store.getState();
    if (state.vaultBusy !== null) return false; // a double click must not send twice
    vaultGeneration += 1;
    state.setVaultBusy(action);
    state.setVaultFeedback(null);
    try {
      const result = await send();
      if (result.ok) {
        store.getState().setVaultStatus(result.value);
        store.getState().setVaultFeedback({ action, isError: false, code: null, message: success(result.value) });
        return true;
      }
      store.getState().setVaultFeedback({ action, isError: true, code: result.error.code, message: result.error.message });
      return false;
    } finally {
      store.getState().setVaultBusy(null);
    }
  }

  async function refreshVault(options: { quiet?: boolean } = {}): Promise<void> {
    const state = store.getState();
    if (state.vaultBusy !== null) return; // the action in flight answers with a fresh status anyway
    const generation = vaultGeneration;
    if (options.quiet !== true) state.setVaultBusy('load');
    try {
      const result = await transport.command('vault/status', {});
      // An action sent meanwhile answered (or will answer) with a newer status: this one is older.
      if (generation !== vaultGeneration) return;
      if (result.ok) store.getState().setVaultStatus(result.value);
      else if (options.quiet !== true)
        store.getState().setVaultFeedback({ action: 'load', isError: true, code: result.error.code, message: result.error.message });
    } finally {
      if (options.quiet !== true && store.getState().vaultBusy === 'load') store.getState().setVaultBusy(null);
    }
  }

  async function testAccount(id: string): Promise<void> {
    if (store.getState().accountTests[id]?.phase === 'running') return;
    store.getState().setAccountTest(id, { phase: 'running' });
    const result = await transport.command('account/test', { id });
    if (result.ok) store.getState().setAccountTest(id, { phase: 'done', result: result.value, at: Date.now() });
    else store.getState().setAccountTest(id, { phase: 'failed', error: result.error });
  }

  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

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
    reconcileAccount: (id) => transport.command('account/reconcile', { id }),
    assignFill: (input) => transport.command('account/assignFill', input),
    exportCsv,
    planRebalance,
    applyRebalance,
    closeRebalance: () => {
      // Applying cannot be taken back once sent, so the panel stays until the answer is shown.
      if (store.getState().rebalance.phase === 'applying') return;
      rebalanceRun += 1;
      store.getState().setRebalance({ phase: 'closed' });
    },
    askStopAll: () => {
      if (store.getState().stopAll === 'closed') store.getState().setStopAll('confirm');
    },
    cancelStopAll: () => {
      // Once sent it cannot be taken back: the dialog stays until the host answers.
      if (store.getState().stopAll === 'confirm') store.getState().setStopAll('closed');
    },
    confirmStopAll,
    openVault: async () => {
      store.getState().setAlertsOpen(false);
      store.getState().setSetupOpen(false);
      store.getState().setVaultOpen(true);
      await refreshVault();
    },
    closeVault: () => store.getState().setVaultOpen(false),
    refreshVault,
    createVault: (password) =>
      vaultCommand(
        'create',
        () => transport.command('vault/create', { password }),
        () => 'Vault created and unlocked.',
      ),
    unlockVault: (password, remember) =>
      vaultCommand(
        'unlock',
        () => transport.command('vault/unlock', remember ? { password, remember: true } : { password }),
        (status) =>
          `Unlocked: ${plural(status.entries.length, 'key')}.${remember ? ' The password is remembered in the OS keychain.' : ''}`,
      ),
    lockVault: (forget) =>
      vaultCommand(
        'lock',
        () => transport.command('vault/lock', forget ? { forget: true } : {}),
        () =>
          forget
            ? 'Locked, and the remembered password is forgotten.'
            : 'Locked. Instances already connected keep trading with the keys they hold.',
      ),
    changeVaultPassword: (oldPassword, newPassword) =>
      vaultCommand(
        'password',
        () => transport.command('vault/changePassword', { oldPassword, newPassword }),
        () => 'Password changed.',
      ),
    putVaultKey: ({ name, apiKey, secret, passphrase }) =>
      vaultCommand(
        'put',
        () => transport.command('vault/put', passphrase === '' ? { name, apiKey, secret } : { name, apiKey, secret, password: passphrase }),
        () => `Key "${name}" saved.`,
      ),
    removeVaultKey: (name) =>
      vaultCommand(
        'remove',
        () => transport.command('vault/remove', { name }),
        () => `Key "${name}" removed.`,
      ),
    testAccount,
    cancelOrder,
    cancelAll,
    dismissControlNotice: () => store.getState().setControlNotice(null),
    openSetup: () => {
      store.getState().setAlertsOpen(false);
      store.getState().setVaultOpen(false);
      store.getState().setSetupOpen(true);
    },
    closeSetup: () => store.getState().setSetupOpen(false),
    getWorkspace: () => transport.command('workspace/get', {}),
    putWorkspace: (workspace, revision) => transport.command('workspace/put', { workspace, revision, reason: 'set-up in the window' }),
    undoWorkspace: () => transport.command('workspace/undo', { reason: 'undo in the window' }),
    importWorkspace: (legacy) => transport.command('workspace/import', { legacy }),
    listExchanges: () => transport.command('exchange/list', {}),
    listMarkets: (exchange, account) => transport.command('exchange/markets', account === null ? { exchange } : { exchange, account }),
  };
}
