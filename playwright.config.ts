import { defineConfig } from '@playwright/test';

/** Debian's Chromium: Playwright's own browser download cannot run on the build machines. */
const chromiumPath = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

export default defineConfig({
  testDir: 'e2e',
  outputDir: 'test-results',
  timeout: 120_000,
  expect: { timeout: 30_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: process.env['PW_JSON_OUTPUT'] ? [['list'], ['json', { outputFile: process.env['PW_JSON_OUTPUT'] }]] : [['list']],
  globalSetup: './e2e/globalSetup.ts',
  use: { screenshot: 'only-on-failure', trace: 'retain-on-failure' },
  projects: [
    {
      name: 'web',
      testMatch: /.*\.web\.spec\.ts/,
      use: {
        browserName: 'chromium',
        viewport: { width: 1440, height: 900 },
        launchOptions: {
          executablePath: chromiumPath,
          args: [
            '--no-sandbox',
            '--disable-gpu',
            '--disable-background-networking',
            '--disable-component-update',
            '--no-first-run',
            '--disable-sync',
          ],
        },
      },
    },
    {
      // Needs the Electron binary, which downloads on first use: `npm run test:electron` on a machine that has it.
      name: 'electron',
      testMatch: /.*\.electron\.spec\.ts/,
    },
  ],
});
