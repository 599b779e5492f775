import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';

import type { ClientConnection } from '../../server/client-connection';
import { startLivenessSweep, type Watched } from '../../server/heartbeat';
import { CloseCode } from '../../server/protocol';

/** A connection that records how it was closed. */
function fakeConnection(id: string, openedAt: number, lastActivityAt: number): ClientConnection & { closes: Array<[number, string]> } {
  const closes: Array<[number, string]> = [];
  return {
    id,
    transport: 'ws',
    remoteAddress: '127.0.0.1',
    openedAt,
    lastActivityAt,
    closes,
    send() {},
    close(code: number, reason: string) {
      closes.push([code, reason]);
    },
    onMessage() {},
    onClose() {},
  };
}

describe('startLivenessSweep', () => {
  it(`closes connections that never joined, or went silent, with ${CloseCode.IdleTimeout}; leaves the others`, (t) => {
    t.mock.timers.enable({ apis: ['setInterval'] });
    let now = 0;
    const fresh = fakeConnection('fresh', 0, 0);
    const neverJoined = fakeConnection('never joined', 0, 0);
    const silent = fakeConnection('silent', 0, 0);
    const chatty = fakeConnection('chatty', 0, 0);
    let watched: Watched[] = [
      { connection: neverJoined, joined: false },
      { connection: silent, joined: true },
      { connection: chatty, joined: true },
    ];
    const stop = startLivenessSweep({ idleTimeoutMs: 400, joinTimeoutMs: 200, now: () => now, watched: () => watched });
    try {
      // Sweeps run every min(idle, join) / 4 = 50 ms.
      now = 200;
      t.mock.timers.tick(200);
      assert.deepEqual(neverJoined.closes, [], 'exactly at the join timeout is not past it');
      now = 250;
      Object.assign(chatty, { lastActivityAt: 240 });
      watched = [...watched, { connection: fresh, joined: false }];
      Object.assign(fresh, { openedAt: 240, lastActivityAt: 240 });
      t.mock.timers.tick(50);
      assert.deepEqual(neverJoined.closes, [[CloseCode.IdleTimeout, 'no join']]);
      now = 450;
      t.mock.timers.tick(200);
      assert.deepEqual(silent.closes.at(-1), [CloseCode.IdleTimeout, 'idle']);
      assert.deepEqual(chatty.closes, []);
      assert.deepEqual(fresh.closes.at(-1), [CloseCode.IdleTimeout, 'no join'], 'a connection that opened at 240 has not joined by 450');
    } finally {
      stop();
    }
  });

  it('stops sweeping once stopped', () => {
    mock.timers.enable({ apis: ['setInterval'] });
    try {
      const silent = fakeConnection('silent', 0, 0);
      const stop = startLivenessSweep({ idleTimeoutMs: 100, joinTimeoutMs: 100, now: () => 1_000, watched: () => [{ connection: silent, joined: true }] });
      stop();
      mock.timers.tick(1_000);
      assert.deepEqual(silent.closes, []);
    } finally {
      mock.timers.reset();
    }
  });
});
