#!/usr/bin/env node
/**
 * Starts the desktop app from the built dist/ (`npm start`), saying in one
 * line which Electron runs it.
 *
 * The Electron binary is the official one from the `electron` package. When
 * npm held back its install script, the official download is tried once;
 * when it fails (no internet, as on our CI machines) the failure is
 * remembered in `${XDG_CACHE_HOME:-~/.cache}/lanchat/official-electron-download.json`
 * for that version of the `electron` package, and this and every later start
 * use the project's provisioned runtime (scripts/provision-electron.mjs)
 * without trying again. Delete that file, or set
 * LANCHAT_RETRY_ELECTRON_DOWNLOAD=1, to try the download again; a new
 * `electron` version is tried by itself.
 *
 * Chromium's own log lines (D-Bus, GPU process, …) are internal noise for
 * someone starting the app, so Chromium logs only fatal errors here; set
 * LANCHAT_CHROMIUM_LOGS=1 to see them. The app's own messages are not
 * affected.
 *
 * Usage: node scripts/start-app.mjs [--print-runtime]
 *   --print-runtime  choose the runtime as above (downloading or provisioning
 *                    it if needed), print the line naming it and exit
 *                    without starting the app
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const electronPackage = dirname(require.resolve('electron/package.json'));
const electronPackageVersion = require('electron/package.json').version;
const cacheDir = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'lanchat');
/** Where a failed official download is remembered (see the top of this file). */
const DOWNLOAD_MEMO = join(cacheDir, 'official-electron-download.json');
/** Chromium's --log-level for FATAL only: no ERROR/WARNING lines from Chromium itself. */
const CHROMIUM_FATAL_ONLY = '3';

function officialBinaryPresent() {
  const pathFile = join(electronPackage, 'path.txt');
  return existsSync(pathFile) && existsSync(join(electronPackage, 'dist', readFileSync(pathFile, 'utf8').trim()));
}

/** Whether an earlier start already failed to download this electron version. */
function downloadFailedBefore() {
  if (process.env.LANCHAT_RETRY_ELECTRON_DOWNLOAD === '1') return false;
  try {
    return JSON.parse(readFileSync(DOWNLOAD_MEMO, 'utf8')).version === electronPackageVersion;
  } catch {
    // No memo (first start) or an unreadable one: try the download.
    return false;
  }
}

/**
 * Runs the electron package's installer once, its output captured.
 * @returns {string | null} null on success, else a one-line reason.
 */
function tryOfficialDownload() {
  console.error(`start: downloading the official Electron ${electronPackageVersion}...`);
  const result = spawnSync(process.execPath, [join(electronPackage, 'install.js')], { encoding: 'utf8' });
  if (result.status === 0 && officialBinaryPresent()) return null;
  const output = `${result.stderr ?? ''}\n${result.stdout ?? ''}`;
  // The installer prints a stack; its first error line is the reason.
  const reason = output.split('\n').find((line) => /error|failed/i.test(line))?.trim() ?? `exit code ${result.status}`;
  mkdirSync(cacheDir, { recursive: true });
  writeFileSync(DOWNLOAD_MEMO, `${JSON.stringify({ version: electronPackageVersion, failedAt: new Date().toISOString(), reason }, null, 2)}\n`);
  return reason;
}

/**
 * Provisions (or finds) the offline runtime.
 * @returns {{ dist: string, version: string }}
 */
function provisionedRuntime() {
  const provision = spawnSync(process.execPath, [join(root, 'scripts', 'provision-electron.mjs'), '--print-path'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const dist = provision.stdout.trim();
  if (provision.status !== 0 || !dist) {
    process.stderr.write(provision.stderr);
    process.exit(provision.status || 1);
  }
  return { dist, version: readFileSync(join(dist, 'version'), 'utf8').trim() };
}

let runtimeLine;
if (process.env.ELECTRON_OVERRIDE_DIST_PATH) {
  runtimeLine = `Electron from ELECTRON_OVERRIDE_DIST_PATH (${process.env.ELECTRON_OVERRIDE_DIST_PATH})`;
} else if (officialBinaryPresent()) {
  runtimeLine = `the official Electron ${electronPackageVersion}`;
} else {
  const remembered = downloadFailedBefore();
  const reason = remembered ? null : tryOfficialDownload();
  if (!remembered && reason === null) {
    runtimeLine = `the official Electron ${electronPackageVersion} (just downloaded)`;
  } else {
    const { dist, version } = provisionedRuntime();
    process.env.ELECTRON_OVERRIDE_DIST_PATH = dist;
    const why = remembered
      ? `the official ${electronPackageVersion} download failed before; delete ${DOWNLOAD_MEMO} to retry`
      : `the official ${electronPackageVersion} download failed: ${reason}`;
    runtimeLine = `the offline Electron ${version} runtime, end of life (${why})`;
  }
}

if (process.argv.includes('--print-runtime')) {
  console.log(`start: LanChat runs on ${runtimeLine}.`);
  process.exit(0);
}

const electronPath = require('electron');
const args = [root];
if (process.env.LANCHAT_CHROMIUM_LOGS !== '1') args.push(`--log-level=${CHROMIUM_FATAL_ONLY}`);
// Chromium refuses to run as root with its sandbox on; a developer machine
// or container running as root needs the switch. The packaged app never
// passes it.
const asRoot = process.getuid?.() === 0;
if (asRoot) args.push('--no-sandbox');
console.error(`start: running LanChat on ${runtimeLine}${asRoot ? '; as root, so without Chromium\'s sandbox' : ''}.`);
const child = spawn(electronPath, args, { stdio: 'inherit' });
child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 0)));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
