import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { KeyedTokenBuckets, TokenBucket } from '../../server/rate-limiter';

describe('TokenBucket', () => {
  describe('#take', () => {
    it('allows a burst of `capacity` messages at once, then refuses', () => {
      const bucket = new TokenBucket(3, 60_000, 1_000);
      assert.deepEqual([1, 2, 3, 4, 5].map(() => bucket.take(1_000)), [true, true, true, false, false]);
    });

    it('refills evenly: one token per intervalMs / capacity', () => {
      const bucket = new TokenBucket(3, 3_000, 0);
      for (let index = 0; index < 3; index += 1) bucket.take(0);
      assert.equal(bucket.take(999), false);
      assert.equal(bucket.take(1_000), true);
      assert.equal(bucket.take(1_000), false);
      assert.equal(bucket.take(3_000), true);
      assert.equal(bucket.take(3_000), true);
      assert.equal(bucket.take(3_000), false);
    });

    it('never holds more than capacity, however long it stayed unused', () => {
      const bucket = new TokenBucket(2, 1_000, 0);
      const takes = [1, 2, 3].map(() => bucket.take(1_000_000));
      assert.deepEqual(takes, [true, true, false]);
    });

    it('does not count refused attempts against later refills', () => {
      const bucket = new TokenBucket(1, 1_000, 0);
      assert.equal(bucket.take(0), true);
      for (let index = 0; index < 10; index += 1) assert.equal(bucket.take(500), false);
      assert.equal(bucket.take(1_000), true);
    });
  });
});

describe('KeyedTokenBuckets', () => {
  it('gives every key its own bucket', () => {
    const buckets = new KeyedTokenBuckets(2, 1_000);
    assert.equal(buckets.take('10.0.0.1', 0), true);
    assert.equal(buckets.take('10.0.0.1', 0), true);
    assert.equal(buckets.take('10.0.0.1', 0), false);
    assert.equal(buckets.take('10.0.0.2', 0), true);
    assert.equal(buckets.take('10.0.0.1', 500), true, 'half the interval refills one token');
  });

  it('drops buckets untouched for a whole interval (full again), so the map stays small', () => {
    const buckets = new KeyedTokenBuckets(1, 1_000);
    buckets.take('a', 0);
    buckets.take('b', 600);
    buckets.prune(999);
    assert.equal(buckets.size, 2);
    buckets.prune(1_000);
    assert.equal(buckets.size, 1);
    assert.equal(buckets.take('a', 1_000), true);
  });
});

describe('TokenBucket#has', () => {
  it('says whether a token is there without taking it', () => {
    const bucket = new TokenBucket(1, 1_000, 0);
    assert.equal(bucket.has(0), true);
    assert.equal(bucket.has(0), true);
    assert.equal(bucket.take(0), true);
    assert.equal(bucket.has(0), false);
    assert.equal(bucket.has(1_000), true);
  });
});
