/**
 * scripts/start-app.mjs (`npm start`) choosing its Electron runtime, as real
 * processes: when the official binary is missing, the official download is
 * tried once, the failure is remembered, and the next start goes straight to
 * the offline runtime, each start saying in one line which runtime runs.
 *
 * Each run uses `--print-runtime` (choose and name the runtime, start no
 * app) and a scratch XDG_CACHE_HOME, so the user's own cache keeps no memo.
 * The download is pointed at a closed port on 127.0.0.1 (ELECTRON_MIRROR),
 * so it fails the same way with or without internet and never writes into
 * node_modules. The offline runtime already provisioned in the real cache is
 * linked into the scratch cache instead of being fetched again.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';

const REPO_ROOT = join(__dirname, '..', '..');
const START_APP = join(REPO_ROOT, 'scripts', 'start-app.mjs');
const ELECTRON_PACKAGE = dirname(require.resolve('electron/package.json'));
const ELECTRON_PACKAGE_VERSION = (JSON.parse(readFileSync(join(ELECTRON_PACKAGE, 'package.json'), 'utf8')) as { version: string }).version;

/** Whether node_modules/electron has its official binary (then no download or fallback happens). */
function officialBinaryPresent(): boolean {
  const pathFile = join(ELECTRON_PACKAGE, 'path.txt');
  return existsSync(pathFile) && existsSync(join(ELECTRON_PACKAGE, 'dist', readFileSync(pathFile, 'utf8').trim()));
}

/** A TCP port on 127.0.0.1 that nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('scripts/start-app.mjs', () => {
  let scratch = '';
  let cacheHome = '';
  let env: NodeJS.ProcessEnv = {};

  before(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'lanchat-start-app-'));
    cacheHome = join(scratch, 'cache');
    mkdirSync(join(cacheHome, 'lanchat'), { recursive: true });
    const provisioned = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts', 'provision-electron.mjs'), '--print-path'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    });
    assert.equal(provisioned.status, 0, provisioned.stderr);
    const dist = provisioned.stdout.trim();
    if (dist) symlinkSync(dist, join(cacheHome, 'lanchat', basename(dist)));
    const { ELECTRON_OVERRIDE_DIST_PATH: _override, LANCHAT_RETRY_ELECTRON_DOWNLOAD: _retry, ...inherited } = process.env;
    env = {
      ...inherited,
      XDG_CACHE_HOME: cacheHome,
      ELECTRON_MIRROR: `http://127.0.0.1:${await closedPort()}/`,
      // @electron/get's own download cache: empty, so nothing cached passes for a download.
      electron_config_cache: join(scratch, 'electron-get-cache'),
    };
  });

  after(() => {
    rmSync(scratch, { recursive: true, force: true });
  });

  function start(): { status: number | null; output: string } {
    const result = spawnSync(process.execPath, [START_APP, '--print-runtime'], { cwd: REPO_ROOT, env, encoding: 'utf8' });
    return { status: result.status, output: `${result.stdout}${result.stderr}` };
  }

  it('tries the official download once, then remembers it failed and says which runtime runs', () => {
    const first = start();
    assert.equal(first.status, 0, first.output);
    const second = start();
    assert.equal(second.status, 0, second.output);

    if (officialBinaryPresent()) {
      // A machine with the official binary never downloads nor falls back.
      for (const run of [first, second]) assert.match(run.output, new RegExp(`runs on the official Electron ${ELECTRON_PACKAGE_VERSION.replaceAll('.', '\\.')}\\.`));
      return;
    }
    assert.match(first.output, /downloading the official Electron/);
    assert.match(first.output, /runs on the offline Electron \d+\.\d+\.\d+ runtime, end of life \(the official [\d.]+ download failed: /);
    // One line about the failure, not the installer's stack trace.
    assert.doesNotMatch(first.output, /\n\s+at /);
    const memo = JSON.parse(readFileSync(join(cacheHome, 'lanchat', 'official-electron-download.json'), 'utf8')) as { version: string };
    assert.equal(memo.version, ELECTRON_PACKAGE_VERSION);

    assert.doesNotMatch(second.output, /downloading/);
    assert.match(second.output, /runs on the offline Electron \d+\.\d+\.\d+ runtime, end of life \(the official [\d.]+ download failed before; delete .* to retry\)/);
    assert.equal(second.output.trim().split('\n').length, 1, second.output);
  });
});
