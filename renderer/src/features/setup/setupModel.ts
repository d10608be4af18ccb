/**
 * Set-up in the window: the workspace document as a draft the trader edits, and the checks that run
 * before anything is sent. The host validates the whole document again (and is the authority); these
 * catch what can be caught here, with the same wording where a rule has one home in shared/ (params).
 * Paths name fields the way the host's `error.fields[]` does: `instances[1].params.spreadBps`.
 */
import type { FieldError } from '../../../../shared/contract.ts';
import type { InstanceMode, InstanceType, WorkspaceDocument } from '../../../../shared/model.ts';
import { paramSpecs, strategyParamsSchema } from '../../../../shared/strategyParams.ts';

export type DraftAccount = WorkspaceDocument['accounts'][number];
export type DraftInstance = WorkspaceDocument['instances'][number];

/** Same rule as the contract's ids: letters, digits, dot, dash and underscore, at most 64. */
const ID = /^[A-Za-z0-9._-]{1,64}$/;
/** `2026-11-20T00:00:00Z`, `2026-11-20T09:00+09:00`: a date, a time and a zone. */
const ZONED_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/i;
/** Targets add up to 1 within this (the host's tolerance). */
export const TARGET_SUM_TOLERANCE = 1e-6;

/** Every mistake in the draft, each naming its field; [] when the host may be asked. */
export function checkDraft(doc: WorkspaceDocument): FieldError[] {
  const errors: FieldError[] = [];
  const add = (path: string, message: string): void => void errors.push({ path, message });
  if (doc.accounts.length === 0) add('accounts', 'add at least one account');
  const accountIds = new Set<string>();
  doc.accounts.forEach((a, i) => {
    if (!ID.test(a.id)) add(`accounts[${i}].id`, 'use 1–64 letters, digits, dot, dash or underscore');
    else if (accountIds.has(a.id)) add(`accounts[${i}].id`, `"${a.id}" is used by another account`);
    accountIds.add(a.id);
    if (a.exchange.trim() === '') add(`accounts[${i}].exchange`, 'choose an exchange');
    if (a.apiBaseUrl !== undefined && !/^https?:\/\/\S+$/.test(a.apiBaseUrl))
      add(`accounts[${i}].apiBaseUrl`, 'must be an http(s) address');
  });
  const instanceIds = new Set<string>();
  doc.instances.forEach((inst, i) => {
    const at = `instances[${i}]`;
    if (!ID.test(inst.id)) add(`${at}.id`, 'use 1–64 letters, digits, dot, dash or underscore');
    else if (instanceIds.has(inst.id)) add(`${at}.id`, `"${inst.id}" is used by another instance`);
    instanceIds.add(inst.id);
    if (!accountIds.has(inst.account)) add(`${at}.account`, inst.account === '' ? 'choose an account' : `no account "${inst.account}"`);
    if (inst.symbols.length === 0) add(`${at}.symbols`, 'choose at least one symbol');
    if (inst.type === 'funding_rate' && inst.symbols.length !== 2)
      add(`${at}.symbols`, 'a funding arbitrage takes two symbols: the spot and its perpetual');
    if (!ZONED_TIME.test(inst.startTime) || Number.isNaN(Date.parse(inst.startTime)))
      add(`${at}.startTime`, 'must be a date and time with a zone, like 2026-11-20T00:00:00Z');
    const parsed = strategyParamsSchema(inst.type).safeParse(inst.params);
    if (!parsed.success) {
      const takes = paramSpecs(inst.type)
        .map(([k]) => k)
        .join(', ');
      for (const issue of parsed.error.issues) {
        // An unknown param is named in its own field, as the host does, with what the type takes.
        const keys = issue.code === 'unrecognized_keys' ? issue.keys : [issue.path.map(String).join('.')];
        const message = issue.code === 'unrecognized_keys' ? `unknown param for ${inst.type} (it takes ${takes})` : issue.message;
        for (const key of keys) add(key === '' ? `${at}.params` : `${at}.params.${key}`, message);
      }
    }
  });
  const targets = Object.entries(doc.portfolio.targets);
  for (const [id, weight] of targets) {
    if (!instanceIds.has(id)) add(`portfolio.targets.${id}`, `names no instance`);
    else if (!Number.isFinite(weight) || weight < 0 || weight > 1) add(`portfolio.targets.${id}`, 'must be a share from 0 to 1');
  }
  const sum = targetSum(doc.portfolio.targets);
  if (targets.length > 0 && Math.abs(sum - 1) > TARGET_SUM_TOLERANCE)
    add('portfolio.targets', `must add up to 1 (100 %); they add up to ${formatShare(sum)}`);
  return errors;
}

export function targetSum(targets: Readonly<Record<string, number>>): number {
  return Object.values(targets).reduce((sum, w) => sum + (Number.isFinite(w) ? w : 0), 0);
}

/** 0.3333 → "33.33 %". */
export function formatShare(weight: number): string {
  return `${Number((weight * 100).toFixed(4))} %`;
}

/**
 * Equal shares that add up to exactly 1: each rounded to 1e-6, the last one takes the remainder, so
 * three instances get 0.333333, 0.333333 and 0.333334 rather than a sum of 0.999999.
 */
export function equalShares(ids: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  if (ids.length === 0) return out;
  const each = Math.floor(1e6 / ids.length) / 1e6;
  ids.forEach((id, i) => (out[id] = i === ids.length - 1 ? Number((1 - each * (ids.length - 1)).toFixed(6)) : each));
  return out;
}

/** The errors for one path and, with `isPrefix`, everything under it. */
export function errorsAt(errors: readonly FieldError[], path: string, isPrefix = false): string[] {
  return errors.filter((e) => e.path === path || (isPrefix && e.path.startsWith(`${path}.`))).map((e) => e.message);
}

/** A fresh id not used yet: "mm-btc" → "mm-btc-2". */
export function freshId(base: string, taken: Iterable<string>): string {
  const used = new Set(taken);
  if (!used.has(base)) return base;
  for (let n = 2; ; n += 1) if (!used.has(`${base}-${n}`)) return `${base}-${n}`;
}

export function newInstance(doc: WorkspaceDocument, type: InstanceType = 'fixed_spread', now = Date.now()): DraftInstance {
  return {
    id: freshId(
      type === 'fixed_spread' ? 'mm' : 'arb',
      doc.instances.map((i) => i.id),
    ),
    type,
    account: doc.accounts[0]?.id ?? '',
    mode: 'paper' satisfies InstanceMode,
    symbols: [],
    // From now on: an instance owns its symbols' fills from its start time; earlier ones are someone else's.
    startTime: new Date(Math.floor(now / 60_000) * 60_000).toISOString().replace('.000Z', 'Z'),
    params: {},
  };
}

/** A copy under a new id; its own start time (now), so the two never claim each other's fills. */
export function cloneInstance(doc: WorkspaceDocument, source: DraftInstance, now = Date.now()): DraftInstance {
  return {
    ...structuredClone(source),
    id: freshId(
      source.id,
      doc.instances.map((i) => i.id),
    ),
    startTime: newInstance(doc, source.type, now).startTime,
  };
}

/** Removes an instance and its target (a target naming no instance is refused). */
export function removeInstance(doc: WorkspaceDocument, index: number): WorkspaceDocument {
  const gone = doc.instances[index];
  if (gone === undefined) return doc;
  const targets = { ...doc.portfolio.targets };
  delete targets[gone.id];
  return { ...doc, instances: doc.instances.filter((_, i) => i !== index), portfolio: { ...doc.portfolio, targets } };
}

/** Renames an instance's target with it. */
export function renameInstance(doc: WorkspaceDocument, index: number, id: string): WorkspaceDocument {
  const old = doc.instances[index];
  if (old === undefined) return doc;
  const targets: Record<string, number> = {};
  for (const [k, w] of Object.entries(doc.portfolio.targets)) targets[k === old.id ? id : k] = w;
  const instances = doc.instances.map((inst, i) => (i === index ? { ...inst, id } : inst));
  return { ...doc, instances, portfolio: { ...doc.portfolio, targets } };
}

/**
 * A param's input as the document value: '' leaves the param out (its default applies); anything else
 * is a number, or kept as the text so the check names it (never silently dropped).
 */
export function paramValue(text: string): number | string | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : t;
}

export function setParam(inst: DraftInstance, key: string, text: string): DraftInstance {
  const params = { ...inst.params };
  const value = paramValue(text);
  if (value === undefined) delete params[key];
  else params[key] = value;
  return { ...inst, params };
}

/** Switching type keeps only the params the new type also takes. */
export function setType(inst: DraftInstance, type: InstanceType): DraftInstance {
  const keys = new Set(paramSpecs(type).map(([k]) => k));
  const params = Object.fromEntries(Object.entries(inst.params).filter(([k]) => keys.has(k)));
  return { ...inst, type, params };
}

/** Splits a start time into what the inputs show: the local date-time part and its zone ("Z", "+09:00"). */
export function splitStartTime(startTime: string): { local: string; zone: string } {
  const m = /^(.*?)(Z|[+-]\d{2}:\d{2})$/i.exec(startTime);
  if (m === null) return { local: startTime.slice(0, 19), zone: 'Z' };
  return { local: (m[1] ?? '').slice(0, 19), zone: (m[2] ?? 'Z').toUpperCase() };
}

export function joinStartTime(local: string, zone: string): string {
  const withSeconds = /T\d{2}:\d{2}$/.test(local) ? `${local}:00` : local;
  return `${withSeconds}${zone}`;
}

/** What an apply did, in one line per kind: "started mm-2; restarted mm-1". */
export function appliedSummary(applied: { started: string[]; stopped: string[]; restarted: string[]; unchanged: string[] }): string {
  const parts = (['started', 'stopped', 'restarted'] as const)
    .filter((k) => applied[k].length > 0)
    .map((k) => `${k} ${applied[k].join(', ')}`);
  return parts.length === 0 ? 'no instance started, stopped or restarted' : parts.join('; ');
}

/** The document the host handed out, made safe to edit: optional parts filled so the forms can bind to them. */
export function toDraft(doc: WorkspaceDocument): WorkspaceDocument {
  return structuredClone({ ...doc, portfolio: { policy: doc.portfolio.policy, targets: { ...doc.portfolio.targets } } });
}
