/**
 * One host per history file, by any name and in any pid namespace, through
 * real CLI host processes (server/cli.ts under tsx) on real files: a
 * symlink and a hard link to an open file are refused; a host that is pid 1
 * of its own pid namespace (`unshare --pid --fork --mount-proc`, as in a
 * container) is SIGKILLed and a new one in a new namespace starts, while a
 * live one refuses the next; and two hosts started at the same moment leave
 * exactly one running, after whose SIGKILL the next start works.
 *
 * Needs root for unshare (the test machine runs as root).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { linkSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

import { WsTestClient, sendAndAck, waitForStdout, withTimeout, type CliRun } from './helpers';

const ROOT = join(__dirname, '..', '..');
/** Starting a process through tsx takes a while on a loaded machine. */
const PROCESS_TIMEOUT_MS = 30_000;
/** Rounds of two hosts started together. */
const RACE_ROUNDS = 5;
const LISTENING = /^LanChat host listening on http:\/\/127\.0\.0\.1:(\d+)$/m;

const tempRoot = mkdtempSync(join(tmpdir(), 'lanchat-file-lock-'));
const started = new Set<ChildProcess>();
let dirCounter = 0;

after(() => {
  // Only processes this file started (and, for unshare, the host inside).
  for (const child of started) {
    for (const pid of childPids(child.pid)) killQuietly(pid);
    child.kill('SIGKILL');
  }
  rmSync(tempRoot, { recursive: true, force: true });
});

function freshDir(): string {
  dirCounter += 1;
  return mkdtempSync(join(tempRoot, `case-${dirCounter}-`));
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** The direct children of a process (for unshare: the host it forked, pid 1 of the new namespace). */
function childPids(pid: number | undefined): number[] {
  if (pid === undefined) return [];
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Starts a CLI host on `data` (port 0, loopback), optionally inside a new pid namespace. */
function startHost(data: string, options: { pidNamespace?: boolean } = {}): CliRun {
  const host = [process.execPath, '--import', 'tsx', join('server', 'cli.ts'), '--port', '0', '--host', '127.0.0.1', '--no-web', '--data', data];
  const [command, ...args] = options.pidNamespace ? ['unshare', '--pid', '--fork', '--mount-proc', ...host] : host;
  const child = spawn(command as string, args, { cwd: ROOT, env: { ...process.env, NODE_OPTIONS: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  started.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => {
      started.delete(child);
      resolve(signal ?? code ?? 'unknown');
    }),
  );
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

/** Waits until the host listens; its port. */
async function listening(run: CliRun): Promise<number> {
  return Number((await waitForStdout(run, LISTENING, PROCESS_TIMEOUT_MS))[1]);
}

/** Waits for a host that must be refused: exit code 1, no listening line; its stderr. */
async function refused(run: CliRun): Promise<string> {
  const code = await withTimeout(run.exited, PROCESS_TIMEOUT_MS, 'the refused host to exit');
  assert.equal(code, 1, `stdout: ${run.stdout()} stderr: ${run.stderr()}`);
  assert.doesNotMatch(run.stdout(), /listening/);
  assert.doesNotMatch(run.stderr(), /^\s+at /m, 'one sentence, no stack trace');
  return run.stderr();
}

/** Sends one message through the host and waits for its ack. */
async function chat(port: number, text: string): Promise<void> {
  const client = await WsTestClient.connect({ port, address: '127.0.0.1', family: 'IPv4' }, 'lock test');
  try {
    await client.join('lobby', 'Ann');
    await sendAndAck(client, text);
  } finally {
    client.close();
  }
}

async function stop(run: CliRun): Promise<void> {
  run.child.kill('SIGTERM');
  assert.equal(await withTimeout(run.exited, PROCESS_TIMEOUT_MS, 'the host to stop'), 0);
}

describe('one host per history file', () => {
  it('refuses a second host through a symlink or a hard link, naming the running host and the file', async () => {
    const dir = freshDir();
    const file = join(dir, 'history.sqlite');
    const first = startHost(file);
    const port = await listening(first);
    await chat(port, 'before');
    const symlink = join(dir, 'symlink.sqlite');
    const hardLink = join(dir, 'hard-link.sqlite');
    symlinkSync(file, symlink);
    linkSync(file, hardLink);
    for (const name of [symlink, hardLink]) {
      const stderr = await refused(startHost(name));
      assert.ok(stderr.includes(`Another LanChat host (pid ${first.child.pid}) has the history file ${name} open`), stderr);
    }
    // The first host was not disturbed.
    await chat(port, 'after');
    await stop(first);
    // Stopped, the hard link still cannot be used: its log would be named after another name.
    const stderr = await refused(startHost(hardLink));
    assert.match(stderr, /has 2 hard links/);
    assert.ok(stderr.includes(hardLink), stderr);
  });

  it('restarts after a host that was pid 1 of its pid namespace is SIGKILLed, and refuses a second one while it lives', async () => {
    const file = join(freshDir(), 'history.sqlite');
    const first = startHost(file, { pidNamespace: true });
    await chat(await listening(first), 'from pid 1');
    const [firstPid] = childPids(first.child.pid);
    assert.ok(firstPid !== undefined, 'unshare forked the host');
    process.kill(firstPid, 'SIGKILL');
    await withTimeout(first.exited, PROCESS_TIMEOUT_MS, 'the namespace to end');

    // Pid 1 again, in a new namespace: the dead host's pid was 1 too.
    const second = startHost(file, { pidNamespace: true });
    const port = await listening(second);
    await chat(port, 'after the kill');
    // Another host, pid 1 of yet another namespace, is refused while it lives: the lock is not a pid.
    const stderr = await refused(startHost(file, { pidNamespace: true }));
    assert.match(stderr, /Another LanChat host \(pid 1\) has the history file/);
    await chat(port, 'undisturbed');
    const [secondPid] = childPids(second.child.pid);
    assert.ok(secondPid !== undefined);
    process.kill(secondPid, 'SIGTERM');
    await withTimeout(second.exited, PROCESS_TIMEOUT_MS, 'the second host to stop');
  });

  it(`lets exactly one of two hosts started together run, ${RACE_ROUNDS} times, each after the previous one was SIGKILLed`, async () => {
    const file = join(freshDir(), 'history.sqlite');
    const refusals: Array<{ stderr: string; winnerPid: number | undefined }> = [];
    for (let round = 1; round <= RACE_ROUNDS; round += 1) {
      const pair = [startHost(file), startHost(file)];
      const outcomes = await Promise.all(
        pair.map((run) =>
          // waitForStdout rejects when the process exits first: that outcome is its exit.
          Promise.race([
            listening(run).then(
              () => 'running' as const,
              async () => `exited ${await run.exited}` as const,
            ),
            run.exited.then((code) => `exited ${code}` as const),
          ]),
        ),
      );
      const winner = pair[outcomes.indexOf('running')];
      assert.deepEqual([...outcomes].sort(), ['exited 1', 'running'], `round ${round}: ${outcomes.join(', ')}; ${pair.map((run) => run.stderr()).join(' | ')}`);
      const loser = pair.find((run) => run !== winner) as CliRun;
      refusals.push({ stderr: loser.stderr(), winnerPid: winner?.child.pid });
      winner?.child.kill('SIGKILL');
      assert.equal(await withTimeout(winner?.exited as Promise<number | string>, PROCESS_TIMEOUT_MS, 'the winner to die'), 'SIGKILL');
    }
    const last = startHost(file);
    await chat(await listening(last), 'after the races');
    await stop(last);
    for (const { stderr, winnerPid } of refusals) {
      assert.ok(stderr.includes(`Another LanChat host (pid ${winnerPid}) has the history file ${file} open`), stderr);
    }
  });
});
