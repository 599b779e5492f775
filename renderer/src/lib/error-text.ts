/**
 * Error codes and connection drops in words. The UI switches on codes, never
 * on the host's English text (shared/STYLE.md §4); the host's text is only a
 * fallback for codes this build does not know. Update when
 * server/protocol/error-codes.ts, electron/ipc-contract.ts (`HostErrorCode`)
 * or reconnect-policy.ts (`ReconnectReason`) gains a value.
 */
import type { HostError } from '../../../electron/ipc-contract';
import { ErrorCode, NAME_MAX_LENGTH, ROOM_MAX_LENGTH } from '../../../server/protocol';

import type { ReconnectReason } from './reconnect-policy';

/** Codes for problems the renderer finds itself, before asking anyone. */
export const UiErrorCode = {
  /** The join address could not be read (see normalizeAddress). */
  InvalidAddress: 'UI_ERR_INVALID_ADDRESS',
  /** The host port is not a whole number from 0 to 65535. */
  InvalidPort: 'UI_ERR_INVALID_PORT',
  /** The host's max-members option is not a whole number of at least 1. */
  InvalidMaxMembers: 'UI_ERR_INVALID_MAX_MEMBERS',
  /**
   * A restored session hosted a room with a password, which is never stored:
   * the host form asks for it before hosting again.
   */
  HostPasswordNeeded: 'UI_ERR_HOST_PASSWORD_NEEDED',
  /** Nothing answers at the join address (closed port, no such machine, network unreachable); host-probe.ts. */
  HostUnreachable: 'UI_ERR_HOST_UNREACHABLE',
  /** Something answers HTTP at the join address, but it is not a LanChat host; host-probe.ts. */
  NotLanChat: 'UI_ERR_NOT_LANCHAT',
  /** The host speaks another LanChat protocol version: one of the two apps needs updating; host-probe.ts. */
  ProtocolMismatch: 'UI_ERR_PROTOCOL_MISMATCH',
  /** The join address did not answer in time; host-probe.ts. */
  HostTimeout: 'UI_ERR_HOST_TIMEOUT',
  /** The host answered the probe but did not welcome us into the room in time (App.svelte). */
  JoinTimeout: 'UI_ERR_JOIN_TIMEOUT',
  /** The room does not exist on the host: the join form asks before creating it. */
  NoSuchRoom: 'UI_ERR_NO_SUCH_ROOM',
  /** The host presents another certificate than the one pinned for it: maybe an impostor; join-flow.ts. */
  CertificateChanged: 'UI_ERR_CERTIFICATE_CHANGED',
  /** The host's certificate could not be read or remembered (nothing answers TLS there); join-flow.ts. */
  CertificateUnavailable: 'UI_ERR_CERTIFICATE_UNAVAILABLE',
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
  [ErrorCode.RoomLookalike]: 'This host already has a room whose name looks the same. Check the room name and join that one.',
  [ErrorCode.NotJoined]: 'You are not in the room yet; try again in a moment.',
  [ErrorCode.NameTaken]: 'Someone in this room already uses that name, or one that looks just like it. Pick another one.',
  [ErrorCode.PasswordRequired]: 'This room needs a password. Type it in the room password box and join again.',
  [ErrorCode.WrongPassword]: 'That room password is not right. Check it with the host and try again.',
  [ErrorCode.TooManyAttempts]: 'Too many wrong room passwords from this device. Wait a moment, then try again.',
  [ErrorCode.RoomFull]: 'This room is full. Try again later, or ask the host to let more people in.',
  [ErrorCode.TooManyRooms]: 'The host cannot open another room. Join one of the rooms it already has.',
  [ErrorCode.TooManyNewRooms]: 'You are opening new rooms too fast. Join a room that exists, or try again in a minute.',
  [ErrorCode.RateLimited]: 'You are sending too fast. Wait a moment, then press Retry.',
  [ErrorCode.Storage]: 'The host could not save this message. Retry in a moment.',
  [ErrorCode.Unconfirmed]:
    'The host showed this message but could not confirm it is saved. LanChat keeps it and sends it again when the host is back.',
  [ErrorCode.Internal]: 'The host hit an unexpected problem with that request.',
  [ErrorCode.NoSuchRoom]: 'That room does not exist on this host (any more). Check the room name, or create it.',
  [ErrorCode.RoomCreationForbidden]: 'This host does not let members create rooms. Join one of the rooms it has.',
};

/** Join refusals about the room password: the start screen puts the cursor in the password box. */
export const PASSWORD_ERROR_CODES: ReadonlySet<string> = new Set([ErrorCode.PasswordRequired, ErrorCode.WrongPassword]);

/**
 * Words for a `CHAT_ERR_*` code from the host.
 * @param code - the error's code
 * @param fallback - the host's own text, used for unknown codes
 */
export function chatErrorText(code: string, fallback: string): string {
  return CHAT_ERROR_TEXT[code] ?? (fallback || `The host refused the request (${code}).`);
}

/**
 * What to tell the user about a dropped connection, beyond the connection
 * banner's "Reconnecting…"; `null` when that says enough (quick reconnects
 * and ordinary network loss).
 * @param reason - the reconnect policy's reason
 */
export function dropNoticeText(reason: ReconnectReason): string | null {
  switch (reason) {
    case 'replaced':
      return 'This room was opened in another window or tab.';
    case 'hostFull':
      return 'The host is full right now. LanChat keeps trying to get you in.';
    case 'hostGoingAway':
      return 'The host is shutting down or restarting. LanChat reconnects when it is back.';
    case 'hostError':
      return 'The host hit a problem and dropped the connection.';
    case 'hostSilent':
      return 'The host stopped answering.';
    case 'idleTimeout':
    case 'slowConsumer':
    case 'connectionLost':
      return null;
  }
}

/**
 * Words for hosting a restored room again, whose password this app does not keep.
 * @param room - the room's name
 */
export function hostPasswordNeededText(room: string): string {
  return `You were hosting #${room} with a room password. Type the password again to host it.`;
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
    case 'HOST_ERR_RESTART_LIMIT':
      return 'The chat server kept stopping unexpectedly, so LanChat stopped restarting it. Host the room again to retry.';
    case 'HOST_ERR_ROOM_PASSWORD':
      return 'This room is protected on this computer with another password. Type that password to host it, or host a room with another name.';
    case 'HOST_ERR_UNKNOWN':
      return `Hosting failed: ${error.message}`;
  }
  // The store's sentence for a lost history names the CLI's flag; the
  // desktop app offers a button instead (StartScreen.svelte).
  if (error.code === 'HISTORY_ERR_LOST') {
    const file = error.path === undefined ? "LanChat's history file" : `LanChat's history file ${error.path}`;
    return `${file} lost messages it once held: it was emptied, replaced or restored from an older copy. Put the right file back and host again, or start a new history with what the file holds.`;
  }
  // The history store's own sentence names the file and what is wrong with it.
  if (error.code.startsWith('HISTORY_ERR_')) return error.message;
  // A code newer than this build (the main process and the page may differ in version).
  return `Hosting failed: ${(error as HostError).message}`;
}
