/**
 * React access to the store and the app's commands. Both come from context rather than module
 * singletons so the same components render against a test store with a fake transport.
 */
import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import type { AppCommands } from '../commands.ts';
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
 * For arrays or objects built in the selector, wrap it in `useShallow`.
 */
export function useStratdesk<T>(selector: (state: StratdeskState) => T): T {
  return useStore(useServices().store, selector);
}

export function useCommands(): AppCommands {
  return useServices().commands;
}

/** The store itself, for event handlers that read state without subscribing to it. */
export function useStoreApi(): StratdeskStore {
  return useServices().store;
}
