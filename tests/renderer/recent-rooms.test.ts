/**
 * Tests for renderer/src/lib/recent-rooms.ts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  RECENT_ROOMS_MAX,
  RECENT_ROOMS_STORAGE_KEY,
  RecentRoomsStore,
  parseRecentRooms,
} from '../../renderer/src/lib/recent-rooms';

import { MemoryStorage } from './helpers';

const ALICE = 'http://192.168.1.5:8080';
const BOB = 'http://192.168.1.7:8080';

describe('RecentRoomsStore', () => {
  test('starts empty and remembers rooms newest first under lanchat.recentRooms', () => {
    const storage = new MemoryStorage();
    const store = new RecentRoomsStore(storage);
    assert.deepEqual(store.load(), []);
    store.record(ALICE, 'lobby', { at: 1 });
    store.record(BOB, 'standup', { at: 2 });
    assert.ok(storage.getItem(RECENT_ROOMS_STORAGE_KEY) !== null);
    assert.deepEqual(
      new RecentRoomsStore(storage).load().map((entry) => [entry.origin, entry.room]),
      [
        [BOB, 'standup'],
        [ALICE, 'lobby'],
      ],
    );
  });

  test('one entry per host and case-folded room: joining again moves it to the top with the new spelling', () => {
    const store = new RecentRoomsStore(new MemoryStorage());
    store.record(ALICE, 'Lobby', { at: 1 });
    store.record(BOB, 'lobby', { at: 2 });
    const rooms = store.record(ALICE, ' lobby ', { at: 3 });
    assert.deepEqual(
      rooms.map((entry) => [entry.origin, entry.room]),
      [
        [ALICE, 'lobby'],
        [BOB, 'lobby'],
      ],
    );
  });

  test(`keeps the last ${RECENT_ROOMS_MAX}`, () => {
    const store = new RecentRoomsStore(new MemoryStorage());
    for (let i = 0; i < RECENT_ROOMS_MAX + 3; i += 1) store.record(ALICE, `room-${i}`, { at: i });
    const rooms = store.load();
    assert.equal(rooms.length, RECENT_ROOMS_MAX);
    assert.equal(rooms[0]?.room, `room-${RECENT_ROOMS_MAX + 2}`);
    assert.equal(rooms.at(-1)?.room, 'room-3');
  });

  test('remove forgets one room, matched case-insensitively', () => {
    const store = new RecentRoomsStore(new MemoryStorage());
    store.record(ALICE, 'Lobby', { at: 1 });
    store.record(ALICE, 'standup', { at: 2 });
    assert.deepEqual(
      store.remove(ALICE, 'lobby').map((entry) => entry.room),
      ['standup'],
    );
    assert.deepEqual(store.remove(ALICE, 'standup'), []);
    assert.deepEqual(store.load(), []);
  });

  test('never stores a password, even when handed one; a protected room is only marked', () => {
    const storage = new MemoryStorage();
    const store = new RecentRoomsStore(storage);
    store.record(ALICE, 'vault', { protected: true, password: 'hunter2' } as { protected: boolean });
    const raw = storage.getItem(RECENT_ROOMS_STORAGE_KEY) ?? '';
    assert.doesNotMatch(raw, /hunter2|password/);
    assert.equal(store.load()[0]?.protected, true);
  });

  test('works without storage, and when storage refuses writes', () => {
    assert.deepEqual(
      new RecentRoomsStore(null).record(ALICE, 'lobby', { at: 7 }),
      [{ origin: ALICE, room: 'lobby', protected: false, at: 7 }],
      'the new list is returned even when it cannot be kept',
    );
    assert.deepEqual(new RecentRoomsStore(null).load(), []);
    const full = new MemoryStorage();
    full.full = true;
    assert.doesNotThrow(() => new RecentRoomsStore(full).record(ALICE, 'lobby'));
  });
});

describe('parseRecentRooms', () => {
  test('drops entries that are not rooms on http(s) hosts, sorts and de-duplicates the rest', () => {
    const rooms = parseRecentRooms([
      { origin: ALICE, room: 'lobby', at: 1, protected: false },
      { origin: 'javascript:alert(1)', room: 'x', at: 5 },
      { origin: `${ALICE}/path`, room: 'x', at: 5 },
      { origin: BOB, room: '   ', at: 5 },
      { origin: BOB, room: 'standup', at: 'yesterday' },
      'lobby',
      null,
      { origin: BOB, room: 'standup', at: 4, extra: 'dropped' },
      { origin: ALICE, room: 'LOBBY', at: 0 },
    ]);
    assert.deepEqual(rooms, [
      { origin: BOB, room: 'standup', protected: false, at: 4 },
      { origin: ALICE, room: 'lobby', protected: false, at: 1 },
    ]);
  });

  test('anything but an array is an empty list', () => {
    assert.deepEqual(parseRecentRooms(undefined), []);
    assert.deepEqual(parseRecentRooms({ origin: ALICE }), []);
  });
});
