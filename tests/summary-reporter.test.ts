/**
 * Tests for tests/summary-reporter.mjs: runs `node --test` with the reporter
 * on small fixture files in a temporary directory and reads its closing line.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

const REPORTER = join(__dirname, 'summary-reporter.mjs');

const FIXTURES: Record<string, string> = {
  'passing.test.mjs': `
    import { test } from 'node:test';
    test('one', () => {});
    test('two', () => {});
  `,
  'failing-after-hook.test.mjs': `
    import { after, describe, test } from 'node:test';
    describe('suite', () => {
      after(() => { throw new Error('after hook failed'); });
      test('passes', () => {});
    });
  `,
  'failing-top-level-after-hook.test.mjs': `
    import { after, test } from 'node:test';
    after(() => { throw new Error('after hook failed'); });
    test('passes', () => {});
  `,
  'failing-before-hook.test.mjs': `
    import { before, describe, test } from 'node:test';
    describe('suite', () => {
      before(() => { throw new Error('before hook failed'); });
      test('never runs', () => {});
    });
  `,
  'throws-at-load.test.mjs': `
    throw new Error('this file cannot even be loaded');
  `,
  'failing-test.test.mjs': `
    import { describe, test } from 'node:test';
    describe('suite', () => {
      test('fails', () => { throw new Error('no'); });
      test('passes', () => {});
      test('skipped', { skip: true }, () => {});
    });
  `,
};

describe('summary reporter', () => {
  let dir = '';

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'lanchat-summary-reporter-'));
    for (const [name, source] of Object.entries(FIXTURES)) writeFileSync(join(dir, name), source);
  });

  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  /** Runs the fixture files through node --test with the reporter; returns its last line and the exit code. */
  function run(...files: string[]): { line: string; status: number | null } {
    // Without NODE_TEST_CONTEXT the nested runner reports to its own
    // reporter, not as a child of the runner running this file.
    const env = { ...process.env };
    delete env.NODE_TEST_CONTEXT;
    const result = spawnSync(process.execPath, ['--test', `--test-reporter=${REPORTER}`, '--test-reporter-destination=stdout', ...files], {
      cwd: dir,
      env,
      encoding: 'utf8',
      timeout: 60_000,
    });
    const lines = result.stdout.trim().split('\n');
    return { line: lines[lines.length - 1] ?? '', status: result.status };
  }

  test('counts the tests of a passing file', () => {
    assert.deepEqual(run('passing.test.mjs'), { line: '2 passed, 0 failed', status: 0 });
  });

  test("counts a suite's failing after hook as a failure", () => {
    assert.deepEqual(run('failing-after-hook.test.mjs'), { line: '1 passed, 1 failed', status: 1 });
  });

  test("counts a file's failing top-level after hook as a failure", () => {
    assert.deepEqual(run('failing-top-level-after-hook.test.mjs'), { line: '1 passed, 1 failed', status: 1 });
  });

  test('counts a failing before hook: the hook and the test it cancelled', () => {
    assert.deepEqual(run('failing-before-hook.test.mjs'), { line: '0 passed, 2 failed', status: 1 });
  });

  test('counts a file that throws while loading as a failure', () => {
    assert.deepEqual(run('throws-at-load.test.mjs'), { line: '0 passed, 1 failed', status: 1 });
  });

  test('counts a failing test once, not again for the suite around it', () => {
    assert.deepEqual(run('failing-test.test.mjs'), { line: '1 passed, 1 failed, 1 skipped', status: 1 });
  });

  test('adds up several files', () => {
    const { line, status } = run(...Object.keys(FIXTURES));
    assert.equal(line, '5 passed, 6 failed, 1 skipped');
    assert.equal(status, 1);
  });
});
