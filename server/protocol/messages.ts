/**
 * The LanChat wire protocol: every JSON message that crosses a socket, as zod
 * schemas with their inferred TypeScript types. Server and renderer both import
 * this module, so there is one copy of the message map (immich keeps two and
 * they drift; see shared/STYLE.md §3).
 *
 * Rules: `type` is the discriminator; fields are camelCase; a changed message
 * gets a new versioned type name (`fooV2`) rather than a silent change.
 * Update the README's "Protocol" section whenever this file changes.
 *
 * This module imports only zod (pure JavaScript, runs in Node and browsers).
 *
 * @public
 */
import { z } from 'zod';

import { CLIENT_ID_MAX_LENGTH, HISTORY_ID_MAX_LENGTH, HISTORY_PAGE_MAX, PASSWORD_MAX_LENGTH, RESUME_KEY_MAX_LENGTH, RESUME_KEY_MIN_LENGTH } from './limits';

// ---------------------------------------------------------------------------
// Client → server
// ---------------------------------------------------------------------------

/**
 * Join a room under a display name. `since` asks for messages after that
 * sequence number of the history named `historyId` (the one the welcome
 * that gave it carried; a different one voids `since`); `password` opens a protected room; `resumeKey` is a
 * random secret the client keeps for this room, so that when it reconnects
 * before the host noticed the old connection died, it takes over its own
 * name instead of being refused with `CHAT_ERR_NAME_TAKEN`.
 */
export const JoinSchema = z.object({
  type: z.literal('join'),
  room: z.string(),
  name: z.string(),
  since: z.number().int().nonnegative().optional(),
  historyId: z.string().max(HISTORY_ID_MAX_LENGTH).optional(),
  password: z.string().max(PASSWORD_MAX_LENGTH).optional(),
  resumeKey: z.string().min(RESUME_KEY_MIN_LENGTH).max(RESUME_KEY_MAX_LENGTH).optional(),
  /**
   * Create the room if the host has no room of that name. Without it, a
   * join of a room that does not exist is refused with
   * `CHAT_ERR_NO_SUCH_ROOM`, so a typo never silently opens an empty room;
   * clients set it only after the user confirmed "Create room 'x'?" (and
   * on rejoins of a room they were in). A host may forbid it
   * (`CHAT_ERR_ROOM_CREATION_FORBIDDEN`).
   */
  create: z.boolean().optional(),
});

/** Send a chat message. `id` is the client's own message id, echoed in `ack` and `message`. */
export const SendSchema = z.object({
  type: z.literal('send'),
  id: z.string().min(1).max(CLIENT_ID_MAX_LENGTH),
  text: z.string(),
});

/** Leave the current room (the connection stays open and may join again). */
export const LeaveSchema = z.object({
  type: z.literal('leave'),
});

/**
 * Keep-alive: proves the client is still there (the host closes connections
 * that stay silent longer than its idle timeout) and lets the client check
 * the host answers. The host replies `pong`.
 */
export const PingSchema = z.object({
  type: z.literal('ping'),
});

/**
 * Ask for older messages of the current room: those with `seq < before`,
 * newest `limit` of them (scrolling back, or filling a gap after catch-up).
 * The host answers `historyPage`.
 */
export const HistoryRequestSchema = z.object({
  type: z.literal('history'),
  before: z.number().int().positive(),
  limit: z.number().int().positive().max(HISTORY_PAGE_MAX).optional(),
});

/** Any message a client may send. */
export const ClientMessageSchema = z.discriminatedUnion('type', [
  JoinSchema,
  SendSchema,
  LeaveSchema,
  PingSchema,
  HistoryRequestSchema,
]);

/** A `join` message. @public */
export type JoinMessage = z.infer<typeof JoinSchema>;
/** A `send` message. @public */
export type SendMessage = z.infer<typeof SendSchema>;
/** A `leave` message. @public */
export type LeaveMessage = z.infer<typeof LeaveSchema>;
/** A `ping` message. @public */
export type PingMessage = z.infer<typeof PingSchema>;
/** A `history` request. @public */
export type HistoryRequestMessage = z.infer<typeof HistoryRequestSchema>;
/** Any client → server message. @public */
export type ClientMessage = z.infer<typeof ClientMessageSchema>;
/** The `type` values a client may send. @public */
export const CLIENT_MESSAGE_TYPES = ['join', 'send', 'leave', 'ping', 'history'] as const;

// ---------------------------------------------------------------------------
// Server → client
// ---------------------------------------------------------------------------

/** A room member as others see it. `id` is unique per connection. */
export const MemberSchema = z.object({
  id: z.string(),
  name: z.string(),
  /**
   * True when the host serves TLS but this member came through its plain
   * HTTP listener for browsers (`--http-for-browsers`): others on the
   * network can read what it sends and receives. Absent otherwise, also on
   * a host without TLS, where nobody is encrypted and clients say so once.
   */
  unencrypted: z.boolean().optional(),
});

/** A chat message as stored in the room's history and broadcast to members. */
export const ChatMessageSchema = z.object({
  type: z.literal('message'),
  room: z.string(),
  /** Per-room sequence number, 1, 2, 3, … with no gaps. */
  seq: z.number().int().positive(),
  /** Server time of acceptance, milliseconds since the Unix epoch. */
  ts: z.number(),
  from: MemberSchema,
  /** The sender's client message id. */
  clientId: z.string(),
  text: z.string(),
});

/** Sent once after a successful `join`: who you are, who is here, what you missed. */
export const WelcomeSchema = z.object({
  type: z.literal('welcome'),
  protocol: z.number().int(),
  room: z.string(),
  you: MemberSchema,
  members: z.array(MemberSchema),
  /**
   * The newest messages after the join's `since` (or the newest ones when
   * there is no `since`), oldest first, at most the host's history-on-join
   * count. When `history[0].seq > since + 1`, the client fills the gap with
   * `history` requests.
   */
  history: z.array(ChatMessageSchema),
  /** Whether the room has messages older than `history[0]` (or any, when `history` is empty). */
  hasEarlier: z.boolean(),
  /** Highest sequence number in the room when the welcome was sent (0 if none). */
  lastSeq: z.number().int().nonnegative(),
  /**
   * Names the host's history. When it differs from the one a client's
   * messages came with, the host lost messages members had been shown (its
   * machine went down) or its history was replaced, and sequence numbers
   * may now belong to other messages: keep the old ones apart.
   */
  historyId: z.string(),
  limits: z.object({
    maxTextBytes: z.number().int().positive(),
    /** The host closes a connection silent for this long; send `ping` well within it. */
    idleTimeoutMs: z.number().int().positive(),
  }),
});

/** Confirms a `send` to its sender: the message is committed to the room's durable history. */
export const AckSchema = z.object({
  type: z.literal('ack'),
  id: z.string(),
  seq: z.number().int().positive(),
  ts: z.number(),
});

/** Someone joined the room. */
export const MemberJoinedSchema = z.object({
  type: z.literal('memberJoined'),
  room: z.string(),
  member: MemberSchema,
});

/** Someone left the room (or their connection dropped). */
export const MemberLeftSchema = z.object({
  type: z.literal('memberLeft'),
  room: z.string(),
  member: MemberSchema,
});

/** A request was refused. The connection stays open unless a close follows. */
export const ErrorMessageSchema = z.object({
  type: z.literal('error'),
  /** A stable `CHAT_ERR_*` code from error-codes.ts. */
  code: z.string(),
  /** Human-readable explanation (English). */
  message: z.string(),
  /** The client message id this error refers to, when it refers to one. */
  ref: z.string().optional(),
  /** With `CHAT_ERR_TOO_MANY_ATTEMPTS`: ms until the host will look at another attempt. */
  retryAfterMs: z.number().int().nonnegative().optional(),
});

/** Answer to a `history` request: messages before `before`, oldest first. */
export const HistoryPageSchema = z.object({
  type: z.literal('historyPage'),
  room: z.string(),
  before: z.number().int().positive(),
  messages: z.array(ChatMessageSchema),
  /** Whether still older messages exist. */
  hasMore: z.boolean(),
});

/** Answer to `ping`. */
export const PongSchema = z.object({
  type: z.literal('pong'),
});

/** Any server → client message. */
export const ServerMessageSchema = z.discriminatedUnion('type', [
  PongSchema,
  HistoryPageSchema,
  WelcomeSchema,
  ChatMessageSchema,
  AckSchema,
  MemberJoinedSchema,
  MemberLeftSchema,
  ErrorMessageSchema,
]);

/** A room member. @public */
export type Member = z.infer<typeof MemberSchema>;
/** A chat message. @public */
export type ChatMessage = z.infer<typeof ChatMessageSchema>;
/** A `welcome` message. @public */
export type WelcomeMessage = z.infer<typeof WelcomeSchema>;
/** An `ack` message. @public */
export type AckMessage = z.infer<typeof AckSchema>;
/** A `memberJoined` message. @public */
export type MemberJoinedMessage = z.infer<typeof MemberJoinedSchema>;
/** A `memberLeft` message. @public */
export type MemberLeftMessage = z.infer<typeof MemberLeftSchema>;
/** An `error` message. @public */
export type ErrorMessage = z.infer<typeof ErrorMessageSchema>;
/** A `historyPage` message. @public */
export type HistoryPageMessage = z.infer<typeof HistoryPageSchema>;
/** A `pong` message. @public */
export type PongMessage = z.infer<typeof PongSchema>;
/** Any server → client message. @public */
export type ServerMessage = z.infer<typeof ServerMessageSchema>;
/** Map from server message type to its payload, for typed `on(type, cb)` APIs. @public */
export type ServerMessageMap = { [M in ServerMessage as M['type']]: M };
