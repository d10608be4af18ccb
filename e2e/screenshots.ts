/**
 * Where the specs' pictures go. `npm run screenshots` sets STRATDESK_SCREENSHOTS=1 and they replace
 * the README's pictures in docs/screenshots; every other run (`npm test`, `npm run test:e2e`) writes
 * them to test-results/screenshots (ignored by git), so running the tests changes nothing tracked.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';

export const isScreenshotRun = process.env['STRATDESK_SCREENSHOTS'] === '1';

export const SCREENSHOT_DIR = join(
  import.meta.dirname,
  '..',
  ...(isScreenshotRun ? ['docs', 'screenshots'] : ['test-results', 'screenshots']),
);

export async function screenshot(page: Page, name: string, options: { fullPage?: boolean } = {}): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOT_DIR, name), ...options });
}
