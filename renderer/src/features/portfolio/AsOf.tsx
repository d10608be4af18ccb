import { formatTimestamp } from '../../format.ts';
import { useStratdesk } from '../../store/hooks.ts';
import { LiveAge } from '../../components/LiveAge.tsx';

/** Past this the figures on screen are old enough that the trader should notice. */
const STALE_AFTER_MS = 30_000;

/**
 * How old the figures on screen are. The age ticks on LiveAge's shared clock, written into the DOM:
 * a React state clock here made a whole commit every second on top of each delta's.
 */
export function AsOf() {
  const asOf = useStratdesk((state) => state.asOf);
  if (asOf === null) return <span className="as-of">as of —</span>;
  return (
    <LiveAge
      since={Date.parse(asOf)}
      prefix="as of "
      oldAfterMs={STALE_AFTER_MS}
      className="as-of"
      oldClassName="as-of--old"
      testId="as-of"
      title={`Snapshot taken ${formatTimestamp(asOf)}`}
    />
  );
}
