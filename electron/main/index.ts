/**
 * The Electron shell: owns the window and forwards the contract over IPC to the same Host that serve
 * mode uses. Pages load from app:// (not file://); every IPC message's sender frame is checked.
 * `npm run test:security` (Electronegativity) reviews this file; accepted findings carry an
 * `eng-disable` comment with the reason. `electron/main/shell.test.ts` runs the built bundle under
 * Node with a recording stand-in for `electron`.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { app, BrowserWindow, dialog, ipcMain, net, powerMonitor, protocol, session, type WebFrameMain } from 'electron';
import { fail } from '../../shared/contract.ts';
import { IPC_CHANNELS } from '../../shared/ipc.ts';
import { boot, defaultDataDir, type Booted } from '../app/bootstrap.ts';
import { acquireDataLock, type DataLock } from '../core/dataLock.ts';
import type { PasswordKeychain } from '../core/vault/keychain.ts';
import { createSafeStorageKeychain } from './keychain.ts';
import { parseNotification, postNotification } from './notifications.ts';
import { loadWindowState, rememberWindowState } from './windowState.ts';

const APP_PROTOCOL = 'app:';
const APP_HOST = 'stratdesk';
const APP_ORIGIN = `${APP_PROTOCOL}//${APP_HOST}`;
const rendererDir = join(import.meta.dirname, '..', 'renderer');
/** Sent with every app:// page as a header too (where, unlike the <meta>, frame-ancestors counts). Same policy as renderer/index.html. */
const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

protocol.registerSchemesAsPrivileged([{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

function argValue(flag: string): string | undefined {
  const i = process.argv.indexOf(flag);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** Our pages: app://stratdesk, or the electron-vite dev server in an unpackaged dev run (never in a packaged app). */
function isAppUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    // Not `origin`: Node's URL gives every non-special scheme (app: included) the opaque origin "null".
    if (parsed.protocol === APP_PROTOCOL && parsed.host === APP_HOST) return true;
    const devUrl = process.env['ELECTRON_RENDERER_URL'];
    return !app.isPackaged && devUrl !== undefined && parsed.origin === new URL(devUrl).origin;
  } catch {
    return false;
  }
}

function isTrustedFrame(frame: WebFrameMain | null): boolean {
  return frame !== null && isAppUrl(frame.url);
}

function serveAppProtocol(): void {
  protocol.handle('app', async (request) => {
    const url = new URL(request.url);
    let path: string;
    try {
      path = decodeURIComponent(url.pathname === '/' ? '/index.html' : url.pathname);
    } catch {
      return new Response('bad request', { status: 400 });
    }
    const file = join(rendererDir, path);
    // Only our host, and only files inside the renderer folder (not a sibling that shares its prefix).
    const inside = relative(rendererDir, file);
    if (url.host !== APP_HOST || inside === '' || inside.startsWith('..') || isAbsolute(inside))
      return new Response('not found', { status: 404 });
    const response = await net.fetch(pathToFileURL(file).toString());
    const headers = new Headers(response.headers);
    headers.set('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    headers.set('X-Content-Type-Options', 'nosniff');
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
  });
}

/** The one permission the window has: notifications, for our own pages (its alert toggle reads it). */
function isAllowedPermission(permission: string, url: string): boolean {
  return permission === 'notifications' && isAppUrl(url);
}

function lockDown(): void {
  // Nothing the app shows needs a camera, geolocation, the clipboard or the like.
  session.defaultSession.setPermissionRequestHandler((_wc, permission, callback, details) =>
    callback(isAllowedPermission(permission, details.requestingUrl)),
  );
  session.defaultSession.setPermissionCheckHandler((_wc, permission, requestingOrigin) =>
    isAllowedPermission(permission, requestingOrigin),
  );
  app.on('web-contents-created', (_event, contents) => {
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
    contents.on('will-navigate', (event, url) => {
      if (!isAppUrl(url)) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
  });
}

function createWindow(dataDir: string): BrowserWindow {
  const remembered = loadWindowState(dataDir);
  // AUXCLICK_JS_CHECK wants disableBlinkFeatures: 'Auxclick', a Blink feature that no longer exists
  // (electron/electron#10315); a middle-click opens a window through setWindowOpenHandler, which
  // lockDown() makes deny every window (electron/electron#28664).
  const win = /* eng-disable AUXCLICK_JS_CHECK */ new BrowserWindow({
    ...remembered.bounds,
    minWidth: 960,
    minHeight: 600,
    title: 'Stratdesk',
    backgroundColor: '#0f1115',
    webPreferences: {
      // Reviewed (PRELOAD_JS_CHECK): sandboxed, context-isolated; it exposes two functions, no ipcRenderer,
      // and main checks each message's sender frame and parses its input with the contract's schemas.
      preload: join(import.meta.dirname, '..', 'preload', 'index.cjs'), // eng-disable PRELOAD_JS_CHECK
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  });
  const devUrl = process.env['ELECTRON_RENDERER_URL'];
  void (devUrl !== undefined && !app.isPackaged ? win.loadURL(devUrl) : win.loadURL(`${APP_ORIGIN}/index.html`));
  if (remembered.isMaximized) win.maximize();
  rememberWindowState(win, dataDir);
  return win;
}

/** Brings the window forward: a second launch, a clicked notification. */
function focusWindow(): void {
  const win = BrowserWindow.getAllWindows()[0];
  if (win === undefined) return;
  if (win.isMinimized()) win.restore();
  win.show();
  win.focus();
}

function wireIpc(booted: Booted): void {
  ipcMain.handle(IPC_CHANNELS.command, async (event, name: unknown, input: unknown) => {
    if (!isTrustedFrame(event.senderFrame)) return fail('forbidden', 'command from an untrusted frame');
    return booted.host.execute(name, input, 'window');
  });
  ipcMain.on(IPC_CHANNELS.notify, (event, input: unknown) => {
    if (!isTrustedFrame(event.senderFrame)) return;
    const notification = parseNotification(input);
    if (notification !== null) postNotification(notification, focusWindow);
  });
  // One stream per page: a second subscribe (a remounted view) replaces the first instead of
  // doubling every message; it ends when the page goes (not on a hash change, replaceState or an iframe).
  const streams = new Map<number, () => void>();
  const watched = new Set<number>();
  ipcMain.on(IPC_CHANNELS.subscribe, (event) => {
    if (!isTrustedFrame(event.senderFrame)) return;
    const contents = event.sender;
    const id = contents.id;
    const previous = streams.get(id);
    previous?.();
    streams.set(
      id,
      booted.host.subscribe((message) => {
        if (!contents.isDestroyed()) contents.send(IPC_CHANNELS.stream, message);
      }),
    );
    if (watched.has(id)) return;
    watched.add(id);
    const end = (): void => {
      streams.get(id)?.();
      streams.delete(id);
    };
    contents.once('destroyed', () => {
      end();
      watched.delete(id);
    });
    contents.on('did-start-navigation', (details) => {
      if (details.isMainFrame && !details.isSameDocument) end();
    });
  });
}

/** The data folder's engine lock, or a dialog naming the engine that holds it (then quit). */
async function lockDataFolder(dataDir: string): Promise<DataLock | null> {
  try {
    return acquireDataLock(dataDir, { shell: 'window' });
  } catch (error) {
    await dialog.showMessageBox({
      type: 'error',
      title: 'Stratdesk',
      message: 'This data folder is already in use',
      detail: (error as Error).message,
      buttons: ['Quit'],
    });
    return null;
  }
}

/**
 * Boots the workspace; when that fails (a bad workspace.json, say) a dialog shows the error and the
 * file, and offers the demo instead of a silent exit. Null: the user chose to quit.
 */
async function bootOrOfferDemo(dataDir: string, workspacePath: string | undefined, keychain: PasswordKeychain): Promise<Booted | null> {
  const hostOptions = { keychain };
  const isDemo = process.argv.includes('--demo');
  try {
    return await boot({ workspacePath, isDemo, dataDir, hostOptions });
  } catch (error) {
    const file = workspacePath ?? join(dataDir, 'workspace.json');
    const { response } = await dialog.showMessageBox({
      type: 'error',
      title: 'Stratdesk',
      message: 'Stratdesk could not start this workspace',
      detail: `${(error as Error).message}\n\nWorkspace: ${isDemo ? 'the demo' : existsSync(file) ? file : `${file} (not found)`}\nData folder: ${dataDir}\n\nFix the file and start again, or look around in the demo (your file is left as it is).`,
      buttons: ['Start the demo instead', 'Quit'],
      defaultId: 0,
      cancelId: 1,
      noLink: true,
    });
    if (response !== 0) return null;
    return boot({ isDemo: true, dataDir, hostOptions });
  }
}

async function main(dataDir: string): Promise<void> {
  await app.whenReady();
  serveAppProtocol();
  lockDown();
  const lock = await lockDataFolder(dataDir);
  if (lock === null) return app.exit(1);
  const workspaceArg = argValue('--workspace');
  let booted: Booted | null;
  try {
    booted = await bootOrOfferDemo(
      dataDir,
      workspaceArg !== undefined ? resolve(workspaceArg) : undefined,
      createSafeStorageKeychain(dataDir),
    );
  } catch (error) {
    lock.release(); // the demo failed too: the folder is free for the next try
    throw error;
  }
  if (booted === null) {
    lock.release();
    return app.exit(1);
  }
  await booted.host.unlockFromKeychain();
  wireIpc(booted);
  // The vault locks itself when the machine does: screen lock and suspend wipe its keys from memory.
  // Linux delivers no 'lock-screen' (Electron emits it on macOS and Windows only): there the vault's
  // idle lock (15 minutes without use) is the guarantee, and 'suspend' still locks it.
  const lockVault = (): void => booted.host.vault?.lock();
  powerMonitor.on('lock-screen', lockVault);
  powerMonitor.on('suspend', lockVault);
  createWindow(dataDir);
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow(dataDir);
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  let isQuitting = false;
  app.on('before-quit', (event) => {
    if (isQuitting) return;
    isQuitting = true;
    event.preventDefault();
    void booted
      .close()
      .finally(() => lock.release())
      .finally(() => app.exit(0));
  });
}

// One data folder for every shell: --data-dir, else $STRATDESK_DATA_DIR, else the folder Electron
// names after productName "Stratdesk" (the same one serve mode uses). Chromium's own files and the
// single-instance lock follow it, so two windows on two folders can run side by side.
const dataDir = resolve(argValue('--data-dir') ?? defaultDataDir());
app.setPath('userData', dataDir);

if (app.requestSingleInstanceLock()) {
  // Registered before the boot: a launch while this one is still starting is not lost.
  app.on('second-instance', focusWindow);
  main(dataDir).catch((error: unknown) => {
    console.error(`stratdesk: ${(error as Error).message}`);
    dialog.showErrorBox('Stratdesk could not start', (error as Error).message);
    app.exit(1);
  });
} else {
  // Another window already runs on this folder: it comes forward ('second-instance'), this one leaves.
  console.error(`stratdesk: already running on ${dataDir}; bringing that window forward`);
  app.quit();
}
