/**
 * Vite build for the renderer. The same bundle is loaded two ways:
 * by Electron from `app://lanchat/index.html` (dist/renderer), and by browsers from the
 * host at `/`, so every asset URL must be relative (`base: './'`).
 *
 * Run from the repository root: `vite build --config renderer/vite.config.mts`.
 */
import { fileURLToPath } from 'node:url';

import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig, type Plugin } from 'vite';

const rendererRoot = fileURLToPath(new URL('.', import.meta.url));
const outDir = fileURLToPath(new URL('../dist/renderer', import.meta.url));

/**
 * The dev server injects component CSS as `<style>` elements, which the
 * page's `style-src 'self'` refuses. Production builds emit CSS files and need
 * no exception, so only `vite serve` relaxes the policy (update index.html's
 * CSP and this string together).
 */
function allowInlineStylesInDev(): Plugin {
  return {
    name: 'lanchat-dev-csp',
    apply: 'serve',
    transformIndexHtml: (html) => html.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'"),
  };
}

export default defineConfig({
  root: rendererRoot,
  base: './',
  plugins: [svelte(), allowInlineStylesInDev()],
  define: {
    // sockjs-client is CommonJS written for browserify and reads `global`
    // (e.g. lib/entry.js, lib/transport/browser/websocket.js).
    global: 'globalThis',
  },
  build: {
    outDir,
    emptyOutDir: true,
    // The offline Electron 33 runtime ships Chromium 130, the oldest engine the
    // desktop app runs on; newer syntax is lowered, so keep to APIs it has.
    // Update the Node target in scripts/build.mjs with it.
    target: 'chrome130',
    cssTarget: 'chrome130',
  },
});
