/**
 * Inbound size limits on the SockJS endpoint: sockjs itself reads send
 * bodies whole and accepts 64 MiB websocket frames, so the transport
 * refuses anything over the host's frame limit, as /ws does.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import WebSocket from 'ws';

import { EVENT_TIMEOUT_MS, RawXhrSession, parseSockJsFrames, sockJsSessionId, useServer, withTimeout } from './helpers';

const MAX_FRAME_BYTES = 16 * 1024;

describe('SockJS inbound limits', () => {
  const fixture = useServer({ maxFrameBytes: MAX_FRAME_BYTES, maxTextBytes: 8 * 1024 });

  it('answers 413 to an xhr_send body over the limit and keeps the session usable', async () => {
    const session = new RawXhrSession(fixture.address);
    assert.deepEqual(await session.poll(), [{ kind: 'o' }]);
    const oversized = JSON.stringify(['x'.repeat(MAX_FRAME_BYTES + 1)]);
    assert.equal((await session.sendBody(oversized)).status, 413);
    assert.equal(await session.send(JSON.stringify({ type: 'ping' })), 204);
    const frames = await session.poll();
    assert.deepEqual(frames, [{ kind: 'a', messages: [JSON.stringify({ type: 'pong' })] }]);
  });

  it('closes a SockJS websocket that sends a frame over the limit', async () => {
    const socket = new WebSocket(`ws://127.0.0.1:${fixture.address.port}/sockjs/000/${sockJsSessionId()}/websocket`);
    socket.on('error', () => undefined);
    const opened = await withTimeout(
      new Promise<string>((resolve) => socket.once('message', (data) => resolve(data.toString()))),
      EVENT_TIMEOUT_MS,
      'open frame',
    );
    assert.deepEqual(parseSockJsFrames(opened), [{ kind: 'o' }]);
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    socket.send(JSON.stringify(['y'.repeat(MAX_FRAME_BYTES * 2)]));
    assert.equal(await withTimeout(closed, EVENT_TIMEOUT_MS, 'close'), 1009);
  });
});
