import { formatAge, formatTimestamp } from '../../format.ts';
import { useStratdesk } from '../../store/hooks.ts';
import { useNow } from '../../components/useNow.ts';

/** Past this the figures on screen are old enough that the trader should notice. */
const STALE_AFTER_MS = 30_000;

/** The one component that ticks every second; it holds the clock so the table does not. */
export function AsOf() {
  const asOf = useStratdesk((state) => state.asOf);
  const now = useNow(1000);
  if (asOf === null) return <span className="as-of">as of —</span>;
  const age = now - Date.parse(asOf);
  const isOld = Number.isFinite(age) && age > STALE_AFTER_MS;
  return (
    <span className={`as-of${isOld ? ' as-of--old' : ''}`} data-testid="as-of" title={`Snapshot taken ${formatTimestamp(asOf)}`}>
      as of {formatAge(age)}
    </span>
  );
}
