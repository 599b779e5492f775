/**
 * Tests for the pure parts of renderer/src/lib/network-host.ts and
 * renderer/src/lib/room-pick.ts (the state class in network-rooms.svelte.ts runs in the e2e
 * tests, tests/e2e/discovery-ui.e2e.test.ts).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import type { DiscoveredHost } from '../../electron/ipc-contract';
import { viewOfDiscovered } from '../../renderer/src/lib/network-host';
import { roomPickLabel } from '../../renderer/src/lib/room-pick';
import { PROTOCOL_VERSION } from '../../server/protocol';

const HOST: DiscoveredHost = {
  instanceId: 'a1',
  hostName: 'Alice',
  protocol: PROTOCOL_VERSION,
  protected: false,
  origins: ['http://192.168.1.5:8080', 'http://[fd00::5]:8080'],
  rooms: [{ name: 'standup', protected: false, members: 3 }],
  own: false,
};

describe('viewOfDiscovered', () => {
  test('joins at the first origin and shows it without the scheme', () => {
    const view = viewOfDiscovered(HOST);
    assert.equal(view?.origin, 'http://192.168.1.5:8080');
    assert.equal(view?.address, '192.168.1.5:8080');
    assert.equal(view?.incompatible, false);
    assert.deepEqual(view?.rooms, HOST.rooms);
  });

  test('a host speaking another protocol version is marked, a host without an address dropped', () => {
    assert.equal(viewOfDiscovered({ ...HOST, protocol: PROTOCOL_VERSION + 1 })?.incompatible, true);
    assert.equal(viewOfDiscovered({ ...HOST, origins: [] }), null);
  });

  test('keeps why its rooms could not be read', () => {
    assert.equal(viewOfDiscovered({ ...HOST, rooms: null, roomsError: 'timed out' })?.roomsError, 'timed out');
  });
});

describe('roomPickLabel', () => {
  test('names the room, the host and its member count, or that it needs a password', () => {
    assert.equal(roomPickLabel('standup', 'Alice’s host', { protected: false, members: 3 }), 'Join standup on Alice’s host, 3 members');
    assert.equal(roomPickLabel('standup', 'Alice’s host', { protected: false, members: 1 }), 'Join standup on Alice’s host, 1 member');
    assert.equal(roomPickLabel('vault', 'this computer', { protected: true }), 'Join vault on this computer, needs a password');
    assert.equal(roomPickLabel('lobby', '192.168.1.5:8080', { protected: false }), 'Join lobby on 192.168.1.5:8080');
  });
});
