/**
 * What a room keeps across host restarts, with the real CLI on a temporary
 * history file: its password protection (issue 13 item 1), forgetting rooms
 * nobody wrote in (issue 12 item 5), and a failed flush to disk, where
 * `/health` turns degraded and what the sender is told agrees with what
 * members saw once the host restarts (issue 12 item 6).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

import { Database } from 'node-sqlite3-wasm';

import { ErrorCode, parseRoomsReport } from '../../server/protocol';
import { fromSqlText, toSqlText } from '../../server/sqlite-text';
import {
  WsTestClient,
  clientId,
  expectError,
  httpGet,
  killRunningClis,
  nextChat,
  sendAndAck,
  spawnCli,
  waitForStdout,
  withTimeout,
  type CliRun,
} from './helpers';

/** Starting a process through tsx takes a while on a loaded machine. */
const PROCESS_TIMEOUT_MS = 30_000;

const directory = mkdtempSync(join(tmpdir(), 'lanchat-rooms-cli-'));
after(() => {
  // Only processes this file started.
  killRunningClis();
  rmSync(directory, { recursive: true, force: true });
});

let fileCounter = 0;
function freshDataPath(): string {
  fileCounter += 1;
  return join(directory, `history-${fileCounter}.sqlite`);
}

interface Host {
  run: CliRun;
  address: AddressInfo;
}

/** Starts `lanchat-host` on 127.0.0.1, any port, no web client, on `dataPath`. */
async function startHost(dataPath: string, args: string[]): Promise<Host> {
  const run = spawnCli(['--port', '0', '--host', '127.0.0.1', '--no-web', '--data', dataPath, ...args]);
  const match = await waitForStdout(run, /^LanChat host listening on http:\/\/127\.0\.0\.1:(\d+)$/m, PROCESS_TIMEOUT_MS);
  return { run, address: { address: '127.0.0.1', family: 'IPv4', port: Number(match[1]) } };
}

/** SIGTERM, and the clean exit that follows. */
async function stopHost(host: Host): Promise<void> {
  host.run.child.kill('SIGTERM');
  assert.equal(await withTimeout(host.run.exited, PROCESS_TIMEOUT_MS, 'host exit'), 0);
}

/** Runs the CLI expecting it to refuse to start; returns its exit code and stderr. */
async function failedStart(dataPath: string, args: string[]): Promise<{ code: number | string; stderr: string }> {
  const run = spawnCli(['--port', '0', '--host', '127.0.0.1', '--no-web', '--data', dataPath, ...args]);
  const code = await withTimeout(run.exited, PROCESS_TIMEOUT_MS, 'the host to refuse to start');
  return { code, stderr: run.stderr() };
}

/** Opens a history file the host has closed, to look at what it stored (as history-store.test.ts does). */
function openFile(path: string): Database {
  const db = new Database(path, { fileMustExist: true });
  // WAL without shared memory: the VFS has none, so only an exclusive connection may read.
  db.exec('PRAGMA locking_mode = EXCLUSIVE');
  return db;
}

interface HealthBody {
  status: string;
  problem?: { code: string; message: string };
  rooms: Array<{ name: string; protected: boolean; members?: number; lastSeq?: number }>;
}

async function health(host: Host): Promise<{ status: number; body: HealthBody }> {
  const response = await httpGet(host.address, '/health');
  return { status: response.status, body: JSON.parse(response.body) as HealthBody };
}

/** Joins and returns the refusal's code (or 'welcome'). */
async function joinOutcome(host: Host, fields: { room: string; name: string; password?: string }): Promise<{ code: string; history: string[] }> {
  const client = await WsTestClient.connect(host.address, fields.name);
  try {
    client.send({ type: 'join', create: true, ...fields });
    const answer = await client.waitFor((message) => message.type === 'welcome' || message.type === 'error');
    if (answer.type === 'welcome') return { code: 'welcome', history: answer.history.map((message) => message.text) };
    assert.equal(answer.type, 'error');
    return { code: answer.type === 'error' ? answer.code : '', history: [] };
  } finally {
    client.close();
    await client.waitClosed();
  }
}

describe('lanchat-host: rooms across restarts', () => {
  describe('a protected room stays protected (issue 13 item 1)', () => {
    const dataPath = freshDataPath();

    it('host --room vault --password pw, post, stop; start again with --room lobby: vault still needs its password', async () => {
      const first = await startHost(dataPath, ['--room', 'vault', '--password', 'pw']);
      const ann = await WsTestClient.connect(first.address, 'ann');
      await ann.joinWith({ room: 'vault', name: 'Ann', password: 'pw' });
      await sendAndAck(ann, 'the combination is 1234');
      ann.close();
      await ann.waitClosed();
      await stopHost(first);

      const second = await startHost(dataPath, ['--room', 'lobby']);
      const report = await health(second);
      for (const room of report.body.rooms.filter((entry) => entry.name === 'vault')) {
        assert.deepEqual(room, { name: 'vault', protected: true });
      }
      assert.deepEqual(await joinOutcome(second, { room: 'vault', name: 'Eve' }), { code: ErrorCode.PasswordRequired, history: [] });
      assert.deepEqual(await joinOutcome(second, { room: 'vault', name: 'Eve', password: 'guess' }), { code: ErrorCode.WrongPassword, history: [] });
      assert.deepEqual(await joinOutcome(second, { room: 'VAULT', name: 'Ann', password: 'pw' }), {
        code: 'welcome',
        history: ['the combination is 1234'],
      });
      // Listed by /health once someone opened it: still protected, nothing else shown.
      assert.deepEqual(
        (await health(second)).body.rooms.find((entry) => entry.name === 'vault'),
        { name: 'vault', protected: true },
      );
      await stopHost(second);

      // The file holds a scrypt verifier, never the password.
      const db = openFile(dataPath);
      try {
        const row = db.get('SELECT verifier FROM room_state WHERE room_key = ?', [toSqlText('vault')]);
        assert.match(String(row?.verifier), /^scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
        // Strings are stored as UTF-8 blobs (sqlite-text.ts): decode them before looking for the password.
        const decoded = (rows: Array<Record<string, unknown>>): string =>
          JSON.stringify(rows.map((row) => Object.values(row).map((value) => (value instanceof Uint8Array ? fromSqlText(value) : value))));
        const dump = decoded(db.all('SELECT * FROM room_state')) + decoded(db.all('SELECT * FROM rooms'));
        assert.equal(dump.includes('"pw"'), false);
      } finally {
        db.close();
      }
    });

    it('refuses to start with another plain --password for the protected room (exit 1, a clear message)', async () => {
      const { code, stderr } = await failedStart(dataPath, ['--room', 'vault', '--password', 'other']);
      assert.equal(code, 1);
      assert.match(stderr, /vault.*protected by another password.*--change-password/s);
    });

    it('starts with the matching --password', async () => {
      const host = await startHost(dataPath, ['--room', 'vault', '--password', 'pw']);
      assert.deepEqual(await joinOutcome(host, { room: 'vault', name: 'Ann', password: 'pw' }), {
        code: 'welcome',
        history: ['the combination is 1234'],
      });
      await stopHost(host);
    });

    it('changes the password with --change-password: the old one no longer opens it, across restarts', async () => {
      const changed = await startHost(dataPath, ['--room', 'vault', '--password', 'new secret', '--change-password']);
      assert.equal((await joinOutcome(changed, { room: 'vault', name: 'Ann', password: 'pw' })).code, ErrorCode.WrongPassword);
      assert.equal((await joinOutcome(changed, { room: 'vault', name: 'Ann', password: 'new secret' })).code, 'welcome');
      await stopHost(changed);
      const later = await startHost(dataPath, ['--room', 'lobby']);
      assert.equal((await joinOutcome(later, { room: 'vault', name: 'Ann', password: 'pw' })).code, ErrorCode.WrongPassword);
      assert.equal((await joinOutcome(later, { room: 'vault', name: 'Ann', password: 'new secret' })).code, 'welcome');
      await stopHost(later);
    });

    it('refuses contradictory flags as a usage error (exit 2)', async () => {
      assert.equal((await failedStart(dataPath, ['--room', 'vault', '--change-password'])).code, 2);
      assert.equal((await failedStart(dataPath, ['--room', 'vault', '--password', 'x', '--remove-password'])).code, 2);
    });

    it('opens the room again with --remove-password, and it stays open', async () => {
      const opened = await startHost(dataPath, ['--room', 'vault', '--remove-password']);
      assert.deepEqual(await joinOutcome(opened, { room: 'vault', name: 'Bob' }), { code: 'welcome', history: ['the combination is 1234'] });
      await stopHost(opened);
      const later = await startHost(dataPath, ['--room', 'lobby']);
      assert.equal((await joinOutcome(later, { room: 'vault', name: 'Bob' })).code, 'welcome');
      await stopHost(later);
    });
  });

  describe('rooms nobody wrote in are not kept (issue 12 item 5)', () => {
    it('many rooms created, two written in, host killed; after a restart only the written ones (and the configured one) remain', async () => {
      const dataPath = freshDataPath();
      const host = await startHost(dataPath, ['--room', 'lobby']);
      const clients: WsTestClient[] = [];
      // Four connections: the per-connection allowance is 5 new rooms.
      for (let connection = 0; connection < 4; connection += 1) {
        const client = await WsTestClient.connect(host.address, `creator ${connection}`);
        clients.push(client);
        for (let room = 0; room < 5; room += 1) await client.join(`spam ${connection}-${room}`, 'Spammer');
      }
      const writer = await WsTestClient.connect(host.address, 'writer');
      clients.push(writer);
      await writer.join('spam 0-0', 'Writer');
      await sendAndAck(writer, 'kept');
      await writer.join('spam 3-4', 'Writer');
      await sendAndAck(writer, 'kept too');
      // Killed: no clean shutdown forgets anything; the next start must.
      host.run.child.kill('SIGKILL');
      await withTimeout(host.run.exited, PROCESS_TIMEOUT_MS, 'host killed');
      for (const client of clients) await client.waitClosed();

      const again = await startHost(dataPath, ['--room', 'lobby']);
      assert.deepEqual(
        (await health(again)).body.rooms.map((room) => room.name),
        ['lobby'],
        'no room is loaded at start but the configured one',
      );
      assert.deepEqual(await joinOutcome(again, { room: 'spam 3-4', name: 'Ann' }), { code: 'welcome', history: ['kept too'] });
      // A room created now and left unwritten is forgotten at a clean stop.
      assert.deepEqual(await joinOutcome(again, { room: 'passing by', name: 'Ann' }), { code: 'welcome', history: [] });
      await stopHost(again);

      const db = openFile(dataPath);
      try {
        assert.deepEqual(
          db.all('SELECT name FROM rooms ORDER BY name').map((row) => fromSqlText(row.name)),
          ['lobby', 'spam 0-0', 'spam 3-4'],
        );
      } finally {
        db.close();
      }
    });
  });

  describe('a failed flush to disk (issue 12 item 6)', () => {
    // A disk whose fsync fails cannot be had here (no root-only device
    // mapper in CI); removing the log file the host flushes through makes
    // the real flush fail instead (its open for fsync gets ENOENT), while
    // SQLite keeps writing to the file it already has open, as a page cache
    // that could not be flushed would keep the data for a restart.
    it('turns /health degraded (503) with the reason; the sender is told the seq members saw, and its resend after a restart is acked with that seq', async () => {
      const dataPath = freshDataPath();
      const host = await startHost(dataPath, ['--room', 'lobby']);
      const ann = await WsTestClient.connect(host.address, 'ann');
      const bob = await WsTestClient.connect(host.address, 'bob');
      await ann.join('lobby', 'Ann');
      await bob.join('lobby', 'Bob');
      assert.equal((await health(host)).status, 200);

      // Before the first message: the host opens the log for flushing on its first flush.
      assert.ok(existsSync(`${dataPath}-wal`));
      unlinkSync(`${dataPath}-wal`);
      const id = clientId('flush');
      ann.send({ type: 'send', id, text: 'during the failure' });
      const shown = await nextChat(bob, id);
      const told = await expectError(ann, ErrorCode.Unconfirmed, id);
      assert.match(told.message, new RegExp(`#${shown.seq}\\b`));
      const unconfirmed = { id, seq: shown.seq };

      const report = await health(host);
      assert.equal(report.status, 503);
      assert.equal(report.body.status, 'degraded');
      assert.equal(report.body.problem?.code, 'HEALTH_STORAGE_FLUSH_FAILED');
      assert.match(report.body.problem?.message ?? '', /ENOENT/);

      // Nothing more is shown or acked while degraded; a new message is refused as not sent.
      const refused = clientId('refused');
      bob.send({ type: 'send', id: refused, text: 'not shown' });
      await expectError(bob, ErrorCode.Storage, refused);
      // A resend of the shown message is told the same as before.
      ann.send({ type: 'send', id: unconfirmed.id, text: 'resend' });
      await expectError(ann, ErrorCode.Unconfirmed, unconfirmed.id);

      ann.close();
      bob.close();
      await Promise.all([ann.waitClosed(), bob.waitClosed()]);
      await stopHost(host);

      const again = await startHost(dataPath, ['--room', 'lobby']);
      assert.equal((await health(again)).status, 200);
      const annAgain = await WsTestClient.connect(again.address, 'ann again');
      const welcome = await annAgain.join('lobby', 'Ann');
      assert.equal(welcome.history.find((message) => message.clientId === unconfirmed.id)?.seq, unconfirmed.seq);
      // The outbox's resend is recognised by its id: acked with the seq members saw.
      assert.equal((await sendAndAck(annAgain, 'resend', unconfirmed.id)).seq, unconfirmed.seq);
      annAgain.close();
      await annAgain.waitClosed();
      await stopHost(again);
    });
  });
});

describe('lanchat-host: no silent rooms (issue 14)', () => {
  it('--no-guest-rooms: a new room is refused with CHAT_ERR_ROOM_CREATION_FORBIDDEN, the --room rooms stay open; an invite per room is printed, without the password', async () => {
    const run = spawnCli(
      ['--port', '0', '--host', '127.0.0.1', '--no-web', '--data', freshDataPath(), '--room', 'lobby', '--room', 'Tea Room', '--no-guest-rooms'],
      { LANCHAT_PASSWORD: 'sesame-7' },
    );
    const match = await waitForStdout(run, /^LanChat host listening on http:\/\/127\.0\.0\.1:(\d+)$/m, PROCESS_TIMEOUT_MS);
    const host: Host = { run, address: { address: '127.0.0.1', family: 'IPv4', port: Number(match[1]) } };
    const origin = `http://127.0.0.1:${host.address.port}`;
    await waitForStdout(run, /^Invite: .*Tea\+Room$/m, PROCESS_TIMEOUT_MS);
    assert.match(run.stdout(), new RegExp(`^Invite: ${origin}/\\?room=lobby$`, 'm'));
    assert.match(run.stdout(), new RegExp(`^Invite: ${origin}/\\?room=Tea\\+Room$`, 'm'));
    assert.equal(run.stdout().includes('sesame'), false, 'the password is in no invite');

    const report = parseRoomsReport(JSON.parse((await httpGet(host.address, '/rooms')).body));
    assert.equal(report?.guestRooms, false);
    assert.deepEqual(report?.rooms, [
      { name: 'lobby', protected: true },
      { name: 'Tea Room', protected: true },
    ]);

    const client = await WsTestClient.connect(host.address, 'guest');
    try {
      client.send({ type: 'join', room: 'annex', name: 'Ann', create: true, password: 'sesame-7' });
      await expectError(client, ErrorCode.RoomCreationForbidden);
      assert.equal((await client.joinWith({ room: 'tea room', name: 'Ann', password: 'sesame-7', create: false })).room, 'Tea Room');
    } finally {
      client.close();
      await client.waitClosed();
    }
    await stopHost(host);
  });
});
