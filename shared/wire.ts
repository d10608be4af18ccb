/**
 * The HTTP wire: one route per command (DESIGN.md, "Outside interfaces"). Serve mode's router and the
 * renderer's HTTP transport are both built from this table, so a route cannot be written twice and
 * disagree. Type-only imports: the renderer bundles this file and must not pull in zod.
 */
import type { CommandName, ErrorCode } from './contract.ts';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface WireRoute {
  method: HttpMethod;
  /** Path template; `:name` segments are taken from (and put into) the command input's field of that name. */
  path: string;
  /** Input fields carried in the query string; `int` ones are parsed as whole numbers. */
  query?: Readonly<Record<string, 'int' | 'string'>>;
  /** The rest of the input travels as the JSON body (POST, PUT, DELETE). */
  hasBody?: boolean;
  /** The answer is a file (text/csv) rather than JSON. */
  isFile?: boolean;
}

export const WIRE: { readonly [N in CommandName]: WireRoute } = {
  'portfolio/get': { method: 'GET', path: '/api/portfolio' },
  'portfolio/allocation': { method: 'GET', path: '/api/portfolio/allocation' },
  'portfolio/rebalance': { method: 'POST', path: '/api/portfolio/rebalance', hasBody: true },
  'portfolio/stopAll': { method: 'POST', path: '/api/portfolio/stop-all', hasBody: true },
  'portfolio/history': { method: 'GET', path: '/api/portfolio/history', query: { points: 'int' } },
  'strategy/pause': { method: 'POST', path: '/api/strategies/:id/pause', hasBody: true },
  'strategy/resume': { method: 'POST', path: '/api/strategies/:id/resume', hasBody: true },
  'instance/start': { method: 'POST', path: '/api/instances/:id/start', hasBody: true },
  'instance/stop': { method: 'POST', path: '/api/instances/:id/stop', hasBody: true },
  'instance/detail': { method: 'GET', path: '/api/instances/:id', query: { fills: 'int' } },
  'instance/export': { method: 'GET', path: '/api/instances/:id/export', query: { kind: 'string' }, isFile: true },
  'instance/cancelOrder': { method: 'POST', path: '/api/instances/:id/cancel-order', hasBody: true },
  'instance/cancelAll': { method: 'POST', path: '/api/instances/:id/cancel-all', hasBody: true },
  'vault/status': { method: 'GET', path: '/api/vault' },
  'vault/create': { method: 'POST', path: '/api/vault/create', hasBody: true },
  'vault/unlock': { method: 'POST', path: '/api/vault/unlock', hasBody: true },
  'vault/lock': { method: 'POST', path: '/api/vault/lock', hasBody: true },
  'vault/changePassword': { method: 'POST', path: '/api/vault/password', hasBody: true },
  'vault/put': { method: 'POST', path: '/api/vault/entries', hasBody: true },
  'vault/remove': { method: 'DELETE', path: '/api/vault/entries/:name' },
  'account/test': { method: 'POST', path: '/api/accounts/:id/test' },
  'account/reconcile': { method: 'GET', path: '/api/accounts/:id/reconciliation' },
  'account/assignFill': { method: 'POST', path: '/api/accounts/:id/reconciliation/assign', hasBody: true },
  'audit/list': { method: 'GET', path: '/api/audit', query: { limit: 'int', target: 'string' } },
  'workspace/get': { method: 'GET', path: '/api/workspace' },
  'workspace/put': { method: 'PUT', path: '/api/workspace', hasBody: true },
  'workspace/undo': { method: 'POST', path: '/api/workspace/undo', hasBody: true },
  'workspace/import': { method: 'POST', path: '/api/workspace/import', hasBody: true },
  'exchange/list': { method: 'GET', path: '/api/exchanges' },
  'exchange/markets': { method: 'GET', path: '/api/exchanges/:exchange/markets', query: { account: 'string' } },
};

/** The HTTP status for each error code; the code in the body always agrees with the status. */
export const HTTP_STATUS: Readonly<Record<ErrorCode, number>> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  payload_too_large: 413,
  rate_limited: 429,
  internal: 500,
};

/** The names of a template's `:name` segments, in order. */
export function pathParams(template: string): string[] {
  return template
    .split('/')
    .filter((s) => s.startsWith(':'))
    .map((s) => s.slice(1));
}

/** A request target for a command's input: the path with its segments filled in, the query, and the body. */
export function requestFor(
  route: WireRoute,
  input: Readonly<Record<string, unknown>>,
): { path: string; body: Record<string, unknown> | undefined } {
  const rest: Record<string, unknown> = { ...input };
  const path = route.path
    .split('/')
    .map((segment) => {
      if (!segment.startsWith(':')) return segment;
      const name = segment.slice(1);
      const value = rest[name];
      delete rest[name];
      return encodeURIComponent(String(value ?? ''));
    })
    .join('/');
  const query = new URLSearchParams();
  for (const name of Object.keys(route.query ?? {})) {
    const value = rest[name];
    delete rest[name];
    if (value !== undefined && value !== null) query.set(name, String(value));
  }
  const search = query.toString();
  return { path: search === '' ? path : `${path}?${search}`, body: route.hasBody === true ? rest : undefined };
}

/**
 * Matches a request path against a template; the decoded `:name` values, or null when it does not
 * match. Throws `MalformedPath` for a segment that is not valid percent-encoding.
 */
export function matchPath(template: string, pathname: string): Record<string, string> | null {
  const want = template.split('/');
  const got = pathname.split('/');
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i] ?? '';
    const g = got[i] ?? '';
    if (w.startsWith(':')) {
      if (g === '') return null;
      try {
        params[w.slice(1)] = decodeURIComponent(g);
      } catch {
        throw new MalformedPath(pathname);
      }
    } else if (w !== g) return null;
  }
  return params;
}

export class MalformedPath extends Error {
  constructor(pathname: string) {
    super(`malformed path ${pathname.slice(0, 200)}`);
    this.name = 'MalformedPath';
  }
}
