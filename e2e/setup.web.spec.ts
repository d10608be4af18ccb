/**
 * Set-up in the window, against real serve mode and the simulator on loopback (issue 14): an account
 * and two instances added from the window trade on the simulator (its own trade records say so);
 * editing one's params restarts only it; targets are set with their sum shown, then undone; each
 * invalid input shows its error next to its field and applies nothing (the revision does not move).
 */
import { expect, test, type Locator, type Page } from '@playwright/test';
import { binanceClient } from '../electron/sim/testClient.ts';
import { screenshot } from './screenshots.ts';
import { openApp, useSimWorkspace } from './fixtures.ts';

const PASSWORD = 'correct-horse-battery-42';
// The simulator CLI's Binance demo account, put in the vault under "sim-key".
const KEY = { apiKey: 'demo-key', secret: 'demo-secret' };

// A workspace needs one account to load; everything this test trades is added from the window.
const app = useSimWorkspace('setup', (simUrl) => ({
  version: 2,
  syncIntervalMs: 1000,
  accounts: [{ id: 'watch', exchange: 'binance', apiBaseUrl: simUrl, credentials: { apiKey: 'demo-key', secret: 'demo-secret' } }],
  instances: [],
}));

test.beforeAll(async () => {
  expect((await app.served.api('/api/vault/create', { method: 'POST', body: { password: PASSWORD } })).status).toBe(200);
  expect((await app.served.api('/api/vault/entries', { method: 'POST', body: { name: 'sim-key', ...KEY } })).status).toBe(200);
});

async function revision(): Promise<number> {
  const { body } = await app.served.api<{ revision: number }>('/api/workspace');
  return body.revision;
}

async function openSetup(page: Page): Promise<Locator> {
  await openApp(page, app.served);
  await page.getByTestId('setup-button').click();
  const panel = page.getByTestId('setup-panel');
  await expect(panel.getByTestId('setup-revision')).toBeVisible();
  return panel;
}

async function apply(panel: Locator): Promise<string> {
  await panel.getByTestId('setup-apply').click();
  // The click clears the last outcome; this waits for the answer to this apply.
  const outcome = panel.getByTestId('setup-outcome');
  await expect(outcome).toHaveAttribute('data-kind', /ok|error/);
  return (await outcome.textContent()) ?? '';
}

async function addSymbol(card: Locator, symbol: string): Promise<void> {
  await card.getByTestId('instance-symbol-input').fill(symbol);
  await card.getByTestId('instance-symbol-add').click();
}

test('an account and two instances added from the window trade on the simulator; an edit restarts only its instance; targets and undo', async ({
  page,
}) => {
  const panel = await openSetup(page);
  const startRevision = await revision();

  // The account: exchange from ccxt's list, key from the vault, the simulator's address.
  await panel.getByTestId('setup-add-account').click();
  const account = panel.getByTestId('setup-account-1');
  await account.getByTestId('account-id').fill('trade');
  await account.getByTestId('account-exchange').fill('binance');
  await account.getByTestId('account-key').selectOption('vault:sim-key');
  await account.getByTestId('account-api-url').fill(app.simUrl);

  // The first instance, its params from the strategy's schema.
  await panel.getByTestId('setup-add-instance').click();
  const first = panel.getByTestId('setup-instance-0');
  await first.getByTestId('instance-id').fill('mm-a');
  await first.getByTestId('instance-account').selectOption('trade');
  await first.getByTestId('instance-mode').selectOption('live');
  await addSymbol(first, 'BTC/USDT');
  for (const [key, value] of Object.entries({
    spreadBps: '10',
    requoteBps: '3',
    orderFraction: '0.05',
    intervalMs: '500',
    capital: '10000',
  }))
    await first.getByTestId(`param-${key}`).fill(value);

  // The second: a clone on another symbol.
  await first.getByTestId('instance-clone').click();
  const second = panel.getByTestId('setup-instance-1');
  await second.getByTestId('instance-id').fill('mm-b');
  await second.getByRole('button', { name: 'Remove BTC/USDT' }).click();
  await addSymbol(second, 'ETH/USDT');

  await expect(panel.getByTestId('setup-check-count')).toHaveText('Ready to apply.');
  await screenshot(page, 'setup.png');
  const added = await apply(panel);
  expect(added).toContain('started');
  expect(added).toContain('mm-a');
  expect(added).toContain('mm-b');
  expect(await revision()).toBe(startRevision + 1);

  // The key test of the applied account.
  await panel.getByTestId('setup-account-1').getByTestId('account-test').click();
  await expect(panel.getByTestId('setup-account-test-trade')).toHaveAttribute('data-ok', 'true');

  // They trade: the simulator's own records for the key show fills on both symbols.
  const exchange = binanceClient(app.simUrl, KEY);
  await expect
    .poll(async () => (await exchange.fetchMyTrades('BTC/USDT')).length, { timeout: 60_000, intervals: [1000] })
    .toBeGreaterThan(0);
  await expect
    .poll(async () => (await exchange.fetchMyTrades('ETH/USDT')).length, { timeout: 60_000, intervals: [1000] })
    .toBeGreaterThan(0);
  await expect(page.getByTestId('strategy-row-mm-a')).toBeVisible();
  await expect(page.getByTestId('strategy-row-mm-b')).toBeVisible();

  // Edit one's params: only it restarts.
  await panel.getByTestId('setup-instance-1').getByTestId('param-spreadBps').fill('12');
  const edited = await apply(panel);
  expect(edited).toContain('restarted mm-b');
  expect(edited).not.toContain('mm-a');

  // Targets, with their sum shown.
  await panel.getByTestId('target-mm-a').fill('60');
  await panel.getByTestId('target-mm-b').fill('40');
  await expect(panel.getByTestId('targets-sum')).toContainText('100 %');
  const targeted = await apply(panel);
  expect(targeted).toContain('no instance started, stopped or restarted');
  expect(
    (await app.served.api<{ workspace: { portfolio: { targets: Record<string, number> } } }>('/api/workspace')).body.workspace.portfolio
      .targets,
  ).toEqual({
    'mm-a': 0.6,
    'mm-b': 0.4,
  });

  // Undo: the targets are gone again.
  const before = await revision();
  await panel.getByTestId('setup-undo').click();
  await expect(panel.getByTestId('setup-outcome')).toContainText('Undone');
  expect(await revision()).toBeGreaterThan(before);
  expect(
    (await app.served.api<{ workspace: { portfolio: { targets: Record<string, number> } } }>('/api/workspace')).body.workspace.portfolio
      .targets,
  ).toEqual({});
  await expect(panel.getByTestId('target-mm-a')).toHaveValue('');
  await panel.getByTestId('setup-close').click();

  // Open orders in sight: the detail lists mm-a's orders as the exchange shows them; one cancelled
  // from there leaves the simulator's book, then "cancel all" takes every one of them off it.
  await page.getByTestId('strategy-row-mm-a').click();
  const detail = page.getByTestId('detail-panel');
  const firstOrder = detail.locator('[data-testid^="open-order-"]').first();
  await expect(firstOrder).toBeVisible({ timeout: 30_000 });
  const orderId = ((await firstOrder.getAttribute('data-testid')) ?? '').replace('open-order-', '');
  await screenshot(page, 'open-orders.png');
  await firstOrder.getByTestId('cancel-order').click();
  await expect(page.getByTestId('control-notice')).toContainText('mm-a');
  expect((await exchange.fetchOpenOrders('BTC/USDT')).map((o) => o.id)).not.toContain(orderId);
  const bookBefore = (await exchange.fetchOpenOrders('BTC/USDT')).map((o) => o.id);
  await detail.getByTestId('cancel-all-orders').click();
  await expect(page.getByTestId('control-notice-headline')).toContainText('Cancel sent for every order of mm-a');
  const after = (await exchange.fetchOpenOrders('BTC/USDT')).map((o) => o.id);
  // The market maker may quote again at once, but never with an order that was on the book before.
  expect(after.filter((id) => bookBefore.includes(id))).toEqual([]);
});

test('each invalid input shows its error next to its field and applies nothing', async ({ page }) => {
  // Two instances to get wrong (the first test adds them; after a failure this file's server is fresh).
  const { body } = await app.served.api<{ workspace: { instances: unknown[] }; revision: number }>('/api/workspace');
  if (body.workspace.instances.length < 2) {
    const instance = (id: string, symbol: string) => ({
      id,
      type: 'fixed_spread',
      account: 'watch',
      mode: 'observe',
      symbols: [symbol],
      startTime: new Date().toISOString(),
      params: {},
    });
    const put = await app.served.api('/api/workspace', {
      method: 'PUT',
      body: {
        workspace: { ...body.workspace, instances: [instance('mm-a', 'BTC/USDT'), instance('mm-b', 'ETH/USDT')] },
        revision: body.revision,
      },
    });
    expect(put.status).toBe(200);
  }
  const panel = await openSetup(page);
  const start = await revision();
  const card = panel.getByTestId('setup-instance-0');
  const refused = async (path: string, message: RegExp): Promise<void> => {
    await expect(panel.getByTestId(`error-${path}`)).toContainText(message);
    await panel.getByTestId('setup-apply').click();
    await expect(panel.getByTestId('setup-outcome')).toContainText('nothing was applied');
    expect(await revision()).toBe(start);
    await panel.getByTestId('setup-revert').click();
    await expect(panel.getByTestId('setup-check-count')).toHaveText('No changes.');
  };

  await card.getByTestId('param-spreadBps').fill('-5');
  await refused('instances[0].params.spreadBps', /above 0, up to 10000 bps/);

  await card.getByTestId('param-capital').fill('lots');
  await refused('instances[0].params.capital', /must be a number/);

  await panel.getByTestId('setup-instance-1').getByTestId('instance-id').fill('mm-a');
  await refused('instances[1].id', /used by another instance/);

  await card.getByRole('button', { name: 'Remove BTC/USDT' }).click();
  await refused('instances[0].symbols', /at least one symbol/);

  await panel.getByTestId('target-mm-a').fill('50');
  await panel.getByTestId('target-mm-b').fill('40');
  await expect(panel.getByTestId('targets-sum')).toContainText('90 %');
  await refused('portfolio.targets', /add up to 1/);

  // What only the host can know (ccxt's list of exchanges): its field error lands next to the field.
  await panel.getByTestId('setup-account-0').getByTestId('account-exchange').fill('binancee');
  await panel.getByTestId('setup-apply').click();
  await expect(panel.getByTestId('error-accounts[0].exchange')).toBeVisible();
  await expect(panel.getByTestId('setup-outcome')).toContainText('Nothing was applied');
  expect(await revision()).toBe(start);
  await screenshot(page, 'setup-errors.png');
});
