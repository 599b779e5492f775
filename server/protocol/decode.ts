/**
 * The only place inbound JSON is parsed and validated. Both directions:
 * `decodeClientMessage` for the server, `decodeServerMessage` for clients.
 *
 * Decoding never throws: bad input becomes a typed `DecodeFailure` that the
 * server turns into an `error` message, so one client's garbage never reaches
 * other members and never costs the connection (unlike the Spring demo, which
 * logged a stack trace and dropped the frame silently).
 *
 * @public
 */
import { ErrorCode } from './error-codes';
import { CLIENT_ID_MAX_LENGTH, DEFAULT_MAX_TEXT_BYTES, NAME_MAX_LENGTH, ROOM_MAX_LENGTH } from './limits';
import {
  CLIENT_MESSAGE_TYPES,
  ClientMessageSchema,
  ServerMessageSchema,
  type ClientMessage,
  type ServerMessage,
} from './messages';
import { checkDisplayName, checkRoomName, hasControlCharacter } from './names';

/** A successfully decoded message. @public */
export interface DecodeSuccess<T> {
  ok: true;
  message: T;
}

/** Why a frame was refused. @public */
export interface DecodeFailure {
  ok: false;
  code: ErrorCode;
  message: string;
  /** The client message id, when the frame had a readable one. */
  ref?: string;
}

/** Result of decoding one frame. @public */
export type DecodeResult<T> = DecodeSuccess<T> | DecodeFailure;

/** Options for {@link decodeClientMessage}. @public */
export interface DecodeOptions {
  /**
   * Longest accepted message text in UTF-8 bytes.
   * @default DEFAULT_MAX_TEXT_BYTES (8192)
   */
  maxTextBytes?: number;
}

const KNOWN_CLIENT_TYPES: ReadonlySet<string> = new Set(CLIENT_MESSAGE_TYPES);
const utf8 = new TextEncoder();

/**
 * UTF-8 length of `text`. A UTF-16 code unit encodes to at most 3 bytes, so
 * short strings skip the encoder entirely (the common case on the hot path).
 */
function utf8Length(text: string, limit: number): number {
  if (text.length * 3 <= limit) return text.length;
  return utf8.encode(text).length;
}

function fail(code: ErrorCode, message: string, ref?: string): DecodeFailure {
  return ref === undefined ? { ok: false, code, message } : { ok: false, code, message, ref };
}

/**
 * Parses and validates one frame from a client.
 *
 * @param raw - the frame's text
 * @param options - host limits
 * @returns the typed message, or a failure with a `CHAT_ERR_*` code
 * @public
 */
export function decodeClientMessage(raw: string, options: DecodeOptions = {}): DecodeResult<ClientMessage> {
  const maxTextBytes = options.maxTextBytes ?? DEFAULT_MAX_TEXT_BYTES;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    // The parser's own message names positions in the sender's text; the code says enough.
    return fail(ErrorCode.InvalidJson, 'The message is not valid JSON.');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail(ErrorCode.InvalidMessage, 'A message must be a JSON object with a "type" field.');
  }
  const record = value as Record<string, unknown>;
  // An id with control characters is not echoed back: a NUL or an escape
  // sequence has no business in a log line or a client's error text.
  const ref =
    typeof record.id === 'string' && record.id.length <= CLIENT_ID_MAX_LENGTH && !hasControlCharacter(record.id) ? record.id : undefined;
  if (typeof record.type !== 'string' || !KNOWN_CLIENT_TYPES.has(record.type)) {
    return fail(ErrorCode.UnknownType, `Unknown message type; expected one of: ${CLIENT_MESSAGE_TYPES.join(', ')}.`, ref);
  }
  const parsed = ClientMessageSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') || 'message';
    return fail(ErrorCode.InvalidMessage, `Field "${field}" is missing or invalid.`, ref);
  }
  const message = parsed.data;
  switch (message.type) {
    case 'join': {
      // Names are NFKC-normalised and refused with invisible or
      // direction-changing characters (names.ts says why).
      const name = checkDisplayName(message.name);
      if (!name.ok) {
        return fail(
          ErrorCode.InvalidName,
          name.problem === 'forbiddenCharacter'
            ? 'A name may not contain control, invisible or text-direction characters.'
            : `A name must be 1 to ${NAME_MAX_LENGTH} characters.`,
        );
      }
      const room = checkRoomName(message.room);
      if (!room.ok) {
        return fail(
          ErrorCode.InvalidRoom,
          `A room name must be 1 to ${ROOM_MAX_LENGTH} letters, digits, spaces, dots, dashes or underscores.`,
        );
      }
      for (const field of ['resumeKey', 'historyId', 'password'] as const) {
        const value = message[field];
        if (value !== undefined && hasControlCharacter(value)) {
          return fail(ErrorCode.InvalidMessage, `Field "${field}" may not contain control characters.`);
        }
      }
      return { ok: true, message: { ...message, name: name.name, room: room.name } };
    }
    case 'send': {
      if (hasControlCharacter(message.id)) {
        return fail(ErrorCode.InvalidMessage, 'Field "id" may not contain control characters.');
      }
      if (message.text.trim().length === 0) {
        return fail(ErrorCode.EmptyText, 'The message is empty.', message.id);
      }
      if (utf8Length(message.text, maxTextBytes) > maxTextBytes) {
        return fail(ErrorCode.TextTooLong, `The message is longer than ${maxTextBytes} bytes.`, message.id);
      }
      return { ok: true, message };
    }
    case 'leave':
    case 'ping':
    case 'history':
      return { ok: true, message };
  }
}

/**
 * Parses and validates one frame from the server (used by clients).
 *
 * @param raw - the frame's text
 * @returns the typed message, or a failure
 * @public
 */
export function decodeServerMessage(raw: string): DecodeResult<ServerMessage> {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return fail(ErrorCode.InvalidJson, 'The server sent a frame that is not JSON.');
  }
  const parsed = ServerMessageSchema.safeParse(value);
  if (!parsed.success) {
    return fail(ErrorCode.InvalidMessage, 'The server sent a message this client does not understand.');
  }
  return { ok: true, message: parsed.data };
}
