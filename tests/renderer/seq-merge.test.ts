/**
 * Tests for renderer/src/lib/seq-merge.ts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { advanceContiguous, gapRequest, insertBySeq, seqIndex } from '../../renderer/src/lib/seq-merge';
import { HISTORY_PAGE_MAX } from '../../server/protocol';

const items = (...seqs: number[]) => seqs.map((seq) => ({ seq, text: `m${seq}` }));

describe('seqIndex', () => {
  test('finds where a seq sits or belongs', () => {
    const sorted = items(2, 4, 6);
    assert.equal(seqIndex(sorted, 1), 0);
    assert.equal(seqIndex(sorted, 4), 1);
    assert.equal(seqIndex(sorted, 5), 2);
    assert.equal(seqIndex(sorted, 7), 3);
    assert.equal(seqIndex([], 3), 0);
  });
});

describe('insertBySeq', () => {
  test('inserts by seq, before, between and after', () => {
    const sorted = items(3, 5);
    assert.equal(insertBySeq(sorted, { seq: 4, text: 'm4' }), true);
    assert.equal(insertBySeq(sorted, { seq: 1, text: 'm1' }), true);
    assert.equal(insertBySeq(sorted, { seq: 9, text: 'm9' }), true);
    assert.deepEqual(sorted.map((item) => item.seq), [1, 3, 4, 5, 9]);
  });

  test('never duplicates a seq (the first copy stays)', () => {
    const sorted = items(1, 2, 3);
    assert.equal(insertBySeq(sorted, { seq: 2, text: 'again' }), false);
    assert.deepEqual(sorted, items(1, 2, 3));
  });

  test('merging overlapping pages in any order gives each seq once, sorted', () => {
    const sorted: Array<{ seq: number; text: string }> = [];
    for (const page of [items(50, 51, 52), items(40, 41, 50, 51), items(52, 53), items(1, 2, 41)]) {
      for (const item of page) insertBySeq(sorted, item);
    }
    assert.deepEqual(sorted.map((item) => item.seq), [1, 2, 40, 41, 50, 51, 52, 53]);
  });
});

describe('advanceContiguous', () => {
  test('walks over the seqs that follow on', () => {
    assert.equal(advanceContiguous(3, items(1, 2, 3, 4, 5, 7)), 5);
  });

  test('stays put at a gap or when nothing follows', () => {
    assert.equal(advanceContiguous(3, items(1, 2, 3, 5, 6)), 3);
    assert.equal(advanceContiguous(9, items(1, 2)), 9);
    assert.equal(advanceContiguous(0, []), 0);
  });

  test('starts from 0 for a room seen from its first message', () => {
    assert.equal(advanceContiguous(0, items(1, 2, 3)), 3);
  });

  test('ignores older seqs and skips nothing above', () => {
    assert.equal(advanceContiguous(10, items(2, 11, 12, 14)), 12);
  });
});

describe('gapRequest', () => {
  test('is null without a gap', () => {
    assert.equal(gapRequest(10, 11), null);
    assert.equal(gapRequest(10, 5), null);
  });

  test('asks for exactly the missing messages when they fit one page', () => {
    assert.deepEqual(gapRequest(10, 14), { before: 14, limit: 3 });
  });

  test('asks for a full page of the newest ones when more are missing', () => {
    assert.deepEqual(gapRequest(0, 1_000), { before: 1_000, limit: HISTORY_PAGE_MAX });
  });
});
