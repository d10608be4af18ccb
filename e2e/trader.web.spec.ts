/**
 * The trader's dashboard against the real serve mode (`--demo`: three live market makers on the
 * simulated exchange): sorting, filtering, keyboard, pause/resume/stop/start, the detail panel with
 * fills, chart and CSV export, rebalance with a chosen policy, theme and remembered layout.
 */
import { readFileSync } from 'node:fs';
import { screenshot } from './screenshots.ts';
import { expect, test, type Page } from '@playwright/test';
import { openApp, strategyRow as row, useDemoServe } from './fixtures.ts';

const IDS = ['mm-btc', 'mm-eth', 'mm-sol'];
const app = useDemoServe();

async function open(page: Page): Promise<void> {
  await openApp(page, app.served);
  for (const id of IDS) await expect(row(page, id)).toBeVisible();
}

/** Row ids and one column's data-value, read in one go so a live update cannot interleave. */
async function column(page: Page, testId: string): Promise<{ id: string; value: number }[]> {
  return page.evaluate((tid) => {
    return [...document.querySelectorAll('tr[data-testid^="strategy-row-"]')].map((tr) => ({
      id: (tr.getAttribute('data-testid') ?? '').replace('strategy-row-', ''),
      value: Number(tr.querySelector(`[data-testid="${tid}"]`)?.getAttribute('data-value')),
    }));
  }, testId);
}

async function rowOrder(page: Page): Promise<string[]> {
  return (await column(page, 'total')).map((r) => r.id);
}

test('sorts by any column, both ways, and back to the host order', async ({ page }) => {
  await open(page);
  await page.getByTestId('sort-id').click();
  await expect.poll(() => rowOrder(page)).toEqual(['mm-btc', 'mm-eth', 'mm-sol']);
  await page.getByTestId('sort-id').click();
  await expect.poll(() => rowOrder(page)).toEqual(['mm-sol', 'mm-eth', 'mm-btc']);
  await page.getByTestId('sort-id').click(); // third click: unsorted
  await expect(page.locator('th[aria-sort="descending"], th[aria-sort="ascending"]')).toHaveCount(0);

  for (const [key, testId] of [
    ['total', 'total'],
    ['realized', 'realized'],
    ['trades', 'trade-count'],
    ['allocation', 'allocation'],
  ] as const) {
    await page.getByTestId(`sort-${key}`).click(); // money columns start with the largest
    await expect(page.locator(`th[aria-sort="descending"]`)).toContainText(/./);
    const values = (await column(page, testId)).map((r) => r.value);
    expect(values, key).toEqual([...values].sort((a, b) => b - a));
    await page.getByTestId(`sort-${key}`).click();
    const asc = (await column(page, testId)).map((r) => r.value);
    expect(asc, key).toEqual([...asc].sort((a, b) => a - b));
  }
});

test('filters by text and by status and health chips; the layout is remembered after a reload', async ({ page }) => {
  await open(page);
  await page.getByTestId('filter-text').fill('eth');
  await expect(row(page, 'mm-eth')).toBeVisible();
  await expect(row(page, 'mm-btc')).toHaveCount(0);
  await expect(page.getByTestId('visible-count')).toHaveText('1 of 3');
  await page.getByTestId('filter-text').fill('');
  await page.getByTestId('chip-status-paused').click();
  await expect(page.locator('tr[data-testid^="strategy-row-"]')).toHaveCount(0);
  await expect(page.getByText('No strategy matches the filters.')).toBeVisible();
  await page.getByTestId('chip-status-paused').click();
  await page.getByTestId('chip-health-ok').click();
  await expect(page.locator('tr[data-testid^="strategy-row-"]')).toHaveCount(3);
  await page.getByTestId('sort-id').click();
  await page.getByTestId('sort-id').click();

  await page.reload();
  await expect(page.getByTestId('chip-health-ok')).toHaveAttribute('aria-pressed', 'true');
  await expect(page.locator('th[aria-sort="descending"]')).toContainText('Strategy');
  await expect.poll(() => rowOrder(page)).toEqual(['mm-sol', 'mm-eth', 'mm-btc']);
  await page.getByTestId('clear-filters').click();
  await page.getByTestId('sort-id').click();
  await expect(page.getByTestId('chip-health-ok')).toHaveAttribute('aria-pressed', 'false');
});

test('keyboard: arrows move the focused row, Enter opens details, p pauses and resumes after a confirm', async ({ page }) => {
  await open(page);
  const table = page.getByTestId('strategies-table');
  await table.focus();
  await page.keyboard.press('ArrowDown');
  await expect(row(page, 'mm-btc')).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('ArrowDown');
  await expect(row(page, 'mm-eth')).toHaveAttribute('aria-selected', 'true');
  await expect(row(page, 'mm-btc')).toHaveAttribute('aria-selected', 'false');
  await page.keyboard.press('ArrowUp');
  await page.keyboard.press('ArrowDown');
  await expect(table).toHaveAttribute('aria-activedescendant', 'row-mm-eth');

  await page.keyboard.press('Enter');
  await expect(page.getByTestId('detail-panel')).toBeVisible();
  await expect(page.locator('#detail-title')).toHaveText('mm-eth');
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('detail-panel')).toBeHidden();

  await table.focus();
  await page.keyboard.press('p');
  const dialog = page.getByTestId('confirm-dialog');
  await expect(dialog).toContainText('Pause mm-eth?');
  await page.keyboard.press('Escape'); // no
  await expect(dialog).toBeHidden();
  await expect(row(page, 'mm-eth')).toHaveAttribute('data-status', 'live');

  await table.focus();
  await page.keyboard.press('p');
  await expect(dialog).toContainText('Pause mm-eth?');
  await page.keyboard.press('Enter'); // the confirm button has the focus for pause/resume
  await expect(row(page, 'mm-eth')).toHaveAttribute('data-status', 'paused');
  await expect(page.getByTestId('totals-paused')).toHaveAttribute('data-value', '1');

  await table.focus();
  await page.keyboard.press('p');
  await expect(dialog).toContainText('Resume mm-eth?');
  await page.getByTestId('confirm-yes').click();
  await expect(row(page, 'mm-eth')).toHaveAttribute('data-status', 'live');
});

test('Stop asks first (Cancel keeps it running), then stops; Start brings it back', async ({ page }) => {
  await open(page);
  const sol = row(page, 'mm-sol');
  await sol.getByRole('button', { name: 'Stop' }).click();
  const dialog = page.getByTestId('confirm-dialog');
  await expect(dialog).toContainText('Stop mm-sol?');
  await expect(page.getByTestId('confirm-no')).toBeFocused(); // Enter alone never stops
  await page.getByTestId('confirm-no').click();
  await expect(dialog).toBeHidden();
  await expect(sol).toHaveAttribute('data-status', 'live');

  await sol.getByRole('button', { name: 'Stop' }).click();
  await page.getByTestId('confirm-yes').click();
  await expect(sol).toHaveAttribute('data-status', 'stopped');
  await expect(page.getByTestId('totals-stopped')).toHaveAttribute('data-value', '1');
  await expect(sol.getByRole('button', { name: 'Pause' })).toHaveCount(0);

  await sol.getByRole('button', { name: 'Start' }).click();
  await expect(sol).toHaveAttribute('data-status', 'live');
  const audit = await app.served.api<{ action: string; target: string; source: string }[]>('/api/audit?target=mm-sol');
  expect(audit.body.map((a) => a.action)).toEqual(expect.arrayContaining(['instance/stop', 'instance/start']));
});

test('the detail panel shows the curve, the PnL breakdown, fills, risk, audit, and exports CSV', async ({ page }) => {
  await open(page);
  // Something for the audit trail and enough history for the chart.
  await row(page, 'mm-btc').getByRole('button', { name: 'Pause' }).click();
  await expect(row(page, 'mm-btc')).toHaveAttribute('data-status', 'paused');
  await row(page, 'mm-btc').getByRole('button', { name: 'Resume' }).click();
  await expect(row(page, 'mm-btc')).toHaveAttribute('data-status', 'live');
  await expect
    .poll(async () => Number(await row(page, 'mm-btc').getByTestId('trade-count').getAttribute('data-value')), { timeout: 60_000 })
    .toBeGreaterThan(10);

  await row(page, 'mm-btc').locator('td.cell-id').click();
  const panel = page.getByTestId('detail-panel');
  await expect(panel).toBeVisible();
  await expect(panel.locator('#detail-title')).toHaveText('mm-btc');
  await expect(panel.getByTestId('pnl-breakdown')).toContainText('USDT');
  await expect(panel.getByTestId('detail-total')).toContainText(/[+\u2212]?[\d,]+\.\d\d USDT/);
  await expect(panel.getByTestId('strategy-figures')).toContainText('Inventory');
  await expect(panel.getByTestId('strategy-figures')).toContainText('BTC');
  await expect(panel.getByTestId('risk-figures')).toContainText('Max drawdown');
  await expect(panel.getByTestId('risk-figures')).toContainText('under 2 days'); // Sharpe needs 2 days
  await expect(panel.getByTestId('equity-chart').locator('canvas').first()).toBeVisible();
  await expect(panel.getByTestId('fill-row').first()).toBeVisible();

  // Virtualised: never more rows in the DOM than fit the window plus the overscan.
  const fills = panel.getByTestId('fills');
  const count = Number(await fills.getAttribute('data-count'));
  expect(count).toBeGreaterThan(0);
  expect(await panel.getByTestId('fill-row').count()).toBeLessThanOrEqual(Math.min(count, 12 + 8));
  await fills.evaluate((el) => (el.scrollTop = el.scrollHeight));
  await expect(panel.getByTestId('fill-row').last()).toBeVisible();

  await expect(panel.getByTestId('audit-table')).toContainText('strategy/pause');
  await expect(panel.getByTestId('audit-table')).toContainText('strategy/resume');
  await expect(panel.getByTestId('funding-empty')).toContainText('No perpetual');
  await fills.evaluate((el) => (el.scrollTop = 0));
  await panel.locator('.detail-body').evaluate((el) => (el.scrollTop = 0));
  await page.mouse.move(5, 890);
  await screenshot(page, 'detail.png');

  for (const kind of ['fills', 'funding', 'metrics'] as const) {
    const [download] = await Promise.all([page.waitForEvent('download'), panel.getByTestId(`export-${kind}`).click()]);
    expect(download.suggestedFilename()).toBe(`stratdesk-mm-btc-${kind}.csv`);
    const text = readFileSync(await download.path(), 'utf8');
    if (kind === 'fills') {
      expect(text.split('\n')[0]).toContain('price');
      expect(text.trim().split('\n').length).toBeGreaterThan(10);
    }
  }

  // The panel's width is remembered.
  const handle = panel.getByRole('separator');
  await handle.focus();
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowLeft');
  const wide = (await panel.boundingBox())?.width ?? 0;
  expect(wide).toBeGreaterThan(790);
  await page.reload();
  await row(page, 'mm-btc').locator('td.cell-id').click();
  await expect.poll(async () => Math.round((await page.getByTestId('detail-panel').boundingBox())?.width ?? 0)).toBe(Math.round(wide));
  await page.getByTestId('detail-close').click();
});

test('rebalance: choose a policy, see before/after/moves, nothing moves until Apply', async ({ page }) => {
  await open(page);
  await page.getByRole('button', { name: 'Rebalance' }).click();
  const plan = page.getByTestId('rebalance-plan');
  await expect(plan).toBeVisible();
  await page.getByTestId('rebalance-policy').selectOption('equal');
  await expect(page.getByTestId('rebalance-panel')).toContainText('Equal weights');
  await expect(page.getByTestId('targets-readonly')).toContainText('read-only');
  const before = await app.served.api<{ strategies: { id: string; current: number }[] }>('/api/portfolio/allocation');
  // Equal: every running strategy gets the same budget after.
  const afters = await Promise.all(IDS.map(async (id) => Number(await plan.getByTestId(`plan-row-${id}`).getAttribute('data-move'))));
  expect(afters.some((m) => m !== 0)).toBe(true);
  await screenshot(page, 'rebalance.png');
  const still = await app.served.api<{ strategies: { id: string; current: number }[] }>('/api/portfolio/allocation');
  expect(still.body.strategies.map((s) => s.current)).toEqual(before.body.strategies.map((s) => s.current));

  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page.getByTestId('rebalance-applied')).toContainText('Equal weights');
  const applied = await app.served.api<{ strategies: { id: string; current: number }[] }>('/api/portfolio/allocation');
  const budgets = applied.body.strategies.map((s) => s.current);
  // Equal to the cent, and adding up to the capital exactly: 40 000 / 3 is 13 333.34 + 2 × 13 333.33.
  for (const b of budgets) expect(Math.abs(b - (budgets[0] ?? 0))).toBeLessThanOrEqual(0.010001);
  const capital = before.body.strategies.reduce((sum, s) => sum + s.current, 0);
  expect(budgets.reduce((sum, b) => sum + b, 0)).toBeCloseTo(capital, 6);
  await expect
    .poll(async () => (await column(page, 'allocation')).map((r) => Math.round(r.value)))
    .toEqual(budgets.map((b) => Math.round(b)));
  await page.getByRole('button', { name: 'Close' }).click();
});

test('dark theme: follows the system, and a manual override is remembered', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'dark' });
  await open(page);
  const bg = (): Promise<string> => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  expect(await bg()).toBe('rgb(11, 15, 20)');
  await screenshot(page, 'dark.png');
  await page.getByTestId('theme').selectOption('light');
  expect(await bg()).toBe('rgb(244, 246, 249)');
  await page.reload();
  await expect(page.getByTestId('theme')).toHaveValue('light');
  expect(await bg()).toBe('rgb(244, 246, 249)');
  await page.getByTestId('theme').selectOption('system');
  expect(await bg()).toBe('rgb(11, 15, 20)');
});
