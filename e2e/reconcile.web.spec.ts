/**
 * Reconciliation in the accounts view, against real serve mode and the simulator on loopback: a trade
 * nobody placed through the app (made on the simulator's control side, as a human in the exchange's
 * page would) shows as drift on its symbol; assigning it to the instance clears it.
 */
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { openApp, useSimWorkspace } from './fixtures.ts';
import { SCREENSHOT_DIR } from './screenshots.ts';

const app = useSimWorkspace('reconcile', (simUrl) => ({
  version: 2,
  syncIntervalMs: 1000,
  accounts: [{ id: 'sim', exchange: 'binance', apiBaseUrl: simUrl, credentials: { apiKey: 'demo-key', secret: 'demo-secret' } }],
  instances: [
    // Live, quoting 10 % either side of mid: it places orders (journaled as its own) that never fill here.
    {
      id: 'mm-btc',
      type: 'fixed_spread',
      account: 'sim',
      mode: 'live',
      symbols: ['BTC/USDT'],
      startTime: new Date(Date.now() - 60_000).toISOString(),
      params: { spreadBps: 2000, orderFraction: 0.01 },
    },
  ],
}));

async function openAccounts(page: Page) {
  await openApp(page, app.served);
  await expect(page.getByTestId('strategy-row-mm-btc')).toBeVisible();
  await page.getByTestId('vault-button').click();
  const panel = page.getByTestId('vault-panel');
  await expect(panel).toBeVisible();
  return panel.getByTestId('reconciliation-sim');
}

test('a manual trade shows as drift on its symbol; assigning it to the instance clears it', async ({ page }) => {
  const view = await openAccounts(page);
  // Opening the view reconciles: the first time records the baseline, so it matches.
  await expect(view).toHaveAttribute('data-ok', 'true');
  await expect(view.getByTestId('reconcile-verdict')).toHaveText('Matched');

  // A human buys 0.01 BTC on the account, outside the app.
  const res = await fetch(`${app.simUrl}/__sim/drift`, {
    method: 'POST',
    body: JSON.stringify({ kind: 'trade', apiKey: 'demo-key', symbol: 'BTC/USDT', side: 'buy', amount: 0.01 }),
  });
  expect(res.status).toBe(200);
  // Past the settle window around the reading, then ask again.
  await page.waitForTimeout(1500);
  await view.getByTestId('reconcile-run').click();
  await expect(view).toHaveAttribute('data-ok', 'false');
  await expect(view.getByTestId('reconcile-position-BTC/USDT')).toHaveAttribute('data-difference', '0.01');
  await expect(view.getByTestId('reconcile-notes')).toContainText('Bought 0.01 BTC on BTC/USDT by no instance');
  await expect(view.getByTestId('reconcile-alert')).toContainText(/\d+ fills? no instance placed/);
  const fills = view.getByTestId('reconcile-unattributed').locator('tbody tr');
  await expect(fills).not.toHaveCount(0);
  await view.screenshot({ path: join(SCREENSHOT_DIR, 'reconciliation-drift.png') });

  // The trader says it was the market maker's.
  while ((await fills.count()) > 0) {
    const first = fills.first();
    await expect(first.getByTestId('reconcile-assign-instance')).toHaveValue('mm-btc');
    await first.getByTestId('reconcile-assign').click();
    await expect(view.getByTestId('reconcile-run')).toBeEnabled();
  }
  await expect(view).toHaveAttribute('data-ok', 'true');
  await expect(view.getByTestId('reconcile-position-BTC/USDT')).toHaveAttribute('data-difference', '0');
  await expect(view.getByTestId('reconcile-alert')).toHaveCount(0);
});
