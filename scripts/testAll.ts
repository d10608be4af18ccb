/**
 * `npm test`: typecheck, lint, unit + integration (Vitest), end-to-end (Playwright in Chromium).
 * Runs every suite even when one fails, then prints one line `N passed, N failed` over all of them.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const bin = (name: string): string => join(root, 'node_modules', '.bin', name);
const reports = mkdtempSync(join(tmpdir(), 'stratdesk-test-'));
const only = process.argv.slice(2);

interface Tally {
  name: string;
  passed: number;
  failed: number;
  skipped: number;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv = {}): number {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  return result.status ?? 1;
}

function check(name: string, command: string, args: string[]): Tally {
  console.log(`\n== ${name}`);
  const code = run(command, args);
  return { name, passed: code === 0 ? 1 : 0, failed: code === 0 ? 0 : 1, skipped: 0 };
}

function vitest(): Tally {
  console.log('\n== unit and integration (vitest)');
  const out = join(reports, 'vitest.json');
  const code = run(bin('vitest'), ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${out}`]);
  if (!existsSync(out)) return { name: 'vitest', passed: 0, failed: 1, skipped: 0 };
  const r = JSON.parse(readFileSync(out, 'utf8')) as {
    numPassedTests: number;
    numFailedTests: number;
    numPendingTests: number;
    numTodoTests: number;
  };
  // A suite that failed to load has no failed test but a non-zero exit: count it.
  const failed = r.numFailedTests + (code !== 0 && r.numFailedTests === 0 ? 1 : 0);
  return { name: 'vitest', passed: r.numPassedTests, failed, skipped: r.numPendingTests + r.numTodoTests };
}

function playwright(): Tally {
  console.log('\n== end-to-end (playwright, chromium)');
  const out = join(reports, 'playwright.json');
  const code = run(bin('playwright'), ['test', '--project=web'], { PW_JSON_OUTPUT: out });
  if (!existsSync(out)) return { name: 'playwright', passed: 0, failed: 1, skipped: 0 };
  const r = JSON.parse(readFileSync(out, 'utf8')) as { stats: { expected: number; unexpected: number; flaky: number; skipped: number } };
  const failed = r.stats.unexpected + (code !== 0 && r.stats.unexpected === 0 ? 1 : 0);
  return { name: 'playwright', passed: r.stats.expected + r.stats.flaky, failed, skipped: r.stats.skipped };
}

const suites: Record<string, () => Tally> = {
  typecheck: () =>
    check('typecheck', 'sh', ['-c', ['node', 'web', 'e2e'].map((p) => `"${bin('tsc')}" -p tsconfig.${p}.json`).join(' && ')]),
  lint: () => check('lint', 'sh', ['-c', `"${bin('eslint')}" . --max-warnings 0 && "${bin('prettier')}" --check . --log-level warn`]),
  unit: vitest,
  e2e: playwright,
  // Electronegativity over the sources and the bundles electron-vite builds (no Electron binary needed).
  security: () =>
    check('electron security (electronegativity)', 'sh', [
      '-c',
      `"${bin('electron-vite')}" build --logLevel warn && "${process.execPath}" scripts/electronegativity.ts`,
    ]),
};

const tallies = Object.entries(suites)
  .filter(([name]) => only.length === 0 || only.includes(name))
  .map(([, fn]) => fn());
console.log('\n== summary');
for (const t of tallies) console.log(`${t.name}: ${t.passed} passed, ${t.failed} failed${t.skipped > 0 ? `, ${t.skipped} skipped` : ''}`);
const passed = tallies.reduce((s, t) => s + t.passed, 0);
const failed = tallies.reduce((s, t) => s + t.failed, 0);
const skipped = tallies.reduce((s, t) => s + t.skipped, 0);
console.log(`${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 ? 1 : 0);
