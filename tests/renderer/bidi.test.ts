/**
 * Tests for renderer/src/lib/bidi.ts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { revealOverrides } from '../../renderer/src/lib/bidi';

describe('revealOverrides', () => {
  test('keeps text without overrides in one piece', () => {
    assert.deepEqual(revealOverrides('hello'), [{ kind: 'text', text: 'hello' }]);
    // Right-to-left text and the marks its writers use are left alone.
    assert.deepEqual(revealOverrides('שלום \u200Fworld'), [{ kind: 'text', text: 'שלום \u200Fworld' }]);
  });

  test('turns a right-to-left override into a visible mark, so "invoice\u202Egpj.exe" cannot pass for a .jpg', () => {
    const segments = revealOverrides('invoice\u202Egpj.exe');
    assert.deepEqual(
      segments.map((segment) => (segment.kind === 'text' ? segment.text : `[${segment.label}]`)),
      ['invoice', '[RLO]', 'gpj.exe'],
    );
    assert.ok(segments.every((segment) => segment.kind !== 'text' || !/[\u202D\u202E]/u.test(segment.text)));
  });

  test('handles overrides at the ends and in a row', () => {
    assert.deepEqual(
      revealOverrides('\u202D\u202Ea').map((segment) => (segment.kind === 'text' ? segment.text : segment.label)),
      ['LRO', 'RLO', 'a'],
    );
  });
});
