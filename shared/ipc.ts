/** IPC channel names between preload and main. Kept apart from the schemas so preload stays tiny. */
export const IPC_CHANNELS = {
  command: 'stratdesk:command',
  stream: 'stratdesk:stream',
  subscribe: 'stratdesk:subscribe',
  notify: 'stratdesk:notify',
} as const;

/** An alert the window asks main to post as a native notification (checked in electron/main/notifications.ts). */
export interface DesktopNotification {
  title: string;
  body: string;
  /** Same tag, same condition: the OS may replace the earlier one. */
  tag?: string;
}

/** What the preload adds to the contract's bridge in the Electron window only. */
export interface DesktopBridge {
  notify(notification: DesktopNotification): void;
}
