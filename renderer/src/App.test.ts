// Renders the real components to HTML without a DOM (none is installed) and checks the hooks the
// Playwright suite relies on. Written with createElement so it stays a plain .ts test.
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import type { VaultStatus } from '../../shared/model.ts';
import { App } from './App.tsx';
import { runningCounts } from './features/portfolio/StopAll.tsx';
import { mergeSnapshot } from './bridge.ts';
import type { AppCommands } from './commands.ts';
import { createStratdeskStore, type StratdeskState } from './store/index.ts';
import { initialSnapshotSlice } from './store/snapshotSlice.ts';
import { defaultPrefs } from './store/prefsSlice.ts';
import { totalsOf } from '../../shared/totals.ts';
import { makeHealth, makeInstance, makeMetrics, makePlan, makeSnapshot, makeStrategy, makeTotals } from './testFixtures.ts';

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
  askStopAll: () => {},
  cancelStopAll: () => {},
  confirmStopAll: async () => {},
  openVault: async () => {},
  closeVault: () => {},
  refreshVault: async () => {},
  createVault: async () => false,
  unlockVault: async () => false,
  lockVault: async () => false,
  changeVaultPassword: async () => false,
  putVaultKey: async () => false,
  removeVaultKey: async () => false,
  testAccount: async () => {},
  reconcileAccount: async () => ({ ok: false, error: { code: 'internal', message: 'not in this test' } }),
  assignFill: async () => ({ ok: false, error: { code: 'internal', message: 'not in this test' } }),
  cancelOrder: async () => ({ ok: false, error: { code: 'internal', message: 'not in this test' } }),
  cancelAll: async () => ({ ok: false, error: { code: 'internal', message: 'not in this test' } }),
  dismissControlNotice: () => {},
  openSetup: () => {},
  closeSetup: () => {},
  getWorkspace: async () => ({ ok: false, error: { code: 'internal', message: 'not in this test' } }),
  putWorkspace: async () => ({ ok: false, error: { code: 'internal', message: 'not in this test' } }),
  undoWorkspace: async () => ({ ok: false, error: { code: 'internal', message: 'not in this test' } }),
  importWorkspace: async () => ({ ok: false, error: { code: 'internal', message: 'not in this test' } }),
  listExchanges: async () => ({ ok: false, error: { code: 'internal', message: 'not in this test' } }),
  listMarkets: async () => ({ ok: false, error: { code: 'internal', message: 'not in this test' } }),
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
// The header shows what the host computed, with the one totals function the API answers with.
snapshot.totals = totalsOf(snapshot.strategies, 'USDT', {});

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

  it('hatches paper and observe rows; the header adds live and observe in the reporting currency, paper apart', () => {
    const html = render();
    expect(row(html, 'mm-btc')).toContain('strategy-row--mode-observe');
    expect(row(html, 'arb-btc')).toContain('strategy-row--mode-paper');
    // mm-eth (live, 11) and mm-btc (observe, −3.2) are real money; arb-btc (paper) is not.
    expect(html).toMatch(/data-testid="totals-total" data-value="7.8"/);
    expect(html).toMatch(/data-testid="totals-equity" data-value="2007.8" data-currency="USDT"/);
    // The real code of the reporting currency, never "USD" over USDT rows.
    expect(html).toContain('+7.80 USDT');
    expect(html).not.toMatch(/\d USD</);
    expect(html).toContain('data-testid="totals-not-money"');
    expect(html).toContain('data-testid="totals-paper"');
  });

  it('lists figures in a currency with no known rate apart, never added as if equal', () => {
    const html = render({ totals: makeTotals({ currency: 'USDT', unconverted: { BTC: 0.01 } }) });
    expect(html).toContain('data-testid="totals-unconverted-BTC"');
    expect(html).toContain('+0.01 BTC');
  });

  it('groups rows by type with a real-money subtotal (live + observe, as the header) and a separate paper line', () => {
    const html = render();
    expect(html).toContain('data-testid="group-fixed_spread"');
    expect(html).toContain('data-testid="group-funding_rate"');
    // mm-eth (live, 11) + mm-btc (observe, −3.2): the same rule as the header's totals.
    expect(html).toMatch(/data-testid="subtotal-fixed_spread" data-value="7.8"/);
    expect(html).not.toContain('data-testid="subtotal-fixed_spread-other"');
    expect(html).toContain('data-testid="subtotal-funding_rate-other"');
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

  it('says what a stop left on the book, never a bare "stopped"', () => {
    const stillOpen = [{ instance: 'mm-eth', symbol: 'BTC/USDT', orderId: '42', why: 'cancel answered 503; retrying' }];
    const html = render({ controlNotice: { action: 'stop', target: 'mm-eth', stillOpen, at: Date.parse('2026-11-20T10:00:00Z') } });
    expect(html).toContain('data-testid="control-notice"');
    expect(html).toContain('Stopped mm-eth — 1 order still on the book, retrying');
    expect(html).toContain('BTC/USDT #42 (mm-eth): cancel answered 503; retrying');
    const clean = render({ controlNotice: { action: 'stop', target: 'mm-eth', stillOpen: [], at: 0 } });
    expect(clean).toContain('Stopped mm-eth — the book is clean');
  });

  it('shows errors in a dismissible banner', () => {
    const html = render({ errors: [{ id: 1, source: 'strategy/pause x', code: 'not_found', message: 'no x', count: 1 }] });
    expect(html).toContain('role="alert"');
    expect(html).toContain('no x');
    expect(html).toContain('>Dismiss</button>');
  });

  it('renders the rebalance plan, then the applied result', () => {
    const plan = makePlan({
      totalCapital: 3000,
      moves: [{ id: 'mm-btc', status: 'live', targetWeight: 0.5, before: 1000, after: 1500, move: 500 }],
    });
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

  it('shows a catch-up bar with its share and read-to time in the health cell, and a summary in the header', () => {
    const reading = makeStrategy('mm-btc', {
      health: makeHealth({ catchUp: { readTo: '2026-11-18T04:05:00Z', progress: 0.25 } }),
    });
    const other = makeStrategy('mm-eth', {
      health: makeHealth({ catchUp: { readTo: '2026-11-19T00:00:00Z', progress: 0.61 } }),
    });
    const done = makeStrategy('mm-sol');
    const store = createStratdeskStore(mergeSnapshot(initialSnapshotSlice(), makeSnapshot(5, [reading, other, done])));
    const html = renderToStaticMarkup(createElement(App, { services: { store, commands: noCommands } }));
    const r = row(html, 'mm-btc');
    expect(r).toContain('data-catching-up="true"');
    expect(r).toMatch(/<progress class="catch-up-bar" max="1" value="0.25"/);
    expect(r).toContain('25 %');
    expect(r).toContain('read to 11-18'); // more than a day behind: the day
    expect(r).toContain('Catching up: history read to 2026-11-18 04:05:00 UTC (25 %)');
    expect(row(html, 'mm-sol')).toContain('data-catching-up="false"');
    expect(row(html, 'mm-sol')).not.toContain('catch-up-bar');
    expect(html).toMatch(/data-testid="catch-up-summary"[^>]*>.*catching up 2 instances \u2014 43 %/);
    expect(render()).not.toContain('catch-up-summary');
  });

  it('puts retried faults and the last one in the health tooltip, next to the last error', () => {
    const flaky = makeStrategy('mm-eth', {
      health: makeHealth({
        retriedFaults: 7,
        lastFault: { at: '2026-11-20T10:04:00Z', kind: 'timeout', message: 'GET /api/v3/myTrades timed out' },
      }),
    });
    const store = createStratdeskStore(mergeSnapshot(initialSnapshotSlice(), makeSnapshot(6, [flaky])));
    const r = row(renderToStaticMarkup(createElement(App, { services: { store, commands: noCommands } })), 'mm-eth');
    expect(r).toContain('data-retried="7"');
    expect(r).toContain('Retried faults since start: 7');
    expect(r).toContain('Last retried fault (timeout) at 2026-11-20 10:04:00 UTC: GET /api/v3/myTrades timed out');
    expect(r.indexOf('Last error: none')).toBeLessThan(r.indexOf('Retried faults'));
    expect(row(render(), 'mm-btc')).toContain('Retried faults since start: 0');
  });

  it('counts what Stop all would stop: running instances, of them live money and funding hedges', () => {
    const byId = {
      a: makeInstance('a'),
      b: makeInstance('b', { mode: 'paper', type: 'funding_rate' }),
      c: makeInstance('c', { running: false, type: 'funding_rate' }),
    };
    expect(runningCounts(['a', 'b', 'c', 'gone'], byId)).toEqual({ running: 2, live: 1, hedges: 1 });
    expect(runningCounts([], {})).toEqual({ running: 0, live: 0, hedges: 0 });
  });

  it('has the kill switch in the header and says what it does before it does it', () => {
    const closed = render();
    expect(closed).toMatch(/data-testid="stop-all"[^>]*>Stop all</);
    expect(closed).not.toContain('data-testid="stop-all-dialog"');
    const html = render({ stopAll: 'confirm' });
    expect(html).toContain('data-testid="stop-all-dialog"');
    expect(html).toMatch(/Stop all 3 running instances\?/);
    expect(html).toContain('Every instance stops');
    expect(html).toContain('Every open order is cancelled');
    expect(html).toContain('Funding-rate hedges are unwound');
    expect(html).toMatch(/data-testid="stop-all-no"[^>]*>Cancel</);
    expect(render({ stopAll: 'running' })).toMatch(/data-testid="stop-all-yes"[^>]*disabled=""[^>]*>Stopping…</);
  });

  it('renders the vault panel with masked keys only, who uses them, and the key test warnings', () => {
    const status: VaultStatus = {
      exists: true,
      isLocked: false,
      entries: [{ name: 'bybit-main', apiKey: '\u2022\u2022\u2022\u2022-key', hasPassword: false, updatedAt: '2026-11-20T10:00:00Z' }],
      accounts: [
        { id: 'sim', exchange: 'binance', vaultEntry: null, isConnected: true },
        { id: 'main', exchange: 'bybit', vaultEntry: 'bybit-main', isConnected: false },
        { id: 'okx', exchange: 'okx', vaultEntry: 'okx-main', isConnected: false },
      ],
      notice: 'the vault file was damaged; its backup was opened',
      keychain: 'unavailable',
    };
    const html = render({
      isVaultOpen: true,
      vaultStatus: status,
      vaultFeedback: { action: 'unlock', isError: true, code: 'unauthorized', message: 'wrong password' },
      accountTests: {
        sim: {
          phase: 'done',
          at: Date.parse('2026-11-20T10:00:00Z'),
          result: {
            account: 'sim',
            exchange: 'binance',
            ok: true,
            message: 'the key works',
            permissions: ['reading', 'spot and margin trading'],
            warnings: ['no IP whitelist: anyone with the key can use it from anywhere'],
          },
        },
      },
    });
    expect(html).toContain('data-testid="vault-panel"');
    expect(html).toMatch(/data-testid="vault-state" data-state="unlocked"/);
    expect(html).toMatch(/data-testid="masked-key">\u2022\u2022\u2022\u2022-key</);
    expect(html).toMatch(/data-testid="vault-entry-bybit-main".*<td>main<\/td>/);
    expect(html).toContain('the vault file was damaged');
    expect(html).toMatch(/data-testid="vault-error" data-code="unauthorized".*wrong password/);
    expect(html).toMatch(/data-testid="vault-account-okx"[^>]*data-key-source="missing"/);
    expect(html).toMatch(/data-testid="vault-missing".*okx-main/);
    expect(html).toMatch(/data-testid="account-test-result-sim" data-verdict="warn"/);
    expect(html).toContain('no IP whitelist');
    expect(html).toContain('spot and margin trading');
    // The forms are uncontrolled: no input carries a value into the markup.
    expect(html).not.toMatch(/<input[^>]*type="password"[^>]*value=/);
    // No keychain here: no "remember" box; and the unlock form is for a locked vault only.
    expect(html).not.toContain('vault-remember');
    const locked = render({ isVaultOpen: true, vaultStatus: { ...status, isLocked: true, entries: [], keychain: 'available' } });
    expect(locked).toContain('data-testid="vault-unlock-form"');
    expect(locked).toContain('data-testid="vault-remember"');
    expect(locked).toContain('data-testid="vault-keys-hidden"');
    const none = render({ isVaultOpen: true, vaultStatus: { ...status, exists: false, isLocked: true, entries: [] } });
    expect(none).toContain('data-testid="vault-create-form"');
    expect(none).toContain('vault-new-password-repeat');
  });
});
