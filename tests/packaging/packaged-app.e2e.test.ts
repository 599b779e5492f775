/**
 * The Linux desktop package, the way a user gets it: `scripts/dist.mjs`
 * builds it (offline, as CI can), `dpkg -i` installs the .deb, two copies of
 * the INSTALLED binary run under Xvfb with separate profiles, one hosts a
 * room on 127.0.0.1 and the other joins it by address, they chat both ways,
 * and `dpkg -r` removes every installed file again. The same file checks
 * the Electron fuses of the packaged binary (build/electron-builder.cjs).
 *
 * Needs root (dpkg), fakeroot and p7zip-full (7za) besides the GUI test
 * packages. Builds with `--fast` (light compression, same contents),
 * `--if-stale` (reuses release/ built from the same inputs) and
 * `--allow-eol-runtime`: the offline runtime here, Electron 33, is end of
 * life, which `npm run dist` refuses without that flag (checked below).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, lstatSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';

import asar from '@electron/asar';
import { FuseV1Options, getCurrentFuseWire } from '@electron/fuses';
import { FuseState } from '@electron/fuses/dist/constants';

import { expect } from '../e2e/expect';
import { hostRoom, joinRoom, memberNames, sendMessage } from '../e2e/helpers';

import { launchInstalledApp, type InstalledApp } from './installed-app';

const REPO_ROOT = join(__dirname, '..', '..');
const RELEASE_DIR = join(REPO_ROOT, 'release');
const PACKAGE_JSON = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
/** Debian package name (electron-installer-debian uses package.json's name). */
const DEB_NAME = PACKAGE_JSON.name;
/** What the .deb puts on the PATH (linux.executableName) and the desktop entry runs. */
const INSTALLED_COMMAND = '/usr/bin/lanchat';
const DESKTOP_FILE = '/usr/share/applications/lanchat.desktop';
/** hicolor sizes the .deb installs (build/make-icons.mjs renders them). */
const ICON_SIZES = [16, 24, 32, 48, 64, 128, 256, 512];
/** The build takes ~20 s with --fast here, several minutes without. */
const BUILD_TIMEOUT_MS = 6 * 60_000;
/** dpkg, plus apt-get when dependencies are missing. */
const INSTALL_TIMEOUT_MS = 5 * 60_000;

/**
 * The fuses build/electron-builder.cjs sets (update both together). Reading
 * them back proves electron-builder flipped them in the shipped binary.
 */
const EXPECTED_FUSES: Partial<Record<FuseV1Options, FuseState>> = {
  [FuseV1Options.RunAsNode]: FuseState.DISABLE,
  [FuseV1Options.EnableCookieEncryption]: FuseState.ENABLE,
  [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: FuseState.DISABLE,
  [FuseV1Options.EnableNodeCliInspectArguments]: FuseState.DISABLE,
  [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: FuseState.ENABLE,
  [FuseV1Options.OnlyLoadAppFromAsar]: FuseState.ENABLE,
  [FuseV1Options.LoadBrowserProcessSpecificV8Snapshot]: FuseState.DISABLE,
  [FuseV1Options.GrantFileProtocolExtraPrivileges]: FuseState.DISABLE,
};

/**
 * Paths that may be inside app.asar: the bundles, the renderer, package.json
 * and node-sqlite3-wasm (the one module the bundles load at run time). No
 * sources, tests or source maps.
 */
const ALLOWED_ASAR_ENTRY =
  /^\/(package\.json|dist|dist\/electron(\/(main|preload|server-process)\.js)?|dist\/renderer(\/.+)?|node_modules|node_modules\/node-sqlite3-wasm(\/.+)?)$/;

interface DistManifest {
  offline: boolean;
  electronVersion: string;
  /** Whether the packaged Electron was end of life (built with --allow-eol-runtime). */
  eolRuntime: boolean;
  version: string;
  artifacts: Array<{ file: string; bytes: number }>;
}

const skip =
  process.platform !== 'linux' || process.arch !== 'x64'
    ? 'Linux x64 packages only'
    : process.getuid?.() !== 0
      ? 'installing a .deb needs root'
      : !existsSync('/usr/bin/dpkg')
        ? 'needs dpkg (Debian or Ubuntu)'
        : false;

/** Runs a command to completion without blocking the event loop; rejects with its output. */
function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) resolve(output);
      else reject(new Error(`${command} ${args.join(' ')} exited with ${code}:\n${output.slice(-4000)}`));
    });
  });
}

/** dpkg's state of the package: 'installed', 'not-installed', 'config-files', ... */
function packageState(): string {
  try {
    return execFileSync('dpkg-query', ['-W', '-f=${db:Status-Status}', DEB_NAME], { encoding: 'utf8', stdio: 'pipe' });
  } catch {
    // dpkg-query exits 1 for a package it has never heard of.
    return 'not-installed';
  }
}

/** Parses a desktop entry's [Desktop Entry] group into key/value pairs. */
function readDesktopEntry(file: string): Record<string, string> {
  const lines = readFileSync(file, 'utf8').split('\n');
  assert.equal(lines[0], '[Desktop Entry]');
  return Object.fromEntries(
    lines
      .slice(1)
      .filter((line) => line.includes('='))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

describe('Linux package (.deb), built, installed and run', { skip }, () => {
  let manifest: DistManifest;
  let installedFiles: string[] = [];
  let binary = '';
  const apps: InstalledApp[] = [];

  after(async () => {
    await Promise.all(apps.map((app) => app.close()));
    // A failed run must not leave the package installed on the machine.
    if (packageState() !== 'not-installed') execFileSync('dpkg', ['--purge', DEB_NAME], { stdio: 'ignore' });
  });

  it('builds tar.gz and .deb offline, with only production files in app.asar', { timeout: BUILD_TIMEOUT_MS }, async () => {
    await run(process.execPath, [join(REPO_ROOT, 'scripts', 'dist.mjs'), '--fast', '--if-stale', '--allow-eol-runtime']);
    manifest = JSON.parse(readFileSync(join(RELEASE_DIR, 'dist-manifest.json'), 'utf8')) as DistManifest;
    const files = manifest.artifacts.map(({ file }) => file);
    const { name, version } = PACKAGE_JSON;
    assert.ok(files.includes(`${name}-${version}-linux-x64.tar.gz`), files.join(', '));
    assert.ok(files.includes(`${name}_${version}_amd64.deb`), files.join(', '));

    const entries = asar.listPackage(join(RELEASE_DIR, 'linux-unpacked', 'resources', 'app.asar'), { isPack: false });
    assert.deepEqual(
      entries.filter((entry) => !ALLOWED_ASAR_ENTRY.test(entry)),
      [],
    );
    assert.ok(entries.includes('/node_modules/node-sqlite3-wasm/dist/node-sqlite3-wasm.wasm'));
  });


  it('refuses to package an end-of-life Electron without --allow-eol-runtime', async () => {
    // The same command as above minus the flag: with an end-of-life runtime
    // it stops before building anything; with a supported one (the official
    // binary of the electron devDependency) it finds release/ up to date.
    const command = [join(REPO_ROOT, 'scripts', 'dist.mjs'), '--fast', '--if-stale', '--skip-build'];
    if (manifest.eolRuntime) {
      await assert.rejects(run(process.execPath, command), /exited with 1:[\s\S]*Electron \d+\.\d+\.\d+ is end of life/);
    } else {
      assert.match(await run(process.execPath, command), /release\/ is up to date/);
    }
  });
  it('installs with dpkg: command, desktop entry and icons', { timeout: INSTALL_TIMEOUT_MS }, async () => {
    const deb = join(RELEASE_DIR, `${PACKAGE_JSON.name}_${PACKAGE_JSON.version}_amd64.deb`);
    const apt = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    try {
      await run('dpkg', ['-i', deb], apt);
    } catch {
      // Missing dependencies leave the package unconfigured; apt installs
      // them and finishes. A machine whose package lists were never fetched
      // needs an update first.
      await run('apt-get', ['-f', 'install', '-y', '-qq'], apt).catch(async () => {
        await run('apt-get', ['update', '-qq'], apt);
        await run('apt-get', ['-f', 'install', '-y', '-qq'], apt);
      });
    }
    assert.equal(packageState(), 'installed');

    installedFiles = execFileSync('dpkg', ['-L', DEB_NAME], { encoding: 'utf8' }).split('\n').filter(Boolean);
    binary = realpathSync(INSTALLED_COMMAND);
    assert.ok(installedFiles.includes(INSTALLED_COMMAND));
    assert.ok(installedFiles.includes(binary), `${binary} is not from the package`);
    assert.ok(existsSync(join(dirname(binary), 'resources', 'app.asar')));
    for (const size of ICON_SIZES) {
      assert.ok(existsSync(`/usr/share/icons/hicolor/${size}x${size}/apps/lanchat.png`), `${size}px icon`);
    }
    assert.ok(existsSync('/usr/share/icons/hicolor/scalable/apps/lanchat.svg'));

    const entry = readDesktopEntry(DESKTOP_FILE);
    assert.equal(entry.Name, 'LanChat');
    assert.equal(entry.Categories, 'Network;Chat;');
    assert.equal(entry.Icon, 'lanchat');
    // The offline .deb runs `lanchat` from the PATH, electron-builder's (online) /opt/LanChat/lanchat.
    assert.match(entry.Exec ?? '', /^(\S*\/)?lanchat %U$/);
    // No file associations; the invite scheme (build/electron-builder.cjs `protocols`), so
    // lanchat://join?… links open the installed app.
    assert.equal(entry.MimeType, 'x-scheme-handler/lanchat;');
  });

  it('has the hardening fuses set in the installed binary', async () => {
    const wire = await getCurrentFuseWire(binary);
    const actual = Object.fromEntries(Object.keys(EXPECTED_FUSES).map((fuse) => [fuse, wire[Number(fuse) as FuseV1Options]]));
    assert.deepEqual(actual, EXPECTED_FUSES);
  });

  it('hosts a room in one installed app; a second joins by address; they chat both ways', async () => {
    const [alice, bob] = await Promise.all([launchInstalledApp(INSTALLED_COMMAND, 'alice'), launchInstalledApp(INSTALLED_COMMAND, 'bob')]);
    apps.push(alice, bob);

    const info = await alice.page.evaluate(() => (window as unknown as { lanChat: { getAppInfo(): Promise<{ version: string; electron: string }> } }).lanChat.getAppInfo());
    assert.deepEqual({ version: info.version, electron: info.electron }, { version: PACKAGE_JSON.version, electron: manifest.electronVersion });

    // Hosting runs the chat server in a utility process loaded from app.asar,
    // with node-sqlite3-wasm's .wasm read from inside the archive.
    const shareUrl = await hostRoom(alice.page, 'Alice', 'lobby');
    assert.match(shareUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
    await joinRoom(bob.page, 'Bob', shareUrl, 'lobby');
    await expect(() => memberNames(alice.page), ['Alice', 'Bob']);

    await sendMessage(alice.page, 'Hello from the installed app');
    await bob.page.getByTestId('message-text').filter({ hasText: 'Hello from the installed app' }).waitFor();
    await sendMessage(bob.page, 'Hi Alice, installed too');
    await alice.page.getByTestId('message-text').filter({ hasText: 'Hi Alice, installed too' }).waitFor();
    assert.ok(existsSync(join(alice.userDataDir, 'history.sqlite')), 'the host keeps its history in SQLite');

    await Promise.all(apps.splice(0).map((app) => app.close()));
  });

  it('uninstalls cleanly with dpkg -r', { timeout: INSTALL_TIMEOUT_MS }, async () => {
    // Directories such as /usr/share/icons are shared with other packages;
    // every file and symlink the package brought must be gone.
    const ownFiles = installedFiles.filter((file) => existsSync(file) && !lstatSync(file).isDirectory());
    assert.ok(ownFiles.length > 0);
    await run('dpkg', ['-r', DEB_NAME]);
    assert.equal(packageState(), 'not-installed');
    assert.deepEqual(
      ownFiles.filter((file) => existsSync(file)),
      [],
    );
    assert.equal(existsSync(dirname(binary)), false, `${dirname(binary)} is left behind`);
  });
});
