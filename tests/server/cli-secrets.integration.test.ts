/**
 * The CLI's secrets and files through the real `lanchat-host` process: the
 * room password from --password-file or LANCHAT_PASSWORD (and not in
 * /proc/<pid>/cmdline, which every local user can read), the warning for
 * --password, and a data directory only its owner can read. Every run uses
 * its own temporary directory, never the user's real data.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

import { ErrorCode } from '../../server/protocol';

import { WsTestClient, expectError, killRunningClis, spawnCli, waitForStdout, withTimeout, type CliRun } from './helpers';

const PROCESS_TIMEOUT_MS = 20_000;
const SECRET = 'correct horse 7';

const scratch = mkdtempSync(join(tmpdir(), 'lanchat-cli-secrets-'));
after(() => {
  killRunningClis();
  rmSync(scratch, { recursive: true, force: true });
});

/** Starts the CLI and resolves with its port once it listens. */
async function startCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ run: CliRun; port: number }> {
  const run = spawnCli(['--port', '0', '--host', '127.0.0.1', '--no-web', ...args], env);
  const match = await waitForStdout(run, /^LanChat host listening on http:\/\/127\.0\.0\.1:(\d+)$/m, PROCESS_TIMEOUT_MS);
  return { run, port: Number(match[1]) };
}

async function stop(run: CliRun): Promise<void> {
  run.child.kill('SIGTERM');
  await withTimeout(run.exited, PROCESS_TIMEOUT_MS, 'the host to exit');
}

/** Checks that `vault` refuses no password and a wrong one, and admits `password`. */
async function assertVaultPassword(port: number, password: string): Promise<void> {
  const client = await WsTestClient.connect({ port, address: '127.0.0.1', family: 'IPv4' }, 'cli-client');
  try {
    client.send({ type: 'join', create: true, room: 'vault', name: 'Ann' });
    await expectError(client, ErrorCode.PasswordRequired);
    client.send({ type: 'join', create: true, room: 'vault', name: 'Ann', password: 'wrong' });
    await expectError(client, ErrorCode.WrongPassword);
    const welcome = await client.joinWith({ room: 'vault', name: 'Ann', password });
    assert.equal(welcome.room, 'vault');
  } finally {
    client.close();
    await client.waitClosed().catch(() => undefined);
  }
}

function cmdline(run: CliRun): string {
  return readFileSync(`/proc/${run.child.pid}/cmdline`, 'utf8');
}

describe('lanchat-host password sources', () => {
  it('takes the password from --password-file (its first line), and it is not in the process command line', async () => {
    const file = join(scratch, 'room-password');
    writeFileSync(file, `${SECRET}\n`, { mode: 0o600 });
    const { run, port } = await startCli(['--room', 'vault', '--password-file', file, '--data', ':memory:']);
    try {
      assert.ok(!cmdline(run).includes(SECRET), 'the password is not in /proc/<pid>/cmdline');
      assert.ok(!run.stderr().includes('warning'), run.stderr());
      await assertVaultPassword(port, SECRET);
    } finally {
      await stop(run);
    }
  });

  it('takes the password from LANCHAT_PASSWORD, and it is not in the process command line', async () => {
    const { run, port } = await startCli(['--room', 'vault', '--data', ':memory:'], { LANCHAT_PASSWORD: SECRET });
    try {
      assert.ok(!cmdline(run).includes(SECRET));
      await assertVaultPassword(port, SECRET);
    } finally {
      await stop(run);
    }
  });

  it('still takes --password, with a warning that every local user can read it', async () => {
    const { run, port } = await startCli(['--room', 'vault', '--password', SECRET, '--data', ':memory:']);
    try {
      assert.match(run.stderr(), /warning: --password is visible to every user of this machine/);
      await assertVaultPassword(port, SECRET);
    } finally {
      await stop(run);
    }
  });

  it('refuses an unreadable or empty --password-file, and two password sources at once, with exit code 2', async () => {
    const empty = join(scratch, 'empty');
    writeFileSync(empty, '\n');
    for (const [args, env, pattern] of [
      [['--password-file', join(scratch, 'missing')], {}, /cannot read --password-file .*ENOENT/],
      [['--password-file', empty], {}, /is empty/],
      [['--password', 'x'], { LANCHAT_PASSWORD: 'y' }, /one way only/],
    ] as const) {
      const run = spawnCli(['--port', '0', '--host', '127.0.0.1', '--no-web', '--data', ':memory:', ...args], env);
      assert.equal(await withTimeout(run.exited, PROCESS_TIMEOUT_MS, 'the host to exit'), 2);
      assert.match(run.stderr(), pattern);
    }
  });

  it('says in --help where else the password can come from', async () => {
    const run = spawnCli(['--help']);
    await withTimeout(run.exited, PROCESS_TIMEOUT_MS, 'help');
    assert.match(run.stdout(), /--password-file <file>/);
    assert.match(run.stdout(), /LANCHAT_PASSWORD/);
  });
});

describe('lanchat-host data directory', () => {
  it('creates the default data directory readable by its owner only (0700)', async () => {
    const dataHome = join(scratch, 'xdg');
    const { run } = await startCli([], { XDG_DATA_HOME: dataHome });
    try {
      assert.equal(statSync(join(dataHome, 'lanchat')).mode & 0o777, 0o700);
    } finally {
      await stop(run);
    }
  });

  it('creates a new --data directory 0700 too', async () => {
    const directory = join(scratch, 'new', 'history');
    const { run } = await startCli(['--data', join(directory, 'h.sqlite')]);
    try {
      assert.equal(statSync(directory).mode & 0o777, 0o700);
    } finally {
      await stop(run);
    }
  });
});
