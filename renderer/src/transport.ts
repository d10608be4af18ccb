/**
 * How the renderer talks to the host. Two implementations behind one interface (the shape of
 * `StratdeskBridge`): Electron's preload bridge, or same-origin HTTP + WebSocket in serve mode.
 *
 * Only `import type` from shared/contract.ts here: a value import would drag zod and every command
 * schema into the renderer bundle, and the host validates every command anyway.
 */
import type { CommandError, CommandInput, CommandName, CommandOutputs, ErrorCode, Result, StratdeskBridge } from '../../shared/contract.ts';
import type { StreamMessage } from '../../shared/model.ts';
import { HTTP_STATUS, WIRE, requestFor, type HttpMethod } from '../../shared/wire.ts';
import type { ConnectionState } from './store/index.ts';

declare global {
  interface Window {
    /** Set by Electron's preload; absent in a plain browser (serve mode). */
    stratdesk?: StratdeskBridge;
  }
}

export interface Transport extends StratdeskBridge {
  /**
   * Serve mode reports its socket going up and down. Electron's IPC has no such state, so it leaves
   * this out and the bridge treats the first stream message as "connected".
   */
  onConnectionChange?: (listener: (state: ConnectionState) => void) => () => void;
}

type CommandFn = StratdeskBridge['command'];

function failure(code: ErrorCode, message: string): { ok: false; error: CommandError } {
  return { ok: false, error: { code, message } };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// ---------------------------------------------------------------------------------------------
// Electron

/** Uses the preload bridge as is; only guards against a rejected IPC promise crossing into the UI. */
export function createElectronTransport(bridge: StratdeskBridge): Transport {
  const command: CommandFn = async (name, input) => {
    try {
      return await bridge.command(name, input);
    } catch (error) {
      return failure('internal', `${name}: ${describe(error)}`);
    }
  };
  return { command, onStream: (listener) => bridge.onStream(listener) };
}

// ---------------------------------------------------------------------------------------------
// Serve mode

/** A socket reduced to what the stream needs, so tests can drive reconnects without a server. */
export interface SocketHandlers {
  onOpen: () => void;
  onMessage: (data: string) => void;
  onClose: () => void;
}
export type OpenSocket = (url: string, handlers: SocketHandlers) => { close: () => void };

export interface ServeTransportDeps {
  /** The page's address; API routes and the stream URL are resolved against its origin. */
  pageUrl: string;
  fetch: (url: string, init: RequestInit) => Promise<Response>;
  openSocket: OpenSocket;
  /** Runs `fn` after `ms`; returns a cancel function. Injected so tests use a fake clock. */
  schedule: (fn: () => void, ms: number) => () => void;
  /** In [0, 1); spreads reconnects so many tabs do not hammer a restarted host in lockstep. */
  random: () => number;
  backoff?: { initialMs: number; maxMs: number };
}

export const DEFAULT_BACKOFF = { initialMs: 500, maxMs: 10_000 } as const;

interface Route {
  method: HttpMethod;
  path: string;
  body?: unknown;
  /** The answer is a file (text/csv), not JSON. */
  isFile?: true;
}

/** The HTTP route serve mode exposes for a command, from the one wire map both sides are built from. */
export function routeFor(name: CommandName, input: unknown): Route {
  const route = WIRE[name];
  const fields = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
  // Only send fields that are set: the host's schemas are strict about unknown/undefined keys.
  const defined = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
  const { path, body } = requestFor(route, defined);
  return {
    method: route.method,
    path,
    ...(body !== undefined ? { body } : {}),
    ...(route.isFile === true ? { isFile: true as const } : {}),
  };
}

/**
 * The file name from a Content-Disposition header (`attachment; filename="x.csv"`), or null.
 * Serve mode answers `instance/export` with the CSV itself as an attachment, not JSON.
 */
export function filenameFromDisposition(header: string | null): string | null {
  if (header === null) return null;
  const match = header.match(/filename="([^"]+)"/) ?? header.match(/filename=([^;\s]+)/);
  return match?.[1] ?? null;
}

function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(HTTP_STATUS, value);
}

/** Inverse of the wire's status table, for error bodies that lack a usable code (e.g. a proxy's 502). */
function codeForStatus(status: number): ErrorCode {
  const code = (Object.keys(HTTP_STATUS) as ErrorCode[]).find((c) => HTTP_STATUS[c] === status);
  return code ?? (status >= 400 && status < 500 ? 'bad_request' : 'internal');
}

/** Reads `{ error: { code, message } }`; anything else still becomes a typed error, never a throw. */
export function errorFromResponse(status: number, statusText: string, body: unknown): CommandError {
  const error = typeof body === 'object' && body !== null ? (body as { error?: unknown }).error : undefined;
  const fields = typeof error === 'object' && error !== null ? (error as { code?: unknown; message?: unknown }) : {};
  const code = isErrorCode(fields.code) ? fields.code : codeForStatus(status);
  const message =
    typeof fields.message === 'string' && fields.message !== ''
      ? fields.message
      : `HTTP ${status}${statusText === '' ? '' : ` ${statusText}`}`;
  const list = (fields as { fields?: unknown }).fields;
  return Array.isArray(list) ? { code, message, fields: list as CommandError['fields'] & object } : { code, message };
}

/** What a snapshot and a delta both carry: the sequence, the time, totals and the changed rows. */
function hasFrameFields(frame: unknown): boolean {
  if (typeof frame !== 'object' || frame === null) return false;
  const f = frame as Record<string, unknown>;
  return (
    typeof f['seq'] === 'number' &&
    typeof f['asOf'] === 'string' &&
    typeof f['totals'] === 'object' &&
    f['totals'] !== null &&
    Array.isArray(f['strategies']) &&
    Array.isArray(f['instances'])
  );
}

/** Cheap shape check of a stream frame; the host is trusted, but a proxy or a bug is not. */
export function parseStreamMessage(data: string): StreamMessage | null {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const message = value as Record<string, unknown>;
  // A snapshot wraps its frame; a delta is its own.
  const frame = message['type'] === 'snapshot' ? message['snapshot'] : message['type'] === 'delta' ? message : null;
  return hasFrameFields(frame) ? (value as StreamMessage) : null;
}

export function createServeTransport(deps: ServeTransportDeps): Transport {
  const backoff = deps.backoff ?? DEFAULT_BACKOFF;
  const streamUrl = new URL('/api/stream', deps.pageUrl);
  streamUrl.protocol = streamUrl.protocol === 'https:' ? 'wss:' : 'ws:';

  const command: CommandFn = async <N extends CommandName>(name: N, input: CommandInput<N>): Promise<Result<CommandOutputs[N]>> => {
    const route = routeFor(name, input);
    const headers: Record<string, string> = { Accept: route.isFile === true ? 'text/csv' : 'application/json' };
    const init: RequestInit = { method: route.method, credentials: 'same-origin', headers };
    if (route.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(route.body);
    }
    let response: Response;
    try {
      response = await deps.fetch(new URL(route.path, deps.pageUrl).href, init);
    } catch (error) {
      return failure('internal', `${name}: host unreachable (${describe(error)})`);
    }
    if (route.isFile === true && response.ok) {
      // The one route that answers text/csv; turned back into the command's {filename, csv} so the
      // UI has one download path for Electron and serve mode.
      try {
        const csv = await response.text();
        const fallback = `stratdesk-${String((input as { id?: unknown }).id)}-${String((input as { kind?: unknown }).kind)}.csv`;
        const filename = filenameFromDisposition(response.headers.get('content-disposition')) ?? fallback;
        return { ok: true, value: { filename, csv } as CommandOutputs[N] };
      } catch (error) {
        return failure('internal', `${name}: could not read the CSV (${describe(error)})`);
      }
    }
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      body = undefined;
    }
    if (!response.ok) return { ok: false, error: errorFromResponse(response.status, response.statusText, body) };
    if (body === undefined) return failure('internal', `${name}: the host answered without a JSON body`);
    return { ok: true, value: body as CommandOutputs[N] };
  };

  const streamListeners = new Set<(message: StreamMessage) => void>();
  const connectionListeners = new Set<(state: ConnectionState) => void>();
  let connection: ConnectionState = 'reconnecting';
  let socket: { close: () => void } | null = null;
  // Identifies the live socket: events from a socket we already dropped must not touch state.
  let socketToken: object | null = null;
  let cancelReconnect: (() => void) | null = null;
  let attempt = 0;

  function setConnection(next: ConnectionState): void {
    if (next === connection) return;
    connection = next;
    for (const listener of connectionListeners) listener(next);
  }

  function open(): void {
    const token = {};
    socketToken = token;
    let hasReceived = false;
    socket = deps.openSocket(streamUrl.href, {
      onOpen: () => {
        if (socketToken === token) setConnection('connected');
      },
      onMessage: (data) => {
        if (socketToken !== token) return;
        // Reset the backoff only once data flows: a host that accepts and immediately drops the
        // socket (e.g. a rejected session) must not be retried in a tight loop.
        if (!hasReceived) {
          hasReceived = true;
          attempt = 0;
        }
        const message = parseStreamMessage(data);
        if (message === null) {
          console.warn('stratdesk: dropped a malformed stream frame');
          return;
        }
        for (const listener of streamListeners) listener(message);
      },
      onClose: () => {
        if (socketToken !== token) return;
        socket = null;
        socketToken = null;
        setConnection('reconnecting');
        scheduleReconnect();
      },
    });
  }

  function scheduleReconnect(): void {
    if (streamListeners.size === 0 || cancelReconnect !== null) return;
    const ceiling = Math.min(backoff.maxMs, backoff.initialMs * 2 ** attempt);
    attempt += 1;
    const delay = Math.round(ceiling * (0.5 + deps.random() * 0.5));
    cancelReconnect = deps.schedule(() => {
      cancelReconnect = null;
      if (streamListeners.size > 0) open();
    }, delay);
  }

  function stop(): void {
    cancelReconnect?.();
    cancelReconnect = null;
    socketToken = null;
    const current = socket;
    socket = null;
    current?.close();
    attempt = 0;
    setConnection('reconnecting');
  }

  return {
    command,
    onStream: (listener) => {
      streamListeners.add(listener);
      if (socket === null && cancelReconnect === null) open();
      return () => {
        streamListeners.delete(listener);
        if (streamListeners.size === 0) stop();
      };
    },
    onConnectionChange: (listener) => {
      connectionListeners.add(listener);
      listener(connection);
      return () => {
        connectionListeners.delete(listener);
      };
    },
  };
}

/** The browser's WebSocket behind `OpenSocket`. Cookies ride along: the stream is same-origin. */
export const openBrowserSocket: OpenSocket = (url, handlers) => {
  const ws = new WebSocket(url);
  ws.addEventListener('open', () => handlers.onOpen());
  ws.addEventListener('message', (event: MessageEvent<unknown>) => {
    if (typeof event.data === 'string') handlers.onMessage(event.data);
  });
  // `error` is always followed by `close`; reconnecting from both would double the attempts.
  ws.addEventListener('close', () => handlers.onClose());
  return { close: () => ws.close() };
};

/** Electron when the preload bridge is there, serve mode otherwise. */
export function selectTransport(win: Window): Transport {
  if (win.stratdesk !== undefined) return createElectronTransport(win.stratdesk);
  return createServeTransport({
    pageUrl: win.location.href,
    // Wrapped: an unbound `fetch` called as a method of another object throws "Illegal invocation".
    fetch: (url, init) => win.fetch(url, init),
    openSocket: openBrowserSocket,
    schedule: (fn, ms) => {
      const timer = win.setTimeout(fn, ms);
      return () => win.clearTimeout(timer);
    },
    random: Math.random,
  });
}
