import { useEffect, useSyncExternalStore } from 'react';
import { useStratdesk } from '../store/hooks.ts';
import type { ThemeChoice } from '../store/index.ts';

const QUERY = '(prefers-color-scheme: dark)';

function subscribeScheme(onChange: () => void): () => void {
  const media = window.matchMedia?.(QUERY);
  media?.addEventListener('change', onChange);
  return () => media?.removeEventListener('change', onChange);
}

/** The theme actually in force: the manual override, else the system's. */
export function useResolvedTheme(): 'dark' | 'light' {
  const choice = useStratdesk((state) => state.prefs.theme);
  const systemDark = useSyncExternalStore(
    subscribeScheme,
    () => window.matchMedia?.(QUERY).matches ?? true,
    () => true,
  );
  return choice === 'system' ? (systemDark ? 'dark' : 'light') : choice;
}

/** Writes the override onto <html data-theme>; the stylesheet does the rest (no inline styles under our CSP). */
export function ThemeSync() {
  const choice = useStratdesk((state) => state.prefs.theme);
  useEffect(() => {
    const root = document.documentElement;
    if (choice === 'system') root.removeAttribute('data-theme');
    else root.setAttribute('data-theme', choice);
  }, [choice]);
  return null;
}

export function ThemeSelect() {
  const choice = useStratdesk((state) => state.prefs.theme);
  const setTheme = useStratdesk((state) => state.setTheme);
  return (
    <label className="field field--compact">
      <span className="visually-hidden">Theme</span>
      <select value={choice} aria-label="Theme" data-testid="theme" onChange={(e) => setTheme(e.target.value as ThemeChoice)}>
        <option value="system">Theme: system</option>
        <option value="dark">Theme: dark</option>
        <option value="light">Theme: light</option>
      </select>
    </label>
  );
}
