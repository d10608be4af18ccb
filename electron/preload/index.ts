/**
 * The sandboxed preload: exposes the typed contract as named functions on `window.stratdesk`.
 * No raw ipcRenderer, no Node, nothing else reaches the page.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { StratdeskBridge } from '../../shared/contract.ts';
import { IPC_CHANNELS, type DesktopBridge } from '../../shared/ipc.ts';
import type { StreamMessage } from '../../shared/model.ts';

const bridge: StratdeskBridge & DesktopBridge = {
  command: (name, input) => ipcRenderer.invoke(IPC_CHANNELS.command, name, input),
  onStream(listener) {
    const handler = (_event: IpcRendererEvent, message: StreamMessage): void => listener(message);
    ipcRenderer.on(IPC_CHANNELS.stream, handler);
    ipcRenderer.send(IPC_CHANNELS.subscribe);
    return () => {
      ipcRenderer.removeListener(IPC_CHANNELS.stream, handler);
    };
  },
  // An alert as a native notification, posted by main (which checks the frame and the fields).
  notify: (notification) => ipcRenderer.send(IPC_CHANNELS.notify, notification),
};

contextBridge.exposeInMainWorld('stratdesk', bridge);
