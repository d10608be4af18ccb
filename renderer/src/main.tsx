import { Profiler, StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { browserNotifier, startAlertMonitor } from './features/alerts/alerts.ts';
import { App } from './App.tsx';
import { connectStream } from './bridge.ts';
import { createAppCommands } from './commands.ts';
import { saveTextFile } from './download.ts';
import { installProfiling, recordCommit } from './profiling.ts';
import { createStratdeskStore } from './store/index.ts';
import { loadPrefs, persistPrefs } from './store/prefsSlice.ts';
import { selectTransport } from './transport.ts';
import './styles.css';

const container = document.getElementById('root');
if (container === null) throw new Error('index.html lost its #root element');

function localStore(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null; // storage disabled: the layout is simply not remembered
  }
}

const storage = localStore();
const transport = installProfiling(selectTransport(window));
const store = createStratdeskStore({ prefs: loadPrefs(storage) });
persistPrefs(store, storage);
const commands = createAppCommands(transport, store, (filename, text, mime) => saveTextFile(document, filename, text, mime));
// Subscribed outside React so StrictMode's double effects cannot open two sockets.
startAlertMonitor(store, browserNotifier(window));
connectStream(transport, store);

const app = <App services={{ store, commands }} />;
createRoot(container).render(
  <StrictMode>
    {import.meta.env.MODE === 'profile' ? (
      <Profiler id="app" onRender={recordCommit}>
        {app}
      </Profiler>
    ) : (
      app
    )}
  </StrictMode>,
);
