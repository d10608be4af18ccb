/**
 * The workspace file (DESIGN.md, "Outside interfaces"): accounts, instances, portfolio, sync interval.
 * Version 2 is current; a legacy single-strategy file (version 1, or no version) is migrated on load.
 *
 * A mistake is refused before anything starts, every mistake at once, each naming its field
 * (`instances[1].params.spreadBps`): the shape (zod), then the rules that span fields — ids unique,
 * accounts and targets that name something, exchanges ccxt knows, params in their strategy's range
 * (shared/strategyParams.ts), start times with a zone, inline keys only for a loopback exchange.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { FieldError } from '../../../shared/contract.ts';
import { INSTANCE_TYPES, type InstanceType } from '../../../shared/model.ts';
import { paramSpecs, strategyParamsSchema } from '../../../shared/strategyParams.ts';
import { pnlCurrency } from '../../../shared/symbols.ts';
import { closestExchangeId, isCcxtExchangeId } from './exchangeIds.ts';

export type { FieldError } from '../../../shared/contract.ts';

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
    /** A ccxt exchange id; checked against ccxt's list with the rules below. */
    exchange: z.string().min(1),
    sandbox: z.boolean().optional(),
    apiBaseUrl: z.url().optional(),
    credentials: credentialsSchema.optional(),
  })
  .strict();

const instanceSchema = z
  .object({
    id,
    type: z.enum(['fixed_spread', 'funding_rate']),
    account: id,
    mode: z.enum(['live', 'paper', 'observe']).default('live'),
    symbols: z.array(z.string().min(3)).min(1),
    /** ISO-8601 with a zone; checked with the rules below. */
    startTime: z.string(),
    autoStart: z.boolean().default(true),
    /** Checked against the type's schema (shared/strategyParams.ts) with the rules below. */
    params: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();

const portfolioSchema = z
  .object({
    policy: z.enum(['target_weights', 'equal', 'inverse_volatility']).default('target_weights'),
    targets: z.record(z.string(), z.number().min(0)).default({}),
  })
  .strict();

/** The shape of a version 2 document; `validateWorkspace` adds the rules that span fields. */
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
  .strict();

export type Workspace = z.infer<typeof workspaceSchema>;
export type AccountConfig = Workspace['accounts'][number];
export type InstanceConfig = Workspace['instances'][number];

/** Targets are shares of the capital the targeted strategies share: they must add up to 1 (within this). */
const TARGET_SUM_TOLERANCE = 1e-6;

/** `2026-11-20T00:00:00Z`, `2026-11-20T09:00+09:00`: a date, a time and a zone. */
const ZONED_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/i;

export class WorkspaceError extends Error {
  override name = 'WorkspaceError';
  /** Every mistake found, each naming its field; empty when the file could not be read at all. */
  readonly fields: FieldError[];

  constructor(message: string, fields: FieldError[] = []) {
    super(message);
    this.fields = fields;
  }
}

export type WorkspaceCheck =
  | {
      ok: true;
      workspace: Workspace;
      /** What a legacy migration changed or dropped, for the person who wrote the file. */
      notes: string[];
    }
  | { ok: false; fields: FieldError[] };

export interface ValidateOptions {
  /** Whether ccxt knows an exchange id (default: ccxt's own list, read without loading ccxt). */
  isKnownExchange?: (id: string) => boolean;
}

/** Validates a workspace of any known version into the current one; every mistake at once, or the workspace. */
export function validateWorkspace(raw: unknown, options: ValidateOptions = {}): WorkspaceCheck {
  if (!isObject(raw)) return { ok: false, fields: [{ path: '(root)', message: 'a workspace is a JSON object' }] };
  const version = raw['version'];
  if (version === undefined || version === 1) return migrateLegacy(raw, options);
  if (version !== 2)
    return {
      ok: false,
      fields: [{ path: 'version', message: `unsupported workspace version ${String(version)} (this app reads 1 and 2)` }],
    };
  const parsed = workspaceSchema.safeParse(raw);
  const fields = dedupe([...(parsed.success ? [] : parsed.error.issues.flatMap(zodIssueFields)), ...crossFieldMistakes(raw, options)]);
  if (fields.length > 0 || !parsed.success) return { ok: false, fields };
  return { ok: true, workspace: parsed.data, notes: [] };
}

/** Like `validateWorkspace`, throwing a `WorkspaceError` that lists the mistakes. */
export function parseWorkspace(raw: unknown, options: ValidateOptions = {}): Workspace {
  const checked = validateWorkspace(raw, options);
  if (!checked.ok) throw new WorkspaceError(`invalid workspace: ${describeFields(checked.fields)}`, checked.fields);
  return checked.workspace;
}

export async function loadWorkspaceFile(path: string, options: ValidateOptions = {}): Promise<Workspace> {
  const raw = await readWorkspaceJson(path);
  const checked = validateWorkspace(raw, options);
  if (!checked.ok) throw new WorkspaceError(`invalid workspace ${path}: ${describeFields(checked.fields)}`, checked.fields);
  return checked.workspace;
}

/** The file's JSON, or a `WorkspaceError` saying why it could not be read. */
export async function readWorkspaceJson(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new WorkspaceError(`cannot read workspace ${path}: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new WorkspaceError(`workspace ${path} is not valid JSON: ${(error as Error).message}`);
  }
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

/** The exact command that moves an account's keys into the vault (electron/cli/vault.ts asks for them). */
export function vaultAddCommand(entryName: string): string {
  return `npm run vault -- add ${/^[A-Za-z0-9._-]+$/.test(entryName) ? entryName : JSON.stringify(entryName)}`;
}

/** `instances[1].params.spreadBps`: the one way a field's path is written. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(root)' : out;
}

export function describeFields(fields: readonly FieldError[]): string {
  const shown = fields.slice(0, 8).map((f) => `${f.path}: ${f.message}`);
  return fields.length > shown.length ? `${shown.join('; ')}; and ${fields.length - shown.length} more` : shown.join('; ');
}

// ── the rules that span fields ────────────────────────────────────────────────────────────────────

/**
 * Read from the raw document, tolerant of a wrong shape (zod names those), so a file with a missing
 * bracket in one account still hears about its unknown exchange in another.
 */
/**
 * An instance's figures are one fold in one currency (the first symbol's PnL currency): symbols that
 * settle in different ones (a coin-margined perpetual beside a USDT spot leg, ETH/BTC beside BTC/USDT)
 * would add BTC to USDT as if equal, so such an instance is refused rather than shown wrong.
 */
function mixedCurrencyProblem(symbols: unknown): string | null {
  if (!Array.isArray(symbols)) return null;
  const bySymbol = symbols.filter((s): s is string => typeof s === 'string' && s.length >= 3).map((s) => [s, pnlCurrency(s)] as const);
  const currencies = [...new Set(bySymbol.map(([, c]) => c))];
  if (currencies.length < 2) return null;
  const list = bySymbol.map(([s, c]) => `${s} in ${c}`).join(', ');
  return `the symbols report in different currencies (${list}): one instance reports in one currency, so put each in its own instance`;
}

function crossFieldMistakes(raw: Record<string, unknown>, options: ValidateOptions): FieldError[] {
  const isKnownExchange = options.isKnownExchange ?? isCcxtExchangeId;
  const out: FieldError[] = [];
  const add = (path: PropertyKey[], message: string): void => void out.push({ path: formatPath(path), message });
  // Ids are unique within their list: a repeat is named at the entry that repeats it.
  const collectId = (seen: Set<string>, kind: 'account' | 'instance', i: number, id: unknown): void => {
    if (typeof id !== 'string') return;
    if (seen.has(id)) add([`${kind}s`, i, 'id'], `duplicate ${kind} id "${id}"`);
    seen.add(id);
  };

  const accounts = Array.isArray(raw['accounts']) ? raw['accounts'] : [];
  const accountIds = new Set<string>();
  for (const [i, account] of accounts.entries()) {
    if (!isObject(account)) continue;
    const accountId = account['id'];
    collectId(accountIds, 'account', i, accountId);
    const exchange = account['exchange'];
    if (typeof exchange === 'string' && exchange !== '' && !isKnownExchange(exchange)) {
      const near = closestExchangeId(exchange);
      add(['accounts', i, 'exchange'], `unknown exchange "${exchange}": not a ccxt exchange id${near ? ` (did you mean "${near}"?)` : ''}`);
    }
    const credentials = account['credentials'];
    const apiBaseUrl = typeof account['apiBaseUrl'] === 'string' ? account['apiBaseUrl'] : undefined;
    if (isObject(credentials) && 'apiKey' in credentials && !isLoopbackUrl(apiBaseUrl)) {
      const entry = `${typeof exchange === 'string' ? exchange : 'exchange'}-${typeof accountId === 'string' ? accountId : i}`;
      add(['accounts', i, 'credentials'], inlineKeysMessage(entry));
    }
  }

  const instances = Array.isArray(raw['instances']) ? raw['instances'] : [];
  const instanceIds = new Set<string>();
  for (const [i, instance] of instances.entries()) {
    if (!isObject(instance)) continue;
    collectId(instanceIds, 'instance', i, instance['id']);
    const account = instance['account'];
    if (typeof account === 'string' && !accountIds.has(account)) {
      add(['instances', i, 'account'], `names no account: "${account}" is not among ${listIds(accountIds)}`);
    }
    const startTime = instance['startTime'];
    if (typeof startTime === 'string') {
      const problem = zonedTimeProblem(startTime);
      if (problem !== null) add(['instances', i, 'startTime'], problem);
    } else if (startTime !== undefined)
      add(['instances', i, 'startTime'], 'must be an ISO-8601 time with a zone, like 2026-11-20T00:00:00Z');
    const problem = mixedCurrencyProblem(instance['symbols']);
    if (problem !== null) add(['instances', i, 'symbols'], problem);
    const type = instance['type'];
    const params = instance['params'] ?? {};
    if (isInstanceType(type) && isObject(params)) {
      for (const field of paramMistakes(type, params)) add(['instances', i, 'params', ...field.path], field.message);
    }
  }

  const portfolio = raw['portfolio'];
  const targets = isObject(portfolio) && isObject(portfolio['targets']) ? portfolio['targets'] : {};
  let sum = 0;
  let isNumeric = true;
  for (const [target, weight] of Object.entries(targets)) {
    if (!instanceIds.has(target))
      add(['portfolio', 'targets', target], `names no instance: "${target}" is not among ${listIds(instanceIds)}`);
    if (typeof weight === 'number' && Number.isFinite(weight)) sum += weight;
    else isNumeric = false;
  }
  // Refused rather than normalised: a typo'd weight would otherwise move money silently.
  if (isNumeric && Object.keys(targets).length > 0 && Math.abs(sum - 1) > TARGET_SUM_TOLERANCE) {
    add(['portfolio', 'targets'], `must add up to 1 (they add up to ${Number(sum.toFixed(6))})`);
  }
  return out;
}

function paramMistakes(type: InstanceType, params: Record<string, unknown>): { path: PropertyKey[]; message: string }[] {
  const parsed = strategyParamsSchema(type).safeParse(params);
  if (parsed.success) return [];
  return parsed.error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({
          path: [...issue.path, key],
          message: `unknown param for ${type} (it takes ${paramSpecs(type)
            .map(([k]) => k)
            .join(', ')})`,
        }))
      : [{ path: issue.path, message: issue.message }],
  );
}

function zonedTimeProblem(text: string): string | null {
  if (Number.isNaN(Date.parse(text))) return `"${text}" is not a time: write it like 2026-11-20T00:00:00Z`;
  if (!ZONED_TIME.test(text)) {
    return `"${text}" has no time zone: add Z (UTC) or an offset like +02:00 — without one, machines in different zones would count different fills`;
  }
  return null;
}

function inlineKeysMessage(entry: string): string {
  return `inline keys are accepted only for a loopback apiBaseUrl (a simulator): move them into the vault with \`${vaultAddCommand(entry)}\` (it asks for the key and secret), then write "credentials": { "vault": "${entry}" }`;
}

function zodIssueFields(issue: z.core.$ZodIssue): FieldError[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({ path: formatPath([...issue.path, key]), message: 'unknown field' }));
  }
  return [{ path: formatPath(issue.path), message: issue.message }];
}

function dedupe(fields: FieldError[]): FieldError[] {
  const seen = new Set<string>();
  return fields.filter((f) => {
    const key = `${f.path}\n${f.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function listIds(ids: ReadonlySet<string>): string {
  return ids.size === 0 ? 'none (there are none)' : [...ids].map((x) => `"${x}"`).join(', ');
}

function isInstanceType(value: unknown): value is InstanceType {
  return typeof value === 'string' && (INSTANCE_TYPES as readonly string[]).includes(value);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

// ── the legacy format ─────────────────────────────────────────────────────────────────────────────

/** What the old server's file allowed: one strategy on one exchange, a name, exchange options. */
const legacySchema = z
  .object({
    version: z.literal(1).optional(),
    name: z.string().optional(),
    strategy: z.enum(['fixed_spread', 'funding_rate']),
    symbol: z.string().min(3).optional(),
    symbols: z.array(z.string().min(3)).min(1).optional(),
    startTime: z.string(),
    exchange: z.union([
      z.string().min(1),
      // The old server passed other keys through to ccxt (options, timeout, …): accepted, not carried.
      z.looseObject({
        id: z.string().min(1),
        sandbox: z.boolean().optional(),
        testnet: z.boolean().optional(),
        apiBaseUrl: z.url().optional(),
        apiKey: z.string().optional(),
        secret: z.string().optional(),
        password: z.string().optional(),
        vault: z.string().optional(),
      }),
    ]),
    params: z.record(z.string(), z.unknown()).default({}),
    syncIntervalMs: z.number().int().min(250).optional(),
  })
  .strict()
  .refine((w) => w.symbol !== undefined || w.symbols !== undefined, { message: 'a legacy workspace needs "symbol"', path: ['symbol'] });

const LEGACY_ACCOUNT = 'default';

/** The old server ran one strategy on one exchange; it becomes account `default` and one live instance named after the type. */
function migrateLegacy(raw: Record<string, unknown>, options: ValidateOptions): WorkspaceCheck {
  const parsed = legacySchema.safeParse(raw);
  if (!parsed.success) return { ok: false, fields: dedupe(parsed.error.issues.flatMap(zodIssueFields)) };
  const legacy = parsed.data;
  const ex = typeof legacy.exchange === 'string' ? { id: legacy.exchange } : legacy.exchange;
  const notes: string[] = [];
  const carried = new Set(['id', 'sandbox', 'testnet', 'apiBaseUrl', 'apiKey', 'secret', 'password', 'vault']);
  const dropped = Object.keys(ex).filter((k) => !carried.has(k));
  if (dropped.length > 0) notes.push(`exchange options not carried over (the app sets ccxt's options itself): ${dropped.join(', ')}`);
  const sandbox = 'sandbox' in ex && ex.sandbox !== undefined ? ex.sandbox : 'testnet' in ex ? ex.testnet : undefined;
  const apiKey = 'apiKey' in ex ? ex.apiKey : undefined;
  const secret = 'secret' in ex ? ex.secret : undefined;
  const password = 'password' in ex ? ex.password : undefined;
  const vault = 'vault' in ex ? ex.vault : undefined;
  const apiBaseUrl = 'apiBaseUrl' in ex ? ex.apiBaseUrl : undefined;
  const credentials =
    vault !== undefined
      ? { vault }
      : apiKey !== undefined && secret !== undefined
        ? { apiKey, secret, ...(password !== undefined ? { password } : {}) }
        : undefined;
  const migrated = {
    version: 2,
    ...(legacy.name !== undefined ? { name: legacy.name } : {}),
    syncIntervalMs: legacy.syncIntervalMs ?? 5000,
    accounts: [
      {
        id: LEGACY_ACCOUNT,
        exchange: ex.id,
        ...(sandbox !== undefined ? { sandbox } : {}),
        ...(apiBaseUrl !== undefined ? { apiBaseUrl } : {}),
        ...(credentials ? { credentials } : {}),
      },
    ],
    instances: [
      {
        id: legacy.strategy,
        type: legacy.strategy,
        account: LEGACY_ACCOUNT,
        mode: 'live',
        symbols: legacy.symbols ?? [legacy.symbol],
        startTime: legacy.startTime,
        autoStart: true,
        params: legacy.params,
      },
    ],
    portfolio: { policy: 'target_weights', targets: { [legacy.strategy]: 1 } },
  };
  const checked = validateWorkspace(migrated, options);
  if (!checked.ok) {
    const exchangeField = typeof legacy.exchange === 'string' ? 'exchange' : 'exchange.id';
    return {
      ok: false,
      fields: checked.fields.map((f) => ({ ...f, path: legacyPath(f.path, exchangeField, legacy.symbol !== undefined) })),
    };
  }
  return { ok: true, workspace: checked.workspace, notes };
}

/** A mistake found in the migrated document, named by the field of the file the person wrote. */
function legacyPath(path: string, exchangeField: string, hasSymbol: boolean): string {
  const rules: [RegExp, string][] = [
    [/^accounts\[0\]\.exchange$/, exchangeField],
    [/^accounts\[0\]\.credentials/, 'exchange.apiKey'],
    [/^accounts\[0\]\.(sandbox|apiBaseUrl)/, 'exchange.$1'],
    [/^instances\[0\]\.symbols/, hasSymbol ? 'symbol' : 'symbols'],
    [/^instances\[0\]\.type$/, 'strategy'],
    [/^instances\[0\]\.(startTime|params)/, '$1'],
  ];
  for (const [pattern, replacement] of rules) if (pattern.test(path)) return path.replace(pattern, replacement);
  return path;
}
