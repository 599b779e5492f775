/**
 * Tests for electron/host-process-messages.ts (`healthMessageOf`), against
 * real health reports of a real server.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { healthMessageOf } from '../../electron/host-process-messages';
import { createChatServer } from '../../server';

describe('healthMessageOf', () => {
  test("reports a running server's health as ok", async () => {
    const server = createChatServer({ port: 0, host: '127.0.0.1', dataPath: ':memory:' });
    await server.start();
    try {
      assert.deepEqual(healthMessageOf(server.health()), { type: 'health', status: 'ok' });
    } finally {
      await server.close();
    }
  });

  test("reports a degraded server with its problem's code and message", () => {
    const report = {
      status: 'degraded',
      problem: { code: 'HEALTH_STORAGE_FLUSH_FAILED', message: 'Flushing the history to disk failed (EIO).' },
    };
    assert.deepEqual(healthMessageOf(report), {
      type: 'health',
      status: 'degraded',
      code: 'HEALTH_STORAGE_FLUSH_FAILED',
      reason: 'Flushing the history to disk failed (EIO).',
    });
  });

  test('reports any status but ok as degraded, with words even without a problem', () => {
    const message = healthMessageOf({ status: 'failing' });
    assert.equal(message.status, 'degraded');
    assert.equal(message.code, undefined);
    assert.match(message.reason ?? '', /failing/);
  });
});
