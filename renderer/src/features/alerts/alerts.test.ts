import { describe, expect, it } from 'vitest';
import { applyStreamMessage } from '../../bridge.ts';
import { browserNotifier, detectAlerts, startAlertMonitor, type FiredSet, type NewAlert } from './alerts.ts';
import { createStratdeskStore } from '../../store/index.ts';
import { makeDelta, makeHealth, makeMetrics, makeSnapshot, makeStrategy } from '../../testFixtures.ts';

const settings = { drawdownAlertPct: 0.05 };
const AT = Date.parse('2026-11-20T10:10:00Z');

const ok = makeStrategy('a');
const inError = makeStrategy('a', {
  health: makeHealth({ state: 'error', failures: 3, lastError: { at: '2026-11-20T10:09:00Z', kind: 'auth', message: 'invalid key' } }),
});
const stale = makeStrategy('a', { health: makeHealth({ state: 'stale' }) });

describe('detectAlerts: health', () => {
  it('fires once on entering error, with the error and the data age', () => {
    const fired: FiredSet = new Set();
    const [alert] = detectAlerts(ok, inError, settings, fired, AT);
    expect(alert).toMatchObject({ kind: 'health', severity: 'critical', target: 'a', title: 'a is in error' });
    expect(alert?.message).toContain('auth: invalid key');
    expect(alert?.message).toContain('last good sync 10m 00s ago');
    expect(detectAlerts(inError, inError, settings, fired, AT)).toEqual([]);
  });

  it('fires on stale, again when it gets worse (error), not when it flaps back to stale', () => {
    const fired: FiredSet = new Set();
    expect(detectAlerts(ok, stale, settings, fired, AT).map((a) => a.severity)).toEqual(['warning']);
    expect(detectAlerts(stale, inError, settings, fired, AT).map((a) => a.severity)).toEqual(['critical']);
    expect(detectAlerts(inError, stale, settings, fired, AT)).toEqual([]);
  });

  it('logs a quiet recovery and re-arms', () => {
    const fired: FiredSet = new Set();
    detectAlerts(ok, inError, settings, fired, AT);
    const [recovered] = detectAlerts(inError, ok, settings, fired, AT);
    expect(recovered).toMatchObject({ kind: 'recovered', severity: 'info' });
    expect(detectAlerts(ok, ok, settings, fired, AT)).toEqual([]);
    expect(detectAlerts(ok, inError, settings, fired, AT)).toHaveLength(1);
  });

  it('alerts for a strategy already failing when first seen, and says nothing for a healthy one', () => {
    expect(detectAlerts(undefined, inError, settings, new Set(), AT)).toHaveLength(1);
    expect(detectAlerts(undefined, ok, settings, new Set(), AT)).toEqual([]);
  });
});

describe('detectAlerts: drawdown', () => {
  const deep = makeStrategy('a', { metrics: makeMetrics({ maxDrawdown: 700, maxDrawdownPct: 0.07 }) });
  it('fires once when the max drawdown passes the threshold, with signed figure and unit', () => {
    const fired: FiredSet = new Set();
    const [alert] = detectAlerts(ok, deep, settings, fired, AT);
    expect(alert).toMatchObject({ kind: 'drawdown', severity: 'warning', title: 'a drawdown past 5.0%' });
    expect(alert?.message).toContain('7.00%');
    expect(alert?.message).toContain('\u2212700.00 USDT');
    expect(detectAlerts(deep, deep, settings, fired, AT)).toEqual([]);
  });

  it('stays quiet at or under the threshold and without capital (pct null)', () => {
    const at = makeStrategy('a', { metrics: makeMetrics({ maxDrawdownPct: 0.05 }) });
    const none = makeStrategy('a', { metrics: makeMetrics({ maxDrawdownPct: null }) });
    expect(detectAlerts(ok, at, settings, new Set(), AT)).toEqual([]);
    expect(detectAlerts(ok, none, settings, new Set(), AT)).toEqual([]);
  });

  it('fires again for a new, lower threshold', () => {
    const fired: FiredSet = new Set();
    detectAlerts(ok, deep, settings, fired, AT);
    expect(detectAlerts(deep, deep, { drawdownAlertPct: 0.02 }, fired, AT)).toHaveLength(1);
  });
});

describe('detectAlerts: funding on an arbitrage', () => {
  const arb = (funding: number) => makeStrategy('f', { type: 'funding_rate', metrics: makeMetrics({ funding }) });
  it('fires when cumulative funding turns negative, once, and re-arms when it is back to received', () => {
    const fired: FiredSet = new Set();
    expect(detectAlerts(arb(2), arb(2), settings, fired, AT)).toEqual([]);
    const [alert] = detectAlerts(arb(2), arb(-0.5), settings, fired, AT);
    expect(alert).toMatchObject({ kind: 'funding', target: 'f' });
    expect(alert?.message).toContain('\u22120.50 USDT');
    expect(detectAlerts(arb(-0.5), arb(-1), settings, fired, AT)).toEqual([]);
    expect(detectAlerts(arb(-1), arb(1), settings, fired, AT)).toEqual([]);
    expect(detectAlerts(arb(1), arb(-1), settings, fired, AT)).toHaveLength(1);
  });

  it('ignores funding on a market maker (a spot one has none; a perp one is not an arbitrage)', () => {
    const mm = makeStrategy('m', { metrics: makeMetrics({ funding: -3 }) });
    expect(detectAlerts(undefined, mm, settings, new Set(), AT)).toEqual([]);
  });
});

describe('startAlertMonitor', () => {
  it('feeds stream updates through the rules into the list and notifies only when asked to', () => {
    const store = createStratdeskStore();
    const notified: NewAlert[] = [];
    startAlertMonitor(
      store,
      (a) => notified.push(a),
      () => AT,
    );
    applyStreamMessage(store, { type: 'snapshot', snapshot: makeSnapshot(1, [makeStrategy('a'), makeStrategy('b')]) });
    expect(store.getState().alerts).toEqual([]);

    applyStreamMessage(store, makeDelta(2, [inError]));
    expect(store.getState().alerts.map((a) => a.title)).toEqual(['a is in error']);
    expect(store.getState().unreadAlerts).toBe(1);
    expect(notified).toEqual([]); // desktop notifications are off until the trader turns them on

    store.getState().setNotifying(true);
    applyStreamMessage(store, makeDelta(3, [makeStrategy('b', { health: makeHealth({ state: 'stale' }) })]));
    expect(notified.map((a) => a.title)).toEqual(['b is stale']);

    store.getState().setAlertsOpen(true);
    expect(store.getState().unreadAlerts).toBe(0);
  });

  it('fires again each time funding turns negative after being back to received, and not for figures the rules do not read', () => {
    const store = createStratdeskStore();
    startAlertMonitor(
      store,
      () => {},
      () => AT,
    );
    const arb = (funding: number, unrealizedPnl = 0): ReturnType<typeof makeStrategy> =>
      makeStrategy('arb', { type: 'funding_rate', metrics: makeMetrics({ funding, unrealizedPnl }) });
    applyStreamMessage(store, { type: 'snapshot', snapshot: makeSnapshot(1, [arb(1)]) });
    const titles = (): string[] => store.getState().alerts.map((a) => a.title);
    applyStreamMessage(store, makeDelta(2, [arb(-1)]));
    expect(titles()).toEqual(['arb funding turned negative']);
    // Still paying, other figures move: nothing new.
    applyStreamMessage(store, makeDelta(3, [arb(-2, 5)]));
    applyStreamMessage(store, makeDelta(4, [arb(-2, 7)]));
    expect(titles()).toHaveLength(1);
    // Back to received (re-armed), then paying again: a second alert.
    applyStreamMessage(store, makeDelta(5, [arb(0.5)]));
    applyStreamMessage(store, makeDelta(6, [arb(0.7, 3)]));
    applyStreamMessage(store, makeDelta(7, [arb(-0.1)]));
    expect(titles()).toEqual(['arb funding turned negative', 'arb funding turned negative']);
  });

  it('re-checks every strategy when the drawdown threshold changes', () => {
    const store = createStratdeskStore();
    startAlertMonitor(
      store,
      () => {},
      () => AT,
    );
    applyStreamMessage(store, {
      type: 'snapshot',
      snapshot: makeSnapshot(1, [makeStrategy('a', { metrics: makeMetrics({ maxDrawdownPct: 0.03 }) })]),
    });
    expect(store.getState().alerts).toEqual([]);
    store.getState().setDrawdownAlertPct(0.02);
    expect(store.getState().alerts.map((a) => a.kind)).toEqual(['drawdown']);
  });
});

describe('browserNotifier', () => {
  const alert: NewAlert = {
    at: 0,
    kind: 'health',
    severity: 'critical',
    target: 'mm-btc',
    title: 'mm-btc is in error',
    message: 'timeout',
  };
  it('in the Electron window hands the alert to main (the preload notify), not to the page', () => {
    const posted: unknown[] = [];
    const win = { stratdesk: { notify: (n: unknown) => posted.push(n) }, Notification: undefined } as unknown as Window;
    browserNotifier(win)(alert);
    expect(posted).toEqual([{ title: 'mm-btc is in error', body: 'timeout', tag: 'health:mm-btc' }]);
  });
  it('in a browser without permission shows nothing', () => {
    const win = { Notification: { permission: 'default' } } as unknown as Window;
    expect(() => browserNotifier(win)(alert)).not.toThrow();
  });
});
