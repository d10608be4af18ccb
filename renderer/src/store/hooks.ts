/**
 * React access to the store and the app's commands. Both come from context rather than module
 * singletons so the same components render against a test store with a fake transport.
 */
import { createContext, useContext, useLayoutEffect, useRef } from 'react';
import { useStore } from 'zustand';
import type { AppCommands } from '../commands.ts';
import { timeWrite } from '../profiling.ts';
import { isShallowEqual } from '../sameValue.ts';
import type { StratdeskState, StratdeskStore } from './index.ts';

export interface AppServices {
  store: StratdeskStore;
  commands: AppCommands;
}

export const AppServicesContext = createContext<AppServices | null>(null);

function useServices(): AppServices {
  const services = useContext(AppServicesContext);
  if (services === null) throw new Error('AppServicesContext is missing: wrap the app in its provider');
  return services;
}

/**
 * Select one value from the store; the component re-renders only when that value changes (Object.is).
 * For arrays or objects built in the selector, use `useStratdeskShallow`.
 */
export function useStratdesk<T>(selector: (state: StratdeskState) => T): T {
  return useStore(useServices().store, selector);
}

/**
 * `useStratdesk` for a selector that builds an array or a plain object: the component gets the same
 * object back, and re-renders only, when an element or a field changed (`isShallowEqual`). Like
 * zustand's `useShallow`, without its allocations: this runs for every row on screen on every store change.
 */
export function useStratdeskShallow<T>(selector: (state: StratdeskState) => T): T {
  const previous = useRef<{ value: T } | null>(null);
  return useStratdesk((state) => {
    const next = selector(state);
    if (previous.current !== null && isShallowEqual(previous.current.value, next)) return previous.current.value;
    previous.current = { value: next };
    return next;
  });
}

export function useCommands(): AppCommands {
  return useServices().commands;
}

/** The store itself, for event handlers that read state without subscribing to it. */
export function useStoreApi(): StratdeskStore {
  return useServices().store;
}

/**
 * Writes a selected value straight into the DOM, outside React: for figures that change on every delta
 * in rows whose shape does not (the strategies table), so a second of 200 moving figures costs a few
 * text writes instead of re-rendering every row on screen.
 *
 * The calling component must also render the same value itself (server markup and the first paint have
 * it), and `write` must set everything the render sets from it. `write` then runs after every commit of
 * the component and on every store change that changes the selection (Object.is), so the DOM always
 * holds the store's current value: a later render whose diff finds "nothing changed" against React's own
 * older props cannot leave an older figure behind, because the write after that commit puts it back.
 */
export function useStoreWriter<T>(select: (state: StratdeskState) => T, write: (value: T) => void): void {
  const store = useStoreApi();
  // No dependency list: after every commit of the caller (rare: its selected shape changed).
  useLayoutEffect(() => {
    let last = select(store.getState());
    timeWrite(() => write(last));
    return store.subscribe((state) => {
      const next = select(state);
      if (Object.is(next, last)) return;
      last = next;
      timeWrite(() => write(next));
    });
  });
}
