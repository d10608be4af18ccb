import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

// This folder, whatever the working directory (Vite keeps import.meta.dirname pointing at the source file).
const root = import.meta.dirname;

/**
 * The dev server injects inline scripts (React Refresh preamble, HMR client) that our CSP rightly
 * forbids. Drop the CSP meta while serving only; `vite build` keeps it untouched.
 */
function dropCspInDev(): Plugin {
  return {
    name: 'stratdesk:drop-csp-in-dev',
    apply: 'serve',
    transformIndexHtml: (html) => html.replace(/<meta\s+http-equiv="Content-Security-Policy"[^>]*>/i, ''),
  };
}

// STRATDESK_DEV_API=http://127.0.0.1:PORT proxies /api (and the stream) to a running `npm run serve`.
const devApi = process.env['STRATDESK_DEV_API'];

// `vite build --mode profile` (bench/renderer.ts): React's profiling build so <Profiler> reports
// commit times, into its own folder so the app's build is never replaced by an instrumented one.
export default defineConfig(({ mode }) => ({
  root,
  // Relative asset URLs: Electron loads the page from file://, serve mode from the host's root.
  base: './',
  plugins: [react(), dropCspInDev()],
  resolve: mode === 'profile' ? { alias: [{ find: /^react-dom\/client$/, replacement: 'react-dom/profiling' }] } : {},
  build: {
    outDir: mode === 'profile' ? '../out/renderer-profile' : '../out/renderer',
    emptyOutDir: true,
  },
  server: devApi === undefined ? {} : { proxy: { '/api': { target: devApi, ws: true, changeOrigin: false } } },
}));
