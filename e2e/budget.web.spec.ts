/**
 * The accounts view shows each exchange host's request budget in use (issue 12), against real serve
 * mode and the simulator on loopback: the simulator's host, Binance spot's pool, weight used over
 * 6,000 a minute, and the share kept for orders; it grows as the instance syncs.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { startServe, startSimProcess, type Served } from './serve.ts';

let served: Served;
let sim: ChildProcess;
let dir: string;
let simHost: string;

test.beforeAll(async () => {
  const started = await startSimProcess([]);
  sim = started.process;
  simHost = new URL(started.url).host;
  dir = mkdtempSync(join(tmpdir(), 'stratdesk-budget-'));
  const workspace = {
    version: 2,
    syncIntervalMs: 1000,
    accounts: [{ id: 'sim', exchange: 'binance', apiBaseUrl: started.url, credentials: { apiKey: 'demo-key', secret: 'demo-secret' } }],
    instances: [
      {
        id: 'watch-btc',
        type: 'fixed_spread',
        account: 'sim',
        mode: 'observe',
        symbols: ['BTC/USDT'],
        startTime: new Date(Date.now() - 60_000).toISOString(),
      },
    ],
  };
  const file = join(dir, 'workspace.json');
  writeFileSync(file, JSON.stringify(workspace, null, 2));
  served = await startServe(['--workspace', file]);
});

test.afterAll(async () => {
  await served?.stop();
  sim?.kill('SIGTERM');
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("the accounts view shows the exchange host's weight used over its limit in this window", async ({ page }) => {
  await page.goto(`${served.url}/?token=${served.token}`);
  await expect(page.getByTestId('connection')).toHaveAttribute('data-state', 'connected');
  await page.getByTestId('vault-button').click();
  const budgets = page.getByTestId('vault-panel').getByTestId('host-budgets');
  const spot = budgets.locator(`[data-testid="host-budget"][data-host="${simHost}"][data-pool="api"]`);
  await expect(spot).toBeVisible();
  await expect(spot).toContainText(/[\d,]+ \/ 6,000 a minute/);
  await expect(spot).toContainText('1,200 kept for orders and cancels');
  await expect(spot).toHaveAttribute('data-level', 'ok');
  const used = async (): Promise<number> => Number(/([\d,]+) \/ 6,000/.exec(await spot.innerText())?.[1]?.replace(/,/g, '') ?? 0);
  await expect.poll(used).toBeGreaterThan(0);
});
