/**
 * The history record: a small JSON file beside the history database
 * (`<database>.record.json`) saying what the database held, so that a
 * database that lost its contents (truncated to 0 bytes, replaced, an older
 * copy restored) is noticed instead of starting silently empty under a new
 * history id while members remember messages it no longer has.
 *
 * It counts only durable data (messages whose flush had finished), so a
 * machine crash that loses the unflushed tail of the log never makes the
 * database look smaller than its record. It is replaced atomically (write
 * a temporary file, fsync it, rename it over the record), so it is always
 * one whole version, old or new; an old one is only less strict.
 *
 * It also carries the news that a flush failed (fsyncgate: after a failed
 * fsync the system may have dropped the written pages), with what had been
 * written by then, so the next start can check that it is all there.
 *
 * @public
 */
import { close, closeSync, fsync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, write, writeSync } from 'node:fs';
import { dirname } from 'node:path';

import { syncDirectory } from './sync-directory';

/** Format of the record file; bump when its meaning changes. */
const RECORD_FORMAT = 1;

/** What a history database held, as recorded beside it. @public */
export interface HistoryRecord {
  /** The history id the database had. */
  historyId: string;
  /** Messages ever written to the database (a counter that deletions do not lower) whose flush had finished. */
  durableMessages: number;
  /** Each room's highest durable seq, by room key (for the refusal's wording). */
  rooms: Record<string, number>;
  /**
   * Set when a flush failed: messages ever written by then (flushed or not).
   * The next start keeps the history id only if the database has them all.
   */
  flushFailed?: { writtenMessages: number; rooms: Record<string, number> };
}

/** The record's file for the database at `realPath`. @public */
export function recordPath(realPath: string): string {
  return `${realPath}.record.json`;
}

function isRoomMap(value: unknown): value is Record<string, number> {
  return (
    typeof value === 'object' &&
    value !== null &&
    Object.values(value).every((entry) => typeof entry === 'number' && Number.isInteger(entry) && entry >= 0)
  );
}

/**
 * Reads the record; `undefined` when there is none. Throws a SyntaxError
 * for a file that is not a record (edited by hand, or another program's).
 * @public
 */
export function readHistoryRecord(file: string): HistoryRecord | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const value = JSON.parse(text) as Record<string, unknown>;
  const flushFailed = value.flushFailed as Record<string, unknown> | undefined;
  if (
    value.format !== RECORD_FORMAT ||
    typeof value.historyId !== 'string' ||
    typeof value.durableMessages !== 'number' ||
    !Number.isInteger(value.durableMessages) ||
    !isRoomMap(value.rooms) ||
    (flushFailed !== undefined && (typeof flushFailed.writtenMessages !== 'number' || !isRoomMap(flushFailed.rooms)))
  ) {
    throw new SyntaxError(`${file} is not a LanChat history record`);
  }
  const record: HistoryRecord = { historyId: value.historyId, durableMessages: value.durableMessages, rooms: value.rooms };
  if (flushFailed !== undefined) {
    record.flushFailed = { writtenMessages: flushFailed.writtenMessages as number, rooms: flushFailed.rooms as Record<string, number> };
  }
  return record;
}

function serialise(record: HistoryRecord): string {
  return `${JSON.stringify({ format: RECORD_FORMAT, ...record }, null, 2)}\n`;
}

let temporaryCounter = 0;

/** A temporary name beside the record, unique in this process. */
function temporaryPath(file: string): string {
  temporaryCounter += 1;
  return `${file}.${process.pid}.${temporaryCounter}.tmp`;
}

/**
 * Replaces the record at once: write a temporary file, flush it, rename it
 * over the record, flush the directory. Throws on failure (the old record
 * stays whole).
 * @public
 */
export function writeHistoryRecordSync(file: string, record: HistoryRecord): void {
  const temporary = temporaryPath(file);
  try {
    const fd = openSync(temporary, 'w');
    try {
      writeSync(fd, serialise(record));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, file);
  } catch (error) {
    removeQuietly(temporary);
    throw error;
  }
  syncDirectory(dirname(file));
}

function removeQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // Never created, or already renamed: nothing to remove.
  }
}

/**
 * Writes the temporary file and flushes it off the event loop, then calls
 * `commit` on the event loop: it renames the file over the record when
 * `commit()` returns true at that moment (the caller has written nothing
 * newer meanwhile), and removes it otherwise. The rename itself happens on
 * the event loop, so no synchronous write of the caller can be overtaken by
 * this older one. `done` gets any error.
 * @public
 */
export function writeHistoryRecordLater(file: string, record: HistoryRecord, commit: () => boolean, done: (error: Error | undefined) => void): void {
  const temporary = temporaryPath(file);
  const fail = (error: Error): void => {
    removeQuietly(temporary);
    done(error);
  };
  let fd: number;
  try {
    fd = openSync(temporary, 'w');
  } catch (error) {
    done(error as Error);
    return;
  }
  const bytes = Buffer.from(serialise(record));
  write(fd, bytes, 0, bytes.length, 0, (writeError) => {
    if (writeError) {
      close(fd, () => fail(writeError));
      return;
    }
    fsync(fd, (syncError) => {
      close(fd, (closeError) => {
        const error = syncError ?? closeError;
        if (error) {
          fail(error);
          return;
        }
        if (!commit()) {
          removeQuietly(temporary);
          done(undefined);
          return;
        }
        try {
          renameSync(temporary, file);
        } catch (renameError) {
          fail(renameError as Error);
          return;
        }
        done(undefined);
      });
    });
  });
}
