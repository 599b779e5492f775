/**
 * The raw RFC 6455 endpoint, wrapping the `ws` package behind
 * {@link ClientConnection}.
 *
 * @public
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

import { WebSocketServer, WebSocket, type RawData } from 'ws';

import type { ClientConnection } from '../client-connection';
import type { Logger } from '../logger';

/** Options for {@link createWsTransport}. */
export interface WsTransportOptions {
  /** Largest accepted frame in bytes; bigger frames close the socket with 1009. */
  maxPayload: number;
  /** Called for every accepted connection. */
  onConnection: (connection: ClientConnection) => void;
  logger: Logger;
  /** Makes a connection id. */
  nextId: () => string;
}

/** The raw WebSocket endpoint. */
export interface WsTransport {
  /** Completes an HTTP upgrade already routed to this endpoint. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Closes every open socket with `code` and stops accepting. */
  close(code: number, reason: string): void;
}

class WsConnection implements ClientConnection {
  readonly transport = 'ws' as const;
  readonly id: string;
  readonly remoteAddress: string;
  readonly #socket: WebSocket;

  constructor(id: string, socket: WebSocket, remoteAddress: string) {
    this.id = id;
    this.#socket = socket;
    this.remoteAddress = remoteAddress;
  }

  send(data: string): void {
    if (this.#socket.readyState === WebSocket.OPEN) this.#socket.send(data);
  }

  close(code: number, reason: string): void {
    if (this.#socket.readyState === WebSocket.OPEN || this.#socket.readyState === WebSocket.CONNECTING) {
      this.#socket.close(code, reason);
    }
  }

  onMessage(handler: (data: string) => void): void {
    this.#socket.on('message', (data: RawData, isBinary: boolean) => {
      // The protocol is JSON text; a binary frame is decoded as UTF-8 and
      // then fails JSON validation like any other bad input, with an error
      // message rather than a silent drop.
      handler(isBinary ? Buffer.from(data as Buffer).toString('utf8') : data.toString());
    });
  }

  onClose(handler: () => void): void {
    this.#socket.once('close', handler);
  }
}

/**
 * Creates the raw WebSocket endpoint. It does not listen by itself: the chat
 * server routes `/ws` upgrades to {@link WsTransport.handleUpgrade}.
 *
 * @public
 */
export function createWsTransport(options: WsTransportOptions): WsTransport {
  const server = new WebSocketServer({
    noServer: true,
    maxPayload: options.maxPayload,
    // Compression costs CPU per recipient on every broadcast and opens the
    // door to decompression bombs; chat text is small.
    perMessageDeflate: false,
    clientTracking: true,
  });

  return {
    handleUpgrade(request, socket, head) {
      server.handleUpgrade(request, socket, head, (ws) => {
        // An 'error' listener first, before anything else can emit: without
        // one, a malformed frame (ws emits 'error' and then closes) would
        // throw and take the whole host down (websockets/ws#1777, #2055).
        ws.on('error', (error) => {
          options.logger.warn('ws socket error', { code: (error as NodeJS.ErrnoException).code, message: error.message });
        });
        const connection = new WsConnection(options.nextId(), ws, request.socket.remoteAddress ?? '');
        options.onConnection(connection);
      });
    },
    close(code, reason) {
      for (const ws of server.clients) ws.close(code, reason);
      server.close();
    },
  };
}
