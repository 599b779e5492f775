import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { isHostError, parseHostRequest, shouldAnnounce, shouldUseTls } from '../../electron/host-request';

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

  test('passes announce and allowGuestRooms on as given, and refuses anything but a boolean', () => {
    assert.deepEqual(parseHostRequest({ ...valid, announce: false, allowGuestRooms: false }), {
      port: 0,
      room: 'lobby',
      scope: 'local',
      announce: false,
      allowGuestRooms: false,
    });
    assert.deepEqual(parseHostRequest({ ...valid, announce: true, allowGuestRooms: true }), {
      port: 0,
      room: 'lobby',
      scope: 'local',
      announce: true,
      allowGuestRooms: true,
    });
    for (const field of ['announce', 'allowGuestRooms']) {
      for (const bad of ['yes', 1, null, {}]) {
        const result = parseHostRequest({ ...valid, [field]: bad });
        assert.ok(isHostError(result), `${field} ${JSON.stringify(bad)}`);
        assert.equal(result.code, 'HOST_ERR_INVALID_REQUEST');
      }
    }
  });

  test('trims the host name, leaves an empty one out (the default applies), and refuses long, control-character or non-string names', () => {
    assert.deepEqual(parseHostRequest({ ...valid, hostName: '  Ada’s laptop ' }), { port: 0, room: 'lobby', scope: 'local', hostName: 'Ada’s laptop' });
    assert.deepEqual(parseHostRequest({ ...valid, hostName: '' }), { port: 0, room: 'lobby', scope: 'local' });
    assert.equal((parseHostRequest({ ...valid, hostName: 'x'.repeat(63) }) as { hostName?: string }).hostName, 'x'.repeat(63));
    for (const bad of ['x'.repeat(64), '   ', 'a\nb', 'bell\u0007', 42, null, ['a']]) {
      const result = parseHostRequest({ ...valid, hostName: bad });
      assert.ok(isHostError(result), `hostName ${JSON.stringify(bad)}`);
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

describe('shouldAnnounce', () => {
  test("announces a LAN host unless told not to, and never a host for this computer only", () => {
    assert.equal(shouldAnnounce({ scope: 'lan' }), true);
    assert.equal(shouldAnnounce({ scope: 'lan', announce: true }), true);
    assert.equal(shouldAnnounce({ scope: 'lan', announce: false }), false);
    assert.equal(shouldAnnounce({ scope: 'local' }), false);
    assert.equal(shouldAnnounce({ scope: 'local', announce: true }), false);
  });
});

describe('TLS for the desktop host', () => {
  test('passes tls on only as a yes or no choice', () => {
    const valid = { port: 0, room: 'lobby', scope: 'lan' };
    assert.deepEqual(parseHostRequest({ ...valid, tls: false }), { port: 0, room: 'lobby', scope: 'lan', tls: false });
    assert.equal(isHostError(parseHostRequest({ ...valid, tls: 'yes' })), true);
  });

  test('serves TLS by default on the LAN, not for this computer only, and as asked otherwise', () => {
    assert.equal(shouldUseTls({ scope: 'lan' }), true);
    assert.equal(shouldUseTls({ scope: 'local' }), false);
    assert.equal(shouldUseTls({ scope: 'lan', tls: false }), false);
    assert.equal(shouldUseTls({ scope: 'local', tls: true }), true);
  });
});
