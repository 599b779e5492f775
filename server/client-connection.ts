/**
 * The one interface the chat logic sees for a client socket, whatever the
 * transport. Only files under transports/ import `ws` or `sockjs`.
 *
 * @public
 */

/** Transport names as reported in logs and `/health`. */
export type TransportName = 'ws' | 'sockjs';

/** A connected client, transport-agnostic. @public */
export interface ClientConnection {
  /** Unique per server process. */
  readonly id: string;
  /** Which endpoint the client used. */
  readonly transport: TransportName;
  /** Remote IP address, for logs. */
  readonly remoteAddress: string;
  /** Queues one text frame; a no-op once the connection is closing. */
  send(data: string): void;
  /** Closes the connection with a close code and a short reason. */
  close(code: number, reason: string): void;
  /** Registers the handler for inbound text frames (one handler). */
  onMessage(handler: (data: string) => void): void;
  /** Registers the handler called once when the connection is gone. */
  onClose(handler: () => void): void;
}
