/**
 * The host's own tunables: every numeric timeout and size the server uses
 * lives here, named, so none appears inline (shared/STYLE.md §5). Protocol
 * limits that clients share live in protocol/limits.ts instead.
 *
 * @public
 */

/** SockJS heartbeat frame interval (the Spring design's 25 s). */
export const SOCKJS_HEARTBEAT_MS = 25_000;

/** How long a SockJS session outlives its last HTTP request (the design's 5 s). */
export const SOCKJS_DISCONNECT_DELAY_MS = 5_000;

/** Bytes one SockJS streaming response may carry before the client reopens it (128 KiB). */
export const SOCKJS_STREAM_BYTES_LIMIT = 128 * 1024;

/**
 * Largest WebSocket frame accepted on the raw endpoint. Bigger than the text
 * limit because a frame also carries JSON framing and escapes; anything over
 * this is closed with 1009 by ws before it is buffered whole.
 */
export const MAX_FRAME_BYTES = 64 * 1024;

/** Messages kept in memory per room for catch-up. */
export const DEFAULT_MAX_HISTORY_PER_ROOM = 1_000;

/** Messages a `welcome` carries when the join has no `since`. */
export const DEFAULT_HISTORY_ON_JOIN = 100;

/** How long `close()` waits for clients to go before dropping them. */
export const CLOSE_GRACE_MS = 2_000;

/** Default TCP port of the host. */
export const DEFAULT_PORT = 8080;

/** Default bind address: every interface, so the LAN can reach the host. */
export const DEFAULT_BIND_ADDRESS = '0.0.0.0';

/** Path (on the host) of the served sockjs-client copy that SockJS iframe transports load. */
export const SOCKJS_CLIENT_PATH = '/sockjs.min.js';

/** SockJS messages a session may hold while no HTTP request is there to take them (Spring's httpMessageCacheSize). */
export const SOCKJS_MESSAGE_CACHE_SIZE = 100;

/**
 * A connection silent this long (no message, no `ping`, no WebSocket pong)
 * is closed with 4000. Clients ping every 15 s (CLIENT_PING_INTERVAL_MS), so
 * two pings may be lost before it bites.
 */
export const DEFAULT_IDLE_TIMEOUT_MS = 45_000;

/** A connection that has not joined a room this long after opening is closed with 4000. */
export const DEFAULT_JOIN_TIMEOUT_MS = 30_000;

/**
 * Interval of WebSocket pings on the raw endpoint. A peer that misses one
 * pong is terminated at the next ping, so a vanished peer is gone within
 * two intervals (40 s), inside the idle timeout.
 */
export const WS_PING_INTERVAL_MS = 20_000;

/**
 * The raw endpoint pings its sockets in this many slices spread over the
 * ping interval (a slice every second at the default interval), not all at
 * once: a burst of a thousand pings, and the thousand pongs that come back,
 * would hold up whatever broadcast happened to be going out at that moment.
 */
export const WS_PING_SLICES = 20;

/** Liveness is checked this many times per idle (or join) timeout, so a timeout overshoots by at most a quarter. */
export const LIVENESS_CHECKS_PER_TIMEOUT = 4;

/** Most open client connections per host. */
export const DEFAULT_MAX_CONNECTIONS = 2_048;

/** Most members per room. */
export const DEFAULT_MAX_MEMBERS_PER_ROOM = 1_024;

/** Most rooms per host (rooms are created by joining, so this bounds memory). */
export const DEFAULT_MAX_ROOMS = 256;

/** Messages one connection may send per rate-limit interval (burst size of its token bucket). */
export const DEFAULT_RATE_LIMIT_MESSAGES = 30;

/** The rate-limit interval: the bucket refills fully over this time. */
export const DEFAULT_RATE_LIMIT_INTERVAL_MS = 10_000;

/**
 * Bytes that may wait in one client's send queue before it counts as a slow
 * consumer (Spring's ConcurrentWebSocketSessionDecorator bufferSizeLimit).
 */
export const DEFAULT_SEND_BUFFER_BYTES = 512 * 1024;

/** How long one client's send queue may stay backed up before it counts as a slow consumer (sendTimeLimit). */
export const DEFAULT_SEND_TIME_LIMIT_MS = 10_000;

/**
 * How long a refused history store waits for the lock's holder to say its
 * pid (the refusal names it). The holder answers from its event loop, which
 * may be busy starting up on a loaded machine; only a refusal waits.
 */
export const LOCK_PROBE_TIMEOUT_MS = 5_000;

/**
 * The history record beside the database is rewritten at most this often
 * after flushes (besides at open and at a clean close): a machine crash can
 * leave it this far behind, which only makes it less strict, never wrong.
 */
export const HISTORY_RECORD_INTERVAL_MS = 2_000;

// ---------------------------------------------------------------------------
// Room lifecycle, memory, retention and room passwords (issue 12 items 5-6, issue 13 item 1)
// ---------------------------------------------------------------------------

/** Bytes of one room's in-memory history window (besides the message count, maxHistoryPerRoom). */
export const DEFAULT_MAX_HISTORY_BYTES_PER_ROOM = 2 * 1024 * 1024;

/** Bytes of in-memory history across every room; past it, empty rooms leave memory and the largest windows shrink. */
export const DEFAULT_MAX_CACHED_HISTORY_BYTES = 64 * 1024 * 1024;

/** A room with no member for this long leaves memory (its history stays on disk and comes back on the next join). */
export const DEFAULT_ROOM_IDLE_MS = 5 * 60_000;

/** Rooms that may leave memory are looked for this many times per room idle time. */
export const ROOM_SWEEPS_PER_IDLE = 4;

/** New rooms one connection may create per room-creation interval. */
export const DEFAULT_ROOM_CREATIONS_PER_CONNECTION = 5;

/** New rooms all connections from one address may create per room-creation interval. */
export const DEFAULT_ROOM_CREATIONS_PER_ADDRESS = 20;

/** The room-creation interval: the allowances refill fully over this time. */
export const DEFAULT_ROOM_CREATION_INTERVAL_MS = 60_000;

/**
 * Bytes of messages (their UTF-8 text and sender fields) one `welcome` or
 * `historyPage` carries at most; a page that would be bigger carries fewer
 * messages and says `hasMore`/`hasEarlier`.
 */
export const HISTORY_RESPONSE_MAX_BYTES = 256 * 1024;

/**
 * Retention never deletes a message younger than this: a client whose ack
 * was lost resends the message with its client id when it reconnects, and
 * the host recognises the resend only while the message is stored.
 */
export const DEFAULT_RETENTION_GRACE_MS = 24 * 60 * 60_000;

/** How often retention runs. */
export const DEFAULT_RETENTION_INTERVAL_MS = 10 * 60_000;

/** Rows retention reads or deletes per step; it yields to the event loop between steps. */
export const RETENTION_STEP_ROWS = 500;

/** scrypt cost N of new room password verifiers (2^14: 16 MiB, tens of ms per check). */
export const SCRYPT_COST = 16_384;

/** scrypt block size r. */
export const SCRYPT_BLOCK_SIZE = 8;

/** scrypt parallelism p. */
export const SCRYPT_PARALLELISM = 1;

/** Bytes of random salt per verifier. */
export const SCRYPT_SALT_BYTES = 16;

/** Bytes of derived key stored per verifier. */
export const SCRYPT_KEY_BYTES = 32;

/** scrypt computations at once (libuv's pool has 4 threads by default; fsync needs one). */
export const SCRYPT_CONCURRENCY = 2;

// ---------------------------------------------------------------------------
// HTTP hardening, per-address limits and the join throttle (issue 13)
// ---------------------------------------------------------------------------

/**
 * How long a client may take to send a request's headers. Node's own
 * default is 60 s; a slowloris client sending a header line every few
 * seconds holds a socket (a file descriptor) for all of it, so ours is
 * short: a LAN client sends its headers in milliseconds.
 */
export const DEFAULT_HEADERS_TIMEOUT_MS = 10_000;

/**
 * How long a client may take to send a whole request (headers and body).
 * Bodies here are small (a SockJS send is at most one frame), and this
 * bounds only the receiving side: long-polling and streaming responses
 * are not cut by it.
 */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/**
 * How often Node checks sockets against the headers and request timeouts
 * (its `connectionsCheckingInterval`, 30 s by default): a timeout
 * overshoots by at most this much, so a slowloris is cut close to the
 * timeout, not up to 30 s later.
 */
export const HTTP_TIMEOUT_CHECK_INTERVAL_MS = 1_000;

/**
 * Most TCP sockets one client address may hold open (counted when the
 * socket is accepted, before any request is read). A browser opens at most
 * 6 HTTP sockets per host plus its WebSockets, and a SockJS session uses 2
 * or 3, so this leaves room for many tabs and apps on one machine while one
 * address can no longer take all of the host's file descriptors.
 */
export const DEFAULT_MAX_SOCKETS_PER_ADDRESS = 256;

/** Most chat sessions (joined or not) from one client address; more are closed with 4001. */
export const DEFAULT_MAX_SESSIONS_PER_ADDRESS = 32;

/**
 * Most chat sessions from one client address that were opened without an
 * `Origin` header (non-browser clients, and the SockJS jsonp/htmlfile
 * transports that a foreign page's `<script>` can drive); more are closed
 * with 4001.
 */
export const DEFAULT_MAX_SESSIONS_WITHOUT_ORIGIN_PER_ADDRESS = 8;

/** Wrong passwords an address may give before its joins to protected rooms are delayed. */
export const DEFAULT_JOIN_FREE_FAILURES = 5;

/**
 * Free wrong passwords per address for a room that is under attack (more
 * than {@link JOIN_ROOM_ALERT_FAILURES} wrong passwords within
 * {@link JOIN_ROOM_ALERT_WINDOW_MS}, from any addresses): none, so every
 * address that guessed wrong once waits before its next guess there.
 */
export const JOIN_FREE_FAILURES_UNDER_ATTACK = 0;

/** First delay after the free wrong passwords; it doubles with each further one. */
export const DEFAULT_JOIN_BASE_DELAY_MS = 1_000;

/** Longest delay between two password checks for one address. */
export const DEFAULT_JOIN_MAX_DELAY_MS = 60_000;

/** Wrong passwords (from any addresses) after which a room counts as under attack. */
export const JOIN_ROOM_ALERT_FAILURES = 20;

/** The window over which a room's wrong passwords are counted. */
export const JOIN_ROOM_ALERT_WINDOW_MS = 60_000;

/** An address's wrong passwords are forgotten this long after its last one. */
export const JOIN_FAILURE_MEMORY_MS = 15 * 60_000;

/** Most addresses (and rooms) the join throttle remembers; the oldest are forgotten first. */
export const JOIN_THROTTLE_MAX_ENTRIES = 10_000;
