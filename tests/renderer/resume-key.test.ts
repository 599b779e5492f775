/**
 * Tests for renderer/src/lib/resume-key.ts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { RESUME_KEY_BYTES, createResumeKey } from '../../renderer/src/lib/resume-key';
import { JoinSchema, RESUME_KEY_MAX_LENGTH, RESUME_KEY_MIN_LENGTH } from '../../server/protocol';

describe('createResumeKey', () => {
  test('is 32 lowercase hex digits', () => {
    assert.equal(RESUME_KEY_BYTES * 2, 32);
    assert.match(createResumeKey(), /^[0-9a-f]{32}$/);
  });

  test("fits the protocol's bounds and the join schema", () => {
    const key = createResumeKey();
    assert.ok(key.length >= RESUME_KEY_MIN_LENGTH && key.length <= RESUME_KEY_MAX_LENGTH);
    assert.equal(JoinSchema.safeParse({ type: 'join', room: 'lobby', name: 'Ada', resumeKey: key }).success, true);
  });

  test('differs from call to call', () => {
    const keys = new Set(Array.from({ length: 100 }, () => createResumeKey()));
    assert.equal(keys.size, 100);
  });

  test('needs only crypto.getRandomValues (no secure context for randomUUID)', (t) => {
    const randomUUID = t.mock.method(globalThis.crypto, 'randomUUID', () => {
      throw new TypeError('crypto.randomUUID is only available in secure contexts');
    });
    assert.match(createResumeKey(), /^[0-9a-f]{32}$/);
    assert.equal(randomUUID.mock.callCount(), 0);
  });
});
