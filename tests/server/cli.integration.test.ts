import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { PROTOCOL_VERSION } from '../../server/protocol';
import { WsTestClient, killRunningClis, spawnCli, waitForStdout, withTimeout, type CliRun } from './helpers';

const ROOT = join(__dirname, '..', '..');
/** Starting a process through tsx takes a while on a loaded machine. */
const PROCESS_TIMEOUT_MS = 20_000;
const PACKAGE_VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/** Runs the CLI to completion. */
async function runToExit(args: string[]): Promise<{ code: number | string; stdout: string; stderr: string }> {
  const run = spawnCli(args);
  const code = await withTimeout(run.exited, PROCESS_TIMEOUT_MS, `lanchat-host ${args.join(' ')} to exit`);
  return { code, stdout: run.stdout(), stderr: run.stderr() };
}

after(() => {
  // Only processes this file started.
  killRunningClis();
});

describe('lanchat-host CLI', () => {
  describe('running host', () => {
    let run: CliRun;
    let port: number;

    before(async () => {
      run = spawnCli(['--port', '0', '--host', '127.0.0.1', '--no-web', '--room', 'lobby', '--room', 'Ops']);
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
