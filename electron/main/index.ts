/**
 * The Electron shell: owns the window and forwards the contract over IPC to the same Host that serve
 * mode uses. Pages load from app:// (not file://); every IPC message's sender frame is checked.
 * `npm run test:security` (Electronegativity) reviews this file; accepted findings carry an
 * `eng-disable` comment with the reason.
 */
import { isAbsolute, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { app, BrowserWindow, ipcMain, net, powerMonitor, protocol, session, type WebFrameMain } from 'electron';
import { fail } from '../../shared/contract.ts';
import { IPC_CHANNELS } from '../../shared/ipc.ts';
import { boot, type Booted } from '../app/bootstrap.ts';
import { createSafeStorageKeychain } from './keychain.ts';
import { loadWindowState, rememberWindowState } from './windowState.ts';

const APP_ORIGIN = 'app://stratdesk';
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
    const origin = new URL(url).origin;
    if (origin === APP_ORIGIN) return true;
    const devUrl = process.env['ELECTRON_RENDERER_URL'];
    return !app.isPackaged && devUrl !== undefined && origin === new URL(devUrl).origin;
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
    if (url.host !== 'stratdesk' || inside === '' || inside.startsWith('..') || isAbsolute(inside))
      return new Response('not found', { status: 404 });
    const response = await net.fetch(pathToFileURL(file).toString());
    const headers = new Headers(response.headers);
    headers.set('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    headers.set('X-Content-Type-Options', 'nosniff');
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
  });
}

function lockDown(): void {
  // Nothing the app shows needs a camera, notifications prompt, geolocation or the like.
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
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

function wireIpc(booted: Booted): void {
  ipcMain.handle(IPC_CHANNELS.command, async (event, name: unknown, input: unknown) => {
    if (!isTrustedFrame(event.senderFrame)) return fail('forbidden', 'command from an untrusted frame');
    return booted.host.execute(name, input, 'window');
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

async function main(): Promise<void> {
  await app.whenReady();
  serveAppProtocol();
  lockDown();
  const dataDir = argValue('--data-dir') ?? app.getPath('userData');
  const booted = await boot({
    workspacePath: argValue('--workspace'),
    isDemo: process.argv.includes('--demo'),
    dataDir,
    hostOptions: { keychain: createSafeStorageKeychain(dataDir) },
  });
  await booted.host.unlockFromKeychain();
  wireIpc(booted);
  // The vault locks itself when the machine does: screen lock and suspend wipe its keys from memory.
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
    void booted.close().finally(() => app.exit(0));
  });
}

main().catch((error: unknown) => {
  console.error(`stratdesk: ${(error as Error).message}`);
  app.exit(1);
});
