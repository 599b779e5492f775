/**
 * `createChatServer`: one HTTP server carrying the raw WebSocket endpoint
 * (`/ws`), the SockJS endpoint (`/sockjs`), `/health` and the web client.
 * Plain Node: runs in the CLI, an Electron utility process, tests and bench.
 *
 * @public
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';

import type { ClientConnection } from './client-connection';
import { CLOSE_GRACE_MS, SOCKJS_CLIENT_PATH } from './constants';
import { HostStartError } from './errors';
import { GroupCommitter } from './group-commit';
import { startLivenessSweep } from './heartbeat';
import { openHistoryStore, type HistoryStore } from './history-store';
import { resolveOptions, type ChatServerOptions, type ResolvedOptions } from './options';
import { createOriginCheck } from './origin-check';
import { CloseCode, ENDPOINT_PATHS, PROTOCOL_VERSION } from './protocol';
import { RoomRegistry, roomKey } from './rooms';
import { ChatSession, type SessionContext } from './session';
import { createSockJsTestServices, type SockJsTestServices } from './sockjs-test-services';
import { serveStatic } from './static-files';
import { createSockJsTransport, type SockJsTransport } from './transports/sockjs';
import { createWsTransport, type WsTransport } from './transports/ws';

/** Server lifecycle, after ws's RUNNING/CLOSING/CLOSED. @public */
export type ChatServerState = 'idle' | 'starting' | 'running' | 'closing' | 'closed';

/** What `/health` reports. @public */
export interface HealthReport {
  status: 'ok';
  name: 'lanchat';
  version: string;
  protocol: number;
  uptimeMs: number;
  /** Members connected to any room. */
  members: number;
  /** Open client connections, joined or not. */
  connections: number;
  /** Protected rooms show only their name: a visitor without the password learns nothing else. */
  rooms: Array<{ name: string; protected: boolean; members?: number; lastSeq?: number }>;
}

/** A LanChat host. @public */
export interface ChatServer {
  /** Starts listening; resolves with the bound address. Rejects with {@link HostStartError}. */
  start(): Promise<AddressInfo>;
  /** Closes every connection (1001) and stops listening. Safe to call twice. */
  close(): Promise<void>;
  /** The lifecycle state. */
  readonly state: ChatServerState;
  /** The bound address while running. */
  address(): AddressInfo | undefined;
  /** The `/health` report. */
  health(): HealthReport;
}

/** Bytes of randomness in a connection id. */
const CONNECTION_ID_BYTES = 9;

function nextConnectionId(): string {
  return randomBytes(CONNECTION_ID_BYTES).toString('base64url');
}

function pathOf(request: IncomingMessage): string {
  const url = request.url ?? '/';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

function isUnder(pathname: string, prefix: string): boolean {
  return pathname === prefix || pathname.startsWith(`${prefix}/`);
}

/**
 * Creates a chat host. Nothing listens until {@link ChatServer.start}.
 *
 * @throws TypeError for invalid or contradictory options
 * @throws HistoryStoreError when the history file cannot be used (its `code` says why)
 * @public
 */
export function createChatServer(options: ChatServerOptions = {}): ChatServer {
  const config: ResolvedOptions = resolveOptions(options);
  const { logger } = config;
  const store: HistoryStore = openHistoryStore(config.dataPath, {
    freshHistory: config.freshHistory,
    onWarning: (message) => logger.warn(message),
  });
  const committer = new GroupCommitter(store, logger);
  const rooms = new RoomRegistry(
    { maxHistory: config.maxHistoryPerRoom, maxRooms: config.maxRooms, defaultMaxMembers: config.maxMembersPerRoom },
    { store, committer },
    config.now,
  );
  for (const room of config.rooms) {
    rooms.create(room.name, { password: room.password, maxMembers: room.maxMembers ?? config.maxMembersPerRoom });
  }
  // Rooms people created by joining come back after a restart, with their
  // history, as open rooms (passwords are configuration, never stored).
  const configured = new Set(config.rooms.map((room) => roomKey(room.name)));
  for (const stored of store.rooms()) {
    if (!configured.has(roomKey(stored.name))) rooms.getOrCreate(stored.name);
  }
  const sessions = new Map<ClientConnection, ChatSession>();
  const isAllowedOrigin = createOriginCheck(config.allowedOrigins);
  const startedAt = Date.now();
  let state: ChatServerState = 'idle';
  let closing: Promise<void> | undefined;

  const context: SessionContext = {
    rooms,
    logger,
    maxTextBytes: config.maxTextBytes,
    historyOnJoin: config.historyOnJoin,
    idleTimeoutMs: config.idleTimeoutMs,
    rateLimit: config.rateLimit,
    now: config.now,
  };

  const onConnection = (connection: ClientConnection): void => {
    if (state !== 'running') {
      connection.close(CloseCode.GoingAway, 'server closing');
      return;
    }
    if (sessions.size >= config.maxConnections) {
      logger.warn('connection refused: host full', { maxConnections: config.maxConnections });
      connection.close(CloseCode.HostFull, 'host full');
      return;
    }
    sessions.set(connection, new ChatSession(connection, context));
    connection.onClose(() => sessions.delete(connection));
  };

  const sendQueueLimits = { sendBufferBytes: config.sendBufferBytes, sendTimeLimitMs: config.sendTimeLimitMs };
  const ws: WsTransport = createWsTransport({
    ...sendQueueLimits,
    maxPayload: config.maxFrameBytes,
    pingIntervalMs: config.pingIntervalMs,
    onConnection,
    logger,
    nextId: nextConnectionId,
    now: config.now,
  });
  const sockJsShared = {
    ...sendQueueLimits,
    heartbeatMs: config.sockjs.heartbeatMs,
    disconnectDelayMs: config.sockjs.disconnectDelayMs,
    streamBytesLimit: config.sockjs.streamBytesLimit,
    messageCacheSize: config.sockjs.messageCacheSize,
    websocket: config.sockjs.websocket,
    sessionCookie: config.sockjs.sessionCookie,
    maxInboundBytes: config.maxFrameBytes,
    sockjsClientUrl: SOCKJS_CLIENT_PATH,
    logger,
    nextId: nextConnectionId,
    now: config.now,
  };
  const sockJs: SockJsTransport = createSockJsTransport({ ...sockJsShared, prefix: ENDPOINT_PATHS.sockJs, onConnection });
  const testServices: SockJsTestServices | undefined = config.sockjsTestServices
    ? createSockJsTestServices(sockJsShared)
    : undefined;
  let stopLiveness: (() => void) | undefined;

  const health = (): HealthReport => {
    const roomList = rooms
      .all()
      .map((room) =>
        room.isProtected
          ? { name: room.name, protected: true }
          : { name: room.name, protected: false, members: room.size, lastSeq: room.lastSeq },
      );
    return {
      status: 'ok',
      name: 'lanchat',
      version: config.version,
      protocol: PROTOCOL_VERSION,
      uptimeMs: Date.now() - startedAt,
      members: rooms.all().reduce((sum, room) => sum + room.size, 0),
      connections: sessions.size,
      rooms: roomList,
    };
  };

  const refuseOrigin = (request: IncomingMessage): void => {
    logger.warn('refused a handshake from a foreign origin', { origin: request.headers.origin, path: pathOf(request) });
  };

  const onRequest = (request: IncomingMessage, response: ServerResponse): void => {
    const pathname = pathOf(request);
    if (isUnder(pathname, ENDPOINT_PATHS.sockJs)) {
      // Every SockJS transport is plain HTTP until it is not: the origin
      // check runs on each request, not only on WebSocket upgrades.
      if (!isAllowedOrigin(request)) {
        refuseOrigin(request);
        response.writeHead(403, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Origin not allowed');
        return;
      }
      if (sockJs.handleRequest(request, response)) return;
    }
    if (testServices?.handleRequest(request, response)) return;
    if (pathname === ENDPOINT_PATHS.health) {
      response.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
      response.end(JSON.stringify(health()));
      return;
    }
    if (config.webRoot === undefined) {
      response.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
      response.end('This LanChat host serves no web client. Connect a LanChat app to /sockjs or /ws.');
      return;
    }
    serveStatic(config.webRoot, request, response, pathname).catch((error: unknown) => {
      logger.error('static file error', { error: String(error) });
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  };

  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    // Until a transport owns the socket, errors on it are ours to swallow:
    // a reset during the handshake must not become an uncaught exception.
    socket.on('error', (error) => logger.debug('upgrade socket error', { error: error.message }));
    const pathname = pathOf(request);
    const chatEndpoint = pathname === ENDPOINT_PATHS.webSocket || isUnder(pathname, ENDPOINT_PATHS.sockJs);
    if (state === 'running' && chatEndpoint && !isAllowedOrigin(request)) {
      refuseOrigin(request);
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    if (state === 'running' && pathname === ENDPOINT_PATHS.webSocket) {
      ws.handleUpgrade(request, socket, head);
      return;
    }
    if (state === 'running' && isUnder(pathname, ENDPOINT_PATHS.sockJs) && sockJs.handleUpgrade(request, socket, head)) {
      return;
    }
    if (state === 'running' && testServices?.handleUpgrade(request, socket, head)) return;
    socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  };

  const httpServer: Server = createServer(onRequest);
  httpServer.on('upgrade', onUpgrade);
  httpServer.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    logger.debug('http client error', { code: error.code });
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });

  return {
    get state() {
      return state;
    },
    address() {
      const address = httpServer.address();
      return address !== null && typeof address === 'object' ? address : undefined;
    },
    health,
    start() {
      if (state !== 'idle') return Promise.reject(new Error(`cannot start a server that is ${state}`));
      state = 'starting';
      return new Promise<AddressInfo>((resolve, reject) => {
        const onError = (error: NodeJS.ErrnoException): void => {
          state = 'closed';
          store.close();
          const code = error.code ?? 'UNKNOWN';
          const message =
            code === 'EADDRINUSE'
              ? `Port ${config.port} is already in use on ${config.host}.`
              : code === 'EACCES'
                ? `Not allowed to listen on port ${config.port}.`
                : `Cannot listen on ${config.host}:${config.port}: ${error.message}`;
          reject(new HostStartError(code, config.port, message));
        };
        httpServer.once('error', onError);
        httpServer.listen(config.port, config.host, () => {
          httpServer.off('error', onError);
          httpServer.on('error', (error) => logger.error('http server error', { error: error.message }));
          state = 'running';
          stopLiveness = startLivenessSweep({
            idleTimeoutMs: config.idleTimeoutMs,
            joinTimeoutMs: config.joinTimeoutMs,
            now: config.now,
            watched: () => Array.from(sessions, ([connection, session]) => ({ connection, joined: session.joined })),
          });
          const address = httpServer.address() as AddressInfo;
          logger.info('LanChat host listening', { address: address.address, port: address.port });
          resolve(address);
        });
      });
    },
    close() {
      if (closing) return closing;
      if (state === 'idle' || state === 'closed') {
        if (state === 'idle') store.close();
        state = 'closed';
        closing = Promise.resolve();
        return closing;
      }
      state = 'closing';
      stopLiveness?.();
      closing = new Promise<void>((resolve) => {
        ws.close(CloseCode.GoingAway, 'host shutting down');
        sockJs.close(CloseCode.GoingAway, 'host shutting down');
        testServices?.close(CloseCode.GoingAway, 'host shutting down');
        httpServer.close(() => {
          // Messages accepted but not yet committed are written before the
          // database closes; their senders are gone, and they resend anyway.
          committer.flush();
          store.close();
          state = 'closed';
          resolve();
        });
        httpServer.closeIdleConnections();
        // Long-polling and streaming responses hold sockets open; after a
        // grace period they are cut so close() always settles.
        setTimeout(() => httpServer.closeAllConnections(), CLOSE_GRACE_MS).unref();
      });
      return closing;
    },
  };
}
