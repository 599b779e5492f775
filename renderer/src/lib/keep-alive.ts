/**
 * Keep-alive timing: how often the client pings the host, and how long a
 * silent host is trusted. Pure (covered by tests/renderer/keep-alive.test.ts);
 * connection.ts runs the timers.
 */
import { CLIENT_PING_INTERVAL_MS } from '../../../server/protocol';

/**
 * A host that sent nothing at all (no message, not even a `pong`) for this
 * long is taken for dead: two pings went unanswered, plus 5 s for a slow
 * network. A sleeping laptop or a pulled cable leaves a socket that never
 * errors, so without this the client would wait on it forever.
 */
export const DEAD_HOST_TIMEOUT_MS = 2 * CLIENT_PING_INTERVAL_MS + 5_000;

/** Shortest ping interval, whatever the host asks for (protects the host from a ping flood). */
export const MIN_PING_INTERVAL_MS = 1_000;

/**
 * How often to send `ping`: every {@link CLIENT_PING_INTERVAL_MS}, or more
 * often when the host announced an idle timeout too short for that, so that
 * two pings may be lost before the host closes the connection (the margin the
 * default 45 s timeout leaves).
 *
 * @param idleTimeoutMs - `welcome.limits.idleTimeoutMs`, once known
 */
export function pingIntervalFor(idleTimeoutMs?: number): number {
  if (idleTimeoutMs === undefined || !Number.isFinite(idleTimeoutMs)) return CLIENT_PING_INTERVAL_MS;
  return Math.max(MIN_PING_INTERVAL_MS, Math.min(CLIENT_PING_INTERVAL_MS, Math.floor(idleTimeoutMs / 3)));
}
