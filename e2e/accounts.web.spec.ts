/**
 * Accounts and keys, and catch-up, against real serve mode and the simulator on loopback:
 * - an instance that starts long ago reads its history window by window; its row shows how far, the
 *   header sums it up, and both go away once it has caught up;
 * - the vault is created, a key added (the page only ever shows it masked), locked, refused with a
 *   wrong password, unlocked; the account using the key connects;
 * - each account's key test shows its permissions and the simulator's "no IP whitelist" warning.
 */
import { screenshot } from './screenshots.ts';
import { expect, test, type Page } from '@playwright/test';
import { openApp, strategyRow as row, useSimWorkspace } from './fixtures.ts';

const PASSWORD = 'correct-horse-battery-42';
// The simulator CLI's Bybit demo account: the key the vault-backed account needs to connect.
const BYBIT_KEY = 'demo-bybit-key';
const BYBIT_SECRET = 'demo-bybit-secret';
const NEEDLES = [PASSWORD, BYBIT_KEY, BYBIT_SECRET, 'demo-secret'];
const DAY = 86_400_000;

const app = useSimWorkspace('accounts', (simUrl) => {
  const recent = new Date(Date.now() - 60_000).toISOString();
  return {
    version: 2,
    syncIntervalMs: 1000,
    accounts: [
      // Inline credentials are accepted on loopback: the simulator CLI's Binance demo account.
      { id: 'sim', exchange: 'binance', apiBaseUrl: simUrl, credentials: { apiKey: 'demo-key', secret: 'demo-secret' } },
      { id: 'main', exchange: 'bybit', apiBaseUrl: simUrl, credentials: { vault: 'bybit-main' } },
    ],
    instances: [
      { id: 'watch-btc', type: 'fixed_spread', account: 'sim', mode: 'observe', symbols: ['BTC/USDT'], startTime: recent },
      // 300 days of history through Binance spot's one-day window: many syncs' worth of catching up.
      {
        id: 'history-eth',
        type: 'fixed_spread',
        account: 'sim',
        mode: 'observe',
        symbols: ['ETH/USDT'],
        startTime: new Date(Date.now() - 300 * DAY).toISOString(),
      },
      { id: 'watch-bybit', type: 'fixed_spread', account: 'main', mode: 'observe', symbols: ['BTC/USDT'], startTime: recent },
    ],
  };
});

async function open(page: Page): Promise<void> {
  await openApp(page, app.served);
  await expect(row(page, 'watch-btc')).toBeVisible();
}

async function expectNoSecretInPage(page: Page): Promise<void> {
  const html = await page.content();
  for (const needle of NEEDLES) expect(html.includes(needle), `${needle.slice(0, 8)}… in the DOM`).toBe(false);
  // Nor in any input's live value (page.content() only has attributes).
  const values = await page.locator('input').evaluateAll((inputs) => inputs.map((i) => (i as HTMLInputElement).value));
  for (const needle of NEEDLES) expect(values.includes(needle), `${needle.slice(0, 8)}… left in an input`).toBe(false);
}

test('an instance reading a long history shows its catch-up in its row and the header; the rest stays usable', async ({ page }) => {
  test.setTimeout(240_000); // ten or so syncs of thirty one-day windows each
  await open(page);
  const history = row(page, 'history-eth');
  await expect(history.getByTestId('health')).toHaveAttribute('data-catching-up', 'true');
  const bar = history.getByTestId('catch-up');
  await expect(bar).toContainText(/\d+ %/);
  await expect(bar).toContainText(/read to \d\d-\d\d/); // months behind: the day it has read to
  await expect(page.getByTestId('catch-up-summary')).toContainText(/catching up 1 instance — \d+ %/);
  // The bar and its text fit the health cell, and the table still fits the window (no action cut off).
  const cell = await history.getByTestId('health').boundingBox();
  const cellText = await history.locator('.catch-up-to').boundingBox();
  expect(cell !== null && cellText !== null && cellText.x + cellText.width <= cell.x + cell.width).toBe(true);
  const table = page.locator('.table-scroll--rows');
  expect(await table.evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
  await page.mouse.move(5, 890);
  await screenshot(page, 'catch-up.png');
  await expect(row(page, 'watch-btc').getByTestId('health')).toHaveAttribute('data-catching-up', 'false');

  // It moves forward…
  const first = Number(await bar.getAttribute('data-progress'));
  await expect.poll(async () => Number((await bar.getAttribute('data-progress')) ?? 1), { timeout: 60_000 }).toBeGreaterThan(first);
  // …while the rest of the screen works: the detail panel opens and shows it too.
  await row(page, 'history-eth').locator('td.cell-id').click();
  await expect(page.getByTestId('detail-panel').getByTestId('catch-up')).toBeVisible();
  await page.getByTestId('detail-close').click();

  // Caught up: the bar and the summary go away.
  await expect(history.getByTestId('health')).toHaveAttribute('data-catching-up', 'false', { timeout: 200_000 });
  await expect(page.getByTestId('catch-up-summary')).toHaveCount(0);
});

test('vault: create, add a key (masked only), lock, a wrong password is refused, unlock', async ({ page }) => {
  await open(page);
  await page.getByTestId('vault-button').click();
  const panel = page.getByTestId('vault-panel');
  await expect(panel).toBeVisible();
  await expect(panel.getByTestId('vault-state')).toHaveAttribute('data-state', 'none');
  await expect(panel.getByTestId('vault-account-main')).toHaveAttribute('data-key-source', 'locked');
  // No OS keychain in serve mode: nothing offers to remember the password.
  await expect(panel.getByTestId('vault-keychain')).toHaveAttribute('data-keychain', 'unavailable');

  // Checked before anything is sent; the fields are cleared either way.
  await panel.getByTestId('vault-new-password').fill('short');
  await panel.getByTestId('vault-new-password-repeat').fill('short');
  await panel.getByTestId('vault-create').click();
  await expect(panel.getByTestId('vault-create-problem')).toContainText('at least 8');
  await expect(panel.getByTestId('vault-new-password')).toHaveValue('');
  await panel.getByTestId('vault-new-password').fill(PASSWORD);
  await panel.getByTestId('vault-new-password-repeat').fill(PASSWORD + 'x');
  await panel.getByTestId('vault-create').click();
  await expect(panel.getByTestId('vault-create-problem')).toContainText('differ');
  await panel.getByTestId('vault-new-password').fill(PASSWORD);
  await panel.getByTestId('vault-new-password-repeat').fill(PASSWORD);
  await panel.getByTestId('vault-create').click();
  await expect(panel.getByTestId('vault-state')).toHaveAttribute('data-state', 'unlocked');
  await expect(panel.getByTestId('vault-ok')).toContainText('Vault created');
  await expect(panel.getByTestId('vault-missing')).toContainText('bybit-main');

  await panel.getByTestId('vault-key-name').fill('bybit-main');
  await panel.getByTestId('vault-key-api').fill(BYBIT_KEY);
  await panel.getByTestId('vault-key-secret').fill(BYBIT_SECRET);
  await panel.getByTestId('vault-key-save').click();
  // The form is empty as soon as it is sent.
  await expect(panel.getByTestId('vault-key-api')).toHaveValue('');
  await expect(panel.getByTestId('vault-key-secret')).toHaveValue('');
  const entry = panel.getByTestId('vault-entry-bybit-main');
  await expect(entry).toBeVisible();
  await expect(entry.getByTestId('masked-key')).toHaveText('\u2022\u2022\u2022\u2022-key');
  await expect(entry).toContainText('main'); // used by
  await expect(panel.getByTestId('vault-account-main')).toHaveAttribute('data-key-source', 'ready');
  await expectNoSecretInPage(page);
  // With its key in the vault the account connects (the panel refreshes while open).
  await expect(panel.getByTestId('vault-account-main')).toHaveAttribute('data-connected', 'true', { timeout: 30_000 });
  await expect(row(page, 'watch-bybit')).toHaveAttribute('data-health', 'ok', { timeout: 30_000 });

  await panel.getByTestId('vault-lock').click();
  await expect(panel.getByTestId('vault-state')).toHaveAttribute('data-state', 'locked');
  await expect(panel.getByTestId('vault-keys-hidden')).toBeVisible();
  await expect(panel.getByTestId('vault-entry-bybit-main')).toHaveCount(0);

  await panel.getByTestId('vault-password').fill('not-the-password');
  await panel.getByTestId('vault-unlock').click();
  await expect(panel.getByTestId('vault-error')).toHaveAttribute('data-code', 'unauthorized');
  await expect(panel.getByTestId('vault-error')).toContainText(/Unlock failed/);
  await expect(panel.getByTestId('vault-password')).toHaveValue('');
  await expect(panel.getByTestId('vault-state')).toHaveAttribute('data-state', 'locked');

  await panel.getByTestId('vault-password').fill(PASSWORD);
  await panel.getByTestId('vault-unlock').click();
  await expect(panel.getByTestId('vault-state')).toHaveAttribute('data-state', 'unlocked');
  await expect(panel.getByTestId('vault-ok')).toContainText('Unlocked: 1 key');
  await expect(panel.getByTestId('vault-entry-bybit-main').getByTestId('masked-key')).toHaveText('\u2022\u2022\u2022\u2022-key');
  await expectNoSecretInPage(page);

  const audit = await app.served.api<{ action: string; target: string }[]>('/api/audit');
  expect(audit.body.map((a) => a.action)).toEqual(expect.arrayContaining(['vault/create', 'vault/put', 'vault/lock', 'vault/unlock']));
});

test('account test: permissions and the "no IP whitelist" warning for the inline key and the vault key', async ({ page }) => {
  await open(page);
  await page.getByTestId('vault-button').click();
  const panel = page.getByTestId('vault-panel');
  await expect(panel.getByTestId('vault-state')).toBeVisible();

  await panel.getByTestId('vault-account-sim').getByTestId('account-test').click();
  const sim = panel.getByTestId('account-test-result-sim');
  await expect(sim).toHaveAttribute('data-verdict', 'warn', { timeout: 30_000 });
  await expect(sim).toContainText('Test passed, with warnings: the key works');
  await expect(sim.getByTestId('account-test-warnings')).toContainText('no IP whitelist');
  await expect(sim.getByTestId('account-test-warnings')).not.toContainText('withdrawals');
  await expect(sim.getByTestId('account-test-permissions')).toContainText('spot and margin trading');

  // The vault key added in the test before (the vault is still unlocked: same serve).
  await expect(panel.getByTestId('vault-state')).toHaveAttribute('data-state', 'unlocked');
  await panel.getByTestId('vault-account-main').getByTestId('account-test').click();
  const main = panel.getByTestId('account-test-result-main');
  await expect(main).toHaveAttribute('data-verdict', 'warn', { timeout: 30_000 });
  await expect(main.getByTestId('account-test-warnings')).toContainText('no IP whitelist');
  await expectNoSecretInPage(page);

  // The whole panel in the picture: masked key, who uses it, both results with their warnings.
  await page.setViewportSize({ width: 1440, height: 1100 });
  await panel.locator('.detail-body').evaluate((el) => (el.scrollTop = 0));
  // Nothing of the keys and accounts is cut off (the reconciliation below them scrolls).
  const lastResult = await main.boundingBox();
  expect(lastResult).not.toBeNull();
  expect((lastResult?.y ?? 0) + (lastResult?.height ?? 0)).toBeLessThanOrEqual(1100);
  await page.mouse.move(5, 1090);
  await screenshot(page, 'vault.png');
  await page.setViewportSize({ width: 1440, height: 900 });

  await page.keyboard.press('Escape');
  await expect(panel).toBeHidden();
});

test('vault: change the password; removing a key asks first and the account then lacks it', async ({ page }) => {
  const NEW_PASSWORD = 'another-long-password-7';
  await open(page);
  await page.getByTestId('vault-button').click();
  const panel = page.getByTestId('vault-panel');
  await expect(panel.getByTestId('vault-state')).toHaveAttribute('data-state', 'unlocked');

  await panel.getByText('Change the password').click();
  await panel.getByTestId('vault-old-password').fill(PASSWORD);
  await panel.getByTestId('vault-changed-password').fill(NEW_PASSWORD);
  await panel.getByTestId('vault-changed-password-repeat').fill(NEW_PASSWORD);
  await panel.getByTestId('vault-change-password').click();
  await expect(panel.getByTestId('vault-ok')).toContainText('Password changed');
  await expect(panel.getByTestId('vault-old-password')).toHaveValue('');
  await panel.getByTestId('vault-lock').click();
  await panel.getByTestId('vault-password').fill(PASSWORD); // the old one no longer opens it
  await panel.getByTestId('vault-unlock').click();
  await expect(panel.getByTestId('vault-error')).toHaveAttribute('data-code', 'unauthorized');
  await panel.getByTestId('vault-password').fill(NEW_PASSWORD);
  await panel.getByTestId('vault-unlock').click();
  await expect(panel.getByTestId('vault-state')).toHaveAttribute('data-state', 'unlocked');

  const entry = panel.getByTestId('vault-entry-bybit-main');
  await entry.getByTestId('vault-remove').click();
  const dialog = page.getByTestId('vault-remove-dialog');
  await expect(dialog).toContainText('Remove the key "bybit-main"?');
  await expect(dialog).toContainText('Used by main');
  await expect(page.getByTestId('vault-remove-no')).toBeFocused();
  await page.keyboard.press('Escape'); // closes the dialog, not the panel
  await expect(dialog).toBeHidden();
  await expect(panel).toBeVisible();
  await expect(entry).toBeVisible();

  await entry.getByTestId('vault-remove').click();
  await page.getByTestId('vault-remove-yes').click();
  await expect(panel.getByTestId('vault-ok')).toContainText('Key "bybit-main" removed');
  await expect(entry).toHaveCount(0);
  await expect(panel.getByTestId('vault-no-keys')).toBeVisible();
  await expect(panel.getByTestId('vault-account-main')).toHaveAttribute('data-key-source', 'missing');
  await expect(panel.getByTestId('vault-missing')).toContainText('bybit-main');
  await expectNoSecretInPage(page);
});
