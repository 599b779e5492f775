/**
 * WebSocket close codes used by LanChat.
 *
 * The 1000–1015 codes are defined by RFC 6455 §7.4.1; application codes sit in
 * the private-use range 4000–4999 (RFC 6455 §7.4.2). Every code LanChat sends is
 * listed here and in the README's "Close codes" table — update both together.
 *
 * @public
 */
export const CloseCode = {
  /** Normal closure: the client or the server is done. */
  Normal: 1000,
  /** The host is shutting down (RFC 6455 "going away"). */
  GoingAway: 1001,
  /** A text frame that is not valid UTF-8 (RFC 6455 "invalid frame payload data"; sent by ws). */
  InvalidPayload: 1007,
  /** A frame larger than the server accepts (RFC 6455 "message too big"). */
  MessageTooBig: 1009,
  /** A handler failed while processing this session's message; the server carries on. */
  InternalError: 1011,
  /** The connection sent nothing (no message, no `ping`, no pong) for the idle timeout, or never joined. */
  IdleTimeout: 4000,
  /** The host already has as many connections as it allows. */
  HostFull: 4001,
  /** The client did not read fast enough: its send queue passed the buffer or time limit. Reconnect and catch up. */
  SlowConsumer: 4002,
  /** The same member (same name and resume key) joined again on another connection. */
  Replaced: 4003,
} as const;

/** One of the close codes LanChat sends. @public */
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/**
 * Whether `code` may appear in a Close frame, mirroring ws's
 * `isValidStatusCode` (lib/validation.js): the RFC 6455 codes that an endpoint
 * may send, plus the registered 3000–3999 and private 4000–4999 ranges.
 *
 * @public
 */
export function isValidCloseCode(code: number): boolean {
  return (
    (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) ||
    (code >= 3000 && code <= 4999)
  );
}
