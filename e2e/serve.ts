/** Starts the real serve mode (`npm run serve`'s entry) with a fresh data folder, as a user would. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Served {
  url: string;
  token: string;
  dataDir: string;
  process: ChildProcess;
  output: () => string;
  api<T = unknown>(path: string, init?: { method?: string; body?: unknown }): Promise<{ status: number; body: T }>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export async function startServe(extraArgs: string[] = ['--demo'], options: { dataDir?: string; token?: string } = {}): Promise<Served> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'stratdesk-e2e-'));
  const token = options.token ?? 'e2e-token-' + Math.random().toString(36).slice(2);
  const cli = join(import.meta.dirname, '..', 'electron', 'serve', 'cli.ts');
  const child = spawn(process.execPath, [cli, ...extraArgs, '--port', '0', '--token', token, '--data-dir', dataDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, STRATDESK_TOKEN: '' },
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start in 60 s:\n${out}`)), 60_000);
    const onData = (): void => {
      const m = out.match(/stratdesk listening on (http:\/\/127\.0\.0\.1:\d+)/);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${String(code)}:\n${out}`));
    });
  });
  return {
    url,
    token,
    dataDir,
    process: child,
    output: () => out,
    async api<T>(path: string, init: { method?: string; body?: unknown } = {}) {
      const res = await fetch(url + path, {
        method: init.method ?? 'GET',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
      });
      return { status: res.status, body: (await res.json()) as T };
    },
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill(signal);
        await exited;
      }
      if (options.dataDir === undefined) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Starts the exchange simulator's CLI (`npm run sim`) on a free port; resolves with its address. */
export async function startSimProcess(args: string[] = []): Promise<{ url: string; process: ChildProcess }> {
  const sim = spawn(process.execPath, [join(import.meta.dirname, '..', 'electron', 'sim', 'cli.ts'), '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`simulator did not start:\n${out}`)), 30_000);
    sim.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = out.match(/stratdesk-sim listening on (http:\/\/127\.0\.0\.1:\d+)/);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
  });
  return { url, process: sim };
}
