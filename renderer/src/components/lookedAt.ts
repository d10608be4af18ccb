import type { FocusEvent, PointerEvent } from 'react';

/**
 * Elements under the pointer or holding the focus, tracked by their events: the table's writers ask once
 * per row per delta whether to write tooltips, and a set answers without the style engine (`:hover`
 * matching). Weak: a row unmounted under the pointer does not stay here.
 */
const looked = new WeakSet<Element>();

export function isLookedAt(element: Element | null | undefined): boolean {
  return element !== null && element !== undefined && looked.has(element);
}

/** Handlers that keep `isLookedAt` true while the pointer is on the element or the focus inside it; `onLook` as either arrives. */
export function lookHandlers(onLook: () => void) {
  return {
    onPointerEnter: (event: PointerEvent<Element>): void => {
      looked.add(event.currentTarget);
      onLook();
    },
    onPointerLeave: (event: PointerEvent<Element>): void => {
      if (!event.currentTarget.contains(event.currentTarget.ownerDocument.activeElement)) looked.delete(event.currentTarget);
    },
    onFocus: (event: FocusEvent<Element>): void => {
      looked.add(event.currentTarget);
      onLook();
    },
    onBlur: (event: FocusEvent<Element>): void => {
      if (!event.currentTarget.contains(event.relatedTarget as Node | null) && !event.currentTarget.matches(':hover'))
        looked.delete(event.currentTarget);
    },
  };
}
