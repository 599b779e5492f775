/**
 * `createChatServer`: one HTTP server carrying the raw WebSocket endpoint
 * (`/ws`), the SockJS endpoint (`/sockjs`), `/health` and the web client.
 * Plain Node: runs in the CLI, an Electron utility process, tests and bench.
 *
 * @public
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { createSecureContext } from 'node:tls';

import { AddressCounter, addressKey } from './address-limits';
import type { ClientConnection } from './client-connection';
import { CLOSE_GRACE_MS, HISTORY_RESPONSE_MAX_BYTES, HTTP_TIMEOUT_CHECK_INTERVAL_MS, ROOM_SWEEPS_PER_IDLE, SOCKJS_CLIENT_PATH } from './constants';
import { HostStartError } from './errors';
import { GroupCommitter } from './group-commit';
import { startLivenessSweep } from './heartbeat';
import { openHistoryStore, type HistoryStore } from './history-store';
import { JoinThrottle } from './join-throttle';
import { resolveOptions, type ChatServerOptions, type ResolvedOptions } from './options';
import { createOriginCheck } from './origin-check';
import { createVerifier, verifyPassword } from './password-verifier';
import { KeyedTokenBuckets } from './rate-limiter';
import { runRetention, type RetentionPolicy, type RetentionReport } from './retention';
import { CloseCode, ENDPOINT_PATHS, PROTOCOL_VERSION } from './protocol';
import { createRoomsEndpoint } from './rooms-endpoint';
import { RoomRegistry, roomKey, type RegistryMemory } from './rooms';
import { ChatSession, type SessionContext } from './session';
import { createSockJsTestServices, type SockJsTestServices } from './sockjs-test-services';
import { SECURITY_HEADERS, serveStatic } from './static-files';
import { fingerprintOfCertificate } from './tls-identity';
import { createSockJsTransport, type SockJsTransport } from './transports/sockjs';
import { createWsTransport, type WsTransport } from './transports/ws';

/** Server lifecycle, after ws's RUNNING/CLOSING/CLOSED. @public */
export type ChatServerState = 'idle' | 'starting' | 'running' | 'closing' | 'closed';

/** Why a host is degraded. @public */
export interface HealthProblem {
  /**
   * `HEALTH_STORAGE_FLUSH_FAILED`: a flush of the history to disk (fsync)
   * failed; the host refuses every message until it restarts.
   */
  code: 'HEALTH_STORAGE_FLUSH_FAILED';
  /** What failed, in words (the system's error included). */
  message: string;
}

/** What `/health` reports. @public */
export interface HealthReport {
  /** `degraded` (HTTP 503 on `/health`) when the host cannot do its job; `problem` says why. */
  status: 'ok' | 'degraded';
  /** Why the host is degraded (only then). */
  problem?: HealthProblem;
  name: 'lanchat';
  version: string;
  protocol: number;
  uptimeMs: number;
  /** Members connected to any room. */
  members: number;
  /** Open client connections, joined or not. */
  connections: number;
  /**
   * Rooms in memory (people are in them, or were lately) and the host's
   * configured rooms. Protected rooms show only their name: a visitor
   * without the password learns nothing else.
   */
  rooms: Array<{ name: string; protected: boolean; members?: number; lastSeq?: number }>;
  /** In-memory history: rooms loaded, messages and estimated bytes in their windows. */
  memory: RegistryMemory;
  /** Whether the main listener serves HTTPS/WSS (issue 15). */
  tls: boolean;
}

/** A LanChat host. @public */
export interface ChatServer {
  /** Starts listening; resolves with the bound address. Rejects with {@link HostStartError}. */
  start(): Promise<AddressInfo>;
  /** Closes every connection (1001) and stops listening. Safe to call twice. */
  close(): Promise<void>;
  /** The lifecycle state. */
  readonly state: ChatServerState;
  /**
   * Random id of this server object (`/rooms` and the LAN announcement
   * give it), so a client that reaches one host by several addresses
   * lists it once.
   */
  readonly instanceId: string;
  /** The bound address while running. */
  address(): AddressInfo | undefined;
  /** The `/health` report (the desktop host shows `status`/`problem`). */
  health(): HealthReport;
  /** Runs one history retention pass now (it also runs every `retention.intervalMs`). */
  pruneHistory(): Promise<RetentionReport>;
  /** Lets rooms that have been empty for `roomIdleMs` leave memory now (it also runs on a timer); returns how many left. */
  sweepRooms(): number;
  /**
   * Open TCP sockets of the HTTP server (requests in progress, idle
   * keep-alive sockets, upgraded WebSockets), as counted for the
   * per-address limit. For diagnostics and tests.
   */
  socketCount(): number;
  /**
   * SHA-256 fingerprint (`AB:CD:…`) of the certificate the host serves with
   * `tls`, which clients pin; `undefined` without TLS. The host screen shows
   * it with `shortFingerprint` (server/protocol/fingerprint.ts).
   */
  readonly tlsFingerprint: string | undefined;
  /** The plain-HTTP listener's address while running, when `httpForBrowsersPort` is set. */
  httpForBrowsersAddress(): AddressInfo | undefined;
}

/** Sockets (or sessions) refused over a per-address limit per warning logged. */
const SOCKET_REFUSALS_PER_LOG_LINE = 100;

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

/** The response to a request Node could not parse or did not receive in time. */
function clientErrorResponse(code: string | undefined): string {
  const status =
    code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
  return `HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`;
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
  // Checked before the history file is opened (and locked), so a bad
  // certificate or key does not leave it open.
  const tlsFingerprint = config.tls === undefined ? undefined : checkTls(config.tls);
  const store: HistoryStore = openHistoryStore(config.dataPath, {
    freshHistory: config.freshHistory,
    onWarning: (message) => logger.warn(message),
  });
  const committer = new GroupCommitter(store, logger);
  const rooms = new RoomRegistry(
    {
      maxHistory: config.maxHistoryPerRoom,
      maxRooms: config.maxRooms,
      defaultMaxMembers: config.maxMembersPerRoom,
      maxHistoryBytes: config.maxHistoryBytesPerRoom,
      maxCachedBytes: config.maxCachedHistoryBytes,
      idleMs: config.roomIdleMs,
    },
    { store, committer },
    config.now,
  );
  // Rooms nobody wrote in (left by an older host, or by a crash) are not
  // kept: they would come back forever and count against maxRooms. No room
  // is loaded at start; each comes from the store on its first join.
  store.deleteUnusedRooms();
  for (const room of config.rooms) rooms.configure(room.name, room.maxMembers ?? config.maxMembersPerRoom);
  const roomPolicies = new Map(config.rooms.map((room) => [roomKey(room.name), room.retention]));
  const { graceMs: retentionGraceMs, intervalMs: retentionIntervalMs, ...hostRetention } = config.retention;
  const retentionFor = (key: string): RetentionPolicy => ({ ...hostRetention, ...roomPolicies.get(key) });
  const roomCreationByAddress = new KeyedTokenBuckets(config.roomCreation.perAddress, config.roomCreation.intervalMs);
  const sessions = new Map<ClientConnection, ChatSession>();
  const isAllowedOrigin = createOriginCheck(config.allowedOrigins);
  const startedAt = Date.now();
  const instanceId = randomUUID();
  const roomsEndpoint = createRoomsEndpoint({
    host: () => ({ version: config.version, hostName: config.hostName, instanceId, guestRooms: config.guestRooms, tls: tlsFingerprint !== undefined, fingerprint: tlsFingerprint }),
    rooms: (limit) => rooms.directory(limit),
    now: config.now,
  });
  let state: ChatServerState = 'idle';
  let closing: Promise<void> | undefined;

  const context: SessionContext = {
    rooms,
    logger,
    maxTextBytes: config.maxTextBytes,
    historyOnJoin: config.historyOnJoin,
    idleTimeoutMs: config.idleTimeoutMs,
    rateLimit: config.rateLimit,
    roomCreation: { perConnection: config.roomCreation.perConnection, intervalMs: config.roomCreation.intervalMs },
    roomCreationByAddress,
    historyResponseBytes: HISTORY_RESPONSE_MAX_BYTES,
    now: config.now,
    joinThrottle: new JoinThrottle({ ...config.joinThrottle, logger }),
    guestRooms: config.guestRooms,
    tls: tlsFingerprint !== undefined,
  };

  // One client must not fill the host (issue 13, finding 10: 3,000 SockJS
  // sessions from one address, opened by a foreign page's <script> tags,
  // took all 2,048 slots). Sessions are counted per address, and those
  // opened without an Origin header, which is what such a page sends,
  // against a lower limit.
  const sessionsByAddress = new AddressCounter(config.maxSessionsPerAddress);
  const originlessByAddress = new AddressCounter(Math.min(config.maxSessionsWithoutOriginPerAddress, config.maxSessionsPerAddress));

  let refusedSessions = 0;
  const refuseSession = (connection: ClientConnection, why: string, fields: Record<string, unknown>): void => {
    // Logged once per SOCKET_REFUSALS_PER_LOG_LINE: a client opening thousands must not fill the log too.
    if (refusedSessions++ % SOCKET_REFUSALS_PER_LOG_LINE === 0) logger.warn(why, { ...fields, refused: refusedSessions });
    connection.close(CloseCode.HostFull, 'too many connections from your address');
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
    const address = addressKey(connection.remoteAddress);
    const originless = connection.origin === undefined;
    if (originless && !originlessByAddress.tryAcquire(address)) {
      refuseSession(connection, 'connection refused: too many sessions without Origin from one address', {
        address,
        limit: config.maxSessionsWithoutOriginPerAddress,
      });
      return;
    }
    if (!sessionsByAddress.tryAcquire(address)) {
      if (originless) originlessByAddress.release(address);
      refuseSession(connection, 'connection refused: too many sessions from one address', { address, limit: config.maxSessionsPerAddress });
      return;
    }
    sessions.set(connection, new ChatSession(connection, context));
    logger.debug('connection opened', { connection: connection.id, transport: connection.transport, encrypted: connection.encrypted === true });
    connection.onClose(() => {
      sessions.delete(connection);
      sessionsByAddress.release(address);
      if (originless) originlessByAddress.release(address);
    });
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
  const timers: NodeJS.Timeout[] = [];
  let retentionRun: Promise<RetentionReport> | undefined;

  const pruneHistory = (): Promise<RetentionReport> => {
    // One pass at a time; a caller during a pass gets that pass's report.
    retentionRun ??= runRetention({
      store,
      policyFor: retentionFor,
      graceMs: retentionGraceMs,
      now: config.now,
      onPruned: (key, throughSeq) => rooms.pruned(key, throughSeq),
      logger,
      stopped: () => state === 'closing' || state === 'closed',
    }).finally(() => {
      retentionRun = undefined;
    });
    return retentionRun;
  };

  const sweepRooms = (): number => {
    const left = rooms.sweep();
    roomCreationByAddress.prune(config.now());
    roomsEndpoint.prune(config.now());
    return left;
  };

  const health = (): HealthReport => {
    const roomList = rooms
      .summaries()
      .map((room) =>
        room.protected
          ? { name: room.name, protected: true }
          : { name: room.name, protected: false, members: room.members, lastSeq: room.lastSeq },
      );
    const failure = committer.failure;
    return {
      status: failure === undefined ? 'ok' : 'degraded',
      ...(failure === undefined
        ? {}
        : {
            problem: {
              code: 'HEALTH_STORAGE_FLUSH_FAILED' as const,
              message: `Flushing the history to disk failed (${failure.message}); the host refuses messages until it restarts.`,
            },
          }),
      name: 'lanchat',
      version: config.version,
      protocol: PROTOCOL_VERSION,
      uptimeMs: Date.now() - startedAt,
      members: rooms.all().reduce((sum, room) => sum + room.size, 0),
      connections: sessions.size,
      rooms: roomList,
      memory: rooms.memory(),
      tls: config.tls !== undefined,
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
      const report = health();
      // 503 while degraded, so monitors that look only at the status see it too.
      response.writeHead(report.status === 'ok' ? 200 : 503, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
      response.end(JSON.stringify(report));
      return;
    }
    if (pathname === ENDPOINT_PATHS.rooms) {
      roomsEndpoint.handle(request, response);
      return;
    }
    if (config.webRoot === undefined) {
      response.writeHead(404, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' });
      response.end('This LanChat host serves no web client. Connect a LanChat app to /sockjs or /ws.');
      return;
    }
    serveStatic(config.webRoot, request, response, pathname).catch((error: unknown) => {
      logger.error('static file error', { error: String(error) });
      if (!response.headersSent) response.writeHead(500, SECURITY_HEADERS);
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

  const httpOptions = {
    headersTimeout: config.headersTimeoutMs,
    requestTimeout: config.requestTimeoutMs,
    connectionsCheckingInterval: HTTP_TIMEOUT_CHECK_INTERVAL_MS,
  };
  // With TLS the main listener is HTTPS: the same request and upgrade
  // handlers, so /ws, /sockjs, /health and the web client are the same
  // routes over TLS (issue 15). An optional second, plain listener serves
  // browsers that will not accept a self-signed certificate.
  const httpServer: Server = config.tls === undefined ? createServer(httpOptions, onRequest) : createTlsListener(config.tls, httpOptions, onRequest);
  const browserServer: Server | undefined = config.httpForBrowsersPort === undefined ? undefined : createServer(httpOptions, onRequest);
  const listeners = browserServer === undefined ? [httpServer] : [httpServer, browserServer];
  for (const listener of listeners) listener.on('upgrade', onUpgrade);
  // A TLS handshake that fails or does not finish in time: Node destroys the socket; only log it.
  httpServer.on('tlsClientError', (error: NodeJS.ErrnoException) => logger.debug('tls handshake failed', { code: error.code, error: error.message }));

  // Sockets per client address, counted when the socket is accepted: before
  // any byte is read, so half-sent requests count too.
  const socketsByAddress = new AddressCounter(config.maxSocketsPerAddress);
  let openSockets = 0;
  let refusedSockets = 0;
  const onSocket = (socket: Socket): void => {
    const address = addressKey(socket.remoteAddress);
    if (!socketsByAddress.tryAcquire(address)) {
      // Logged once per SOCKET_REFUSALS_PER_LOG_LINE so a flood does not flood the log too.
      if (refusedSockets++ % SOCKET_REFUSALS_PER_LOG_LINE === 0) {
        logger.warn('socket refused: too many from one address', { address, limit: config.maxSocketsPerAddress, refused: refusedSockets });
      }
      socket.destroy();
      return;
    }
    openSockets += 1;
    socket.once('close', () => {
      openSockets -= 1;
      socketsByAddress.release(address);
    });
  };
  // On the HTTPS listener 'connection' comes with the TCP socket, before the
  // TLS handshake: sockets that never finish one count too.
  for (const listener of listeners) listener.on('connection', onSocket);

  // A malformed request, or one whose headers or body did not arrive in
  // time (a slowloris): answer if nothing was sent yet, then destroy the
  // socket. Ending it is not enough: the server keeps half-open sockets
  // (allowHalfOpen), so an ended socket stays until the client closes its
  // side, which a slowloris never does (issue 13, finding 5: 2,999 of 3,000
  // such sockets were still open 100 s later). Node's own handler does the same.
  const onClientError = (error: NodeJS.ErrnoException, socket: Duplex): void => {
    logger.debug('http client error', { code: error.code });
    const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (socket.writable && !inFlight?.headersSent) socket.write(clientErrorResponse(error.code));
    socket.destroy();
  };
  for (const listener of listeners) listener.on('clientError', onClientError);

  return {
    get state() {
      return state;
    },
    instanceId,
    address() {
      const address = httpServer.address();
      return address !== null && typeof address === 'object' ? address : undefined;
    },
    health,
    pruneHistory,
    sweepRooms,
    socketCount: () => openSockets,
    tlsFingerprint,
    httpForBrowsersAddress() {
      const address = state === 'running' ? browserServer?.address() : undefined;
      return address !== null && typeof address === 'object' ? address : undefined;
    },
    async start() {
      if (state !== 'idle') throw new Error(`cannot start a server that is ${state}`);
      state = 'starting';
      try {
        await applyRoomPasswords(store, config, logger);
      } catch (error) {
        state = 'closed';
        store.close();
        throw error;
      }
      if (browserServer !== undefined) {
        // The plain listener first: when its port is taken the host does not start at all.
        try {
          await listenForBrowsers(browserServer, config.host, config.httpForBrowsersPort ?? 0, logger);
        } catch (error) {
          state = 'closed';
          store.close();
          throw error;
        }
      }
      return new Promise<AddressInfo>((resolve, reject) => {
        const onError = (error: NodeJS.ErrnoException): void => {
          state = 'closed';
          browserServer?.close();
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
          const sweepTimer = setInterval(sweepRooms, Math.max(1, Math.floor(config.roomIdleMs / ROOM_SWEEPS_PER_IDLE)));
          const retentionTimer = setInterval(() => {
            pruneHistory().catch((error: unknown) => logger.error('history retention failed', { error: String(error) }));
          }, retentionIntervalMs);
          sweepTimer.unref();
          retentionTimer.unref();
          timers.push(sweepTimer, retentionTimer);
          const address = httpServer.address() as AddressInfo;
          logger.info('LanChat host listening', { address: address.address, port: address.port, tls: config.tls !== undefined, fingerprint: tlsFingerprint });
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
      for (const timer of timers.splice(0)) clearInterval(timer);
      closing = new Promise<void>((resolve) => {
        ws.close(CloseCode.GoingAway, 'host shutting down');
        sockJs.close(CloseCode.GoingAway, 'host shutting down');
        testServices?.close(CloseCode.GoingAway, 'host shutting down');
        httpServer.close(() => {
          // Messages accepted but not yet committed are written before the
          // database closes; their senders are gone, and they resend anyway.
          committer.flush();
          // Rooms nobody wrote in are not kept for the next start.
          try {
            rooms.forgetUnused();
          } catch (error) {
            logger.warn('could not forget unused rooms at shutdown', { error: String(error) });
          }
          const closeStore = (): void => {
            store.close();
            state = 'closed';
            resolve();
          };
          // A retention pass in progress stops at its next step; the store closes after it.
          if (retentionRun) retentionRun.then(closeStore, closeStore);
          else closeStore();
        });
        browserServer?.close();
        for (const listener of listeners) listener.closeIdleConnections();
        // Long-polling and streaming responses hold sockets open; after a
        // grace period they are cut so close() always settles.
        setTimeout(() => {
          for (const listener of listeners) listener.closeAllConnections();
        }, CLOSE_GRACE_MS).unref();
      });
      return closing;
    },
  };
}

/**
 * Applies the configured rooms' passwords to their stored protection
 * before the host listens (issue 13 item 1): a room's protection is part of
 * its stored state, so a room protected before stays protected whatever
 * the configuration says. A password for an already protected room must
 * match (checked with scrypt, off the event loop) unless the configuration
 * says `changePassword`; `removePassword` opens the room again.
 *
 * @throws HostStartError with code `EROOMPASSWORD` when a password does not match
 */
async function applyRoomPasswords(store: HistoryStore, config: ResolvedOptions, logger: ResolvedOptions['logger']): Promise<void> {
  for (const room of config.rooms) {
    const key = roomKey(room.name);
    const stored = store.roomInfo(key)?.verifier;
    if (room.removePassword) {
      if (stored !== undefined) {
        store.setVerifier(key, room.name, undefined, config.now());
        logger.info('room password removed', { room: room.name });
      }
      continue;
    }
    if (room.password === undefined) continue;
    if (stored !== undefined && !room.changePassword) {
      if (await verifyPassword(room.password, stored)) continue;
      throw new HostStartError(
        'EROOMPASSWORD',
        config.port,
        `Room "${room.name}" is protected by another password. Give its current password, or replace it with --change-password (library: changePassword), or open it with --remove-password (removePassword).`,
      );
    }
    store.setVerifier(key, room.name, await createVerifier(room.password), config.now());
    if (stored !== undefined) logger.info('room password changed', { room: room.name });
  }
}

/**
 * Checks the `tls` option the way the HTTPS listener will use it (a TLS
 * context from the certificate and key) and returns the certificate's
 * fingerprint.
 *
 * @throws TypeError when the certificate or key cannot be used, or do not belong together
 */
function checkTls(tls: { cert: string; key: string }): string {
  try {
    createSecureContext({ cert: tls.cert, key: tls.key });
    return fingerprintOfCertificate(tls.cert);
  } catch (error) {
    throw new TypeError(`tls: the certificate and key cannot be used: ${(error as Error).message}`);
  }
}

/**
 * The HTTPS listener for `tls` (checked by {@link checkTls}): the HTTP
 * server's options, and a TLS handshake that must finish within the
 * headers timeout (Node's default is 120 s, which would let a client that
 * never says hello hold a socket twelve times longer than one that never
 * sends its headers).
 */
function createTlsListener(
  tls: { cert: string; key: string },
  httpOptions: { headersTimeout: number; requestTimeout: number; connectionsCheckingInterval: number },
  onRequest: (request: IncomingMessage, response: ServerResponse) => void,
): Server {
  return createHttpsServer({ ...httpOptions, cert: tls.cert, key: tls.key, handshakeTimeout: httpOptions.headersTimeout }, onRequest) as unknown as Server;
}

/**
 * Starts the plain-HTTP listener for browsers (`httpForBrowsersPort`).
 *
 * @throws HostStartError naming that port when it cannot listen
 */
function listenForBrowsers(server: Server, host: string, port: number, logger: ResolvedOptions['logger']): Promise<AddressInfo> {
  return new Promise<AddressInfo>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      const code = error.code ?? 'UNKNOWN';
      const message =
        code === 'EADDRINUSE'
          ? `Port ${port} (plain HTTP for browsers) is already in use on ${host}.`
          : `Cannot listen for browsers on ${host}:${port}: ${error.message}`;
      reject(new HostStartError(code, port, message));
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      server.on('error', (error) => logger.error('http (browsers) server error', { error: error.message }));
      const address = server.address() as AddressInfo;
      logger.info('LanChat host listening for browsers without encryption', { address: address.address, port: address.port });
      resolve(address);
    });
  });
}
