import { useLayoutEffect } from 'react';

/**
 * Keeps the keyboard focus across a commit that moves or removes the focused element inside a container.
 * React reorders keyed rows by moving their DOM, and Chromium blurs a focused element its row was moved
 * with (to <body>, where the grid's arrow keys no longer work); a commit can also remove the focused
 * button itself (Pause becomes Resume). Moved: it is focused again (it is the same strategy's button);
 * removed: `fallback` gets the focus.
 *
 * The focus is read during render on purpose: that is the focus before the commit changes the DOM. The
 * blur a move causes fires events like a user's click elsewhere, so the events cannot tell them apart;
 * the render and its commit run in one task, with no user input between them.
 */
export function useFocusKept(
  findContainer: () => HTMLElement | null,
  fallback: (container: HTMLElement | null) => HTMLElement | null,
): void {
  const container = typeof document === 'undefined' ? null : findContainer();
  const active = container?.ownerDocument.activeElement ?? null;
  const before = container !== null && active instanceof HTMLElement && active !== container && container.contains(active) ? active : null;
  useLayoutEffect(() => {
    if (before === null) return;
    const doc = before.ownerDocument;
    const now = doc.activeElement;
    // Still focused, or the focus went somewhere on purpose (a dialog this commit opened).
    if (now === before || (now !== null && now !== doc.body)) return;
    if (before.isConnected) before.focus({ preventScroll: true });
    else fallback(findContainer())?.focus({ preventScroll: true });
  });
}
