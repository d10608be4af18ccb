/**
 * The Electron shell: owns the window and forwards the contract over IPC to the same Host that serve
 * mode uses. Pages load from app:// (not file://); every IPC message's sender frame is checked.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { app, BrowserWindow, ipcMain, net, protocol, session, type WebFrameMain } from 'electron';
import { fail } from '../../shared/contract.ts';
import { IPC_CHANNELS } from '../../shared/ipc.ts';
import { boot, type Booted } from '../core/bootstrap.ts';

const APP_ORIGIN = 'app://stratdesk';
const rendererDir = join(import.meta.dirname, '..', 'renderer');

protocol.registerSchemesAsPrivileged([{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

function argValue(flag: string): string | undefined {
  const i = process.argv.indexOf(flag);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function isTrustedFrame(frame: WebFrameMain | null): boolean {
  if (!frame) return false;
  try {
    return new URL(frame.url).origin === APP_ORIGIN || (process.env['ELECTRON_RENDERER_URL'] !== undefined && frame.url.startsWith(process.env['ELECTRON_RENDERER_URL']));
  } catch {
    return false;
  }
}

function serveAppProtocol(): void {
  protocol.handle('app', (request) => {
    const { pathname } = new URL(request.url);
    const file = join(rendererDir, decodeURIComponent(pathname === '/' ? '/index.html' : pathname));
    if (!file.startsWith(rendererDir)) return new Response('not found', { status: 404 });
    return net.fetch(pathToFileURL(file).toString());
  });
}

function lockDown(): void {
  // Nothing the app shows needs a camera, notifications prompt, geolocation or the like.
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  app.on('web-contents-created', (_event, contents) => {
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
    contents.on('will-navigate', (event, url) => {
      if (!url.startsWith(APP_ORIGIN)) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
  });
}

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1400,
    height: 900,
    title: 'Stratdesk',
    backgroundColor: '#0f1115',
    webPreferences: {
      preload: join(import.meta.dirname, '..', 'preload', 'index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  });
  const devUrl = process.env['ELECTRON_RENDERER_URL'];
  void (devUrl !== undefined && !app.isPackaged ? win.loadURL(devUrl) : win.loadURL(`${APP_ORIGIN}/index.html`));
  return win;
}

function wireIpc(booted: Booted): void {
  ipcMain.handle(IPC_CHANNELS.command, async (event, name: unknown, input: unknown) => {
    if (!isTrustedFrame(event.senderFrame)) return fail('forbidden', 'command from an untrusted frame');
    return booted.host.execute(name, input, 'window');
  });
  ipcMain.on(IPC_CHANNELS.subscribe, (event) => {
    if (!isTrustedFrame(event.senderFrame)) return;
    const contents = event.sender;
    const unsubscribe = booted.host.subscribe((message) => {
      if (!contents.isDestroyed()) contents.send(IPC_CHANNELS.stream, message);
    });
    contents.once('destroyed', unsubscribe);
    contents.once('did-start-navigation', unsubscribe);
  });
}

async function main(): Promise<void> {
  await app.whenReady();
  serveAppProtocol();
  lockDown();
  const booted = await boot({
    workspacePath: argValue('--workspace'),
    isDemo: process.argv.includes('--demo'),
    dataDir: argValue('--data-dir') ?? app.getPath('userData'),
  });
  wireIpc(booted);
  createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
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
