/**
 * The command contract between the renderer and the host (Electron main or serve mode).
 * Every command's input is parsed with its schema at the boundary; results never throw across it.
 */
import { z } from 'zod';
import type {
  AccountTest,
  AllocationView,
  AuditView,
  ControlResult,
  CsvExport,
  InstanceDetail,
  MarketList,
  PortfolioHistory,
  RebalancePlan,
  Reconciliation,
  Snapshot,
  StreamMessage,
  VaultStatus,
  WorkspaceApplied,
  WorkspaceState,
} from './model.ts';

const id = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9._-]+$/, 'ids use letters, digits, dot, dash and underscore');
const reason = z.string().max(500).optional();

export const commandSchemas = {
  'portfolio/get': z.object({}).strict(),
  'portfolio/allocation': z.object({}).strict(),
  'portfolio/rebalance': z
    .object({
      dryRun: z.boolean(),
      policy: z.enum(['target_weights', 'equal', 'inverse_volatility']).optional(),
      /** Apply exactly the plan that was reviewed: its id from the dry run. Refused if the portfolio moved since. */
      planId: z.string().max(128).optional(),
      reason,
    })
    .strict(),
  'strategy/pause': z.object({ id, reason }).strict(),
  'strategy/resume': z.object({ id, reason }).strict(),
  'instance/start': z.object({ id, reason }).strict(),
  'instance/stop': z.object({ id, reason }).strict(),
  'portfolio/stopAll': z.object({ reason }).strict(),
  'vault/status': z.object({}).strict(),
  'vault/create': z.object({ password: z.string().min(8).max(1024) }).strict(),
  'vault/unlock': z.object({ password: z.string().min(1).max(1024), remember: z.boolean().optional() }).strict(),
  'vault/lock': z.object({ forget: z.boolean().optional() }).strict(),
  'vault/changePassword': z.object({ oldPassword: z.string().min(1).max(1024), newPassword: z.string().min(8).max(1024) }).strict(),
  'vault/put': z
    .object({
      name: id,
      apiKey: z.string().min(1).max(4096),
      secret: z.string().min(1).max(16384),
      password: z.string().max(1024).optional(),
    })
    .strict(),
  'vault/remove': z.object({ name: id }).strict(),
  'account/test': z.object({ id }).strict(),
  'instance/detail': z.object({ id, fills: z.number().int().min(1).max(5000).optional() }).strict(),
  'instance/export': z.object({ id, kind: z.enum(['fills', 'funding', 'metrics']).default('fills') }).strict(),
  'instance/cancelOrder': z.object({ id, orderId: z.string().min(1).max(128), symbol: z.string().min(1).max(64), reason }).strict(),
  'instance/cancelAll': z.object({ id, reason }).strict(),
  'workspace/get': z.object({}).strict(),
  'workspace/put': z.object({ workspace: z.unknown(), revision: z.number().int().min(0), reason }).strict(),
  'workspace/undo': z.object({ reason }).strict(),
  'workspace/import': z.object({ legacy: z.unknown() }).strict(),
  'exchange/list': z.object({}).strict(),
  'exchange/markets': z.object({ exchange: z.string().min(1).max(64), account: id.optional() }).strict(),
  'account/reconcile': z.object({ id }).strict(),
  'account/assignFill': z
    .object({ id, symbol: z.string().min(1).max(64), fillId: z.string().min(1).max(128), instance: id.nullable(), reason })
    .strict(),
  'portfolio/history': z.object({ points: z.number().int().min(2).max(2000).optional() }).strict(),
  'audit/list': z.object({ limit: z.number().int().min(1).max(1000).optional(), target: id.optional() }).strict(),
} as const;

export type CommandName = keyof typeof commandSchemas;
export const COMMAND_NAMES = Object.keys(commandSchemas) as CommandName[];

export type CommandInput<N extends CommandName> = z.infer<(typeof commandSchemas)[N]>;

export interface CommandOutputs {
  'portfolio/get': Snapshot;
  'portfolio/allocation': AllocationView;
  'portfolio/rebalance': RebalancePlan;
  'strategy/pause': ControlResult;
  'strategy/resume': ControlResult;
  'instance/start': ControlResult;
  'instance/stop': ControlResult;
  'portfolio/stopAll': ControlResult;
  'vault/status': VaultStatus;
  'vault/create': VaultStatus;
  'vault/unlock': VaultStatus;
  'vault/lock': VaultStatus;
  'vault/changePassword': VaultStatus;
  'vault/put': VaultStatus;
  'vault/remove': VaultStatus;
  'account/test': AccountTest;
  'instance/detail': InstanceDetail;
  'instance/export': CsvExport;
  'portfolio/history': PortfolioHistory;
  'audit/list': AuditView[];
  'instance/cancelOrder': ControlResult;
  'instance/cancelAll': ControlResult;
  'workspace/get': WorkspaceState;
  'workspace/put': WorkspaceApplied;
  'workspace/undo': WorkspaceApplied;
  'workspace/import': { workspace: unknown; notes: string[] };
  'exchange/list': { exchanges: string[] };
  'exchange/markets': MarketList;
  'account/reconcile': Reconciliation;
  'account/assignFill': Reconciliation;
}

/** Error codes a command can answer with; serve mode maps them to HTTP statuses. */
export type ErrorCode =
  | 'bad_request'
  | 'not_found'
  | 'method_not_allowed'
  | 'conflict'
  | 'payload_too_large'
  | 'unauthorized'
  | 'forbidden'
  | 'rate_limited'
  | 'internal';

export interface CommandError {
  code: ErrorCode;
  message: string;
  /** For a document that failed validation (a workspace): every mistake, each naming its field. */
  fields?: FieldError[];
}

/** One mistake in a document: `path` like `instances[1].params.spreadBps`. */
export interface FieldError {
  path: string;
  message: string;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: CommandError };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function fail<T = never>(code: ErrorCode, message: string): Result<T> {
  return { ok: false, error: { code, message } };
}

/** A refusal that names every bad field (400 with `error.fields[]`). */
export function failFields<T = never>(message: string, fields: FieldError[]): Result<T> {
  return { ok: false, error: { code: 'bad_request', message, fields } };
}

export function isCommandName(name: unknown): name is CommandName {
  return typeof name === 'string' && Object.hasOwn(commandSchemas, name);
}

/** Parses an untrusted command; the message names the first bad field, never echoes secrets. */
export function parseCommand<N extends CommandName>(name: N, input: unknown): Result<CommandInput<N>> {
  const parsed = commandSchemas[name].safeParse(input ?? {});
  if (parsed.success) return ok(parsed.data as CommandInput<N>);
  const issue = parsed.error.issues[0];
  const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
  return fail('bad_request', `invalid input for ${name}: ${where}${issue?.message ?? 'invalid'}`);
}

export { HTTP_STATUS } from './wire.ts';

/** What preload exposes as `window.stratdesk`: named functions only, no raw ipcRenderer. */
export interface StratdeskBridge {
  command<N extends CommandName>(name: N, input: CommandInput<N>): Promise<Result<CommandOutputs[N]>>;
  /** Called with the full snapshot first, then with deltas. Returns an unsubscribe function. */
  onStream(listener: (message: StreamMessage) => void): () => void;
}
