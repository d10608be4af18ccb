import { screenshot } from './screenshots.ts';
import { expect, test, type Page } from '@playwright/test';
import { appLink, strategyRow as row, useDemoServe } from './fixtures.ts';

const IDS = ['mm-btc', 'mm-eth', 'mm-sol'];
const app = useDemoServe();

async function tradeCount(page: Page, id: string): Promise<number> {
  return Number((await row(page, id).getByTestId('trade-count').innerText()).replace(/[^\d]/g, ''));
}

test('the demo shows three live strategies trading, the token leaves the address bar', async ({ page }) => {
  await page.goto(appLink(app.served));
  await expect(page).not.toHaveURL(/token=/);
  await expect(page.getByTestId('connection')).toHaveAttribute('data-state', 'connected');
  for (const id of IDS) await expect(row(page, id)).toHaveAttribute('data-status', 'live');
  const before = await Promise.all(IDS.map((id) => tradeCount(page, id)));
  const headerBefore = await page.getByTestId('totals-total').locator('dd').innerText();
  const asOfBefore = await page.getByTestId('as-of').getAttribute('title');
  await expect
    .poll(async () => (await Promise.all(IDS.map((id) => tradeCount(page, id)))).every((n, i) => n > (before[i] ?? 0)), { timeout: 60_000 })
    .toBe(true);
  // The header's figures follow the deltas (written into it directly, not re-rendered): its total is the
  // rows' totals summed, and the text on screen says the same number as its data-value.
  await expect
    .poll(
      () =>
        page.evaluate((ids) => {
          const value = (sel: string): number => Number(document.querySelector(sel)?.getAttribute('data-value'));
          const header = value('[data-testid="totals-total"]');
          const rows = ids.map((id) => value(`[data-testid="strategy-row-${id}"] [data-testid="total"]`));
          const text = document.querySelector('[data-testid="totals-total"] dd')?.textContent ?? '';
          const shown = Number(text.replace(/[^\d.−-]/g, '').replace('−', '-'));
          return { sums: Math.abs(header - rows.reduce((a, b) => a + b, 0)) < 1e-6, shows: Math.abs(shown - header) <= 0.006, text };
        }, IDS),
      { timeout: 30_000 },
    )
    .toMatchObject({ sums: true, shows: true });
  await expect.poll(() => page.getByTestId('totals-total').locator('dd').innerText(), { timeout: 30_000 }).not.toBe(headerBefore);
  // "as of" follows the newest delta too (its snapshot time, in the tooltip).
  await expect(page.getByTestId('as-of')).not.toHaveAttribute('title', asOfBefore ?? '');
  await expect(page.getByTestId('as-of')).toHaveText(/^as of /);
  // The reporting currency's real code: the demo's quotes are USDT, never labelled "USD".
  await expect(page.getByTestId('totals-equity')).toHaveAttribute('data-currency', 'USDT');
  await expect(page.getByTestId('totals')).toContainText('USDT');
  await screenshot(page, 'dashboard.png', { fullPage: true });
});

test('a paused strategy stays paused across syncs while the others keep trading, then resumes', async ({ page }) => {
  await page.goto(appLink(app.served));
  const eth = row(page, 'mm-eth');
  await expect(eth).toHaveAttribute('data-status', 'live');
  await eth.getByRole('button', { name: 'Pause' }).click();
  await expect(eth).toHaveAttribute('data-status', 'paused');
  await expect(eth.getByTestId('status')).toContainText(/paused/i);

  // Each GET /api/portfolio runs a full sync first: two of them are two syncs.
  const first = await app.served.api<{ strategies: { id: string; status: string; metrics: { tradeCount: number } }[] }>('/api/portfolio');
  const ethAfterPause = first.body.strategies.find((s) => s.id === 'mm-eth');
  expect(ethAfterPause?.status).toBe('paused');
  const othersBefore = IDS.filter((id) => id !== 'mm-eth').map(
    (id) => first.body.strategies.find((s) => s.id === id)?.metrics.tradeCount ?? 0,
  );
  await expect
    .poll(
      async () => {
        const now = await app.served.api<{ strategies: { id: string; status: string; metrics: { tradeCount: number } }[] }>(
          '/api/portfolio',
        );
        const eth2 = now.body.strategies.find((s) => s.id === 'mm-eth');
        expect(eth2?.status).toBe('paused');
        // Paused: no orders, so no new fills after the ones that happened before the pause.
        expect(eth2?.metrics.tradeCount).toBe(ethAfterPause?.metrics.tradeCount);
        const others = IDS.filter((id) => id !== 'mm-eth').map(
          (id) => now.body.strategies.find((s) => s.id === id)?.metrics.tradeCount ?? 0,
        );
        return others.some((n, i) => n > (othersBefore[i] ?? 0));
      },
      { timeout: 60_000, intervals: [2_500] },
    )
    .toBe(true);
  await expect(eth).toHaveAttribute('data-status', 'paused');
  for (const id of ['mm-btc', 'mm-sol']) await expect(row(page, id)).toHaveAttribute('data-status', 'live');

  await eth.getByRole('button', { name: 'Resume' }).click();
  await expect(eth).toHaveAttribute('data-status', 'live');
});

test('a rebalance dry run shows the plan and changes nothing until applied', async ({ page }) => {
  await page.goto(appLink(app.served));
  await page.getByRole('button', { name: 'Rebalance' }).click();
  const plan = page.getByTestId('rebalance-plan');
  await expect(plan).toBeVisible();
  for (const id of IDS) await expect(plan.getByTestId(`plan-row-${id}`)).toBeVisible();
  const before = await app.served.api<{ strategies: { id: string; current: number }[] }>('/api/portfolio/allocation');
  await page.getByRole('button', { name: 'Cancel' }).click();
  await expect(plan).toBeHidden();
  const after = await app.served.api<{ strategies: { id: string; current: number }[] }>('/api/portfolio/allocation');
  expect(after.body.strategies.map((s) => s.current)).toEqual(before.body.strategies.map((s) => s.current));

  await page.getByRole('button', { name: 'Rebalance' }).click();
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page.getByTestId('rebalance-applied')).toBeVisible();
  const applied = await app.served.api<{ strategies: { id: string; current: number; target: number }[] }>('/api/portfolio/allocation');
  for (const s of applied.body.strategies) expect(s.current).toBeCloseTo(s.target, 2);
});
