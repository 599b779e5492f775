/**
 * Error codes in words. The UI switches on codes, never on the host's English
 * text (shared/STYLE.md §4); the host's text is only a fallback for codes this
 * build does not know. Update when server/protocol/error-codes.ts or
 * electron/ipc-contract.ts (`HostErrorCode`) gains a code.
 */
import type { HostError } from '../../../electron/ipc-contract';
import { ErrorCode, NAME_MAX_LENGTH, ROOM_MAX_LENGTH } from '../../../server/protocol';

/** Codes for problems the renderer finds itself, before asking anyone. */
export const UiErrorCode = {
  /** The join address could not be read (see normalizeAddress). */
  InvalidAddress: 'UI_ERR_INVALID_ADDRESS',
  /** The host port is not a whole number from 0 to 65535. */
  InvalidPort: 'UI_ERR_INVALID_PORT',
} as const;

/** One of {@link UiErrorCode}. */
export type UiErrorCode = (typeof UiErrorCode)[keyof typeof UiErrorCode];

/** An error as the UI shows it: a stable code for `data-code` and words for people. */
export interface ShownError {
  code: string;
  text: string;
}

const CHAT_ERROR_TEXT: Readonly<Record<string, string>> = {
  [ErrorCode.InvalidJson]: 'The host could not read a message from this app.',
  [ErrorCode.UnknownType]: 'The host does not understand this version of LanChat.',
  [ErrorCode.InvalidMessage]: 'The host refused a malformed message from this app.',
  [ErrorCode.InvalidName]: `Your name must be 1 to ${NAME_MAX_LENGTH} characters.`,
  [ErrorCode.InvalidRoom]: `A room name must be 1 to ${ROOM_MAX_LENGTH} letters, digits, spaces, dots, dashes or underscores, starting with a letter or digit.`,
  [ErrorCode.EmptyText]: 'An empty message cannot be sent.',
  [ErrorCode.TextTooLong]: 'That message is too long for this host.',
  [ErrorCode.NotJoined]: 'You are not in the room yet; try again in a moment.',
  [ErrorCode.NameTaken]: 'Someone in this room already uses that name. Pick another one.',
  [ErrorCode.Internal]: 'The host hit an unexpected problem with that request.',
};

/**
 * Words for a `CHAT_ERR_*` code from the host.
 * @param code - the error's code
 * @param fallback - the host's own text, used for unknown codes
 */
export function chatErrorText(code: string, fallback: string): string {
  return CHAT_ERROR_TEXT[code] ?? (fallback || `The host refused the request (${code}).`);
}

/**
 * Words for a failed attempt to host.
 * @param error - the error from the main process
 * @param port - the port that was asked for
 */
export function hostErrorText(error: HostError, port: number): string {
  switch (error.code) {
    case 'HOST_ERR_PORT_IN_USE':
      return `Port ${port} is already in use by another program.`;
    case 'HOST_ERR_PORT_ACCESS':
      return `This computer does not let LanChat use port ${port}. Try a port above 1024.`;
    case 'HOST_ERR_INVALID_REQUEST':
      return `Those hosting settings are not valid: ${error.message}`;
    case 'HOST_ERR_CRASHED':
      return 'The chat server stopped unexpectedly.';
    case 'HOST_ERR_UNKNOWN':
      return `Hosting failed: ${error.message}`;
  }
  // A code newer than this build (the main process and the page may differ in version).
  return `Hosting failed: ${(error as HostError).message}`;
}
