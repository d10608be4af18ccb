import { useEffect, useRef, type RefObject } from 'react';
import { formatAge } from '../format.ts';
import { setText } from './setText.ts';

/**
 * One shared 1 s clock for every age on screen. Ages are written straight into their text nodes
 * instead of through React state: 200 rows each showing "4s ago" would otherwise make React commit
 * 200 rows every second, and the table's promise is that a row re-renders only when its shape changes.
 */
const tickers = new Set<() => void>();
let timer: ReturnType<typeof setInterval> | null = null;

function subscribe(tick: () => void): () => void {
  tickers.add(tick);
  if (timer === null) timer = setInterval(() => tickers.forEach((t) => t()), 1000);
  return () => {
    tickers.delete(tick);
    if (tickers.size === 0 && timer !== null) {
      clearInterval(timer);
      timer = null;
    }
  };
}

/** Each mounted age's current start, by its span, so a row's direct writer can move it (`writeAgeSince`). */
const ages = new WeakMap<Element, { since: number | null; tick: () => void }>();

/** A new start for an age on screen (a row's fresh sync), shown at once rather than at the next tick. */
export function writeAgeSince(span: Element | null | undefined, since: number | null): void {
  const age = span === null || span === undefined ? undefined : ages.get(span);
  if (age === undefined || age.since === since) return;
  age.since = since;
  age.tick();
}

interface LiveAgeProps {
  /** Milliseconds since epoch; null shows `never`. */
  since: number | null;
  /** Past this age the text gets `age--old` (greyed/amber by CSS). */
  oldAfterMs?: number;
  /** Younger than this, nothing is shown: a fresh figure needs no age, and 200 ticking cells cost a relayout a second. */
  hideBelowMs?: number;
  prefix?: string;
  /** The span's own class and the one it gets past `oldAfterMs` (the header's "as of" styles itself). */
  className?: string;
  oldClassName?: string;
  testId?: string;
  title?: string;
  /** The span, for a caller that moves its start directly (`writeAgeSince`). */
  ref?: RefObject<HTMLSpanElement | null>;
}

function ageText(since: number | null, prefix: string, hideBelowMs: number): string {
  if (since === null) return `${prefix}never`;
  const age = Date.now() - since;
  return age < hideBelowMs ? '' : `${prefix}${formatAge(age)}`;
}

export function LiveAge({
  since,
  oldAfterMs = 30_000,
  hideBelowMs = 0,
  prefix = '',
  className = 'age',
  oldClassName = 'age--old',
  testId = 'age',
  title,
  ref: outerRef,
}: LiveAgeProps) {
  const ownRef = useRef<HTMLSpanElement>(null);
  const ref = outerRef ?? ownRef;
  useEffect(() => {
    const el = ref.current;
    if (el === null) return;
    const age = { since, tick: () => {} };
    age.tick = (): void => {
      // Write only what changed: an unchanged text node still costs style and layout when replaced.
      const text = ageText(age.since, prefix, hideBelowMs);
      setText(el, text);
      const isOld = age.since === null || Date.now() - age.since > oldAfterMs;
      if (el.classList.contains(oldClassName) !== isOld) el.classList.toggle(oldClassName, isOld);
    };
    ages.set(el, age);
    age.tick();
    const unsubscribe = subscribe(() => age.tick());
    return () => {
      unsubscribe();
      ages.delete(el);
    };
  }, [ref, since, oldAfterMs, hideBelowMs, prefix, oldClassName]);
  // Server rendering (tests) and the first paint get the text at render time.
  return (
    <span ref={ref} className={className} data-testid={testId} title={title}>
      {ageText(since, prefix, hideBelowMs)}
    </span>
  );
}
