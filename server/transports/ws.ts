/**
 * The raw RFC 6455 endpoint, wrapping the `ws` package behind
 * {@link ClientConnection}: frame size limit, ping/pong dead-peer detection
 * and the slow-consumer guard.
 *
 * @public
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';

import { WebSocketServer, WebSocket, type RawData } from 'ws';

import { SendQueueGuard, type ClientConnection, type SendQueueLimits } from '../client-connection';
import { WS_PING_SLICES } from '../constants';
import type { Logger } from '../logger';
import { CloseCode } from '../protocol';
import type { FrameEncoding, SharedFrame } from '../shared-frame';

import { encodeTextFrame } from './websocket-frame';

/** Options for {@link createWsTransport}. */
export interface WsTransportOptions extends SendQueueLimits {
  /** Largest accepted frame in bytes; bigger frames close the socket with 1009. */
  maxPayload: number;
  /** Ping interval; a peer that has not answered the previous ping is terminated. */
  pingIntervalMs: number;
  /** Called for every accepted connection. */
  onConnection: (connection: ClientConnection) => void;
  logger: Logger;
  /** Makes a connection id. */
  nextId: () => string;
  now: () => number;
}

/** The raw WebSocket endpoint. */
export interface WsTransport {
  /** Completes an HTTP upgrade already routed to this endpoint. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Closes every open socket with `code` and stops accepting. */
  close(code: number, reason: string): void;
}

/** A broadcast as one complete WebSocket frame, written as is to every /ws recipient. */
const WS_TEXT_FRAME: FrameEncoding<Buffer> = { name: 'ws text frame', encode: (frame) => encodeTextFrame(frame.text) };

class WsConnection implements ClientConnection {
  readonly transport = 'ws' as const;
  readonly id: string;
  readonly remoteAddress: string;
  readonly origin: string | undefined;
  readonly encrypted: boolean;
  readonly openedAt: number;
  lastActivityAt: number;
  /** Whether a pong (or any frame) arrived since the last ping. */
  alive = true;
  readonly socket: WebSocket;
  /**
   * The TCP socket under `socket` (the one the upgrade came on). Message
   * frames are written to it directly (a broadcast's frame is built once
   * for every recipient); `ws` still writes its pings and close frames to
   * it, synchronously and with nothing queued in between (no compression is
   * negotiated), so frames never interleave or reorder.
   */
  readonly #stream: Duplex;
  readonly #guard: SendQueueGuard;
  readonly #now: () => number;
  readonly #closeHandlers: Array<() => void> = [];
  #gone = false;

  constructor(id: string, socket: WebSocket, stream: Duplex, request: IncomingMessage, limits: SendQueueLimits, now: () => number) {
    this.id = id;
    this.socket = socket;
    this.#stream = stream;
    this.remoteAddress = request.socket.remoteAddress ?? '';
    this.origin = request.headers.origin;
    // The upgraded request's socket is a TLSSocket on the HTTPS listener.
    this.encrypted = (request.socket as TLSSocket).encrypted === true;
    this.#guard = new SendQueueGuard(limits);
    this.#now = now;
    this.openedAt = now();
    this.lastActivityAt = this.openedAt;
    socket.on('pong', () => this.#touch());
    socket.once('close', () => this.#markGone());
  }

  /** Runs the close handlers, once: when the socket closes, or when the host cuts off a slow consumer. */
  #markGone(): void {
    if (this.#gone) return;
    this.#gone = true;
    for (const handler of this.#closeHandlers.splice(0)) handler();
  }

  #touch(): void {
    this.alive = true;
    this.lastActivityAt = this.#now();
  }

  send(data: string | SharedFrame): void {
    if (this.socket.readyState !== WebSocket.OPEN) return;
    // Everything queued for this client is in the TCP socket's write queue
    // (ws buffers nothing itself without compression).
    if (this.#guard.isOverLimit(this.#stream.writableLength, this.#now)) {
      // The close frame queues behind the backlog; ws destroys the socket
      // if the peer has not completed the close within its close timeout.
      this.socket.close(CloseCode.SlowConsumer, 'slow consumer');
      // A client that is not reading cannot complete the close handshake,
      // so 'close' may come only with ws's close timeout (30 s): it stops
      // being a member (memberLeft, /health, maxConnections) now.
      this.#markGone();
      return;
    }
    this.#stream.write(typeof data === 'string' ? encodeTextFrame(data) : data.encoded(WS_TEXT_FRAME));
  }

  close(code: number, reason: string): void {
    if (this.socket.readyState === WebSocket.OPEN || this.socket.readyState === WebSocket.CONNECTING) {
      this.socket.close(code, reason);
    }
  }

  onMessage(handler: (data: string) => void): void {
    this.socket.on('message', (data: RawData, isBinary: boolean) => {
      this.#touch();
      // The protocol is JSON text; a binary frame is decoded as UTF-8 and
      // then validated like any other input, so garbage gets a typed error.
      handler(isBinary ? Buffer.from(data as Buffer).toString('utf8') : data.toString());
    });
  }

  onClose(handler: () => void): void {
    if (this.#gone) handler();
    else this.#closeHandlers.push(handler);
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
    clientTracking: false,
  });
  const open = new Set<WsConnection>();
  // One timer for all sockets (the ws README's heartbeat pattern), not one
  // per socket; each tick pings one slice, so every socket is pinged once
  // per interval and the pings (and their pongs) come spread out.
  const slices = Array.from({ length: WS_PING_SLICES }, () => new Set<WsConnection>());
  let nextSlice = 0;
  let tick = 0;
  const pinger = setInterval(
    () => {
      const slice = slices[tick % WS_PING_SLICES]!;
      tick += 1;
      for (const connection of slice) {
        if (!connection.alive) {
          options.logger.debug('ws peer missed a pong; terminating', { connection: connection.id });
          connection.socket.terminate();
          continue;
        }
        connection.alive = false;
        connection.socket.ping();
      }
    },
    Math.max(1, Math.floor(options.pingIntervalMs / WS_PING_SLICES)),
  );
  pinger.unref();

  return {
    handleUpgrade(request, socket, head) {
      server.handleUpgrade(request, socket, head, (ws) => {
        // An 'error' listener first, before anything else can emit: without
        // one, a malformed frame (ws emits 'error' and then closes) would
        // throw and take the whole host down (websockets/ws#1777, #2055).
        ws.on('error', (error) => {
          options.logger.debug('ws socket error', { code: (error as NodeJS.ErrnoException).code, message: error.message });
        });
        const connection = new WsConnection(options.nextId(), ws, socket, request, options, options.now);
        const slice = slices[nextSlice]!;
        nextSlice = (nextSlice + 1) % WS_PING_SLICES;
        open.add(connection);
        slice.add(connection);
        ws.once('close', () => {
          open.delete(connection);
          slice.delete(connection);
        });
        options.onConnection(connection);
      });
    },
    close(code, reason) {
      clearInterval(pinger);
      for (const connection of open) connection.close(code, reason);
      server.close();
    },
  };
}
