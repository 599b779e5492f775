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
 * One process per file is enforced by an operating-system lock on the real
 * file (file-lock.ts), taken before SQLite opens it and released after
 * SQLite closed it; SQLite opens the real path, so its `-wal` file follows
 * the file and not a symlink's name. A record beside the database
 * (history-record.ts) says what it held, so a database that lost history
 * is refused instead of starting empty. Every string column is stored as
 * its UTF-8 bytes (sqlite-text.ts), so NUL characters survive.
 *
 * @public
 */
import {
  accessSync,
  closeSync,
  constants as fsConstants,
  existsSync,
  fsync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  realpathSync,
  rmdirSync,
  statfsSync,
  statSync,
  unlinkSync,
} from 'node:fs';
import { randomUUID } from 'node:crypto';
import { uptime } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';

import { Database, type QueryResult, type Statement } from 'node-sqlite3-wasm';

import { HISTORY_RECORD_INTERVAL_MS } from './constants';
import { HistoryStoreError } from './errors';
import { lockFile, type FileLock } from './file-lock';
import { readHistoryRecord, recordPath, writeHistoryRecordLater, writeHistoryRecordSync, type HistoryRecord } from './history-record';
import type { ChatMessage } from './protocol';
import { fromSqlText, toSqlText } from './sqlite-text';

/** SQLite's name for a database that lives only in memory. */
export const IN_MEMORY = ':memory:';

/** Schema version 1: the tables as first released (strings as TEXT, cut at NUL by the library). */
const SCHEMA_V1 = `
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
 * Schema version 2: every string of rooms and messages as its UTF-8 bytes
 * (BLOB), so NUL characters survive (sqlite-text.ts); existing text, which
 * never held a NUL, is converted as it is. Adds `messages_deleted` to
 * host_state, counted by a trigger on every deletion, so that stored plus
 * deleted messages is the number ever written, which deleting old messages
 * does not lower; the history record compares it. (A counter bumped by
 * every append would cost each transaction a second page written to the
 * log; deletions are rare.) host_state keeps TEXT: it holds only LanChat's
 * own ASCII keys and values.
 */
const SCHEMA_V2 = `
  CREATE TABLE rooms_v2 (
    room_key   BLOB PRIMARY KEY,
    name       BLOB NOT NULL,
    created_at INTEGER NOT NULL
  );
  INSERT INTO rooms_v2 SELECT CAST(room_key AS BLOB), CAST(name AS BLOB), created_at FROM rooms;
  DROP TABLE rooms;
  ALTER TABLE rooms_v2 RENAME TO rooms;
  CREATE TABLE messages_v2 (
    room_key    BLOB NOT NULL,
    seq         INTEGER NOT NULL,
    ts          INTEGER NOT NULL,
    sender_id   BLOB NOT NULL,
    sender_name BLOB NOT NULL,
    client_id   BLOB NOT NULL,
    text        BLOB NOT NULL,
    PRIMARY KEY (room_key, seq)
  ) WITHOUT ROWID;
  INSERT INTO messages_v2
    SELECT CAST(room_key AS BLOB), seq, ts, CAST(sender_id AS BLOB), CAST(sender_name AS BLOB), CAST(client_id AS BLOB), CAST(text AS BLOB)
    FROM messages;
  DROP INDEX messages_by_client;
  DROP TABLE messages;
  ALTER TABLE messages_v2 RENAME TO messages;
  CREATE INDEX messages_by_client ON messages (room_key, client_id);
  INSERT OR REPLACE INTO host_state (key, value) VALUES ('messages_deleted', '0');
  CREATE TRIGGER messages_deleted AFTER DELETE ON messages BEGIN
    UPDATE host_state SET value = CAST(value AS INTEGER) + 1 WHERE key = 'messages_deleted';
  END;
`;

/**
 * Schema version 3: a room's stored state besides its messages: the
 * password verifier of a protected room (password-verifier.ts; never the
 * password), and how far retention has deleted its history, so sequence
 * numbers carry on after every message was pruned. A LanChat with an older
 * schema refuses this file rather than reopening protected rooms
 * unprotected. The room key is its UTF-8 bytes, as in `rooms`.
 */
const SCHEMA_V3 = `
  CREATE TABLE room_state (
    room_key       BLOB PRIMARY KEY,
    verifier       TEXT,
    pruned_through INTEGER NOT NULL DEFAULT 0
  ) WITHOUT ROWID;
`;

/**
 * The schema migrations in order: step `i` (0-based) takes a file from
 * `user_version` i to i + 1, in one transaction with the version bump, so
 * a file is always wholly at one version. A new file runs them all. Append
 * new steps at the end and never change a released one; bind strings with
 * toSqlText in them.
 */
const MIGRATIONS: ReadonlyArray<(db: Database) => void> = [
  (db) => db.exec(SCHEMA_V1),
  (db) => db.exec(SCHEMA_V2),
  (db) => db.exec(SCHEMA_V3),
];

/** Schema version written to `PRAGMA user_version`: one per migration. */
const SCHEMA_VERSION = MIGRATIONS.length;

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
  /**
   * Up to `limit` stored rooms, most recently active first (newest
   * message, else when the room was recorded), as name and protection
   * only: what `GET /rooms` lists of rooms not in memory. Reads no message
   * but each room's newest (an index seek per room).
   */
  recentRooms(limit: number): StoredRoomListing[];
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

/** What {@link HistoryStore.recentRooms} reports of one room. @public */
export interface StoredRoomListing {
  /** Its key (rooms.ts `roomKey` of its name). */
  key: string;
  name: string;
  /** Whether it has a password verifier. */
  protected: boolean;
  /** Time of its newest message, or when it was recorded (ms since the epoch). */
  activeAt: number;
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
    from: { id: fromSqlText(row.sender_id), name: fromSqlText(row.sender_name) },
    clientId: fromSqlText(row.client_id),
    text: fromSqlText(row.text),
  };
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


/** Options of {@link openHistoryStore}. @public */
export interface HistoryStoreOptions {
  /** This boot of the machine (default {@link currentBoot}); tests pass another to stand in for a reboot. */
  boot?: string;
  /**
   * Accept a database that lost history its record says it held (truncated,
   * replaced, restored from an older copy): it starts under a new history
   * id with what it holds. Without it such a database is refused with
   * `HISTORY_ERR_LOST`. No effect when nothing was lost. @default false
   */
  freshHistory?: boolean;
  /** Told of things worth a line in the log (an unreadable record replaced). */
  onWarning?: (message: string) => void;
}

/** Less free space than this on the database's disk makes an I/O error a full disk. */
const FULL_DISK_BYTES = 1024 * 1024;

/** The database's real path (symlinks resolved), creating its folder and, unless `mayCreate` refuses, the file. */
function resolveDatabasePath(path: string, mayCreate: (real: string) => void): string {
  const absolute = resolve(path);
  try {
    mkdirSync(dirname(absolute), { recursive: true });
  } catch (error) {
    // On a read-only file system a recursive mkdir reports ENOENT; the
    // nearest folder that exists tells why it cannot be created.
    let existing = dirname(absolute);
    while (!existsSync(existing) && dirname(existing) !== existing) existing = dirname(existing);
    accessSync(existing, fsConstants.W_OK);
    throw error;
  }
  try {
    return realpathSync(absolute);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  let dangling = false;
  try {
    dangling = lstatSync(absolute).isSymbolicLink();
  } catch {
    // Nothing at all under that name: a new file in a real folder.
  }
  if (!dangling) mayCreate(join(realpathSync(dirname(absolute)), basename(absolute)));
  // The lock needs the file's identity, so the file must exist before SQLite
  // opens it; an empty file is a valid new database. 'a' creates it (also
  // through a dangling symlink) and never truncates one that a concurrent
  // starter has just created.
  closeSync(openSync(absolute, 'a'));
  return realpathSync(absolute);
}

/** Removes what an earlier LanChat or a killed host left beside the file; only called while holding the lock. */
function clearLeftovers(realPath: string, givenPath: string): void {
  try {
    // node-sqlite3-wasm's lock directory: stale, since the lock is ours.
    rmdirSync(`${realPath}.lock`);
  } catch {
    // Absent (the usual case), or not empty: opening then reports the lock.
  }
  for (const owner of new Set([`${realPath}.lock-owner`, `${resolve(givenPath)}.lock-owner`])) {
    try {
      // The pid file of LanChat versions before the OS lock.
      unlinkSync(owner);
    } catch {
      // Absent: nothing to remove.
    }
  }
}

function errnoOf(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && typeof (error as NodeJS.ErrnoException).code === 'string'
    ? (error as NodeJS.ErrnoException).code
    : undefined;
}

function freeBytes(directory: string): number | undefined {
  try {
    const stats = statfsSync(directory);
    return stats.bavail * stats.bsize;
  } catch {
    return undefined;
  }
}

/** Why `path` cannot be written (`undefined`: it can, or does not exist). */
function whyNotWritable(path: string): string | undefined {
  try {
    accessSync(path, fsConstants.W_OK);
    return undefined;
  } catch (error) {
    const errno = errnoOf(error);
    if (errno === 'EROFS') return 'read-only file system';
    if (errno === 'EACCES' || errno === 'EPERM') return 'permission denied';
    return undefined;
  }
}

/**
 * One {@link HistoryStoreError} for whatever failed while opening: Node's
 * errno codes for LanChat's own file operations, SQLite's messages for the
 * library's (whose file layer reports every failed write as "disk I/O
 * error", so the free space decides whether the disk is full).
 */
function openFailure(error: unknown, path: string, realPath: string | undefined): HistoryStoreError {
  if (error instanceof HistoryStoreError) return error;
  const file = realPath ?? resolve(path);
  const directory = dirname(file);
  const errno = errnoOf(error);
  const text = error instanceof Error ? error.message : String(error);
  const make = (code: ConstructorParameters<typeof HistoryStoreError>[0], message: string): HistoryStoreError =>
    new HistoryStoreError(code, path, message, { cause: error });
  const readOnly = (why: string): HistoryStoreError =>
    make('HISTORY_ERR_READ_ONLY', `Cannot write the history file ${path} (${why}); make ${directory} writable or choose another history file.`);
  const noSpace = (): HistoryStoreError =>
    make('HISTORY_ERR_NO_SPACE', `The disk holding the history file ${path} is full; free some space on it and start again.`);
  if (errno === 'EROFS') return readOnly('read-only file system');
  if (errno === 'EACCES' || errno === 'EPERM') return readOnly('permission denied');
  if (errno === 'ENOSPC' || errno === 'EDQUOT') return noSpace();
  const notWritable = whyNotWritable(directory) ?? whyNotWritable(file);
  if (/readonly database/i.test(text)) return readOnly(notWritable ?? 'the file is read-only');
  if (/disk is full/i.test(text)) return noSpace();
  if (/not a database|malformed|no such (table|column|index)/i.test(text)) {
    return make(
      'HISTORY_ERR_CORRUPT',
      `The history file ${path} is damaged (${text}); restore it from a backup, or move it away to start a new history.`,
    );
  }
  if (/database is locked/i.test(text)) {
    return make(
      'HISTORY_ERR_LOCKED',
      `The history file ${path} is locked by a leftover ${file}.lock folder that could not be removed; remove it and start again.`,
    );
  }
  const free = freeBytes(directory);
  if (/disk I\/O error|Could not open/i.test(text)) {
    if (free !== undefined && free < FULL_DISK_BYTES) return noSpace();
    if (notWritable !== undefined) return readOnly(notWritable);
  }
  return make('HISTORY_ERR_IO', `Cannot read or write the history file ${path} (${text}); check the disk and the file.`);
}

/** host_state as a map; empty for a file without the table (new, or emptied). */
function readHostState(db: Database): Map<string, string> {
  if (db.get("SELECT 1 AS found FROM sqlite_master WHERE type = 'table' AND name = 'host_state'") === null) return new Map();
  return new Map(db.all('SELECT key, value FROM host_state').map((row) => [String(row.key), String(row.value)]));
}

/** Each room's highest stored seq, by room key; works on schema 1 and 2. */
function storedRoomSeqs(db: Database): Map<string, number> {
  if (db.get("SELECT 1 AS found FROM sqlite_master WHERE type = 'table' AND name = 'messages'") === null) return new Map();
  return new Map(db.all('SELECT room_key, MAX(seq) AS last_seq FROM messages GROUP BY room_key').map((row) => [fromSqlText(row.room_key), Number(row.last_seq)]));
}

/** Messages ever written: those stored plus those deleted (schema 2 counts them; schema 1 never deleted any). */
function messagesWritten(db: Database, state: Map<string, string>): number {
  if (db.get("SELECT 1 AS found FROM sqlite_master WHERE type = 'table' AND name = 'messages'") === null) return 0;
  return Number(db.get('SELECT COUNT(*) AS n FROM messages')?.n ?? 0) + Number(state.get('messages_deleted') ?? 0);
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** What {@link chooseHistoryId} decided, to be stored in host_state. */
interface HistoryIdChoice {
  historyId: string;
  /** The id this one replaces, kept so a record written just before a crash still matches. */
  previous: string | undefined;
  /** The recorded history whose loss the user accepted (freshHistory). */
  freshFrom: string | undefined;
}

/**
 * The history id of the file, or a refusal when it lost history.
 *
 * The id stays unless sequence numbers may go to other messages than
 * members were shown: messages are shown once written to the log and
 * flushed a moment later (group-commit.ts), so it changes when the host
 * was running as the machine went down (`open` still set, another boot),
 * when a flush had failed and not everything written is there (the
 * system may have dropped pages after a failed fsync), for a new file,
 * and when the user accepted a loss. A host process crash loses nothing
 * (the log is in the system's cache), so a kill keeps the id.
 *
 * A database that holds fewer messages than its record counted as
 * durable, or another history than the recorded one, lost history: it is
 * refused unless `fresh`. The record counts only flushed messages, so a
 * machine crash losing the unflushed tail never trips this.
 */
function chooseHistoryId(
  db: Database,
  record: HistoryRecord | undefined,
  context: { path: string; recordFile: string; boot: string; fresh: boolean },
): HistoryIdChoice {
  const state = readHostState(db);
  const stored = state.get('history_id');
  const written = messagesWritten(db, state);
  const sameHistory = record !== undefined && (stored === record.historyId || state.get('previous_history_id') === record.historyId);
  let freshFrom: string | undefined;
  if (record !== undefined && record.durableMessages > 0 && state.get('fresh_from') !== record.historyId && (!sameHistory || written < record.durableMessages)) {
    if (!context.fresh) {
      const rooms = Object.keys(record.rooms).length;
      const holds = sameHistory
        ? `holds ${plural(written, 'message')}`
        : stored === undefined
          ? 'holds no history'
          : `holds another history (${stored})`;
      throw new HistoryStoreError(
        'HISTORY_ERR_LOST',
        context.path,
        `The history file ${context.path} ${holds}, but ${context.recordFile} records ${plural(record.durableMessages, 'message')} in ${plural(rooms, 'room')} of history ${record.historyId}: it was emptied, replaced or restored from an older copy; put the right file back, or start with --fresh-history (option freshHistory) to begin a new history with what it holds.`,
      );
    }
    freshFrom = record.historyId;
  }
  let renamed = stored === undefined || freshFrom !== undefined;
  if (state.get('open') === '1' && !sameBoot(state.get('boot') ?? '', context.boot)) renamed = true;
  const failed = record?.flushFailed;
  if (failed !== undefined && !renamed) {
    const seqs = storedRoomSeqs(db);
    const allThere =
      stored === record?.historyId &&
      written >= failed.writtenMessages &&
      Object.entries(failed.rooms).every(([room, seq]) => (seqs.get(room) ?? 0) >= seq);
    if (!allThere) renamed = true;
  }
  return renamed ? { historyId: randomUUID(), previous: stored, freshFrom } : { historyId: stored as string, previous: undefined, freshFrom };
}

/**
 * Opens SQLite on `file`, held exclusively, and refuses a newer schema;
 * closes what it opened when it throws (the caller closes it after).
 */
function openDatabase(file: string, path: string): Database {
  const db = new Database(file);
  try {
    // Before the first read, or a WAL file would need the shared memory the VFS lacks.
    db.exec('PRAGMA locking_mode = EXCLUSIVE');
    // Checked before anything writes: a newer LanChat's file is left as it was.
    const version = Number(db.get('PRAGMA user_version')?.user_version ?? 0);
    if (version > SCHEMA_VERSION) {
      throw new HistoryStoreError(
        'HISTORY_ERR_NEWER_SCHEMA',
        path,
        `The history file ${path} was written by a newer LanChat (schema ${version}; this one reads up to ${SCHEMA_VERSION}); update LanChat or choose another history file.`,
      );
    }
  } catch (error) {
    try {
      db.close();
    } catch {
      // The error that got us here is the one to report.
    }
    throw error;
  }
  return db;
}

/** Runs the migrations a file at `user_version` needs, each in its own transaction. */
function migrate(db: Database): void {
  const version = Number(db.get('PRAGMA user_version')?.user_version ?? 0);
  for (let step = version; step < SCHEMA_VERSION; step += 1) {
    db.exec('BEGIN IMMEDIATE');
    try {
      (MIGRATIONS[step] as (db: Database) => void)(db);
      db.exec(`PRAGMA user_version = ${step + 1}`);
      db.exec('COMMIT');
    } catch (error) {
      if (db.inTransaction) db.exec('ROLLBACK');
      throw error;
    }
  }
}

/** Stores the chosen id and marks the file open in this boot, flushed (FULL) before any message is written. */
function storeHostState(db: Database, choice: HistoryIdChoice, boot: string): void {
  const write = db.prepare('INSERT OR REPLACE INTO host_state (key, value) VALUES (?, ?)');
  try {
    db.exec('BEGIN IMMEDIATE');
    const pairs: Array<[string, string]> = [
      ['history_id', choice.historyId],
      ['open', '1'],
      ['boot', boot],
    ];
    if (choice.previous !== undefined) pairs.push(['previous_history_id', choice.previous]);
    if (choice.freshFrom !== undefined) pairs.push(['fresh_from', choice.freshFrom]);
    for (const pair of pairs) write.run(pair);
    db.exec('COMMIT');
  } catch (error) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw error;
  } finally {
    write.finalize();
  }
}

/** A file on disk: its lock, real path and record. */
interface OnDisk {
  lock: FileLock;
  realPath: string;
  recordFile: string;
  record: HistoryRecord | undefined;
}

/** Resolves, checks and locks the file; nothing is opened yet. Throws {@link HistoryStoreError}. */
function claimFile(path: string, options: HistoryStoreOptions): OnDisk {
  let realPath: string | undefined;
  try {
    realPath = resolveDatabasePath(path, (future) => {
      // A missing database whose record says it held messages lost them:
      // refused before anything is created (same check as chooseHistoryId).
      const record = readRecordOrWarn(recordPath(future), options);
      if (record !== undefined && record.durableMessages > 0 && options.freshHistory !== true) {
        throw new HistoryStoreError(
          'HISTORY_ERR_LOST',
          path,
          `The history file ${path} is missing, but ${recordPath(future)} records ${plural(record.durableMessages, 'message')} in ${plural(Object.keys(record.rooms).length, 'room')} of history ${record.historyId}: put the file back, or start with --fresh-history (option freshHistory) to begin a new history.`,
        );
      }
    });
    const attempt = lockFile(realPath);
    if (!attempt.locked) {
      const who = attempt.thisProcess ? 'This process' : `Another LanChat host${attempt.holderPid === undefined ? '' : ` (pid ${attempt.holderPid})`}`;
      throw new HistoryStoreError(
        'HISTORY_ERR_LOCKED',
        path,
        `${who} has the history file ${path} open; stop that host, or give this one another history file.`,
      );
    }
    const { lock } = attempt;
    try {
      const links = statSync(realPath).nlink;
      if (links > 1) {
        // One inode, several names: SQLite names the log after the name it
        // opens, so a host killed while using one name leaves its committed
        // transactions in a -wal file that a host using another name never sees.
        throw new HistoryStoreError(
          'HISTORY_ERR_HARD_LINKED',
          path,
          `The history file ${path} has ${links} hard links; LanChat keeps a history under one name only (its write-ahead log is named after it), so remove the other links (find / -samefile ${realPath}) or copy the file.`,
        );
      }
      clearLeftovers(realPath, path);
      const recordFile = recordPath(realPath);
      return { lock, realPath, recordFile, record: readRecordOrWarn(recordFile, options) };
    } catch (error) {
      lock.release();
      throw error;
    }
  } catch (error) {
    throw openFailure(error, path, realPath);
  }
}

/** The record, or undefined when it is missing or (with a warning) unreadable as a record. */
function readRecordOrWarn(file: string, options: HistoryStoreOptions): HistoryRecord | undefined {
  try {
    return readHistoryRecord(file);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    options.onWarning?.(`${file} is not a readable history record; it is replaced (${error.message})`);
    return undefined;
  }
}

function roomsObject(rooms: ReadonlyMap<string, number>): Record<string, number> {
  return Object.fromEntries(rooms);
}

/**
 * Opens (creating if needed) the history database at `path`, or an
 * in-memory one for {@link IN_MEMORY}.
 *
 * @throws HistoryStoreError when the file cannot be used; its `code` says
 *   why and its message names the file and what to do.
 * @public
 */
export function openHistoryStore(path: string, options: HistoryStoreOptions = {}): HistoryStore {
  const boot = options.boot ?? currentBoot();
  let disk: OnDisk | undefined;
  let db: Database | undefined;
  let historyId: string;
  /** Messages ever written (stored plus deleted), and each room's highest written seq. */
  let written = 0;
  let roomSeqs = new Map<string, number>();
  try {
    if (path === IN_MEMORY) {
      db = openDatabase(IN_MEMORY, path);
      migrate(db);
      historyId = randomUUID();
    } else {
      disk = claimFile(path, options);
      db = openDatabase(disk.realPath, path);
      // Decided before anything is written: a refused file stays as it was.
      const choice = chooseHistoryId(db, disk.record, { path, recordFile: disk.recordFile, boot, fresh: options.freshHistory === true });
      historyId = choice.historyId;
      db.exec('PRAGMA journal_mode = WAL');
      // FULL while opening: the migrations and the open marker are on disk
      // before any message is written, so a machine crash can never lose them.
      db.exec('PRAGMA synchronous = FULL');
      migrate(db);
      storeHostState(db, choice, boot);
      db.exec('PRAGMA synchronous = NORMAL');
      written = messagesWritten(db, readHostState(db));
      roomSeqs = storedRoomSeqs(db);
      // Everything in the file is on disk now (the FULL commit flushed the
      // log), so all of it counts as durable.
      writeHistoryRecordSync(disk.recordFile, { historyId, durableMessages: written, rooms: roomsObject(roomSeqs) });
    }
  } catch (error) {
    if (db?.isOpen) {
      try {
        db.close();
      } catch {
        // Reported below by the error that got us here.
      }
    }
    disk?.lock.release();
    throw path === IN_MEMORY ? error : openFailure(error, path, disk?.realPath);
  }
  const database = db;
  const onDisk = disk;
  const names = new Map<string, string>();
  const statements: Statement[] = [];
  const prepare = (sql: string): Statement => {
    const statement = database.prepare(sql);
    statements.push(statement);
    return statement;
  };
  let insertRoom: Statement;
  const insertMessageSql = 'INSERT INTO messages (room_key, seq, ts, sender_id, sender_name, client_id, text) VALUES (?, ?, ?, ?, ?, ?, ?)';
  let insertMessage: Statement;
  let selectAfter: Statement;
  let selectBefore: Statement;
  let selectByClient: Statement;
  try {
    for (const row of database.all('SELECT room_key, name FROM rooms')) names.set(fromSqlText(row.room_key), fromSqlText(row.name));
    insertRoom = prepare('INSERT OR IGNORE INTO rooms (room_key, name, created_at) VALUES (?, ?, ?)');
    insertMessage = prepare(insertMessageSql);
    selectAfter = prepare('SELECT * FROM messages WHERE room_key = ? AND seq > ? ORDER BY seq LIMIT ?');
    selectBefore = prepare('SELECT * FROM messages WHERE room_key = ? AND seq < ? ORDER BY seq DESC LIMIT ?');
    // INDEXED BY: SQLite's planner otherwise prefers the primary key's
    // room_key prefix and scans the whole room (measured: 1.1-1.3 ms per send
    // with a few thousand stored messages, against 27-42 µs with the index).
    selectByClient = prepare('SELECT * FROM messages INDEXED BY messages_by_client WHERE room_key = ? AND client_id = ?');
  } catch (error) {
    // A file at our schema version without our tables: not a LanChat history.
    for (const statement of statements) statement.finalize();
    database.close();
    onDisk?.lock.release();
    throw path === IN_MEMORY ? error : openFailure(error, path, onDisk?.realPath);
  }
  let open = true;
  const wal = onDisk === undefined ? undefined : walFile(`${onDisk.realPath}-wal`);

  // The record's durable counts: as of the start of the last flush that succeeded.
  let durable = { written, rooms: new Map(roomSeqs) };
  let flushFailed: HistoryRecord['flushFailed'];
  /** Bumped by every record write, so an older write in flight never lands over a newer one. */
  let recordGeneration = 0;
  let recordTimer: NodeJS.Timeout | undefined;

  const currentRecord = (): HistoryRecord => {
    const record: HistoryRecord = { historyId, durableMessages: durable.written, rooms: roomsObject(durable.rooms) };
    if (flushFailed !== undefined) record.flushFailed = flushFailed;
    return record;
  };
  const writeRecordNow = (): void => {
    if (onDisk === undefined) return;
    recordGeneration += 1;
    writeHistoryRecordSync(onDisk.recordFile, currentRecord());
  };
  const writeRecordSoon = (): void => {
    if (onDisk === undefined || recordTimer !== undefined) return;
    recordTimer = setTimeout(() => {
      recordTimer = undefined;
      recordGeneration += 1;
      const generation = recordGeneration;
      writeHistoryRecordLater(
        onDisk.recordFile,
        currentRecord(),
        () => open && generation === recordGeneration,
        () => {
          // A record that could not be written stays at its older version:
          // only less strict, and the next flush tries again.
        },
      );
    }, HISTORY_RECORD_INTERVAL_MS);
    // Pending record writes must not keep a finished process alive.
    recordTimer.unref();
  };

  const nameOf = (roomKey: string): string => names.get(roomKey) ?? roomKey;

  return {
    historyId,
    rooms() {
      return database
        .all('SELECT r.name AS name, COALESCE(MAX(m.seq), 0) AS last_seq FROM rooms r LEFT JOIN messages m ON m.room_key = r.room_key GROUP BY r.room_key')
        .map((row) => ({ name: fromSqlText(row.name), lastSeq: Number(row.last_seq) }));
    },
    ensureRoom(roomKey, name, now) {
      if (names.has(roomKey)) return;
      insertRoom.run([toSqlText(roomKey), toSqlText(name), now]);
      names.set(roomKey, name);
    },
    after(roomKey, afterSeq, limit) {
      return selectAfter.all([toSqlText(roomKey), afterSeq, limit]).map((row) => toMessage(row, nameOf(roomKey)));
    },
    before(roomKey, beforeSeq, limit) {
      return selectBefore
        .all([toSqlText(roomKey), beforeSeq, limit])
        .map((row) => toMessage(row, nameOf(roomKey)))
        .reverse();
    },
    findByClientId(roomKey, senderName, clientId) {
      // Names compare without letter case, as in rooms.ts; SQLite's NOCASE
      // folds ASCII only, so the (few) rows with this client id are
      // compared here.
      const wanted = senderName.toLocaleLowerCase('en-US');
      const row = selectByClient
        .all([toSqlText(roomKey), toSqlText(clientId)])
        .find((candidate) => fromSqlText(candidate.sender_name).toLocaleLowerCase('en-US') === wanted);
      return row ? toMessage(row, nameOf(roomKey)) : undefined;
    },
    appendBatch(batch) {
      if (batch.length === 0) return;
      database.exec('BEGIN IMMEDIATE');
      try {
        for (const { roomKey, message } of batch) {
          insertMessage.run([
            toSqlText(roomKey),
            message.seq,
            message.ts,
            toSqlText(message.from.id),
            toSqlText(message.from.name),
            toSqlText(message.clientId),
            toSqlText(message.text),
          ]);
        }
        database.exec('COMMIT');
      } catch (error) {
        if (database.inTransaction) database.exec('ROLLBACK');
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
      written += batch.length;
      for (const { roomKey, message } of batch) {
        if (message.seq > (roomSeqs.get(roomKey) ?? 0)) roomSeqs.set(roomKey, message.seq);
      }
    },
    sync(done) {
      if (!open || wal === undefined) {
        done(undefined);
        return;
      }
      // What this flush covers: everything written before it starts.
      const covered = { written, rooms: new Map(roomSeqs) };
      wal.sync((error) => {
        if (error !== undefined) {
          if (flushFailed === undefined && open) {
            // fsyncgate: the system may have dropped what it failed to
            // flush, messages members were shown among it. Say so beside the
            // database at once, so the next start names the history anew
            // unless all of it is there.
            flushFailed = { writtenMessages: written, rooms: roomsObject(roomSeqs) };
            try {
              writeRecordNow();
            } catch {
              // Best effort: the disk is failing. Without the note, the next
              // start on this boot keeps the history id.
            }
          }
        } else if (covered.written > durable.written) {
          durable = covered;
          if (flushFailed === undefined) writeRecordSoon();
        }
        done(error);
      });
    },
    close() {
      if (!open) return;
      open = false;
      if (recordTimer !== undefined) clearTimeout(recordTimer);
      try {
        for (const statement of statements) statement.finalize();
        try {
          database.run("INSERT OR REPLACE INTO host_state (key, value) VALUES ('open', '0')");
        } catch {
          // Left marked open: after a reboot the next host merely names its history anew.
        }
        // Closing checkpoints the log into the database file, flushing both:
        // everything written is durable now.
        database.close();
        wal?.close();
        if (flushFailed === undefined) durable = { written, rooms: new Map(roomSeqs) };
        try {
          writeRecordNow();
        } catch {
          // The record stays at its last version: only less strict.
        }
      } finally {
        // After SQLite closed the file, never before: no other host may
        // open it while this one still writes.
        onDisk?.lock.release();
      }
    },

    // --- Room lifecycle, protection and retention (rooms.ts, retention.ts) ---

    roomInfo(roomKey) {
      const row = database.get(SELECT_ROOM_INFO, [toSqlText(roomKey)]);
      if (!row) return undefined;
      const prunedThrough = Number(row.pruned_through ?? 0);
      return {
        name: fromSqlText(row.name),
        lastSeq: Math.max(Number(row.last_seq ?? 0), prunedThrough),
        prunedThrough,
        verifier: row.verifier === null || row.verifier === undefined ? undefined : String(row.verifier),
      };
    },
    roomKeys() {
      return database.all('SELECT room_key FROM rooms').map((row) => fromSqlText(row.room_key));
    },
    recentRooms(limit) {
      return database.all(SELECT_RECENT_ROOMS, [limit]).map((row) => ({
        key: fromSqlText(row.room_key),
        name: fromSqlText(row.name),
        protected: row.verifier !== null && row.verifier !== undefined,
        activeAt: Number(row.active_at),
      }));
    },
    setVerifier(roomKey, name, verifier, now) {
      database.exec('BEGIN IMMEDIATE');
      try {
        if (!names.has(roomKey)) insertRoom.run([toSqlText(roomKey), toSqlText(name), now]);
        database.run(UPSERT_VERIFIER, [toSqlText(roomKey), verifier ?? null]);
        database.exec('COMMIT');
      } catch (error) {
        if (database.inTransaction) database.exec('ROLLBACK');
        throw error;
      }
      names.set(roomKey, names.get(roomKey) ?? name);
    },
    deleteRoomIfUnused(roomKey) {
      const key = toSqlText(roomKey);
      const deleted = database.run(`DELETE FROM rooms WHERE room_key = ? AND ${UNUSED_ROOM}`, [key]).changes > 0;
      if (deleted) {
        database.run('DELETE FROM room_state WHERE room_key = ?', [key]);
        names.delete(roomKey);
      }
      return deleted;
    },
    deleteUnusedRooms() {
      const keys = database.all(`SELECT room_key FROM rooms WHERE ${UNUSED_ROOM}`).map((row) => fromSqlText(row.room_key));
      for (const key of keys) this.deleteRoomIfUnused(key);
      return keys.length;
    },
    messageSizes(roomKey, afterSeq, limit) {
      return database
        .all(`SELECT ${SIZE_COLUMNS} FROM messages WHERE room_key = ? AND seq > ? ORDER BY seq LIMIT ?`, [toSqlText(roomKey), afterSeq, limit])
        .map(toSize);
    },
    messageSizesBefore(roomKey, beforeSeq, limit) {
      return database
        .all(`SELECT ${SIZE_COLUMNS} FROM messages WHERE room_key = ? AND seq < ? ORDER BY seq DESC LIMIT ?`, [toSqlText(roomKey), beforeSeq, limit])
        .map(toSize);
    },
    prune(roomKey, fromSeq, throughSeq) {
      const key = toSqlText(roomKey);
      database.exec('BEGIN IMMEDIATE');
      try {
        const { changes } = database.run('DELETE FROM messages WHERE room_key = ? AND seq >= ? AND seq <= ?', [key, fromSeq, throughSeq]);
        database.run(
          'INSERT INTO room_state (room_key, pruned_through) VALUES (?, ?) ON CONFLICT (room_key) DO UPDATE SET pruned_through = MAX(pruned_through, excluded.pruned_through)',
          [key, throughSeq],
        );
        database.exec('COMMIT');
        return changes;
      } catch (error) {
        if (database.inTransaction) database.exec('ROLLBACK');
        throw error;
      }
    },
  };
}

const SELECT_ROOM_INFO = `SELECT r.name AS name, s.verifier AS verifier, s.pruned_through AS pruned_through,
    (SELECT MAX(seq) FROM messages m WHERE m.room_key = r.room_key) AS last_seq
  FROM rooms r LEFT JOIN room_state s ON s.room_key = r.room_key WHERE r.room_key = ?`;

/** Rooms by their newest message's time (messages' primary key finds it), else their creation time. */
const SELECT_RECENT_ROOMS = `SELECT r.room_key AS room_key, r.name AS name, s.verifier AS verifier,
    COALESCE((SELECT m.ts FROM messages m WHERE m.room_key = r.room_key ORDER BY m.seq DESC LIMIT 1), r.created_at) AS active_at
  FROM rooms r LEFT JOIN room_state s ON s.room_key = r.room_key
  ORDER BY active_at DESC LIMIT ?`;

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
