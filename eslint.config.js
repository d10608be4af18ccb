// ESLint flat config. Layers (STYLE.md): shared/ is "common" (no electron, no node:*, no DOM);
// the core under electron/ never imports electron — only the Electron shell (main, preload) may.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const noElectron = {
  paths: [
    {
      name: 'electron',
      message: 'The core and shared/ run in plain Node and the browser: only electron/main and electron/preload may import electron.',
    },
  ],
  patterns: [{ group: ['electron/*'], message: 'Only electron/main and electron/preload may import electron.' }],
};

/** A layer's import rule: no electron, and none of `forbidden` (ignoring the given files). */
function layer(files, ignores, forbidden) {
  return {
    files,
    ...(ignores.length > 0 ? { ignores } : {}),
    rules: { 'no-restricted-imports': ['error', { ...noElectron, patterns: [...noElectron.patterns, forbidden] }] },
  };
}

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'test-results/**', 'playwright-report/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-restricted-imports': ['error', noElectron],
    },
  },
  {
    files: ['electron/main/**/*.ts', 'electron/preload/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  // The core is a library: it imports no shell, start-up, CLI, simulator or benchmark (its tests may).
  layer(['electron/core/**/*.ts'], ['**/*.test.ts', 'electron/core/**/testing/**'], {
    group: ['**/sim/**', '**/app/**', '**/serve/**', '**/main/**', '**/cli/**', '**/bench/**', '**/preload/**'],
    message: 'The core is a library: shells, start-up, CLIs, the simulator and benchmarks import it, never the other way.',
  }),
  // The simulator stands for the exchange: it knows nothing of the app.
  layer(['electron/sim/**/*.ts'], ['**/*.test.ts'], { group: ['**/core/**'], message: 'The simulator imports nothing of the app.' }),
  layer(['shared/**/*.ts'], [], {
    group: ['node:*', 'fs', 'path', 'os', 'crypto', 'react', 'react-dom'],
    message: 'shared/ is the common layer: no Node, no DOM, no React.',
  }),
  {
    ...layer(['renderer/**/*.{ts,tsx}'], [], {
      group: ['node:*', '**/electron/core/**', '**/electron/serve/**'],
      message: 'The renderer talks to the host only through the contract.',
    }),
    languageOptions: { globals: { ...globals.browser } },
  },
);
