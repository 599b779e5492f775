import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { PROTOCOL_VERSION, ROOM_MAX_LENGTH, ROOMS_REPORT_MAX_BYTES, parseRoomsReport } from '../../server/protocol';
import { ROOMS_REPORT_MAX_ROOMS, buildRoomsReport, type HostIdentity } from '../../server/rooms-endpoint';
import type { RoomListing } from '../../server/rooms';

const HOST: HostIdentity = { version: '1.0.0', hostName: 'Host', instanceId: 'id-1', guestRooms: true };

describe('buildRoomsReport', () => {
  it('gives a protected room no member count, an open one its count', () => {
    const report = buildRoomsReport(HOST, [
      { name: 'lobby', protected: false, members: 3 },
      { name: 'vault', protected: true, members: 2 },
    ]);
    assert.deepEqual(report, {
      name: 'lanchat',
      protocol: PROTOCOL_VERSION,
      ...HOST,
      rooms: [
        { name: 'lobby', protected: false, members: 3 },
        { name: 'vault', protected: true },
      ],
    });
  });

  it('says whether the host serves TLS and with which certificate, and leaves both out for a host that does not say', () => {
    const fingerprint = Array.from({ length: 32 }, () => 'CD').join(':');
    const report = buildRoomsReport({ ...HOST, tls: true, fingerprint }, []);
    assert.deepEqual([report.tls, report.fingerprint], [true, fingerprint]);
    assert.deepEqual(parseRoomsReport(JSON.parse(JSON.stringify(report))), report);
    const plain = buildRoomsReport(HOST, []);
    assert.equal('tls' in plain || 'fingerprint' in plain, false, 'an older host’s report shape');
    assert.notEqual(parseRoomsReport(JSON.parse(JSON.stringify(plain))), null);
  });

  it('keeps the first rooms that fit in ROOMS_REPORT_MAX_BYTES and drops the rest', () => {
    // The longest names, of four-byte characters: the most bytes a room can take.
    const rooms: RoomListing[] = Array.from({ length: ROOMS_REPORT_MAX_ROOMS }, (_, index) => ({
      name: `${index}`.padEnd(ROOM_MAX_LENGTH / 2, '\u{1F600}'),
      protected: index % 2 === 0,
      members: index,
    }));
    const report = buildRoomsReport(HOST, rooms);
    const body = JSON.stringify(report);
    assert.ok(Buffer.byteLength(body) <= ROOMS_REPORT_MAX_BYTES, `${Buffer.byteLength(body)} bytes`);
    assert.ok(report.rooms.length > 1_000 && report.rooms.length < rooms.length, `${report.rooms.length} rooms`);
    assert.deepEqual(
      report.rooms.map((room) => room.name),
      rooms.slice(0, report.rooms.length).map((room) => room.name),
      'the first ones, in order',
    );
    assert.ok(parseRoomsReport(JSON.parse(body)));
  });

  it('stays within a smaller limit too, down to no room at all', () => {
    const rooms: RoomListing[] = [
      { name: 'a', protected: false, members: 0 },
      { name: 'b', protected: false, members: 0 },
    ];
    const empty = JSON.stringify(buildRoomsReport(HOST, []));
    assert.deepEqual(buildRoomsReport(HOST, rooms, Buffer.byteLength(empty)).rooms, []);
    // An entry costs its JSON and one comma.
    const entry = Buffer.byteLength(JSON.stringify(rooms[0])) + 1;
    assert.deepEqual(buildRoomsReport(HOST, rooms, Buffer.byteLength(empty) + entry - 1).rooms, []);
    assert.deepEqual(buildRoomsReport(HOST, rooms, Buffer.byteLength(empty) + entry).rooms, [{ name: 'a', protected: false, members: 0 }]);
  });
});
