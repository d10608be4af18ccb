/**
 * The strategies table keeps a row for each strategy while it stays in view (a re-sort moves the rows'
 * DOM) and gives a row that left to a strategy that entered. So the focus must follow its strategy: a
 * button focused in a row that moves stays focused (Chromium blurs an element whose row is moved), a
 * button that goes away (Pause becoming Resume) hands the focus to the grid, and no focused button ever
 * ends up acting on another strategy. Here another client pauses the focused row's strategy and the
 * table re-sorts by status.
 */
import { expect, test, type Page } from '@playwright/test';
import { openApp, strategyRow as row, useDemoServe } from './fixtures.ts';

const app = useDemoServe();

/** The strategy each table row shows, top to bottom. */
function rowIds(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll('tr[data-testid^="strategy-row-"]')].map((tr) =>
      (tr.getAttribute('data-testid') ?? '').replace('strategy-row-', ''),
    ),
  );
}

async function statusOf(id: string): Promise<string | undefined> {
  const { body } = await app.served.api<{ strategies: { id: string; status: string }[] }>('/api/portfolio');
  return body.strategies.find((s) => s.id === id)?.status;
}

test('a focused button does not follow its row to the strategy that moved in: Enter cannot pause it', async ({ page }) => {
  await openApp(page, app.served);
  await page.getByTestId('sort-status').click();
  await expect.poll(() => rowIds(page)).toHaveLength(3);
  const [, middle] = await rowIds(page);
  expect(middle).toBeDefined();
  const pause = row(page, middle as string).getByRole('button', { name: 'Pause' });
  await pause.focus();
  await expect(pause).toBeFocused();

  // Another client (the API, as a second window or a script would) pauses it: sorted by status, it
  // leaves the middle, and the middle row's DOM now shows another strategy.
  expect((await app.served.api(`/api/strategies/${middle}/pause`, { method: 'POST', body: {} })).status).toBe(200);
  await expect.poll(async () => (await rowIds(page))[1]).not.toBe(middle);
  const movedIn = (await rowIds(page))[1] as string;

  // The focus went back to the grid, not to the button of the strategy that moved in.
  await expect(page.getByRole('grid')).toBeFocused();
  await page.keyboard.press('Enter');
  await page.keyboard.press('Escape');
  // A pause sent by that Enter would have reached the host well within a second.
  await page.waitForTimeout(1000);
  expect(await statusOf(movedIn)).toBe('live');
  await expect(row(page, movedIn)).toHaveAttribute('data-status', 'live');
});

test('a focused button moves with its strategy when a re-sort moves the row: the focus stays on it', async ({ page }) => {
  await openApp(page, app.served);
  await page.getByTestId('sort-status').click();
  await expect.poll(() => rowIds(page)).toHaveLength(3);
  const [, middle] = await rowIds(page);
  const stop = row(page, middle as string).getByRole('button', { name: 'Stop' });
  await stop.focus();
  await expect(stop).toBeFocused();

  // Paused by another client, it leaves the middle: its row's DOM moves, and the focus with it.
  expect((await app.served.api(`/api/strategies/${middle}/pause`, { method: 'POST', body: {} })).status).toBe(200);
  await expect.poll(async () => (await rowIds(page))[1]).not.toBe(middle);
  await expect(row(page, middle as string)).toHaveAttribute('data-status', 'paused');
  await expect(stop).toBeFocused();
  // Enter acts on that same strategy: its Stop asks first, naming it.
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('confirm-dialog')).toContainText(middle as string);
  await page.keyboard.press('Escape');
  expect(await statusOf(middle as string)).toBe('paused');
  await app.served.api(`/api/strategies/${middle}/resume`, { method: 'POST', body: {} });
});
