/**
 * Durable room history in SQLite (node-sqlite3-wasm: WebAssembly, so it
 * loads in plain Node and in Electron's utility process without a native
 * rebuild). The schema is versioned with `PRAGMA user_version`.
 *
 * Writes go through a write-ahead log in two steps. `appendBatch` commits a
 * transaction into the log with `synchronous = NORMAL`: written, so it
 * survives the host process crashing, but not yet flushed to the disk.
 * `sync` then flushes the log (fsync) on libuv's thread pool, so the event
 * loop keeps serving while the disk works; a transaction is on disk once a
 * `sync` started after it has called back. Checkpoints still flush the log
 * and the database file themselves. Callers batch many messages per
 * transaction and per flush (group-commit.ts). Not a rollback journal: this
 * build's VFS reports its own lock as another process's RESERVED lock
 * (`xCheckReservedLock` only tests whether `<file>.lock` exists), so SQLite
 * never rolls back a hot journal, and a host killed between two page writes
 * of a commit left a corrupt file ("database disk image is malformed").
 * WAL recovery does not depend on that check. The VFS has no shared memory,
 * which WAL needs unless the connection holds the file exclusively, so the
 * store takes `locking_mode = EXCLUSIVE` first: one process per file, which
 * LanChat needs anyway.
 *
 * @public
 */
import { closeSync, existsSync, fsync, mkdirSync, openSync, readFileSync, rmdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { uptime } from 'node:os';
import { dirname } from 'node:path';

import { Database, type QueryResult, type Statement } from 'node-sqlite3-wasm';

import type { ChatMessage } from './protocol';

/** SQLite's name for a database that lives only in memory. */
export const IN_MEMORY = ':memory:';

/** Schema version written to `PRAGMA user_version`; bump with a migration. */
const SCHEMA_VERSION = 2;

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS rooms (
    room_key   TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE IF NOT EXISTS messages (
    room_key    TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    ts          INTEGER NOT NULL,
    sender_id   TEXT NOT NULL,
    sender_name TEXT NOT NULL,
    client_id   TEXT NOT NULL,
    text        TEXT NOT NULL,
    PRIMARY KEY (room_key, seq)
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS messages_by_client ON messages (room_key, client_id);
  CREATE TABLE IF NOT EXISTS host_state (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
  ) WITHOUT ROWID;
`;

/**
 * Schema 2 (rooms engineer): a room's stored state besides its messages: the
 * password verifier of a protected room (password-verifier.ts; never the
 * password), and how far retention has deleted its history, so sequence
 * numbers carry on after every message was pruned. A LanChat with schema 1
 * refuses this file rather than reopening protected rooms unprotected.
 */
const SCHEMA_ROOM_STATE = `
  CREATE TABLE IF NOT EXISTS room_state (
    room_key       TEXT PRIMARY KEY,
    verifier       TEXT,
    pruned_through INTEGER NOT NULL DEFAULT 0
  ) WITHOUT ROWID;
`;

/** Linux's identity of the running boot; elsewhere the boot time stands in. */
const BOOT_ID_FILE = '/proc/sys/kernel/random/boot_id';
/** Boot times computed from the clock and the uptime differ by this much at most for the same boot. */
const BOOT_TIME_TOLERANCE_MS = 120_000;

/**
 * Which boot of the machine this is: Linux's boot id, or (elsewhere) the
 * time the machine booted.
 * @public
 */
export function currentBoot(): string {
  try {
    return `id:${readFileSync(BOOT_ID_FILE, 'utf8').trim()}`;
  } catch {
    return `time:${Math.round(Date.now() - uptime() * 1000)}`;
  }
}

function sameBoot(a: string, b: string): boolean {
  if (a.startsWith('time:') && b.startsWith('time:')) {
    return Math.abs(Number(a.slice(5)) - Number(b.slice(5))) <= BOOT_TIME_TOLERANCE_MS;
  }
  return a === b;
}

/** A room as stored. */
export interface StoredRoom {
  name: string;
  lastSeq: number;
}

/** Where room history lives. @public */
export interface HistoryStore {
  /**
   * Names this history: it changes when sequence numbers may have been
   * given to other messages than before (the machine went down while the
   * host ran, so messages members were shown may be gone from the log; or
   * the file is new, or in memory). A client that knows messages under
   * another id must not merge them by seq with this history.
   */
  readonly historyId: string;
  /** Every stored room with its highest sequence number. */
  rooms(): StoredRoom[];
  /** Records a room (no-op when it exists). */
  ensureRoom(roomKey: string, name: string, now: number): void;
  /** Messages with `afterSeq < seq`, oldest first, at most `limit` (the oldest ones). */
  after(roomKey: string, afterSeq: number, limit: number): ChatMessage[];
  /** Messages with `seq < beforeSeq`, oldest first, at most `limit` (the newest ones). */
  before(roomKey: string, beforeSeq: number, limit: number): ChatMessage[];
  /** The stored message a sender already sent under `clientId`, if any. */
  findByClientId(roomKey: string, senderName: string, clientId: string): ChatMessage | undefined;
  /**
   * Writes messages in one transaction; throws (and writes nothing) on
   * failure. They survive the process crashing at once, and the machine
   * crashing once a later {@link HistoryStore.sync} has called back.
   */
  appendBatch(batch: ReadonlyArray<{ roomKey: string; message: ChatMessage }>): void;
  /**
   * Flushes every transaction appended so far to the disk, off the event
   * loop; `done` gets the error if the flush failed. With nothing to flush
   * it calls back at once, synchronously: an in-memory store, or after
   * `close` (which checkpoints, flushing everything).
   */
  sync(done: (error: Error | undefined) => void): void;
  /** Closes the database. Safe to call twice. */
  close(): void;

  // --- Room lifecycle, protection and retention (rooms.ts, retention.ts) ---

  /** A stored room's state, or undefined when no room has that key. */
  roomInfo(roomKey: string): StoredRoomInfo | undefined;
  /** Every stored room's key (retention walks them). */
  roomKeys(): string[];
  /** Stores (or, with undefined, removes) a room's password verifier; records the room too. */
  setVerifier(roomKey: string, name: string, verifier: string | undefined, now: number): void;
  /**
   * Deletes the room if nothing about it is worth keeping: no message, no
   * pruned history, no password. Returns whether it did.
   */
  deleteRoomIfUnused(roomKey: string): boolean;
  /** Deletes every room {@link HistoryStore.deleteRoomIfUnused} would; returns how many. */
  deleteUnusedRooms(): number;
  /** Up to `limit` messages with `seq > afterSeq`, oldest first, as seq, ts and stored bytes only. */
  messageSizes(roomKey: string, afterSeq: number, limit: number): MessageSize[];
  /** Up to `limit` messages with `seq < beforeSeq`, newest first, as seq, ts and stored bytes only. */
  messageSizesBefore(roomKey: string, beforeSeq: number, limit: number): MessageSize[];
  /**
   * Deletes the room's messages with `fromSeq <= seq <= throughSeq` and
   * records that history now starts after `throughSeq` (callers delete a
   * prefix, in bounded ranges). Returns how many messages it deleted.
   */
  prune(roomKey: string, fromSeq: number, throughSeq: number): number;
}

/** What {@link HistoryStore.roomInfo} reports. @public */
export interface StoredRoomInfo {
  name: string;
  /** Highest sequence number ever given (stored, or pruned). */
  lastSeq: number;
  /** Every message with `seq <= prunedThrough` was deleted by retention (0: none). */
  prunedThrough: number;
  /** The password verifier of a protected room. */
  verifier: string | undefined;
}

/** One message's size, for retention. @public */
export interface MessageSize {
  seq: number;
  ts: number;
  /** Stored bytes of its text and sender fields. */
  bytes: number;
}

function toMessage(row: QueryResult, room: string): ChatMessage {
  return {
    type: 'message',
    room,
    seq: Number(row.seq),
    ts: Number(row.ts),
    from: { id: String(row.sender_id), name: String(row.sender_name) },
    clientId: String(row.client_id),
    text: String(row.text),
  };
}

/** The lock directory node-sqlite3-wasm creates next to a database while it holds a lock. */
function lockDirectory(path: string): string {
  return `${path}.lock`;
}

/** Where the process that has the database open writes its pid. */
function lockOwnerFile(path: string): string {
  return `${path}.lock-owner`;
}

/** Whether a process with this pid exists (EPERM: it does, under another user). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The write-ahead log file, opened for flushing only (SQLite does the writing through its own descriptor). */
interface WalFile {
  sync(done: (error: Error | undefined) => void): void;
  /** Closes the descriptor, once no flush is running on it. */
  close(): void;
}

function walFile(path: string): WalFile {
  let fd: number | undefined;
  let running = 0;
  let closed = false;
  const release = (): void => {
    if (closed && running === 0 && fd !== undefined) {
      closeSync(fd);
      fd = undefined;
    }
  };
  return {
    sync(done) {
      try {
        // 'r+': Windows flushes only a handle opened for writing. The log
        // exists once a transaction has been appended; it is reset after a
        // checkpoint, never replaced, while the store holds its exclusive lock.
        fd ??= openSync(path, 'r+');
      } catch (error) {
        setImmediate(done, error instanceof Error ? error : new Error(String(error)));
        return;
      }
      running += 1;
      fsync(fd, (error) => {
        running -= 1;
        release();
        done(error ?? undefined);
      });
    },
    close() {
      closed = true;
      release();
    },
  };
}

/**
 * The history id of the file, kept unless the host was running when the
 * machine went down. Messages are shown to members once written to the log
 * and flushed to disk a moment later (group-commit.ts): a machine crash in
 * between can lose messages members saw, and the restarted host gives
 * their sequence numbers to new messages. A host process crash loses
 * nothing (the log is in the system's cache), so only an unclean stop
 * followed by a new boot changes the id. Records `open` and this boot
 * until {@link HistoryStore.close} clears `open`.
 */
function claimHistoryId(db: Database, path: string, boot: string): string {
  if (path === IN_MEMORY) return randomUUID();
  const state = new Map(db.all('SELECT key, value FROM host_state').map((row) => [String(row.key), String(row.value)]));
  const stored = state.get('history_id');
  const rebootedWhileOpen = state.get('open') === '1' && !sameBoot(state.get('boot') ?? '', boot);
  const historyId = stored === undefined || rebootedWhileOpen ? randomUUID() : stored;
  const write = db.prepare('INSERT OR REPLACE INTO host_state (key, value) VALUES (?, ?)');
  try {
    db.exec('BEGIN IMMEDIATE');
    for (const pair of [['history_id', historyId], ['open', '1'], ['boot', boot]]) write.run(pair);
    db.exec('COMMIT');
  } finally {
    write.finalize();
  }
  return historyId;
}

/**
 * node-sqlite3-wasm's only lock is a `<file>.lock` directory, removed when
 * the lock is released; the store holds it as long as it is open. A host
 * that dies without closing the store (SIGKILL, a crash, power loss) leaves
 * it behind, and every later open fails with "database is locked" until
 * someone deletes it by hand: the host could not come back after a crash
 * (issue "No message lost"). So the process that opens the file records its
 * pid beside it; a lock directory whose recorded owner is gone is stale and
 * is removed (SQLite then recovers the committed transactions from the
 * WAL). A lock of a live process, or one with no recorded owner, is left
 * alone.
 */
function claimLock(path: string): boolean {
  let owner = Number.NaN;
  try {
    owner = Number(readFileSync(lockOwnerFile(path), 'utf8').trim());
  } catch {
    // No recorded owner.
  }
  // Recorded by a live process, this one included (another store on the file): not ours to take.
  if (owner === process.pid || (Number.isInteger(owner) && owner > 0 && isRunning(owner))) return false;
  if (Number.isInteger(owner) && owner > 0 && existsSync(lockDirectory(path))) {
    try {
      rmdirSync(lockDirectory(path));
    } catch {
      // Not empty or already gone: opening reports the lock if it is still there.
    }
  }
  writeFileSync(lockOwnerFile(path), `${process.pid}\n`);
  return true;
}

/** Removes this process's pid record (unless another process has since recorded its own). */
function releaseLockClaim(path: string): void {
  try {
    if (readFileSync(lockOwnerFile(path), 'utf8').trim() === String(process.pid)) unlinkSync(lockOwnerFile(path));
  } catch {
    // Already gone: nothing to release.
  }
}

/** Options of {@link openHistoryStore}. @public */
export interface HistoryStoreOptions {
  /** This boot of the machine (default {@link currentBoot}); tests pass another to stand in for a reboot. */
  boot?: string;
}

/**
 * Opens (creating if needed) the history database at `path`, or an
 * in-memory one for {@link IN_MEMORY}.
 *
 * @public
 */
export function openHistoryStore(path: string, options: HistoryStoreOptions = {}): HistoryStore {
  let claimed = false;
  if (path !== IN_MEMORY) {
    mkdirSync(dirname(path), { recursive: true });
    claimed = claimLock(path);
  }
  let db: Database | undefined;
  try {
    db = new Database(path);
    // Before the first read, or a WAL file would need the shared memory the VFS lacks.
    db.exec('PRAGMA locking_mode = EXCLUSIVE');
    // Checked before anything writes: a newer LanChat's file is left as it was.
    const version = Number(db.get('PRAGMA user_version')?.user_version ?? 0);
    if (version > SCHEMA_VERSION) {
      throw new Error(`history database ${path} has schema ${version}, newer than this LanChat (${SCHEMA_VERSION})`);
    }
  } catch (error) {
    if (db?.isOpen) db.close();
    if (claimed) releaseLockClaim(path);
    throw error;
  }
  db.exec('PRAGMA journal_mode = WAL');
  // FULL while opening: the open marker below is on disk before any
  // message is written, so a machine crash can never lose it.
  db.exec('PRAGMA synchronous = FULL');
  db.exec(SCHEMA);
  db.exec(SCHEMA_ROOM_STATE);
  db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
  const historyId = claimHistoryId(db, path, options.boot ?? currentBoot());
  db.exec('PRAGMA synchronous = NORMAL');

  const names = new Map<string, string>();
  for (const row of db.all('SELECT room_key, name FROM rooms')) names.set(String(row.room_key), String(row.name));
  const statements: Statement[] = [];
  const prepare = (sql: string): Statement => {
    const statement = db.prepare(sql);
    statements.push(statement);
    return statement;
  };
  const insertRoom = prepare('INSERT OR IGNORE INTO rooms (room_key, name, created_at) VALUES (?, ?, ?)');
  const insertMessageSql = 'INSERT INTO messages (room_key, seq, ts, sender_id, sender_name, client_id, text) VALUES (?, ?, ?, ?, ?, ?, ?)';
  let insertMessage = prepare(insertMessageSql);
  const selectAfter = prepare('SELECT * FROM messages WHERE room_key = ? AND seq > ? ORDER BY seq LIMIT ?');
  const selectBefore = prepare('SELECT * FROM messages WHERE room_key = ? AND seq < ? ORDER BY seq DESC LIMIT ?');
  // INDEXED BY: SQLite's planner otherwise prefers the primary key's
  // room_key prefix and scans the whole room (measured: 1.1-1.3 ms per send
  // with a few thousand stored messages, against 27-42 µs with the index).
  const selectByClient = prepare('SELECT * FROM messages INDEXED BY messages_by_client WHERE room_key = ? AND client_id = ?');
  let open = true;
  const wal = path === IN_MEMORY ? undefined : walFile(`${path}-wal`);

  const nameOf = (roomKey: string): string => names.get(roomKey) ?? roomKey;

  return {
    historyId,
    rooms() {
      return db
        .all('SELECT r.name AS name, COALESCE(MAX(m.seq), 0) AS last_seq FROM rooms r LEFT JOIN messages m ON m.room_key = r.room_key GROUP BY r.room_key')
        .map((row) => ({ name: String(row.name), lastSeq: Number(row.last_seq) }));
    },
    ensureRoom(roomKey, name, now) {
      if (names.has(roomKey)) return;
      insertRoom.run([roomKey, name, now]);
      names.set(roomKey, name);
    },
    after(roomKey, afterSeq, limit) {
      return selectAfter.all([roomKey, afterSeq, limit]).map((row) => toMessage(row, nameOf(roomKey)));
    },
    before(roomKey, beforeSeq, limit) {
      return selectBefore
        .all([roomKey, beforeSeq, limit])
        .map((row) => toMessage(row, nameOf(roomKey)))
        .reverse();
    },
    findByClientId(roomKey, senderName, clientId) {
      // Names compare without letter case, as in rooms.ts; SQLite's NOCASE
      // folds ASCII only, so the (few) rows with this client id are
      // compared here.
      const wanted = senderName.toLocaleLowerCase('en-US');
      const row = selectByClient
        .all([roomKey, clientId])
        .find((candidate) => String(candidate.sender_name).toLocaleLowerCase('en-US') === wanted);
      return row ? toMessage(row, nameOf(roomKey)) : undefined;
    },
    appendBatch(batch) {
      if (batch.length === 0) return;
      db.exec('BEGIN IMMEDIATE');
      try {
        for (const { roomKey, message } of batch) {
          insertMessage.run([roomKey, message.seq, message.ts, message.from.id, message.from.name, message.clientId, message.text]);
        }
        db.exec('COMMIT');
      } catch (error) {
        if (db.inTransaction) db.exec('ROLLBACK');
        // A statement whose step failed keeps that error, and node-sqlite3-wasm
        // refuses to bind it again ("Could not reset statement"): without a
        // fresh one, the next batch would fail too.
        statements.splice(statements.indexOf(insertMessage), 1);
        try {
          insertMessage.finalize();
        } catch {
          // finalize reports the failed step's error again; the statement is gone either way.
        }
        insertMessage = prepare(insertMessageSql);
        throw error;
      }
    },
    sync(done) {
      if (!open || wal === undefined) done(undefined);
      else wal.sync(done);
    },
    close() {
      if (!open) return;
      open = false;
      for (const statement of statements) statement.finalize();
      try {
        db.run("INSERT OR REPLACE INTO host_state (key, value) VALUES ('open', '0')");
      } catch {
        // Left marked open: after a reboot the next host merely names its history anew.
      }
      // Closing checkpoints the log into the database file, flushing both.
      db.close();
      wal?.close();
      if (claimed) releaseLockClaim(path);
    },

    // --- Room lifecycle, protection and retention (rooms.ts, retention.ts) ---

    roomInfo(roomKey) {
      const row = db.get(SELECT_ROOM_INFO, [roomKey]);
      if (!row) return undefined;
      const prunedThrough = Number(row.pruned_through ?? 0);
      return {
        name: String(row.name),
        lastSeq: Math.max(Number(row.last_seq ?? 0), prunedThrough),
        prunedThrough,
        verifier: row.verifier === null || row.verifier === undefined ? undefined : String(row.verifier),
      };
    },
    roomKeys() {
      return db.all('SELECT room_key FROM rooms').map((row) => String(row.room_key));
    },
    setVerifier(roomKey, name, verifier, now) {
      db.exec('BEGIN IMMEDIATE');
      try {
        if (!names.has(roomKey)) insertRoom.run([roomKey, name, now]);
        db.run(UPSERT_VERIFIER, [roomKey, verifier ?? null]);
        db.exec('COMMIT');
      } catch (error) {
        if (db.inTransaction) db.exec('ROLLBACK');
        throw error;
      }
      names.set(roomKey, names.get(roomKey) ?? name);
    },
    deleteRoomIfUnused(roomKey) {
      const deleted = db.run(`DELETE FROM rooms WHERE room_key = ? AND ${UNUSED_ROOM}`, [roomKey]).changes > 0;
      if (deleted) {
        db.run('DELETE FROM room_state WHERE room_key = ?', [roomKey]);
        names.delete(roomKey);
      }
      return deleted;
    },
    deleteUnusedRooms() {
      const keys = db.all(`SELECT room_key FROM rooms WHERE ${UNUSED_ROOM}`).map((row) => String(row.room_key));
      for (const key of keys) this.deleteRoomIfUnused(key);
      return keys.length;
    },
    messageSizes(roomKey, afterSeq, limit) {
      return db.all(`SELECT ${SIZE_COLUMNS} FROM messages WHERE room_key = ? AND seq > ? ORDER BY seq LIMIT ?`, [roomKey, afterSeq, limit]).map(toSize);
    },
    messageSizesBefore(roomKey, beforeSeq, limit) {
      return db
        .all(`SELECT ${SIZE_COLUMNS} FROM messages WHERE room_key = ? AND seq < ? ORDER BY seq DESC LIMIT ?`, [roomKey, beforeSeq, limit])
        .map(toSize);
    },
    prune(roomKey, fromSeq, throughSeq) {
      db.exec('BEGIN IMMEDIATE');
      try {
        const { changes } = db.run('DELETE FROM messages WHERE room_key = ? AND seq >= ? AND seq <= ?', [roomKey, fromSeq, throughSeq]);
        db.run(
          'INSERT INTO room_state (room_key, pruned_through) VALUES (?, ?) ON CONFLICT (room_key) DO UPDATE SET pruned_through = MAX(pruned_through, excluded.pruned_through)',
          [roomKey, throughSeq],
        );
        db.exec('COMMIT');
        return changes;
      } catch (error) {
        if (db.inTransaction) db.exec('ROLLBACK');
        throw error;
      }
    },
  };
}

const SELECT_ROOM_INFO = `SELECT r.name AS name, s.verifier AS verifier, s.pruned_through AS pruned_through,
    (SELECT MAX(seq) FROM messages m WHERE m.room_key = r.room_key) AS last_seq
  FROM rooms r LEFT JOIN room_state s ON s.room_key = r.room_key WHERE r.room_key = ?`;

const UPSERT_VERIFIER =
  'INSERT INTO room_state (room_key, verifier) VALUES (?, ?) ON CONFLICT (room_key) DO UPDATE SET verifier = excluded.verifier';

/** SQL condition: a room (alias-free, on `rooms`) with no message, no pruned history and no password. */
const UNUSED_ROOM = `NOT EXISTS (SELECT 1 FROM messages m WHERE m.room_key = rooms.room_key)
  AND NOT EXISTS (SELECT 1 FROM room_state s WHERE s.room_key = rooms.room_key AND (s.verifier IS NOT NULL OR s.pruned_through > 0))`;

/** Stored bytes of a message: text and sender fields (CAST: bytes, whether a column holds text or a blob). */
const SIZE_COLUMNS =
  'seq, ts, length(CAST(text AS BLOB)) + length(CAST(sender_name AS BLOB)) + length(CAST(sender_id AS BLOB)) + length(CAST(client_id AS BLOB)) AS bytes';

function toSize(row: QueryResult): MessageSize {
  return { seq: Number(row.seq), ts: Number(row.ts), bytes: Number(row.bytes) };
}
