/**
 * lockFile on real files: one holder per file whatever its name, the
 * holder's pid in a refusal, release (twice), and a lock that dies with a
 * SIGKILLed process (a real child process).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { linkSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

import { lockFile, type FileLock } from '../../server/file-lock';
import { withTimeout } from './helpers';

const ROOT = join(__dirname, '..', '..');
const LOCK_MODULE = join(ROOT, 'server', 'file-lock.ts');
/** Starting a child process through tsx takes a while on a loaded machine. */
const PROCESS_TIMEOUT_MS = 20_000;

const tempRoot = mkdtempSync(join(tmpdir(), 'lanchat-file-lock-unit-'));
let fileCounter = 0;

after(() => rmSync(tempRoot, { recursive: true, force: true }));

function freshFile(): string {
  fileCounter += 1;
  const file = join(tempRoot, `file-${fileCounter}`);
  writeFileSync(file, '');
  return file;
}

function mustLock(file: string): FileLock {
  const result = lockFile(file);
  assert.ok(result.locked, `locking ${file}`);
  return result.lock;
}

describe('lockFile', () => {
  it('lets one holder in this process have a file, by any name, until it releases it (twice is safe)', () => {
    const file = freshFile();
    const lock = mustLock(file);
    const link = `${file}.hard`;
    linkSync(file, link);
    symlinkSync(file, `${file}.sym`);
    for (const name of [file, link, `${file}.sym`]) {
      assert.deepEqual(lockFile(name), { locked: false, holderPid: process.pid, thisProcess: true });
    }
    // Another file is another lock.
    const other = mustLock(freshFile());
    other.release();
    lock.release();
    lock.release();
    mustLock(link).release();
  });

  it("names another process's pid, and is free again once that process is SIGKILLed", async () => {
    const file = freshFile();
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '-e', `const r = require(process.env.LOCK_MODULE).lockFile(process.env.FILE); console.log(r.locked ? 'locked' : 'refused'); setInterval(() => {}, 1000);`],
      { cwd: ROOT, env: { ...process.env, NODE_OPTIONS: '', LOCK_MODULE, FILE: file }, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const exited = new Promise<string>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? String(code))));
    try {
      const said = await withTimeout(
        new Promise<string>((resolve) => child.stdout.setEncoding('utf8').once('data', (chunk: string) => resolve(chunk.trim()))),
        PROCESS_TIMEOUT_MS,
        'the child to lock the file',
      );
      assert.equal(said, 'locked');
      assert.deepEqual(lockFile(file), { locked: false, holderPid: child.pid, thisProcess: false });
    } finally {
      child.kill('SIGKILL');
    }
    assert.equal(await withTimeout(exited, PROCESS_TIMEOUT_MS, 'the child to die'), 'SIGKILL');
    mustLock(file).release();
  });
});
