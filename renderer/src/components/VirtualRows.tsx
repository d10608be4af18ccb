import { useLayoutEffect, useRef, useState, type ReactNode } from 'react';

/** Which rows a window of `height` px scrolled to `scrollTop` shows, with `overscan` rows either side. */
export function visibleRange(
  count: number,
  rowHeight: number,
  height: number,
  scrollTop: number,
  overscan = 8,
): { start: number; end: number } {
  if (count === 0) return { start: 0, end: 0 };
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const start = Math.max(0, first - overscan);
  const end = Math.min(count, first + Math.ceil(height / rowHeight) + overscan);
  return { start, end };
}

interface VirtualRowsProps {
  count: number;
  /** Fixed row height in px (the stylesheet gives rows the same height). */
  rowHeight: number;
  /** Viewport height in px (also set by the stylesheet on the scroller). */
  height: number;
  renderRow: (index: number) => ReactNode;
  testId?: string;
  label: string;
}

/**
 * A windowed list: only the rows in view (plus a few) are in the DOM, so thousands of fills scroll
 * without jank. Spacers above and below keep the scrollbar honest; their heights are set through
 * the CSSOM (our CSP forbids style attributes, not CSSOM writes).
 */
export function VirtualRows({ count, rowHeight, height, renderRow, testId, label }: VirtualRowsProps) {
  const [scrollTop, setScrollTop] = useState(0);
  const topRef = useRef<HTMLDivElement>(null);
  const bottomRef = useRef<HTMLDivElement>(null);
  const { start, end } = visibleRange(count, rowHeight, height, scrollTop);
  useLayoutEffect(() => {
    if (topRef.current) topRef.current.style.height = `${start * rowHeight}px`;
    if (bottomRef.current) bottomRef.current.style.height = `${(count - end) * rowHeight}px`;
  }, [start, end, count, rowHeight]);
  const rows: ReactNode[] = [];
  for (let i = start; i < end; i++) rows.push(renderRow(i));
  return (
    <div
      className="vlist"
      role="rowgroup"
      aria-label={label}
      aria-rowcount={count}
      data-testid={testId}
      data-count={count}
      data-rendered={end - start}
      tabIndex={0}
      onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
    >
      <div ref={topRef} aria-hidden="true" />
      {rows}
      <div ref={bottomRef} aria-hidden="true" />
    </div>
  );
}
