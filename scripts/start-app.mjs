#!/usr/bin/env node
/**
 * Starts the desktop app from the built dist/ (`npm start`).
 *
 * The Electron binary is the official one from the `electron` package. When
 * npm held back its install script, the official download is tried now; only
 * when that fails too (no internet, as on our CI machines) does the project's
 * provisioned runtime (scripts/provision-electron.mjs) stand in.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const electronPackage = dirname(require.resolve('electron/package.json'));

function officialBinaryPresent() {
  const pathFile = join(electronPackage, 'path.txt');
  return existsSync(pathFile) && existsSync(join(electronPackage, 'dist', readFileSync(pathFile, 'utf8').trim()));
}

if (!process.env.ELECTRON_OVERRIDE_DIST_PATH && !officialBinaryPresent()) {
  const official = spawnSync(process.execPath, [join(electronPackage, 'install.js')], { stdio: 'inherit' });
  if (official.status !== 0 || !officialBinaryPresent()) {
    console.error('start: the official Electron download failed; using the provisioned runtime instead.');
    const provision = spawnSync(process.execPath, [join(root, 'scripts', 'provision-electron.mjs'), '--print-path'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    if (provision.status !== 0) process.exit(provision.status ?? 1);
    process.env.ELECTRON_OVERRIDE_DIST_PATH = provision.stdout.trim();
  }
}

const electronPath = require('electron');
const args = [root];
// Chromium refuses to run as root with its sandbox on; a developer machine
// or container running as root needs the switch. The packaged app never
// passes it.
if (process.getuid?.() === 0) {
  console.error('start: running as root, so Chromium\'s sandbox is off (--no-sandbox).');
  args.push('--no-sandbox');
}
const child = spawn(electronPath, args, { stdio: 'inherit' });
child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 0)));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
