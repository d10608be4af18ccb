/**
 * A recording stand-in for the `electron` module, for running the BUILT main bundle
 * (out/main/index.js) under plain Node where Electron's binary cannot run. `register.ts` resolves
 * `electron` to this file. It records what main asks of Electron (JSON-safe) and lets the test,
 * over the child's IPC channel, play what Electron would do: an IPC message from some frame, a
 * navigation, a permission request, an app:// request, a second launch, a quit.
 *
 * Only what main uses is here; anything else throws, so a new Electron call shows up as a failure.
 * Knobs (environment): STANDIN_DIALOG_RESPONSE (the button a dialog answers, default 0),
 * STANDIN_SINGLE_INSTANCE=taken (another instance holds the lock).
 */
import { EventEmitter } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Recorded {
  api: string;
  args: unknown;
}

const records: Recorded[] = [];
function record(api: string, args: unknown = null): void {
  records.push({ api, args: JSON.parse(JSON.stringify(args ?? null)) as unknown });
}

type Listener = (...args: unknown[]) => unknown;

// ---- app ----------------------------------------------------------------------------------------

/** Electron's rule for userData: <appData>/<productName, else name> of the app's package.json. */
function electronDefaultUserData(): string {
  // The app's package.json: the nearest one above the entry point (out/main/index.js).
  let name = 'Electron';
  for (let dir = dirname(process.argv[1] ?? '.'); ; dir = dirname(dir)) {
    const pkgPath = join(dir, 'package.json');
    if (existsSync(pkgPath)) {
      const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { productName?: string; name?: string };
      name = pkg.productName ?? pkg.name ?? name;
      break;
    }
    if (dirname(dir) === dir) break;
  }
  const appData =
    process.platform === 'darwin'
      ? join(homedir(), 'Library', 'Application Support')
      : process.platform === 'win32'
        ? (process.env['APPDATA'] ?? join(homedir(), 'AppData', 'Roaming'))
        : (process.env['XDG_CONFIG_HOME'] ?? join(homedir(), '.config'));
  return join(appData, name);
}

const paths = new Map<string, string>();
let isExiting = false;

class App extends EventEmitter {
  readonly isPackaged = false;
  whenReady(): Promise<void> {
    record('app.whenReady');
    return new Promise((resolve) => setImmediate(resolve));
  }
  getPath(name: string): string {
    const path = paths.get(name) ?? (name === 'userData' ? electronDefaultUserData() : join(homedir(), name));
    record('app.getPath', { name, path });
    return path;
  }
  setPath(name: string, path: string): void {
    record('app.setPath', { name, path, electronDefault: name === 'userData' ? electronDefaultUserData() : null });
    paths.set(name, path);
  }
  requestSingleInstanceLock(): boolean {
    const isTaken = process.env['STANDIN_SINGLE_INSTANCE'] === 'taken';
    record('app.requestSingleInstanceLock', { granted: !isTaken });
    return !isTaken;
  }
  quit(): void {
    record('app.quit');
    let isPrevented = false;
    this.emit('before-quit', {
      preventDefault: () => {
        isPrevented = true;
      },
    });
    if (!isPrevented) this.exit(0);
  }
  exit(code = 0): void {
    record('app.exit', { code });
    if (isExiting) return;
    isExiting = true;
    // With everything recorded: after this the test cannot ask any more.
    tell({ event: 'exit', code, records });
    // Let the message reach the test before the process goes.
    setTimeout(() => process.exit(code), 50);
  }
}

export const app = new App();

// ---- windows ------------------------------------------------------------------------------------

let nextContentsId = 1;

class WebContents extends EventEmitter {
  readonly id = nextContentsId++;
  windowOpenHandler: ((details: { url: string }) => { action: string }) | null = null;
  sent = 0;
  firstSent: unknown = null;
  #isDestroyed = false;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: string }): void {
    record('webContents.setWindowOpenHandler');
    this.windowOpenHandler = handler;
  }
  send(channel: string, message: unknown): void {
    this.sent++;
    if (this.firstSent === null) this.firstSent = { channel, type: (message as { type?: unknown })?.type ?? null };
  }
  isDestroyed(): boolean {
    return this.#isDestroyed;
  }
}

const windows: BrowserWindow[] = [];

export class BrowserWindow extends EventEmitter {
  readonly webContents = new WebContents();
  readonly options: unknown;
  loadedUrl: string | null = null;
  constructor(options: unknown) {
    super();
    this.options = options;
    record('BrowserWindow.new', options);
    windows.push(this);
    app.emit('web-contents-created', {}, this.webContents);
    tell({ event: 'window' });
  }
  static getAllWindows(): BrowserWindow[] {
    return [...windows];
  }
  loadURL(url: string): Promise<void> {
    record('BrowserWindow.loadURL', { url });
    this.loadedUrl = url;
    return Promise.resolve();
  }
  maximize(): void {
    record('BrowserWindow.maximize');
  }
  isMaximized(): boolean {
    return false;
  }
  isMinimized(): boolean {
    return false;
  }
  restore(): void {
    record('BrowserWindow.restore');
  }
  show(): void {
    record('BrowserWindow.show');
  }
  focus(): void {
    record('BrowserWindow.focus');
  }
  isDestroyed(): boolean {
    return false;
  }
  getNormalBounds(): { x: number; y: number; width: number; height: number } {
    return { x: 0, y: 0, width: 1440, height: 900 };
  }
}

export const screen = {
  getDisplayMatching: () => ({ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }),
};

// ---- IPC, protocol, session ---------------------------------------------------------------------

const handlers = new Map<string, Listener>();
const listeners = new Map<string, Listener[]>();

export const ipcMain = {
  handle(channel: string, handler: Listener): void {
    record('ipcMain.handle', { channel });
    handlers.set(channel, handler);
  },
  on(channel: string, listener: Listener): void {
    record('ipcMain.on', { channel });
    listeners.set(channel, [...(listeners.get(channel) ?? []), listener]);
  },
};

const protocolHandlers = new Map<string, (request: Request) => Promise<Response>>();

export const protocol = {
  registerSchemesAsPrivileged(schemes: unknown): void {
    record('protocol.registerSchemesAsPrivileged', schemes);
  },
  handle(scheme: string, handler: (request: Request) => Promise<Response>): void {
    record('protocol.handle', { scheme });
    protocolHandlers.set(scheme, handler);
  },
};

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };

export const net = {
  async fetch(url: string): Promise<Response> {
    if (!url.startsWith('file:')) throw new Error(`the stand-in's net.fetch serves file: URLs only, not ${url}`);
    try {
      const path = fileURLToPath(url);
      return new Response(await readFile(path), { headers: { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' } });
    } catch {
      return new Response('not found', { status: 404 });
    }
  },
};

type PermissionRequestHandler = (
  wc: unknown,
  permission: string,
  callback: (granted: boolean) => void,
  details: { requestingUrl: string },
) => void;
type PermissionCheckHandler = (wc: unknown, permission: string, requestingOrigin: string) => boolean;
let permissionRequestHandler: PermissionRequestHandler | null = null;
let permissionCheckHandler: PermissionCheckHandler | null = null;

export const session = {
  defaultSession: {
    setPermissionRequestHandler(handler: PermissionRequestHandler): void {
      record('session.setPermissionRequestHandler');
      permissionRequestHandler = handler;
    },
    setPermissionCheckHandler(handler: PermissionCheckHandler): void {
      record('session.setPermissionCheckHandler');
      permissionCheckHandler = handler;
    },
  },
};

export const powerMonitor = new EventEmitter();

export const safeStorage = {
  isAsyncEncryptionAvailable: (): Promise<boolean> => Promise.resolve(false),
  getSelectedStorageBackend: (): string => 'basic_text',
  encryptStringAsync: (): Promise<Buffer> => Promise.reject(new Error('no keychain in the stand-in')),
  decryptStringAsync: (): Promise<{ result: string }> => Promise.reject(new Error('no keychain in the stand-in')),
};

export const dialog = {
  showMessageBox(options: { buttons?: string[] }): Promise<{ response: number; checkboxChecked: boolean }> {
    const response = Number(process.env['STANDIN_DIALOG_RESPONSE'] ?? '0');
    record('dialog.showMessageBox', { ...options, answered: options.buttons?.[response] ?? null });
    return Promise.resolve({ response, checkboxChecked: false });
  },
  showErrorBox(title: string, content: string): void {
    record('dialog.showErrorBox', { title, content });
  },
};

export class Notification extends EventEmitter {
  static isSupported(): boolean {
    return true;
  }
  readonly options: unknown;
  constructor(options: unknown) {
    super();
    this.options = options;
    record('Notification.new', options);
  }
  show(): void {
    record('Notification.show', this.options);
  }
}

// ---- the test's side: plays Electron's part over the child's IPC channel --------------------------

interface Op {
  id: number;
  op: string;
  channel?: string;
  args?: unknown[];
  frameUrl?: string | null;
  url?: string;
  permission?: string;
  event?: string;
}

function tell(message: unknown): void {
  if (process.send !== undefined && process.connected) process.send(message);
}

function firstContents(): WebContents {
  const win = windows[0];
  if (win === undefined) throw new Error('no window yet');
  return win.webContents;
}

function ipcEvent(frameUrl: string | null | undefined): unknown {
  return { senderFrame: frameUrl === null || frameUrl === undefined ? null : { url: frameUrl }, sender: firstContents() };
}

async function play(op: Op): Promise<unknown> {
  switch (op.op) {
    case 'state':
      return {
        records,
        windows: windows.map((w) => ({ loadedUrl: w.loadedUrl, sent: w.webContents.sent, firstSent: w.webContents.firstSent })),
        handlers: [...handlers.keys()],
        listeners: [...listeners.keys()],
      };
    case 'invoke': {
      const handler = handlers.get(op.channel ?? '');
      if (handler === undefined) throw new Error(`nothing handles ${String(op.channel)}`);
      return await handler(ipcEvent(op.frameUrl), ...(op.args ?? []));
    }
    case 'send':
      for (const listener of listeners.get(op.channel ?? '') ?? []) listener(ipcEvent(op.frameUrl), ...(op.args ?? []));
      return null;
    case 'navigate': {
      let isPrevented = false;
      firstContents().emit('will-navigate', { preventDefault: () => (isPrevented = true) }, op.url);
      return { prevented: isPrevented };
    }
    case 'openWindow':
      return firstContents().windowOpenHandler?.({ url: op.url ?? '' }) ?? null;
    case 'permission': {
      const requested = await new Promise<boolean>((resolve) =>
        permissionRequestHandler?.(firstContents(), op.permission ?? '', resolve, { requestingUrl: op.url ?? '' }),
      );
      // Chromium's origin string: scheme://host (Node's URL says "null" for schemes it does not know).
      const url = new URL(op.url ?? '');
      const checked = permissionCheckHandler?.(firstContents(), op.permission ?? '', `${url.protocol}//${url.host}`) ?? null;
      return { requested, checked };
    }
    case 'fetchApp': {
      const handler = protocolHandlers.get('app');
      if (handler === undefined) throw new Error('app:// is not handled');
      const response = await handler(new Request(op.url ?? ''));
      return { status: response.status, csp: response.headers.get('content-security-policy'), body: await response.text() };
    }
    case 'emit':
      app.emit(op.event ?? '', {});
      return null;
    case 'power':
      return powerMonitor.emit(op.event ?? '');
    case 'quit':
      app.quit();
      return null;
    default:
      throw new Error(`unknown op ${op.op}`);
  }
}

process.on('message', (message: Op) => {
  play(message).then(
    (result) => tell({ id: message.id, result: result ?? null }),
    (error: unknown) => tell({ id: message.id, error: String((error as Error).message ?? error) }),
  );
});
// The IPC channel must not keep the process alive once main is done with it.
process.channel?.unref();
