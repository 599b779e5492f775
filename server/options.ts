/**
 * Options of {@link createChatServer}, each documented where it gets its
 * default (the ws `WebSocketServer` convention, shared/STYLE.md §1), and the
 * one function that merges and checks them.
 *
 * @public
 */
import {
  DEFAULT_BIND_ADDRESS,
  DEFAULT_HISTORY_ON_JOIN,
  DEFAULT_MAX_HISTORY_PER_ROOM,
  DEFAULT_PORT,
  MAX_FRAME_BYTES,
  SOCKJS_DISCONNECT_DELAY_MS,
  SOCKJS_HEARTBEAT_MS,
  SOCKJS_STREAM_BYTES_LIMIT,
} from './constants';
import { silentLogger, type Logger } from './logger';
import { DEFAULT_MAX_TEXT_BYTES, ROOM_MAX_LENGTH, ROOM_NAME_PATTERN } from './protocol';

/** SockJS endpoint options (the Spring design's defaults). @public */
export interface SockJsOptions {
  /** Heartbeat frame interval in ms. @default 25000 */
  heartbeatMs?: number;
  /** How long a session outlives its last HTTP request, in ms. @default 5000 */
  disconnectDelayMs?: number;
  /** Bytes per streaming response before the client reopens it. @default 131072 */
  streamBytesLimit?: number;
  /** Offer the websocket transport. @default true */
  websocket?: boolean;
}

/** Options of {@link createChatServer}. @public */
export interface ChatServerOptions {
  /** TCP port; 0 picks a free one. @default 8080 */
  port?: number;
  /** Address to bind; `'0.0.0.0'` reaches the LAN, `'127.0.0.1'` only this machine. @default '0.0.0.0' */
  host?: string;
  /** Rooms that exist from the start (others are created on first join). @default [] */
  rooms?: string[];
  /** Directory of the built web client, served at `/`; none is served when omitted. */
  webRoot?: string;
  /** Longest message text in UTF-8 bytes. @default 8192 */
  maxTextBytes?: number;
  /** Largest WebSocket frame in bytes on the raw endpoint (over it: close 1009). @default 65536 */
  maxFrameBytes?: number;
  /** Messages kept per room for catch-up. @default 1000 */
  maxHistoryPerRoom?: number;
  /** Messages a `welcome` carries when the join gives no `since`. @default 100 */
  historyOnJoin?: number;
  /** SockJS endpoint options. */
  sockjs?: SockJsOptions;
  /** Where the server logs. @default silentLogger */
  logger?: Logger;
  /** Clock in ms since the epoch. @default Date.now */
  now?: () => number;
  /** Application version reported by `/health`. @default '0.0.0' */
  version?: string;
}

/** Options after defaults are applied. */
export interface ResolvedOptions {
  port: number;
  host: string;
  rooms: string[];
  webRoot: string | undefined;
  maxTextBytes: number;
  maxFrameBytes: number;
  maxHistoryPerRoom: number;
  historyOnJoin: number;
  sockjs: Required<SockJsOptions>;
  logger: Logger;
  now: () => number;
  version: string;
}

const MAX_PORT = 65_535;

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

/**
 * Applies defaults and rejects impossible or contradictory options with a
 * `TypeError` naming them.
 *
 * @public
 */
export function resolveOptions(options: ChatServerOptions = {}): ResolvedOptions {
  const resolved: ResolvedOptions = {
    port: DEFAULT_PORT,
    host: DEFAULT_BIND_ADDRESS,
    rooms: [],
    webRoot: undefined,
    maxTextBytes: DEFAULT_MAX_TEXT_BYTES,
    maxFrameBytes: MAX_FRAME_BYTES,
    maxHistoryPerRoom: DEFAULT_MAX_HISTORY_PER_ROOM,
    historyOnJoin: DEFAULT_HISTORY_ON_JOIN,
    logger: silentLogger,
    now: Date.now,
    version: '0.0.0',
    ...definedOnly(options),
    sockjs: {
      heartbeatMs: SOCKJS_HEARTBEAT_MS,
      disconnectDelayMs: SOCKJS_DISCONNECT_DELAY_MS,
      streamBytesLimit: SOCKJS_STREAM_BYTES_LIMIT,
      websocket: true,
      ...definedOnly(options.sockjs),
    },
  };
  if (!Number.isInteger(resolved.port) || resolved.port < 0 || resolved.port > MAX_PORT) {
    throw new TypeError(`port must be an integer from 0 to ${MAX_PORT}, got ${resolved.port}`);
  }
  positiveInteger('maxTextBytes', resolved.maxTextBytes);
  positiveInteger('maxFrameBytes', resolved.maxFrameBytes);
  positiveInteger('maxHistoryPerRoom', resolved.maxHistoryPerRoom);
  positiveInteger('historyOnJoin', resolved.historyOnJoin);
  positiveInteger('sockjs.heartbeatMs', resolved.sockjs.heartbeatMs);
  positiveInteger('sockjs.disconnectDelayMs', resolved.sockjs.disconnectDelayMs);
  positiveInteger('sockjs.streamBytesLimit', resolved.sockjs.streamBytesLimit);
  if (resolved.maxTextBytes > resolved.maxFrameBytes) {
    throw new TypeError('maxTextBytes must not exceed maxFrameBytes: such messages could never arrive');
  }
  if (resolved.historyOnJoin > resolved.maxHistoryPerRoom) {
    throw new TypeError('historyOnJoin must not exceed maxHistoryPerRoom');
  }
  for (const room of resolved.rooms) {
    const trimmed = room.trim();
    if (trimmed.length === 0 || trimmed.length > ROOM_MAX_LENGTH || !ROOM_NAME_PATTERN.test(trimmed)) {
      throw new TypeError(`invalid room name ${JSON.stringify(room)}`);
    }
  }
  return resolved;
}
