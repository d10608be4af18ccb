import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import { connectStream } from './bridge.ts';
import { createAppCommands } from './commands.ts';
import { createStratdeskStore } from './store/index.ts';
import { selectTransport } from './transport.ts';
import './styles.css';

const container = document.getElementById('root');
if (container === null) throw new Error('index.html lost its #root element');

const transport = selectTransport(window);
const store = createStratdeskStore();
const commands = createAppCommands(transport, store);
// Subscribed outside React so StrictMode's double effects cannot open two sockets.
connectStream(transport, store);

createRoot(container).render(
  <StrictMode>
    <App services={{ store, commands }} />
  </StrictMode>,
);
