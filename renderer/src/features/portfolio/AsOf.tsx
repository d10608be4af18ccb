import { useRef } from 'react';
import { formatTimestamp } from '../../format.ts';
import { useStoreApi, useStoreWriter, useStratdesk } from '../../store/hooks.ts';
import { LiveAge, writeAgeSince } from '../../components/LiveAge.tsx';

/** Past this the figures on screen are old enough that the trader should notice. */
const STALE_AFTER_MS = 30_000;

function writeAsOf(span: HTMLElement | null, asOf: string | null): void {
  if (span === null || asOf === null) return;
  writeAgeSince(span, Date.parse(asOf));
  const title = `Snapshot taken ${formatTimestamp(asOf)}`;
  if (span.title !== title) span.title = title;
}

/**
 * How old the figures on screen are. The age ticks on LiveAge's shared clock, written into the DOM:
 * a React state clock here made a whole commit every second on top of each delta's. Every delta moves
 * `asOf`, which is written into the age directly too (`writeAsOf`): React renders this only when a first
 * snapshot arrives.
 */
export function AsOf() {
  const hasAsOf = useStratdesk((state) => state.asOf !== null);
  const ref = useRef<HTMLSpanElement>(null);
  useStoreWriter(
    (state) => state.asOf,
    (asOf) => writeAsOf(ref.current, asOf),
  );
  const asOf = useStoreApi().getState().asOf;
  if (!hasAsOf || asOf === null) return <span className="as-of">as of —</span>;
  return (
    <LiveAge
      ref={ref}
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
