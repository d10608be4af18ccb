/**
 * `node --import ./electron/main/testing/register.ts out/main/index.js …`: resolves the `electron`
 * module to the recording stand-in (electronStandIn.ts) so the built main bundle runs under Node.
 */
import { registerHooks } from 'node:module';

const standIn = new URL('./electronStandIn.ts', import.meta.url).href;

registerHooks({
  resolve(specifier, context, nextResolve) {
    if (specifier === 'electron') return { url: standIn, shortCircuit: true };
    return nextResolve(specifier, context);
  },
});
