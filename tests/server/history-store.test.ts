/**
 * The SQLite history store on a real file in a temporary directory: schema,
 * appends and reads, reopening, atomic batches, closing, schema versions and
 * their migration, NUL characters, one process per file, stale locks, the
 * history record beside the file, a failed flush, and a host process killed
 * with SIGKILL in the middle of a commit and of a checkpoint.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';

import { Database } from 'node-sqlite3-wasm';

import { HistoryStoreError, type HistoryErrorCode } from '../../server/errors';
import { IN_MEMORY, openHistoryStore, type HistoryStore } from '../../server/history-store';
import type { ChatMessage } from '../../server/protocol';
import { withTimeout } from './helpers';

const ROOT = join(__dirname, '..', '..');
const STORE_MODULE = join(ROOT, 'server', 'history-store.ts');
const CONSTANTS_MODULE = join(ROOT, 'server', 'constants.ts');
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

/** An assert.throws check: a HistoryStoreError with this code whose message names `path`. */
function isHistoryError(code: HistoryErrorCode, path: string): (error: unknown) => true {
  return (error) => {
    assert.ok(error instanceof HistoryStoreError, String(error));
    assert.equal(error.code, code);
    assert.ok(error.message.includes(path), error.message);
    return true;
  };
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
    assert.deepEqual(objects, [
      'index messages_by_client',
      'table host_state',
      'table messages',
      'table room_state',
      'table rooms',
      'trigger messages_deleted',
    ]);
    // Closed cleanly: the history id stays, and the host is marked as not running.
    assert.deepEqual(
      inspect(path, (db) => db.all("SELECT key FROM host_state WHERE key <> 'boot' ORDER BY key").map((row) => String(row.key))),
      ['history_id', 'messages_deleted', 'open'],
    );
    assert.equal(inspect(path, (db) => String(db.get("SELECT value FROM host_state WHERE key = 'open'")?.value)), '0');
    assert.equal(inspect(path, (db) => Number(db.get('PRAGMA user_version')?.user_version)), 3);
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

  it('lists recent rooms by their newest message, else their creation, with their protection and no more than asked', () => {
    const store = openHistoryStore(freshPath());
    try {
      store.ensureRoom('quiet', 'Quiet', 1_700_000_000_500);
      store.ensureRoom('lobby', 'Lobby', 1);
      appendRange(store, 'lobby', 'Lobby', 1, 4);
      store.setVerifier('vault', 'Vault', 'scrypt$16384$8$1$c2FsdA==$aGFzaA==', 2);
      assert.deepEqual(store.recentRooms(10), [
        { key: 'quiet', name: 'Quiet', protected: false, activeAt: 1_700_000_000_500 },
        { key: 'lobby', name: 'Lobby', protected: false, activeAt: message('Lobby', 4).ts },
        { key: 'vault', name: 'Vault', protected: true, activeAt: 2 },
      ]);
      assert.deepEqual(
        store.recentRooms(2).map((room) => room.name),
        ['Quiet', 'Lobby'],
      );
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

    assert.throws(() => openHistoryStore(path), (error: unknown) => {
      assert.ok(error instanceof HistoryStoreError);
      assert.equal(error.code, 'HISTORY_ERR_NEWER_SCHEMA');
      assert.match(error.message, new RegExp(`${path}.*schema 99`));
      return true;
    });

    assert.equal(inspect(path, (db) => Number(db.get('PRAGMA user_version')?.user_version)), 99);
    assert.deepEqual(
      inspect(path, (db) => db.all("SELECT name FROM sqlite_master ORDER BY name").map((row) => String(row.name))),
      before,
    );
    assert.equal(existsSync(`${path}.lock`), false);
  });

  it('refuses a file that is not a database, naming it, and leaves it as it was', () => {
    const path = freshPath();
    mkdirSync(dirname(path), { recursive: true });
    const garbage = 'this is not an SQLite database\n'.repeat(200);
    writeFileSync(path, garbage);
    assert.throws(() => openHistoryStore(path), isHistoryError('HISTORY_ERR_CORRUPT', path));
    assert.equal(readFileSync(path, 'utf8'), garbage);
    // Refused, nothing is left open or locked.
    assert.equal(existsSync(`${path}.lock`), false);
    assert.throws(() => openHistoryStore(path), isHistoryError('HISTORY_ERR_CORRUPT', path));
  });

  it('refuses a second store on a file that is open, without disturbing the first', () => {
    const path = freshPath();
    const first = openHistoryStore(path);
    try {
      first.ensureRoom('lobby', 'Lobby', 1);
      assert.throws(() => openHistoryStore(path), isHistoryError('HISTORY_ERR_LOCKED', path));
      // Under another name of the same file too.
      const link = join(dirname(path), 'link.sqlite');
      symlinkSync(path, link);
      assert.throws(() => openHistoryStore(link), isHistoryError('HISTORY_ERR_LOCKED', link));
      appendRange(first, 'lobby', 'Lobby', 1, 2);
      assert.deepEqual(seqs(first.after('lobby', 0, 10)), [1, 2]);
    } finally {
      first.close();
    }
    assert.equal(existsSync(`${path}.lock`), false);
    assert.equal(existsSync(`${path}.lock-owner`), false);
  });

  it('clears what a killed host or an older LanChat left beside the file, whatever pid it names, once it holds the lock', () => {
    const path = freshPath();
    openHistoryStore(path).close();
    // node-sqlite3-wasm's lock directory and the old pid file, naming a live
    // process (this test's parent): the pid proves nothing, the OS lock does.
    mkdirSync(`${path}.lock`);
    writeFileSync(`${path}.lock-owner`, `${process.ppid}\n`);
    const store = openHistoryStore(path);
    assert.equal(existsSync(`${path}.lock-owner`), false);
    store.close();
    assert.equal(existsSync(`${path}.lock`), false);
  });

  it('refuses a file with a second hard link, naming both the problem and the file', () => {
    const path = freshPath();
    openHistoryStore(path).close();
    const other = join(dirname(path), 'other-name.sqlite');
    linkSync(path, other);
    for (const name of [path, other]) {
      assert.throws(() => openHistoryStore(name), (error: unknown) => {
        assert.ok(error instanceof HistoryStoreError);
        assert.equal(error.code, 'HISTORY_ERR_HARD_LINKED');
        assert.match(error.message, /2 hard links/);
        assert.ok(error.message.includes(name));
        return true;
      });
    }
    rmSync(other);
    openHistoryStore(path).close();
  });

  it('stores every string byte-exact, NUL characters included, across a reopen', () => {
    const path = freshPath();
    const room = 'ro\0om';
    const first = message('Ro\0om', 1, { text: 'before\0after', clientId: 'same\0a', from: { id: 'id\0x', name: 'Ann\0Bob' } });
    const second = message('Ro\0om', 2, { text: '\0\0', clientId: 'same\0b', from: { id: 'id\0y', name: 'Ann\0Bob' } });
    // A leading U+FEFF is text, not a byte-order mark.
    const third = message('Ro\0om', 3, { text: '\uFEFFbom \u{1F600} end\0', clientId: 'same', from: { id: 'id', name: 'Ann' } });
    const store = openHistoryStore(path);
    store.ensureRoom(room, 'Ro\0om', 1);
    store.appendBatch([first, second, third].map((entry) => ({ roomKey: room, message: entry })));
    store.close();

    const again = openHistoryStore(path);
    try {
      assert.deepEqual(again.after(room, 0, 10), [first, second, third]);
      assert.deepEqual(again.rooms(), [{ name: 'Ro\0om', lastSeq: 3 }]);
      // Ids that differ only after a NUL are different ids.
      assert.deepEqual(again.findByClientId(room, 'Ann\0Bob', 'same\0a'), first);
      assert.deepEqual(again.findByClientId(room, 'ann\0bob', 'same\0b'), second);
      assert.deepEqual(again.findByClientId(room, 'Ann', 'same'), third);
      assert.equal(again.findByClientId(room, 'Ann', 'same\0c'), undefined);
      assert.deepEqual(again.after('ro', 0, 10), [], 'a room key cut at its NUL is another room');
    } finally {
      again.close();
    }
  });

  it('migrates a schema-1 file written by the old store: every row kept, strings as bytes, history id kept', () => {
    const path = freshPath();
    mkdirSync(dirname(path), { recursive: true });
    // The schema-1 layout and contents exactly as LanChat 0.1 wrote them.
    const old = new Database(path);
    old.exec('PRAGMA locking_mode = EXCLUSIVE');
    old.exec('PRAGMA journal_mode = WAL');
    old.exec(`
      CREATE TABLE rooms (room_key TEXT PRIMARY KEY, name TEXT NOT NULL, created_at INTEGER NOT NULL);
      CREATE TABLE messages (
        room_key TEXT NOT NULL, seq INTEGER NOT NULL, ts INTEGER NOT NULL, sender_id TEXT NOT NULL,
        sender_name TEXT NOT NULL, client_id TEXT NOT NULL, text TEXT NOT NULL, PRIMARY KEY (room_key, seq)
      ) WITHOUT ROWID;
      CREATE INDEX messages_by_client ON messages (room_key, client_id);
      CREATE TABLE host_state (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
      INSERT INTO rooms VALUES ('lobby', 'Lobby', 1), ('quiet', 'Quiet', 2);
      INSERT INTO host_state VALUES ('history_id', 'old-history-id'), ('open', '0'), ('boot', 'id:old');
      PRAGMA user_version = 1;
    `);
    const written = [1, 2, 3, 4].map((seq) => message('Lobby', seq));
    for (const entry of written) {
      old.run('INSERT INTO messages VALUES (?, ?, ?, ?, ?, ?, ?)', ['lobby', entry.seq, entry.ts, entry.from.id, entry.from.name, entry.clientId, entry.text]);
    }
    old.close();

    const store = openHistoryStore(path);
    try {
      assert.equal(store.historyId, 'old-history-id');
      assert.deepEqual(store.after('lobby', 0, 10), written);
      assert.deepEqual(store.findByClientId('lobby', 'ann', 'client-3'), written[2]);
      assert.deepEqual([...store.rooms()].sort((a, b) => a.name.localeCompare(b.name)), [
        { name: 'Lobby', lastSeq: 4 },
        { name: 'Quiet', lastSeq: 0 },
      ]);
      // It goes on where the old file stopped, NUL and all.
      store.appendBatch([{ roomKey: 'lobby', message: message('Lobby', 5, { text: 'new\0line' }) }]);
    } finally {
      store.close();
    }
    assert.equal(inspect(path, (db) => Number(db.get('PRAGMA user_version')?.user_version)), 3);
    assert.deepEqual(
      inspect(path, (db) => db.all('SELECT DISTINCT typeof(room_key) AS a, typeof(text) AS b, typeof(client_id) AS c FROM messages').map((row) => `${String(row.a)} ${String(row.b)} ${String(row.c)}`)),
      ['blob blob blob'],
    );
    assert.equal(inspect(path, (db) => String(db.get("SELECT value FROM host_state WHERE key = 'messages_deleted'")?.value)), '0');
    assert.equal(inspect(path, (db) => String(db.get('PRAGMA integrity_check')?.integrity_check)), 'ok');
    const reopened = openHistoryStore(path);
    assert.equal(reopened.after('lobby', 4, 10)[0]?.text, 'new\0line');
    reopened.close();
  });

  describe('the history record beside the file', () => {
    /** A file that held `count` messages of room lobby, closed cleanly; its history id. */
    function historyOf(path: string, count: number): string {
      const store = openHistoryStore(path);
      store.ensureRoom('lobby', 'Lobby', 1);
      if (count > 0) appendRange(store, 'lobby', 'Lobby', 1, count);
      const { historyId } = store;
      store.close();
      return historyId;
    }

    it('is written at open and at a clean close, counting what the file holds', () => {
      const path = freshPath();
      const historyId = historyOf(path, 7);
      const record = JSON.parse(readFileSync(`${path}.record.json`, 'utf8')) as Record<string, unknown>;
      assert.deepEqual(record, { format: 1, historyId, durableMessages: 7, rooms: { lobby: 7 } });
    });

    it('refuses a file truncated to 0 bytes, naming both files; --fresh-history starts a new history, which then opens as usual', () => {
      const path = freshPath();
      const historyId = historyOf(path, 30);
      truncateSync(path, 0);
      assert.throws(() => openHistoryStore(path), (error: unknown) => {
        assert.ok(error instanceof HistoryStoreError);
        assert.equal(error.code, 'HISTORY_ERR_LOST');
        assert.ok(error.message.includes(path), error.message);
        assert.ok(error.message.includes(`${path}.record.json`), error.message);
        assert.match(error.message, /30 messages/);
        return true;
      });
      assert.equal(statSync(path).size, 0, 'the refused file is left as it was');

      const fresh = openHistoryStore(path, { freshHistory: true });
      const freshId = fresh.historyId;
      assert.notEqual(freshId, historyId);
      assert.deepEqual(fresh.rooms(), []);
      fresh.close();
      const later = openHistoryStore(path);
      assert.equal(later.historyId, freshId);
      later.close();
    });

    it('refuses a file that was deleted, without creating it again', () => {
      const path = freshPath();
      historyOf(path, 2);
      rmSync(path);
      assert.throws(() => openHistoryStore(path), isHistoryError('HISTORY_ERR_LOST', path));
      assert.equal(existsSync(path), false);
    });

    it('refuses an older copy of the file and another history put in its place', () => {
      const path = freshPath();
      const older = join(dirname(path), 'older-copy.sqlite');
      historyOf(path, 3);
      copyFileSync(path, older);
      const store = openHistoryStore(path);
      appendRange(store, 'lobby', 'Lobby', 4, 6);
      store.close();
      copyFileSync(older, path);
      assert.throws(() => openHistoryStore(path), (error: unknown) => {
        assert.ok(error instanceof HistoryStoreError && error.code === 'HISTORY_ERR_LOST');
        assert.match(error.message, /holds 3 messages.*records 6 messages/);
        return true;
      });

      const elsewhere = freshPath();
      const otherId = historyOf(elsewhere, 9);
      copyFileSync(elsewhere, path);
      assert.throws(() => openHistoryStore(path), (error: unknown) => {
        assert.ok(error instanceof HistoryStoreError && error.code === 'HISTORY_ERR_LOST');
        assert.ok(error.message.includes(`another history (${otherId})`), error.message);
        return true;
      });
    });

    it('does not take deleted old messages (retention) for lost history', () => {
      const path = freshPath();
      historyOf(path, 10);
      // As a retention step would, with plain SQL: the six oldest go.
      inspect(path, (db) => db.run('DELETE FROM messages WHERE seq <= 6'));
      const store = openHistoryStore(path);
      try {
        assert.deepEqual(seqs(store.after('lobby', 0, 100)), [7, 8, 9, 10]);
      } finally {
        store.close();
      }
    });

    it('lets a file whose record counts no message start anew, and replaces a record it cannot read', () => {
      const path = freshPath();
      historyOf(path, 0);
      truncateSync(path, 0);
      openHistoryStore(path).close();

      writeFileSync(`${path}.record.json`, 'not json');
      const warnings: string[] = [];
      const store = openHistoryStore(path, { onWarning: (text) => warnings.push(text) });
      store.close();
      assert.equal(warnings.length, 1);
      assert.ok(warnings[0]?.includes(`${path}.record.json`));
      assert.equal((JSON.parse(readFileSync(`${path}.record.json`, 'utf8')) as { format: number }).format, 1);
    });

    it('does not refuse after a machine crash lost only the unflushed tail of the log (new history id, flushed messages there)', async () => {
      const path = freshPath();
      const { historyId } = (() => {
        const store = openHistoryStore(path);
        const id = store.historyId;
        store.close();
        return { historyId: id };
      })();
      // A real host: 1–3 flushed and counted by the record, 4–6 written, then killed.
      const output = await runStoreProcess(path, `
        store.ensureRoom('lobby', 'Lobby', 1);
        store.appendBatch([1, 2, 3].map(entry));
        store.sync((error) => {
          if (error) throw error;
          const walSize = fs.statSync(dbPath + '-wal').size;
          const poll = setInterval(() => {
            const record = JSON.parse(fs.readFileSync(dbPath + '.record.json', 'utf8'));
            if (record.durableMessages < 3) return;
            clearInterval(poll);
            store.appendBatch([4, 5, 6].map(entry));
            fs.writeSync(1, 'wal ' + walSize + '\\n');
            // Time for any record write that would (wrongly) count 4–6.
            setTimeout(() => process.kill(process.pid, 'SIGKILL'), 2 * recordIntervalMs + 500);
          }, 20);
        });
      `);
      const walSize = Number(/^wal (\d+)$/m.exec(output)?.[1]);
      assert.ok(statSync(`${path}-wal`).size > walSize, 'messages 4–6 are in the log');
      // The machine crash: the log loses the frames that were never flushed.
      truncateSync(`${path}-wal`, walSize);
      const afterCrash = openHistoryStore(path, { boot: 'id:after-the-crash' });
      try {
        assert.deepEqual(seqs(afterCrash.after('lobby', 0, 10)), [1, 2, 3]);
        assert.notEqual(afterCrash.historyId, historyId, 'numbers 4–6 will go to other messages');
      } finally {
        afterCrash.close();
      }
    });

    for (const lost of [false, true]) {
      it(`after a failed flush, names the history anew at the next start ${lost ? 'when written messages are gone' : 'only if something is missing: here all is there, the id stays'}`, async () => {
        const path = freshPath();
        // A real host whose flush of 4–6 fails. Injected: fsync cannot be made to
        // fail on this machine's disks, so the child's fs.fsync reports EIO for
        // the log (the store's real code handles it).
        const output = await runStoreProcess(path, `
          store.ensureRoom('lobby', 'Lobby', 1);
          store.appendBatch([1, 2, 3].map(entry));
          store.sync((error) => {
            if (error) throw error;
            fs.writeSync(1, 'id ' + store.historyId + '\\nwal ' + fs.statSync(dbPath + '-wal').size + '\\n');
            store.appendBatch([4, 5, 6].map(entry));
            const realFsync = fs.fsync;
            fs.fsync = (fd, done) => (fdPaths.get(fd) === dbPath + '-wal' ? setImmediate(done, Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' })) : realFsync(fd, done));
            store.sync((failure) => {
              fs.writeSync(1, 'flush ' + (failure ? 'failed' : 'passed') + '\\n');
              process.kill(process.pid, 'SIGKILL');
            });
          });
        `);
        assert.match(output, /^flush failed$/m);
        const historyId = /^id (\S+)$/m.exec(output)?.[1];
        const record = JSON.parse(readFileSync(`${path}.record.json`, 'utf8')) as { flushFailed?: unknown };
        assert.deepEqual(record.flushFailed, { writtenMessages: 6, rooms: { lobby: 6 } });
        // What the failed flush may have dropped: the frames of 4–6.
        if (lost) truncateSync(`${path}-wal`, Number(/^wal (\d+)$/m.exec(output)?.[1]));
        const next = openHistoryStore(path);
        try {
          assert.deepEqual(seqs(next.after('lobby', 0, 10)), lost ? [1, 2, 3] : [1, 2, 3, 4, 5, 6]);
          if (lost) assert.notEqual(next.historyId, historyId);
          else assert.equal(next.historyId, historyId);
        } finally {
          next.close();
        }
        // The note is settled: the next start keeps whatever id this one chose.
        assert.equal((JSON.parse(readFileSync(`${path}.record.json`, 'utf8')) as { flushFailed?: unknown }).flushFailed, undefined);
      });
    }
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

/**
 * Runs `script` in a real host process with the real store open on `path`
 * (as `store`; also `fs`, `dbPath`, `fdPaths` (descriptor → path) and
 * `entry(seq)`, a lobby message), until it SIGKILLs itself; its stdout.
 */
async function runStoreProcess(path: string, script: string): Promise<string> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '-e',
      `
      const fs = require('node:fs');
      const dbPath = process.env.DB_PATH;
      const fdPaths = new Map();
      const open = fs.openSync;
      fs.openSync = (file, ...rest) => { const fd = open(file, ...rest); fdPaths.set(fd, String(file)); return fd; };
      const { openHistoryStore } = require(process.env.STORE_MODULE);
      const { HISTORY_RECORD_INTERVAL_MS: recordIntervalMs } = require(process.env.CONSTANTS_MODULE);
      const store = openHistoryStore(dbPath);
      const entry = (seq) => ({ roomKey: 'lobby', message: { type: 'message', room: 'Lobby', seq, ts: seq, from: { id: 'a', name: 'Ann' }, clientId: 'c-' + seq, text: 'text ' + seq } });
      ${script}
      `,
    ],
    { cwd: ROOT, env: { ...process.env, NODE_OPTIONS: '', DB_PATH: path, STORE_MODULE, CONSTANTS_MODULE }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const how = await withTimeout(
    new Promise<string>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? String(code)))),
    PROCESS_TIMEOUT_MS,
    'the host process to finish',
  ).finally(() => child.kill('SIGKILL'));
  assert.equal(how, 'SIGKILL', `stdout: ${stdout} stderr: ${stderr}`);
  return stdout;
}
