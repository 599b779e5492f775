#!/usr/bin/env node
/**
 * Builds everything the app and the CLI host run from:
 *
 * - `dist/renderer/`  the Svelte web client (Vite), plus a copy of
 *   sockjs-client for SockJS's iframe transports (the host serves it, so
 *   nothing is fetched from a CDN);
 * - `dist/server/cli.js`, `dist/electron/{main,preload,server-process}.js`:
 *   esbuild bundles, CommonJS for Node 18 so they run on Electron 25 as well
 *   as on current Electron.
 *
 * Usage: node scripts/build.mjs [--if-missing]
 *   --if-missing  build only when an output is absent (used by `npm run host`).
 */
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { build as esbuild } from 'esbuild';
import { build as viteBuild } from 'vite';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const dist = join(root, 'dist');

/** Node 18 is what Electron 25 embeds: the oldest runtime we support. */
const NODE_TARGET = 'node18';

const NODE_ENTRIES = {
  'server/cli': 'server/cli.ts',
  'electron/main': 'electron/main.ts',
  'electron/server-process': 'electron/server-process.ts',
};

/**
 * The preload runs in Electron's sandbox, which has `require` but no
 * `module`/`exports`: it is built as an IIFE, not as a CommonJS module.
 */
const PRELOAD_ENTRY = { 'electron/preload': 'electron/preload.ts' };

const OUTPUTS = [
  join(dist, 'renderer', 'index.html'),
  join(dist, 'renderer', 'sockjs.min.js'),
  ...Object.keys({ ...NODE_ENTRIES, ...PRELOAD_ENTRY }).map((name) => join(dist, `${name}.js`)),
];

async function buildRenderer() {
  await viteBuild({ configFile: join(root, 'renderer', 'vite.config.mts'), logLevel: 'warn' });
  mkdirSync(join(dist, 'renderer'), { recursive: true });
  copyFileSync(require.resolve('sockjs-client/dist/sockjs.min.js'), join(dist, 'renderer', 'sockjs.min.js'));
}

async function buildNode() {
  await bundle(NODE_ENTRIES, 'cjs');
  await bundle(PRELOAD_ENTRY, 'iife');
}

async function bundle(entries, format) {
  await esbuild({
    absWorkingDir: root,
    entryPoints: Object.fromEntries(Object.entries(entries).map(([out, src]) => [out, join(root, src)])),
    outdir: dist,
    bundle: true,
    platform: 'node',
    format,
    target: NODE_TARGET,
    sourcemap: 'linked',
    // electron is provided by the runtime; bufferutil and utf-8-validate are
    // optional native speed-ups that ws loads only if present.
    // node-sqlite3-wasm loads its .wasm file from beside its own script, so
    // it stays a runtime dependency instead of being bundled.
    external: ['electron', 'bufferutil', 'utf-8-validate', 'node-sqlite3-wasm'],
    logLevel: 'warning',
  });
}

const ifMissing = process.argv.includes('--if-missing');
if (ifMissing && OUTPUTS.every((file) => existsSync(file))) process.exit(0);
await buildRenderer();
await buildNode();
console.log(`built ${OUTPUTS.length} outputs in ${dist}`);
