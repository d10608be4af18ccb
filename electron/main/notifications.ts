/**
 * Alerts as native notifications, posted from main: the window asks over one IPC channel (the
 * preload's `notify`), main checks the sender frame and the input, and shows it. A click brings the
 * window forward. The renderer needs no notification permission of its own for this.
 */
import { Notification } from 'electron';
import { z } from 'zod';
import type { DesktopNotification } from '../../shared/ipc.ts';

const notificationSchema = z
  .object({
    title: z.string().min(1).max(200),
    body: z.string().max(1000),
    tag: z.string().max(200).optional(),
  })
  .strict();

export function parseNotification(input: unknown): DesktopNotification | null {
  const parsed = notificationSchema.safeParse(input);
  if (!parsed.success) return null;
  const { title, body, tag } = parsed.data;
  return tag === undefined ? { title, body } : { title, body, tag };
}

/** Held until closed: a notification nothing references can be collected and lose its click handler. */
const shown = new Set<Notification>();

/** Shows it if the platform can; returns whether it was shown. */
export function postNotification(notification: DesktopNotification, onClick: () => void): boolean {
  if (!Notification.isSupported()) return false;
  const native = new Notification({ title: notification.title, body: notification.body });
  shown.add(native);
  native.on('click', onClick);
  native.on('close', () => shown.delete(native));
  native.show();
  return true;
}
