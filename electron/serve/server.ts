/**
 * Serve mode's HTTP + WebSocket shell around the host (DESIGN.md, "Outside interfaces").
 * Loopback only; every /api request needs the token (Bearer header, or the session cookie the page
 * got by trading `?token=`); a request with a foreign Origin is refused; errors are JSON, never stacks.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { type CommandName, type ErrorCode, type Result } from '../../shared/contract.ts';
import { HTTP_STATUS, MalformedPath, WIRE, matchPath, type WireRoute } from '../../shared/wire.ts';
import type { Host } from '../core/host/host.ts';

export interface ServeOptions {
  host: Host;
  token: string;
  port?: number;
  /** The built renderer (index.html and assets). */
  staticDir: string;
}

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

const MAX_BODY = 64 * 1024;
const SESSION_COOKIE = 'stratdesk_session';
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";
const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

/** An answer other than 200; its status always follows from its code (one table, shared/wire.ts). */
class HttpError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.code = code;
    this.status = HTTP_STATUS[code];
  }
}

/** Serve's router, built from the one wire map in shared/ (the renderer's transport is built from it too). */
const ROUTES = (Object.entries(WIRE) as [CommandName, WireRoute][]).map(([command, route]) => ({ command, route }));

/** The command input a request carries: path segments, then query fields, over the JSON body. */
function inputOf(
  route: WireRoute,
  params: Record<string, string>,
  body: Record<string, unknown>,
  query: URLSearchParams,
): Record<string, unknown> {
  const input: Record<string, unknown> = { ...body };
  for (const [name, kind] of Object.entries(route.query ?? {})) {
    const value = query.get(name);
    if (value === null) continue;
    // A whole number where one is expected; anything else goes through as text for the schema to refuse.
    input[name] = kind === 'int' && /^\d+$/.test(value) ? Number(value) : value;
  }
  return { ...input, ...params };
}

export function generateToken(): string {
  return randomBytes(24).toString('base64url');
}

export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const { host, token } = options;
  const sessions = new Set<string>();
  let origins = new Set<string>();
  let hosts = new Set<string>();

  const isAuthorized = (req: IncomingMessage): boolean => {
    const header = req.headers.authorization;
    if (header?.startsWith('Bearer ') && safeEqual(header.slice(7), token)) return true;
    const sid = readCookie(req, SESSION_COOKIE);
    return sid !== null && sessions.has(sid);
  };
  const checkOrigin = (req: IncomingMessage): void => {
    const origin = req.headers.origin;
    // Browsers send Origin on cross-site requests and on every WebSocket: a page elsewhere cannot drive this API.
    if (origin !== undefined && !origins.has(origin)) throw new HttpError('forbidden', `origin ${origin} is not allowed`);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      const e =
        error instanceof HttpError
          ? error
          : error instanceof MalformedPath
            ? new HttpError('bad_request', error.message)
            : new HttpError('internal', 'internal error');
      if (!(error instanceof HttpError)) host.log.error('http handler failed', { error: (error as Error).message });
      sendJson(res, e.status, { error: { code: e.code, message: e.message } });
    });
  });

  /** DNS rebinding: a page on another name that resolves to 127.0.0.1 sends its own name as Host. */
  const checkHost = (req: IncomingMessage): void => {
    if (!hosts.has(req.headers.host ?? ''))
      throw new HttpError('forbidden', `host ${JSON.stringify(req.headers.host ?? '')} is not this server`);
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    checkHost(req);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname.startsWith('/api/') || url.pathname === '/api') {
      checkOrigin(req);
      if (!isAuthorized(req)) throw new HttpError('unauthorized', 'missing or wrong token: send "Authorization: Bearer <token>"');
      await handleApi(req, res, url);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD')
      throw new HttpError('method_not_allowed', `method ${req.method ?? ''} not allowed here`);
    const offered = url.searchParams.get('token');
    if (offered !== null) {
      if (!safeEqual(offered, token)) throw new HttpError('unauthorized', 'wrong token in the address');
      // Jupyter-style: trade the token for an HttpOnly session cookie and drop it from the address bar.
      const sid = randomBytes(24).toString('base64url');
      sessions.add(sid);
      url.searchParams.delete('token');
      res.writeHead(302, {
        location: url.pathname + (url.search === '?' ? '' : url.search),
        'set-cookie': `${SESSION_COOKIE}=${sid}; HttpOnly; SameSite=Strict; Path=/`,
        'referrer-policy': 'no-referrer',
        'cache-control': 'no-store',
      });
      res.end();
      return;
    }
    serveStatic(url.pathname, res);
  }

  async function handleApi(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const matching = ROUTES.map((r) => ({ ...r, params: matchPath(r.route.path, url.pathname) })).filter((r) => r.params !== null);
    if (matching.length === 0) throw new HttpError('not_found', `no route ${url.pathname}`);
    const found = matching.find((r) => r.route.method === req.method);
    if (!found || !found.params) throw new HttpError('method_not_allowed', `${req.method ?? ''} is not allowed on ${url.pathname}`);
    const body = found.route.hasBody === true ? await readJsonBody(req) : {};
    const input = inputOf(found.route, found.params, body, url.searchParams);
    const result: Result<unknown> = await host.execute(found.command, input, 'api');
    if (result.ok && found.route.isFile === true) {
      const file = result.value as { filename: string; csv: string };
      res.writeHead(200, {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="${file.filename}"`,
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
      });
      res.end(file.csv);
    } else if (result.ok) sendJson(res, 200, result.value);
    else sendJson(res, HTTP_STATUS[result.error.code], { error: result.error });
  }

  function serveStatic(pathname: string, res: ServerResponse): void {
    let decoded: string;
    try {
      decoded = decodeURIComponent(pathname);
    } catch {
      throw new HttpError('bad_request', 'malformed path');
    }
    const rel = pathname === '/' ? 'index.html' : decoded.replace(/^\/+/, '');
    const full = normalize(join(options.staticDir, rel));
    if (!full.startsWith(normalize(options.staticDir) + sep) || !existsSync(full) || !statSync(full).isFile()) {
      throw new HttpError('not_found', `no file ${pathname}`);
    }
    res.writeHead(200, {
      'content-type': MIME[extname(full)] ?? 'application/octet-stream',
      'content-security-policy': CSP,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': rel === 'index.html' ? 'no-store' : 'max-age=3600',
    });
    createReadStream(full).pipe(res);
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: 4096 });
  server.on('upgrade', (req, socket, head) => {
    try {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      checkHost(req);
      if (url.pathname !== '/api/stream') throw new HttpError('not_found', 'no such stream');
      checkOrigin(req);
      if (!isAuthorized(req)) throw new HttpError('unauthorized', 'missing or wrong token');
    } catch (error) {
      const e = error instanceof HttpError ? error : new HttpError('internal', 'internal error');
      const body = JSON.stringify({ error: { code: e.code, message: e.message } });
      socket.end(
        `HTTP/1.1 ${e.status} ${e.code}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
      );
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => stream(ws));
  });

  function stream(ws: WebSocket): void {
    let isBehind = false;
    const unsubscribe = host.subscribe((message) => {
      if (ws.readyState !== ws.OPEN) return;
      // A client that cannot keep up gets one fresh snapshot when it drains instead of a pile of deltas.
      if (ws.bufferedAmount > 1_000_000) {
        isBehind = true;
        return;
      }
      if (isBehind && message.type === 'delta') {
        isBehind = false;
        ws.send(JSON.stringify({ type: 'snapshot', snapshot: host.snapshot() }));
        return;
      }
      ws.send(JSON.stringify(message));
    });
    ws.on('close', unsubscribe);
    ws.on('error', unsubscribe);
    // The stream is one-way; anything the client sends is ignored.
    ws.on('message', () => undefined);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  origins = new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`]);
  hosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    port,
    async close() {
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function readJsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new HttpError('payload_too_large', `body larger than ${MAX_BODY} bytes`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new HttpError('bad_request', 'body is not valid JSON');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new HttpError('bad_request', 'body must be a JSON object');
  return parsed as Record<string, unknown>;
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const body = JSON.stringify(value);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  res.end(body);
}

function readCookie(req: IncomingMessage, name: string): string | null {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return null;
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
