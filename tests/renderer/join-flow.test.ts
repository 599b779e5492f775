/**
 * Tests for renderer/src/lib/join-flow.ts: finding the room a Join form
 * names among a host's rooms, compared as the host compares room names.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { RoomsReport } from '../../server/protocol';
import { findRoom } from '../../renderer/src/lib/join-flow';

const report: RoomsReport = {
  name: 'lanchat',
  protocol: 1,
  version: '1.0.0',
  hostName: 'Hana',
  instanceId: 'i',
  guestRooms: true,
  rooms: [
    { name: 'Lobby', protected: false, members: 2 },
    { name: 'Book club', protected: true },
  ],
};

describe('findRoom', () => {
  it("finds a room whatever its letter case, in the host's spelling", () => {
    assert.equal(findRoom(report, 'lobby')?.name, 'Lobby');
    assert.equal(findRoom(report, '  BOOK CLUB ')?.name, 'Book club');
  });

  it('compares NFKC forms, as the host does (fullwidth letters are plain ones)', () => {
    assert.equal(findRoom(report, 'Ｌｏｂｂｙ')?.name, 'Lobby');
  });

  it('finds nothing for a room the host does not have, lookalikes included', () => {
    assert.equal(findRoom(report, 'lobbby'), undefined);
    assert.equal(findRoom(report, 'L0bby'), undefined);
    assert.equal(findRoom({ ...report, rooms: [] }, 'lobby'), undefined);
  });
});
