/**
 * The SockJS endpoint (protocol 0.3.3, every transport: websocket,
 * xhr-streaming, xhr-polling, eventsource, htmlfile, jsonp), wrapping the
 * `sockjs` package behind {@link ClientConnection}. SockJS's snake_case
 * options and its internals stay inside this file.
 *
 * @public
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';

import sockjs from 'sockjs';
import { quote } from 'sockjs/lib/utils';

import { SendQueueGuard, type ClientConnection, type SendQueueLimits } from '../client-connection';
import type { Logger } from '../logger';
import { CloseCode } from '../protocol';
import { SharedFrame, type FrameEncoding } from '../shared-frame';

import { encodeTextFrame } from './websocket-frame';

/** Options for {@link createSockJsTransport}. */
export interface SockJsTransportOptions extends SendQueueLimits {
  /** URL prefix, e.g. `/sockjs`. */
  prefix: string;
  /** Heartbeat frame interval in ms. */
  heartbeatMs: number;
  /** How long a session survives without a receiving request, in ms. */
  disconnectDelayMs: number;
  /** Bytes per streaming response before the client must reopen it. */
  streamBytesLimit: number;
  /** Messages a session may hold while no request is there to take them. */
  messageCacheSize: number;
  /** Whether the websocket transport is offered. */
  websocket: boolean;
  /** Largest inbound frame or HTTP send body in bytes; bigger ones are refused. */
  maxInboundBytes: number;
  /** Whether to set a JSESSIONID cookie (and report `cookie_needed`). */
  sessionCookie: boolean;
  /** URL of sockjs-client for the iframe transports (served by the host itself: no CDN). */
  sockjsClientUrl: string;
  /** Called for every new session. */
  onConnection: (connection: ClientConnection) => void;
  logger: Logger;
  nextId: () => string;
  now: () => number;
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

/** sockjs's Session.readyState for an open session. */
const SESSION_OPEN = 1;
/** faye-websocket's readyState for an open socket. */
const FAYE_OPEN = 1;

/**
 * The parts of sockjs's internal Session the transport reads (sockjs
 * 0.3.x, lib/transport.js and lib/trans-*.js; the package is final, so
 * they do not move): the messages waiting for a receiving request, and the
 * receiver attached to the session, if any.
 */
interface SockJsSessionInternals {
  readyState?: number;
  send_buffer?: unknown[];
  recv?: SockJsReceiverInternals | null;
}

/** A sockjs receiver: one per transport request (or per WebSocket). */
interface SockJsReceiverInternals {
  /** "websocket", "xhr-streaming", … ("websocket-raw" for the raw endpoint). */
  protocol?: string;
  /** The socket of streaming and websocket receivers: bytes not yet written out. */
  thingy?: { writableLength?: number } | null;
  /** Websocket receivers: faye's socket object and the TCP socket under it. */
  ws?: { readyState?: number } | null;
  connection?: Duplex | null;
  /** Writes one SockJS frame (`o`, `h`, `a[...]`, `c[...]`) the way this transport frames it. */
  doSendFrame?: (payload: string) => boolean;
}

/** A broadcast as a SockJS message frame: `a["<quoted JSON>"]`, as sockjs builds it. */
const SOCKJS_MESSAGE_FRAME: FrameEncoding<string> = { name: 'sockjs a[] frame', encode: (frame) => `a[${quote(frame.text)}]` };
/**
 * That frame inside one complete WebSocket text frame, for websocket
 * receivers; the quoting is shared with the streaming and polling ones.
 */
const SOCKJS_WEBSOCKET_FRAME: FrameEncoding<Buffer> = {
  name: 'sockjs a[] websocket frame',
  encode: (frame) => encodeTextFrame(frame.encoded(SOCKJS_MESSAGE_FRAME)),
};

/**
 * Writes a message frame straight to the session's receiver, bypassing the
 * per-recipient quoting and framing in sockjs and faye-websocket (a
 * broadcast's frame is built once for all its recipients). Only when
 * nothing is waiting in the session's own buffer (so order is kept) and a
 * receiver is attached; returns false otherwise, and the caller goes
 * through sockjs's `write`, which buffers it for the next request.
 *
 * - websocket: the complete WebSocket frame goes straight onto the TCP
 *   socket. faye-websocket writes its own frames to that socket
 *   synchronously (its IO stream never buffers) and negotiates no
 *   extensions here, so frames never interleave or reorder.
 * - streaming and polling receivers: the `a[...]` frame goes through the
 *   receiver's `doSendFrame`, which adds the transport's own wrapping
 *   (`\n`, `data: `, `<script>`, a JSONP callback) and its response-size
 *   limit, exactly as sockjs's own flush does.
 */
function sendToReceiver(session: SockJsSessionInternals, frame: SharedFrame): boolean {
  const recv = session.recv;
  if (!recv || session.send_buffer?.length !== 0) return false;
  if (recv.protocol === 'websocket') {
    if (recv.ws?.readyState !== FAYE_OPEN || !recv.connection) return false;
    recv.connection.write(frame.encoded(SOCKJS_WEBSOCKET_FRAME));
    return true;
  }
  if (recv.protocol === 'websocket-raw' || typeof recv.doSendFrame !== 'function') return false;
  return recv.doSendFrame(frame.encoded(SOCKJS_MESSAGE_FRAME));
}

class SockJsConnection implements ClientConnection {
  readonly transport = 'sockjs' as const;
  readonly id: string;
  readonly remoteAddress: string;
  readonly origin: string | undefined;
  readonly encrypted: boolean;
  readonly openedAt: number;
  lastActivityAt: number;
  readonly #conn: sockjs.Connection;
  /** sockjs's Session behind `#conn` (its `_session`, fixed for the connection's life). */
  readonly #session: SockJsSessionInternals;
  readonly #guard: SendQueueGuard;
  readonly #messageCacheSize: number;
  readonly #now: () => number;
  readonly #closeHandlers: Array<() => void> = [];
  #gone = false;

  constructor(id: string, conn: sockjs.Connection, origin: string | undefined, encrypted: boolean, options: SockJsTransportOptions) {
    this.id = id;
    this.#conn = conn;
    this.#session = (conn as unknown as { _session: SockJsSessionInternals })._session;
    this.remoteAddress = conn.remoteAddress ?? '';
    this.origin = origin;
    this.encrypted = encrypted;
    this.#guard = new SendQueueGuard(options);
    this.#messageCacheSize = options.messageCacheSize;
    this.#now = options.now;
    this.openedAt = options.now();
    this.lastActivityAt = this.openedAt;
    conn.once('close', () => this.#markGone());
  }

  /** Runs the close handlers, once: when the session closes, or when the host cuts off a slow consumer. */
  #markGone(): void {
    if (this.#gone) return;
    this.#gone = true;
    for (const handler of this.#closeHandlers.splice(0)) handler();
  }

  send(data: string | SharedFrame): void {
    const session = this.#session;
    if (session.readyState !== SESSION_OPEN) return;
    const cached = session.send_buffer?.length ?? 0;
    const queuedBytes = session.recv?.thingy?.writableLength ?? 0;
    if (cached >= this.#messageCacheSize || this.#guard.isOverLimit(queuedBytes, this.#now)) {
      closeSockJs(this.#conn, CloseCode.SlowConsumer, 'slow consumer');
      // sockjs emits 'close' only after its disconnect delay (the client
      // may still poll for the close frame); it stops being a member now.
      this.#markGone();
      return;
    }
    // Unicasts (welcome, acks, errors) take the same one-copy path as broadcasts.
    const frame = typeof data === 'string' ? new SharedFrame(data) : data;
    if (!sendToReceiver(session, frame)) this.#conn.write(frame.text);
  }

  close(code: number, reason: string): void {
    closeSockJs(this.#conn, code, reason);
  }

  onMessage(handler: (data: string) => void): void {
    this.#conn.on('data', (data: string) => {
      this.lastActivityAt = this.#now();
      handler(data);
    });
  }

  onClose(handler: () => void): void {
    if (this.#gone) handler();
    else this.#closeHandlers.push(handler);
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

/** A TCP peer as `address|port`. */
function peerKey(address: string | undefined, port: number | undefined): string {
  return `${address ?? ''}|${port ?? ''}`;
}

/** Forwards SockJS's own log lines: errors as errors, its chatter as debug. */
function forwardLog(logger: Logger) {
  return (severity: string, line: string): void => {
    if (severity === 'error') logger.error(`sockjs: ${line}`);
    else logger.debug(`sockjs: ${line}`);
  };
}

type SockJsHandler = (request: IncomingMessage, responseOrSocket: ServerResponse | Duplex, head?: Buffer) => boolean;

interface SockJsWithMiddleware {
  middleware(options: { prefix: string }): SockJsHandler;
}

/** The SockJS transports through which clients send (their bodies carry messages). */
const SEND_PATH = /\/(xhr_send|jsonp_send)(\?|$)/;

/**
 * sockjs reads xhr_send/jsonp_send bodies whole, without a limit. Refuse a
 * declared length over the limit with 413 before sockjs sees the request,
 * and cut a chunked body off as soon as it passes the limit.
 *
 * @returns false when the request was refused here
 */
function limitBody(request: IncomingMessage, response: ServerResponse, maxBytes: number): boolean {
  const declared = Number(request.headers['content-length'] ?? Number.NaN);
  if (declared > maxBytes) {
    response.writeHead(413, { 'Content-Type': 'text/plain; charset=utf-8', Connection: 'close' }).end('Payload too large');
    request.resume();
    return false;
  }
  let received = 0;
  request.on('data', (chunk: Buffer) => {
    received += chunk.length;
    if (received > maxBytes) request.destroy();
  });
  return true;
}

/**
 * Creates a SockJS endpoint. Routing is explicit: the chat server calls
 * `handleRequest`/`handleUpgrade` for paths under the prefix, instead of
 * letting `installHandlers` rewire the HTTP server's listeners.
 *
 * @public
 */
export function createSockJsTransport(options: SockJsTransportOptions): SockJsTransport {
  // `faye_server_options` is a sockjs option missing from @types/sockjs.
  const serverOptions: sockjs.ServerOptions & { faye_server_options: { maxLength: number } } = {
    prefix: options.prefix,
    heartbeat_delay: options.heartbeatMs,
    disconnect_delay: options.disconnectDelayMs,
    response_limit: options.streamBytesLimit,
    websocket: options.websocket,
    jsessionid: options.sessionCookie,
    // faye-websocket's own frame limit defaults to 64 MiB; ours is the
    // same as on the raw endpoint.
    faye_server_options: { maxLength: options.maxInboundBytes },
    sockjs_url: options.sockjsClientUrl,
    log: forwardLog(options.logger),
  };
  const server = sockjs.createServer(serverOptions);
  const open = new Set<sockjs.Connection>();
  // sockjs keeps a few request headers on a connection, but not Origin. A
  // session opens on the request that registers it, and sockjs records that
  // request's socket address and port on the connection; so the Origin of
  // the latest request on each TCP socket is kept here, by address and port,
  // until the socket closes.
  const originByPeer = new Map<string, string | undefined>();
  // Likewise whether that TCP socket is a TLSSocket (the HTTPS listener).
  const encryptedPeers = new Set<string>();
  const trackedSockets = new WeakSet<object>();
  const noteOrigin = (request: IncomingMessage): void => {
    const socket = request.socket;
    const key = peerKey(socket.remoteAddress, socket.remotePort);
    originByPeer.set(key, request.headers.origin);
    if (!trackedSockets.has(socket)) {
      trackedSockets.add(socket);
      if ((socket as TLSSocket).encrypted === true) encryptedPeers.add(key);
      socket.once('close', () => {
        originByPeer.delete(key);
        encryptedPeers.delete(key);
      });
    }
  };
  server.on('connection', (conn: sockjs.Connection | null) => {
    // sockjs emits a null connection when a session is closed before it opened.
    if (conn === null) return;
    // sockjs connections are streams: an unhandled 'error' would throw.
    conn.on('error', (error: Error) => options.logger.debug('sockjs connection error', { message: error.message }));
    open.add(conn);
    conn.once('close', () => open.delete(conn));
    const peer = peerKey(conn.remoteAddress, conn.remotePort);
    options.onConnection(new SockJsConnection(options.nextId(), conn, originByPeer.get(peer), encryptedPeers.has(peer), options));
  });
  // `middleware()` is sockjs's public API for explicit routing, missing from
  // @types/sockjs: one handler for requests and upgrades, true when handled.
  const handler = (server as unknown as SockJsWithMiddleware).middleware({ prefix: options.prefix });

  return {
    handleRequest(request, response) {
      noteOrigin(request);
      if (request.method === 'POST' && SEND_PATH.test(request.url ?? '') && !limitBody(request, response, options.maxInboundBytes)) {
        return true;
      }
      return handler(request, response) === true;
    },
    handleUpgrade(request, socket, head) {
      noteOrigin(request);
      return handler(request, socket, head) === true;
    },
    close(code, reason) {
      for (const conn of open) closeSockJs(conn, code, reason);
      open.clear();
    },
  };
}
