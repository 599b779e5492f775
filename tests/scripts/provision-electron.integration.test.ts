/**
 * scripts/provision-electron.mjs: the offline runtime it leaves in the cache
 * is a plain Electron 33 (Chromium 130) with nothing of the donor app
 * (Cypress) left in it and Electron's stock fuses, as the real binary
 * reports them. Runs the script for real; it reuses the cached runtime when
 * there is one, and provisions nothing when the official binary is
 * installed (then there is nothing of ours to check but that binary).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';

import { FuseV1Options, getCurrentFuseWire } from '@electron/fuses';
import { FuseState } from '@electron/fuses/dist/constants';

const REPO_ROOT = join(__dirname, '..', '..');

describe('scripts/provision-electron.mjs', () => {
  it('leaves a plain Electron 33 runtime: no Cypress app, stock fuses, our default app', async () => {
    const result = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts', 'provision-electron.mjs'), '--print-path'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    });
    assert.equal(result.status, 0, result.stderr);
    const dist = result.stdout.trim();
    if (dist === '') {
      // The official binary is installed: the script must have said so and provisioned nothing.
      assert.match(result.stderr, /Official Electron binary present/);
      const electronDir = dirname(require.resolve('electron/package.json'));
      assert.ok(existsSync(join(electronDir, 'dist', readFileSync(join(electronDir, 'path.txt'), 'utf8').trim())));
      return;
    }

    const version = readFileSync(join(dist, 'version'), 'utf8').trim();
    assert.equal(version, '33.2.1');
    const reported = execFileSync(join(dist, 'electron'), ['-p', 'JSON.stringify(process.versions)'], {
      encoding: 'utf8',
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
    });
    const versions = JSON.parse(reported) as { electron: string; chrome: string; node: string };
    assert.equal(versions.electron, version);
    assert.match(versions.chrome, /^130\./);
    assert.match(versions.node, /^20\./);

    assert.deepEqual(readdirSync(join(dist, 'resources')), ['default_app.asar']);
    for (const donorFile of ['Cypress', 'browser_v8_context_snapshot.bin', 'resources/app', 'resources/app-update.yml']) {
      assert.ok(!existsSync(join(dist, donorFile)), `${donorFile} is gone`);
    }

    const wire = await getCurrentFuseWire(join(dist, 'electron'));
    // Electron's defaults: Playwright needs --inspect, and the browser-process snapshot was removed.
    assert.equal(wire[FuseV1Options.EnableNodeCliInspectArguments], FuseState.ENABLE);
    assert.equal(wire[FuseV1Options.LoadBrowserProcessSpecificV8Snapshot], FuseState.DISABLE);
    assert.equal(wire[FuseV1Options.RunAsNode], FuseState.ENABLE);
  });
});
