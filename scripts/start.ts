/**
 * `npm start [-- --demo] [-- --workspace FILE] [-- --data-dir DIR]`: builds the app when its bundles are
 * older than the sources, then opens the Electron window. Where that cannot happen — Electron's binary
 * was never downloaded (offline, a proxy, a build machine) or there is no display — it says so in one
 * line and serves the same app on 127.0.0.1 instead (serve mode: same data folder, same workspace,
 * the demo when there is none), printing the address with its token and opening a browser where
 * there is one.
 *
 * Never `require('electron')` here: on a machine without the binary that starts a download, which
 * fails (the dead end this script exists to avoid). The binary is looked up the way
 * node_modules/electron/index.js does, minus the download.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { isStale } from './freshness.ts';

const root = join(import.meta.dirname, '..');

export type ElectronLookup = { binary: string } | { binary: null; why: string };

/** Where Electron's executable is, if it was downloaded; mirrors node_modules/electron/index.js without its download. */
export function findElectronBinary(projectRoot: string = root, env: NodeJS.ProcessEnv = process.env): ElectronLookup {
  const pkg = join(projectRoot, 'node_modules', 'electron');
  if (!existsSync(join(pkg, 'package.json'))) return { binary: null, why: 'the electron package is not installed' };
  const pathFile = join(pkg, 'path.txt');
  const relative = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : null;
  const override = env['ELECTRON_OVERRIDE_DIST_PATH'];
  if (override !== undefined && override !== '') {
    const binary = join(override, relative ?? 'electron');
    return existsSync(binary) ? { binary } : { binary: null, why: `ELECTRON_OVERRIDE_DIST_PATH has no ${relative ?? 'electron'}` };
  }
  if (relative === null) return { binary: null, why: "Electron's binary was never downloaded, node_modules/electron/dist is missing" };
  const binary = join(pkg, 'dist', relative);
  return existsSync(binary) ? { binary } : { binary: null, why: `Electron's binary is missing (${binary})` };
}

/** Linux needs an X or Wayland display for a window; macOS and Windows always have one. */
export function hasDisplay(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): boolean {
  if (platform !== 'linux') return true;
  return Boolean(env['DISPLAY']) || Boolean(env['WAYLAND_DISPLAY']);
}

function buildIfStale(): void {
  const out = join(root, 'out');
  const outputs = [join(out, 'main', 'index.js'), join(out, 'preload', 'index.cjs'), join(out, 'renderer', 'index.html')];
  const sources = ['electron', 'renderer', 'shared', 'electron.vite.config.ts', 'package.json'].map((p) => join(root, p));
  if (!isStale(outputs, sources)) return;
  console.log('stratdesk: building the app (electron-vite build)…');
  const result = spawnSync(
    process.execPath,
    [join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build', '--logLevel', 'warn'],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
  if (result.status !== 0) {
    console.error('stratdesk: the build failed (above)');
    process.exit(result.status ?? 1);
  }
}

/**
 * Runs the app in its own session, so a Ctrl-C reaches it once, through us: Electron (like Chrome)
 * treats a second SIGINT as "quit now", which would skip the graceful quit.
 */
function launch(command: string, args: string[], stdout: 'inherit' | 'pipe'): ChildProcess {
  return spawn(command, args, { cwd: root, stdio: ['ignore', stdout, 'inherit'], detached: true });
}

/** Ends with the child: signals go to it, its exit code becomes ours. */
function follow(child: ChildProcess): void {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal !== null ? 1 : 0)));
}

/** The system's "open this address" command; a failure (none installed, no desktop) is ignored. */
function openBrowser(url: string): void {
  if (process.env['STRATDESK_NO_BROWSER'] === '1' || !hasDisplay()) return;
  const [command, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '""', url.replaceAll('&', '^&')]]
        : ['xdg-open', [url]];
  try {
    const child = spawn(command, args, { stdio: 'ignore', detached: true });
    child.on('error', () => {});
    child.unref();
  } catch {
    // no browser: the address is printed
  }
}

/** Serve mode's usual port (8765), unless something else holds it: a first start must not end on "address in use". */
async function portArgs(args: string[]): Promise<string[]> {
  if (args.some((a) => a === '--port' || a.startsWith('--port='))) return [];
  const isFree = await new Promise<boolean>((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(8765, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
  return isFree ? [] : ['--port', '0'];
}

async function serveInstead(args: string[], why: string): Promise<void> {
  console.log(
    `stratdesk: no Electron window here (${why}), so the same app is served on 127.0.0.1 instead: open the address below (Ctrl-C stops it).`,
  );
  const child = launch(process.execPath, [join(root, 'electron', 'serve', 'cli.ts'), ...args, ...(await portArgs(args))], 'pipe');
  let pending = '';
  let isOpened = false;
  child.stdout?.on('data', (chunk: Buffer) => {
    process.stdout.write(chunk);
    if (isOpened) return;
    pending += chunk.toString();
    const address = /^open (http:\/\/\S+)/m.exec(pending)?.[1];
    if (address === undefined) return;
    isOpened = true;
    // With --token or $STRATDESK_TOKEN the token is not printed: the page asks for it.
    openBrowser(address.includes('<') ? address.replace(/\?token=.*$/, '') : address);
  });
  follow(child);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  buildIfStale();
  const electron = findElectronBinary();
  if (electron.binary === null)
    return serveInstead(args, `${electron.why}; \`node node_modules/electron/install.js\` fetches it where the network allows`);
  if (!hasDisplay()) return serveInstead(args, 'no display: neither DISPLAY nor WAYLAND_DISPLAY is set');
  const child = launch(electron.binary, [root, ...args], 'inherit');
  child.on('error', (error) => {
    child.removeAllListeners('exit');
    void serveInstead(args, `Electron did not start: ${error.message}`);
  });
  child.on('exit', (code) => {
    if (code !== null && code !== 0)
      console.error(`stratdesk: Electron exited with code ${code}; \`npm run serve\` runs the same app in a browser`);
  });
  follow(child);
}

// Imported by its test for the look-ups; run by `npm start`.
if (process.argv[1] !== undefined && resolve(process.argv[1]) === import.meta.filename) void main();
