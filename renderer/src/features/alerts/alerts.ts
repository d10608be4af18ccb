/**
 * Alerts: what the trader must hear about without looking at the table.
 *
 * - an instance entering `error` or `stale` (and, quietly, its recovery);
 * - an instance's max drawdown passing the threshold set in the UI (a fraction of equity at the peak);
 * - cumulative funding turning negative on a funding arbitrage (the carry it exists for went the wrong way).
 *
 * The rules are a pure function of (before, after, settings, what already fired), so they are tested
 * without a store or a browser; `startAlertMonitor` feeds them from the store and sends desktop
 * notifications for anything that is not merely informational.
 */
import type { DesktopBridge } from '../../../../shared/ipc.ts';
import type { StrategyView } from '../../../../shared/model.ts';
import { formatAge, formatSignedMoney, formatWeight } from '../../format.ts';
import type { Alert, StratdeskStore } from '../../store/index.ts';

export type NewAlert = Omit<Alert, 'id'>;

export interface AlertSettings {
  /** 0.05 = alert once the max drawdown passes 5 % of equity at the peak. */
  drawdownAlertPct: number;
}

/**
 * Keys of conditions that already fired and have not cleared, e.g. `drawdown:mm-btc:0.05`.
 * Mutated by `detectAlerts`, so a condition that persists fires once, not on every delta.
 */
export type FiredSet = Set<string>;

const HEALTH_RANK = { ok: 0, stale: 1, error: 2 } as const;

/**
 * Fires on getting worse (ok → stale, ok or stale → error), once; flapping between stale and error
 * does not repeat it. Back to ok re-arms it and logs a quiet "recovered".
 */
function healthAlert(before: StrategyView | undefined, after: StrategyView, at: number, fired: FiredSet): NewAlert | null {
  const state = after.health.state;
  const key = `health:${after.id}`;
  const firedRank = fired.has(`${key}:error`) ? 2 : fired.has(`${key}:stale`) ? 1 : 0;
  if (state === 'ok') {
    if (firedRank === 0) return null;
    fired.delete(`${key}:error`);
    fired.delete(`${key}:stale`);
    return {
      at,
      kind: 'recovered',
      severity: 'info',
      target: after.id,
      title: `${after.id} recovered`,
      message: `Syncing normally again (was ${before?.health.state === 'ok' || before === undefined ? 'failing' : before.health.state}).`,
    };
  }
  if (HEALTH_RANK[state] <= firedRank) return null;
  fired.add(`${key}:${state}`);
  const lastGood = after.health.lastGoodSyncAt === null ? null : Date.parse(after.health.lastGoodSyncAt);
  const age = lastGood === null ? 'never synced' : `last good sync ${formatAge(at - lastGood)}`;
  const error = after.health.lastError;
  const detail = state === 'error' && error !== null ? `${error.kind}: ${error.message}` : 'no good sync for 3 intervals';
  return {
    at,
    kind: 'health',
    severity: state === 'error' ? 'critical' : 'warning',
    target: after.id,
    title: `${after.id} is ${state === 'error' ? 'in error' : 'stale'}`,
    message: `${detail} (${age}).`,
  };
}

function drawdownAlert(after: StrategyView, settings: AlertSettings, at: number, fired: FiredSet): NewAlert | null {
  const pct = after.metrics.maxDrawdownPct;
  const threshold = settings.drawdownAlertPct;
  const key = `drawdown:${after.id}:${threshold}`;
  if (pct === null || !(pct > threshold) || fired.has(key)) return null;
  fired.add(key);
  return {
    at,
    kind: 'drawdown',
    severity: 'warning',
    target: after.id,
    title: `${after.id} drawdown past ${formatWeight(threshold)}`,
    message: `Max drawdown ${formatWeight(pct, 2)} (${formatSignedMoney(-after.metrics.maxDrawdown, after.metrics.quoteCurrency)}) from its peak.`,
  };
}

function fundingAlert(after: StrategyView, at: number, fired: FiredSet): NewAlert | null {
  if (after.type !== 'funding_rate') return null;
  const key = `funding:${after.id}`;
  const funding = after.metrics.funding;
  if (!(funding < 0)) {
    fired.delete(key); // re-arm once funding is back to received
    return null;
  }
  if (fired.has(key)) return null;
  fired.add(key);
  return {
    at,
    kind: 'funding',
    severity: 'warning',
    target: after.id,
    title: `${after.id} funding turned negative`,
    message: `Cumulative funding is ${formatSignedMoney(funding, after.metrics.quoteCurrency)} (+ = received): the arbitrage is paying, not earning.`,
  };
}

/** The alerts one strategy update raises. `before` is undefined the first time a strategy is seen. */
export function detectAlerts(
  before: StrategyView | undefined,
  after: StrategyView,
  settings: AlertSettings,
  fired: FiredSet,
  at: number,
): NewAlert[] {
  return [healthAlert(before, after, at, fired), drawdownAlert(after, settings, at, fired), fundingAlert(after, at, fired)].filter(
    (a): a is NewAlert => a !== null,
  );
}

/** Sends a desktop notification; the app passes the browser's (also Electron's) `Notification`. */
export type Notifier = (alert: NewAlert) => void;

/**
 * In the Electron window main posts it (the preload's `notify`: a native notification that brings
 * the window forward on click); in a browser, the page's Notification once permission was granted
 * on a trader's click.
 */
export function browserNotifier(win: Window): Notifier {
  return (alert) => {
    const desktop = (win as Window & { stratdesk?: Partial<DesktopBridge> }).stratdesk?.notify;
    if (desktop !== undefined) return desktop({ title: alert.title, body: alert.message, tag: `${alert.kind}:${alert.target}` });
    const N = (win as Window & { Notification?: typeof Notification }).Notification;
    if (N === undefined || N.permission !== 'granted') return;
    try {
      new N(alert.title, { body: alert.message, tag: `${alert.kind}:${alert.target}` });
    } catch {
      // Some embedders forbid the constructor (service-worker-only); the in-app list still has it.
    }
  };
}

/**
 * Whether the rules could answer differently for `after` than they did for `before`, which they saw: they
 * read only the health state, the max drawdown and whether funding is negative (and what already fired,
 * which only they change). Most deltas move figures the rules never read, so most strategies are skipped.
 */
function mayAlert(before: StrategyView | undefined, after: StrategyView): boolean {
  return (
    before === undefined ||
    (before !== after &&
      (before.health.state !== after.health.state ||
        before.metrics.maxDrawdownPct !== after.metrics.maxDrawdownPct ||
        before.metrics.funding < 0 !== after.metrics.funding < 0 ||
        before.type !== after.type))
  );
}

/**
 * Watches the store: every strategy whose object changed is run through the rules. Returns the
 * unsubscribe. Strategies changed by a threshold change are re-checked too.
 */
export function startAlertMonitor(store: StratdeskStore, notify: Notifier, now: () => number = Date.now): () => void {
  const fired: FiredSet = new Set();
  const check = (before: Readonly<Record<string, StrategyView>>, ids: readonly string[], all: boolean): void => {
    const state = store.getState();
    const settings = { drawdownAlertPct: state.prefs.drawdownAlertPct };
    const at = now();
    const raised: NewAlert[] = [];
    for (const id of ids) {
      const after = state.strategiesById[id];
      if (after === undefined || (!all && !mayAlert(before[id], after))) continue;
      raised.push(...detectAlerts(before[id], after, settings, fired, at));
    }
    if (raised.length === 0) return;
    state.pushAlerts(raised);
    if (state.prefs.isNotifying) for (const alert of raised) if (alert.severity !== 'info') notify(alert);
  };
  check({}, store.getState().strategyIds, true);
  return store.subscribe((state, previous) => {
    const isNewThreshold = state.prefs.drawdownAlertPct !== previous.prefs.drawdownAlertPct;
    if (state.strategiesById !== previous.strategiesById || isNewThreshold)
      check(previous.strategiesById, state.strategyIds, isNewThreshold);
  });
}
