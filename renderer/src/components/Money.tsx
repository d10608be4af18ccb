import { memo } from 'react';
import { roundMoney } from '../../../shared/totals.ts';
import { formatMoney, signedMoneyParts } from '../format.ts';
import { setText } from './setText.ts';

interface MoneyProps {
  value: number;
  currency: string;
  /** Signed figures (PnL, moves) get "+"/"−" and colour; balances do not. */
  isSigned?: boolean;
  /** The figure came from the engine's journal, not the exchange (DESIGN.md, "Sync"). */
  isEstimated?: boolean;
  /** Extra tooltip lines, e.g. how a total breaks down. */
  detail?: string;
}

/** What a money figure shows: its text and its class (tone). One home for the component and `writeMoney`. */
function moneyFace({ value, currency, isSigned = true, isEstimated = false }: MoneyProps): { text: string; className: string } {
  const { text, tone } = isSigned ? signedMoneyParts(value, currency) : { text: formatMoney(value, currency), tone: 'zero' };
  return { text, className: `money money--${tone}${isEstimated ? ' money--estimated' : ''}` };
}

/** A money figure's tooltip: the full value to 1e-8, where it came from, and the caller's detail. */
function moneyTitle({ value, currency, isEstimated = false, detail }: MoneyProps): string {
  return [
    `${roundMoney(value)} ${currency}`,
    ...(isEstimated ? ["Estimated from the engine's own order journal (exchange unavailable)"] : []),
    ...(detail === undefined ? [] : [detail]),
  ].join('\n');
}

/**
 * A money figure with its unit; the tooltip carries the full value to 1e-8 (rounded at the edge like
 * the API's figures, so float noise such as −0.014672939999999999 never reaches the screen). Memoised:
 * a row re-renders when any of its figures moves, each figure only when its own value does.
 */
export const Money = memo(function Money(props: MoneyProps) {
  const { text, className } = moneyFace(props);
  return (
    <span className={className} title={moneyTitle(props)}>
      {text}
    </span>
  );
});

/**
 * The same figure written into a `<Money>` span already on screen (see `useStoreWriter`); each part only
 * if it changed, since an unchanged text node replaced still costs style and layout. The tooltip only
 * `withTitle` (its row is under the pointer or holds the focus): nobody reads the other tooltips, and a
 * screen of them rewritten every second was most of the attribute writes. The row writes them all when
 * the pointer or the focus enters it.
 */
export function writeMoney(span: Element | null | undefined, props: MoneyProps, withTitle: boolean): void {
  if (span === null || span === undefined) return;
  const { text, className } = moneyFace(props);
  setText(span, text);
  if (span.className !== className) span.className = className;
  if (withTitle) {
    const title = moneyTitle(props);
    if (span.getAttribute('title') !== title) span.setAttribute('title', title);
  }
}
