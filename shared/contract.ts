/**
 * The command contract between the renderer and the host (Electron main or serve mode).
 * Every command's input is parsed with its schema at the boundary; results never throw across it.
 */
import { z } from 'zod';
import type {
  AccountTest,
  AllocationView,
  AuditView,
  CsvExport,
  InstanceDetail,
  InstanceView,
  PortfolioHistory,
  RebalancePlan,
  Snapshot,
  StrategyView,
  StreamMessage,
  VaultStatus,
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
    .object({ dryRun: z.boolean(), policy: z.enum(['target_weights', 'equal', 'inverse_volatility']).optional() })
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
  'instance/export': z.object({ id, kind: z.enum(['fills', 'funding', 'metrics']) }).strict(),
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
  'strategy/pause': StrategyView;
  'strategy/resume': StrategyView;
  'instance/start': InstanceView;
  'instance/stop': InstanceView;
  'portfolio/stopAll': Snapshot;
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
}

/** Error codes a command can answer with; serve mode maps them to HTTP statuses. */
export type ErrorCode = 'bad_request' | 'not_found' | 'conflict' | 'unauthorized' | 'forbidden' | 'rate_limited' | 'internal';

export interface CommandError {
  code: ErrorCode;
  message: string;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: CommandError };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function fail<T = never>(code: ErrorCode, message: string): Result<T> {
  return { ok: false, error: { code, message } };
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

export const HTTP_STATUS: Record<ErrorCode, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  rate_limited: 429,
  internal: 500,
};

/** What preload exposes as `window.stratdesk`: named functions only, no raw ipcRenderer. */
export interface StratdeskBridge {
  command<N extends CommandName>(name: N, input: CommandInput<N>): Promise<Result<CommandOutputs[N]>>;
  /** Called with the full snapshot first, then with deltas. Returns an unsubscribe function. */
  onStream(listener: (message: StreamMessage) => void): () => void;
}
