/**
 * The SQLite history store on a real file in a temporary directory: schema,
 * appends and reads, reopening, atomic batches, closing, schema versions,
 * one process per file, stale locks, and a host process killed with
 * SIGKILL in the middle of a commit and of a checkpoint.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

import { Database } from 'node-sqlite3-wasm';

import { IN_MEMORY, openHistoryStore, type HistoryStore } from '../../server/history-store';
import type { ChatMessage } from '../../server/protocol';
import { withTimeout } from './helpers';

const ROOT = join(__dirname, '..', '..');
const STORE_MODULE = join(ROOT, 'server', 'history-store.ts');
/** Starting a child process through tsx takes a while on a loaded machine. */
const PROCESS_TIMEOUT_MS = 20_000;

const tempRoot = mkdtempSync(join(tmpdir(), 'lanchat-history-store-'));
let fileCounter = 0;

after(() => rmSync(tempRoot, { recursive: true, force: true }));

/** A fresh database path (in a directory that does not exist yet: the store creates it). */
function freshPath(): string {
  fileCounter += 1;
  return join(tempRoot, `case-${fileCounter}`, 'nested', 'history.sqlite');
}

/** A stored message of room `room` (the room's display name). */
function message(room: string, seq: number, fields: Partial<ChatMessage> = {}): ChatMessage {
  return {
    type: 'message',
    room,
    seq,
    ts: 1_700_000_000_000 + seq,
    from: { id: `member-${seq % 3}`, name: ['Ann', 'Bob', 'Zoë'][seq % 3] as string },
    clientId: `client-${seq}`,
    text: `message ${seq} — ünïcödé ✓ "quoted" 'single' \\ backslash`,
    ...fields,
  };
}

/** Appends messages `from..to` of one room in one batch. */
function appendRange(store: HistoryStore, roomKey: string, room: string, from: number, to: number): ChatMessage[] {
  const batch: ChatMessage[] = [];
  for (let seq = from; seq <= to; seq += 1) batch.push(message(room, seq));
  store.appendBatch(batch.map((entry) => ({ roomKey, message: entry })));
  return batch;
}

/**
 * Reads (or changes) the file with the SQLite library directly, bypassing
 * the store. Exclusive locking first, as the store does: this VFS has no
 * shared memory for a WAL file otherwise.
 */
function inspect<T>(path: string, read: (db: Database) => T): T {
  const db = new Database(path, { fileMustExist: true });
  try {
    db.exec('PRAGMA locking_mode = EXCLUSIVE');
    return read(db);
  } finally {
    db.close();
  }
}

function seqs(messages: ChatMessage[]): number[] {
  return messages.map((entry) => entry.seq);
}

describe('openHistoryStore', () => {
  it('creates the file, its directory and the versioned schema', () => {
    const path = freshPath();
    const store = openHistoryStore(path);
    store.close();
    assert.ok(statSync(path).isFile());
    const objects = inspect(path, (db) =>
      db.all("SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name").map((row) => `${String(row.type)} ${String(row.name)}`),
    );
    assert.deepEqual(objects, ['index messages_by_client', 'table host_state', 'table messages', 'table room_state', 'table rooms']);
    // Closed cleanly: the history id stays, and the host is marked as not running.
    assert.deepEqual(
      inspect(path, (db) => db.all("SELECT key FROM host_state WHERE key <> 'boot' ORDER BY key").map((row) => String(row.key))),
      ['history_id', 'open'],
    );
    assert.equal(inspect(path, (db) => String(db.get("SELECT value FROM host_state WHERE key = 'open'")?.value)), '0');
    assert.equal(inspect(path, (db) => Number(db.get('PRAGMA user_version')?.user_version)), 2);
    const columns = inspect(path, (db) => db.all('PRAGMA table_info(messages)').map((row) => String(row.name)));
    assert.deepEqual(columns, ['room_key', 'seq', 'ts', 'sender_id', 'sender_name', 'client_id', 'text']);
  });

  it('appends a batch and reads it back with after, before and findByClientId', () => {
    const store = openHistoryStore(freshPath());
    try {
      store.ensureRoom('lobby', 'Lobby', 1);
      store.ensureRoom('ops', 'Ops', 2);
      const lobby = [...appendRange(store, 'lobby', 'Lobby', 1, 5), ...appendRange(store, 'lobby', 'Lobby', 6, 7)];
      appendRange(store, 'ops', 'Ops', 1, 2);

      // Every field survives the round trip, and `room` is the room's display name.
      assert.deepEqual(store.after('lobby', 0, 100), lobby);
      // after: the oldest `limit` messages past afterSeq.
      assert.deepEqual(seqs(store.after('lobby', 0, 3)), [1, 2, 3]);
      assert.deepEqual(seqs(store.after('lobby', 5, 10)), [6, 7]);
      assert.deepEqual(store.after('lobby', 7, 10), []);
      // before: the newest `limit` messages under beforeSeq, oldest first.
      assert.deepEqual(seqs(store.before('lobby', 6, 2)), [4, 5]);
      assert.deepEqual(seqs(store.before('lobby', Number.MAX_SAFE_INTEGER, 3)), [5, 6, 7]);
      assert.deepEqual(store.before('lobby', 1, 10), []);
      // Rooms do not see each other's messages.
      assert.deepEqual(seqs(store.after('ops', 0, 100)), [1, 2]);
      assert.ok(store.after('ops', 0, 100).every((entry) => entry.room === 'Ops'));
      assert.deepEqual(store.after('nowhere', 0, 100), []);

      const fourth = lobby[3] as ChatMessage;
      assert.deepEqual(store.findByClientId('lobby', fourth.from.name, fourth.clientId), fourth);
      assert.equal(store.findByClientId('lobby', 'Somebody Else', fourth.clientId), undefined);
      // Names compare without letter case, as the room does in memory.
      assert.deepEqual(store.findByClientId('lobby', fourth.from.name.toUpperCase(), fourth.clientId), fourth);
      assert.equal(store.findByClientId('lobby', fourth.from.name, 'client-unknown'), undefined);
      assert.equal(store.findByClientId('ops', fourth.from.name, fourth.clientId), undefined);
    } finally {
      store.close();
    }
  });

  it('lists every room with its highest seq, empty rooms with 0, keeping the first spelling', () => {
    const store = openHistoryStore(freshPath());
    try {
      store.ensureRoom('lobby', 'Lobby', 1);
      store.ensureRoom('lobby', 'LOBBY', 2);
      store.ensureRoom('quiet corner', 'Quiet Corner', 3);
      appendRange(store, 'lobby', 'Lobby', 1, 4);
      const rooms = [...store.rooms()].sort((a, b) => a.name.localeCompare(b.name));
      assert.deepEqual(rooms, [
        { name: 'Lobby', lastSeq: 4 },
        { name: 'Quiet Corner', lastSeq: 0 },
      ]);
    } finally {
      store.close();
    }
  });

  it('finds everything again after the file is closed and reopened', () => {
    const path = freshPath();
    const first = openHistoryStore(path);
    first.ensureRoom('lobby', 'Lobby', 1);
    first.ensureRoom('empty', 'Empty', 1);
    const written = appendRange(first, 'lobby', 'Lobby', 1, 250);
    first.close();

    const second = openHistoryStore(path);
    try {
      assert.deepEqual([...second.rooms()].sort((a, b) => a.name.localeCompare(b.name)), [
        { name: 'Empty', lastSeq: 0 },
        { name: 'Lobby', lastSeq: 250 },
      ]);
      assert.deepEqual(second.after('lobby', 0, 1000), written);
      const last = written[249] as ChatMessage;
      assert.deepEqual(second.findByClientId('lobby', last.from.name, last.clientId), last);
      // And it keeps appending where the file left off.
      appendRange(second, 'lobby', 'Lobby', 251, 251);
      assert.deepEqual(seqs(second.before('lobby', Number.MAX_SAFE_INTEGER, 2)), [250, 251]);
    } finally {
      second.close();
    }
  });

  it('writes nothing of a batch that fails (rollback), and stays usable', () => {
    const path = freshPath();
    const store = openHistoryStore(path);
    try {
      store.ensureRoom('lobby', 'Lobby', 1);
      appendRange(store, 'lobby', 'Lobby', 1, 2);
      // seq 3 and 4 are new, seq 2 collides with the stored primary key (room_key, seq).
      const failing = [message('Lobby', 3), message('Lobby', 4), message('Lobby', 2, { clientId: 'other' })];
      assert.throws(() => store.appendBatch(failing.map((entry) => ({ roomKey: 'lobby', message: entry }))), Error);
      assert.deepEqual(seqs(store.after('lobby', 0, 100)), [1, 2]);
      assert.equal(store.findByClientId('lobby', 'Ann', 'client-3'), undefined);
      // The very next batch commits: no transaction left open, no statement left failed.
      appendRange(store, 'lobby', 'Lobby', 3, 3);
      // A duplicate within one batch fails the same way; again the next batch commits.
      assert.throws(() => store.appendBatch([message('Lobby', 4), message('Lobby', 4)].map((entry) => ({ roomKey: 'lobby', message: entry }))));
      assert.deepEqual(seqs(store.after('lobby', 0, 100)), [1, 2, 3]);
      appendRange(store, 'lobby', 'Lobby', 4, 4);
      assert.deepEqual(seqs(store.after('lobby', 0, 100)), [1, 2, 3, 4]);
    } finally {
      store.close();
    }
    assert.deepEqual(
      inspect(path, (db) => db.all('SELECT seq FROM messages ORDER BY seq').map((row) => Number(row.seq))),
      [1, 2, 3, 4],
    );
  });

  it('flushes appended transactions with sync: the write-ahead log holds them, the flush calls back later (off the event loop), and at once once closed', async () => {
    const path = freshPath();
    const store = openHistoryStore(path);
    store.ensureRoom('lobby', 'Lobby', 1);
    appendRange(store, 'lobby', 'Lobby', 1, 3);
    // appendBatch leaves the flush to sync: the transaction sits in the log.
    assert.ok(statSync(`${path}-wal`).size > 0, 'the write-ahead log holds the transaction');
    let calledBack = false;
    const flushed = new Promise<Error | undefined>((resolve) =>
      store.sync((error) => {
        calledBack = true;
        resolve(error);
      }),
    );
    assert.equal(calledBack, false, 'an fsync does not run on the event loop');
    assert.equal(await withTimeout(flushed, PROCESS_TIMEOUT_MS, 'the flush'), undefined);
    store.close();
    let afterClose: Error | undefined | 'not called' = 'not called';
    store.sync((error) => (afterClose = error));
    assert.equal(afterClose, undefined, 'closing checkpointed everything: nothing left to flush');
    const again = openHistoryStore(path);
    assert.deepEqual(seqs(again.after('lobby', 0, 10)), [1, 2, 3]);
    again.close();
  });

  it('keeps its history id across clean reopens and across a killed host on the same boot; a new one in memory and for a new file', async () => {
    const path = freshPath();
    const first = openHistoryStore(path);
    const { historyId } = first;
    assert.match(historyId, /^[0-9a-f-]{36}$/);
    first.close();
    const reopened = openHistoryStore(path);
    assert.equal(reopened.historyId, historyId);
    reopened.close();
    // Another boot after a clean close: nothing was lost, the id stays.
    const afterCleanReboot = openHistoryStore(path, { boot: 'id:another-boot' });
    assert.equal(afterCleanReboot.historyId, historyId);
    afterCleanReboot.close();
    await killHostWithStoreOpen(path);
    const afterKill = openHistoryStore(path);
    assert.equal(afterKill.historyId, historyId, 'a killed process loses nothing of the log: same history');
    afterKill.close();

    const memory = openHistoryStore(IN_MEMORY);
    const memoryAgain = openHistoryStore(IN_MEMORY);
    assert.notEqual(memory.historyId, memoryAgain.historyId);
    memory.close();
    memoryAgain.close();
    const other = openHistoryStore(freshPath());
    assert.notEqual(other.historyId, historyId);
    other.close();
  });

  it('takes a new history id when the machine booted again while a host had it open (messages shown but not flushed may be gone)', async () => {
    const path = freshPath();
    const store = openHistoryStore(path);
    const { historyId } = store;
    store.close();
    // Stand-in for a machine crash: the host process is killed with the store
    // open, and the reopen says it runs in another boot (this test cannot
    // reboot the machine it runs on).
    await killHostWithStoreOpen(path);
    const afterReboot = openHistoryStore(path, { boot: 'id:another-boot' });
    assert.notEqual(afterReboot.historyId, historyId);
    const newId = afterReboot.historyId;
    afterReboot.close();
    // The new id is stored: the next reopen (same boot, clean) keeps it.
    const later = openHistoryStore(path, { boot: 'id:another-boot' });
    assert.equal(later.historyId, newId);
    later.close();
  });

  it('closes safely twice and leaves no lock behind', () => {
    const path = freshPath();
    const store = openHistoryStore(path);
    store.ensureRoom('lobby', 'Lobby', 1);
    appendRange(store, 'lobby', 'Lobby', 1, 1);
    store.close();
    assert.doesNotThrow(() => store.close());
    assert.equal(existsSync(`${path}.lock`), false);
    // Another store opens the file at once.
    const again = openHistoryStore(path);
    assert.deepEqual(seqs(again.after('lobby', 0, 10)), [1]);
    again.close();
  });

  it('refuses a file with a newer schema version and leaves it as it was', () => {
    const path = freshPath();
    // A future LanChat's file: another layout, user_version 99.
    openHistoryStore(path).close();
    inspect(path, (db) => {
      db.exec('DROP TABLE messages');
      db.exec('CREATE TABLE messages_v2 (id INTEGER PRIMARY KEY, body TEXT)');
      db.exec("INSERT INTO messages_v2 (body) VALUES ('from the future')");
      db.exec('PRAGMA user_version = 99');
    });
    const before = inspect(path, (db) => db.all("SELECT name FROM sqlite_master ORDER BY name").map((row) => String(row.name)));

    assert.throws(() => openHistoryStore(path), /schema 99/);

    assert.equal(inspect(path, (db) => Number(db.get('PRAGMA user_version')?.user_version)), 99);
    assert.deepEqual(
      inspect(path, (db) => db.all("SELECT name FROM sqlite_master ORDER BY name").map((row) => String(row.name))),
      before,
    );
    assert.equal(existsSync(`${path}.lock`), false);
  });

  it('refuses a second store on a file that is open, without disturbing the first', () => {
    const path = freshPath();
    const first = openHistoryStore(path);
    try {
      first.ensureRoom('lobby', 'Lobby', 1);
      assert.throws(() => openHistoryStore(path), /locked/);
      appendRange(first, 'lobby', 'Lobby', 1, 2);
      assert.deepEqual(seqs(first.after('lobby', 0, 10)), [1, 2]);
    } finally {
      first.close();
    }
    assert.equal(existsSync(`${path}.lock`), false);
    assert.equal(existsSync(`${path}.lock-owner`), false);
  });

  it('clears a lock left by a process that is gone, and only such a lock', () => {
    const path = freshPath();
    openHistoryStore(path).close();
    const deadPid = spawnSync(process.execPath, ['-e', '']).pid;
    assert.ok(deadPid !== undefined && deadPid > 0);

    // A lock directory nobody claims: left alone.
    mkdirSync(`${path}.lock`);
    assert.throws(() => openHistoryStore(path), /locked/);
    assert.ok(existsSync(`${path}.lock`));

    // Claimed by a live process (this test's parent): left alone.
    writeFileSync(`${path}.lock-owner`, `${process.ppid}\n`);
    assert.throws(() => openHistoryStore(path), /locked/);
    assert.ok(existsSync(`${path}.lock`));
    assert.equal(readFileSync(`${path}.lock-owner`, 'utf8').trim(), String(process.ppid));

    // Claimed by a process that has exited: stale, cleared.
    writeFileSync(`${path}.lock-owner`, `${deadPid}\n`);
    const store = openHistoryStore(path);
    assert.equal(readFileSync(`${path}.lock-owner`, 'utf8').trim(), String(process.pid));
    store.close();
    assert.equal(existsSync(`${path}.lock`), false);
  });

  for (const crashAt of ['log', 'database'] as const) {
    const where = crashAt === 'log' ? 'the write-ahead log or the database file' : 'the database file itself';
    it(`reopens after its host was killed (SIGKILL) halfway through a write to ${where}: every committed batch intact, the interrupted one all or nothing`, async () => {
      const { path, committed } = await crashHostDuring(crashAt);
      assert.ok(committed >= 3, `the first batch committed (${committed})`);
      const store = openHistoryStore(path);
      let stored: number[];
      try {
        stored = seqs(store.after('lobby', 0, 100));
        assert.ok(store.after('lobby', 0, 100).every((entry) => entry.text === bigText(entry.seq)));
        // Still writable where it left off.
        appendRange(store, 'lobby', 'Lobby', stored.length + 1, stored.length + 1);
        assert.equal(store.rooms()[0]?.lastSeq, stored.length + 1);
      } finally {
        store.close();
      }
      // Batches are 1–3 and 4–8: whatever appendBatch returned for is there; the batch
      // the kill interrupted is entirely there or entirely absent.
      const everything = [1, 2, 3, 4, 5, 6, 7, 8];
      const expected = committed === 8 ? [everything] : [everything.slice(0, 3), everything];
      assert.ok(
        expected.some((candidate) => JSON.stringify(candidate) === JSON.stringify(stored)),
        `stored ${JSON.stringify(stored)} after committing up to ${committed}`,
      );
      assert.equal(inspect(path, (db) => String(db.get('PRAGMA integrity_check')?.integrity_check)), 'ok');
    });
  }
});

/** Runs a real host process that opens the store at `path`, appends a message and is killed (SIGKILL) with the store open. */
async function killHostWithStoreOpen(path: string): Promise<void> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '-e',
      `
      const { openHistoryStore } = require(process.env.STORE_MODULE);
      const store = openHistoryStore(process.env.DB_PATH);
      store.ensureRoom('lobby', 'Lobby', 1);
      store.appendBatch([{ roomKey: 'lobby', message: { type: 'message', room: 'Lobby', seq: 1, ts: 1, from: { id: 'a', name: 'Ann' }, clientId: 'killed', text: 'hi' } }]);
      process.kill(process.pid, 'SIGKILL');
      `,
    ],
    { cwd: ROOT, env: { ...process.env, NODE_OPTIONS: '', DB_PATH: path, STORE_MODULE }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const how = await withTimeout(
    new Promise<string>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? String(code)))),
    PROCESS_TIMEOUT_MS,
    'the host process to die',
  );
  assert.equal(how, 'SIGKILL', stderr);
  assert.ok(existsSync(`${path}.lock`), 'it died holding the lock');
}

/** Message text spanning most of a page, so a batch touches several pages. */
function bigText(seq: number): string {
  return `${'x'.repeat(3000)}${seq}`;
}

/**
 * Runs a real "host" process on a fresh database with the real store: it
 * commits batch 1–3, then batch 4–8, then closes the store (which
 * checkpoints a WAL into the database file), printing `committed N` as each
 * appendBatch returns. Its fs.writeSync is wrapped so that, once batch 1–3
 * is in, the second write to the watched files (`log`: the database file or
 * its WAL; `database`: the database file only) writes only half its bytes
 * and then blocks. The test SIGKILLs it there, lock held, page torn.
 */
async function crashHostDuring(crashAt: 'log' | 'database'): Promise<{ path: string; committed: number }> {
  const path = freshPath();
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '-e',
      `
      const fs = require('node:fs');
      const dbPath = process.env.DB_PATH;
      const watched = process.env.CRASH_AT === 'log' ? [dbPath, dbPath + '-wal'] : [dbPath];
      const paths = new Map();
      let armed = false;
      let writes = 0;
      const open = fs.openSync;
      fs.openSync = (file, ...rest) => { const fd = open(file, ...rest); paths.set(fd, String(file)); return fd; };
      const write = fs.writeSync;
      fs.writeSync = (fd, buffer, offset, length, position) => {
        if (armed && watched.includes(paths.get(fd)) && ++writes === 2) {
          write(fd, buffer, offset, Math.floor(length / 2), position);
          write(1, 'torn\\n');
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
        }
        return write(fd, buffer, offset, length, position);
      };
      const { openHistoryStore } = require(process.env.STORE_MODULE);
      const store = openHistoryStore(dbPath);
      store.ensureRoom('lobby', 'Lobby', 1);
      const entry = (seq) => ({ roomKey: 'lobby', message: { type: 'message', room: 'Lobby', seq, ts: seq, from: { id: 'a', name: 'Ann' }, clientId: 'c-' + seq, text: 'x'.repeat(3000) + seq } });
      store.appendBatch([1, 2, 3].map(entry));
      write(1, 'committed 3\\n');
      armed = true;
      store.appendBatch([4, 5, 6, 7, 8].map(entry));
      write(1, 'committed 8\\n');
      store.close();
      write(1, 'closed\\n');
      `,
    ],
    { cwd: ROOT, env: { ...process.env, NODE_OPTIONS: '', DB_PATH: path, STORE_MODULE, CRASH_AT: crashAt }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<string>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? String(code))));
  try {
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        const check = (): void => {
          if (stdout.includes('torn')) resolve();
        };
        child.stdout.on('data', check);
        check();
        exited.then((how) => reject(new Error(`child ended (${how}) before the torn write; stdout: ${stdout} stderr: ${stderr}`)));
      }),
      PROCESS_TIMEOUT_MS,
      'the host process to reach the torn write',
    );
    assert.match(stdout, /^committed 3\n(committed 8\n)?torn\n$/);
    // The kill really lands inside a write, with the lock held.
    assert.ok(existsSync(`${path}.lock`), 'the lock directory exists');
  } finally {
    child.kill('SIGKILL');
  }
  assert.equal(await withTimeout(exited, PROCESS_TIMEOUT_MS, 'the host process to die'), 'SIGKILL');
  return { path, committed: stdout.includes('committed 8') ? 8 : 3 };
}
