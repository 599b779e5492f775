import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { describe, it } from 'node:test';

import {
  DEFAULT_BIND_ADDRESS,
  DEFAULT_HISTORY_ON_JOIN,
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_JOIN_TIMEOUT_MS,
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_MAX_HISTORY_PER_ROOM,
  DEFAULT_MAX_MEMBERS_PER_ROOM,
  DEFAULT_MAX_ROOMS,
  DEFAULT_PORT,
  DEFAULT_RATE_LIMIT_INTERVAL_MS,
  DEFAULT_RATE_LIMIT_MESSAGES,
  DEFAULT_SEND_BUFFER_BYTES,
  DEFAULT_SEND_TIME_LIMIT_MS,
  MAX_FRAME_BYTES,
  SOCKJS_DISCONNECT_DELAY_MS,
  SOCKJS_HEARTBEAT_MS,
  SOCKJS_MESSAGE_CACHE_SIZE,
  SOCKJS_STREAM_BYTES_LIMIT,
  WS_PING_INTERVAL_MS,
} from '../../server/constants';
import { IN_MEMORY } from '../../server/history-store';
import { silentLogger } from '../../server/logger';
import { resolveOptions, type ChatServerOptions } from '../../server/options';
import { ANNOUNCED_NAME_MAX_LENGTH, DEFAULT_MAX_TEXT_BYTES, PASSWORD_MAX_LENGTH } from '../../server/protocol';

/** The SockJS defaults, as resolveOptions fills them in. */
const SOCKJS_DEFAULTS = {
  heartbeatMs: 25000,
  disconnectDelayMs: 5000,
  streamBytesLimit: 131072,
  messageCacheSize: 100,
  websocket: true,
  sessionCookie: false,
};

describe('resolveOptions', () => {
  describe('defaults', () => {
    it('applies every documented default', () => {
      const resolved = resolveOptions();
      assert.deepEqual(
        { ...resolved, logger: undefined, now: undefined },
        {
          port: 8080,
          host: '0.0.0.0',
          rooms: [],
          allowedOrigins: [],
          webRoot: undefined,
          dataPath: IN_MEMORY,
          freshHistory: false,
          maxTextBytes: 8192,
          maxFrameBytes: 65536,
          maxConnections: 2048,
          maxSocketsPerAddress: 256,
          maxSessionsPerAddress: 32,
          maxSessionsWithoutOriginPerAddress: 8,
          headersTimeoutMs: 10000,
          requestTimeoutMs: 30000,
          joinThrottle: { freeFailures: 5, baseDelayMs: 1000, maxDelayMs: 60000 },
          maxMembersPerRoom: 1024,
          maxRooms: 256,
          maxHistoryPerRoom: 1000,
          maxHistoryBytesPerRoom: 2097152,
          maxCachedHistoryBytes: 67108864,
          roomIdleMs: 300000,
          roomCreation: { perConnection: 5, perAddress: 20, intervalMs: 60000 },
          retention: { graceMs: 86400000, intervalMs: 600000 },
          historyOnJoin: 100,
          idleTimeoutMs: 45000,
          joinTimeoutMs: 30000,
          pingIntervalMs: 20000,
          rateLimit: { messages: 30, intervalMs: 10000 },
          sendBufferBytes: 524288,
          sendTimeLimitMs: 10000,
          sockjs: SOCKJS_DEFAULTS,
          sockjsTestServices: false,
          logger: undefined,
          now: undefined,
          version: '0.0.0',
          hostName: hostname().trim().slice(0, ANNOUNCED_NAME_MAX_LENGTH),
          guestRooms: true,
          tls: undefined,
          httpForBrowsersPort: undefined,
        },
      );
      assert.equal(resolved.logger, silentLogger);
      assert.equal(resolved.now, Date.now);
    });

    it('trims the host name and cuts it to ANNOUNCED_NAME_MAX_LENGTH, never inside a surrogate pair; a blank one is the computer name', () => {
      assert.equal(resolveOptions({ hostName: '  Kitchen  ' }).hostName, 'Kitchen');
      assert.equal(resolveOptions({ hostName: 'n'.repeat(ANNOUNCED_NAME_MAX_LENGTH + 5) }).hostName, 'n'.repeat(ANNOUNCED_NAME_MAX_LENGTH));
      const emoji = `${'n'.repeat(ANNOUNCED_NAME_MAX_LENGTH - 1)}\u{1F600}`;
      assert.equal(resolveOptions({ hostName: emoji }).hostName, 'n'.repeat(ANNOUNCED_NAME_MAX_LENGTH - 1));
      assert.equal(resolveOptions({ hostName: '   ' }).hostName, hostname().trim().slice(0, ANNOUNCED_NAME_MAX_LENGTH));
      assert.equal(resolveOptions({ guestRooms: false }).guestRooms, false);
    });

    it('takes its defaults from the named constants', () => {
      const resolved = resolveOptions({});
      assert.equal(resolved.port, DEFAULT_PORT);
      assert.equal(resolved.host, DEFAULT_BIND_ADDRESS);
      assert.equal(resolved.maxTextBytes, DEFAULT_MAX_TEXT_BYTES);
      assert.equal(resolved.maxFrameBytes, MAX_FRAME_BYTES);
      assert.equal(resolved.maxHistoryPerRoom, DEFAULT_MAX_HISTORY_PER_ROOM);
      assert.equal(resolved.historyOnJoin, DEFAULT_HISTORY_ON_JOIN);
      assert.equal(resolved.maxConnections, DEFAULT_MAX_CONNECTIONS);
      assert.equal(resolved.maxMembersPerRoom, DEFAULT_MAX_MEMBERS_PER_ROOM);
      assert.equal(resolved.maxRooms, DEFAULT_MAX_ROOMS);
      assert.equal(resolved.idleTimeoutMs, DEFAULT_IDLE_TIMEOUT_MS);
      assert.equal(resolved.joinTimeoutMs, DEFAULT_JOIN_TIMEOUT_MS);
      assert.equal(resolved.pingIntervalMs, WS_PING_INTERVAL_MS);
      assert.deepEqual(resolved.rateLimit, { messages: DEFAULT_RATE_LIMIT_MESSAGES, intervalMs: DEFAULT_RATE_LIMIT_INTERVAL_MS });
      assert.equal(resolved.sendBufferBytes, DEFAULT_SEND_BUFFER_BYTES);
      assert.equal(resolved.sendTimeLimitMs, DEFAULT_SEND_TIME_LIMIT_MS);
      assert.deepEqual(resolved.sockjs, {
        heartbeatMs: SOCKJS_HEARTBEAT_MS,
        disconnectDelayMs: SOCKJS_DISCONNECT_DELAY_MS,
        streamBytesLimit: SOCKJS_STREAM_BYTES_LIMIT,
        messageCacheSize: SOCKJS_MESSAGE_CACHE_SIZE,
        websocket: true,
        sessionCookie: false,
      });
    });

    it('keeps the SockJS defaults that a partial sockjs object leaves out', () => {
      assert.deepEqual(resolveOptions({ sockjs: { heartbeatMs: 1000, websocket: false } }).sockjs, {
        ...SOCKJS_DEFAULTS,
        heartbeatMs: 1000,
        websocket: false,
      });
    });

    it('keeps the rate-limit default that a partial rateLimit leaves out', () => {
      assert.deepEqual(resolveOptions({ rateLimit: { messages: 3 } as ChatServerOptions['rateLimit'] }).rateLimit, {
        messages: 3,
        intervalMs: 10000,
      });
    });

    it('treats options explicitly set to undefined as omitted', () => {
      // The CLI passes `maxTextBytes: undefined` when --max-text-bytes is absent.
      const resolved = resolveOptions({ port: undefined, maxTextBytes: undefined, webRoot: undefined, sockjs: { heartbeatMs: undefined } });
      assert.equal(resolved.port, 8080);
      assert.equal(resolved.maxTextBytes, 8192);
      assert.equal(resolved.sockjs.heartbeatMs, 25000);
    });

    it('keeps given values', () => {
      const now = () => 42;
      const resolved = resolveOptions({
        port: 0,
        host: '127.0.0.1',
        rooms: ['lobby', 'Team 2'],
        webRoot: '/srv/www',
        maxTextBytes: 100,
        maxFrameBytes: 1000,
        maxHistoryPerRoom: 5,
        historyOnJoin: 5,
        now,
        version: '1.2.3',
      });
      assert.equal(resolved.port, 0);
      assert.equal(resolved.host, '127.0.0.1');
      assert.deepEqual(resolved.rooms, [
        { name: 'lobby', maxMembers: 1024 },
        { name: 'Team 2', maxMembers: 1024 },
      ]);
      assert.equal(resolved.webRoot, '/srv/www');
      assert.equal(resolved.maxTextBytes, 100);
      assert.equal(resolved.maxFrameBytes, 1000);
      assert.equal(resolved.maxHistoryPerRoom, 5);
      assert.equal(resolved.historyOnJoin, 5);
      assert.equal(resolved.now, now);
      assert.equal(resolved.version, '1.2.3');
    });

    it('resolves room configs: trims names, fills in maxMembers, keeps a password and drops an empty one', () => {
      const resolved = resolveOptions({
        maxMembersPerRoom: 7,
        rooms: [' open ', { name: 'secret', password: 'pw', maxMembers: 2 }, { name: 'blank', password: '' }],
      });
      assert.deepEqual(resolved.rooms, [
        { name: 'open', maxMembers: 7 },
        { name: 'secret', maxMembers: 2, password: 'pw' },
        { name: 'blank', maxMembers: 7 },
      ]);
    });

    it('normalises configured room names to NFKC, as joins are, so members reach them', () => {
      assert.deepEqual(resolveOptions({ rooms: ['\uFF2C\uFF4F\uFF42\uFF42\uFF59'] }).rooms, [{ name: 'Lobby', maxMembers: 1024 }]);
    });

    it('normalises allowedOrigins to lower case, and a list containing "*" to "*"', () => {
      assert.deepEqual(resolveOptions({ allowedOrigins: ['HTTP://OK.Example:8080'] }).allowedOrigins, ['http://ok.example:8080']);
      assert.equal(resolveOptions({ allowedOrigins: '*' }).allowedOrigins, '*');
      assert.equal(resolveOptions({ allowedOrigins: ['http://ok.example', '*'] }).allowedOrigins, '*');
    });

    it('accepts the port bounds 0 and 65535', () => {
      assert.equal(resolveOptions({ port: 0 }).port, 0);
      assert.equal(resolveOptions({ port: 65535 }).port, 65535);
    });
  });

  describe('TypeError', () => {
    const invalid: Array<[string, ChatServerOptions]> = [
      ['negative port', { port: -1 }],
      ['port above 65535', { port: 65536 }],
      ['fractional port', { port: 80.5 }],
      ['NaN port', { port: Number.NaN }],
      ['string port', { port: '8080' as unknown as number }],
      ['zero maxTextBytes', { maxTextBytes: 0 }],
      ['negative maxTextBytes', { maxTextBytes: -5 }],
      ['fractional maxFrameBytes', { maxFrameBytes: 1024.5 }],
      ['zero maxHistoryPerRoom', { maxHistoryPerRoom: 0 }],
      ['zero historyOnJoin', { historyOnJoin: 0 }],
      ['zero sockjs.heartbeatMs', { sockjs: { heartbeatMs: 0 } }],
      ['negative sockjs.disconnectDelayMs', { sockjs: { disconnectDelayMs: -1 } }],
      ['infinite sockjs.streamBytesLimit', { sockjs: { streamBytesLimit: Number.POSITIVE_INFINITY } }],
      ['maxTextBytes above maxFrameBytes', { maxTextBytes: 2048, maxFrameBytes: 1024 }],
      ['maxTextBytes above the default maxFrameBytes', { maxTextBytes: MAX_FRAME_BYTES + 1 }],
      ['historyOnJoin above maxHistoryPerRoom', { historyOnJoin: 11, maxHistoryPerRoom: 10 }],
      ['historyOnJoin above the default maxHistoryPerRoom', { historyOnJoin: DEFAULT_MAX_HISTORY_PER_ROOM + 1 }],
      ['empty room name', { rooms: ['lobby', ''] }],
      ['whitespace room name', { rooms: ['   '] }],
      ['room name with a slash', { rooms: ['a/b'] }],
      ['over-long room name', { rooms: ['r'.repeat(49)] }],
      ['room config with an invalid name', { rooms: [{ name: '../etc' }] }],
      ['room config with zero maxMembers', { rooms: [{ name: 'r', maxMembers: 0 }] }],
      ['room config with fractional maxMembers', { rooms: [{ name: 'r', maxMembers: 1.5 }] }],
      ['room config with an over-long password', { rooms: [{ name: 'r', password: 'p'.repeat(PASSWORD_MAX_LENGTH + 1) }] }],
      ['more configured rooms than maxRooms', { maxRooms: 1, rooms: ['a', 'b'] }],
      ['zero maxConnections', { maxConnections: 0 }],
      ['zero maxMembersPerRoom', { maxMembersPerRoom: 0 }],
      ['zero maxRooms', { maxRooms: 0 }],
      ['zero idleTimeoutMs', { idleTimeoutMs: 0 }],
      ['negative joinTimeoutMs', { joinTimeoutMs: -1 }],
      ['zero pingIntervalMs', { pingIntervalMs: 0 }],
      ['pingIntervalMs equal to idleTimeoutMs', { pingIntervalMs: 1000, idleTimeoutMs: 1000 }],
      ['pingIntervalMs above the default idleTimeoutMs', { pingIntervalMs: 60_000 }],
      ['zero rateLimit.messages', { rateLimit: { messages: 0, intervalMs: 1000 } }],
      ['fractional rateLimit.intervalMs', { rateLimit: { messages: 1, intervalMs: 0.5 } }],
      ['zero sendBufferBytes', { sendBufferBytes: 0 }],
      ['NaN sendTimeLimitMs', { sendTimeLimitMs: Number.NaN }],
      ['zero sockjs.messageCacheSize', { sockjs: { messageCacheSize: 0 } }],
      ['allowedOrigins entry without a scheme', { allowedOrigins: ['ok.example'] }],
      ['allowedOrigins entry with a path', { allowedOrigins: ['http://ok.example/app'] }],
      ['allowedOrigins entry with another scheme', { allowedOrigins: ['ftp://ok.example'] }],
      ['zero maxSocketsPerAddress', { maxSocketsPerAddress: 0 }],
      ['zero maxSessionsPerAddress', { maxSessionsPerAddress: 0 }],
      ['fractional maxSessionsWithoutOriginPerAddress', { maxSessionsWithoutOriginPerAddress: 1.5 }],
      ['headersTimeoutMs above requestTimeoutMs', { headersTimeoutMs: 2000, requestTimeoutMs: 1000 }],
      ['zero headersTimeoutMs', { headersTimeoutMs: 0 }],
      ['negative joinThrottle.freeFailures', { joinThrottle: { freeFailures: -1 } }],
      ['non-string hostName', { hostName: 42 as unknown as string }],
      ['non-boolean guestRooms', { guestRooms: 'no' as unknown as boolean }],
      ['joinThrottle.baseDelayMs above maxDelayMs', { joinThrottle: { baseDelayMs: 2000, maxDelayMs: 1000 } }],
      ['room name with a zero-width space', { rooms: ['lob\u200Bby'] }],
      ['room name with a right-to-left override', { rooms: ['lobby\u202E'] }],
      ['allowedOrigins that is neither "*" nor a list', { allowedOrigins: 'http://ok.example' as unknown as '*' }],
    ];
    for (const [label, options] of invalid) {
      it(`throws for ${label}`, () => {
        assert.throws(() => resolveOptions(options), TypeError);
      });
    }

    it('accepts the limits at their bounds (maxTextBytes === maxFrameBytes, historyOnJoin === maxHistoryPerRoom)', () => {
      assert.doesNotThrow(() => resolveOptions({ maxTextBytes: 1024, maxFrameBytes: 1024, historyOnJoin: 10, maxHistoryPerRoom: 10 }));
      assert.doesNotThrow(() => resolveOptions({ pingIntervalMs: 999, idleTimeoutMs: 1000, maxRooms: 2, rooms: ['a', 'b'] }));
    });
  });
});
