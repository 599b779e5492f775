/**
 * Tests for electron/restart-policy.ts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  HOST_RESTART_BASE_DELAY_MS,
  HOST_RESTART_MAX_CRASHES,
  HOST_RESTART_MAX_DELAY_MS,
  HOST_RESTART_WINDOW_MS,
  RestartPolicy,
} from '../../electron/restart-policy';

describe('RestartPolicy', () => {
  describe('#onCrash', () => {
    test('restarts after a short delay that doubles with each crash in the window', () => {
      const policy = new RestartPolicy({ baseDelayMs: 100, maxDelayMs: 10_000, maxCrashes: 10, windowMs: 60_000 });
      const delays = [0, 1, 2, 3, 4].map((i) => policy.onCrash(1_000 + i));
      assert.deepEqual(delays, [
        { action: 'restart', delayMs: 100, crashes: 1 },
        { action: 'restart', delayMs: 200, crashes: 2 },
        { action: 'restart', delayMs: 400, crashes: 3 },
        { action: 'restart', delayMs: 800, crashes: 4 },
        { action: 'restart', delayMs: 1_600, crashes: 5 },
      ]);
    });

    test('never waits longer than the maximum delay', () => {
      const policy = new RestartPolicy({ baseDelayMs: 100, maxDelayMs: 300, maxCrashes: 10, windowMs: 60_000 });
      const delays = [0, 1, 2, 3].map((i) => policy.onCrash(i));
      assert.deepEqual(
        delays.map((decision) => (decision.action === 'restart' ? decision.delayMs : null)),
        [100, 200, 300, 300],
      );
    });

    test('gives up at the maximum number of crashes within the window', () => {
      const policy = new RestartPolicy({ maxCrashes: 3, windowMs: 60_000 });
      assert.equal(policy.onCrash(0).action, 'restart');
      assert.equal(policy.onCrash(10_000).action, 'restart');
      assert.deepEqual(policy.onCrash(20_000), { action: 'giveUp', crashes: 3 });
    });

    test('forgets crashes older than the window, so rare crashes are always restarted', () => {
      const policy = new RestartPolicy({ baseDelayMs: 100, maxCrashes: 3, windowMs: 60_000 });
      const decisions = [0, 50_000, 100_000, 150_000, 200_000].map((at) => policy.onCrash(at));
      assert.deepEqual(decisions, [
        { action: 'restart', delayMs: 100, crashes: 1 },
        { action: 'restart', delayMs: 200, crashes: 2 },
        { action: 'restart', delayMs: 200, crashes: 2 },
        { action: 'restart', delayMs: 200, crashes: 2 },
        { action: 'restart', delayMs: 200, crashes: 2 },
      ]);
    });

    test('uses the documented defaults', () => {
      const policy = new RestartPolicy();
      assert.deepEqual(policy.onCrash(0), { action: 'restart', delayMs: HOST_RESTART_BASE_DELAY_MS, crashes: 1 });
      let last = policy.onCrash(1);
      for (let i = 2; i < HOST_RESTART_MAX_CRASHES; i += 1) last = policy.onCrash(i);
      assert.deepEqual(last, { action: 'giveUp', crashes: HOST_RESTART_MAX_CRASHES });
      assert.ok(HOST_RESTART_BASE_DELAY_MS * 2 ** (HOST_RESTART_MAX_CRASHES - 2) <= HOST_RESTART_WINDOW_MS);
      assert.ok(HOST_RESTART_MAX_DELAY_MS < HOST_RESTART_WINDOW_MS);
    });
  });

  describe('#reset', () => {
    test('starts counting again', () => {
      const policy = new RestartPolicy({ baseDelayMs: 100, maxCrashes: 2, windowMs: 60_000 });
      policy.onCrash(0);
      policy.reset();
      assert.deepEqual(policy.onCrash(1), { action: 'restart', delayMs: 100, crashes: 1 });
    });
  });

  describe('constructor', () => {
    test('throws TypeError for a limit that is not a positive whole number', () => {
      assert.throws(() => new RestartPolicy({ maxCrashes: 0 }), TypeError);
      assert.throws(() => new RestartPolicy({ windowMs: 1.5 }), TypeError);
      assert.throws(() => new RestartPolicy({ baseDelayMs: Number.NaN }), TypeError);
    });

    test('throws TypeError when the base delay exceeds the maximum', () => {
      assert.throws(() => new RestartPolicy({ baseDelayMs: 2_000, maxDelayMs: 1_000 }), /baseDelayMs/);
    });
  });
});
