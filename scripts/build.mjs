#!/usr/bin/env node
/**
 * Builds everything the app and the CLI host run from:
 *
 * - `dist/renderer/`  the Svelte web client (Vite), plus a copy of
 *   sockjs-client for SockJS's iframe transports (the host serves it, so
 *   nothing is fetched from a CDN);
 * - `dist/server/cli.js`, `dist/electron/{main,preload,server-process}.js`:
 *   esbuild bundles, CommonJS for Node 20, so they run on the Node the
 *   README asks for, on Electron 33 (Node 20.18, the offline runtime of
 *   scripts/provision-electron.mjs) and on current Electron.
 *
 * Each of the two parts is rebuilt only when one of its outputs is missing
 * or older than one of its inputs (sources, package files, this script), so
 * `npm start` on an unchanged tree starts at once.
 *
 * Usage: node scripts/build.mjs [--if-missing] [--force]
 *   --if-missing  build only when an output is absent (used by `npm run host`).
 *   --force       rebuild everything even when the outputs look up to date.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { build as esbuild } from 'esbuild';
import { build as viteBuild } from 'vite';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const dist = join(root, 'dist');

/**
 * Node 20 is the oldest runtime the bundles meet: the offline Electron 33
 * embeds Node 20.18, and the CLI host runs on the system's Node (>= 20.19).
 * The renderer's matching target (chrome130) is in renderer/vite.config.mts.
 */
const NODE_TARGET = 'node20';

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

const RENDERER_OUTPUTS = [join(dist, 'renderer', 'index.html'), join(dist, 'renderer', 'sockjs.min.js')];
const NODE_OUTPUTS = Object.keys({ ...NODE_ENTRIES, ...PRELOAD_ENTRY }).map((name) => join(dist, `${name}.js`));
const OUTPUTS = [...RENDERER_OUTPUTS, ...NODE_OUTPUTS];

/** Inputs of both parts: a dependency or build change rebuilds everything. */
const COMMON_INPUTS = ['package.json', 'package-lock.json', 'tsconfig.json', 'scripts/build.mjs'];
/**
 * What each part is built from. The renderer imports the wire protocol and
 * the IPC types from server/ and electron/ (update this list when it imports
 * from elsewhere); the Node bundles import only server/ and electron/.
 */
const RENDERER_INPUTS = [...COMMON_INPUTS, 'renderer', 'server/protocol', 'electron/ipc-contract.ts', 'electron/preload.ts'];
const NODE_INPUTS = [...COMMON_INPUTS, 'server', 'electron'];

/**
 * Newest modification time among `paths` (files, or directories walked
 * recursively; missing ones are skipped).
 * @param {string[]} paths relative to the repository root.
 * @returns {number} milliseconds since the epoch; 0 when nothing exists.
 */
function newestMtime(paths) {
  let newest = 0;
  for (const relative of paths) {
    const absolute = join(root, relative);
    if (!existsSync(absolute)) continue;
    const stat = statSync(absolute);
    if (!stat.isDirectory()) {
      newest = Math.max(newest, stat.mtimeMs);
      continue;
    }
    for (const entry of readdirSync(absolute, { recursive: true, withFileTypes: true })) {
      if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
    }
  }
  return newest;
}

/**
 * Whether every output exists and is newer than every input.
 * @param {string[]} outputs absolute paths.
 * @param {string[]} inputs relative to the repository root.
 */
function upToDate(outputs, inputs) {
  if (!outputs.every((file) => existsSync(file))) return false;
  const oldestOutput = Math.min(...outputs.map((file) => statSync(file).mtimeMs));
  return oldestOutput > newestMtime(inputs);
}

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
const force = process.argv.includes('--force');
if (ifMissing && !force && OUTPUTS.every((file) => existsSync(file))) process.exit(0);
const built = [];
if (force || !upToDate(RENDERER_OUTPUTS, RENDERER_INPUTS)) {
  await buildRenderer();
  built.push('renderer');
}
if (force || !upToDate(NODE_OUTPUTS, NODE_INPUTS)) {
  await buildNode();
  built.push('main, preload, host and CLI bundles');
}
console.log(built.length > 0 ? `built ${built.join(' and ')} in ${dist}` : `dist/ is up to date (nothing changed since the last build)`);
