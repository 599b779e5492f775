/**
 * Liveness: closes connections that never join a room, or that fall silent
 * (no message, no `ping`, no WebSocket pong) for the idle timeout, with
 * close code 4000. One timer sweeps every connection, instead of a timer per
 * connection re-armed on every frame.
 *
 * The raw endpoint also pings each socket (transports/ws.ts), so a vanished
 * peer is gone within two ping intervals; SockJS clients prove they are
 * alive with `ping` messages, and polling sessions also end after SockJS's
 * disconnect delay.
 *
 * @public
 */
import type { ClientConnection } from './client-connection';
import { LIVENESS_CHECKS_PER_TIMEOUT } from './constants';
import { CloseCode } from './protocol';

/** What the sweep needs to know about each connection. */
export interface Watched {
  connection: ClientConnection;
  /** Whether the connection is in a room. */
  readonly joined: boolean;
}

/** Options of {@link startLivenessSweep}. */
export interface LivenessOptions {
  idleTimeoutMs: number;
  joinTimeoutMs: number;
  now: () => number;
  /** The connections to check, read afresh at every sweep. */
  watched: () => Iterable<Watched>;
}

/**
 * Starts the sweep; returns the function that stops it.
 *
 * @public
 */
export function startLivenessSweep(options: LivenessOptions): () => void {
  const intervalMs = Math.max(1, Math.floor(Math.min(options.idleTimeoutMs, options.joinTimeoutMs) / LIVENESS_CHECKS_PER_TIMEOUT));
  const timer = setInterval(() => {
    const now = options.now();
    for (const { connection, joined } of options.watched()) {
      if (!joined && now - connection.openedAt > options.joinTimeoutMs) {
        connection.close(CloseCode.IdleTimeout, 'no join');
      } else if (now - connection.lastActivityAt > options.idleTimeoutMs) {
        connection.close(CloseCode.IdleTimeout, 'idle');
      }
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
