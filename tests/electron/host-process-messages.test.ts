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

  test('reports a degraded server with its reason', () => {
    assert.deepEqual(healthMessageOf({ status: 'degraded', reason: 'fsync failed: EIO' } as { status: string }), {
      type: 'health',
      status: 'degraded',
      reason: 'fsync failed: EIO',
    });
  });

  test('reports any status but ok as degraded, with words even without a reason', () => {
    const message = healthMessageOf({ status: 'failing' });
    assert.equal(message.status, 'degraded');
    assert.match(message.reason ?? '', /failing/);
  });
});
