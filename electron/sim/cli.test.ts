import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { binanceClient } from './testClient.ts';

const CLI = fileURLToPath(new URL('./cli.ts', import.meta.url));

describe('cli', () => {
  it('prints the listening line, serves the demo account, and exits cleanly on SIGTERM', async () => {
    const child = spawn(process.execPath, [CLI, '--port', '0', '--seed', '5', '--tick-ms', '50'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no listening line; stderr: ${stderr}`)), 10_000);
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        const match = /^stratdesk-sim listening on (http:\/\/127\.0\.0\.1:\d+)$/m.exec(stdout);
        if (match?.[1] !== undefined) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      });
    });
    try {
      expect(stdout).toMatch(/apiKey=demo-key secret=demo-secret/);
      const ex = binanceClient(url, { apiKey: 'demo-key', secret: 'demo-secret' });
      const balance = await ex.fetchBalance();
      expect(balance['USDT']?.free).toBe(100000);
      const first = (await ex.fetchTicker('BTC/USDT')).info as Record<string, unknown>;
      await new Promise((r) => setTimeout(r, 300));
      const later = (await ex.fetchTicker('BTC/USDT')).info as Record<string, unknown>;
      // The tick timer runs: other traders' prints keep coming.
      expect(Number(later['count'])).toBeGreaterThan(Number(first['count']));
    } finally {
      child.kill('SIGTERM');
    }
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
    expect(stderr).toBe('');
  });

  it('refuses a malformed option with exit code 2', async () => {
    const child = spawn(process.execPath, [CLI, '--port', 'abc'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const [code] = await once(child, 'exit');
    expect(code).toBe(2);
  });
});
