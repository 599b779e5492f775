/**
 * Tests for renderer/src/lib/resume-key.ts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { createResumeKey } from '../../renderer/src/lib/resume-key';
import { JoinSchema, RESUME_KEY_MAX_LENGTH, RESUME_KEY_MIN_LENGTH } from '../../server/protocol';

describe('createResumeKey', () => {
  test('is 32 lowercase hex digits', () => {
    assert.match(createResumeKey(), /^[0-9a-f]{32}$/);
  });

  test('writes every random byte as two hex digits, keeping leading zeros', (t) => {
    const bytes = [0x00, 0x0f, 0xa0, 0xff, 0x01, 0x10, 0x7e, 0x80];
    t.mock.method(globalThis.crypto, 'getRandomValues', <T extends ArrayBufferView | null>(array: T): T => {
      const view = array as unknown as Uint8Array;
      for (let i = 0; i < view.length; i += 1) view[i] = bytes[i % bytes.length] ?? 0;
      return array;
    });
    assert.equal(createResumeKey(), '000fa0ff01107e80000fa0ff01107e80');
  });

  test('uses its whole length for randomness: every position takes every hex digit', () => {
    // 2,000 keys: the chance that one of the 32 positions misses one of the
    // 16 digits by luck is below 32 * 16 * (15/16)^2000, about 1e-53.
    const seen = Array.from({ length: 32 }, () => new Set<string>());
    for (let i = 0; i < 2_000; i += 1) {
      [...createResumeKey()].forEach((digit, position) => seen[position]?.add(digit));
    }
    assert.deepEqual(
      seen.map((digits) => digits.size),
      Array.from({ length: 32 }, () => 16),
    );
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
