/**
 * One client's session: decodes its frames, runs the handshake check on
 * `join`, applies messages to rooms and answers. A handler failure closes
 * this session with 1011 and nothing else (the Spring design's
 * ExceptionWebSocketHandlerDecorator).
 *
 * @public
 */
import { randomBytes } from 'node:crypto';

import { addressKey } from './address-limits';
import type { ClientConnection } from './client-connection';
import { ChatError } from './errors';
import type { JoinThrottle } from './join-throttle';
import type { Logger } from './logger';
import {
  CloseCode,
  ErrorCode,
  HISTORY_PAGE_MAX,
  PROTOCOL_VERSION,
  decodeClientMessage,
  findLookalike,
  type ClientMessage,
  type ErrorMessage,
  type HistoryRequestMessage,
  type JoinMessage,
  type Member,
  type SendMessage,
  type ServerMessage,
} from './protocol';
import { TokenBucket, type KeyedTokenBuckets } from './rate-limiter';
import type { Admission, Room, RoomRegistry } from './rooms';

const MS_PER_SECOND = 1_000;

/** Bytes of randomness in a member id (base64url: 8 characters). */
const MEMBER_ID_BYTES = 6;

/** What a session needs from its server. */
export interface SessionContext {
  rooms: RoomRegistry;
  logger: Logger;
  maxTextBytes: number;
  historyOnJoin: number;
  idleTimeoutMs: number;
  rateLimit: { messages: number; intervalMs: number };
  /** New rooms one connection may create: a burst of `rooms`, refilled over `intervalMs`. */
  roomCreation: { perConnection: number; intervalMs: number };
  /** New rooms per client address, shared by every session of the server. */
  roomCreationByAddress: KeyedTokenBuckets;
  /** Bytes of messages one `welcome` or `historyPage` carries at most. */
  historyResponseBytes: number;
  /** Current time in ms (injectable so tests can pin timestamps). */
  now: () => number;
  /** Slows down wrong passwords per address and room (join-throttle.ts); none: no throttling. */
  joinThrottle?: JoinThrottle;
  /** Whether a join may create a room that does not exist (options.ts `guestRooms`). */
  guestRooms: boolean;
  /** Whether the host serves TLS: only then is a member without it marked `unencrypted`. */
  tls?: boolean;
}

/** Encodes a server message once; callers reuse the string for every recipient. */
function encode(message: ServerMessage): string {
  return JSON.stringify(message);
}

const PONG_FRAME = encode({ type: 'pong' });

/** Refusal reasons of the handshake check, as protocol errors. */
const REFUSAL: Record<Extract<Admission, { ok: false }>['reason'], [ErrorCode, string]> = {
  passwordRequired: [ErrorCode.PasswordRequired, 'This room needs a password.'],
  wrongPassword: [ErrorCode.WrongPassword, 'The password is wrong.'],
  nameTaken: [ErrorCode.NameTaken, 'Someone in this room already uses that name.'],
  roomFull: [ErrorCode.RoomFull, 'The room is full.'],
};

/** A connected client and, once joined, its room membership. @public */
export class ChatSession {
  readonly #connection: ClientConnection;
  readonly #context: SessionContext;
  readonly #bucket: TokenBucket;
  /** `history` requests have their own allowance, so a long catch-up never costs the user's sends. */
  readonly #historyBucket: TokenBucket;
  readonly #roomCreationBucket: TokenBucket;
  /** The client's address as every per-address limit counts it (address-limits.ts). */
  readonly #address: string;
  /** Counts joins; an answer to a password check applies only to the latest join. */
  #joinGeneration = 0;
  #room: Room | undefined;
  #member: Member | undefined;
  #closed = false;

  constructor(connection: ClientConnection, context: SessionContext) {
    this.#connection = connection;
    this.#context = context;
    this.#bucket = new TokenBucket(context.rateLimit.messages, context.rateLimit.intervalMs, context.now());
    this.#historyBucket = new TokenBucket(context.rateLimit.messages, context.rateLimit.intervalMs, context.now());
    this.#roomCreationBucket = new TokenBucket(context.roomCreation.perConnection, context.roomCreation.intervalMs, context.now());
    this.#address = addressKey(connection.remoteAddress);
    connection.onMessage((data) => this.#onFrame(data));
    connection.onClose(() => this.#onClose());
  }

  /** Whether the session is in a room. */
  get joined(): boolean {
    return this.#room !== undefined;
  }

  /**
   * Whether the member's connection is encrypted (TLS). On a TLS host, a
   * member without it is `unencrypted` in every member list (issue 15).
   */
  get encrypted(): boolean {
    return this.#connection.encrypted === true;
  }

  #onFrame(data: string): void {
    if (this.#closed) return;
    // The id of the `send` being handled, so its sender can match a refusal to it.
    let ref: string | undefined;
    try {
      const decoded = decodeClientMessage(data, { maxTextBytes: this.#context.maxTextBytes });
      ref = decoded.ok ? (decoded.message.type === 'send' ? decoded.message.id : undefined) : decoded.ref;
      // Every frame costs a token, garbage included (a flood of bad frames
      // must not buy unlimited error replies), except `ping`. `history`
      // requests cost a token of their own bucket (issue 12 item 5: 47 kB of
      // requests drew hundreds of MB of pages): a client catching up pages
      // as fast as that allows, and its sends keep their own allowance.
      const isHistory = decoded.ok && decoded.message.type === 'history';
      const exempt = decoded.ok && decoded.message.type === 'ping';
      if (!exempt && !(isHistory ? this.#historyBucket : this.#bucket).take(this.#context.now())) {
        throw new ChatError(ErrorCode.RateLimited, 'You are sending too fast; this message was not sent.');
      }
      if (!decoded.ok) {
        this.#sendError(decoded.code, decoded.message, decoded.ref);
        return;
      }
      this.#handle(decoded.message);
    } catch (error) {
      this.#fail(error, ref);
    }
  }

  #handle(message: ClientMessage): void {
    switch (message.type) {
      case 'ping':
        this.#connection.send(PONG_FRAME);
        return;
      case 'join':
        this.#join(message).catch((error: unknown) => {
          // A refusal that arrives after the connection closed has nobody to tell.
          if (!this.#closed) this.#fail(error);
        });
        return;
      case 'send':
        this.#send(message);
        return;
      case 'leave':
        // A leave also voids a join whose password is still being checked.
        this.#joinGeneration += 1;
        if (!this.#room) throw new ChatError(ErrorCode.NotJoined, 'You are not in a room.');
        this.#leave();
        return;
      case 'history':
        this.#history(message);
        return;
    }
  }

  /**
   * Whether this session may create one more room: its own allowance and
   * its address's (taken only when both have one, so a refusal by one does
   * not spend the other's).
   */
  #mayCreateRoom(): boolean {
    const now = this.#context.now();
    const byAddress = this.#context.roomCreationByAddress;
    if (!this.#roomCreationBucket.has(now) || !byAddress.has(this.#address, now)) return false;
    return this.#roomCreationBucket.take(now) && byAddress.take(this.#address, now);
  }

  /**
   * Asynchronous: the password of a protected room is checked with scrypt
   * off the event loop (rooms.ts `admit`). Frames arriving meanwhile are
   * handled as for a session not (yet) in that room; a later join, a leave
   * or the connection closing makes this join's answer void.
   */
  async #join(message: JoinMessage): Promise<void> {
    const generation = (this.#joinGeneration += 1);
    // Asked only for a room that does not exist yet (not in memory, not
    // stored, not configured). A room is created only when the client asked
    // for it (`create`, after its user confirmed "Create room 'x'?"): a
    // typo must not silently open an empty room beside the one meant
    // (issue 14). Whether a room exists is no secret: GET /rooms lists them.
    const opened = this.#context.rooms.open(message.room, () => {
      // A new room whose name only looks like an existing one's would catch
      // people who meant the real one, so it is not created; without
      // `create`, the refusal names the room they probably meant.
      const lookalike = this.#context.rooms.lookalikeOf(message.room);
      if (message.create !== true) {
        const hint = lookalike === undefined ? '' : ` Did you mean "${lookalike}"?`;
        throw new ChatError(ErrorCode.NoSuchRoom, `There is no room "${message.room}" on this host.${hint}`);
      }
      if (lookalike !== undefined) {
        throw new ChatError(ErrorCode.RoomLookalike, `A room whose name looks the same already exists: "${lookalike}".`);
      }
      if (!this.#context.guestRooms) {
        throw new ChatError(ErrorCode.RoomCreationForbidden, `There is no room "${message.room}" on this host, and its host does not let members create rooms.`);
      }
      return this.#mayCreateRoom();
    });
    if (!opened.ok) {
      if (opened.reason === 'tooManyNewRooms') {
        throw new ChatError(ErrorCode.TooManyNewRooms, 'You are creating rooms too fast; join an existing room or try again later.');
      }
      throw new ChatError(ErrorCode.TooManyRooms, 'This host cannot open more rooms.');
    }
    const { room } = opened;
    // Password guessing is slowed per address before the password is even looked at.
    const throttle = room.isProtected ? this.#context.joinThrottle : undefined;
    const wait = throttle?.check(this.#address, room.key, this.#context.now());
    if (wait && !wait.ok) {
      const seconds = Math.ceil(wait.retryAfterMs / MS_PER_SECOND);
      throw new ChatError(ErrorCode.TooManyAttempts, `Too many wrong passwords; try again in ${seconds} s.`, undefined, wait.retryAfterMs);
    }
    // Joining the room this session is already in again (a client re-sending
    // join) must not count itself as the holder of its own name.
    if (this.#room === room) this.#leave();
    const release = room.hold();
    let admission: Admission;
    try {
      admission = await room.admit(message.name, message.password, message.resumeKey);
    } finally {
      release();
    }
    // A wrong password counts even when this join's answer is void (a
    // client that closes right after guessing must not guess for free).
    if (!admission.ok && admission.reason === 'wrongPassword') throttle?.recordFailure(this.#address, room.key, this.#context.now());
    if (this.#closed || generation !== this.#joinGeneration) return;
    if (!admission.ok) {
      const [code, text] = REFUSAL[admission.reason];
      throw new ChatError(code, text);
    }
    // Another join may have taken the name while the password was checked;
    // the name and size checks are run again, synchronously, right before
    // the member is added.
    if (this.#room === room) this.#leave();
    admission = room.admitMember(message.name, message.resumeKey);
    if (!admission.ok) {
      const [code, text] = REFUSAL[admission.reason];
      throw new ChatError(code, text);
    }
    // A name that only looks like a present member's ("Аlice" with a
    // Cyrillic А next to "Alice") is as taken as the name itself.
    const lookalike = admission.replaces ? undefined : findLookalike(message.name, room.members());
    if (lookalike) throw new ChatError(ErrorCode.NameTaken, 'Someone in this room already uses a name that looks the same.');
    // Joining another room moves the session: one room per connection keeps
    // fan-out a plain loop over members.
    if (this.#room) this.#leave();
    if (admission.replaces) {
      // The same client reconnected before the host noticed its old
      // connection was gone: end the old membership, keep the name.
      admission.replaces.evict();
    }
    const member: Member = { id: randomBytes(MEMBER_ID_BYTES).toString('base64url'), name: message.name };
    // Only a TLS host marks anyone: on a plain host nobody is encrypted, and
    // the clients say that once rather than beside every name.
    if (this.#context.tls === true && !this.encrypted) member.unencrypted = true;
    // A `since` from another history counts for nothing: its seqs may name other messages here.
    const { historyId } = this.#context.rooms;
    const since = message.historyId === undefined || message.historyId === historyId ? (message.since ?? 0) : 0;
    const recent = room.recentSince(since, this.#context.historyOnJoin, this.#context.historyResponseBytes);
    room.broadcast(encode({ type: 'memberJoined', room: room.name, member }));
    room.add({
      member,
      connection: this.#connection,
      resumeKey: message.resumeKey,
      evict: () => this.#evict(),
    });
    this.#room = room;
    this.#member = member;
    this.#connection.send(
      encode({
        type: 'welcome',
        protocol: PROTOCOL_VERSION,
        room: room.name,
        you: member,
        members: room.members(),
        history: recent.messages,
        hasEarlier: recent.hasMore,
        lastSeq: room.lastSeq,
        historyId,
        limits: { maxTextBytes: this.#context.maxTextBytes, idleTimeoutMs: this.#context.idleTimeoutMs },
      }),
    );
    this.#context.logger.debug('member joined', { room: room.name, member: member.id, transport: this.#connection.transport });
  }

  #send(message: SendMessage): void {
    const room = this.#room;
    const member = this.#member;
    if (!room || !member) throw new ChatError(ErrorCode.NotJoined, 'Join a room before sending.');
    // The ack waits for the group commit's flush: "sent" means on disk. The
    // room broadcasts the message itself once it is in the log.
    room.submit(member, message.id, message.text, this.#context.now(), (result) => {
      if (this.#closed) return;
      try {
        if (result.ok) {
          this.#connection.send(encode({ type: 'ack', id: message.id, seq: result.message.seq, ts: result.message.ts }));
        } else if (result.shownAs !== undefined) {
          // Members were shown it as this seq; telling its sender it was not
          // sent would make them disagree (issue 12 item 6). The client keeps
          // it and resends it after the host restarts, where its id finds it.
          this.#sendError(
            ErrorCode.Unconfirmed,
            `The host showed this message as #${result.shownAs} but could not confirm it is saved; it will be resent when the host is back.`,
            message.id,
          );
        } else {
          this.#context.logger.error('could not store a message', { room: room.name, error: result.error.message });
          this.#sendError(ErrorCode.Storage, 'The host could not save this message; it was not sent.', message.id);
        }
      } catch (error) {
        this.#fail(error, message.id);
      }
    });
  }

  #history(message: HistoryRequestMessage): void {
    const room = this.#room;
    if (!room) throw new ChatError(ErrorCode.NotJoined, 'Join a room before asking for its history.');
    const page = room.page(message.before, message.limit ?? HISTORY_PAGE_MAX, this.#context.historyResponseBytes);
    this.#connection.send(
      encode({ type: 'historyPage', room: room.name, before: message.before, messages: page.messages, hasMore: page.hasMore }),
    );
  }

  #leave(): void {
    const room = this.#room;
    const member = this.#member;
    this.#room = undefined;
    this.#member = undefined;
    if (!room || !member) return;
    if (room.remove(member.id)) room.broadcast(encode({ type: 'memberLeft', room: room.name, member }));
  }

  /** Another connection of the same client took this membership over. */
  #evict(): void {
    this.#leave();
    this.#connection.close(CloseCode.Replaced, 'replaced by a newer connection');
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

  #sendError(code: ErrorCode, text: string, ref?: string, retryAfterMs?: number): void {
    const message: ErrorMessage = ref === undefined ? { type: 'error', code, message: text } : { type: 'error', code, message: text, ref };
    if (retryAfterMs !== undefined) message.retryAfterMs = retryAfterMs;
    this.#connection.send(encode(message));
  }

  /**
   * A `ChatError` is the client's fault: it gets the error and, if the error
   * says so, a close. Anything else is a bug in a handler: log it, tell the
   * client, close this session with 1011 and keep the server running.
   */
  #fail(error: unknown, ref?: string): void {
    if (error instanceof ChatError) {
      this.#sendError(error.code, error.message, ref, error.retryAfterMs);
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
