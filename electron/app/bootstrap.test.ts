/** Start-up refuses what it would have to half-ignore: `--demo` with `--workspace` (DESIGN.md, serve mode). */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { boot, DEMO_WITH_WORKSPACE } from './bootstrap.ts';

describe('start-up arguments', () => {
  it('boot refuses the demo together with a workspace, before anything starts', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'boot-'));
    await expect(boot({ isDemo: true, workspacePath: join(dataDir, 'workspace.json'), dataDir })).rejects.toThrow(DEMO_WITH_WORKSPACE);
  });

  it('serve mode says so and exits 2 for --demo --workspace', () => {
    const cli = fileURLToPath(new URL('../serve/cli.ts', import.meta.url));
    const dataDir = mkdtempSync(join(tmpdir(), 'boot-cli-'));
    const run = spawnSync(process.execPath, [cli, '--demo', '--workspace', 'w.json', '--data-dir', dataDir, '--port', '0'], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(DEMO_WITH_WORKSPACE);
    expect(run.stdout).not.toMatch(/listening/);
  }, 30_000);
});
