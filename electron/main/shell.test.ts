/**
 * The Electron shell, exercised where its binary cannot run: the main bundle electron-vite builds
 * (the one `npm start` and the installers run) is started under plain Node with a recording stand-in
 * for `electron` (testing/electronStandIn.ts). Behind it everything is real: the demo's simulator,
 * ccxt, the host, SQLite. The test plays Electron's part — IPC from a frame, a navigation, a
 * permission request, a second launch, a quit — and checks what main does.
 *
 * `npm run test:electron` still drives the real window on a machine that has the binary.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Recorded } from './testing/electronStandIn.ts';

const root = join(import.meta.dirname, '..', '..');
// Inside the project (node_modules/.cache) so the bundle's external imports (ccxt, zod) resolve.
const outDir = join(root, 'node_modules', '.cache', `stratdesk-shell-test-${process.pid}`);
const temp = mkdtempSync(join(tmpdir(), 'stratdesk-shell-'));
const APP = 'app://stratdesk/index.html';

beforeAll(() => {
  const built = spawnSync(
    process.execPath,
    [join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build', '--logLevel', 'warn', '--outDir', outDir],
    {
      cwd: root,
      encoding: 'utf8',
    },
  );
  if (built.status !== 0) throw new Error(`electron-vite build failed:\n${built.stdout}\n${built.stderr}`);
}, 180_000);

afterAll(() => {
  rmSync(outDir, { recursive: true, force: true });
  rmSync(temp, { recursive: true, force: true });
});

interface State {
  records: Recorded[];
  windows: { loadedUrl: string | null; sent: number; firstSent: { channel: string; type: unknown } | null }[];
  handlers: string[];
  listeners: string[];
}

interface Shell {
  child: ChildProcess;
  output: () => string;
  ask<T = unknown>(op: string, fields?: Record<string, unknown>): Promise<T>;
  state(): Promise<State>;
  calls(api: string): Promise<unknown[]>;
  /** Resolves with the code main passed to app.exit (or the process's exit code). */
  exited: Promise<number>;
  /** Resolves when main has created its window; rejects if the process ends first. */
  windowCreated: Promise<void>;
}

function startShell(args: string[], env: Record<string, string> = {}): Shell {
  const child = spawn(
    process.execPath,
    ['--import', join(import.meta.dirname, 'testing', 'register.ts'), join(outDir, 'main', 'index.js'), ...args],
    {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: { ...process.env, ...env },
    },
  );
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  let nextId = 1;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let appExit: number | null = null;
  let finalRecords: Recorded[] | null = null;
  let onWindow = (): void => {};
  const windowCreated = new Promise<void>((resolve) => (onWindow = resolve));
  child.on('message', (message: { id?: number; result?: unknown; error?: string; event?: string; code?: number; records?: Recorded[] }) => {
    if (message.event === 'window') onWindow();
    if (message.event === 'exit') {
      appExit = message.code ?? null;
      finalRecords = message.records ?? null;
    }
    const waiting = message.id === undefined ? undefined : pending.get(message.id);
    if (waiting === undefined || message.id === undefined) return;
    pending.delete(message.id);
    if (message.error !== undefined) waiting.reject(new Error(message.error));
    else waiting.resolve(message.result);
  });
  const exited = new Promise<number>((resolve) => child.once('exit', (code) => resolve(appExit ?? code ?? -1)));
  const windowOrExit = Promise.race([
    windowCreated,
    exited.then((code) => Promise.reject(new Error(`main exited (${code}) before it created a window:\n${out}`))),
  ]);
  windowOrExit.catch(() => {});
  const ask = <T>(op: string, fields: Record<string, unknown> = {}): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      child.send({ id, op, ...fields });
    });
  const state = (): Promise<State> =>
    finalRecords !== null || !child.connected
      ? Promise.resolve({ records: finalRecords ?? [], windows: [], handlers: [], listeners: [] })
      : ask<State>('state');
  return {
    child,
    output: () => out,
    ask,
    state,
    async calls(api) {
      return (await state()).records.filter((r) => r.api === api).map((r) => r.args);
    },
    exited,
    windowCreated: windowOrExit,
  };
}

const shells: Shell[] = [];
afterAll(() => {
  for (const s of shells) if (s.child.exitCode === null) s.child.kill('SIGKILL');
});

async function launch(args: string[], env: Record<string, string> = {}): Promise<Shell> {
  const shell = startShell(args, env);
  shells.push(shell);
  return shell;
}

async function untilWindow(shell: Shell): Promise<void> {
  await shell.windowCreated;
}

describe('the built main bundle, on the demo', () => {
  const dataDir = join(temp, 'demo-data');
  let shell: Shell;
  beforeAll(async () => {
    shell = await launch(['--demo', '--data-dir', dataDir]);
    await untilWindow(shell);
  }, 90_000);

  it('registers app:// as a privileged scheme and serves only the renderer folder, with the CSP', async () => {
    expect(await shell.calls('protocol.registerSchemesAsPrivileged')).toEqual([
      [{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } }],
    ]);
    expect(await shell.calls('protocol.handle')).toEqual([{ scheme: 'app' }]);
    const page = await shell.ask<{ status: number; csp: string | null; body: string }>('fetchApp', { url: APP });
    expect(page.status).toBe(200);
    expect(page.body).toContain('<div id="root">');
    expect(page.csp).toContain("default-src 'self'");
    expect(page.csp).toContain("frame-ancestors 'none'");
    for (const url of ['app://stratdesk/..%2F..%2Fpackage.json', 'app://elsewhere/index.html', 'app://stratdesk/%E0%A4%A'])
      expect((await shell.ask<{ status: number }>('fetchApp', { url })).status, url).not.toBe(200);
  });

  it('creates one sandboxed, context-isolated window without Node, loaded from app://', async () => {
    const created = await shell.calls('BrowserWindow.new');
    expect(created).toHaveLength(1);
    const prefs = (created[0] as { webPreferences: Record<string, unknown> }).webPreferences;
    expect(prefs).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true });
    expect(prefs['nodeIntegrationInWorker']).not.toBe(true);
    expect(prefs['preload']).toBe(join(outDir, 'preload', 'index.cjs'));
    expect(existsSync(prefs['preload'] as string)).toBe(true);
    expect(await shell.calls('BrowserWindow.loadURL')).toEqual([{ url: APP }]);
  });

  it('answers portfolio/get over IPC with the real host snapshot, and streams it to a subscribed page', async () => {
    const answer = await shell.ask<{ ok: boolean; value: { strategies: { id: string; status: string }[] } }>('invoke', {
      channel: 'stratdesk:command',
      args: ['portfolio/get', {}],
      frameUrl: APP,
    });
    expect(answer.ok).toBe(true);
    expect(answer.value.strategies.map((s) => s.id).sort()).toEqual(['mm-btc', 'mm-eth', 'mm-sol']);
    expect(answer.value.strategies.every((s) => s.status === 'live')).toBe(true);
    // A bad input is refused by the contract's schema, not passed on.
    const bad = await shell.ask<{ ok: boolean }>('invoke', {
      channel: 'stratdesk:command',
      args: ['portfolio/get', { extra: 1 }],
      frameUrl: APP,
    });
    expect(bad.ok).toBe(false);

    await shell.ask('send', { channel: 'stratdesk:subscribe', frameUrl: APP });
    await expect.poll(async () => (await shell.state()).windows[0]?.firstSent).toEqual({ channel: 'stratdesk:stream', type: 'snapshot' });
  });

  it('refuses a foreign sender frame and a navigation away; denies new windows', async () => {
    for (const frameUrl of ['https://evil.example/', 'file:///etc/passwd', null]) {
      const answer = await shell.ask<{ ok: boolean; error?: { code: string } }>('invoke', {
        channel: 'stratdesk:command',
        args: ['portfolio/get', {}],
        frameUrl,
      });
      expect(answer, String(frameUrl)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    }
    expect(await shell.ask('navigate', { url: 'https://evil.example/phish' })).toEqual({ prevented: true });
    expect(await shell.ask('navigate', { url: 'file:///etc/passwd' })).toEqual({ prevented: true });
    expect(await shell.ask('navigate', { url: 'app://stratdesk/index.html#detail' })).toEqual({ prevented: false });
    expect(await shell.ask('openWindow', { url: 'https://evil.example/' })).toEqual({ action: 'deny' });
  });

  it('allows notifications only, only for its own pages, and posts alerts natively from main', async () => {
    const ask = (permission: string, url = APP) => shell.ask<{ requested: boolean; checked: boolean }>('permission', { permission, url });
    expect(await ask('notifications')).toEqual({ requested: true, checked: true });
    for (const permission of ['media', 'geolocation', 'clipboard-read', 'openExternal', 'fullscreen', 'midi'])
      expect(await ask(permission), permission).toEqual({ requested: false, checked: false });
    expect(await ask('notifications', 'https://evil.example/')).toEqual({ requested: false, checked: false });

    const alert = { title: 'mm-btc is in error', body: 'network: timeout (last good sync 2 min ago).', tag: 'health:mm-btc' };
    await shell.ask('send', { channel: 'stratdesk:notify', args: [alert], frameUrl: APP });
    await shell.ask('send', {
      channel: 'stratdesk:notify',
      args: [{ ...alert, title: 'from elsewhere' }],
      frameUrl: 'https://evil.example/',
    });
    await shell.ask('send', { channel: 'stratdesk:notify', args: [{ title: 42 }], frameUrl: APP });
    expect(await shell.calls('Notification.show')).toEqual([{ title: alert.title, body: alert.body }]);
  });

  it('holds the data folder for the window, and a second launch brings the window forward', async () => {
    expect(await shell.calls('app.requestSingleInstanceLock')).toEqual([{ granted: true }]);
    expect(await shell.calls('app.setPath')).toMatchObject([{ name: 'userData', path: dataDir }]);
    expect(JSON.parse(readFileSync(join(dataDir, 'engine.lock'), 'utf8'))).toMatchObject({ pid: shell.child.pid, shell: 'window' });
    await shell.ask('emit', { event: 'second-instance' });
    expect(await shell.calls('BrowserWindow.focus')).toHaveLength(1);
    expect(await shell.calls('BrowserWindow.new')).toHaveLength(1);
  });

  it('locks the vault when the machine sleeps (and on screen lock, which Linux does not deliver)', async () => {
    const command = <T>(name: string, input: unknown) =>
      shell.ask<{ ok: boolean; value: T }>('invoke', { channel: 'stratdesk:command', args: [name, input], frameUrl: APP });
    const created = await command<{ isLocked: boolean }>('vault/create', { password: 'correct horse battery' });
    expect(created.value.isLocked).toBe(false);
    expect(await shell.ask('power', { event: 'suspend' })).toBe(true);
    expect((await command<{ isLocked: boolean }>('vault/status', {})).value.isLocked).toBe(true);
    // Listened to where Electron emits it (macOS, Windows); on Linux the idle lock is the guarantee.
    expect(await shell.ask('power', { event: 'lock-screen' })).toBe(true);
  });

  it('closes the host on quit: the ledger is closed cleanly and the data folder released', async () => {
    expect(existsSync(join(dataDir, 'demo', 'ledger.sqlite-wal'))).toBe(true);
    await shell.ask('quit');
    expect(await shell.exited).toBe(0);
    // SQLite removes the write-ahead log when the last connection closes: the host's close() ran.
    expect(existsSync(join(dataDir, 'demo', 'ledger.sqlite'))).toBe(true);
    expect(existsSync(join(dataDir, 'demo', 'ledger.sqlite-wal'))).toBe(false);
    expect(existsSync(join(dataDir, 'engine.lock'))).toBe(false);
  });
});

describe('the built main bundle, when it cannot start as asked', () => {
  it('a bad workspace.json: a dialog with the error and the path offers the demo, which then runs', async () => {
    const dataDir = join(temp, 'bad-workspace');
    mkdirSync(dataDir, { recursive: true });
    const file = join(dataDir, 'workspace.json');
    writeFileSync(file, '{ "version": 2, "accounts": [ ');
    const shell = await launch(['--data-dir', dataDir], { STANDIN_DIALOG_RESPONSE: '0' });
    await untilWindow(shell);
    const [shown] = (await shell.calls('dialog.showMessageBox')) as {
      message: string;
      detail: string;
      buttons: string[];
      answered: string;
    }[];
    expect(shown?.message).toBe('Stratdesk could not start this workspace');
    expect(shown?.detail).toContain(`Workspace: ${file}`);
    expect(shown?.detail).toMatch(/JSON|Unexpected|parse/i);
    expect(shown?.buttons).toEqual(['Start the demo instead', 'Quit']);
    const answer = await shell.ask<{ ok: boolean; value: { strategies: { id: string }[] } }>('invoke', {
      channel: 'stratdesk:command',
      args: ['portfolio/get', {}],
      frameUrl: APP,
    });
    expect(answer.value.strategies.map((s) => s.id)).toContain('mm-btc');
    expect(readFileSync(file, 'utf8')).toBe('{ "version": 2, "accounts": [ ');
    await shell.ask('quit');
    expect(await shell.exited).toBe(0);
  }, 90_000);

  it('a bad workspace.json and "Quit": no window, exit 1, the folder released', async () => {
    const dataDir = join(temp, 'bad-workspace-quit');
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(join(dataDir, 'workspace.json'), '[]');
    const shell = await launch(['--data-dir', dataDir], { STANDIN_DIALOG_RESPONSE: '1' });
    expect(await shell.exited).toBe(1);
    expect(existsSync(join(dataDir, 'engine.lock'))).toBe(false);
  }, 60_000);

  it('the default data folder is the one serve mode uses (productName "Stratdesk"); an engine there refuses the window by name', async () => {
    const config = join(temp, 'xdg-config');
    const dataDir = join(config, 'Stratdesk');
    mkdirSync(dataDir, { recursive: true });
    // This test's own process is alive: the window must not take its folder.
    const held = {
      pid: process.pid,
      shell: 'serve',
      startedAt: new Date().toISOString(),
      hostname: hostname(),
      bootId: null,
      nonce: 'held',
    };
    writeFileSync(join(dataDir, 'engine.lock'), JSON.stringify(held));
    const env: Record<string, string> = { XDG_CONFIG_HOME: config, STRATDESK_DATA_DIR: '' };
    const shell = await launch(['--demo'], env);
    expect(await shell.exited).toBe(1);
    const setPath = (await shell.calls('app.setPath')) as { path: string; electronDefault: string }[];
    expect(setPath).toEqual([{ name: 'userData', path: dataDir, electronDefault: dataDir }]);
    const [shown] = (await shell.calls('dialog.showMessageBox')) as { message: string; detail: string }[];
    expect(shown?.message).toBe('This data folder is already in use');
    expect(shown?.detail).toContain(`Stratdesk serve mode (pid ${process.pid}`);
    expect(await shell.calls('BrowserWindow.new')).toEqual([]);
    expect(JSON.parse(readFileSync(join(dataDir, 'engine.lock'), 'utf8'))).toMatchObject({ nonce: 'held' });
  }, 60_000);

  it('a second launch while the first runs leaves at once without booting', async () => {
    const shell = await launch(['--demo', '--data-dir', join(temp, 'second')], { STANDIN_SINGLE_INSTANCE: 'taken' });
    expect(await shell.exited).toBe(0);
    expect(await Promise.resolve(shell.output())).toContain('already running');
    expect(existsSync(join(temp, 'second', 'engine.lock'))).toBe(false);
  }, 60_000);
});
