/** Builds the renderer for serve mode when the build is missing or older than its sources. */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { isStale } from './freshness.ts';

const root = join(import.meta.dirname, '..');

if (isStale([join(root, 'out', 'renderer', 'index.html')], [join(root, 'renderer'), join(root, 'shared')])) {
  execFileSync(
    process.execPath,
    [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', 'renderer/vite.config.ts', '--logLevel', 'warn'],
    {
      cwd: root,
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
}
