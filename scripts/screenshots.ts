/**
 * `npm run screenshots`: runs the web end-to-end specs with STRATDESK_SCREENSHOTS=1, so the pictures
 * they take replace docs/screenshots (the README's). Plain test runs never write there.
 */
import { spawnSync } from 'node:child_process';

const run = spawnSync('npx', ['playwright', 'test', '--project=web', ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, STRATDESK_SCREENSHOTS: '1' },
  shell: process.platform === 'win32',
});
process.exit(run.status ?? 1);
