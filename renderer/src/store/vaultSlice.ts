/**
 * The accounts-and-keys view: what `vault/status` said last, the action in flight, the answer to
 * the last action, and each account's last key test. Never a password, key or secret: those live
 * in the form's inputs until submit and in the command's arguments until it is sent.
 */
import type { StateCreator } from 'zustand/vanilla';
import type { CommandError } from '../../../shared/contract.ts';
import type { AccountTest, VaultStatus } from '../../../shared/model.ts';
import type { StratdeskState } from './index.ts';

export type VaultAction = 'load' | 'create' | 'unlock' | 'lock' | 'password' | 'put' | 'remove';

/** The answer to the last vault action, shown in the panel (not in the app's error banner). */
export interface VaultFeedback {
  action: VaultAction;
  isError: boolean;
  /** The host's error code when it refused (unauthorized, rate_limited, conflict, …). */
  code: string | null;
  message: string;
}

export type AccountTestUi =
  | { phase: 'running' }
  | { phase: 'done'; result: AccountTest; /** ms since epoch */ at: number }
  | { phase: 'failed'; error: CommandError };

export interface VaultSlice {
  isVaultOpen: boolean;
  vaultStatus: VaultStatus | null;
  /** The action waiting for the host; the panel's buttons are disabled meanwhile. */
  vaultBusy: VaultAction | null;
  vaultFeedback: VaultFeedback | null;
  accountTests: Readonly<Record<string, AccountTestUi>>;
  setVaultOpen: (isOpen: boolean) => void;
  setVaultStatus: (status: VaultStatus | null) => void;
  setVaultBusy: (action: VaultAction | null) => void;
  setVaultFeedback: (feedback: VaultFeedback | null) => void;
  setAccountTest: (accountId: string, test: AccountTestUi | null) => void;
}

export const createVaultSlice: StateCreator<StratdeskState, [], [], VaultSlice> = (set) => ({
  isVaultOpen: false,
  vaultStatus: null,
  vaultBusy: null,
  vaultFeedback: null,
  accountTests: {},
  // Closing forgets the last answer: reopening starts clean, with a fresh status.
  setVaultOpen: (isVaultOpen) => set(isVaultOpen ? { isVaultOpen } : { isVaultOpen, vaultFeedback: null }),
  setVaultStatus: (vaultStatus) => set({ vaultStatus }),
  setVaultBusy: (vaultBusy) => set({ vaultBusy }),
  setVaultFeedback: (vaultFeedback) => set({ vaultFeedback }),
  setAccountTest: (accountId, test) =>
    set((state) => {
      const accountTests = { ...state.accountTests };
      if (test === null) delete accountTests[accountId];
      else accountTests[accountId] = test;
      return { accountTests };
    }),
});
