/**
 * Tests for renderer/src/lib/validation.ts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { UiErrorCode } from '../../renderer/src/lib/error-text';
import { checkMaxMembers } from '../../renderer/src/lib/validation';

describe('checkMaxMembers', () => {
  test('accepts blank (the host default) and whole numbers from 1', () => {
    assert.equal(checkMaxMembers(null), null);
    assert.equal(checkMaxMembers(undefined), null);
    assert.equal(checkMaxMembers(1), null);
    assert.equal(checkMaxMembers(50), null);
  });

  test('refuses zero, negatives, fractions and NaN', () => {
    for (const value of [0, -3, 2.5, Number.NaN]) {
      assert.equal(checkMaxMembers(value)?.code, UiErrorCode.InvalidMaxMembers, String(value));
    }
  });
});
