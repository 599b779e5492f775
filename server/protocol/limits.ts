/**
 * Limits that are part of the wire protocol: every client and the server agree
 * on them, so they live beside the message schemas rather than in
 * server/constants.ts (which holds the host's own tunables).
 *
 * @public
 */

/** Protocol version announced in `welcome` and `/health`. Bump on breaking change. */
export const PROTOCOL_VERSION = 1;

/** Longest display name, in UTF-16 code units after trimming. */
export const NAME_MAX_LENGTH = 32;

/** Longest room name, in UTF-16 code units after trimming. */
export const ROOM_MAX_LENGTH = 48;

/** Room names: letters, digits, space, dot, dash and underscore. */
export const ROOM_NAME_PATTERN = /^[\p{L}\p{N}][\p{L}\p{N} ._-]*$/u;

/** Longest client message id (clients use UUIDs, 36 characters). */
export const CLIENT_ID_MAX_LENGTH = 64;

/** Most messages one `history` request may ask for (and the default page size). */
export const HISTORY_PAGE_MAX = 100;

/** Longest room password, in UTF-16 code units. */
export const PASSWORD_MAX_LENGTH = 128;

/** Length bounds of a join's `resumeKey` (clients send 32 random hex digits). */
export const RESUME_KEY_MIN_LENGTH = 16;
export const RESUME_KEY_MAX_LENGTH = 64;

/** Longest `join.historyId` (the host's are UUIDs, 36 characters). */
export const HISTORY_ID_MAX_LENGTH = 64;

/**
 * How often clients should send `ping` while connected. With the host's
 * default idle timeout (45 s) that leaves room for two lost pings.
 */
export const CLIENT_PING_INTERVAL_MS = 15_000;

/**
 * Default longest message text, in UTF-8 bytes (8 KiB, as the Spring design's
 * text-message buffer). A host may lower or raise it; it announces its value
 * in `welcome.limits.maxTextBytes`.
 */
export const DEFAULT_MAX_TEXT_BYTES = 8 * 1024;

/** Paths the host serves, relative to its origin. */
export const ENDPOINT_PATHS = {
  /** Raw RFC 6455 WebSocket endpoint. */
  webSocket: '/ws',
  /** SockJS endpoint prefix (all transports). */
  sockJs: '/sockjs',
  /** JSON health report. */
  health: '/health',
  /**
   * The host's rooms for a join form or a discovery list (`RoomsReport` in
   * protocol/rooms-report.ts); served with `Access-Control-Allow-Origin: *`
   * so any client page can read it.
   */
  rooms: '/rooms',
} as const;
