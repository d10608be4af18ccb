/**
 * A tiny HTTP server on 127.0.0.1 for tests that need an exact exchange answer (a 429 with
 * Retry-After, a 418 ban, a 5xx, a non-JSON 200, a hanging socket, weight headers). Real ccxt talks to
 * it over real sockets; nothing in ccxt is mocked.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Hit {
  method: string;
  path: string;
  query: URLSearchParams;
  /** Query and form-encoded body together (Binance signs POST parameters in the body). */
  params: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** Order of arrival, from 0. */
  seq: number;
}

export interface Reply {
  status?: number;
  headers?: Record<string, string>;
  /** JSON-encoded unless a string. */
  body?: unknown;
  /** `headers`: never answer; `body`: send the status and headers, then never finish the body. */
  hang?: 'headers' | 'body';
  /** Drop the connection without an answer. */
  destroy?: boolean;
  /** Answer after this many real ms (to observe concurrency). */
  delayMs?: number;
}

export type Handler = (hit: Hit) => Reply | null | undefined | Promise<Reply | null | undefined>;

export interface LoopbackServer {
  url: string;
  hits: Hit[];
  /** Most requests seen in flight at once. */
  maxInFlight(): number;
  close(): Promise<void>;
}

export async function startLoopback(handler: Handler): Promise<LoopbackServer> {
  const hits: Hit[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const hit: Hit = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      params: new URLSearchParams(url.searchParams),
      headers: req.headers,
      seq: hits.length,
    };
    hits.push(hit);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    res.on('close', () => inFlight--);
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      for (const [k, v] of new URLSearchParams(body)) hit.params.append(k, v);
      void Promise.resolve(handler(hit)).then(
        (reply) => answer(res, reply ?? { status: 404, body: { code: -1, msg: `no route ${hit.method} ${hit.path}` } }),
        (error: unknown) => answer(res, { status: 500, body: { code: -1, msg: String(error) } }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    maxInFlight: () => maxInFlight,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function answer(res: ServerResponse, reply: Reply): void {
  const send = (): void => {
    if (reply.destroy) {
      res.socket?.destroy();
      return;
    }
    if (reply.hang === 'headers') return;
    const body = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body ?? {});
    res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers });
    if (reply.hang === 'body') {
      res.write(body.slice(0, Math.max(1, Math.floor(body.length / 2))));
      return;
    }
    res.end(body);
  };
  if (reply.delayMs) setTimeout(send, reply.delayMs);
  else send();
}

/** Time that moves only when someone sleeps: `sleep(ms)` returns at once with the clock at least `ms` later. */
export class VirtualTime {
  #t: number;
  readonly sleeps: number[] = [];

  /** Starts 1 s into a clock minute, so a test's burst never straddles a window by accident. */
  constructor(start = Date.UTC(2026, 10, 25, 12, 0, 1)) {
    this.#t = start;
  }

  now = (): number => this.#t;

  sleep = async (ms: number): Promise<void> => {
    this.sleeps.push(ms);
    const until = this.#t + ms;
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.#t = Math.max(this.#t, until);
  };

  advance(ms: number): void {
    this.#t += ms;
  }
}

/** Collects unhandled promise rejections between `start` and `stop`. */
export function watchUnhandledRejections(): { seen: unknown[]; stop(): void } {
  const seen: unknown[] = [];
  const onRejection = (reason: unknown): void => {
    seen.push(reason);
  };
  process.on('unhandledRejection', onRejection);
  return { seen, stop: () => process.off('unhandledRejection', onRejection) };
}
