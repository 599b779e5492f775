import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';

import type { ClientConnection } from '../../server/client-connection';
import { GroupCommitter } from '../../server/group-commit';
import { IN_MEMORY, openHistoryStore, type HistoryStore } from '../../server/history-store';
import { silentLogger } from '../../server/logger';
import { createVerifier } from '../../server/password-verifier';
import type { ChatMessage, Member } from '../../server/protocol';
import { Room, RoomRegistry, messageMemoryBytes, type RegistryLimits, type RoomRules, type RoomStorage, type SubmitResult } from '../../server/rooms';
import { SharedFrame } from '../../server/shared-frame';

/** The smallest ClientConnection: records what it is sent. */
class FakeConnection implements ClientConnection {
  readonly transport = 'ws' as const;
  readonly remoteAddress = '127.0.0.1';
  readonly openedAt = 0;
  readonly lastActivityAt = 0;
  readonly sent: string[] = [];
  /** The broadcasts among them, as the objects the room handed over. */
  readonly shared: SharedFrame[] = [];

  constructor(readonly id: string) {}

  send(data: string | SharedFrame): void {
    if (data instanceof SharedFrame) this.shared.push(data);
    this.sent.push(typeof data === 'string' ? data : data.text);
  }

  close(): void {}

  onMessage(): void {}

  onClose(): void {}
}

/** Storage in an in-memory database; the tests commit by hand with `flush()`. */
function memoryStorage(store: HistoryStore = openHistoryStore(IN_MEMORY)): RoomStorage {
  return { store, committer: new GroupCommitter(store, silentLogger) };
}

/** A room with its own in-memory storage. */
function newRoom(name: string, maxHistory: number, rules: RoomRules = OPEN, storage: RoomStorage = memoryStorage()): Room & { storage: RoomStorage } {
  return Object.assign(new Room(name, maxHistory, rules, storage), { storage });
}

/** Submits a message and commits it at once; returns what `done` got. */
function submitNow(room: Room & { storage: RoomStorage }, from: Member, clientId: string, text: string, now: number): SubmitResult {
  let result: SubmitResult | undefined;
  room.submit(from, clientId, text, now, (outcome) => {
    result = outcome;
  });
  room.storage.committer.flush();
  assert.ok(result, 'done was not called after the commit');
  return result;
}

/** The stored message of a successful submit. */
function stored(result: SubmitResult): { message: ChatMessage; duplicate: boolean } {
  assert.equal(result.ok, true, `submit failed: ${result.ok ? '' : result.error.message}`);
  return result as { ok: true; message: ChatMessage; duplicate: boolean };
}

/** A verifier of the password 'pw' (scrypt, as the host stores it). */
let PW_VERIFIER = '';
before(async () => {
  PW_VERIFIER = await createVerifier('pw');
});

/** Open-room rules with room for everyone the tests add. */
const OPEN: RoomRules = { maxMembers: 100 };

/** Registry limits roomy enough that only the tests about limits reach them. */
function limits(overrides: Partial<RegistryLimits> = {}): RegistryLimits {
  return { maxHistory: 10, maxRooms: 100, defaultMaxMembers: 100, ...overrides };
}

/** Creates a room that must exist (getOrCreate returns undefined only past maxRooms). */
function mustGet(registry: RoomRegistry, name: string): Room {
  const room = registry.getOrCreate(name);
  assert.ok(room, `room ${name} was not created`);
  return room;
}

function addMember(
  room: Room,
  id: string,
  name: string,
  resumeKey?: string,
): { member: Member; connection: FakeConnection; evictions: () => number } {
  const member = { id, name };
  const connection = new FakeConnection(`conn-${id}`);
  let evicted = 0;
  room.add({ member, connection, resumeKey, evict: () => (evicted += 1) });
  return { member, connection, evictions: () => evicted };
}

const ann: Member = { id: 'm-ann', name: 'Ann' };
const bob: Member = { id: 'm-bob', name: 'Bob' };

describe('Room', () => {
  describe('#submit', () => {
    it('numbers messages 1, 2, 3 and stores sender, client id, text and time', async () => {
      const room = newRoom('lobby', 10);
      assert.equal(room.lastSeq, 0);
      const first = stored(submitNow(room, ann, 'a-1', 'hello', 1000));
      const second = stored(submitNow(room, bob, 'b-1', 'hi', 1001));
      const third = stored(submitNow(room, ann, 'a-2', 'bye', 1002));
      assert.deepEqual(first, {
        ok: true,
        duplicate: false,
        message: { type: 'message', room: 'lobby', seq: 1, ts: 1000, from: ann, clientId: 'a-1', text: 'hello' },
      });
      assert.deepEqual([second.message.seq, third.message.seq], [2, 3]);
      assert.equal(room.lastSeq, 3);
    });

    it('reports nothing and broadcasts nothing before the commit; then broadcasts to every member, sender included', async () => {
      const room = newRoom('lobby', 10);
      const a = addMember(room, 'm-ann', 'Ann');
      const b = addMember(room, 'm-bob', 'Bob');
      const results: SubmitResult[] = [];
      room.submit(ann, 'a-1', 'hello', 1000, (result) => results.push(result));
      assert.deepEqual(results, []);
      assert.equal(room.lastSeq, 0, 'lastSeq counts committed messages only');
      assert.deepEqual([a.connection.sent, b.connection.sent], [[], []]);
      room.storage.committer.flush();
      assert.equal(results.length, 1);
      const [result] = results;
      assert.ok(result);
      const frame = JSON.stringify(stored(result).message);
      assert.deepEqual([a.connection.sent, b.connection.sent], [[frame], [frame]]);
      assert.equal(room.lastSeq, 1);
    });

    it('copies the sender rather than keeping a reference to it', async () => {
      const room = newRoom('lobby', 10);
      const from = { id: 'm-x', name: 'X' };
      const { message } = stored(submitNow(room, from, 'x-1', 'text', 1));
      from.name = 'changed';
      assert.deepEqual(message.from, { id: 'm-x', name: 'X' });
    });

    it('returns the stored message with duplicate: true for a resend of the same client id by the same sender, without broadcasting it again', async () => {
      const room = newRoom('lobby', 10);
      const listener = addMember(room, 'm-l', 'Listener');
      const original = stored(submitNow(room, ann, 'a-1', 'hello', 1000));
      submitNow(room, bob, 'b-1', 'hi', 1001);
      const resend = stored(submitNow(room, ann, 'a-1', 'hello (resent)', 2000));
      assert.equal(resend.duplicate, true);
      assert.deepEqual(resend.message, original.message);
      assert.equal(room.lastSeq, 2);
      assert.equal(listener.connection.sent.length, 2);
      assert.deepEqual(
        room.recentSince(0, 10).messages.map((message) => message.text),
        ['hello', 'hi'],
      );
    });

    it('recognises a resend while the original is still waiting for its commit', async () => {
      const room = newRoom('lobby', 10);
      const results: SubmitResult[] = [];
      room.submit(ann, 'a-1', 'hello', 1000, (result) => results.push(result));
      room.submit(ann, 'a-1', 'hello', 1001, (result) => results.push(result));
      room.storage.committer.flush();
      const [first, second] = results.map(stored);
      assert.equal(first?.duplicate, false);
      assert.equal(second?.duplicate, true);
      assert.deepEqual(second?.message, first?.message);
      assert.equal(room.lastSeq, 1);
    });

    it('recognises resends by sender name without letter case', async () => {
      const room = newRoom('lobby', 10);
      submitNow(room, ann, 'a-1', 'hello', 1000);
      assert.equal(stored(submitNow(room, { id: 'm-other', name: 'ANN' }, 'a-1', 'hello', 1001)).duplicate, true);
    });

    it('treats the same client id from another sender as a new message', async () => {
      const room = newRoom('lobby', 10);
      submitNow(room, ann, 'same', 'from Ann', 1);
      const fromBob = stored(submitNow(room, bob, 'same', 'from Bob', 2));
      assert.equal(fromBob.duplicate, false);
      assert.equal(fromBob.message.seq, 2);
    });

    it('keeps at most maxHistory messages in memory while seq keeps counting; older ones come from the store', async () => {
      const room = newRoom('lobby', 3);
      for (let index = 1; index <= 5; index += 1) submitNow(room, ann, `a-${index}`, `text ${index}`, index);
      assert.equal(room.lastSeq, 5);
      assert.deepEqual(
        room.recentSince(0, 100).messages.map((message) => message.seq),
        [1, 2, 3, 4, 5],
      );
    });

    it('still recognises a resend of a message that has left the in-memory history', async () => {
      const room = newRoom('lobby', 2);
      submitNow(room, ann, 'a-1', 'one', 1);
      submitNow(room, ann, 'a-2', 'two', 2);
      submitNow(room, ann, 'a-3', 'three', 3);
      const resentOld = stored(submitNow(room, ann, 'a-1', 'one', 4));
      assert.equal(resentOld.duplicate, true);
      assert.equal(resentOld.message.seq, 1);
      assert.equal(room.lastSeq, 3);
    });

    it('hands the sequence number back when the commit fails, keeping the sequence gap-free', async () => {
      const storage = memoryStorage();
      const room = newRoom('lobby', 10, OPEN, storage);
      const listener = addMember(room, 'm-l', 'Listener');
      submitNow(room, ann, 'a-1', 'one', 1);
      const appendBatch = storage.store.appendBatch.bind(storage.store);
      storage.store.appendBatch = () => {
        throw new Error('disk full');
      };
      const failed = submitNow(room, ann, 'a-2', 'two', 2);
      assert.equal(failed.ok, false);
      assert.equal(room.lastSeq, 1);
      assert.equal(listener.connection.sent.length, 1, 'a failed message is not broadcast');
      storage.store.appendBatch = appendBatch;
      assert.equal(stored(submitNow(room, ann, 'a-2', 'two', 3)).message.seq, 2);
    });

    // A failing fsync cannot be had here: the store's sync reports one instead.
    it('after a failed flush: shows the written message, acks nothing, not even a resend of it, and keeps the seq it showed', async () => {
      const storage = memoryStorage();
      const room = newRoom('lobby', 10, OPEN, storage);
      const listener = addMember(room, 'm-l', 'Listener');
      storage.store.sync = (done) => done(new Error('EIO: i/o error, fsync'));
      const failed = submitNow(room, ann, 'a-1', 'one', 1);
      assert.equal(failed.ok, false);
      assert.equal(listener.connection.sent.length, 1, 'written, so shown, before the flush failed');
      assert.equal(room.lastSeq, 1, 'its seq was shown: it is not handed back');
      const resend = submitNow(room, ann, 'a-1', 'one', 2);
      assert.equal(resend.ok, false, 'a resend is not acked as stored: nothing is known to be on disk');
      const next = submitNow(room, bob, 'b-1', 'two', 3);
      assert.equal(next.ok, false);
      assert.equal(listener.connection.sent.length, 1, 'nothing more is shown');
      assert.equal(room.lastSeq, 1);
    });

    it('picks up where the stored history ends when the room is created again (host restart)', async () => {
      const store = openHistoryStore(IN_MEMORY);
      const before = newRoom('lobby', 10, OPEN, memoryStorage(store));
      for (let index = 1; index <= 3; index += 1) submitNow(before, ann, `a-${index}`, `text ${index}`, index);
      const after = newRoom('lobby', 10, OPEN, memoryStorage(store));
      assert.equal(after.lastSeq, 3);
      assert.equal(stored(submitNow(after, ann, 'a-2', 'text 2', 9)).duplicate, true);
      assert.equal(stored(submitNow(after, bob, 'b-1', 'new', 10)).message.seq, 4);
    });
  });

  describe('#recentSince', () => {
    const room = newRoom('lobby', 100);
    for (let index = 1; index <= 10; index += 1) submitNow(room, ann, `a-${index}`, `text ${index}`, index);
    const seqs = (since: number, limit: number) => room.recentSince(since, limit).messages.map((message) => message.seq);

    it('returns messages after since, oldest first', async () => {
      assert.deepEqual(seqs(7, 100), [8, 9, 10]);
      assert.deepEqual(seqs(0, 100), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    });

    it('returns nothing when since is the last seq or beyond', async () => {
      assert.deepEqual(seqs(10, 100), []);
      assert.deepEqual(seqs(99, 100), []);
    });

    it('keeps the newest ones when more than limit match, and says older ones exist', async () => {
      assert.deepEqual(seqs(0, 3), [8, 9, 10]);
      assert.deepEqual(seqs(5, 2), [9, 10]);
      assert.equal(room.recentSince(0, 3).hasMore, true);
      assert.equal(room.recentSince(0, 100).hasMore, false);
    });

    it('returns nothing for an empty room', async () => {
      assert.deepEqual(newRoom('empty', 10).recentSince(0, 10), { messages: [], hasMore: false });
    });

    it('reads past the in-memory cap from the store', async () => {
      const capped = newRoom('capped', 3);
      for (let index = 1; index <= 6; index += 1) submitNow(capped, ann, `a-${index}`, 'x', index);
      assert.deepEqual(
        capped.recentSince(1, 100).messages.map((message) => message.seq),
        [2, 3, 4, 5, 6],
      );
      assert.deepEqual(
        capped.recentSince(4, 100).messages.map((message) => message.seq),
        [5, 6],
      );
    });
  });

  describe('#page', () => {
    const room = newRoom('lobby', 3);
    for (let index = 1; index <= 10; index += 1) submitNow(room, ann, `a-${index}`, `text ${index}`, index);

    it('returns up to limit messages before `before`, oldest first, and whether more exist', async () => {
      assert.deepEqual(
        room.page(8, 3).messages.map((message) => message.seq),
        [5, 6, 7],
      );
      assert.equal(room.page(8, 3).hasMore, true);
      assert.deepEqual(
        room.page(3, 10).messages.map((message) => message.seq),
        [1, 2],
      );
      assert.equal(room.page(3, 10).hasMore, false);
    });

    it('returns nothing before the first message', async () => {
      assert.deepEqual(room.page(1, 10), { messages: [], hasMore: false });
    });

    it('treats `before` past the end as the end', async () => {
      assert.deepEqual(
        room.page(1_000, 2).messages.map((message) => message.seq),
        [9, 10],
      );
    });
  });

  describe('members', () => {
    it('adds, lists in join order and removes members', async () => {
      const room = newRoom('lobby', 10);
      addMember(room, 'm1', 'Ann');
      addMember(room, 'm2', 'Bob');
      assert.equal(room.size, 2);
      assert.deepEqual(room.members(), [
        { id: 'm1', name: 'Ann' },
        { id: 'm2', name: 'Bob' },
      ]);
      assert.equal(room.remove('m1'), true);
      assert.equal(room.remove('m1'), false);
      assert.deepEqual(room.members(), [{ id: 'm2', name: 'Bob' }]);
    });
  });

  describe('#admit', () => {
    const key = 'k'.repeat(32);

    it('admits anyone into an open room with space', async () => {
      const room = newRoom('lobby', 10, { maxMembers: 2 });
      assert.equal(room.isProtected, false);
      assert.deepEqual((await room.admit('Ann', undefined, undefined)), { ok: true });
      // A password given to an open room is ignored, not refused.
      assert.deepEqual((await room.admit('Ann', 'whatever', undefined)), { ok: true });
    });

    it('refuses a protected room without a password (undefined or empty) with passwordRequired', async () => {
      const room = newRoom('secret', 10, { maxMembers: 2, verifier: PW_VERIFIER });
      assert.equal(room.isProtected, true);
      assert.deepEqual((await room.admit('Ann', undefined, undefined)), { ok: false, reason: 'passwordRequired' });
      assert.deepEqual((await room.admit('Ann', '', undefined)), { ok: false, reason: 'passwordRequired' });
    });

    it('refuses a wrong password (also one of another length, and the right one in another case)', async () => {
      const room = newRoom('secret', 10, { maxMembers: 2, verifier: PW_VERIFIER });
      for (const guess of ['px', 'pw ', 'PW', 'p'.repeat(128)]) {
        assert.deepEqual((await room.admit('Ann', guess, undefined)), { ok: false, reason: 'wrongPassword' }, guess);
      }
      assert.deepEqual((await room.admit('Ann', 'pw', undefined)), { ok: true });
    });

    it('checks the password before the name and the room size: a refusal reveals nothing about members', async () => {
      const room = newRoom('secret', 10, { maxMembers: 1, verifier: PW_VERIFIER });
      addMember(room, 'm1', 'Ann');
      assert.deepEqual((await room.admit('Ann', undefined, undefined)), { ok: false, reason: 'passwordRequired' });
      assert.deepEqual((await room.admit('Bob', 'nope', undefined)), { ok: false, reason: 'wrongPassword' });
      assert.deepEqual((await room.admit('Ann', 'pw', undefined)), { ok: false, reason: 'nameTaken' });
      assert.deepEqual((await room.admit('Bob', 'pw', undefined)), { ok: false, reason: 'roomFull' });
    });

    it('refuses a name already in the room, compared without letter case', async () => {
      const room = newRoom('lobby', 10);
      addMember(room, 'm1', 'Ann');
      for (const name of ['Ann', 'ann', 'ANN']) {
        assert.deepEqual((await room.admit(name, undefined, undefined)), { ok: false, reason: 'nameTaken' }, name);
      }
      assert.deepEqual((await room.admit('Anna', undefined, undefined)), { ok: true });
    });

    it('frees a name when its member leaves', async () => {
      const room = newRoom('lobby', 10);
      addMember(room, 'm1', 'Ann');
      room.remove('m1');
      assert.deepEqual((await room.admit('ann', undefined, undefined)), { ok: true });
    });

    it('refuses past maxMembers with roomFull, and admits again once someone leaves', async () => {
      const room = newRoom('small', 10, { maxMembers: 2 });
      addMember(room, 'm1', 'Ann');
      addMember(room, 'm2', 'Bob');
      assert.deepEqual((await room.admit('Cy', undefined, undefined)), { ok: false, reason: 'roomFull' });
      room.remove('m1');
      assert.deepEqual((await room.admit('Cy', undefined, undefined)), { ok: true });
    });

    it('admits the holder of a name with the same resume key as its replacement, even in a full room', async () => {
      const room = newRoom('small', 10, { maxMembers: 1 });
      addMember(room, 'm1', 'Ann', key);
      const admission = (await room.admit('ANN', undefined, key));
      assert.equal(admission.ok, true);
      assert.equal(admission.ok && admission.replaces?.member.id, 'm1');
    });

    it('refuses a name whose holder has another resume key, or none', async () => {
      const room = newRoom('lobby', 10);
      addMember(room, 'm1', 'Ann', key);
      addMember(room, 'm2', 'Bob');
      assert.deepEqual((await room.admit('Ann', undefined, 'x'.repeat(32))), { ok: false, reason: 'nameTaken' });
      assert.deepEqual((await room.admit('Ann', undefined, undefined)), { ok: false, reason: 'nameTaken' });
      assert.deepEqual((await room.admit('Bob', undefined, key)), { ok: false, reason: 'nameTaken' });
    });

    it('still asks a resuming client for the password of a protected room', async () => {
      const room = newRoom('secret', 10, { maxMembers: 2, verifier: PW_VERIFIER });
      addMember(room, 'm1', 'Ann', key);
      assert.deepEqual((await room.admit('Ann', undefined, key)), { ok: false, reason: 'passwordRequired' });
      assert.deepEqual((await room.admit('Ann', 'nope', key)), { ok: false, reason: 'wrongPassword' });
      assert.equal((await room.admit('Ann', 'pw', key)).ok, true);
    });
  });

  describe('#remove after a replacement', () => {
    it('keeps the name held by the new member when the replaced one is removed later', async () => {
      const key = 'k'.repeat(32);
      const room = newRoom('lobby', 10);
      addMember(room, 'old', 'Ann', key);
      addMember(room, 'new', 'Ann', key);
      assert.equal(room.remove('old'), true);
      assert.deepEqual((await room.admit('Ann', undefined, undefined)), { ok: false, reason: 'nameTaken' });
      assert.deepEqual(room.members(), [{ id: 'new', name: 'Ann' }]);
    });
  });

  describe('#broadcast', () => {
    it('sends the same frame to every member', async () => {
      const room = newRoom('lobby', 10);
      const a = addMember(room, 'm1', 'Ann');
      const b = addMember(room, 'm2', 'Bob');
      room.broadcast('frame-1');
      assert.deepEqual(a.connection.sent, ['frame-1']);
      assert.deepEqual(b.connection.sent, ['frame-1']);
    });

    it('hands every recipient one shared frame, so each transport encodes a broadcast once', async () => {
      const room = newRoom('lobby', 10);
      const members = ['m1', 'm2', 'm3'].map((id, index) => addMember(room, id, `N${index}`));
      room.broadcast('frame-shared');
      const [first] = members[0]!.connection.shared;
      assert.ok(first, 'the broadcast arrives as a SharedFrame');
      for (const member of members) assert.deepEqual(member.connection.shared, [first]);
    });

    it('skips the member named by exceptId', async () => {
      const room = newRoom('lobby', 10);
      const a = addMember(room, 'm1', 'Ann');
      const b = addMember(room, 'm2', 'Bob');
      const c = addMember(room, 'm3', 'Cy');
      room.broadcast('frame-2', 'm2');
      assert.deepEqual(a.connection.sent, ['frame-2']);
      assert.deepEqual(b.connection.sent, []);
      assert.deepEqual(c.connection.sent, ['frame-2']);
    });

    it('does not reach removed members', async () => {
      const room = newRoom('lobby', 10);
      const a = addMember(room, 'm1', 'Ann');
      const b = addMember(room, 'm2', 'Bob');
      room.remove('m1');
      room.broadcast('frame-3');
      assert.deepEqual(a.connection.sent, []);
      assert.deepEqual(b.connection.sent, ['frame-3']);
    });
  });
});

describe('RoomRegistry', () => {
  describe('#getOrCreate', () => {
    it('creates a room once and returns the same one afterwards', async () => {
      const registry = new RoomRegistry(limits(), memoryStorage(), () => 0);
      const room = mustGet(registry, 'lobby');
      assert.equal(mustGet(registry, 'lobby'), room);
      assert.equal(registry.all().length, 1);
    });

    it('treats names case-insensitively and keeps the creator’s spelling', async () => {
      const registry = new RoomRegistry(limits(), memoryStorage(), () => 0);
      const room = mustGet(registry, 'Team Blue');
      assert.equal(mustGet(registry, 'team blue'), room);
      assert.equal(mustGet(registry, 'TEAM BLUE'), room);
      assert.equal(registry.get('tEaM bLuE'), room);
      assert.equal(room.name, 'Team Blue');
      assert.equal(registry.all().length, 1);
    });

    it('keeps rooms in its store: a registry over the same store finds their history again', async () => {
      const storage = memoryStorage();
      const registry = new RoomRegistry(limits({ maxHistory: 2 }), storage, () => 1_000);
      const room = Object.assign(mustGet(registry, 'Kept'), { storage });
      for (let index = 1; index <= 4; index += 1) submitNow(room, ann, `a-${index}`, 'x', index);
      assert.deepEqual(
        storage.store.rooms().map((entry) => entry.name),
        ['Kept'],
      );
      const restarted = new RoomRegistry(limits({ maxHistory: 2 }), memoryStorage(storage.store), () => 2_000);
      const again = mustGet(restarted, 'kept');
      assert.equal(again.lastSeq, 4);
      assert.deepEqual(
        again.recentSince(0, 10).messages.map((message) => message.seq),
        [1, 2, 3, 4],
      );
    });

    it('keeps rooms apart: sequences and members are per room', async () => {
      const storage = memoryStorage();
      const registry = new RoomRegistry(limits(), storage, () => 0);
      const one = Object.assign(mustGet(registry, 'one'), { storage });
      const two = Object.assign(mustGet(registry, 'two'), { storage });
      submitNow(one, ann, 'a-1', 'x', 1);
      submitNow(one, ann, 'a-2', 'y', 2);
      assert.equal(stored(submitNow(two, ann, 'a-1', 'z', 3)).message.seq, 1);
      const inOne = addMember(one, 'm1', 'Ann');
      const inTwo = addMember(two, 'm2', 'Bob');
      one.broadcast('only-one');
      assert.deepEqual(inOne.connection.sent, ['only-one']);
      assert.deepEqual(inTwo.connection.sent, []);
    });
  });

  describe('limits', () => {
    it('returns undefined for a new room past maxRooms rooms with members, while existing rooms stay reachable', async () => {
      const registry = new RoomRegistry(limits({ maxRooms: 2 }), memoryStorage(), () => 0);
      const one = mustGet(registry, 'one');
      const two = mustGet(registry, 'two');
      addMember(one, 'm1', 'Ann');
      addMember(two, 'm2', 'Bob');
      assert.equal(registry.getOrCreate('three'), undefined);
      assert.equal(registry.getOrCreate('ONE'), one);
      assert.equal(registry.all().length, 2);
    });

    it('makes space past maxRooms by letting the longest-empty room leave memory', async () => {
      const registry = new RoomRegistry(limits({ maxRooms: 2 }), memoryStorage(), () => 0);
      const one = mustGet(registry, 'one');
      const two = mustGet(registry, 'two');
      addMember(one, 'm1', 'Ann');
      addMember(two, 'm2', 'Bob');
      two.remove('m2');
      const three = mustGet(registry, 'three');
      assert.deepEqual(
        registry.all().map((room) => room.name),
        ['one', 'three'],
      );
      assert.equal(registry.get('two'), undefined);
      assert.equal(registry.getOrCreate('ONE'), one);
      assert.equal(registry.getOrCreate('three'), three);
    });

    it('counts configured rooms with members towards maxRooms', async () => {
      const registry = new RoomRegistry(limits({ maxRooms: 1 }), memoryStorage(), () => 0);
      const configured = registry.create('Configured', { maxMembers: 3, verifier: PW_VERIFIER });
      addMember(configured, 'm1', 'Ann');
      assert.equal(registry.getOrCreate('other'), undefined);
    });

    it('gives rooms created by joining the default member limit and no password', async () => {
      const registry = new RoomRegistry(limits({ defaultMaxMembers: 1 }), memoryStorage(), () => 0);
      const room = mustGet(registry, 'joined');
      assert.equal(room.isProtected, false);
      addMember(room, 'm1', 'Ann');
      assert.deepEqual((await room.admit('Bob', undefined, undefined)), { ok: false, reason: 'roomFull' });
    });

    it('creates configured rooms with their own rules', async () => {
      const registry = new RoomRegistry(limits(), memoryStorage(), () => 0);
      const room = registry.create('Secret', { maxMembers: 1, verifier: PW_VERIFIER });
      assert.equal(registry.get('secret'), room);
      assert.equal(room.isProtected, true);
      assert.deepEqual((await room.admit('Ann', 'pw', undefined)), { ok: true });
    });
  });

  describe('#get', () => {
    it('returns undefined for a room that was never created', async () => {
      assert.equal(new RoomRegistry(limits(), memoryStorage(), () => 0).get('nowhere'), undefined);
    });
  });

  describe('#lookalikeOf', () => {
    it('names a room that a new name only looks like, also when that room has left memory', async () => {
      let clock = 0;
      const storage = memoryStorage();
      const registry = new RoomRegistry(limits({ idleMs: 1 }), storage, () => clock);
      const room = Object.assign(mustGet(registry, 'Lobby'), { storage });
      submitNow(room, ann, 'a-1', 'kept on disk', clock);
      clock += 5;
      assert.equal(registry.sweep(), 1);
      assert.equal(registry.get('lobby'), undefined, 'the room left memory');
      // A Cyrillic о in place of the Latin o.
      assert.equal(registry.lookalikeOf('L\u043Ebby'), 'Lobby');
      assert.equal(registry.lookalikeOf('LOBBY'), undefined, 'the same name in other letter case is the room itself');
      assert.equal(registry.lookalikeOf('Kitchen'), undefined);
    });
  });

  describe('#directory', () => {
    it('lists the configured rooms, then occupied ones by members, then stored ones by their newest message, up to the limit', async () => {
      let clock = 1_000;
      const storage = memoryStorage();
      const registry = new RoomRegistry(limits({ idleMs: 1 }), storage, () => clock);
      storage.store.setVerifier('vault', 'Vault', PW_VERIFIER, clock);
      registry.configure('Vault', 10);
      registry.configure('Lobby', 10);
      const old = Object.assign(mustGet(registry, 'Old'), { storage });
      submitNow(old, ann, 'o-1', 'first', clock);
      clock += 1_000;
      const recent = Object.assign(mustGet(registry, 'Recent'), { storage });
      submitNow(recent, ann, 'r-1', 'second', clock);
      clock += 5;
      assert.equal(registry.sweep(), 2);
      const small = mustGet(registry, 'Small');
      addMember(small, 's1', 'Ann');
      const busy = mustGet(registry, 'Busy');
      addMember(busy, 'b1', 'Ann');
      addMember(busy, 'b2', 'Bob');
      const lobby = mustGet(registry, 'lobby');
      addMember(lobby, 'l1', 'Cy');
      assert.deepEqual(registry.directory(100), [
        { name: 'Vault', protected: true, members: 0 },
        { name: 'Lobby', protected: false, members: 1 },
        { name: 'Busy', protected: false, members: 2 },
        { name: 'Small', protected: false, members: 1 },
        { name: 'Recent', protected: false, members: 0 },
        { name: 'Old', protected: false, members: 0 },
      ]);
      assert.deepEqual(
        registry.directory(3).map((room) => room.name),
        ['Vault', 'Lobby', 'Busy'],
      );
      assert.equal(registry.get('old'), undefined, 'listing loads no room');
    });
  });

  describe('#all', () => {
    it('lists every room in creation order', async () => {
      const registry = new RoomRegistry(limits(), memoryStorage(), () => 0);
      mustGet(registry, 'b');
      mustGet(registry, 'a');
      mustGet(registry, 'B');
      assert.deepEqual(
        registry.all().map((room) => room.name),
        ['b', 'a'],
      );
    });
  });
});

describe('Room memory window (issue 12 item 5)', () => {
  it('bounds the in-memory window by bytes as well as by messages, and still serves older ones from the store', async () => {
    const big = 'x'.repeat(4_000);
    const perMessage = messageMemoryBytes({ type: 'message', room: 'lobby', seq: 1, ts: 1, from: ann, clientId: 'a-1', text: big });
    const storage = memoryStorage();
    // Room for 1,000 messages, but only about three of these in bytes.
    const room = Object.assign(new Room('lobby', 1_000, OPEN, storage, { maxBytes: perMessage * 3 + 10 }), { storage });
    for (let index = 1; index <= 20; index += 1) submitNow(room, ann, `a-${index}`, big, index);
    assert.equal(room.cachedMessages, 3);
    assert.ok(room.cachedBytes <= perMessage * 3 + 10, `${room.cachedBytes} bytes cached`);
    assert.deepEqual(
      room.recentSince(0, 100).messages.map((message) => message.seq),
      Array.from({ length: 20 }, (_, index) => index + 1),
    );
    // A resend of a message that left the window is still recognised (through the store).
    assert.equal(stored(submitNow(room, ann, 'a-2', big, 99)).duplicate, true);
  });

  it('bounds what one response carries in bytes, keeping the newest messages and saying older ones exist', async () => {
    const room = newRoom('lobby', 100);
    for (let index = 1; index <= 10; index += 1) submitNow(room, ann, `a-${index}`, 'y'.repeat(1_000), index);
    const page = room.page(11, 10, 1_500);
    assert.deepEqual(
      page.messages.map((message) => message.seq),
      [10],
      'only what fits (at least one message, so paging always advances)',
    );
    assert.equal(page.hasMore, true);
    const recent = room.recentSince(0, 10, 2_300);
    assert.deepEqual(
      recent.messages.map((message) => message.seq),
      [9, 10],
    );
    assert.equal(recent.hasMore, true);
  });

  it('starts history after what retention pruned: no gaps, hasMore false before it, numbering carries on', async () => {
    const storage = memoryStorage();
    storage.store.ensureRoom('lobby', 'lobby', 0);
    const room = newRoom('lobby', 100, OPEN, storage);
    for (let index = 1; index <= 6; index += 1) submitNow(room, ann, `a-${index}`, `t${index}`, index);
    assert.equal(storage.store.prune(room.key, 1, 4), 4);
    room.pruned(4);
    assert.deepEqual(room.recentSince(0, 100), { messages: room.recentSince(4, 100).messages, hasMore: false });
    assert.deepEqual(
      room.recentSince(0, 100).messages.map((message) => message.seq),
      [5, 6],
    );
    assert.deepEqual(room.page(5, 10), { messages: [], hasMore: false });
    // Everything pruned: the room comes back (restart) with its numbering, not from 1.
    storage.store.prune(room.key, 5, 6);
    const again = newRoom('lobby', 100, OPEN, memoryStorage(storage.store));
    assert.equal(again.lastSeq, 6);
    assert.deepEqual(again.recentSince(0, 100), { messages: [], hasMore: false });
    assert.equal(stored(submitNow(again, bob, 'b-1', 'after', 7)).message.seq, 7);
  });
});

describe('RoomRegistry lifecycle (issue 12 item 5)', () => {
  it('lets an empty room leave memory after the idle time and loads it again, with its history, on the next open', async () => {
    let clock = 1_000;
    const storage = memoryStorage();
    const registry = new RoomRegistry(limits({ idleMs: 500 }), storage, () => clock);
    const room = Object.assign(mustGet(registry, 'Kept'), { storage });
    const member = addMember(room, 'm1', 'Ann');
    submitNow(room, ann, 'a-1', 'hello', clock);
    clock += 10_000;
    assert.equal(registry.sweep(), 0, 'a room with a member stays');
    room.remove(member.member.id);
    clock += 499;
    assert.equal(registry.sweep(), 0, 'empty, but not for the idle time yet');
    clock += 1;
    assert.equal(registry.sweep(), 1);
    assert.equal(registry.get('kept'), undefined);
    assert.deepEqual(registry.memory(), { rooms: 0, cachedMessages: 0, cachedBytes: 0 });
    const back = mustGet(registry, 'kept');
    assert.notEqual(back, room);
    assert.equal(back.name, 'Kept');
    assert.deepEqual(
      back.recentSince(0, 10).messages.map((message) => message.text),
      ['hello'],
    );
  });

  it('forgets a room nobody wrote in when it leaves memory, unless it is configured', async () => {
    let clock = 0;
    const storage = memoryStorage();
    const registry = new RoomRegistry(limits({ idleMs: 1 }), storage, () => clock);
    mustGet(registry, 'never written');
    registry.configure('Configured', 10);
    mustGet(registry, 'configured');
    clock += 5;
    assert.equal(registry.sweep(), 2);
    assert.deepEqual(storage.store.roomKeys().sort(), ['configured']);
  });

  it('does not let a room leave memory while a join holds it (its password being checked)', async () => {
    let clock = 0;
    const registry = new RoomRegistry(limits({ idleMs: 1 }), memoryStorage(), () => clock);
    const room = mustGet(registry, 'held');
    const release = room.hold();
    clock += 5;
    assert.equal(registry.sweep(), 0);
    release();
    assert.equal(registry.sweep(), 1);
  });

  it('asks mayCreate only for a room that does not exist, and refuses a new room when it says no', async () => {
    const storage = memoryStorage();
    const registry = new RoomRegistry(limits(), storage, () => 0);
    let asked = 0;
    const no = (): boolean => {
      asked += 1;
      return false;
    };
    assert.deepEqual(registry.open('fresh', no), { ok: false, reason: 'tooManyNewRooms' });
    assert.equal(asked, 1);
    const kept = Object.assign(mustGet(registry, 'written'), { storage });
    submitNow(kept, ann, 'a-1', 'x', 1);
    const opened = registry.open('WRITTEN', no);
    assert.equal(opened.ok && opened.room, kept);
    assert.equal(asked, 1, 'an existing room is not a new one');
  });

  it('keeps every window together within the host-wide byte budget, however many rooms fill up', async () => {
    const storage = memoryStorage();
    const text = 'z'.repeat(8_000);
    const perMessage = messageMemoryBytes({ type: 'message', room: 'r', seq: 1, ts: 1, from: ann, clientId: 'a-10', text });
    const budget = perMessage * 50;
    const registry = new RoomRegistry(limits({ maxHistory: 1_000, maxRooms: 300, maxHistoryBytes: perMessage * 20, maxCachedBytes: budget }), storage, () => 0);
    for (let index = 0; index < 60; index += 1) {
      const room = Object.assign(mustGet(registry, `room ${index}`), { storage });
      addMember(room, `m${index}`, 'Ann');
      for (let message = 1; message <= 30; message += 1) submitNow(room, ann, `a-${message}`, text, message);
      const memory = registry.memory();
      assert.ok(memory.cachedBytes <= budget, `after room ${index}: ${memory.cachedBytes} bytes > ${budget}`);
    }
    const memory = registry.memory();
    assert.equal(memory.rooms, 60);
    assert.ok(memory.cachedMessages <= 50, `${memory.cachedMessages} messages cached`);
    // Nothing was lost: every room still serves its whole history (from disk).
    const room = mustGet(registry, 'room 0');
    assert.equal(room.recentSince(0, 100).messages.length, 30);
  });
});

describe('RoomRegistry budget and new rooms', () => {
  it('never lets the room it is opening leave memory to make space for itself', async () => {
    const storage = memoryStorage();
    const text = 'w'.repeat(2_000);
    const perMessage = messageMemoryBytes({ type: 'message', room: 'big', seq: 1, ts: 1, from: ann, clientId: 'a-1', text });
    const writer = new RoomRegistry(limits({ maxHistory: 100 }), storage, () => 0);
    const big = Object.assign(mustGet(writer, 'big'), { storage });
    for (let index = 1; index <= 10; index += 1) submitNow(big, ann, `a-${index}`, text, index);
    // A registry whose budget is smaller than the room's history.
    const registry = new RoomRegistry(limits({ maxHistory: 100, maxCachedBytes: perMessage * 3 }), memoryStorage(storage.store), () => 0);
    const opened = mustGet(registry, 'big');
    assert.equal(registry.get('big'), opened, 'the room it returned is the one it holds');
    assert.ok(registry.memory().cachedBytes <= perMessage * 3);
    assert.equal(opened.recentSince(0, 100).messages.length, 10);
  });
});
