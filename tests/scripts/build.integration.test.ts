/**
 * scripts/build.mjs as `npm start` and `npm test` run it: a second build of
 * an unchanged tree rebuilds nothing (same outputs, same modification
 * times) and says so, instead of spending seconds on Vite and esbuild.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const REPO_ROOT = join(__dirname, '..', '..');
const OUTPUTS = [
  'dist/renderer/index.html',
  'dist/renderer/sockjs.min.js',
  'dist/server/cli.js',
  'dist/electron/main.js',
  'dist/electron/preload.js',
  'dist/electron/server-process.js',
].map((file) => join(REPO_ROOT, file));

function build(): string {
  const result = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts', 'build.mjs')], { cwd: REPO_ROOT, encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  return result.stdout;
}

describe('scripts/build.mjs', () => {
  it('rebuilds nothing when no input changed since the last build', () => {
    build();
    const before = OUTPUTS.map((file) => statSync(file).mtimeMs);
    const output = build();
    assert.match(output, /dist\/ is up to date/);
    assert.deepEqual(
      OUTPUTS.map((file) => statSync(file).mtimeMs),
      before,
    );
  });
});
