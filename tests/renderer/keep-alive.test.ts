/**
 * Tests for renderer/src/lib/keep-alive.ts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import fc from 'fast-check';

import { DEAD_HOST_TIMEOUT_MS, MIN_PING_INTERVAL_MS, pingIntervalFor } from '../../renderer/src/lib/keep-alive';
import { DEFAULT_IDLE_TIMEOUT_MS } from '../../server/constants';
import { CLIENT_PING_INTERVAL_MS } from '../../server/protocol';

describe('keep-alive timing', () => {
  test('a host that answers pings is never taken for dead, even when one answer is lost', () => {
    // The host answers each ping with a pong; the client gives up after
    // DEAD_HOST_TIMEOUT_MS of silence. Whatever idle timeout the host
    // announces, two ping intervals (one lost pong) must fit in that silence.
    fc.assert(
      fc.property(fc.option(fc.integer({ min: 1, max: 24 * 60 * 60_000 }), { nil: undefined }), (idleTimeoutMs) => {
        assert.ok(2 * pingIntervalFor(idleTimeoutMs) < DEAD_HOST_TIMEOUT_MS);
      }),
    );
  });

  test("pings often enough that the host's default idle timeout never closes a live client, even when one ping is lost", () => {
    assert.ok(2 * pingIntervalFor(DEFAULT_IDLE_TIMEOUT_MS) < DEFAULT_IDLE_TIMEOUT_MS);
    assert.ok(2 * pingIntervalFor() < DEFAULT_IDLE_TIMEOUT_MS, 'before the welcome announces it');
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
