import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import ccxt from 'ccxt';
import { describe, expect, it } from 'vitest';
import { binanceClient, bybitClient } from './testClient.ts';

const CLI = fileURLToPath(new URL('./cli.ts', import.meta.url));

/** Starts the CLI and resolves once it prints its listening line. */
async function launch(
  args: string[],
): Promise<{ child: ChildProcessWithoutNullStreams; url: string; stdout: () => string; stderr: () => string }> {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
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
  return { child, url, stdout: () => stdout, stderr: () => stderr };
}

async function stop(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const [code] = (await exited) as [number | null];
  return code;
}

describe('cli', () => {
  it('prints the listening line, serves the demo account, and exits cleanly on SIGTERM', async () => {
    const { child, url, stdout, stderr } = await launch(['--port', '0', '--seed', '5', '--tick-ms', '50']);
    try {
      expect(stdout()).toMatch(/apiKey=demo-key secret=demo-secret/);
      const ex = binanceClient(url, { apiKey: 'demo-key', secret: 'demo-secret' });
      const balance = await ex.fetchBalance();
      expect(balance['USDT']?.free).toBe(100000);
      const first = (await ex.fetchTicker('BTC/USDT')).info as Record<string, unknown>;
      await new Promise((r) => setTimeout(r, 300));
      const later = (await ex.fetchTicker('BTC/USDT')).info as Record<string, unknown>;
      // The tick timer runs: other traders' prints keep coming.
      expect(Number(later['count'])).toBeGreaterThan(Number(first['count']));
    } finally {
      expect(await stop(child)).toBe(0);
    }
    expect(stderr()).toBe('');
  });

  it('takes --funding-interval-ms and --fault, and serves the Bybit demo account', async () => {
    const { child, url, stdout } = await launch([
      '--tick-ms',
      '50',
      '--funding-interval-ms',
      '250',
      '--fault',
      'route=/api/v3/myTrades,kind=429',
      '--fault',
      'kind=latency,ms=1,route=/fapi/*',
    ]);
    try {
      expect(stdout()).toMatch(/bybit demo account: apiKey=demo-bybit-key secret=demo-bybit-secret/);
      expect(stdout()).toMatch(/funding every 250 ms; 2 fault\(s\) active/);
      const ex = binanceClient(url, { apiKey: 'demo-key', secret: 'demo-secret' }, { linear: true });
      await expect(ex.fetchMyTrades('BTC/USDT')).rejects.toBeInstanceOf(ccxt.DDoSProtection);
      await ex.createOrder('BTC/USDT:USDT', 'market', 'buy', 0.01);
      await new Promise((r) => setTimeout(r, 600));
      const funding = await ex.fetchFundingHistory('BTC/USDT:USDT');
      expect(funding.length).toBeGreaterThanOrEqual(1);
      expect(funding.every((f) => (f.timestamp ?? 0) % 250 === 0)).toBe(true);
      const by = bybitClient(url, { apiKey: 'demo-bybit-key', secret: 'demo-bybit-secret' });
      expect((await by.fetchBalance())['USDT']?.total).toBe(200000);
      const faults = (await (await fetch(`${url}/__sim/faults`)).json()) as { faults: { kind: string; fired: number }[] };
      expect(faults.faults.map((f) => f.kind)).toEqual(['429', 'latency']);
    } finally {
      expect(await stop(child)).toBe(0);
    }
  });

  it('refuses a malformed option with exit code 2', async () => {
    for (const args of [
      ['--port', 'abc'],
      ['--fault', 'kind=boom'],
      ['--funding-interval-ms', '0'],
    ]) {
      const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      const [code] = await once(child, 'exit');
      expect(code, args.join(' ')).toBe(2);
    }
  });
});
