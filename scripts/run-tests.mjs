#!/usr/bin/env node
/**
 * Runs LanChat's tests with Node's own test runner (TypeScript through tsx)
 * and ends with the line `N passed, N failed`.
 *
 * Usage: node scripts/run-tests.mjs [unit|integration|e2e|all] [file filter]
 *   unit         tests/**\/*.test.ts that are neither integration nor e2e
 *   integration  tests/**\/*.integration.test.ts (real sockets, real processes)
 *   e2e          tests/e2e/**\/*.e2e.test.ts (real Electron and Chromium, under Xvfb)
 *   all          everything (default)
 *
 * GUI tests need a display: without $DISPLAY the run re-executes itself under
 * `xvfb-run -a`. The Electron runtime comes from ELECTRON_OVERRIDE_DIST_PATH
 * or, when that is unset and the official binary is missing, from
 * scripts/provision-electron.mjs.
 *
 * The run gets a fresh XDG_DATA_HOME and XDG_CONFIG_HOME (removed
 * afterwards): a test that forgets its own temporary folder still never
 * touches the user's history (~/.local/share/lanchat) or settings
 * (~/.config). HOME and XDG_CACHE_HOME stay: the Electron runtime is cached
 * there.
 *
 * Every test also runs with LANCHAT_DISCOVERY=off: no host a test starts
 * announces itself on the real LAN, and no app a test starts lists the
 * developer's neighbours. The network-namespace tests, whose multicast
 * stays inside namespaces they create, pass LANCHAT_DISCOVERY=on to what
 * they start.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [kind = 'all', filter = ''] = process.argv.slice(2);
const KINDS = ['unit', 'integration', 'e2e', 'all'];
/** Per-test timeout: generous, since GUI tests start whole apps on 2 cores. */
const TEST_TIMEOUT_MS = 180_000;

if (!KINDS.includes(kind)) {
  console.error(`run-tests: unknown kind "${kind}"; expected one of ${KINDS.join(', ')}`);
  process.exit(2);
}

function listTests(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return listTests(path);
    return entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

function kindOf(file) {
  if (file.endsWith('.e2e.test.ts')) return 'e2e';
  if (file.endsWith('.integration.test.ts')) return 'integration';
  return 'unit';
}

const files = listTests(join(root, 'tests'))
  .filter((file) => kind === 'all' || kindOf(file) === kind)
  .filter((file) => file.includes(filter))
  .sort((a, b) => KINDS.indexOf(kindOf(a)) - KINDS.indexOf(kindOf(b)) || a.localeCompare(b))
  .map((file) => relative(root, file));

if (files.length === 0) {
  console.error('run-tests: no test files matched');
  process.exit(1);
}

const needsDisplay = files.some((file) => kindOf(file) === 'e2e');
const xdgRoot = mkdtempSync(join(tmpdir(), 'lanchat-tests-xdg-'));
const env = {
  ...process.env,
  XDG_DATA_HOME: join(xdgRoot, 'data'),
  XDG_CONFIG_HOME: join(xdgRoot, 'config'),
  LANCHAT_DISCOVERY: 'off',
};
if (needsDisplay && !env.ELECTRON_OVERRIDE_DIST_PATH) {
  const provision = spawnSync(process.execPath, [join(root, 'scripts', 'provision-electron.mjs'), '--print-path'], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (provision.status !== 0) process.exit(provision.status ?? 1);
  const dist = provision.stdout.trim();
  if (dist) env.ELECTRON_OVERRIDE_DIST_PATH = dist;
}

const nodeArgs = [
  '--import',
  'tsx',
  '--test',
  `--test-timeout=${TEST_TIMEOUT_MS}`,
  '--test-reporter=spec',
  '--test-reporter-destination=stdout',
  `--test-reporter=${join(root, 'tests', 'summary-reporter.mjs')}`,
  '--test-reporter-destination=stdout',
  ...files,
];
const command = needsDisplay && !env.DISPLAY ? ['xvfb-run', ['-a', '--server-args=-screen 0 1280x900x24', process.execPath, ...nodeArgs]] : [process.execPath, nodeArgs];
const result = spawnSync(command[0], command[1], { cwd: root, env, stdio: 'inherit' });
rmSync(xdgRoot, { recursive: true, force: true });
process.exit(result.status ?? 1);
