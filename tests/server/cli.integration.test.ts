/**
 * The CLI host as a real process: start-up, /health, shutdown, the command
 * line, and start-up failures (busy port, a history file that lost its
 * messages, a full disk on a small tmpfs, a read-only data folder), each a
 * sentence on stderr with exit code 1 and the stack trace only at debug
 * level. Every run gets its own temporary data folder (`--data`): no test
 * touches the user's real history. The tmpfs cases mount and unmount, and
 * the permission case runs the host as the user nobody (the tests run as
 * root).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { appendFileSync, chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { PROTOCOL_VERSION } from '../../server/protocol';
import { WsTestClient, killRunningClis, sendAndAck, spawnCli, waitForStdout, withTimeout, type CliRun } from './helpers';

const ROOT = join(__dirname, '..', '..');
/** Starting a process through tsx takes a while on a loaded machine. */
const PROCESS_TIMEOUT_MS = 20_000;
const PACKAGE_VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

const tempRoot = mkdtempSync(join(tmpdir(), 'lanchat-cli-'));
let dataCounter = 0;

/** `--data` in a new temporary folder. */
function dataArgs(): string[] {
  dataCounter += 1;
  return ['--data', join(tempRoot, `data-${dataCounter}`, 'history.sqlite')];
}

/** Runs `body` with a fresh tmpfs of `size` mounted on a temporary folder, unmounted afterwards. */
async function withTmpfs<T>(size: string, body: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tempRoot, 'tmpfs-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]);
  try {
    return await body(dir);
  } finally {
    execFileSync('umount', [dir]);
  }
}

/** Starts a host on `data`; its port once listening. */
async function startHost(data: string, extra: string[] = []): Promise<{ run: CliRun; port: number }> {
  const run = spawnCli(['--port', '0', '--host', '127.0.0.1', '--no-web', '--data', data, ...extra]);
  const match = await waitForStdout(run, /^LanChat host listening on http:\/\/127\.0\.0\.1:(\d+)$/m);
  return { run, port: Number(match[1]) };
}

async function stopHost(run: CliRun): Promise<void> {
  run.child.kill('SIGTERM');
  assert.equal(await withTimeout(run.exited, PROCESS_TIMEOUT_MS, 'the host to stop'), 0);
}

/** Starts a host on `data`, sends `texts` to lobby (each acknowledged: on disk) and stops it. */
async function writeHistory(data: string, texts: string[]): Promise<void> {
  const { run, port } = await startHost(data);
  const client = await WsTestClient.connect({ port, address: '127.0.0.1', family: 'IPv4' }, 'writer');
  try {
    await client.join('lobby', 'Writer');
    for (const text of texts) await sendAndAck(client, text);
  } finally {
    client.close();
  }
  await stopHost(run);
}

/** A failed start: exit code 1, nothing listening, one line on stderr without a stack trace; that line. */
function assertStartRefused(result: { code: number | string; stdout: string; stderr: string }): string {
  assert.equal(result.code, 1, `stderr: ${result.stderr}`);
  assert.doesNotMatch(result.stdout, /listening/);
  assert.match(result.stderr, /^lanchat-host: [^\n]+\n$/, 'one line');
  assert.doesNotMatch(result.stderr, /unexpected error|^\s+at /m);
  return result.stderr;
}

/** The uid and gid of `nobody`. */
const NOBODY = 65_534;

/** Runs the CLI to completion as the unprivileged user nobody. */
async function runAsNobody(args: string[]): Promise<{ code: number | string; stdout: string; stderr: string }> {
  // As nobody, but allowed to read and search every folder
  // (CAP_DAC_READ_SEARCH, which grants no writing): the checkout may sit in
  // a folder only root can enter (CI clones into `mktemp -d`), and reading
  // the code is not what this test is about.
  const child = spawn(
    'setpriv',
    [
      `--reuid=${NOBODY}`,
      `--regid=${NOBODY}`,
      '--clear-groups',
      '--inh-caps=+dac_read_search',
      '--ambient-caps=+dac_read_search',
      process.execPath,
      '--import',
      'tsx',
      join('server', 'cli.ts'),
      ...args,
    ],
    { cwd: ROOT, env: { ...process.env, NODE_OPTIONS: '', HOME: tmpdir() }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const code = await withTimeout(
    new Promise<number | string>((resolve) => child.once('exit', (exitCode, signal) => resolve(signal ?? exitCode ?? 'unknown'))),
    PROCESS_TIMEOUT_MS,
    'lanchat-host as nobody to exit',
  ).finally(() => child.kill('SIGKILL'));
  return { code, stdout, stderr };
}

/** Runs the CLI to completion. */
async function runToExit(args: string[]): Promise<{ code: number | string; stdout: string; stderr: string }> {
  const run = spawnCli(args);
  const code = await withTimeout(run.exited, PROCESS_TIMEOUT_MS, `lanchat-host ${args.join(' ')} to exit`);
  return { code, stdout: run.stdout(), stderr: run.stderr() };
}

after(() => {
  // Only processes this file started.
  killRunningClis();
  rmSync(tempRoot, { recursive: true, force: true });
});

describe('lanchat-host CLI', () => {
  describe('running host', () => {
    let run: CliRun;
    let port: number;

    before(async () => {
      run = spawnCli(['--port', '0', '--host', '127.0.0.1', '--no-web', '--room', 'lobby', '--room', 'Ops', ...dataArgs()]);
      const match = await waitForStdout(run, /^LanChat host listening on http:\/\/127\.0\.0\.1:(\d+)$/m);
      port = Number(match[1]);
      // The start-up lines may arrive in more than one chunk: wait for the last one.
      await waitForStdout(run, /join at http:\/\/\S+\n/);
    });

    after(async () => {
      if (run.child.exitCode === null && run.child.signalCode === null) {
        run.child.kill('SIGKILL');
        await run.exited;
      }
    });

    it('prints the address it listens on, on a real port', () => {
      assert.ok(port > 0 && port < 65536, `port ${port}`);
      assert.match(run.stdout(), new RegExp(`join at http://127\\.0\\.0\\.1:${port}\\n`));
    });

    it('answers /health with the package version and the --room rooms', async () => {
      const response = await fetch(`http://127.0.0.1:${port}/health`);
      assert.equal(response.status, 200);
      const report = (await response.json()) as { status: string; version: string; protocol: number; rooms: Array<{ name: string }> };
      assert.equal(report.status, 'ok');
      assert.equal(report.version, PACKAGE_VERSION);
      assert.equal(report.protocol, PROTOCOL_VERSION);
      assert.deepEqual(
        report.rooms.map((room) => room.name),
        ['lobby', 'Ops'],
      );
    });

    it('serves no web client with --no-web', async () => {
      const response = await fetch(`http://127.0.0.1:${port}/`);
      assert.equal(response.status, 404);
      await response.arrayBuffer();
    });

    it('accepts chat clients, and SIGTERM closes them with 1001 and exits 0', async () => {
      const client = await WsTestClient.connect({ port, address: '127.0.0.1', family: 'IPv4' }, 'cli client');
      try {
        const welcome = await client.join('lobby', 'Ann');
        assert.equal(welcome.room, 'lobby');
        run.child.kill('SIGTERM');
        assert.equal((await client.waitClosed(PROCESS_TIMEOUT_MS)).code, 1001);
        assert.equal(await withTimeout(run.exited, PROCESS_TIMEOUT_MS, 'exit after SIGTERM'), 0);
      } finally {
        client.close();
      }
    });
  });

  describe('start failures', () => {
    let blocker: Server;
    let busyPort: number;

    before(async () => {
      blocker = createServer();
      await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
      busyPort = (blocker.address() as { port: number }).port;
    });

    after(async () => {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    });

    it('exits 1 and names the port when the port is busy', async () => {
      const result = await runToExit(['--port', String(busyPort), '--host', '127.0.0.1', '--no-web', ...dataArgs()]);
      assert.equal(result.code, 1);
      assert.match(result.stderr, new RegExp(`\\b${busyPort}\\b`));
      assert.doesNotMatch(result.stdout, /listening/);
    });

    it('refuses a history file truncated to 0 bytes, naming it and its record; --fresh-history starts a new history', async () => {
      const data = join(tempRoot, 'truncated', 'history.sqlite');
      await writeHistory(data, ['one', 'two', 'three']);
      truncateSync(data, 0);
      const stderr = assertStartRefused(await runToExit(['--port', '0', '--host', '127.0.0.1', '--no-web', '--data', data]));
      assert.ok(stderr.includes(data) && stderr.includes(`${data}.record.json`), stderr);
      assert.match(stderr, /3 messages/);
      assert.match(stderr, /--fresh-history/);
      assert.equal(statSync(data).size, 0, 'the refused file is left as it was');

      const { run, port } = await startHost(data, ['--fresh-history']);
      const client = await WsTestClient.connect({ port, address: '127.0.0.1', family: 'IPv4' }, 'after');
      try {
        const welcome = await client.join('lobby', 'Reader');
        assert.deepEqual(welcome.history, []);
      } finally {
        client.close();
      }
      await stopHost(run);
    });

    it('says the disk is full when the history cannot be created on a full disk', async () => {
      await withTmpfs('512k', async (dir) => {
        // Fill it up.
        try {
          for (;;) appendFileSync(join(dir, 'filler'), Buffer.alloc(16 * 1024));
        } catch (error) {
          assert.equal((error as NodeJS.ErrnoException).code, 'ENOSPC');
        }
        const data = join(dir, 'lanchat', 'history.sqlite');
        const stderr = assertStartRefused(await runToExit(['--port', '0', '--host', '127.0.0.1', '--no-web', '--data', data]));
        assert.ok(stderr.includes(data), stderr);
        assert.match(stderr, /is full/);
        assert.doesNotMatch(stderr, /disk I\/O error/);
      });
    });

    it('says the history cannot be written in a read-only data folder, naming the data file (not a lock file); the stack trace only at debug level', async () => {
      await withTmpfs('4m', async (dir) => {
        const existing = join(dir, 'kept', 'history.sqlite');
        await writeHistory(existing, ['kept']);
        mkdirSync(join(dir, 'empty'));
        execFileSync('mount', ['-o', 'remount,ro', dir]);
        for (const data of [existing, join(dir, 'empty', 'history.sqlite'), join(dir, 'missing', 'history.sqlite')]) {
          const stderr = assertStartRefused(await runToExit(['--port', '0', '--host', '127.0.0.1', '--no-web', '--data', data]));
          assert.match(stderr, /^lanchat-host: Cannot write the history file (\S+) \(read-only file system\)/);
          assert.ok(stderr.includes(`history file ${data} `), stderr);
          assert.doesNotMatch(stderr, /lock/);
        }
        const debug = await runToExit(['--port', '0', '--host', '127.0.0.1', '--no-web', '--data', existing, '--log-level', 'debug']);
        assert.equal(debug.code, 1);
        assert.match(debug.stderr, /read-only file system/);
        assert.match(debug.stderr, /^\s+at /m, 'the stack trace at debug level');
      });
    });

    it('says permission denied, naming the data file, to a host run by a user who may not write the folder', async () => {
      // A real unprivileged user (nobody): root may write anywhere.
      const dir = mkdtempSync(join(tmpdir(), 'lanchat-cli-permission-'));
      try {
        chmodSync(dir, 0o755);
        const existing = join(dir, 'kept', 'history.sqlite');
        await writeHistory(existing, ['kept']);
        for (const data of [existing, join(dir, 'kept', 'new.sqlite'), join(dir, 'missing', 'history.sqlite')]) {
          const result = await runAsNobody(['--port', '0', '--host', '127.0.0.1', '--no-web', '--data', data]);
          const stderr = assertStartRefused(result);
          assert.ok(stderr.startsWith(`lanchat-host: Cannot write the history file ${data} (permission denied)`), stderr);
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('keeps a text with NUL characters byte-exact across a restart', async () => {
      const data = join(tempRoot, 'nul', 'history.sqlite');
      const texts = ['before\0after', '\0', 'a\0b\0c'];
      await writeHistory(data, texts);
      const { run, port } = await startHost(data);
      const client = await WsTestClient.connect({ port, address: '127.0.0.1', family: 'IPv4' }, 'reader');
      try {
        const welcome = await client.join('lobby', 'Reader');
        assert.deepEqual(
          welcome.history.map((entry) => entry.text),
          texts,
        );
      } finally {
        client.close();
      }
      await stopHost(run);
    });
  });

  describe('default history file', () => {
    it('is $XDG_DATA_HOME/lanchat/history.sqlite, which the test run points at a temporary folder', async () => {
      // scripts/run-tests.mjs sets it; checked first, so this test never
      // starts a host on the user's real history.
      const dataHome = process.env.XDG_DATA_HOME ?? '';
      assert.ok(dataHome.startsWith(tmpdir()) && !dataHome.startsWith(homedir()), `XDG_DATA_HOME is ${dataHome || 'unset'}`);
      const run = spawnCli(['--port', '0', '--host', '127.0.0.1', '--no-web']);
      const expected = join(dataHome, 'lanchat', 'history.sqlite');
      // The last start-up line: the host handles SIGTERM from here on.
      await waitForStdout(run, /join at http:\/\/\S+\n/);
      assert.ok(run.stdout().includes(`  history: ${expected}\n`), run.stdout());
      assert.ok(statSync(expected).isFile());
      await stopHost(run);
    });
  });

  describe('command line', () => {
    for (const [label, args, mention] of [
      ['a non-numeric --port', ['--port', 'abc'], /--port/],
      ['a negative --port', ['--port', '-1'], /port/],
      ['a --port above 65535', ['--port', '70000'], /port/],
      ['an unknown option', ['--bogus'], /--bogus/],
      ['a positional argument', ['lobby'], /lobby/],
      ['a bad --log-level', ['--log-level', 'loud'], /--log-level/],
      ['a non-numeric --max-text-bytes', ['--max-text-bytes', 'lots'], /--max-text-bytes/],
      ['a --max-text-bytes above the frame limit', ['--max-text-bytes', '1000000'], /maxTextBytes|max-text-bytes/],
      ['an invalid --room', ['--room', '../x'], /room/],
    ] as const) {
      it(`exits 2 with a message for ${label}`, async () => {
        const result = await runToExit([...args, '--host', '127.0.0.1', '--no-web', ...dataArgs()]);
        assert.equal(result.code, 2, `stderr: ${result.stderr}`);
        assert.match(result.stderr, /^lanchat-host: /);
        assert.match(result.stderr, mention);
        assert.doesNotMatch(result.stdout, /listening/);
      });
    }

    it('prints usage and exits 0 for --help and -h', async () => {
      for (const flag of ['--help', '-h']) {
        const result = await runToExit([flag, ...dataArgs()]);
        assert.equal(result.code, 0);
        assert.match(result.stdout, /^Usage: lanchat-host/);
        assert.match(result.stdout, /--port <n>/);
        assert.equal(result.stderr, '');
      }
    });

    it('prints the package version and exits 0 for --version', async () => {
      const result = await runToExit(['--version', ...dataArgs()]);
      assert.equal(result.code, 0);
      assert.equal(result.stdout, `${PACKAGE_VERSION}\n`);
    });
  });
});
