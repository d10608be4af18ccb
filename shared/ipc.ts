/** IPC channel names between preload and main. Kept apart from the schemas so preload stays tiny. */
export const IPC_CHANNELS = {
  command: 'stratdesk:command',
  stream: 'stratdesk:stream',
  subscribe: 'stratdesk:subscribe',
} as const;
