/**
 * Tests for renderer/src/lib/keep-alive.ts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { DEAD_HOST_TIMEOUT_MS, MIN_PING_INTERVAL_MS, pingIntervalFor } from '../../renderer/src/lib/keep-alive';
import { CLIENT_PING_INTERVAL_MS } from '../../server/protocol';

describe('keep-alive timing', () => {
  test('a host is taken for dead after two missed pings plus 5 s', () => {
    assert.equal(DEAD_HOST_TIMEOUT_MS, 2 * CLIENT_PING_INTERVAL_MS + 5_000);
  });

  describe('pingIntervalFor', () => {
    test('pings every CLIENT_PING_INTERVAL_MS before the welcome and with the default idle timeout', () => {
      assert.equal(pingIntervalFor(), CLIENT_PING_INTERVAL_MS);
      assert.equal(pingIntervalFor(45_000), CLIENT_PING_INTERVAL_MS);
      assert.equal(pingIntervalFor(10 * 60_000), CLIENT_PING_INTERVAL_MS);
    });

    test('pings three times per idle timeout when the host announces a short one', () => {
      assert.equal(pingIntervalFor(30_000), 10_000);
      assert.equal(pingIntervalFor(10_000), 3_333);
    });

    test('never pings more often than MIN_PING_INTERVAL_MS', () => {
      assert.equal(pingIntervalFor(1), MIN_PING_INTERVAL_MS);
      assert.equal(pingIntervalFor(Number.NaN), CLIENT_PING_INTERVAL_MS);
    });
  });
});
