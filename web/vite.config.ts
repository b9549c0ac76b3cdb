import { defineConfig } from 'vite';

// Built into web/dist and served by `patchbay serve` under a strict Content-Security-Policy:
// no inline script may appear in the output, so the module preload polyfill (injected inline
// in some set-ups) is off; every modern browser preloads modules natively.
export default defineConfig({
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
  },
  oxc: { jsx: { runtime: 'automatic' } },
});
