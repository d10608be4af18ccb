/**
 * Number helpers. Binance keeps 8 decimals on every asset and quotes every number as a string with
 * exactly 8 decimals; doing the same here keeps float drift out of balances and lets ccxt parse the
 * payloads exactly as it parses the real exchange's.
 */

const SCALE = 1e8;

/** Round to Binance's 8 decimals; snapping after every balance update keeps sums exact-looking. */
export function round8(value: number): number {
  const rounded = Math.round(value * SCALE) / SCALE;
  return Object.is(rounded, -0) ? 0 : rounded;
}

/** Binance's wire format for prices, quantities and balances: "68000.01000000". */
export function fmt8(value: number): string {
  return round8(value).toFixed(8);
}

/** True when `value` is a whole number of `step`s (within float noise). */
export function isMultipleOf(value: number, step: number): boolean {
  const units = value / step;
  return Math.abs(units - Math.round(units)) < 1e-6;
}

export function floorToStep(value: number, step: number): number {
  return round8(Math.floor(value / step + 1e-9) * step);
}

export function ceilToStep(value: number, step: number): number {
  return round8(Math.ceil(value / step - 1e-9) * step);
}

export function roundToStep(value: number, step: number): number {
  return round8(Math.round(value / step) * step);
}

/** Binance's numeric-parameter grammar; anything else is "Illegal characters found in parameter". */
const DECIMAL_PATTERN = /^([0-9]{1,20})(\.[0-9]{1,20})?$/;

export function parseDecimal(text: string): number | undefined {
  if (!DECIMAL_PATTERN.test(text)) return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}
