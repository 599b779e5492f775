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
