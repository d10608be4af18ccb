/**
 * Display formatting for money, counts, weights and times.
 *
 * Money is shown the way a trader reads a blotter: fixed decimals, thousands grouped, an explicit
 * sign on signed figures (a real minus sign, U+2212, so columns line up with "+"), and the unit on
 * every figure. The sign and the colour are both decided from the *rounded* text, so a value that
 * displays as "0.00" is never painted red or green.
 */

/** U+2212: the same width as "+" in tabular fonts, unlike the hyphen. */
export const MINUS = '\u2212';

/** Shown in place of a figure that is not a finite number; better than "NaN USDT" on a trading screen. */
export const NOT_A_FIGURE = '\u2014';

export type Tone = 'pos' | 'neg' | 'zero';

const formatters = new Map<number, Intl.NumberFormat>();

// Fixed locale: a blotter whose decimal separator changes with the OS locale is easy to misread,
// and tests need a stable output.
function amountFormatter(decimals: number): Intl.NumberFormat {
  let formatter = formatters.get(decimals);
  if (formatter === undefined) {
    formatter = new Intl.NumberFormat('en-US', {
      minimumFractionDigits: decimals,
      maximumFractionDigits: decimals,
      useGrouping: true,
    });
    formatters.set(decimals, formatter);
  }
  return formatter;
}

interface RoundedAmount {
  /** Absolute value, rounded and grouped, e.g. "1,234.56". */
  digits: string;
  tone: Tone;
}

function roundAmount(value: number, decimals: number): RoundedAmount {
  const digits = amountFormatter(decimals).format(Math.abs(value));
  // Decide zero from the text Intl produced, so our idea of "zero" and its rounding never disagree.
  const isZero = !/[1-9]/.test(digits);
  return { digits, tone: isZero ? 'zero' : value > 0 ? 'pos' : 'neg' };
}

export interface MoneyOptions {
  /** Fraction digits; 2 unless the caller knows better. */
  decimals?: number;
}

/** "+12.34 USDT", "−5.00 USDT", "0.00 USDT". For PnL, funding, moves: anything with a direction. */
export function formatSignedMoney(value: number, currency: string, options: MoneyOptions = {}): string {
  return signedMoneyParts(value, currency, options).text;
}

/** `formatSignedMoney` and `moneyTone` from one rounding: figures redrawn every second need both. */
export function signedMoneyParts(value: number, currency: string, options: MoneyOptions = {}): { text: string; tone: Tone } {
  if (!Number.isFinite(value)) return { text: `${NOT_A_FIGURE} ${currency}`, tone: 'zero' };
  const { digits, tone } = roundAmount(value, options.decimals ?? 2);
  const sign = tone === 'pos' ? '+' : tone === 'neg' ? MINUS : '';
  return { text: `${sign}${digits} ${currency}`, tone };
}

/** "1,234.56 USDT", "−3.00 USDT". For balances and budgets, where "+" would be noise. */
export function formatMoney(value: number, currency: string, options: MoneyOptions = {}): string {
  if (!Number.isFinite(value)) return `${NOT_A_FIGURE} ${currency}`;
  const { digits, tone } = roundAmount(value, options.decimals ?? 2);
  return `${tone === 'neg' ? MINUS : ''}${digits} ${currency}`;
}

/** The colour class a figure gets, from its rounded value. */
export function moneyTone(value: number, options: MoneyOptions = {}): Tone {
  if (!Number.isFinite(value)) return 'zero';
  return roundAmount(value, options.decimals ?? 2).tone;
}

/** Fees are stored + = paid; on screen they show as their effect on PnL (paid is a loss). */
export function feesAsPnl(fees: number): number {
  // `0 - fees` rather than `-fees`, so no fees stays +0 and never shows as a negative zero.
  return 0 - fees;
}

/** Integer counts: "1,234". */
export function formatCount(value: number): string {
  if (!Number.isFinite(value)) return NOT_A_FIGURE;
  return amountFormatter(0).format(value);
}

/** A weight in [0, 1] as "50.0%"; null (no target) as an em dash. */
export function formatWeight(weight: number | null, decimals = 1): string {
  if (weight === null || !Number.isFinite(weight)) return NOT_A_FIGURE;
  return `${amountFormatter(decimals).format(weight * 100)}%`;
}

/** "4s ago", "2m 05s ago", "3h 07m ago", "2d 5h ago". Negative ages (clock skew) read as "0s ago". */
export function formatAge(ms: number): string {
  if (!Number.isFinite(ms)) return NOT_A_FIGURE;
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 60) return `${seconds}s ago`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${pad2(seconds % 60)}s ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours}h ${pad2(minutes % 60)}m ago`;
  return `${Math.floor(hours / 24)}d ${hours % 24}h ago`;
}

/**
 * "2026-11-20 12:34:56 UTC". Exchanges and logs speak UTC; showing local time in tooltips would make
 * the trader convert when comparing with an exchange's history page.
 */
export function formatTimestamp(iso: string | null): string {
  if (iso === null) return 'never';
  const time = Date.parse(iso);
  if (Number.isNaN(time)) return iso;
  return `${new Date(time).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

function pad2(value: number): string {
  return value.toString().padStart(2, '0');
}
