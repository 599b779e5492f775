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
import { CLIENT_ID_MAX_LENGTH, DEFAULT_MAX_TEXT_BYTES, NAME_MAX_LENGTH, ROOM_MAX_LENGTH, ROOM_NAME_PATTERN } from './limits';
import {
  CLIENT_MESSAGE_TYPES,
  ClientMessageSchema,
  ServerMessageSchema,
  type ClientMessage,
  type ServerMessage,
} from './messages';

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
  const ref = typeof record.id === 'string' && record.id.length <= CLIENT_ID_MAX_LENGTH ? record.id : undefined;
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
      const name = message.name.trim();
      const room = message.room.trim();
      if (name.length === 0 || name.length > NAME_MAX_LENGTH) {
        return fail(ErrorCode.InvalidName, `A name must be 1 to ${NAME_MAX_LENGTH} characters.`);
      }
      if (room.length === 0 || room.length > ROOM_MAX_LENGTH || !ROOM_NAME_PATTERN.test(room)) {
        return fail(
          ErrorCode.InvalidRoom,
          `A room name must be 1 to ${ROOM_MAX_LENGTH} letters, digits, spaces, dots, dashes or underscores.`,
        );
      }
      return { ok: true, message: { ...message, name, room } };
    }
    case 'send': {
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
