// Renders the real components to HTML without a DOM (none is installed) and checks the hooks the
// Playwright suite relies on. Written with createElement so it stays a plain .ts test.
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import type { RebalancePlan } from '../../../shared/model.ts';
import { App } from '../App.tsx';
import { mergeSnapshot } from '../bridge.ts';
import type { AppCommands } from '../commands.ts';
import { createStratdeskStore, type StratdeskState } from '../store/index.ts';
import { initialSnapshotSlice } from '../store/snapshotSlice.ts';
import { defaultPrefs } from '../store/prefsSlice.ts';
import { makeHealth, makeMetrics, makeSnapshot, makeStrategy, makeTotals } from '../testFixtures.ts';

const noCommands: AppCommands = {
  pauseStrategy: async () => {},
  resumeStrategy: async () => {},
  planRebalance: async () => {},
  applyRebalance: async () => {},
  closeRebalance: () => {},
  startInstance: async () => {},
  stopInstance: async () => {},
  runAction: async () => {},
  askAction: () => {},
  confirmPending: async () => {},
  cancelPending: () => {},
  loadDetail: async () => ({ ok: false, error: { code: 'internal', message: 'not in this test' } }),
  exportCsv: async () => {},
};

const snapshot = makeSnapshot(3, [
  makeStrategy('mm-btc', {
    mode: 'observe',
    metrics: makeMetrics({ realizedPnl: 12.345, fees: 1.5, totalPnl: -3.2, tradeCount: 1234 }),
  }),
  makeStrategy('arb-btc', {
    type: 'funding_rate',
    status: 'paused',
    mode: 'paper',
    health: makeHealth({
      state: 'error',
      failures: 2,
      lastError: { at: '2026-11-20T10:05:00Z', kind: 'rate_limit', message: '429 from exchange' },
    }),
  }),
  makeStrategy('mm-eth', { status: 'stopped' }),
]);

function render(state: Partial<StratdeskState> = {}): string {
  const store = createStratdeskStore({ ...mergeSnapshot(initialSnapshotSlice(), snapshot), ...state });
  return renderToStaticMarkup(createElement(App, { services: { store, commands: noCommands } }));
}

/** The HTML of one table row, by its test id. */
function row(html: string, id: string): string {
  const start = html.indexOf(`data-testid="strategy-row-${id}"`);
  expect(start).toBeGreaterThan(-1);
  return html.slice(start, html.indexOf('</tr>', start));
}

describe('App markup', () => {
  it('renders one row per strategy with its status and cells', () => {
    const html = render();
    const mm = row(html, 'mm-btc');
    expect(mm).toContain('data-status="live"');
    for (const id of ['status', 'health', 'trade-count', 'realized', 'fees', 'total', 'mode']) {
      expect(mm).toContain(`data-testid="${id}"`);
    }
    expect(mm).toContain('+12.35 USDT');
    expect(mm).toContain('\u22121.50 USDT'); // fees paid shown as a loss
    expect(mm).toContain('data-value="1.5"'); // but the model value stays machine-readable
    expect(mm).toContain('\u22123.20 USDT');
    expect(mm).toContain('1,234');
    expect(mm).toContain('badge--mode-observe');
    expect(mm).toContain('>Pause</button>');
    expect(mm).not.toContain('>Resume</button>');
  });

  it('offers Resume and Stop on a paused row and only Start on a stopped one', () => {
    const html = render({ instancesById: {} });
    const arb = row(html, 'arb-btc');
    expect(arb).toContain('data-status="paused"');
    expect(arb).toContain('>Resume</button>');
    expect(arb).toContain('>Stop</button>');
    expect(arb).not.toContain('>Pause</button>');
    expect(arb).toContain('badge--mode-paper');
    const eth = row(html, 'mm-eth');
    expect(eth).toContain('>Start</button>');
    expect(eth).not.toContain('>Stop</button>');
    expect(eth).not.toContain('>Pause</button>');
  });

  it('hatches paper and observe rows and keeps them out of the live totals', () => {
    const html = render();
    expect(row(html, 'mm-btc')).toContain('strategy-row--mode-observe');
    expect(row(html, 'arb-btc')).toContain('strategy-row--mode-paper');
    // Only mm-eth is live money: total PnL 11, equity 1000 + 11.
    expect(html).toMatch(/data-testid="totals-total" data-value="11"/);
    expect(html).toMatch(/data-testid="totals-equity" data-value="1011"/);
    expect(html).toContain('data-testid="totals-not-money"');
    expect(html).toContain('data-testid="totals-paper"');
    expect(html).toContain('data-testid="totals-observe"');
  });

  it('groups rows by type with a live-money subtotal and a separate paper/observe line', () => {
    const html = render();
    expect(html).toContain('data-testid="group-fixed_spread"');
    expect(html).toContain('data-testid="group-funding_rate"');
    expect(html).toMatch(/data-testid="subtotal-fixed_spread" data-value="11"/);
    expect(html).toContain('data-testid="subtotal-fixed_spread-other"');
    // Group order follows the model's type order; the funding arb sits in its own group.
    expect(html.indexOf('strategy-row-mm-eth')).toBeLessThan(html.indexOf('group-funding_rate'));
    expect(html.indexOf('group-funding_rate')).toBeLessThan(html.indexOf('strategy-row-arb-btc'));
  });

  it('shows "—" for funding on a spot instance and the money where there is a perpetual', () => {
    const html = render();
    expect(row(html, 'mm-eth')).toMatch(/data-testid="funding"[^>]*><span class="na"/);
    expect(row(html, 'arb-btc')).toContain('data-testid="funding"');
  });

  it('greys a stale row and shows the age of its data', () => {
    const stale = makeStrategy('mm-eth', {
      status: 'live',
      health: makeHealth({ state: 'stale', lastGoodSyncAt: '2026-11-20T09:00:00Z' }),
    });
    const store = mergeSnapshot(initialSnapshotSlice(), makeSnapshot(4, [stale]));
    const html = renderToStaticMarkup(createElement(App, { services: { store: createStratdeskStore(store), commands: noCommands } }));
    const r = row(html, 'mm-eth');
    expect(r).toContain('strategy-row--unhealthy');
    expect(r).toContain('data-health="stale"');
    expect(r).toMatch(/data-testid="age"[^>]*>\d+d \d+h ago/);
  });

  it('filters by text and status, and sorts by a column', () => {
    const filtered = render({ prefs: { ...defaultPrefs(), filter: { text: 'eth', statuses: [], health: [] } } });
    expect(filtered).toContain('strategy-row-mm-eth');
    expect(filtered).not.toContain('strategy-row-mm-btc');
    const paused = render({ prefs: { ...defaultPrefs(), filter: { text: '', statuses: ['paused'], health: [] } } });
    expect(paused).toContain('strategy-row-arb-btc');
    expect(paused).not.toContain('strategy-row-mm-eth');
    const sorted = render({ prefs: { ...defaultPrefs(), sort: { key: 'total', dir: 'asc' } } });
    expect(sorted.indexOf('strategy-row-mm-btc')).toBeLessThan(sorted.indexOf('strategy-row-mm-eth'));
    expect(sorted).toContain('aria-sort="ascending"');
  });

  it('puts the last error and last good sync in the health tooltip', () => {
    const arb = row(render(), 'arb-btc');
    expect(arb).toContain('Last error (rate_limit) at 2026-11-20 10:05:00 UTC: 429 from exchange');
    expect(arb).toContain('Last good sync: 2026-11-20 10:00:00 UTC');
    expect(arb).toContain('health--error');
  });

  it('shows totals, the connection state and the Rebalance button', () => {
    const html = render({ totals: makeTotals({ totalPnl: 22, inError: 1 }), connection: 'connected', hasEverConnected: true });
    expect(html).toContain('data-testid="totals"');
    expect(html).toContain('+11.00 USD');
    expect(html).toMatch(/data-testid="sync-light" data-state="error"/);
    expect(html).toContain('1 in error');
    expect(html).toMatch(/data-testid="connection" data-state="connected"/);
    expect(html).toContain('>Rebalance</button>');
    expect(render()).toMatch(/data-testid="connection" data-state="reconnecting"[^>]*>.*Connecting…/);
  });

  it('shows errors in a dismissible banner', () => {
    const html = render({ errors: [{ id: 1, source: 'strategy/pause x', code: 'not_found', message: 'no x', count: 1 }] });
    expect(html).toContain('role="alert"');
    expect(html).toContain('no x');
    expect(html).toContain('>Dismiss</button>');
  });

  it('renders the rebalance plan, then the applied result', () => {
    const plan: RebalancePlan = {
      policy: 'target_weights',
      asOf: '2026-11-20T10:00:00Z',
      dryRun: true,
      applied: false,
      totalCapital: 3000,
      moves: [{ id: 'mm-btc', status: 'live', targetWeight: 0.5, before: 1000, after: 1500, move: 500 }],
    };
    const planned = render({ rebalance: { phase: 'plan', policy: null, plan } });
    expect(planned).toContain('data-testid="rebalance-plan"');
    expect(planned).toContain('data-testid="plan-row-mm-btc"');
    expect(planned).toContain('+500.00 USDT');
    expect(planned).toContain('>Apply</button>');
    expect(planned).toContain('>Cancel</button>');
    expect(planned).not.toContain('data-testid="rebalance-applied"');

    const applied = render({ rebalance: { phase: 'applied', policy: null, plan: { ...plan, dryRun: false, applied: true } } });
    expect(applied).toContain('data-testid="rebalance-applied"');
    expect(applied).not.toContain('>Apply</button>');
  });

  it('uses classes, never inline styles (the CSP forbids them)', () => {
    expect(render()).not.toContain('style=');
  });
});
