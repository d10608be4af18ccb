/**
 * The same scenario in the real Electron window. Needs the Electron binary (downloaded on first use),
 * so it runs only through `npm run test:electron` on a machine that has it.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { _electron as electron, expect, test } from '@playwright/test';

test('the window shows three live demo strategies, pause holds, resume and rebalance work', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'stratdesk-electron-'));
  const app = await electron.launch({ args: [join(import.meta.dirname, '..'), '--demo', '--data-dir', dataDir] });
  try {
    const page = await app.firstWindow();
    const ids = ['mm-btc', 'mm-eth', 'mm-sol'];
    for (const id of ids) await expect(page.getByTestId(`strategy-row-${id}`)).toHaveAttribute('data-status', 'live');
    const count = async (id: string) =>
      Number((await page.getByTestId(`strategy-row-${id}`).getByTestId('trade-count').innerText()).replace(/[^\d]/g, ''));
    const before = await Promise.all(ids.map(count));
    await expect
      .poll(async () => (await Promise.all(ids.map(count))).every((n, i) => n > (before[i] ?? 0)), { timeout: 60_000 })
      .toBe(true);
    const eth = page.getByTestId('strategy-row-mm-eth');
    await eth.getByRole('button', { name: 'Pause' }).click();
    await expect(eth).toHaveAttribute('data-status', 'paused');
    await page.waitForTimeout(5_000);
    await expect(eth).toHaveAttribute('data-status', 'paused');
    await eth.getByRole('button', { name: 'Resume' }).click();
    await expect(eth).toHaveAttribute('data-status', 'live');
    await page.getByRole('button', { name: 'Rebalance' }).click();
    await expect(page.getByTestId('rebalance-plan')).toBeVisible();
    // The renderer has no Node: a preload that leaked require() would show here.
    expect(await page.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe('undefined');
    // Notifications are the one permission the window has; alerts go to main through the preload's notify.
    expect(await page.evaluate(() => Notification.permission)).toBe('granted');
    expect(await page.evaluate(() => Object.keys((window as unknown as { stratdesk: object }).stratdesk).sort())).toEqual([
      'command',
      'notify',
      'onStream',
    ]);
  } finally {
    await app.close();
  }
});
