/**
 * Each strategy type's params, in one home: range, default, unit and a one-line description. The
 * workspace validation refuses what falls outside (naming the field), the engine reads its defaults
 * from here, and the window generates its params form from the same table (`STRATEGY_PARAMS`, or
 * `z.toJSONSchema(strategyParamsSchema(type))`, which carries `unit`, `default` and `description`).
 */
import { z } from 'zod';
import type { InstanceType } from './model.ts';

export type ParamUnit = 'bps' | 'fraction' | 'ms' | 'apr' | 'quote';

export interface ParamSpec {
  /** Used when the param is left out; null: nothing to fill in (the host decides, e.g. `capital`). */
  default: number | null;
  min: number;
  /** True when `min` itself is refused (a spread of 0 bps quotes nothing). */
  isMinExclusive?: boolean;
  max: number;
  isInteger?: boolean;
  unit: ParamUnit;
  description: string;
}

/** Params every strategy takes. */
export const COMMON_PARAMS = {
  capital: {
    default: null,
    min: 0,
    isMinExclusive: true,
    max: 1e12,
    unit: 'quote',
    description: 'Capital budget at the first start, in the quote currency (default: an equal share of the default allocation)',
  },
} as const satisfies Record<string, ParamSpec>;

export const STRATEGY_PARAMS = {
  fixed_spread: {
    spreadBps: {
      default: 20,
      min: 0,
      isMinExclusive: true,
      max: 10_000,
      unit: 'bps',
      description: 'Full bid–ask spread around mid',
    },
    requoteBps: {
      default: 5,
      min: 0,
      isMinExclusive: true,
      max: 10_000,
      unit: 'bps',
      description: 'Re-quote when a quote is this far from where it should be',
    },
    orderFraction: {
      default: 0.02,
      min: 0,
      isMinExclusive: true,
      max: 0.5,
      unit: 'fraction',
      description: "Each quote's value as a share of the capital budget",
    },
    maxInventoryFraction: {
      default: 0.25,
      min: 0,
      isMinExclusive: true,
      max: 1,
      unit: 'fraction',
      description: 'Largest inventory as a share of the capital budget; past it the side that adds to it stops',
    },
    skew: {
      default: 0.5,
      min: 0,
      max: 1,
      unit: 'fraction',
      description: 'How far quotes lean against inventory at the limit, as a share of the half spread (0 = none)',
    },
    intervalMs: { default: 1000, min: 100, max: 3_600_000, isInteger: true, unit: 'ms', description: 'Time between steps' },
  },
  funding_rate: {
    entryApr: {
      default: 0.1,
      min: 0,
      max: 100,
      unit: 'apr',
      description: 'Enter when annualised funding is at least this (0.1 = 10 %/year)',
    },
    exitApr: {
      default: 0.02,
      min: -10,
      max: 100,
      unit: 'apr',
      description: 'Exit when annualised funding falls below this; must be below the entry threshold',
    },
    legFraction: {
      default: 0.4,
      min: 0,
      isMinExclusive: true,
      max: 0.5,
      unit: 'fraction',
      description: "Each leg's notional as a share of the capital budget",
    },
    maxImbalance: {
      default: 0.05,
      min: 0,
      max: 1,
      unit: 'fraction',
      description: 'Re-hedge when |perpetual + spot| / spot exceeds this',
    },
    fundingIntervalMs: {
      default: 8 * 3_600_000,
      min: 1000,
      max: 7 * 86_400_000,
      isInteger: true,
      unit: 'ms',
      description: 'Funding interval when the exchange does not say (8 h on Binance and Bybit)',
    },
    slippageBps: {
      default: 20,
      min: 0,
      max: 1000,
      unit: 'bps',
      description: 'How far past the touch a taking order may go',
    },
    intervalMs: { default: 5000, min: 100, max: 3_600_000, isInteger: true, unit: 'ms', description: 'Time between steps' },
  },
} as const satisfies Record<InstanceType, Record<string, ParamSpec>>;

export type StrategyParamValues<T extends InstanceType> = { -readonly [K in keyof (typeof STRATEGY_PARAMS)[T]]: number };

/** Every param a type takes (its own and the common ones), in form order. */
export function paramSpecs(type: InstanceType): [string, ParamSpec][] {
  return [...Object.entries(STRATEGY_PARAMS[type]), ...Object.entries(COMMON_PARAMS)];
}

const UNIT_WORDS: Record<ParamUnit, string> = {
  bps: ' bps',
  fraction: ' (a share: 0.5 = 50 %)',
  ms: ' ms',
  apr: ' (a yearly rate: 0.1 = 10 %)',
  quote: ' in the quote currency',
};

/** "a number above 0, up to 10000 bps": the one wording of a param's range. */
export function describeRange(spec: ParamSpec): string {
  const kind = spec.isInteger === true ? 'a whole number' : 'a number';
  const range = spec.isMinExclusive === true ? `above ${spec.min}, up to ${spec.max}` : `from ${spec.min} to ${spec.max}`;
  return `${kind} ${range}${UNIT_WORDS[spec.unit]}`;
}

function fieldSchema(spec: ParamSpec): z.ZodType<number | undefined> {
  // One message for any way a value misses (wrong type, out of range): it names the whole range.
  const error = `must be ${describeRange(spec)}`;
  let n = spec.isInteger === true ? z.int({ error }) : z.number({ error });
  n = spec.isMinExclusive === true ? n.gt(spec.min, { error }) : n.min(spec.min, { error });
  n = n.max(spec.max, { error });
  return n.optional().meta({ unit: spec.unit, description: spec.description, ...(spec.default !== null ? { default: spec.default } : {}) });
}

const schemas = new Map<InstanceType, z.ZodType<Record<string, number | undefined>>>();

/**
 * A type's params as written in the workspace: strict (an unknown param is refused), every value in
 * range, nothing filled in (the file keeps what its author wrote).
 */
export function strategyParamsSchema(type: InstanceType): z.ZodType<Record<string, number | undefined>> {
  let schema = schemas.get(type);
  if (schema === undefined) {
    const shape = Object.fromEntries(paramSpecs(type).map(([key, spec]) => [key, fieldSchema(spec)]));
    const object = z.strictObject(shape);
    schema =
      type === 'funding_rate'
        ? object.superRefine((p, ctx) => {
            const entry = p['entryApr'] ?? STRATEGY_PARAMS.funding_rate.entryApr.default;
            const exit = p['exitApr'] ?? STRATEGY_PARAMS.funding_rate.exitApr.default;
            if (exit >= entry)
              ctx.addIssue({ code: 'custom', path: ['exitApr'], message: `must be below entryApr (${entry}): it would exit as it enters` });
          })
        : object;
    schemas.set(type, schema);
  }
  return schema;
}

/**
 * The values a strategy runs with: each param as written, else its default. Params reach the engine
 * validated; a value that did not (a caller that skipped validation) is never trusted: below the
 * range or not a number → the default, above it → the top of the range.
 */
export function resolveStrategyParams<T extends InstanceType>(type: T, params: Record<string, unknown>): StrategyParamValues<T> {
  const out: Record<string, number> = {};
  for (const [key, spec] of Object.entries(STRATEGY_PARAMS[type]) as [string, ParamSpec][]) {
    const v = params[key];
    const fallback = spec.default ?? spec.min;
    const isAboveMin = typeof v === 'number' && (spec.isMinExclusive === true ? v > spec.min : v >= spec.min);
    out[key] = typeof v === 'number' && Number.isFinite(v) && isAboveMin ? Math.min(v, spec.max) : fallback;
  }
  return out as StrategyParamValues<T>;
}
