/**
 * Tests for renderer/src/lib/validation.ts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { UiErrorCode } from '../../renderer/src/lib/error-text';
import { checkMaxMembers, checkNameAndRoom } from '../../renderer/src/lib/validation';
import { ErrorCode, decodeClientMessage } from '../../server/protocol';

describe('checkNameAndRoom', () => {
  // The app must refuse exactly what the host refuses, so a user learns it before joining.
  const cases: Array<[string, string]> = [
    ['Ann', 'lobby'],
    ['\uFF21nn', '\uFF4Cobby'],
    ['김민준', '팀 회의'],
    ['Ann\u202E', 'lobby'],
    ['A\u200Bnn', 'lobby'],
    ['Ann\u0000', 'lobby'],
    ['Ann', 'lob\u200Bby'],
    ['Ann', 'a/b'],
    ['', 'lobby'],
    ['x'.repeat(33), 'lobby'],
  ];
  for (const [name, room] of cases) {
    test(`agrees with the host on ${JSON.stringify(name)} in ${JSON.stringify(room)}`, () => {
      const host = decodeClientMessage(JSON.stringify({ type: 'join', name, room }));
      const app = checkNameAndRoom(name, room);
      assert.equal(app?.code ?? null, host.ok ? null : host.code);
    });
  }

  test('says why a name with hidden characters is refused', () => {
    const refused = checkNameAndRoom('Ann\u202E', 'lobby');
    assert.equal(refused?.code, ErrorCode.InvalidName);
    assert.match(refused?.text ?? '', /invisible or text-direction/);
  });
});

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
