/**
 * `ChatError`: a failure with a stable string code and, where it ends a
 * connection, the close code to use — the two-code scheme of ws's
 * `Receiver#createError` (shared/STYLE.md §1).
 *
 * @public
 */
import { CloseCode, type ErrorCode } from './protocol';

/** An error that a session reports to its client. @public */
export class ChatError extends Error {
  /** Stable `CHAT_ERR_*` code sent to the client. */
  readonly code: ErrorCode;
  /** Close code when the error ends the connection; `undefined` when the connection stays up. */
  readonly closeCode: CloseCode | undefined;
  /** For `CHAT_ERR_TOO_MANY_ATTEMPTS`: ms until another attempt is looked at; sent as `retryAfterMs`. */
  readonly retryAfterMs: number | undefined;

  constructor(code: ErrorCode, message: string, closeCode?: CloseCode, retryAfterMs?: number) {
    super(message);
    this.name = 'ChatError';
    this.code = code;
    this.closeCode = closeCode;
    this.retryAfterMs = retryAfterMs;
  }
}

/** Error thrown by `start()` when the port is taken, with Node's code kept. @public */
export class HostStartError extends Error {
  /** `EADDRINUSE`, `EACCES`, … from Node, or `EINVAL` for bad options. */
  readonly code: string;
  readonly port: number;

  constructor(code: string, port: number, message: string) {
    super(message);
    this.name = 'HostStartError';
    this.code = code;
    this.port = port;
  }
}

/**
 * Why the history file cannot be used. Every code comes with one sentence
 * naming the file and what to do, the same in the CLI and the desktop app.
 * Update the README's error table too.
 * @public
 */
export type HistoryErrorCode =
  /** Another LanChat host (or this process) has the file open. */
  | 'HISTORY_ERR_LOCKED'
  /** The file has more than one hard link: its write-ahead log could be missed under another name. */
  | 'HISTORY_ERR_HARD_LINKED'
  /** The file or its folder cannot be written (read-only file system, no permission). */
  | 'HISTORY_ERR_READ_ONLY'
  /** The disk holding the file is full. */
  | 'HISTORY_ERR_NO_SPACE'
  /** The file lost messages its record beside it says it held (truncated, replaced, restored). */
  | 'HISTORY_ERR_LOST'
  /** The file was written by a newer LanChat. */
  | 'HISTORY_ERR_NEWER_SCHEMA'
  /** The file is not a readable SQLite database. */
  | 'HISTORY_ERR_CORRUPT'
  /** Any other failure to read or write the file. */
  | 'HISTORY_ERR_IO';

/**
 * The history store could not be opened. `message` is one sentence for
 * people; `code` is for programs (the desktop host picks its text by it).
 * @public
 */
export class HistoryStoreError extends Error {
  readonly code: HistoryErrorCode;
  /** The history file, as given. */
  readonly path: string;

  constructor(code: HistoryErrorCode, path: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HistoryStoreError';
    this.code = code;
    this.path = path;
  }
}
