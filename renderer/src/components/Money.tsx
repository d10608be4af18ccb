import { memo } from 'react';
import { roundMoney } from '../../../shared/totals.ts';
import { formatMoney, formatSignedMoney, moneyTone } from '../format.ts';

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

/**
 * A money figure with its unit; the tooltip carries the full value to 1e-8 (rounded at the edge like
 * the API's figures, so float noise such as −0.014672939999999999 never reaches the screen). Memoised:
 * a row re-renders when any of its figures moves, each figure only when its own value does.
 */
export const Money = memo(function Money({ value, currency, isSigned = true, isEstimated = false, detail }: MoneyProps) {
  const text = isSigned ? formatSignedMoney(value, currency) : formatMoney(value, currency);
  const tone = isSigned ? moneyTone(value) : 'zero';
  const title = [
    `${roundMoney(value)} ${currency}`,
    ...(isEstimated ? ["Estimated from the engine's own order journal (exchange unavailable)"] : []),
    ...(detail === undefined ? [] : [detail]),
  ].join('\n');
  return (
    <span className={`money money--${tone}${isEstimated ? ' money--estimated' : ''}`} title={title}>
      {text}
    </span>
  );
});
