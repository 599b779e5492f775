/**
 * Turns the server process's start failures into the {@link HostError}s the
 * window shows. Pure, so tests/electron/host-errors.test.ts checks it in
 * plain Node.
 *
 * @public
 */
import type { HistoryErrorCode, HostError, HostErrorCode } from './ipc-contract';

/** Node's error codes from `listen()` (HostStartError keeps them) and our own `EINVAL` for bad options. */
const NODE_ERROR_TO_HOST: Readonly<Record<string, HostErrorCode>> = {
  EADDRINUSE: 'HOST_ERR_PORT_IN_USE',
  EACCES: 'HOST_ERR_PORT_ACCESS',
  EINVAL: 'HOST_ERR_INVALID_REQUEST',
  EROOMPASSWORD: 'HOST_ERR_ROOM_PASSWORD',
};

/** Whether `code` is one of the history store's start-up error codes. @public */
export function isHistoryErrorCode(code: string): code is HistoryErrorCode {
  return /^HISTORY_ERR_[A-Z0-9_]+$/.test(code);
}

/**
 * The error to show for a failed start.
 *
 * A history store error keeps its code and its message (which names the
 * file), so the window can say exactly what is wrong instead of "hosting
 * failed"; Node's listen errors map to their `HOST_ERR_*` code; anything
 * else is `HOST_ERR_UNKNOWN` with the process's message.
 *
 * @param code - the `code` the server process reported
 * @param message - its message
 * @param path - the history file a history store error is about
 * @public
 */
export function hostErrorOf(code: string, message: string, path?: string): HostError {
  if (isHistoryErrorCode(code)) return path === undefined ? { code, message } : { code, message, path };
  return { code: NODE_ERROR_TO_HOST[code] ?? 'HOST_ERR_UNKNOWN', message };
}
