/**
 * Every npm script that runs TypeScript checks Node first. Run with an old Node (the machine's
 * /usr/bin/node is 20 here), `npm run serve`/`sim`/`test` print one line saying what is needed and
 * how to get it, and fail — instead of ERR_UNKNOWN_FILE_EXTENSION ".ts".
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain JavaScript on purpose (it must run on Node 18/20), so it has no types
import { isNewEnough, MIN } from './checkNode.mjs';

const root = join(import.meta.dirname, '..');

/** A Node on this machine older than the minimum, if there is one (`which -a node`). */
function oldNode(): string | undefined {
  const candidates = spawnSync('which', ['-a', 'node'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
  for (const bin of [...candidates, '/usr/bin/node']) {
    try {
      const version = execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim();
      if (!(isNewEnough as (v: string) => boolean)(version)) return bin;
    } catch {
      // not there
    }
  }
  return undefined;
}

describe('the Node check', () => {
  it('takes its minimum from package.json engines', () => {
    const engines = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node;
    expect(engines).toBe(`>=${(MIN as number[]).join('.')}`);
    const check = isNewEnough as (v: string) => boolean;
    expect(['v20.20.2', '22.17.1', 'v18.0.0'].map(check)).toEqual([false, false, false]);
    expect(['v22.18.0', '23.0.0', 'v24.21.0'].map(check)).toEqual([true, true, true]);
  });

  it('runs first in every npm script that runs TypeScript', () => {
    const scripts = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    for (const [name, command] of Object.entries(scripts)) {
      if (/\.ts\b|vitest|playwright|electron-vite|vite build/.test(command))
        expect(command.startsWith('node scripts/checkNode.mjs && '), `${name}: ${command}`).toBe(true);
    }
  });

  const old = oldNode();
  it.skipIf(old === undefined)(`with an old Node (${old ?? 'none here'}), serve, sim and test say what to do and fail`, () => {
    const bin = old as string;
    const direct = spawnSync(bin, [join(root, 'scripts', 'checkNode.mjs')], { encoding: 'utf8' });
    expect(direct.status).toBe(1);
    expect(direct.stderr.trim().split('\n')).toHaveLength(1);
    expect(direct.stderr).toContain(`needs Node >= ${(MIN as number[]).join('.')} (24 recommended)`);
    expect(direct.stderr).toContain('npm install --prefix ~/.cache/stratdesk-node node@24');

    // Through npm as a user runs it, with the old Node first on PATH.
    const binDir = join(bin, '..');
    for (const script of ['serve', 'sim', 'test']) {
      const result = spawnSync('npm', ['run', '--silent', script, '--', '--help'], {
        cwd: root,
        encoding: 'utf8',
        env: { ...process.env, PATH: `${binDir}:/usr/bin:/bin`, npm_config_update_notifier: 'false' },
      });
      expect(result.status, `${script}: ${result.stderr}`).not.toBe(0);
      expect(result.stderr, script).toContain('needs Node >= ');
      expect(result.stderr, script).not.toContain('ERR_UNKNOWN_FILE_EXTENSION');
    }
  });
});
