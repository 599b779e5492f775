import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { SendQueueGuard } from '../../server/client-connection';

/** A clock the test moves by hand, counting how often it is read. */
function manualClock(start = 10_000) {
  const clock = { time: start, reads: 0, now: () => 0 };
  clock.now = () => {
    clock.reads += 1;
    return clock.time;
  };
  return clock;
}

describe('SendQueueGuard', () => {
  describe('#isOverLimit', () => {
    it('is never over the limit with an empty queue, and does not read the clock then', () => {
      const guard = new SendQueueGuard({ sendBufferBytes: 10, sendTimeLimitMs: 100 });
      const clock = manualClock();
      for (let index = 0; index < 5; index += 1) {
        assert.equal(guard.isOverLimit(0, clock.now), false);
        clock.time += 1_000;
      }
      assert.equal(clock.reads, 0);
    });

    it('is over the limit as soon as more than sendBufferBytes are queued', () => {
      const guard = new SendQueueGuard({ sendBufferBytes: 10, sendTimeLimitMs: 100 });
      const clock = manualClock();
      assert.equal(guard.isOverLimit(10, clock.now), false);
      assert.equal(guard.isOverLimit(11, clock.now), true);
    });

    it('is over the limit when the queue has stayed non-empty for longer than sendTimeLimitMs', () => {
      const guard = new SendQueueGuard({ sendBufferBytes: 1_000, sendTimeLimitMs: 100 });
      const clock = manualClock();
      assert.equal(guard.isOverLimit(1, clock.now), false);
      clock.time += 100;
      assert.equal(guard.isOverLimit(5, clock.now), false);
      clock.time += 1;
      assert.equal(guard.isOverLimit(5, clock.now), true);
    });

    it('restarts the time limit once the queue has emptied', () => {
      const guard = new SendQueueGuard({ sendBufferBytes: 1_000, sendTimeLimitMs: 100 });
      const clock = manualClock();
      assert.equal(guard.isOverLimit(1, clock.now), false);
      clock.time += 90;
      assert.equal(guard.isOverLimit(0, clock.now), false);
      clock.time += 90;
      assert.equal(guard.isOverLimit(1, clock.now), false);
      clock.time += 90;
      assert.equal(guard.isOverLimit(1, clock.now), false);
      clock.time += 11;
      assert.equal(guard.isOverLimit(1, clock.now), true);
    });
  });
});
