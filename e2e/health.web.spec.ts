/**
 * Health, modes and alerts against real serve mode with a workspace of our own: the simulator on
 * loopback for a live, a paper and an observe instance, and an arbitrage whose account points at a
 * closed port, so its syncs really fail (no mocks). Proves the error row, the alert, the sync light's
 * filter and that paper/observe stay out of the live totals.
 */
import { screenshot } from './screenshots.ts';
import { expect, test } from '@playwright/test';
import { appLink, openApp, strategyRow as row, useSimWorkspace } from './fixtures.ts';

const app = useSimWorkspace(
  'health',
  (simUrl) => {
    const startTime = new Date(Date.now() - 60_000).toISOString();
    const params = { spreadBps: 10, requoteBps: 3, orderFraction: 0.05, intervalMs: 500, capital: 10_000 };
    return {
      version: 2,
      syncIntervalMs: 1000,
      accounts: [
        { id: 'sim', exchange: 'binance', apiBaseUrl: simUrl, credentials: { apiKey: 'demo-key', secret: 'demo-secret' } },
        // Port 9 (discard) on loopback: nothing listens, every request is refused.
        { id: 'down', exchange: 'binance', apiBaseUrl: 'http://127.0.0.1:9', credentials: { apiKey: 'k', secret: 's' } },
      ],
      instances: [
        { id: 'mm-live', type: 'fixed_spread', account: 'sim', mode: 'live', symbols: ['BTC/USDT'], startTime, params },
        { id: 'mm-paper', type: 'fixed_spread', account: 'sim', mode: 'paper', symbols: ['ETH/USDT'], startTime, params },
        { id: 'watch-sol', type: 'fixed_spread', account: 'sim', mode: 'observe', symbols: ['SOL/USDT'], startTime, params },
        {
          id: 'arb-down',
          type: 'funding_rate',
          account: 'down',
          mode: 'live',
          symbols: ['BTC/USDT', 'BTC/USDT:USDT'],
          startTime,
          params: { intervalMs: 500, capital: 10_000 },
        },
      ],
      portfolio: { policy: 'target_weights', targets: { 'mm-live': 0.4, 'mm-paper': 0.2, 'watch-sol': 0.2, 'arb-down': 0.2 } },
    };
  },
  ['--seed', '7'],
);

test('an instance in error is flagged, greyed, alerted, and one click on the sync light filters to it', async ({ page }) => {
  await openApp(page, app.served);
  const arb = row(page, 'arb-down');
  await expect(arb).toHaveAttribute('data-health', 'error', { timeout: 60_000 });
  await expect(arb).toHaveClass(/strategy-row--unhealthy/);
  await expect(arb.getByTestId('funding')).not.toContainText('\u2014'); // an arbitrage shows its funding figure
  await expect(page.getByTestId('sync-light')).toHaveAttribute('data-state', 'error');
  await expect(page.getByTestId('totals-in-error')).toHaveAttribute('data-value', '1');

  // Hover shows the last error with its time.
  await arb.getByTestId('health').hover();
  await expect(arb.locator('.health-tip')).toBeVisible();
  await expect(arb.locator('.health-tip')).toContainText(/Last error \(\w+\) at \d{4}-\d\d-\d\d/);

  // The alert arrived in the list (and would go to the desktop once notifications are allowed).
  await expect(page.getByTestId('alerts-unread')).toBeVisible();
  await page.getByTestId('alerts-button').click();
  const alert = page.getByTestId('alerts-list').locator('[data-kind="health"][data-target="arb-down"]').filter({ hasText: 'in error' });
  await expect(alert).toContainText('arb-down is in error');
  await expect(page.getByTestId('alerts-unread')).toHaveCount(0);
  await page.mouse.move(700, 600);
  await screenshot(page, 'health.png');
  await page.getByTestId('alerts-panel').getByRole('button', { name: 'Close' }).click();

  // Paper and observe: hatched; observe is real money (in the totals), paper is kept apart.
  await expect(row(page, 'mm-paper')).toHaveClass(/strategy-row--mode-paper/);
  await expect(row(page, 'watch-sol')).toHaveClass(/strategy-row--mode-observe/);
  await expect(page.getByTestId('totals-not-money')).toContainText('Paper (simulated)');
  await expect
    .poll(async () => {
      return page.evaluate(() => {
        const v = (sel: string): number => Number(document.querySelector(sel)?.getAttribute('data-value'));
        const total = v('[data-testid="totals-total"]');
        const live = ['mm-live', 'arb-down', 'watch-sol'].map((id) => v(`[data-testid="strategy-row-${id}"] [data-testid="total"]`));
        return Math.abs(total - live.reduce((a, b) => a + b, 0)) < 1e-6;
      });
    })
    .toBe(true);

  // One click on the light: only the rows with a problem.
  await page.getByTestId('sync-light').click();
  await expect(page.getByTestId('chip-health-error')).toHaveAttribute('aria-pressed', 'true');
  await expect(page.locator('tr[data-testid^="strategy-row-"]')).toHaveCount(1);
  await expect(arb).toBeVisible();
  await page.getByTestId('clear-filters').click();
  await expect(page.locator('tr[data-testid^="strategy-row-"]')).toHaveCount(4);
});

test('the detail panel of a failing arbitrage shows the error and "—" where funding data is missing', async ({ page }) => {
  await page.goto(appLink(app.served));
  await row(page, 'arb-down').locator('td.cell-id').click();
  const panel = page.getByTestId('detail-panel');
  await expect(panel).toContainText('Last error');
  await expect(panel.locator('#strat-h')).toHaveText('Funding arbitrage');
  await expect(panel.getByTestId('strategy-figures')).toContainText('Basis');
  await expect(panel.getByTestId('strategy-figures')).toContainText('\u2014');
  await page.getByTestId('detail-close').click();
  await row(page, 'mm-paper').locator('td.cell-id').click();
  await expect(panel).toContainText('Paper mode: simulated fills on live market data. Not real money.');
});
