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
