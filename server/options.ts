/**
 * Options of {@link createChatServer}, each documented where it gets its
 * default (the ws `WebSocketServer` convention, shared/STYLE.md §1), and the
 * one function that merges and checks them.
 *
 * @public
 */
import { hostname } from 'node:os';

import {
  DEFAULT_BIND_ADDRESS,
  DEFAULT_MAX_CACHED_HISTORY_BYTES,
  DEFAULT_MAX_HISTORY_BYTES_PER_ROOM,
  DEFAULT_RETENTION_GRACE_MS,
  DEFAULT_RETENTION_INTERVAL_MS,
  DEFAULT_ROOM_CREATION_INTERVAL_MS,
  DEFAULT_ROOM_CREATIONS_PER_ADDRESS,
  DEFAULT_ROOM_CREATIONS_PER_CONNECTION,
  DEFAULT_ROOM_IDLE_MS,
  DEFAULT_HEADERS_TIMEOUT_MS,
  DEFAULT_HISTORY_ON_JOIN,
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_JOIN_BASE_DELAY_MS,
  DEFAULT_JOIN_FREE_FAILURES,
  DEFAULT_JOIN_MAX_DELAY_MS,
  DEFAULT_JOIN_TIMEOUT_MS,
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_MAX_HISTORY_PER_ROOM,
  DEFAULT_MAX_MEMBERS_PER_ROOM,
  DEFAULT_MAX_ROOMS,
  DEFAULT_MAX_SESSIONS_PER_ADDRESS,
  DEFAULT_MAX_SESSIONS_WITHOUT_ORIGIN_PER_ADDRESS,
  DEFAULT_MAX_SOCKETS_PER_ADDRESS,
  DEFAULT_PORT,
  DEFAULT_RATE_LIMIT_INTERVAL_MS,
  DEFAULT_RATE_LIMIT_MESSAGES,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_SEND_BUFFER_BYTES,
  DEFAULT_SEND_TIME_LIMIT_MS,
  MAX_FRAME_BYTES,
  SOCKJS_DISCONNECT_DELAY_MS,
  SOCKJS_HEARTBEAT_MS,
  SOCKJS_MESSAGE_CACHE_SIZE,
  SOCKJS_STREAM_BYTES_LIMIT,
  WS_PING_INTERVAL_MS,
} from './constants';
import { IN_MEMORY } from './history-store';
import { silentLogger, type Logger } from './logger';
import { normaliseAllowedOrigins, type AllowedOrigins } from './origin-check';
import { ANNOUNCED_NAME_MAX_LENGTH, DEFAULT_MAX_TEXT_BYTES, PASSWORD_MAX_LENGTH, checkRoomName } from './protocol';
import type { RetentionPolicy } from './retention';

/** SockJS endpoint options (the Spring design's defaults). @public */
export interface SockJsOptions {
  /** Heartbeat frame interval in ms. @default 25000 */
  heartbeatMs?: number;
  /** How long a session outlives its last HTTP request, in ms. @default 5000 */
  disconnectDelayMs?: number;
  /** Bytes per streaming response before the client reopens it. @default 131072 */
  streamBytesLimit?: number;
  /**
   * Messages a session may hold while no HTTP request is there to take them
   * (polling transports between polls); past it the session is a slow
   * consumer and is closed with 4002. @default 100
   */
  messageCacheSize?: number;
  /** Offer the websocket transport. @default true */
  websocket?: boolean;
  /**
   * Set a `JSESSIONID` cookie on SockJS requests (for load balancers with
   * sticky sessions); `/info` then reports `cookie_needed: true`. @default false
   */
  sessionCookie?: boolean;
}

/** A room created at start, with its own rules. @public */
export interface RoomConfig {
  name: string;
  /** Members must give this password to join. @default none */
  password?: string;
  /** Most members. @default the server's maxMembersPerRoom */
  maxMembers?: number;
  /**
   * A room's protection is stored with it (a scrypt verifier, never the
   * password) and survives restarts whatever the configuration says. For a
   * room already protected, `password` must match the stored one, or the
   * host refuses to start (HostStartError `EROOMPASSWORD`), unless this is
   * set: then `password` replaces it. @default false
   */
  changePassword?: boolean;
  /** Makes a protected room open again (an explicit host action; contradicts `password`). @default false */
  removePassword?: boolean;
  /** This room's history retention; its limits replace the host's ({@link ChatServerOptions.retention}) one by one. @default the host's */
  retention?: RetentionPolicy;
}

/** History retention of a host. @public */
export interface RetentionOptions extends RetentionPolicy {
  /** Never delete messages younger than this (resends must still find them), in ms. @default 86400000 (a day) */
  graceMs?: number;
  /** How often retention runs, in ms. @default 600000 */
  intervalMs?: number;
}

/** How fast clients may create rooms that do not exist yet (token buckets). @public */
export interface RoomCreationLimit {
  /** New rooms one connection may create per interval. @default 5 */
  perConnection: number;
  /** New rooms all connections from one address may create per interval. @default 20 */
  perAddress: number;
  /** Time over which the allowances refill completely, in ms. @default 60000 */
  intervalMs: number;
}

/** Per-connection message rate limit (a token bucket). @public */
export interface RateLimit {
  /** Messages allowed in a burst. @default 30 */
  messages: number;
  /** Time over which the bucket refills completely, in ms. @default 10000 */
  intervalMs: number;
}

/**
 * How failed joins to password-protected rooms are slowed down (see
 * server/join-throttle.ts): after `freeFailures` wrong passwords from one
 * address, its next password check waits `baseDelayMs`, doubling with each
 * further wrong one up to `maxDelayMs`. @public
 */
export interface JoinThrottleOptions {
  /** Wrong passwords an address may give before it is slowed down. @default 5 */
  freeFailures?: number;
  /** First delay, in ms. @default 1000 */
  baseDelayMs?: number;
  /** Longest delay, in ms. @default 60000 */
  maxDelayMs?: number;
}

/** Options of {@link createChatServer}. @public */
export interface ChatServerOptions {
  /** TCP port; 0 picks a free one. @default 8080 */
  port?: number;
  /** Address to bind; `'0.0.0.0'` reaches the LAN, `'127.0.0.1'` only this machine. @default '0.0.0.0' */
  host?: string;
  /** Rooms that exist from the start (others are created on first join). @default [] */
  rooms?: Array<string | RoomConfig>;
  /**
   * Browser origins allowed besides the host's own and the desktop app's:
   * `http(s)://host[:port]` entries, or `'*'` for any. @default []
   */
  allowedOrigins?: AllowedOrigins;
  /** Directory of the built web client, served at `/`; none is served when omitted. */
  webRoot?: string;
  /**
   * SQLite file holding every room's history; it survives restarts. The
   * default keeps history in memory only (tests, benchmarks); the CLI and
   * the desktop app always give a file. @default ':memory:'
   */
  dataPath?: string;
  /**
   * Start even though the history file lost messages its record says it
   * held (emptied, replaced, restored from an older copy): the host begins a
   * new history (new history id) with what the file holds. Without it such
   * a file is refused with `HISTORY_ERR_LOST`. No effect when nothing was
   * lost. CLI: `--fresh-history`. @default false
   */
  freshHistory?: boolean;
  /** Longest message text in UTF-8 bytes. @default 8192 */
  maxTextBytes?: number;
  /** Largest WebSocket frame in bytes on the raw endpoint (over it: close 1009). @default 65536 */
  maxFrameBytes?: number;
  /** Most open connections; more are closed with 4001. @default 2048 */
  maxConnections?: number;
  /**
   * Most TCP sockets one client address may hold; more are
   * closed as soon as they are accepted. @default 256
   */
  maxSocketsPerAddress?: number;
  /** Most chat sessions from one client address; more are closed with 4001. @default 32 */
  maxSessionsPerAddress?: number;
  /**
   * Most chat sessions from one client address opened without an `Origin`
   * header (non-browser clients, SockJS jsonp/htmlfile); more are closed
   * with 4001. @default 8
   */
  maxSessionsWithoutOriginPerAddress?: number;
  /** How long a client may take to send a request's headers before its socket is closed, in ms. @default 10000 */
  headersTimeoutMs?: number;
  /** How long a client may take to send a whole request, in ms (not less than headersTimeoutMs). @default 30000 */
  requestTimeoutMs?: number;
  /** Slowing down of wrong room passwords. @default { freeFailures: 5, baseDelayMs: 1000, maxDelayMs: 60000 } */
  joinThrottle?: JoinThrottleOptions;
  /** Most members per room unless the room says otherwise. @default 1024 */
  maxMembersPerRoom?: number;
  /** Most rooms; joining a new room past it fails with CHAT_ERR_TOO_MANY_ROOMS. @default 256 */
  maxRooms?: number;
  /** Messages kept per room for catch-up. @default 1000 */
  maxHistoryPerRoom?: number;
  /** Bytes of one room's in-memory history (older messages are read from disk). @default 2097152 */
  maxHistoryBytesPerRoom?: number;
  /** Bytes of in-memory history across all rooms. @default 67108864 */
  maxCachedHistoryBytes?: number;
  /**
   * A room nobody has been in for this long leaves memory (its history stays
   * on disk); one nobody ever wrote in, outside `rooms` and without a
   * password, is forgotten. In ms. @default 300000
   */
  roomIdleMs?: number;
  /** How fast clients may create new rooms. @default { perConnection: 5, perAddress: 20, intervalMs: 60000 } */
  roomCreation?: Partial<RoomCreationLimit>;
  /** History retention for every room (a room's own `retention` overrides it). @default keep everything */
  retention?: RetentionOptions;
  /** Messages a `welcome` carries when the join gives no `since`. @default 100 */
  historyOnJoin?: number;
  /** Close connections silent this long (4000), in ms. @default 45000 */
  idleTimeoutMs?: number;
  /** Close connections that have not joined a room this long after opening (4000), in ms. @default 30000 */
  joinTimeoutMs?: number;
  /** WebSocket ping interval on `/ws`; a peer missing a pong is dropped at the next one. @default 20000 */
  pingIntervalMs?: number;
  /** Per-connection message rate limit. @default { messages: 30, intervalMs: 10000 } */
  rateLimit?: RateLimit;
  /** Bytes that may wait for one client before it is a slow consumer (4002). @default 524288 */
  sendBufferBytes?: number;
  /** How long one client's queue may stay backed up before it is a slow consumer (4002), in ms. @default 10000 */
  sendTimeLimitMs?: number;
  /** SockJS endpoint options. */
  sockjs?: SockJsOptions;
  /**
   * Mount the SockJS protocol test suite's services (`/echo`,
   * `/disabled_websocket_echo`, `/cookie_needed_echo`, `/close`) beside the
   * chat endpoints. For conformance testing only. @default false
   */
  sockjsTestServices?: boolean;
  /** Where the server logs. @default silentLogger */
  logger?: Logger;
  /** Clock in ms since the epoch. @default Date.now */
  now?: () => number;
  /** Application version reported by `/health`. @default '0.0.0' */
  version?: string;
  /**
   * The host's display name in `/rooms` and the LAN announcement; trimmed
   * and cut to 63 characters (announcement.ts ANNOUNCED_NAME_MAX_LENGTH).
   * CLI: `--host-name`. @default os.hostname()
   */
  hostName?: string;
  /**
   * Let members create rooms that do not exist yet (a join with `create:
   * true`); when false, such a join is refused with
   * `CHAT_ERR_ROOM_CREATION_FORBIDDEN` and only the rooms in `rooms` (and
   * those already stored) can be joined. CLI: `--no-guest-rooms`. @default true
   */
  guestRooms?: boolean;
  /**
   * Serve HTTPS and WSS on `port` with this certificate and private key
   * (PEM), instead of plain HTTP (issue 15). Every route is the same: `/ws`,
   * `/sockjs`, `/health`, the web client. server/tls-identity.ts makes or
   * loads one; the server's `tlsFingerprint` is what clients pin.
   * CLI: `--tls`, `--tls-cert`/`--tls-key`. @default undefined (plain HTTP)
   */
  tls?: TlsOptions;
  /**
   * With `tls`, also serve the same routes over plain HTTP on this port
   * (0 picks a free one), for browsers that will not accept the
   * self-signed certificate. Members connected there are not encrypted
   * (their session's `encrypted` is false). Needs `tls`.
   * CLI: `--http-for-browsers <port>`. @default undefined (no plain listener)
   */
  httpForBrowsersPort?: number;
}

/** A certificate and its private key, PEM, for {@link ChatServerOptions.tls}. @public */
export interface TlsOptions {
  /** The certificate (or chain), PEM. */
  cert: string;
  /** Its private key, PEM. */
  key: string;
}

/** Options after defaults are applied. */
export interface ResolvedOptions {
  port: number;
  host: string;
  rooms: RoomConfig[];
  allowedOrigins: AllowedOrigins;
  webRoot: string | undefined;
  dataPath: string;
  freshHistory: boolean;
  maxTextBytes: number;
  maxFrameBytes: number;
  maxConnections: number;
  maxSocketsPerAddress: number;
  maxSessionsPerAddress: number;
  maxSessionsWithoutOriginPerAddress: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  joinThrottle: Required<JoinThrottleOptions>;
  maxMembersPerRoom: number;
  maxRooms: number;
  maxHistoryPerRoom: number;
  maxHistoryBytesPerRoom: number;
  maxCachedHistoryBytes: number;
  roomIdleMs: number;
  roomCreation: RoomCreationLimit;
  retention: RetentionPolicy & { graceMs: number; intervalMs: number };
  historyOnJoin: number;
  idleTimeoutMs: number;
  joinTimeoutMs: number;
  pingIntervalMs: number;
  rateLimit: RateLimit;
  sendBufferBytes: number;
  sendTimeLimitMs: number;
  sockjs: Required<SockJsOptions>;
  sockjsTestServices: boolean;
  logger: Logger;
  now: () => number;
  version: string;
  hostName: string;
  guestRooms: boolean;
  tls: TlsOptions | undefined;
  httpForBrowsersPort: number | undefined;
}

const MAX_PORT = 65_535;

/**
 * A host name as `/rooms` and the announcement give it: trimmed, at most
 * ANNOUNCED_NAME_MAX_LENGTH UTF-16 units (never half a surrogate pair); a
 * blank one is the computer's name.
 */
function announcedName(name: string): string {
  const trimmed = name.trim() || hostname().trim();
  const cut = trimmed.slice(0, ANNOUNCED_NAME_MAX_LENGTH);
  return /[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut;
}

/**
 * Drops keys whose value is `undefined`, so `{ maxTextBytes: undefined }`
 * (what the CLI passes for an omitted flag) keeps the default instead of
 * overwriting it.
 */
function definedOnly<T extends object>(value: T | undefined): Partial<T> {
  return Object.fromEntries(Object.entries(value ?? {}).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value <= 0) throw new TypeError(`${name} must be a positive integer, got ${value}`);
  return value;
}

function resolveRoom(room: string | RoomConfig, maxMembersPerRoom: number): RoomConfig {
  const config = typeof room === 'string' ? { name: room } : room;
  // The same check (and NFKC form) as a join's room name, so a configured
  // room is the one members reach.
  const checked = typeof config.name === 'string' ? checkRoomName(config.name) : undefined;
  if (!checked?.ok) throw new TypeError(`invalid room name ${JSON.stringify(config.name)}`);
  const name = checked.name;
  const resolved: RoomConfig = { name, maxMembers: config.maxMembers ?? maxMembersPerRoom };
  positiveInteger(`rooms[${name}].maxMembers`, resolved.maxMembers ?? 0);
  const hasPassword = config.password !== undefined && config.password !== '';
  if (config.removePassword === true && hasPassword) {
    throw new TypeError(`rooms[${name}]: removePassword contradicts password`);
  }
  if (config.changePassword === true && !hasPassword) {
    throw new TypeError(`rooms[${name}]: changePassword needs the new password`);
  }
  if (config.removePassword === true) resolved.removePassword = true;
  if (config.changePassword === true) resolved.changePassword = true;
  if (config.retention !== undefined) resolved.retention = resolveRetentionPolicy(`rooms[${name}].retention`, config.retention);
  if (config.password !== undefined && config.password !== '') {
    if (config.password.length > PASSWORD_MAX_LENGTH) {
      throw new TypeError(`rooms[${name}].password is longer than ${PASSWORD_MAX_LENGTH} characters`);
    }
    resolved.password = config.password;
  }
  return resolved;
}

function resolveRetentionPolicy(name: string, policy: RetentionPolicy): RetentionPolicy {
  const resolved: RetentionPolicy = {};
  for (const field of ['maxAgeMs', 'maxMessages', 'maxBytes'] as const) {
    const value = policy[field];
    if (value !== undefined) resolved[field] = positiveInteger(`${name}.${field}`, value);
  }
  return resolved;
}

/**
 * Applies defaults and rejects impossible or contradictory options with a
 * `TypeError` naming them.
 *
 * @public
 */
export function resolveOptions(options: ChatServerOptions = {}): ResolvedOptions {
  const given = definedOnly(options);
  if (options.hostName !== undefined && typeof options.hostName !== 'string') throw new TypeError('hostName must be a string');
  if (options.guestRooms !== undefined && typeof options.guestRooms !== 'boolean') throw new TypeError('guestRooms must be true or false');
  const resolved: ResolvedOptions = {
    port: DEFAULT_PORT,
    host: DEFAULT_BIND_ADDRESS,
    webRoot: undefined,
    dataPath: IN_MEMORY,
    freshHistory: false,
    maxTextBytes: DEFAULT_MAX_TEXT_BYTES,
    maxFrameBytes: MAX_FRAME_BYTES,
    maxConnections: DEFAULT_MAX_CONNECTIONS,
    maxSocketsPerAddress: DEFAULT_MAX_SOCKETS_PER_ADDRESS,
    maxSessionsPerAddress: DEFAULT_MAX_SESSIONS_PER_ADDRESS,
    maxSessionsWithoutOriginPerAddress: DEFAULT_MAX_SESSIONS_WITHOUT_ORIGIN_PER_ADDRESS,
    headersTimeoutMs: DEFAULT_HEADERS_TIMEOUT_MS,
    requestTimeoutMs: DEFAULT_REQUEST_TIMEOUT_MS,
    maxMembersPerRoom: DEFAULT_MAX_MEMBERS_PER_ROOM,
    maxRooms: DEFAULT_MAX_ROOMS,
    maxHistoryPerRoom: DEFAULT_MAX_HISTORY_PER_ROOM,
    maxHistoryBytesPerRoom: DEFAULT_MAX_HISTORY_BYTES_PER_ROOM,
    maxCachedHistoryBytes: DEFAULT_MAX_CACHED_HISTORY_BYTES,
    roomIdleMs: DEFAULT_ROOM_IDLE_MS,
    historyOnJoin: DEFAULT_HISTORY_ON_JOIN,
    idleTimeoutMs: DEFAULT_IDLE_TIMEOUT_MS,
    joinTimeoutMs: DEFAULT_JOIN_TIMEOUT_MS,
    pingIntervalMs: WS_PING_INTERVAL_MS,
    sendBufferBytes: DEFAULT_SEND_BUFFER_BYTES,
    sendTimeLimitMs: DEFAULT_SEND_TIME_LIMIT_MS,
    sockjsTestServices: false,
    logger: silentLogger,
    now: Date.now,
    version: '0.0.0',
    guestRooms: true,
    tls: undefined,
    httpForBrowsersPort: undefined,
    ...given,
    hostName: announcedName(options.hostName ?? hostname()),
    rooms: [],
    roomCreation: {
      perConnection: DEFAULT_ROOM_CREATIONS_PER_CONNECTION,
      perAddress: DEFAULT_ROOM_CREATIONS_PER_ADDRESS,
      intervalMs: DEFAULT_ROOM_CREATION_INTERVAL_MS,
      ...definedOnly(options.roomCreation),
    },
    retention: {
      graceMs: DEFAULT_RETENTION_GRACE_MS,
      intervalMs: DEFAULT_RETENTION_INTERVAL_MS,
      ...definedOnly(options.retention),
    },
    allowedOrigins: normaliseAllowedOrigins(options.allowedOrigins),
    rateLimit: {
      messages: DEFAULT_RATE_LIMIT_MESSAGES,
      intervalMs: DEFAULT_RATE_LIMIT_INTERVAL_MS,
      ...definedOnly(options.rateLimit),
    },
    joinThrottle: {
      freeFailures: DEFAULT_JOIN_FREE_FAILURES,
      baseDelayMs: DEFAULT_JOIN_BASE_DELAY_MS,
      maxDelayMs: DEFAULT_JOIN_MAX_DELAY_MS,
      ...definedOnly(options.joinThrottle),
    },
    sockjs: {
      heartbeatMs: SOCKJS_HEARTBEAT_MS,
      disconnectDelayMs: SOCKJS_DISCONNECT_DELAY_MS,
      streamBytesLimit: SOCKJS_STREAM_BYTES_LIMIT,
      messageCacheSize: SOCKJS_MESSAGE_CACHE_SIZE,
      websocket: true,
      sessionCookie: false,
      ...definedOnly(options.sockjs),
    },
  };
  if (!Number.isInteger(resolved.port) || resolved.port < 0 || resolved.port > MAX_PORT) {
    throw new TypeError(`port must be an integer from 0 to ${MAX_PORT}, got ${resolved.port}`);
  }
  for (const name of [
    'maxTextBytes',
    'maxFrameBytes',
    'maxConnections',
    'maxSocketsPerAddress',
    'maxSessionsPerAddress',
    'maxSessionsWithoutOriginPerAddress',
    'headersTimeoutMs',
    'requestTimeoutMs',
    'maxMembersPerRoom',
    'maxRooms',
    'maxHistoryPerRoom',
    'maxHistoryBytesPerRoom',
    'maxCachedHistoryBytes',
    'roomIdleMs',
    'historyOnJoin',
    'idleTimeoutMs',
    'joinTimeoutMs',
    'pingIntervalMs',
    'sendBufferBytes',
    'sendTimeLimitMs',
  ] as const) {
    positiveInteger(name, resolved[name]);
  }
  positiveInteger('roomCreation.perConnection', resolved.roomCreation.perConnection);
  positiveInteger('roomCreation.perAddress', resolved.roomCreation.perAddress);
  positiveInteger('roomCreation.intervalMs', resolved.roomCreation.intervalMs);
  const { graceMs, intervalMs: retentionIntervalMs, ...hostPolicy } = resolved.retention;
  if (!Number.isInteger(graceMs) || graceMs < 0) throw new TypeError(`retention.graceMs must be a whole number of ms, got ${graceMs}`);
  positiveInteger('retention.intervalMs', retentionIntervalMs);
  resolved.retention = { ...resolveRetentionPolicy('retention', hostPolicy), graceMs, intervalMs: retentionIntervalMs };
  if (resolved.maxHistoryBytesPerRoom > resolved.maxCachedHistoryBytes) {
    throw new TypeError('maxHistoryBytesPerRoom must not exceed maxCachedHistoryBytes');
  }
  positiveInteger('rateLimit.messages', resolved.rateLimit.messages);
  positiveInteger('rateLimit.intervalMs', resolved.rateLimit.intervalMs);
  positiveInteger('joinThrottle.baseDelayMs', resolved.joinThrottle.baseDelayMs);
  positiveInteger('joinThrottle.maxDelayMs', resolved.joinThrottle.maxDelayMs);
  if (!Number.isInteger(resolved.joinThrottle.freeFailures) || resolved.joinThrottle.freeFailures < 0) {
    throw new TypeError(`joinThrottle.freeFailures must be a whole number, got ${resolved.joinThrottle.freeFailures}`);
  }
  if (resolved.joinThrottle.baseDelayMs > resolved.joinThrottle.maxDelayMs) {
    throw new TypeError('joinThrottle.baseDelayMs must not exceed joinThrottle.maxDelayMs');
  }
  if (resolved.headersTimeoutMs > resolved.requestTimeoutMs) {
    // Node refuses this combination too (ERR_OUT_OF_RANGE): the headers are part of the request.
    throw new TypeError('headersTimeoutMs must not exceed requestTimeoutMs');
  }
  positiveInteger('sockjs.heartbeatMs', resolved.sockjs.heartbeatMs);
  positiveInteger('sockjs.disconnectDelayMs', resolved.sockjs.disconnectDelayMs);
  positiveInteger('sockjs.streamBytesLimit', resolved.sockjs.streamBytesLimit);
  positiveInteger('sockjs.messageCacheSize', resolved.sockjs.messageCacheSize);
  if (resolved.maxTextBytes > resolved.maxFrameBytes) {
    throw new TypeError('maxTextBytes must not exceed maxFrameBytes: such messages could never arrive');
  }
  if (resolved.historyOnJoin > resolved.maxHistoryPerRoom) {
    throw new TypeError('historyOnJoin must not exceed maxHistoryPerRoom');
  }
  if (resolved.pingIntervalMs >= resolved.idleTimeoutMs) {
    throw new TypeError('pingIntervalMs must be shorter than idleTimeoutMs, or live /ws peers would time out');
  }
  if (resolved.tls !== undefined && (typeof resolved.tls.cert !== 'string' || typeof resolved.tls.key !== 'string')) {
    throw new TypeError('tls needs both cert and key, as PEM text');
  }
  if (resolved.httpForBrowsersPort !== undefined) {
    const browserPort = resolved.httpForBrowsersPort;
    if (!Number.isInteger(browserPort) || browserPort < 0 || browserPort > MAX_PORT) {
      throw new TypeError(`httpForBrowsersPort must be an integer from 0 to ${MAX_PORT}, got ${browserPort}`);
    }
    if (resolved.tls === undefined) throw new TypeError('httpForBrowsersPort needs tls: without it the host serves plain HTTP already');
    if (browserPort !== 0 && browserPort === resolved.port) throw new TypeError('httpForBrowsersPort must differ from port');
  }
  resolved.rooms = (options.rooms ?? []).map((room) => resolveRoom(room, resolved.maxMembersPerRoom));
  if (resolved.rooms.length > resolved.maxRooms) {
    throw new TypeError('rooms lists more rooms than maxRooms allows');
  }
  return resolved;
}
