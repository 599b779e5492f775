/**
 * The one interface the chat logic sees for a client socket, whatever the
 * transport. Only files under transports/ import `ws` or `sockjs`.
 *
 * @public
 */
import type { SharedFrame } from './shared-frame';

/** Transport names as reported in logs and `/health`. */
export type TransportName = 'ws' | 'sockjs';

/** A connected client, transport-agnostic. @public */
export interface ClientConnection {
  /** Unique per server process. */
  readonly id: string;
  /** Which endpoint the client used. */
  readonly transport: TransportName;
  /** Remote IP address, for logs and the per-address limits. */
  readonly remoteAddress: string;
  /**
   * The `Origin` header of the request that opened the connection;
   * undefined when it had none (non-browser clients, and requests browsers
   * send without one, such as a `<script>` loading a SockJS jsonp URL).
   */
  readonly origin?: string;
  /**
   * Whether the connection came over TLS (the host's HTTPS listener) rather
   * than plain HTTP (a host without `tls`, or its `httpForBrowsersPort`
   * listener). Set by both transports; optional so test doubles may omit it.
   */
  readonly encrypted?: boolean;
  /** When the connection opened (ms since the epoch). */
  readonly openedAt: number;
  /** When the client last showed it is alive: a frame, or a WebSocket pong (ms since the epoch). */
  readonly lastActivityAt: number;
  /**
   * Queues one text message; a no-op once the connection is closing. When
   * the client's queue is over the buffer or time limit, the connection is
   * closed with 4002 (slow consumer) instead, so it never holds up anyone
   * else. A {@link SharedFrame} (a broadcast) is framed once per transport
   * and the same bytes go to every recipient.
   */
  send(data: string | SharedFrame): void;
  /** Closes the connection with a close code and a short reason. */
  close(code: number, reason: string): void;
  /** Registers the handler for inbound text frames (one handler). */
  onMessage(handler: (data: string) => void): void;
  /** Registers the handler called once when the connection is gone. */
  onClose(handler: () => void): void;
}

/** Limits every transport applies to its clients' send queues. */
export interface SendQueueLimits {
  /** Bytes that may wait for one client. */
  sendBufferBytes: number;
  /** How long one client's queue may stay backed up, in ms. */
  sendTimeLimitMs: number;
}

/**
 * The slow-consumer rule shared by the transports (Spring's
 * ConcurrentWebSocketSessionDecorator, without blocking): a client whose
 * queued bytes pass the buffer limit, or whose queue has not emptied for the
 * time limit, is cut off; it reconnects and catches up from history.
 *
 * @public
 */
export class SendQueueGuard {
  readonly #limits: SendQueueLimits;
  /** When the queue was first seen non-empty without emptying since (0 = empty). */
  #backloggedSince = 0;

  constructor(limits: SendQueueLimits) {
    this.#limits = limits;
  }

  /**
   * Whether a client with `queuedBytes` waiting is too slow to send more to.
   * The clock is read only when something is queued: the common case (an
   * empty queue) stays free.
   */
  isOverLimit(queuedBytes: number, now: () => number): boolean {
    if (queuedBytes === 0) {
      this.#backloggedSince = 0;
      return false;
    }
    if (queuedBytes > this.#limits.sendBufferBytes) return true;
    if (this.#backloggedSince === 0) {
      this.#backloggedSince = now();
      return false;
    }
    return now() - this.#backloggedSince > this.#limits.sendTimeLimitMs;
  }
}
