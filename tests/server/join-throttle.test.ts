import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { JOIN_FAILURE_MEMORY_MS, JOIN_ROOM_ALERT_FAILURES, JOIN_THROTTLE_MAX_ENTRIES } from '../../server/constants';
import { JoinThrottle } from '../../server/join-throttle';

// The clock and the addresses are plain parameters: these tests drive the
// throttle directly, with a pinned time, instead of waiting for real delays.
const SETTINGS = { freeFailures: 3, baseDelayMs: 1_000, maxDelayMs: 8_000 };
const T0 = 1_000_000;

/** Records `count` wrong passwords from `address` at `now`; returns the last delay. */
function fail(throttle: JoinThrottle, address: string, room: string, now: number, count: number): number {
  let delay = 0;
  for (let index = 0; index < count; index += 1) delay = throttle.recordFailure(address, room, now);
  return delay;
}

describe('JoinThrottle', () => {
  it('lets an address give its free wrong passwords, then makes it wait, doubling up to the cap', () => {
    const throttle = new JoinThrottle(SETTINGS);
    for (let index = 0; index < 3; index += 1) {
      assert.deepEqual(throttle.check('10.0.0.9', 'lobby', T0), { ok: true });
      assert.equal(throttle.recordFailure('10.0.0.9', 'lobby', T0), 0);
    }
    assert.deepEqual(throttle.check('10.0.0.9', 'lobby', T0), { ok: true });
    assert.equal(throttle.recordFailure('10.0.0.9', 'lobby', T0), 1_000);
    assert.deepEqual(throttle.check('10.0.0.9', 'lobby', T0 + 400), { ok: false, retryAfterMs: 600 });
    let now = T0 + 1_000;
    const delays = [];
    for (let index = 0; index < 5; index += 1) {
      assert.deepEqual(throttle.check('10.0.0.9', 'lobby', now), { ok: true });
      const delay = throttle.recordFailure('10.0.0.9', 'lobby', now);
      delays.push(delay);
      now += delay;
    }
    assert.deepEqual(delays, [2_000, 4_000, 8_000, 8_000, 8_000]);
  });

  it('does not extend the wait for attempts refused while waiting', () => {
    const throttle = new JoinThrottle(SETTINGS);
    fail(throttle, 'a', 'lobby', T0, 4);
    for (let ms = 0; ms < 1_000; ms += 100) assert.equal(throttle.check('a', 'lobby', T0 + ms).ok, false);
    assert.deepEqual(throttle.check('a', 'lobby', T0 + 1_000), { ok: true });
  });

  it('counts wrong passwords per address: another address is not slowed down', () => {
    const throttle = new JoinThrottle(SETTINGS);
    fail(throttle, 'attacker', 'lobby', T0, 6);
    assert.equal(throttle.check('attacker', 'lobby', T0).ok, false);
    assert.deepEqual(throttle.check('member', 'lobby', T0), { ok: true });
  });

  it('counts an address across rooms: another room is no fresh start', () => {
    const throttle = new JoinThrottle(SETTINGS);
    fail(throttle, 'a', 'one', T0, 4);
    assert.equal(throttle.check('a', 'two', T0).ok, false);
  });

  it('under attack from many addresses, stops free guesses there, but never slows an address that has not guessed wrong', () => {
    const throttle = new JoinThrottle(SETTINGS);
    // One wrong password from each of many addresses: none of them alone passes its free allowance.
    for (let index = 0; index <= JOIN_ROOM_ALERT_FAILURES; index += 1) fail(throttle, `10.1.0.${index}`, 'lobby', T0, 1);
    assert.equal(throttle.check('10.1.0.0', 'lobby', T0 + 1).ok, false, 'a guessing address waits after one wrong password');
    assert.deepEqual(throttle.check('10.2.0.1', 'lobby', T0 + 1), { ok: true }, 'a member who never guessed wrong gets in');
    // Another room is not under attack: the same address keeps its free guesses there.
    assert.deepEqual(throttle.check('10.1.0.0', 'other', T0 + 1), { ok: true });
  });

  it('forgets an address some time after its last wrong password', () => {
    const throttle = new JoinThrottle(SETTINGS);
    fail(throttle, 'a', 'lobby', T0, 10);
    assert.equal(throttle.check('a', 'lobby', T0 + SETTINGS.maxDelayMs - 1).ok, false);
    assert.deepEqual(throttle.check('a', 'lobby', T0 + JOIN_FAILURE_MEMORY_MS + 1), { ok: true });
    assert.equal(throttle.recordFailure('a', 'lobby', T0 + JOIN_FAILURE_MEMORY_MS + 1), 0, 'its count starts again');
  });

  it('remembers a bounded number of addresses', () => {
    const throttle = new JoinThrottle(SETTINGS);
    for (let index = 0; index < JOIN_THROTTLE_MAX_ENTRIES + 10; index += 1) throttle.recordFailure(`a${index}`, 'lobby', T0);
    assert.equal(throttle.size, JOIN_THROTTLE_MAX_ENTRIES);
  });

  it('logs when it starts slowing an address down, and the refusals meanwhile, without a line per refusal', () => {
    const lines: Array<{ message: string; fields?: Record<string, unknown> }> = [];
    const logger = {
      debug: () => undefined,
      info: () => undefined,
      warn: (message: string, fields?: Record<string, unknown>) => lines.push({ message, fields }),
      error: () => undefined,
    };
    const throttle = new JoinThrottle({ ...SETTINGS, logger });
    fail(throttle, '10.0.0.9', 'lobby', T0, 4);
    assert.equal(lines.length, 1);
    assert.equal(lines[0]?.fields?.address, '10.0.0.9');
    assert.equal(lines[0]?.fields?.retryAfterMs, 1_000);
    // Refusals while it waits: the first is logged, the rest only counted.
    for (let index = 0; index < 50; index += 1) throttle.check('10.0.0.9', 'lobby', T0 + 10);
    assert.equal(lines.length, 2);
    assert.match(lines[1]?.message ?? '', /join refused/);
    throttle.recordFailure('10.0.0.9', 'lobby', T0 + 1_000);
    assert.equal(lines.length, 3);
    assert.equal(lines[2]?.fields?.refusedMeanwhile, 50);
  });
});
