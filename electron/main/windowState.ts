/** The window's size and place, remembered in the data folder and restored only onto a screen that still exists. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { screen, type BrowserWindow, type Rectangle } from 'electron';

interface Saved {
  bounds: Rectangle;
  isMaximized: boolean;
}

const DEFAULT = { width: 1440, height: 900 };

export function loadWindowState(dataDir: string): { bounds: Partial<Rectangle>; isMaximized: boolean } {
  try {
    const saved = JSON.parse(readFileSync(join(dataDir, 'window.json'), 'utf8')) as Saved;
    const b = saved.bounds;
    const isValid = [b.x, b.y, b.width, b.height].every((n) => Number.isInteger(n)) && b.width >= 640 && b.height >= 400;
    // A window saved on a monitor that is gone would open off-screen.
    const area = screen.getDisplayMatching(b).workArea;
    const isVisible = b.x < area.x + area.width && b.x + b.width > area.x && b.y < area.y + area.height && b.y + b.height > area.y;
    return isValid && isVisible ? { bounds: b, isMaximized: saved.isMaximized === true } : { bounds: DEFAULT, isMaximized: false };
  } catch {
    return { bounds: DEFAULT, isMaximized: false };
  }
}

export function rememberWindowState(win: BrowserWindow, dataDir: string): void {
  let timer: NodeJS.Timeout | null = null;
  const save = (): void => {
    if (win.isDestroyed()) return;
    const state: Saved = { bounds: win.getNormalBounds(), isMaximized: win.isMaximized() };
    try {
      writeFileSync(join(dataDir, 'window.json'), JSON.stringify(state));
    } catch {
      // Not being able to remember the window is no reason to fail.
    }
  };
  const soon = (): void => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(save, 500);
  };
  win.on('resize', soon);
  win.on('move', soon);
  win.on('close', save);
}
