/**
 * The services of the SockJS protocol test suite (sockjs-protocol 0.3.3,
 * `sockjs-protocol.py`), mounted through the same transport code and
 * options as the chat endpoint so the suite can check LanChat's SockJS
 * implementation. Off by default (`sockjsTestServices` / the CLI's
 * `--sockjs-test-services`): conformance testing only.
 *
 * - `/echo`: echoes every message; streaming responses are cut at 4096
 *   bytes (the suite checks that the client reopens them).
 * - `/disabled_websocket_echo`: echo with the websocket transport off.
 * - `/cookie_needed_echo`: echo with the JSESSIONID cookie on.
 * - `/close`: closes every session at once with 3000 "Go away!".
 *
 * Never enable them on a host people use: sockjs keeps all sessions of a
 * process in one map keyed by session id, so the services' URLs (which skip
 * the origin check, as the suite sends arbitrary origins) could reach a chat
 * session whose id is known.
 *
 * @public
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

import type { ClientConnection } from './client-connection';
import { createSockJsTransport, type SockJsTransport, type SockJsTransportOptions } from './transports/sockjs';

/** The suite's `/echo` streaming response limit, in bytes. */
const ECHO_STREAM_BYTES_LIMIT = 4_096;
/** Close code and reason the suite expects from `/close`. */
const GO_AWAY_CODE = 3_000;
const GO_AWAY_REASON = 'Go away!';

/** Transport options the services share with the chat endpoint. */
export type SharedSockJsOptions = Omit<SockJsTransportOptions, 'prefix' | 'onConnection'>;

/** Routes requests to the test services. */
export interface SockJsTestServices {
  handleRequest(request: IncomingMessage, response: ServerResponse): boolean;
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  close(code: number, reason: string): void;
}

function echo(connection: ClientConnection): void {
  connection.onMessage((data) => connection.send(data));
}

/**
 * Creates the four services.
 *
 * @public
 */
export function createSockJsTestServices(shared: SharedSockJsOptions): SockJsTestServices {
  const services: SockJsTransport[] = [
    createSockJsTransport({ ...shared, prefix: '/echo', streamBytesLimit: ECHO_STREAM_BYTES_LIMIT, onConnection: echo }),
    createSockJsTransport({ ...shared, prefix: '/disabled_websocket_echo', websocket: false, onConnection: echo }),
    createSockJsTransport({ ...shared, prefix: '/cookie_needed_echo', sessionCookie: true, onConnection: echo }),
    createSockJsTransport({
      ...shared,
      prefix: '/close',
      onConnection: (connection) => connection.close(GO_AWAY_CODE, GO_AWAY_REASON),
    }),
  ];
  return {
    handleRequest: (request, response) => services.some((service) => service.handleRequest(request, response)),
    handleUpgrade: (request, socket, head) => services.some((service) => service.handleUpgrade(request, socket, head)),
    close(code, reason) {
      for (const service of services) service.close(code, reason);
    },
  };
}
