import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { PROTOCOL_VERSION } from '../../server/protocol';
import { WsTestClient, withTimeout } from './helpers';

const ROOT = join(__dirname, '..', '..');
const CLI = join('server', 'cli.ts');
/** Starting a process through tsx takes a while on a loaded machine. */
const PROCESS_TIMEOUT_MS = 20_000;
const PACKAGE_VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

interface CliRun {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the exit code (or the signal name) once the process has ended. */
  exited: Promise<number | string>;
}

const running = new Set<ChildProcess>();

function runCli(args: string[]): CliRun {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
    cwd: ROOT,
    env: { ...process.env, NODE_OPTIONS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve(code ?? signal ?? 'unknown');
    });
  });
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

/** Runs the CLI to completion. */
async function runToExit(args: string[]): Promise<{ code: number | string; stdout: string; stderr: string }> {
  const run = runCli(args);
  const code = await withTimeout(run.exited, PROCESS_TIMEOUT_MS, `lanchat-host ${args.join(' ')} to exit`);
  return { code, stdout: run.stdout(), stderr: run.stderr() };
}

/** Waits until stdout has a line matching `pattern`; fails early if the process exits first. */
function waitForStdout(run: CliRun, pattern: RegExp): Promise<RegExpMatchArray> {
  return withTimeout(
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const check = (): void => {
        const match = run.stdout().match(pattern);
        if (match) {
          run.child.stdout?.off('data', check);
          resolve(match);
        }
      };
      run.child.stdout?.on('data', check);
      check();
      run.exited.then((code) => reject(new Error(`exited with ${code} before printing ${pattern}; stderr: ${run.stderr()}`)));
    }),
    PROCESS_TIMEOUT_MS,
    `stdout matching ${pattern}`,
  );
}

after(() => {
  // Only processes this file started.
  for (const child of running) child.kill('SIGKILL');
});

describe('lanchat-host CLI', () => {
  describe('running host', () => {
    let run: CliRun;
    let port: number;

    before(async () => {
      run = runCli(['--port', '0', '--host', '127.0.0.1', '--no-web', '--room', 'lobby', '--room', 'Ops']);
      const match = await waitForStdout(run, /^LanChat host listening on http:\/\/127\.0\.0\.1:(\d+)$/m);
      port = Number(match[1]);
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
      const result = await runToExit(['--port', String(busyPort), '--host', '127.0.0.1', '--no-web']);
      assert.equal(result.code, 1);
      assert.match(result.stderr, new RegExp(`\\b${busyPort}\\b`));
      assert.doesNotMatch(result.stdout, /listening/);
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
        const result = await runToExit([...args, '--host', '127.0.0.1', '--no-web']);
        assert.equal(result.code, 2, `stderr: ${result.stderr}`);
        assert.match(result.stderr, /^lanchat-host: /);
        assert.match(result.stderr, mention);
        assert.doesNotMatch(result.stdout, /listening/);
      });
    }

    it('prints usage and exits 0 for --help and -h', async () => {
      for (const flag of ['--help', '-h']) {
        const result = await runToExit([flag]);
        assert.equal(result.code, 0);
        assert.match(result.stdout, /^Usage: lanchat-host/);
        assert.match(result.stdout, /--port <n>/);
        assert.equal(result.stderr, '');
      }
    });

    it('prints the package version and exits 0 for --version', async () => {
      const result = await runToExit(['--version']);
      assert.equal(result.code, 0);
      assert.equal(result.stdout, `${PACKAGE_VERSION}\n`);
    });
  });
});
