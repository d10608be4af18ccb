import { describe, expect, it } from 'vitest';
import type { StreamMessage } from '../../shared/model.ts';
import { makeSnapshot, makeStrategy } from './testFixtures.ts';
import {
  createElectronTransport,
  createServeTransport,
  errorFromResponse,
  filenameFromDisposition,
  parseStreamMessage,
  routeFor,
  type ServeTransportDeps,
  type SocketHandlers,
} from './transport.ts';

describe('routeFor', () => {
  it('maps every command to its serve-mode route', () => {
    expect(routeFor('portfolio/get', {})).toEqual({ method: 'GET', path: '/api/portfolio' });
    expect(routeFor('portfolio/allocation', {})).toEqual({ method: 'GET', path: '/api/portfolio/allocation' });
    expect(routeFor('portfolio/rebalance', { dryRun: true })).toEqual({
      method: 'POST',
      path: '/api/portfolio/rebalance',
      body: { dryRun: true },
    });
    expect(routeFor('portfolio/rebalance', { dryRun: false, policy: 'equal' })).toEqual({
      method: 'POST',
      path: '/api/portfolio/rebalance',
      body: { dryRun: false, policy: 'equal' },
    });
    expect(routeFor('strategy/pause', { id: 'mm-btc' })).toEqual({
      method: 'POST',
      path: '/api/strategies/mm-btc/pause',
      body: {},
    });
    expect(routeFor('strategy/resume', { id: 'mm-btc', reason: 'vol back' })).toEqual({
      method: 'POST',
      path: '/api/strategies/mm-btc/resume',
      body: { reason: 'vol back' },
    });
    expect(routeFor('instance/start', { id: 'arb.1' }).path).toBe('/api/instances/arb.1/start');
    expect(routeFor('instance/stop', { id: 'arb.1' }).path).toBe('/api/instances/arb.1/stop');
  });

  it('maps the detail, export, history, audit and stop-all routes with their query parameters', () => {
    expect(routeFor('instance/detail', { id: 'mm-btc', fills: 500 })).toEqual({ method: 'GET', path: '/api/instances/mm-btc?fills=500' });
    expect(routeFor('instance/detail', { id: 'mm-btc' })).toEqual({ method: 'GET', path: '/api/instances/mm-btc' });
    expect(routeFor('instance/export', { id: 'mm-btc', kind: 'funding' })).toEqual({
      method: 'GET',
      path: '/api/instances/mm-btc/export?kind=funding',
      isFile: true,
    });
    expect(routeFor('portfolio/history', { points: 120 })).toEqual({ method: 'GET', path: '/api/portfolio/history?points=120' });
    expect(routeFor('audit/list', { limit: 5, target: 'mm-eth' })).toEqual({ method: 'GET', path: '/api/audit?limit=5&target=mm-eth' });
    expect(routeFor('audit/list', {})).toEqual({ method: 'GET', path: '/api/audit' });
    expect(routeFor('portfolio/stopAll', {})).toEqual({ method: 'POST', path: '/api/portfolio/stop-all', body: {} });
    expect(routeFor('vault/remove', { name: 'a/b' })).toEqual({ method: 'DELETE', path: '/api/vault/entries/a%2Fb' });
  });

  it('maps every vault command and the account test to serve mode routes, passwords in the body only', () => {
    expect(routeFor('vault/status', {})).toEqual({ method: 'GET', path: '/api/vault' });
    expect(routeFor('vault/create', { password: 'long-enough' })).toEqual({
      method: 'POST',
      path: '/api/vault/create',
      body: { password: 'long-enough' },
    });
    expect(routeFor('vault/unlock', { password: 'pw', remember: true })).toEqual({
      method: 'POST',
      path: '/api/vault/unlock',
      body: { password: 'pw', remember: true },
    });
    expect(routeFor('vault/lock', { forget: true })).toEqual({ method: 'POST', path: '/api/vault/lock', body: { forget: true } });
    expect(routeFor('vault/lock', {})).toEqual({ method: 'POST', path: '/api/vault/lock', body: {} });
    expect(routeFor('vault/changePassword', { oldPassword: 'a', newPassword: 'b'.repeat(8) })).toEqual({
      method: 'POST',
      path: '/api/vault/password',
      body: { oldPassword: 'a', newPassword: 'bbbbbbbb' },
    });
    const put = { name: 'bn-main', apiKey: 'k', secret: 's', password: 'p' };
    expect(routeFor('vault/put', put)).toEqual({ method: 'POST', path: '/api/vault/entries', body: put });
    expect(routeFor('vault/remove', { name: 'bn-main' })).toEqual({ method: 'DELETE', path: '/api/vault/entries/bn-main' });
    expect(routeFor('account/test', { id: 'sim' })).toEqual({ method: 'POST', path: '/api/accounts/sim/test' });
    expect(routeFor('account/test', { id: 'a b' }).path).toBe('/api/accounts/a%20b/test');
    expect(routeFor('portfolio/stopAll', { reason: 'kill' })).toEqual({
      method: 'POST',
      path: '/api/portfolio/stop-all',
      body: { reason: 'kill' },
    });
    // Nothing secret ever rides in a path or query string (they end up in logs and history).
    for (const route of [routeFor('vault/create', { password: 'SECRETPW' }), routeFor('vault/put', { ...put, secret: 'SECRETPW' })]) {
      expect(route.path).not.toContain('SECRETPW');
    }
  });

  it('reads the file name of an attachment', () => {
    expect(filenameFromDisposition('attachment; filename="stratdesk-x-fills.csv"')).toBe('stratdesk-x-fills.csv');
    expect(filenameFromDisposition('attachment; filename=plain.csv')).toBe('plain.csv');
    expect(filenameFromDisposition(null)).toBeNull();
  });

  it('escapes ids so a bad one cannot reach another route', () => {
    expect(routeFor('strategy/pause', { id: '../portfolio' }).path).toBe('/api/strategies/..%2Fportfolio/pause');
  });
});

describe('errorFromResponse', () => {
  it('reads the contract error body', () => {
    expect(errorFromResponse(404, 'Not Found', { error: { code: 'not_found', message: 'no strategy x' } })).toEqual({
      code: 'not_found',
      message: 'no strategy x',
    });
  });

  it('falls back to the HTTP status when the body is not ours', () => {
    expect(errorFromResponse(502, 'Bad Gateway', undefined)).toEqual({ code: 'internal', message: 'HTTP 502 Bad Gateway' });
    expect(errorFromResponse(401, '', { error: { code: 'nope', message: '' } })).toEqual({
      code: 'unauthorized',
      message: 'HTTP 401',
    });
    expect(errorFromResponse(422, '', null).code).toBe('bad_request');
  });

  it('keeps rate_limited (a vault locked out after wrong passwords) and maps a bare 429 to it', () => {
    expect(
      errorFromResponse(429, 'Too Many Requests', {
        error: { code: 'rate_limited', message: 'too many wrong passwords: try again in 2 s' },
      }),
    ).toEqual({ code: 'rate_limited', message: 'too many wrong passwords: try again in 2 s' });
    expect(errorFromResponse(429, '', undefined).code).toBe('rate_limited');
  });
});

describe('parseStreamMessage', () => {
  it('accepts snapshots and deltas', () => {
    const snapshot: StreamMessage = { type: 'snapshot', snapshot: makeSnapshot(1, [makeStrategy('a')]) };
    expect(parseStreamMessage(JSON.stringify(snapshot))).toEqual(snapshot);
    const delta = { type: 'delta', seq: 2, asOf: 'x', totals: {}, strategies: [], instances: [] };
    expect(parseStreamMessage(JSON.stringify(delta))).toEqual(delta);
  });

  it('rejects anything else', () => {
    expect(parseStreamMessage('not json')).toBeNull();
    expect(parseStreamMessage('null')).toBeNull();
    expect(parseStreamMessage('{"type":"hello"}')).toBeNull();
    expect(parseStreamMessage('{"type":"delta","seq":"2"}')).toBeNull();
    expect(parseStreamMessage('{"type":"snapshot","snapshot":{"seq":1}}')).toBeNull();
  });
});

/** A fake clock, fake sockets and a recording fetch: the serve transport without a server. */
function harness(respond: (url: string, init: RequestInit) => Response | Promise<Response> = () => Response.json({})) {
  const requests: { url: string; init: RequestInit }[] = [];
  const sockets: { url: string; handlers: SocketHandlers; isClosed: boolean }[] = [];
  const timers: { fn: () => void; ms: number; isCancelled: boolean }[] = [];
  const deps: ServeTransportDeps = {
    pageUrl: 'http://127.0.0.1:4321/?x=1',
    fetch: async (url, init) => {
      requests.push({ url, init });
      return respond(url, init);
    },
    openSocket: (url, handlers) => {
      const socket = { url, handlers, isClosed: false };
      sockets.push(socket);
      return {
        close: () => {
          socket.isClosed = true;
        },
      };
    },
    schedule: (fn, ms) => {
      const timer = { fn, ms, isCancelled: false };
      timers.push(timer);
      return () => {
        timer.isCancelled = true;
      };
    },
    random: () => 1, // the jitter's upper end: delays equal the backoff ceiling
    backoff: { initialMs: 100, maxMs: 1000 },
  };
  const runPendingTimers = () => {
    for (const timer of timers.splice(0)) if (!timer.isCancelled) timer.fn();
  };
  return { transport: createServeTransport(deps), requests, sockets, timers, runPendingTimers };
}

describe('serve transport commands', () => {
  it('posts same-origin JSON and returns the bare value', async () => {
    const strategy = makeStrategy('mm-btc', { status: 'paused' });
    const h = harness(() => Response.json(strategy));
    const result = await h.transport.command('strategy/pause', { id: 'mm-btc' });
    expect(result).toEqual({ ok: true, value: strategy });
    const request = h.requests[0];
    expect(request?.url).toBe('http://127.0.0.1:4321/api/strategies/mm-btc/pause');
    expect(request?.init.method).toBe('POST');
    expect(request?.init.credentials).toBe('same-origin');
    expect(request?.init.body).toBe('{}');
    expect((request?.init.headers as Record<string, string>)['Content-Type']).toBe('application/json');
  });

  it('turns the CSV attachment of instance/export back into {filename, csv}', async () => {
    const h = harness(
      () =>
        new Response('time,id\n1,2\n', {
          headers: {
            'content-type': 'text/csv; charset=utf-8',
            'content-disposition': 'attachment; filename="stratdesk-mm-btc-fills.csv"',
          },
        }),
    );
    const result = await h.transport.command('instance/export', { id: 'mm-btc', kind: 'fills' });
    expect(result).toEqual({ ok: true, value: { filename: 'stratdesk-mm-btc-fills.csv', csv: 'time,id\n1,2\n' } });
    expect(h.requests[0]?.url).toBe('http://127.0.0.1:4321/api/instances/mm-btc/export?kind=fills');
  });

  it('sends GETs without a body', async () => {
    const h = harness(() => Response.json(makeSnapshot(1, [])));
    await h.transport.command('portfolio/get', {});
    expect(h.requests[0]?.init.method).toBe('GET');
    expect(h.requests[0]?.init.body).toBeUndefined();
  });

  it('maps an HTTP error body to a typed failure', async () => {
    const h = harness(() => Response.json({ error: { code: 'conflict', message: 'already paused' } }, { status: 409 }));
    expect(await h.transport.command('strategy/pause', { id: 'a' })).toEqual({
      ok: false,
      error: { code: 'conflict', message: 'already paused' },
    });
  });

  it('turns a network failure into a typed failure instead of throwing', async () => {
    const h = harness(() => {
      throw new TypeError('Failed to fetch');
    });
    const result = await h.transport.command('portfolio/rebalance', { dryRun: true });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe('internal');
      expect(result.error.message).toContain('Failed to fetch');
    }
  });

  it('reports a success without JSON as a failure', async () => {
    const h = harness(() => new Response('<html>', { status: 200 }));
    const result = await h.transport.command('portfolio/get', {});
    expect(result.ok).toBe(false);
  });
});

describe('serve transport stream', () => {
  it('opens the same-host WebSocket and delivers parsed messages', () => {
    const h = harness();
    const received: StreamMessage[] = [];
    const states: string[] = [];
    h.transport.onConnectionChange?.((state) => states.push(state));
    h.transport.onStream((message) => received.push(message));
    expect(h.sockets).toHaveLength(1);
    expect(h.sockets[0]?.url).toBe('ws://127.0.0.1:4321/api/stream');
    h.sockets[0]?.handlers.onOpen();
    const snapshot: StreamMessage = { type: 'snapshot', snapshot: makeSnapshot(1, []) };
    h.sockets[0]?.handlers.onMessage(JSON.stringify(snapshot));
    h.sockets[0]?.handlers.onMessage('garbage');
    expect(received).toEqual([snapshot]);
    expect(states).toEqual(['reconnecting', 'connected']);
  });

  it('reconnects with exponential backoff, capped, and resets it once data flows', () => {
    const h = harness();
    const states: string[] = [];
    h.transport.onConnectionChange?.((state) => states.push(state));
    h.transport.onStream(() => {});
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) {
      h.sockets.at(-1)?.handlers.onClose();
      delays.push(h.timers.at(-1)?.ms ?? -1);
      h.runPendingTimers();
    }
    expect(delays).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(h.sockets).toHaveLength(7);

    const last = h.sockets.at(-1);
    last?.handlers.onOpen();
    last?.handlers.onMessage(JSON.stringify({ type: 'snapshot', snapshot: makeSnapshot(1, []) }));
    last?.handlers.onClose();
    expect(h.timers.at(-1)?.ms).toBe(100);
    expect(states).toEqual(['reconnecting', 'connected', 'reconnecting']);
  });

  it('does not reset the backoff for a socket that opens and closes without data', () => {
    const h = harness();
    h.transport.onStream(() => {});
    h.sockets.at(-1)?.handlers.onClose();
    h.runPendingTimers();
    h.sockets.at(-1)?.handlers.onOpen();
    h.sockets.at(-1)?.handlers.onClose();
    expect(h.timers.at(-1)?.ms).toBe(200);
  });

  it('closes the socket and stops reconnecting when the last listener leaves', () => {
    const h = harness();
    const unsubscribe = h.transport.onStream(() => {});
    h.sockets[0]?.handlers.onClose();
    expect(h.timers).toHaveLength(1);
    unsubscribe();
    expect(h.timers[0]?.isCancelled).toBe(true);
    h.runPendingTimers();
    expect(h.sockets).toHaveLength(1);
  });

  it('ignores events from a socket it already dropped', () => {
    const h = harness();
    const received: StreamMessage[] = [];
    const unsubscribe = h.transport.onStream((message) => received.push(message));
    const first = h.sockets[0];
    unsubscribe();
    expect(first?.isClosed).toBe(true);
    h.transport.onStream((message) => received.push(message));
    first?.handlers.onMessage(JSON.stringify({ type: 'snapshot', snapshot: makeSnapshot(1, []) }));
    first?.handlers.onClose();
    expect(received).toEqual([]);
    expect(h.timers).toHaveLength(0);
  });

  it('uses wss for an https page', () => {
    const sockets: string[] = [];
    const transport = createServeTransport({
      pageUrl: 'https://box.example/',
      fetch: async () => Response.json({}),
      openSocket: (url) => {
        sockets.push(url);
        return { close: () => {} };
      },
      schedule: () => () => {},
      random: () => 0,
    });
    transport.onStream(() => {});
    expect(sockets).toEqual(['wss://box.example/api/stream']);
  });
});

describe('electron transport', () => {
  it('turns a rejected IPC call into a typed failure', async () => {
    const transport = createElectronTransport({
      command: () => Promise.reject(new Error('ipc gone')),
      onStream: () => () => {},
    });
    expect(await transport.command('portfolio/get', {})).toEqual({
      ok: false,
      error: { code: 'internal', message: 'portfolio/get: ipc gone' },
    });
    expect(transport.onConnectionChange).toBeUndefined();
  });
});
