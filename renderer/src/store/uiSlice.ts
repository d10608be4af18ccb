/**
 * The UI slice: connection state, error banners, in-flight row actions and the rebalance panel.
 * Actions are plain functions over `set`, as zustand's slices guide does it.
 */
import type { StateCreator } from 'zustand/vanilla';
import type { RebalancePlan, RebalancePolicy } from '../../../shared/model.ts';
import type { StratdeskState } from './index.ts';

/**
 * `connected` once the stream is open (serve mode) or has delivered (Electron);
 * `reconnecting` whenever it is not, including before the first connection (see `hasEverConnected`).
 */
export type ConnectionState = 'connected' | 'reconnecting';

export type RowAction = 'pause' | 'resume' | 'start' | 'stop';

/** An action waiting for the trader's yes: a stray key or click must not change what trades. */
export interface PendingConfirm {
  action: RowAction;
  id: string;
}

export type AlertKind = 'health' | 'drawdown' | 'funding' | 'recovered';
export type AlertSeverity = 'critical' | 'warning' | 'info';

export interface Alert {
  /** Unique, increasing. */
  id: number;
  /** Milliseconds since epoch, when the renderer saw it. */
  at: number;
  kind: AlertKind;
  severity: AlertSeverity;
  /** Strategy id. */
  target: string;
  title: string;
  message: string;
}

/** Alerts kept; older ones drop off. */
export const MAX_ALERTS = 200;

export interface UiError {
  /** Unique per banner, for React keys and dismissal. */
  id: number;
  /** What failed, e.g. "strategy/pause" or "stream". */
  source: string;
  code: string;
  message: string;
  /** The same failure repeated (e.g. a reconnect loop) bumps this instead of stacking banners. */
  count: number;
}

/** The rebalance panel's state machine: closed → loading → plan → applying → applied. */
export type RebalanceUi =
  | { phase: 'closed' }
  | { phase: 'loading'; policy: RebalancePolicy | null }
  | { phase: 'plan'; policy: RebalancePolicy | null; plan: RebalancePlan }
  | { phase: 'applying'; policy: RebalancePolicy | null; plan: RebalancePlan }
  | { phase: 'applied'; policy: RebalancePolicy | null; plan: RebalancePlan };

/** The kill switch: closed → confirm (the dialog) → running (sent, waiting for the host) → closed. */
export type StopAllUi = 'closed' | 'confirm' | 'running';

/** Banners kept at most; older ones drop off so a flapping host cannot fill the screen. */
export const MAX_ERRORS = 5;

export interface UiSlice {
  connection: ConnectionState;
  /** False until the first connection, so the indicator can say "connecting" rather than "reconnecting". */
  hasEverConnected: boolean;
  errors: readonly UiError[];
  /** Row actions in flight, by strategy id, so a row disables its button until the host answers. */
  pendingById: Readonly<Record<string, RowAction>>;
  rebalance: RebalanceUi;
  /** Strategy whose detail panel is open. */
  selectedId: string | null;
  /** Row holding the keyboard focus in the table. */
  focusedId: string | null;
  confirm: PendingConfirm | null;
  stopAll: StopAllUi;
  /** Newest last. */
  alerts: readonly Alert[];
  unreadAlerts: number;
  isAlertsOpen: boolean;
  setConnection: (state: ConnectionState) => void;
  pushError: (source: string, error: { code: string; message: string }) => void;
  dismissError: (id: number) => void;
  setPending: (strategyId: string, action: RowAction | null) => void;
  setRebalance: (rebalance: RebalanceUi) => void;
  select: (id: string | null) => void;
  setFocused: (id: string | null) => void;
  askConfirm: (confirm: PendingConfirm | null) => void;
  setStopAll: (stopAll: StopAllUi) => void;
  pushAlerts: (alerts: readonly Omit<Alert, 'id'>[]) => void;
  setAlertsOpen: (isOpen: boolean) => void;
  clearAlerts: () => void;
}

export const createUiSlice: StateCreator<StratdeskState, [], [], UiSlice> = (set) => {
  let nextErrorId = 1;
  let nextAlertId = 1;
  return {
    connection: 'reconnecting',
    hasEverConnected: false,
    errors: [],
    pendingById: {},
    rebalance: { phase: 'closed' },
    selectedId: null,
    focusedId: null,
    confirm: null,
    stopAll: 'closed',
    alerts: [],
    unreadAlerts: 0,
    isAlertsOpen: false,
    setConnection: (connection) =>
      set((state) => ({
        connection,
        hasEverConnected: state.hasEverConnected || connection === 'connected',
      })),
    pushError: (source, { code, message }) =>
      set((state) => {
        const same = state.errors.find((e) => e.source === source && e.code === code && e.message === message);
        if (same !== undefined) {
          return { errors: state.errors.map((e) => (e === same ? { ...e, count: e.count + 1 } : e)) };
        }
        const error: UiError = { id: nextErrorId++, source, code, message, count: 1 };
        return { errors: [...state.errors, error].slice(-MAX_ERRORS) };
      }),
    dismissError: (id) => set((state) => ({ errors: state.errors.filter((e) => e.id !== id) })),
    setPending: (strategyId, action) =>
      set((state) => {
        const pendingById = { ...state.pendingById };
        if (action === null) delete pendingById[strategyId];
        else pendingById[strategyId] = action;
        return { pendingById };
      }),
    setRebalance: (rebalance) => set({ rebalance }),
    select: (selectedId) => set(selectedId === null ? { selectedId } : { selectedId, focusedId: selectedId }),
    setFocused: (focusedId) => set({ focusedId }),
    askConfirm: (confirm) => set({ confirm }),
    setStopAll: (stopAll) => set({ stopAll }),
    pushAlerts: (incoming) =>
      set((state) => {
        if (incoming.length === 0) return {};
        const added = incoming.map((alert) => ({ ...alert, id: nextAlertId++ }));
        return {
          alerts: [...state.alerts, ...added].slice(-MAX_ALERTS),
          unreadAlerts: state.isAlertsOpen ? 0 : state.unreadAlerts + added.length,
        };
      }),
    setAlertsOpen: (isAlertsOpen) => set((state) => ({ isAlertsOpen, unreadAlerts: isAlertsOpen ? 0 : state.unreadAlerts })),
    clearAlerts: () => set({ alerts: [], unreadAlerts: 0 }),
  };
};
