/**
 * The workspace file (DESIGN.md, "Outside interfaces"): accounts, instances, portfolio, sync interval.
 * Version 2 is current; a legacy single-strategy file (version 1, or no version) is migrated on load.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';

const id = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9._-]+$/, 'ids use letters, digits, dot, dash and underscore');

const credentialsSchema = z.union([
  z.object({ vault: z.string().min(1) }).strict(),
  z.object({ apiKey: z.string().min(1), secret: z.string().min(1), password: z.string().optional() }).strict(),
]);

const accountSchema = z
  .object({
    id,
    exchange: z.string().min(1),
    sandbox: z.boolean().optional(),
    apiBaseUrl: z.url().optional(),
    credentials: credentialsSchema.optional(),
  })
  .strict();

const isoTime = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO-8601 time');

const instanceSchema = z
  .object({
    id,
    type: z.enum(['fixed_spread', 'funding_rate']),
    account: id,
    mode: z.enum(['live', 'paper', 'observe']).default('live'),
    symbols: z.array(z.string().min(3)).min(1),
    startTime: isoTime,
    autoStart: z.boolean().default(true),
    params: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();

const portfolioSchema = z
  .object({
    policy: z.enum(['target_weights', 'equal', 'inverse_volatility']).default('target_weights'),
    targets: z.record(z.string(), z.number().min(0)).default({}),
  })
  .strict();

export const workspaceSchema = z
  .object({
    version: z.literal(2),
    name: z.string().optional(),
    syncIntervalMs: z.number().int().min(250).max(3_600_000).default(5000),
    /** The currency portfolio totals are reported in (DESIGN.md, "Money"). */
    reportingCurrency: z
      .string()
      .regex(/^[A-Z0-9]{2,10}$/, 'a currency code like USDT')
      .default('USDT'),
    accounts: z.array(accountSchema).min(1),
    instances: z.array(instanceSchema),
    portfolio: portfolioSchema.default({ policy: 'target_weights', targets: {} }),
  })
  .strict()
  .superRefine((ws, ctx) => {
    const accountIds = new Set<string>();
    for (const [i, account] of ws.accounts.entries()) {
      if (accountIds.has(account.id))
        ctx.addIssue({ code: 'custom', path: ['accounts', i, 'id'], message: `duplicate account id "${account.id}"` });
      accountIds.add(account.id);
      const creds = account.credentials;
      if (creds && 'apiKey' in creds && !isLoopbackUrl(account.apiBaseUrl)) {
        ctx.addIssue({
          code: 'custom',
          path: ['accounts', i, 'credentials'],
          message: 'inline credentials are accepted only with a loopback apiBaseUrl; store real keys in the vault',
        });
      }
    }
    const instanceIds = new Set<string>();
    for (const [i, instance] of ws.instances.entries()) {
      if (instanceIds.has(instance.id))
        ctx.addIssue({ code: 'custom', path: ['instances', i, 'id'], message: `duplicate instance id "${instance.id}"` });
      instanceIds.add(instance.id);
      if (!accountIds.has(instance.account)) {
        ctx.addIssue({ code: 'custom', path: ['instances', i, 'account'], message: `unknown account "${instance.account}"` });
      }
    }
  });

export type Workspace = z.infer<typeof workspaceSchema>;
export type AccountConfig = Workspace['accounts'][number];
export type InstanceConfig = Workspace['instances'][number];

const legacySchema = z
  .object({
    version: z.literal(1).optional(),
    strategy: z.enum(['fixed_spread', 'funding_rate']),
    symbol: z.string().min(3).optional(),
    symbols: z.array(z.string().min(3)).min(1).optional(),
    startTime: isoTime,
    exchange: z
      .object({
        id: z.string().min(1),
        sandbox: z.boolean().optional(),
        apiBaseUrl: z.url().optional(),
        apiKey: z.string().optional(),
        secret: z.string().optional(),
        password: z.string().optional(),
        vault: z.string().optional(),
      })
      .strict(),
    params: z.record(z.string(), z.unknown()).default({}),
    syncIntervalMs: z.number().int().min(250).optional(),
  })
  .strict()
  .refine((w) => w.symbol !== undefined || w.symbols !== undefined, 'a legacy workspace needs "symbol"');

export class WorkspaceError extends Error {
  override name = 'WorkspaceError';
}

/** Parses a workspace object of any known version into the current one. */
export function parseWorkspace(raw: unknown): Workspace {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new WorkspaceError('workspace must be a JSON object');
  }
  const version = (raw as { version?: unknown }).version;
  if (version === undefined || version === 1) return migrateLegacy(raw);
  if (version !== 2) throw new WorkspaceError(`unsupported workspace version ${String(version)} (this app reads 1 and 2)`);
  const parsed = workspaceSchema.safeParse(raw);
  if (!parsed.success) throw new WorkspaceError(`invalid workspace: ${describeIssues(parsed.error)}`);
  return parsed.data;
}

/** The old server ran one strategy on one exchange; it becomes account `default` and one live instance named after the type. */
function migrateLegacy(raw: object): Workspace {
  const parsed = legacySchema.safeParse(raw);
  if (!parsed.success) throw new WorkspaceError(`invalid legacy workspace: ${describeIssues(parsed.error)}`);
  const legacy = parsed.data;
  const ex = legacy.exchange;
  const credentials =
    ex.vault !== undefined
      ? { vault: ex.vault }
      : ex.apiKey !== undefined && ex.secret !== undefined
        ? { apiKey: ex.apiKey, secret: ex.secret, ...(ex.password !== undefined ? { password: ex.password } : {}) }
        : undefined;
  return parseWorkspace({
    version: 2,
    syncIntervalMs: legacy.syncIntervalMs ?? 5000,
    accounts: [
      {
        id: 'default',
        exchange: ex.id,
        ...(ex.sandbox !== undefined ? { sandbox: ex.sandbox } : {}),
        ...(ex.apiBaseUrl !== undefined ? { apiBaseUrl: ex.apiBaseUrl } : {}),
        ...(credentials ? { credentials } : {}),
      },
    ],
    instances: [
      {
        id: legacy.strategy,
        type: legacy.strategy,
        account: 'default',
        mode: 'live',
        symbols: legacy.symbols ?? [legacy.symbol],
        startTime: legacy.startTime,
        autoStart: true,
        params: legacy.params,
      },
    ],
    portfolio: { policy: 'target_weights', targets: { [legacy.strategy]: 1 } },
  });
}

export async function loadWorkspaceFile(path: string): Promise<Workspace> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new WorkspaceError(`cannot read workspace ${path}: ${(error as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new WorkspaceError(`workspace ${path} is not valid JSON: ${(error as Error).message}`);
  }
  return parseWorkspace(raw);
}

export function isLoopbackUrl(url: string | undefined): boolean {
  if (url === undefined) return false;
  try {
    const host = new URL(url).hostname;
    return host === 'localhost' || host === '[::1]' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
  } catch {
    return false;
  }
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
}
