/**
 * A first start that never dead-ends: `npm start` in this clone, where Electron's binary is not
 * there, says so in one line and serves the app on loopback; the printed address (with its token)
 * serves the page and the API. Run as a user runs it, on a data folder that does not exist yet.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findElectronBinary, hasDisplay } from './start.ts';

const root = join(import.meta.dirname, '..');
const temp = mkdtempSync(join(tmpdir(), 'stratdesk-start-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

describe('finding Electron without downloading it', () => {
  it('reads path.txt and dist/ the way the electron package does, and honours ELECTRON_OVERRIDE_DIST_PATH', () => {
    const project = join(temp, 'project');
    const pkg = join(project, 'node_modules', 'electron');
    mkdirSync(pkg, { recursive: true });
    expect(findElectronBinary(project, {})).toMatchObject({ binary: null, why: 'the electron package is not installed' });
    writeFileSync(join(pkg, 'package.json'), '{}');
    expect(findElectronBinary(project, {})).toMatchObject({ binary: null, why: expect.stringContaining('never downloaded') });
    writeFileSync(join(pkg, 'path.txt'), 'electron');
    expect(findElectronBinary(project, {}).binary).toBeNull();
    mkdirSync(join(pkg, 'dist'));
    writeFileSync(join(pkg, 'dist', 'electron'), '');
    expect(findElectronBinary(project, {})).toEqual({ binary: join(pkg, 'dist', 'electron') });
    const empty = join(temp, 'empty-dist');
    mkdirSync(empty);
    expect(findElectronBinary(project, { ELECTRON_OVERRIDE_DIST_PATH: empty }).binary).toBeNull();
  });

  it('needs a display on Linux only', () => {
    expect(hasDisplay({}, 'linux')).toBe(false);
    expect(hasDisplay({ WAYLAND_DISPLAY: 'wayland-0' }, 'linux')).toBe(true);
    expect(hasDisplay({}, 'darwin')).toBe(true);
  });
});

describe('npm start without the Electron binary', () => {
  it('says so in one line, serves the app on loopback and prints the address with its token', { timeout: 240_000 }, async () => {
    const dataDir = join(temp, 'a-fresh-data-folder');
    const noElectron = join(temp, 'no-electron');
    mkdirSync(noElectron, { recursive: true });
    // detached: its own process group, so the test stops npm, the script and serve mode together.
    const child = spawn('npm', ['start', '--silent', '--', '--data-dir', dataDir, '--port', '0'], {
      cwd: root,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        // An empty override: no binary on any machine, even one that downloaded Electron.
        ELECTRON_OVERRIDE_DIST_PATH: noElectron,
        STRATDESK_NO_BROWSER: '1',
        STRATDESK_TOKEN: '',
        npm_config_update_notifier: 'false',
      },
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      const address = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no address in 200 s:\n${stdout}\n${stderr}`)), 200_000);
        child.stdout.on('data', (d: Buffer) => {
          stdout += d.toString();
          const m = /^open (http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)/m.exec(stdout);
          if (m?.[1] !== undefined) {
            clearTimeout(timer);
            resolve(m[1]);
          }
        });
        void exited.then(() => reject(new Error(`npm start exited:\n${stdout}\n${stderr}`)));
      });
      const explanations = stdout.split('\n').filter((line) => line.includes('no Electron window here'));
      expect(explanations).toHaveLength(1);
      expect(explanations[0]).toContain('served on 127.0.0.1 instead');

      const url = new URL(address);
      const token = url.searchParams.get('token') ?? '';
      const page = await fetch(address);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<div id="root">');
      expect((await fetch(`${url.origin}/api/portfolio`)).status).toBe(401);
      const portfolio = await fetch(`${url.origin}/api/portfolio`, { headers: { authorization: `Bearer ${token}` } });
      expect(portfolio.status).toBe(200);
      // The demo, since the folder had no workspace: its three instances.
      expect(JSON.stringify(await portfolio.json())).toContain('mm-btc');
      expect(existsSync(join(dataDir, 'engine.lock'))).toBe(true);
    } finally {
      if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, 'SIGTERM');
      await exited;
    }
    // Stopped cleanly: serve mode released the data folder.
    await expect.poll(() => existsSync(join(dataDir, 'engine.lock')), { timeout: 20_000 }).toBe(false);
  });
});
