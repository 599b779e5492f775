#!/usr/bin/env node
/**
 * Builds LanChat's installable desktop packages into `release/` (`npm run dist`).
 *
 * The configuration is `build/electron-builder.cjs`, the same for everyone;
 * this script only chooses how to run it:
 *
 * - online (the official Electron binary of the `electron` devDependency is
 *   installed): electron-builder builds the configured targets of the chosen
 *   platforms — Linux AppImage, deb and tar.gz; Windows nsis; macOS dmg —
 *   downloading Electron and its tools as usual;
 * - offline (that binary is missing, as on our CI machines, which reach only
 *   the npm registry and Debian's archive): Linux x64 only. electron-builder
 *   gets `electronDist`/`electronVersion` pointing at the runtime from
 *   scripts/provision-electron.mjs and builds the targets that need no
 *   download, `dir` (release/linux-unpacked) and `tar.gz` (needs 7za:
 *   Debian's p7zip-full). The .deb is then made from release/linux-unpacked
 *   by electron-installer-debian with dpkg-deb and fakeroot, because
 *   electron-builder's deb target downloads fpm. AppImage needs a download
 *   (appimagetool) and is left out.
 *
 * Both paths flip the same Electron fuses (electronFuses in the config).
 *
 * A package carries its Electron runtime to users, so it must not be an
 * end-of-life one: Electron supports its latest three majors, and the
 * `electron` devDependency tracks the latest, so a runtime whose major is
 * more than two below the devDependency's is refused unless
 * `--allow-eol-runtime` is given. The offline runtime here (Electron 33,
 * scripts/provision-electron.mjs) is end of life: offline builds, the
 * packaging test included, pass the flag, and the build says so.
 *
 * Usage: node scripts/dist.mjs [--offline] [--linux] [--win] [--mac] [--fast] [--if-stale] [--skip-build] [--allow-eol-runtime]
 *   --offline     force the offline path (default: when the official binary is missing)
 *   --allow-eol-runtime  package an end-of-life Electron anyway (for tests and
 *                 offline trials; never for a release); recorded in the manifest
 *   --fast        offline path: the same packages with light compression (7-Zip
 *                 level 1 for tar.gz, zstd for the .deb: ~20 s instead of ~4
 *                 min on 2 cores, up to a third bigger); for tests, not releases
 *   --linux/--win/--mac  platforms for the online path (default: this machine's)
 *   --if-stale    do nothing when release/dist-manifest.json was written from the
 *                 same inputs (dist/, build/, package files, this script) and is
 *                 not a --fast build while this one is not either; build dist/
 *                 only if it is missing (tests use this)
 *   --skip-build  package dist/ as it is instead of running scripts/build.mjs first
 *
 * Writes release/dist-manifest.json: the inputs' hash, the mode, the Electron
 * version and every artefact with its size (the packaging test reads it).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);
const RELEASE_DIR = path.join(ROOT, 'release');
const MANIFEST_FILE = path.join(RELEASE_DIR, 'dist-manifest.json');
const BUILD_RESOURCES = path.join(ROOT, 'build');
const CONFIG_FILE = path.join(BUILD_RESOURCES, 'electron-builder.cjs');
/** electron-builder's `dir` output for Linux x64. */
const LINUX_UNPACKED = path.join(RELEASE_DIR, 'linux-unpacked');

/** electron-builder targets that build without any download. */
const OFFLINE_BUILDER_TARGETS = ['dir', 'tar.gz'];
/** Debian's 7za (package p7zip-full), used for tar.gz when ELECTRON_BUILDER_7ZIP_PATH is unset. */
const DEBIAN_7ZA = '/usr/bin/7za';
/**
 * Files of the provisioned runtime that are not Electron's and must not be
 * packaged: its marker file, and the test loader default_app.asar and the
 * `version` file, which electron-builder also drops from official downloads.
 */
const PROVISIONED_ONLY_FILES = ['.lanchat-provisioned.json', 'version', path.join('resources', 'default_app.asar')];
/** 7-Zip level for tar.gz with --fast (electron-builder's default, -mx=9, takes ~2 min here). */
const FAST_7Z_LEVEL = '1';
/**
 * dpkg-deb compressor for the .deb with --fast; the default, xz -6, takes ~2
 * min here. zstd needs dpkg >= 1.21.18 (Debian 12, Ubuntu 22.04) to install.
 */
const FAST_DEB_COMPRESSION = 'zstd';
/** Debian's architecture name for Node's x64. */
const DEB_ARCH = 'amd64';
/** Files whose content decides whether release/ is up to date (plus dist/ outputs). */
const INPUT_FILES = ['package.json', 'package-lock.json', 'scripts/dist.mjs'];
const INPUT_DIRS = ['build', 'dist/electron', 'dist/renderer'];
/** Artefact file endings listed in the manifest. */
const ARTEFACT_PATTERN = /\.(deb|tar\.gz|AppImage|exe|dmg|zip)$/;

/**
 * How many majors Electron supports at a time (the latest three stable ones,
 * https://www.electronjs.org/docs/latest/tutorial/electron-timelines).
 */
const SUPPORTED_ELECTRON_MAJORS = 3;

/** A bad command line or a refused build: reported without a stack trace. */
class UsageError extends Error {}

/** @param {string} message */
function log(message) {
  console.log(`[dist] ${message}`);
}

/**
 * Parses the command line.
 * @param {string[]} args
 */
function parseArgs(args) {
  const known = new Set(['--offline', '--linux', '--win', '--mac', '--fast', '--if-stale', '--skip-build', '--allow-eol-runtime']);
  const unknown = args.filter((arg) => !known.has(arg));
  if (unknown.length > 0) throw new UsageError(`unknown option(s) ${unknown.join(', ')}; see the top of scripts/dist.mjs`);
  return {
    offline: args.includes('--offline'),
    platforms: ['linux', 'win', 'mac'].filter((name) => args.includes(`--${name}`)),
    fast: args.includes('--fast'),
    ifStale: args.includes('--if-stale'),
    skipBuild: args.includes('--skip-build'),
    allowEolRuntime: args.includes('--allow-eol-runtime'),
  };
}

/**
 * Whether Electron `version` is out of support, judged against the
 * `electron` devDependency (the latest major when package-lock.json was
 * last updated): supported are that major and the two before it. No network
 * needed, and it stays right as long as the devDependency is kept current.
 * @param {string} version e.g. "33.2.1"
 * @returns {{ eol: boolean, oldestSupported: number }}
 */
function electronSupport(version) {
  const latestMajor = Number(require('electron/package.json').version.split('.')[0]);
  const oldestSupported = latestMajor - (SUPPORTED_ELECTRON_MAJORS - 1);
  return { eol: Number(version.split('.')[0]) < oldestSupported, oldestSupported };
}

/**
 * Whether `node_modules/electron` has its official binary (same test as
 * scripts/provision-electron.mjs and scripts/start-app.mjs).
 * @returns {boolean}
 */
function officialElectronPresent() {
  const electronDir = path.dirname(require.resolve('electron/package.json'));
  const pathFile = path.join(electronDir, 'path.txt');
  if (!fs.existsSync(pathFile)) return false;
  return fs.existsSync(path.join(electronDir, 'dist', fs.readFileSync(pathFile, 'utf8').trim()));
}

/**
 * Lists the files below `dir`, relative to ROOT, sorted.
 * @param {string} dir
 * @returns {string[]}
 */
function listFiles(dir) {
  const absolute = path.join(ROOT, dir);
  if (!fs.existsSync(absolute)) return [];
  return fs
    .readdirSync(absolute, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(ROOT, path.join(entry.parentPath ?? entry.path, entry.name)))
    .sort();
}

/**
 * Hashes everything a package is made from, so `--if-stale` can tell whether
 * release/ still matches. dist/ is rebuilt by `npm test`, so its mtimes say
 * nothing; its content does (esbuild and Vite output is deterministic).
 * @param {object} mode what is hashed besides the files (mode, Electron version).
 * @returns {string}
 */
function hashInputs(mode) {
  const hash = createHash('sha256').update(JSON.stringify(mode));
  const files = [...INPUT_FILES, ...INPUT_DIRS.flatMap(listFiles)].filter((file) => !file.endsWith('.map'));
  for (const file of files) {
    hash.update(`\0${file}\0`);
    hash.update(fs.readFileSync(path.join(ROOT, file)));
  }
  return hash.digest('hex');
}

/**
 * Reads the manifest of the last build, if any.
 * @returns {{ inputsHash: string, artifacts: Array<{ file: string, bytes: number }> } | null}
 */
function readManifest() {
  try {
    return JSON.parse(fs.readFileSync(MANIFEST_FILE, 'utf8'));
  } catch {
    // No manifest or a damaged one: treat release/ as stale.
    return null;
  }
}

/**
 * Total size of a file or directory tree, in bytes.
 * @param {string} target
 * @returns {number}
 */
function sizeOf(target) {
  const stat = fs.lstatSync(target);
  if (!stat.isDirectory()) return stat.size;
  return fs.readdirSync(target).reduce((total, name) => total + sizeOf(path.join(target, name)), 0);
}

/** @param {number} bytes */
function formatSize(bytes) {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/**
 * Runs scripts/build.mjs (Vite + esbuild into dist/).
 * @param {boolean} ifMissing only build when an output is missing.
 */
function buildApp(ifMissing) {
  const args = [path.join(ROOT, 'scripts', 'build.mjs'), ...(ifMissing ? ['--if-missing'] : [])];
  const result = spawnSync(process.execPath, args, { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`scripts/build.mjs failed with exit code ${result.status}`);
}

/**
 * Runs scripts/provision-electron.mjs and returns the runtime's directory.
 * @returns {string}
 */
function provisionElectron() {
  const result = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'provision-electron.mjs'), '--print-path'], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const dist = result.stdout?.trim();
  if (result.status !== 0 || !dist) throw new Error('scripts/provision-electron.mjs found no Electron runtime');
  return dist;
}

/**
 * Copies the provisioned runtime without its non-Electron files into a
 * scratch directory that electron-builder can take as `electronDist`.
 * @param {string} provisioned
 * @returns {string} the scratch directory (caller removes it).
 */
function stageElectronDist(provisioned) {
  const staged = fs.mkdtempSync(path.join(os.tmpdir(), 'lanchat-electron-dist-'));
  const skip = new Set(PROVISIONED_ONLY_FILES.map((file) => path.join(provisioned, file)));
  fs.cpSync(provisioned, staged, { recursive: true, verbatimSymlinks: true, filter: (source) => !skip.has(source) });
  return staged;
}

/**
 * The 7za that electron-builder uses for tar.gz: ELECTRON_BUILDER_7ZIP_PATH,
 * else Debian's (electron-builder would download its own otherwise).
 * @returns {string}
 */
function find7za() {
  const configured = process.env.ELECTRON_BUILDER_7ZIP_PATH;
  if (configured) return configured;
  if (fs.existsSync(DEBIAN_7ZA)) return DEBIAN_7ZA;
  throw new Error(`offline tar.gz needs 7za: apt-get install p7zip-full (or set ELECTRON_BUILDER_7ZIP_PATH)`);
}

/**
 * The Debian copyright file: LanChat's licence, then the Electron runtime's
 * (electron-builder's output has no LICENSE for electron-installer-debian
 * to copy; it keeps Electron's as LICENSE.electron.txt).
 * @param {{ name: string, license: string, author: string }} pkg
 * @param {string} executableName
 * @returns {string}
 */
function debianCopyright(pkg, executableName) {
  const appDir = `/usr/lib/${pkg.name}`;
  const electronLicense = fs.readFileSync(path.join(LINUX_UNPACKED, 'LICENSE.electron.txt'), 'utf8');
  return [
    `LanChat (${appDir}/resources/app.asar, /usr/bin/${executableName})`,
    `Copyright: ${pkg.author}`,
    `License: ${pkg.license}`,
    '',
    `Electron runtime (${appDir}):`,
    electronLicense.trim(),
    '',
    `Chromium and the other components Electron contains: ${appDir}/LICENSES.chromium.html`,
    '',
  ].join('\n');
}

/**
 * Builds the .deb from release/linux-unpacked with electron-installer-debian,
 * carrying over the metadata of the electron-builder configuration. It
 * installs the app in /usr/lib/lanchat with /usr/bin/lanchat, the desktop
 * entry and the hicolor icons.
 * @param {import('electron-builder').Configuration} config
 * @param {{ name: string, version: string, description: string }} pkg
 * @param {string} electronVersion
 * @returns {Promise<string>} path of the .deb.
 */
async function buildDeb(config, pkg, electronVersion, fast) {
  const { Installer } = require('electron-installer-debian');
  /** Writes the package's copyright file, which electron-installer-debian copies from the app's LICENSE. */
  class LanChatDebInstaller extends Installer {
    /** @param {string} copyrightFile */
    async copyLicense(copyrightFile) {
      fs.writeFileSync(copyrightFile, debianCopyright(pkg, config.linux.executableName));
    }
  }
  const debFile = path.join(RELEASE_DIR, `${pkg.name}_${pkg.version}_${DEB_ARCH}.deb`);
  const iconDir = path.join(BUILD_RESOURCES, config.linux.icon);
  const icon = Object.fromEntries(
    fs
      .readdirSync(iconDir)
      .filter((file) => /^\d+x\d+\.png$/.test(file))
      .map((file) => [path.basename(file, '.png'), path.join(iconDir, file)]),
  );
  icon.scalable = path.join(BUILD_RESOURCES, 'icon.svg');

  // electron-installer-debian reads the Electron version (for the package
  // dependencies) from the `version` file that electron-packager leaves in
  // the app; electron-builder's output has none, so it is there only while
  // the installer reads it.
  const versionFile = path.join(LINUX_UNPACKED, 'version');
  fs.writeFileSync(versionFile, electronVersion);
  const installer = new LanChatDebInstaller({
    src: LINUX_UNPACKED,
    dest: RELEASE_DIR,
    arch: DEB_ARCH,
    rename: () => debFile,
    // Its log is a dump of every option; our own lines say what happens.
    logger: () => {},
    options: {
      name: pkg.name,
      productName: config.productName,
      genericName: 'Chat',
      description: config.linux.synopsis,
      productDescription: pkg.description,
      bin: config.linux.executableName,
      maintainer: config.linux.maintainer,
      section: 'net',
      ...(fast ? { compression: FAST_DEB_COMPRESSION } : {}),
      categories: config.linux.category.split(';').filter(Boolean),
      // The URL schemes of config.protocols (lanchat://), as electron-builder
      // writes them into its own desktop entries.
      mimeType: (config.protocols ?? []).flatMap((protocol) => protocol.schemes.map((scheme) => `x-scheme-handler/${scheme}`)),
      icon,
      desktopTemplate: path.join(BUILD_RESOURCES, 'deb-desktop.ejs'),
      // Template values of deb-desktop.ejs beyond electron-installer-debian's own.
      startupWMClass: config.extraMetadata.desktopName.replace(/\.desktop$/, ''),
      keywords: config.linux.desktop.entry.Keywords,
    },
  });
  try {
    await installer.generateDefaults();
    await installer.generateOptions();
  } finally {
    fs.rmSync(versionFile, { force: true });
  }
  await installer.createStagingDir();
  await installer.createContents();
  await installer.createPackage();
  await installer.movePackage();
  return debFile;
}

/**
 * Offline path: Linux x64 from the provisioned runtime.
 * @param {import('electron-builder').Configuration} config
 * @param {{ name: string, version: string, description: string }} pkg
 * @param {string} provisioned
 * @param {string} electronVersion
 */
async function buildOffline(config, pkg, provisioned, electronVersion, fast) {
  const { Arch, Platform, build } = require('electron-builder');
  process.env.ELECTRON_BUILDER_7ZIP_PATH = find7za();
  if (fast) process.env.ELECTRON_BUILDER_COMPRESSION_LEVEL ??= FAST_7Z_LEVEL;
  const electronDist = stageElectronDist(provisioned);
  try {
    await build({
      projectDir: ROOT,
      publish: 'never',
      targets: Platform.LINUX.createTarget(OFFLINE_BUILDER_TARGETS, Arch.x64),
      config: { ...config, electronDist, electronVersion },
    });
  } finally {
    fs.rmSync(electronDist, { recursive: true, force: true });
  }
  log('building the .deb with electron-installer-debian (dpkg-deb, fakeroot)');
  await buildDeb(config, pkg, electronVersion, fast);
}

/**
 * Online path: electron-builder with the configured targets.
 * @param {import('electron-builder').Configuration} config
 * @param {string[]} platforms
 */
async function buildOnline(config, platforms) {
  const { build } = require('electron-builder');
  const selected = Object.fromEntries(platforms.map((name) => [name, []]));
  await build({ projectDir: ROOT, publish: 'never', config, ...selected });
}

/**
 * Lists the artefacts in release/ with their sizes.
 * @returns {Array<{ file: string, bytes: number }>}
 */
function listArtefacts() {
  const files = fs.readdirSync(RELEASE_DIR).filter((file) => ARTEFACT_PATTERN.test(file));
  const artefacts = files.map((file) => ({ file, bytes: sizeOf(path.join(RELEASE_DIR, file)) }));
  for (const dir of fs.readdirSync(RELEASE_DIR).filter((file) => /-unpacked$/.test(file))) {
    artefacts.push({ file: `${dir}/`, bytes: sizeOf(path.join(RELEASE_DIR, dir)) });
  }
  return artefacts;
}

async function main(args) {
  const options = parseArgs(args);
  const offline = options.offline || !officialElectronPresent();
  if (offline && (process.platform !== 'linux' || process.arch !== 'x64')) {
    throw new Error('dist: without the official Electron binary only Linux x64 packages can be built here');
  }
  if (offline && options.platforms.some((name) => name !== 'linux')) {
    throw new Error('dist: the offline path builds Linux packages only');
  }
  if (options.fast && !offline) log('--fast only changes the offline path; building with the configured compression');

  const provisioned = offline ? provisionElectron() : null;
  const electronVersion = offline
    ? fs.readFileSync(path.join(provisioned, 'version'), 'utf8').trim()
    : require('electron/package.json').version;
  const support = electronSupport(electronVersion);
  if (support.eol) {
    const why = `Electron ${electronVersion} is end of life (supported: ${support.oldestSupported} and newer)`;
    if (!options.allowEolRuntime) {
      throw new UsageError(
        `${why}; its security fixes have stopped, so no package is built from it. ` +
          `Build online with the official binary of the electron devDependency, or pass --allow-eol-runtime ` +
          `for a package that is not released to users (tests, trials).`,
      );
    }
    log(`WARNING: ${why}; packaging it anyway (--allow-eol-runtime): not for release.`);
  }
  // What the packages contain depends on these; --fast only changes how well
  // they are compressed, so it is recorded but not hashed.
  const mode = { offline, platforms: options.platforms, electronVersion, eolRuntime: support.eol };

  if (!options.skipBuild) buildApp(options.ifStale);
  const inputsHash = hashInputs(mode);
  if (options.ifStale) {
    const manifest = readManifest();
    const complete = manifest?.artifacts?.every(({ file }) => fs.existsSync(path.join(RELEASE_DIR, file)));
    // A --fast request is served by a fully compressed build, not the reverse.
    const goodEnough = options.fast || manifest?.fast === false;
    if (manifest?.inputsHash === inputsHash && complete && goodEnough) {
      log(`release/ is up to date (${manifest.artifacts.map(({ file }) => file).join(', ')})`);
      return;
    }
  }

  const config = require(CONFIG_FILE);
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  // Old artefacts (another version, another mode) must not pass for new ones.
  fs.rmSync(RELEASE_DIR, { recursive: true, force: true });
  const started = Date.now();
  if (offline) {
    log(`offline: Electron ${electronVersion} from ${provisioned}; targets ${OFFLINE_BUILDER_TARGETS.join(', ')} + deb`);
    await buildOffline(config, pkg, provisioned, electronVersion, options.fast);
  } else {
    log(`online: Electron ${electronVersion}; targets from ${path.relative(ROOT, CONFIG_FILE)}`);
    await buildOnline(config, options.platforms);
  }

  const artifacts = listArtefacts();
  const manifest = { inputsHash, ...mode, fast: options.fast, version: pkg.version, artifacts };
  fs.writeFileSync(MANIFEST_FILE, `${JSON.stringify(manifest, null, 2)}\n`);
  log(`done in ${Math.round((Date.now() - started) / 1000)} s:`);
  for (const { file, bytes } of artifacts) log(`  ${formatSize(bytes).padStart(10)}  release/${file}`);
}

main(process.argv.slice(2)).catch((error) => {
  console.error(`[dist] failed: ${error instanceof UsageError ? error.message : (error.stack ?? error)}`);
  process.exitCode = 1;
});
