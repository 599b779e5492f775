/**
 * One client's session: decodes its frames, applies them to rooms and
 * answers. A handler failure closes this session with 1011 and nothing else
 * (the Spring design's ExceptionWebSocketHandlerDecorator).
 *
 * @public
 */
import { randomBytes } from 'node:crypto';

import type { ClientConnection } from './client-connection';
import { ChatError } from './errors';
import type { Logger } from './logger';
import {
  CloseCode,
  ErrorCode,
  PROTOCOL_VERSION,
  decodeClientMessage,
  type ClientMessage,
  type ErrorMessage,
  type JoinMessage,
  type Member,
  type SendMessage,
  type ServerMessage,
} from './protocol';
import type { Room, RoomRegistry } from './rooms';

/** Bytes of randomness in a member id (base64url: 8 characters). */
const MEMBER_ID_BYTES = 6;

/** What a session needs from its server. */
export interface SessionContext {
  rooms: RoomRegistry;
  logger: Logger;
  maxTextBytes: number;
  historyOnJoin: number;
  /** Current time in ms (injectable so tests can pin timestamps). */
  now: () => number;
}

/** Encodes a server message once; callers reuse the string for every recipient. */
function encode(message: ServerMessage): string {
  return JSON.stringify(message);
}

/** A connected client and, once joined, its room membership. @public */
export class ChatSession {
  readonly #connection: ClientConnection;
  readonly #context: SessionContext;
  #room: Room | undefined;
  #member: Member | undefined;
  #closed = false;

  constructor(connection: ClientConnection, context: SessionContext) {
    this.#connection = connection;
    this.#context = context;
    connection.onMessage((data) => this.#onFrame(data));
    connection.onClose(() => this.#onClose());
  }

  /** The room this session is in, if any. */
  get room(): Room | undefined {
    return this.#room;
  }

  #onFrame(data: string): void {
    if (this.#closed) return;
    // The id of the `send` being handled, so its sender can match a refusal to it.
    let ref: string | undefined;
    try {
      const decoded = decodeClientMessage(data, { maxTextBytes: this.#context.maxTextBytes });
      if (!decoded.ok) {
        this.#sendError(decoded.code, decoded.message, decoded.ref);
        return;
      }
      if (decoded.message.type === 'send') ref = decoded.message.id;
      this.#handle(decoded.message);
    } catch (error) {
      this.#fail(error, ref);
    }
  }

  #handle(message: ClientMessage): void {
    switch (message.type) {
      case 'join':
        this.#join(message);
        return;
      case 'send':
        this.#send(message);
        return;
      case 'leave':
        if (!this.#room) throw new ChatError(ErrorCode.NotJoined, 'You are not in a room.');
        this.#leave();
        return;
    }
  }

  #join(message: JoinMessage): void {
    // Joining another room moves the session: one room per connection keeps
    // fan-out a plain loop over members (see bench/).
    if (this.#room) this.#leave();
    const room = this.#context.rooms.getOrCreate(message.room);
    const member: Member = { id: randomBytes(MEMBER_ID_BYTES).toString('base64url'), name: message.name };
    const history = room.historySince(message.since ?? 0, this.#context.historyOnJoin);
    room.broadcast(encode({ type: 'memberJoined', room: room.name, member }));
    room.add({ member, connection: this.#connection });
    this.#room = room;
    this.#member = member;
    this.#connection.send(
      encode({
        type: 'welcome',
        protocol: PROTOCOL_VERSION,
        room: room.name,
        you: member,
        members: room.members(),
        history,
        lastSeq: room.lastSeq,
        limits: { maxTextBytes: this.#context.maxTextBytes },
      }),
    );
    this.#context.logger.debug('member joined', { room: room.name, member: member.id, transport: this.#connection.transport });
  }

  #send(message: SendMessage): void {
    const room = this.#room;
    const member = this.#member;
    if (!room || !member) throw new ChatError(ErrorCode.NotJoined, 'Join a room before sending.');
    const { message: stored, duplicate } = room.append(member, message.id, message.text, this.#context.now());
    if (!duplicate) room.broadcast(encode(stored));
    this.#connection.send(encode({ type: 'ack', id: message.id, seq: stored.seq, ts: stored.ts }));
  }

  #leave(): void {
    const room = this.#room;
    const member = this.#member;
    this.#room = undefined;
    this.#member = undefined;
    if (!room || !member) return;
    if (room.remove(member.id)) room.broadcast(encode({ type: 'memberLeft', room: room.name, member }));
  }

  #onClose(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#leave();
    } catch (error) {
      this.#context.logger.error('error while removing a closed session', { error: String(error) });
    }
  }

  #sendError(code: ErrorCode, text: string, ref?: string): void {
    const message: ErrorMessage = ref === undefined ? { type: 'error', code, message: text } : { type: 'error', code, message: text, ref };
    this.#connection.send(encode(message));
  }

  /**
   * A `ChatError` is the client's fault: it gets the error and, if the error
   * says so, a close. Anything else is a bug in a handler: log it, tell the
   * client, close this session with 1011 and keep the server running.
   */
  #fail(error: unknown, ref?: string): void {
    if (error instanceof ChatError) {
      this.#sendError(error.code, error.message, ref);
      if (error.closeCode !== undefined) this.#connection.close(error.closeCode, error.code);
      return;
    }
    this.#context.logger.error('handler error; closing session with 1011', {
      connection: this.#connection.id,
      error: error instanceof Error ? error.stack : String(error),
    });
    this.#sendError(ErrorCode.Internal, 'The host hit an internal error; please reconnect.', ref);
    this.#connection.close(CloseCode.InternalError, ErrorCode.Internal);
    this.#onClose();
  }
}
