import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { isHostError, parseHostRequest } from '../../electron/host-request';

describe('parseHostRequest', () => {
  const valid = { port: 0, room: ' lobby ', scope: 'local' };

  test('accepts a well-formed request with a trimmed room name', () => {
    assert.deepEqual(parseHostRequest(valid), { port: 0, room: 'lobby', scope: 'local' });
  });

  test('passes freshHistory on only when it is exactly true (the user chose a new history)', () => {
    assert.deepEqual(parseHostRequest({ ...valid, freshHistory: true }), { port: 0, room: 'lobby', scope: 'local', freshHistory: true });
    assert.deepEqual(parseHostRequest({ ...valid, freshHistory: false }), { port: 0, room: 'lobby', scope: 'local' });
    for (const bad of ['yes', 1, null, {}]) {
      const result = parseHostRequest({ ...valid, freshHistory: bad });
      assert.ok(isHostError(result), `freshHistory ${JSON.stringify(bad)}`);
      assert.equal(result.code, 'HOST_ERR_INVALID_REQUEST');
    }
  });

  test('refuses a port out of range and an unknown scope', () => {
    for (const bad of [{ ...valid, port: 70_000 }, { ...valid, port: 1.5 }, { ...valid, scope: 'world' }, null]) {
      const result = parseHostRequest(bad);
      assert.ok(isHostError(result), JSON.stringify(bad));
      assert.equal(result.code, 'HOST_ERR_INVALID_REQUEST');
    }
  });
});
