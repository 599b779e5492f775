/**
 * The SockJS endpoint (protocol 0.3.3, every transport: websocket,
 * xhr-streaming, xhr-polling, eventsource, htmlfile, jsonp), wrapping the
 * `sockjs` package behind {@link ClientConnection}. SockJS's snake_case
 * options stay inside this file.
 *
 * @public
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

import sockjs from 'sockjs';

import type { ClientConnection } from '../client-connection';
import type { Logger } from '../logger';

/** Options for {@link createSockJsTransport}. */
export interface SockJsTransportOptions {
  /** URL prefix, e.g. `/sockjs`. */
  prefix: string;
  /** Heartbeat frame interval in ms. */
  heartbeatMs: number;
  /** How long a session survives without a receiving request, in ms. */
  disconnectDelayMs: number;
  /** Bytes per streaming response before the client must reopen it. */
  streamBytesLimit: number;
  /** Whether the websocket transport is offered. */
  websocket: boolean;
  /** URL of sockjs-client for the iframe transports (served by the host itself: no CDN). */
  sockjsClientUrl: string;
  /** Called for every new session. */
  onConnection: (connection: ClientConnection) => void;
  logger: Logger;
  nextId: () => string;
}

/** The SockJS endpoint. */
export interface SockJsTransport {
  /** Handles an HTTP request under the prefix; returns false if it is not SockJS's. */
  handleRequest(request: IncomingMessage, response: ServerResponse): boolean;
  /** Handles an HTTP upgrade under the prefix; returns false if it is not SockJS's. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  /** Closes every open session. */
  close(code: number, reason: string): void;
}

type SockJsHandler = (request: IncomingMessage, responseOrSocket: ServerResponse | Duplex, head?: Buffer) => boolean;

interface SockJsWithMiddleware {
  middleware(options: { prefix: string }): SockJsHandler;
}

class SockJsConnection implements ClientConnection {
  readonly transport = 'sockjs' as const;
  readonly id: string;
  readonly remoteAddress: string;
  readonly #conn: sockjs.Connection;

  constructor(id: string, conn: sockjs.Connection) {
    this.id = id;
    this.#conn = conn;
    this.remoteAddress = conn.remoteAddress ?? '';
  }

  send(data: string): void {
    // readyState 1 = OPEN in sockjs's Session.
    if (this.#conn.readyState === 1) this.#conn.write(data);
  }

  close(code: number, reason: string): void {
    closeSockJs(this.#conn, code, reason);
  }

  onMessage(handler: (data: string) => void): void {
    this.#conn.on('data', handler);
  }

  onClose(handler: () => void): void {
    this.#conn.once('close', handler);
  }
}

/**
 * sockjs writes the status into the close frame verbatim (`'c' +
 * JSON.stringify([status, reason])`), so the `String(code)` that
 * @types/sockjs asks for would reach clients as `"1001"`, not 1001.
 */
function closeSockJs(conn: sockjs.Connection, code: number, reason: string): void {
  conn.close(code as unknown as string, reason);
}

/** Maps SockJS's own log severities onto ours; its 'debug' chatter stays debug. */
function forwardLog(logger: Logger) {
  return (severity: string, line: string): void => {
    if (severity === 'error') logger.error(`sockjs: ${line}`);
    else if (severity === 'info') logger.debug(`sockjs: ${line}`);
    else logger.debug(`sockjs: ${line}`);
  };
}

/**
 * Creates the SockJS endpoint. Routing is explicit: the chat server calls
 * `handleRequest`/`handleUpgrade` for paths under the prefix, instead of
 * letting `installHandlers` rewire the HTTP server's listeners.
 *
 * @public
 */
export function createSockJsTransport(options: SockJsTransportOptions): SockJsTransport {
  const server = sockjs.createServer({
    prefix: options.prefix,
    heartbeat_delay: options.heartbeatMs,
    disconnect_delay: options.disconnectDelayMs,
    response_limit: options.streamBytesLimit,
    websocket: options.websocket,
    sockjs_url: options.sockjsClientUrl,
    log: forwardLog(options.logger),
  });
  const open = new Set<sockjs.Connection>();
  server.on('connection', (conn: sockjs.Connection | null) => {
    // sockjs emits a null connection when a session is closed before it opened.
    if (conn === null) return;
    open.add(conn);
    conn.once('close', () => open.delete(conn));
    options.onConnection(new SockJsConnection(options.nextId(), conn));
  });
  // `middleware()` is sockjs's public API for explicit routing, missing from
  // @types/sockjs: one handler for requests and upgrades, true when handled.
  const handler = (server as unknown as SockJsWithMiddleware).middleware({ prefix: options.prefix });

  return {
    handleRequest: (request, response) => handler(request, response) === true,
    handleUpgrade: (request, socket, head) => handler(request, socket, head) === true,
    close(code, reason) {
      for (const conn of open) closeSockJs(conn, code, reason);
      open.clear();
    },
  };
}
