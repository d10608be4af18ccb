/**
 * The kill switch against real serve mode (`--demo`, a serve of its own so no other spec sees its
 * instances stopped): it asks first and says what it does; Cancel changes nothing; confirmed, every
 * instance stops, every row shows it, and the audit trail has it with its reason.
 */
import { expect, test, type Page } from '@playwright/test';
import { openApp, strategyRow, useDemoServe } from './fixtures.ts';

const IDS = ['mm-btc', 'mm-eth', 'mm-sol'];
const app = useDemoServe();

async function statuses(page: Page): Promise<(string | null)[]> {
  return Promise.all(IDS.map((id) => strategyRow(page, id).getAttribute('data-status')));
}

test('Stop all asks first, then stops every instance; every row shows stopped', async ({ page }) => {
  await openApp(page, app.served);
  await expect.poll(() => statuses(page)).toEqual(['live', 'live', 'live']);

  const button = page.getByTestId('stop-all');
  await button.click();
  const dialog = page.getByTestId('stop-all-dialog');
  await expect(dialog).toContainText('Stop all 3 running instances?');
  await expect(dialog).toContainText('Every instance stops');
  await expect(dialog).toContainText('Every open order is cancelled');
  await expect(dialog).toContainText('Funding-rate hedges are unwound');
  await expect(page.getByTestId('stop-all-no')).toBeFocused(); // Enter alone never stops everything
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await page.waitForTimeout(1500); // a sync or two: nothing stopped
  expect(await statuses(page)).toEqual(['live', 'live', 'live']);

  await button.click();
  await page.getByTestId('stop-all-reason').fill('e2e: exchange outage drill');
  await page.getByTestId('stop-all-yes').click();
  await expect(dialog).toBeHidden();
  await expect.poll(() => statuses(page)).toEqual(['stopped', 'stopped', 'stopped']);
  await expect(page.getByTestId('totals-stopped')).toHaveAttribute('data-value', '3');
  await expect(page.getByTestId('totals-live')).toHaveAttribute('data-value', '0');
  for (const id of IDS) await expect(strategyRow(page, id).getByRole('button', { name: 'Start' })).toBeVisible();

  // The host agrees, and still after a few syncs (nothing restarts on its own).
  await page.waitForTimeout(2500);
  expect(await statuses(page)).toEqual(['stopped', 'stopped', 'stopped']);
  const portfolio = await app.served.api<{ instances: { id: string; running: boolean }[] }>('/api/portfolio');
  expect(portfolio.body.instances.map((i) => i.running)).toEqual([false, false, false]);
  const audit = await app.served.api<{ action: string; reason: string | null }[]>('/api/audit?target=portfolio');
  expect(audit.body).toEqual(
    expect.arrayContaining([expect.objectContaining({ action: 'portfolio/stopAll', reason: 'e2e: exchange outage drill' })]),
  );
});
