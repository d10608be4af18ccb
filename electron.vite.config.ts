import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import rendererConfigFn from './renderer/vite.config.ts';

// The renderer's own config is a function of the mode (`--mode profile` for the benchmark); Electron builds the app mode.
const rendererConfig =
  typeof rendererConfigFn === 'function' ? rendererConfigFn({ mode: 'production', command: 'build' }) : rendererConfigFn;

export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      rollupOptions: { input: { index: resolve(import.meta.dirname, 'electron/main/index.ts') } },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      rollupOptions: {
        input: { index: resolve(import.meta.dirname, 'electron/preload/index.ts') },
        // A sandboxed preload cannot be an ES module.
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  // The same renderer build serve mode uses (`npm run build:web`), minified like it.
  renderer: {
    ...rendererConfig,
    root: resolve(import.meta.dirname, 'renderer'),
    build: {
      ...rendererConfig.build,
      outDir: resolve(import.meta.dirname, 'out/renderer'),
      minify: true,
      rollupOptions: { input: { index: resolve(import.meta.dirname, 'renderer/index.html') } },
    },
  },
});
