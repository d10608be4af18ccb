/** Serve mode's HTTP API and stream, over a real socket, on the real demo (simulator + ccxt + SQLite). */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { request } from 'node:http';
import type { ControlResult, RebalancePlan, Snapshot, StreamMessage } from '../../shared/model.ts';
import { boot, type Booted } from '../app/bootstrap.ts';
import { silentLogger } from '../core/log.ts';
import { startServer, type RunningServer } from './server.ts';

const TOKEN = 'test-token-123';
let booted: Booted;
let server: RunningServer;

beforeAll(async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'serve-'));
  const staticDir = join(dataDir, 'static');
  mkdirSync(staticDir);
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>Stratdesk</title>');
  booted = await boot({ isDemo: true, dataDir, log: silentLogger });
  server = await startServer({ host: booted.host, token: TOKEN, port: 0, staticDir });
});

afterAll(async () => {
  await server?.close();
  await booted?.close();
});

async function call(path: string, init: { method?: string; body?: string; headers?: Record<string, string> } = {}) {
  const res = await fetch(server.url + path, {
    method: init.method ?? 'GET',
    redirect: 'manual',
    headers: { authorization: `Bearer ${TOKEN}`, ...init.headers },
    ...(init.body !== undefined ? { body: init.body } : {}),
  });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    json: text.startsWith('{') ? (JSON.parse(text) as Record<string, unknown>) : null,
    text,
  };
}

describe('serve mode HTTP API', () => {
  it('GET /api/portfolio syncs and answers three live strategies whose trade counts grow within 30 s', async () => {
    const first = await call('/api/portfolio');
    expect(first.status).toBe(200);
    const snap = first.json as unknown as Snapshot;
    expect(snap.strategies.map((s) => [s.id, s.status])).toEqual([
      ['mm-btc', 'live'],
      ['mm-eth', 'live'],
      ['mm-sol', 'live'],
    ]);
    expect(snap.instances.map((i) => i.running)).toEqual([true, true, true]);
    expect(typeof snap.asOf).toBe('string');
    const start = snap.strategies.map((s) => s.metrics.tradeCount);
    const deadline = Date.now() + 30_000;
    let grown = false;
    while (!grown && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 1000));
      const now = (await call('/api/portfolio')).json as unknown as Snapshot;
      grown = now.strategies.every((s, i) => s.metrics.tradeCount > (start[i] ?? 0));
    }
    expect(grown).toBe(true);
  }, 60_000);

  it.each([
    ['missing token', '/api/portfolio', { headers: { authorization: '' } }, 401, 'unauthorized'],
    ['wrong token', '/api/portfolio', { headers: { authorization: 'Bearer nope' } }, 401, 'unauthorized'],
    ['unknown route', '/api/nothing-here', {}, 404, 'not_found'],
    ['unknown strategy', '/api/strategies/ghost/pause', { method: 'POST' }, 404, 'not_found'],
    ['malformed body', '/api/portfolio/rebalance', { method: 'POST', body: '{"dryRun": tru' }, 400, 'bad_request'],
    ['body of the wrong shape', '/api/portfolio/rebalance', { method: 'POST', body: '{"dryRun": "yes"}' }, 400, 'bad_request'],
    ['array body', '/api/portfolio/rebalance', { method: 'POST', body: '[1]' }, 400, 'bad_request'],
    ['bad id', '/api/strategies/a%20b/pause', { method: 'POST' }, 400, 'bad_request'],
    ['wrong method', '/api/portfolio', { method: 'DELETE' }, 405, 'method_not_allowed'],
    ['foreign origin', '/api/portfolio', { headers: { origin: 'https://evil.example' } }, 403, 'forbidden'],
    [
      'oversized body',
      '/api/portfolio/rebalance',
      { method: 'POST', body: JSON.stringify({ dryRun: true, pad: 'x'.repeat(70_000) }) },
      413,
      'payload_too_large',
    ],
  ] as const)('%s → %i with a JSON error and no stack', async (_name, path, init, status, code) => {
    const res = await call(path, init);
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    expect(res.json).toMatchObject({ error: { code } });
    expect(typeof (res.json?.['error'] as { message?: unknown }).message).toBe('string');
    expect(res.text).not.toMatch(/at .*\.ts:\d+/);
  });

  it('pause and resume through the API, recorded with where they came from', async () => {
    const paused = await call('/api/strategies/mm-sol/pause', { method: 'POST', body: JSON.stringify({ reason: 'test' }) });
    expect(paused.status).toBe(200);
    expect((paused.json as unknown as ControlResult).strategies.find((s) => s.id === 'mm-sol')?.status).toBe('paused');
    expect((paused.json as unknown as ControlResult).stillOpen).toEqual([]);
    const snap = (await call('/api/portfolio')).json as unknown as Snapshot;
    expect(snap.strategies.find((s) => s.id === 'mm-sol')?.status).toBe('paused');
    const resumed = await call('/api/strategies/mm-sol/resume', { method: 'POST' });
    expect((resumed.json as unknown as ControlResult).strategies.find((s) => s.id === 'mm-sol')?.status).toBe('live');
    expect(booted.host.ledger.auditLog(2).map((a) => [a.action, a.source])).toEqual([
      ['strategy/resume', 'api'],
      ['strategy/pause', 'api'],
    ]);
  });

  it('stop and start an instance: stopped, then live again', async () => {
    const stopped = await call('/api/instances/mm-eth/stop', { method: 'POST' });
    expect((stopped.json as unknown as ControlResult).instances.find((i) => i.id === 'mm-eth')?.running).toBe(false);
    expect(((await call('/api/portfolio')).json as unknown as Snapshot).strategies.find((s) => s.id === 'mm-eth')?.status).toBe('stopped');
    await call('/api/instances/mm-eth/start', { method: 'POST' });
    expect(((await call('/api/portfolio')).json as unknown as Snapshot).strategies.find((s) => s.id === 'mm-eth')?.status).toBe('live');
  });

  it('rebalance dry run returns the plan and changes nothing; allocation answers current vs target', async () => {
    const before = await call('/api/portfolio/allocation');
    const plan = await call('/api/portfolio/rebalance', { method: 'POST', body: JSON.stringify({ dryRun: true }) });
    expect(plan.status).toBe(200);
    expect(plan.json).toMatchObject({ dryRun: true, applied: false, policy: 'target_weights' });
    const moves = plan.json?.['moves'] as { id: string; before: number; after: number; move: number }[];
    expect(moves.map((m) => m.id)).toEqual(['mm-btc', 'mm-eth', 'mm-sol']);
    expect(moves.reduce((s, m) => s + m.move, 0)).toBeCloseTo(0, 2);
    const after = await call('/api/portfolio/allocation');
    expect((after.json?.['strategies'] as { current: number }[]).map((s) => s.current)).toEqual(
      (before.json?.['strategies'] as { current: number }[]).map((s) => s.current),
    );
  });

  it('trades ?token= for an HttpOnly session cookie and drops it from the address', async () => {
    const res = await call(`/?token=${TOKEN}`, { headers: { authorization: '' } });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/');
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const withCookie = await call('/api/portfolio/allocation', { headers: { authorization: '', cookie: cookie.split(';')[0] ?? '' } });
    expect(withCookie.status).toBe(200);
    expect((await call('/?token=wrong', { headers: { authorization: '' } })).status).toBe(401);
    const page = await call('/', { headers: { authorization: '' } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
  });

  it('streams a full snapshot then deltas; refuses a stream without token or from a foreign origin', async () => {
    const messages: StreamMessage[] = [];
    const ws = new WebSocket(server.url.replace('http', 'ws') + '/api/stream', { headers: { authorization: `Bearer ${TOKEN}` } });
    ws.on('message', (data) => messages.push(JSON.parse(String(data)) as StreamMessage));
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    const deadline = Date.now() + 15_000;
    while (messages.filter((m) => m.type === 'delta').length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    ws.close();
    expect(messages[0]?.type).toBe('snapshot');
    expect(messages.filter((m) => m.type === 'delta').length).toBeGreaterThanOrEqual(2);

    for (const headers of [{}, { authorization: `Bearer ${TOKEN}`, origin: 'https://evil.example' }]) {
      const status = await new Promise<number>((resolve) => {
        const bad = new WebSocket(server.url.replace('http', 'ws') + '/api/stream', { headers });
        bad.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        bad.on('open', () => resolve(101));
        bad.on('error', () => undefined);
      });
      expect([401, 403]).toContain(status);
    }
  }, 30_000);

  it('applies the plan that was reviewed, and refuses it once the portfolio moved', async () => {
    const review = (await call('/api/portfolio/rebalance', { method: 'POST', body: JSON.stringify({ dryRun: true, policy: 'equal' }) }))
      .json as unknown as RebalancePlan;
    expect(review.id).toMatch(/^[0-9a-f]{16}$/);
    const applied = await call('/api/portfolio/rebalance', { method: 'POST', body: JSON.stringify({ dryRun: false, planId: review.id }) });
    expect(applied.status).toBe(200);
    const allocation = (await call('/api/portfolio/allocation')).json as { strategies: { id: string; current: number }[] };
    expect(allocation.strategies.map((s) => s.current)).toEqual(review.moves.map((m) => m.after));
    const audit = booted.host.ledger.auditFor('portfolio', 1)[0];
    expect(JSON.parse(audit?.detail ?? '{}')).toMatchObject({ policy: 'equal', planId: review.id });

    const stale = (await call('/api/portfolio/rebalance', { method: 'POST', body: JSON.stringify({ dryRun: true, policy: 'equal' }) }))
      .json as unknown as RebalancePlan;
    await call('/api/strategies/mm-btc/pause', { method: 'POST' });
    const refused = await call('/api/portfolio/rebalance', { method: 'POST', body: JSON.stringify({ dryRun: false, planId: stale.id }) });
    await call('/api/strategies/mm-btc/resume', { method: 'POST' });
    expect(refused.status).toBe(409);
    expect(refused.json).toMatchObject({ error: { code: 'conflict' } });
    expect(String((refused.json?.['error'] as { message: string }).message)).toMatch(/review again/);
    const unknown = await call('/api/portfolio/rebalance', { method: 'POST', body: JSON.stringify({ dryRun: false, planId: 'nope' }) });
    expect(unknown.status).toBe(404);
  });

  it('answers every malformed request with a 4xx whose code matches its status', async () => {
    const cases: [string, { method?: string; body?: string }, number, string][] = [
      ['/%E0%A4%A', {}, 400, 'bad_request'],
      ['/api/instances/%E0%A4%A', {}, 400, 'bad_request'],
      ['/api/portfolio', { method: 'PATCH' }, 405, 'method_not_allowed'],
      ['/api/portfolio/stop-all', { method: 'GET' }, 405, 'method_not_allowed'],
      ['/index.html', { method: 'POST' }, 405, 'method_not_allowed'],
      ['/api/portfolio/rebalance', { method: 'POST', body: 'x'.repeat(70_000) }, 413, 'payload_too_large'],
      ['/api/portfolio/rebalance', { method: 'POST', body: '[1]' }, 400, 'bad_request'],
      ['/api/nothing-here', {}, 404, 'not_found'],
    ];
    for (const [path, init, status, code] of cases) {
      const res = await call(path, init);
      expect([path, res.status, res.json?.['error']]).toEqual([path, status, expect.objectContaining({ code })]);
      expect(res.text).not.toMatch(/\bat .*\.ts:\d+/);
    }
  });

  it('refuses a Host header other than the loopback address it listens on (DNS rebinding)', async () => {
    const status = (host: string) =>
      new Promise<number>((resolve, reject) => {
        const req = request(`${server.url}/api/portfolio/allocation`, { headers: { host, authorization: `Bearer ${TOKEN}` } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end();
      });
    expect(await status('evil.example')).toBe(403);
    expect(await status(`attacker.example:${server.port}`)).toBe(403);
    expect(await status(`127.0.0.1:${server.port}`)).toBe(200);
    expect(await status(`localhost:${server.port}`)).toBe(200);
  });
});
