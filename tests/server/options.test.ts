import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  DEFAULT_BIND_ADDRESS,
  DEFAULT_HISTORY_ON_JOIN,
  DEFAULT_MAX_HISTORY_PER_ROOM,
  DEFAULT_PORT,
  MAX_FRAME_BYTES,
  SOCKJS_DISCONNECT_DELAY_MS,
  SOCKJS_HEARTBEAT_MS,
  SOCKJS_STREAM_BYTES_LIMIT,
} from '../../server/constants';
import { silentLogger } from '../../server/logger';
import { resolveOptions, type ChatServerOptions } from '../../server/options';
import { DEFAULT_MAX_TEXT_BYTES } from '../../server/protocol';

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
          webRoot: undefined,
          maxTextBytes: 8192,
          maxFrameBytes: 65536,
          maxHistoryPerRoom: 1000,
          historyOnJoin: 100,
          sockjs: { heartbeatMs: 25000, disconnectDelayMs: 5000, streamBytesLimit: 131072, websocket: true },
          logger: undefined,
          now: undefined,
          version: '0.0.0',
        },
      );
      assert.equal(resolved.logger, silentLogger);
      assert.equal(resolved.now, Date.now);
    });

    it('takes its defaults from the named constants', () => {
      const resolved = resolveOptions({});
      assert.equal(resolved.port, DEFAULT_PORT);
      assert.equal(resolved.host, DEFAULT_BIND_ADDRESS);
      assert.equal(resolved.maxTextBytes, DEFAULT_MAX_TEXT_BYTES);
      assert.equal(resolved.maxFrameBytes, MAX_FRAME_BYTES);
      assert.equal(resolved.maxHistoryPerRoom, DEFAULT_MAX_HISTORY_PER_ROOM);
      assert.equal(resolved.historyOnJoin, DEFAULT_HISTORY_ON_JOIN);
      assert.deepEqual(resolved.sockjs, {
        heartbeatMs: SOCKJS_HEARTBEAT_MS,
        disconnectDelayMs: SOCKJS_DISCONNECT_DELAY_MS,
        streamBytesLimit: SOCKJS_STREAM_BYTES_LIMIT,
        websocket: true,
      });
    });

    it('keeps the SockJS defaults that a partial sockjs object leaves out', () => {
      assert.deepEqual(resolveOptions({ sockjs: { heartbeatMs: 1000, websocket: false } }).sockjs, {
        heartbeatMs: 1000,
        disconnectDelayMs: 5000,
        streamBytesLimit: 131072,
        websocket: false,
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
      assert.deepEqual(resolved.rooms, ['lobby', 'Team 2']);
      assert.equal(resolved.webRoot, '/srv/www');
      assert.equal(resolved.maxTextBytes, 100);
      assert.equal(resolved.maxFrameBytes, 1000);
      assert.equal(resolved.maxHistoryPerRoom, 5);
      assert.equal(resolved.historyOnJoin, 5);
      assert.equal(resolved.now, now);
      assert.equal(resolved.version, '1.2.3');
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
    ];
    for (const [label, options] of invalid) {
      it(`throws for ${label}`, () => {
        assert.throws(() => resolveOptions(options), TypeError);
      });
    }

    it('accepts the limits at their bounds (maxTextBytes === maxFrameBytes, historyOnJoin === maxHistoryPerRoom)', () => {
      assert.doesNotThrow(() => resolveOptions({ maxTextBytes: 1024, maxFrameBytes: 1024, historyOnJoin: 10, maxHistoryPerRoom: 10 }));
    });
  });
});
