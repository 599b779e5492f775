import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { ClientConnection } from '../../server/client-connection';
import type { Member } from '../../server/protocol';
import { Room, RoomRegistry } from '../../server/rooms';

/** The smallest ClientConnection: records what it is sent. */
class FakeConnection implements ClientConnection {
  readonly transport = 'ws' as const;
  readonly remoteAddress = '127.0.0.1';
  readonly sent: string[] = [];

  constructor(readonly id: string) {}

  send(data: string): void {
    this.sent.push(data);
  }

  close(): void {}

  onMessage(): void {}

  onClose(): void {}
}

function addMember(room: Room, id: string, name: string): { member: Member; connection: FakeConnection } {
  const member = { id, name };
  const connection = new FakeConnection(`conn-${id}`);
  room.add({ member, connection });
  return { member, connection };
}

const ann: Member = { id: 'm-ann', name: 'Ann' };
const bob: Member = { id: 'm-bob', name: 'Bob' };

describe('Room', () => {
  describe('#append', () => {
    it('numbers messages 1, 2, 3 and stores sender, client id, text and time', () => {
      const room = new Room('lobby', 10);
      assert.equal(room.lastSeq, 0);
      const first = room.append(ann, 'a-1', 'hello', 1000);
      const second = room.append(bob, 'b-1', 'hi', 1001);
      const third = room.append(ann, 'a-2', 'bye', 1002);
      assert.deepEqual(first, {
        duplicate: false,
        message: { type: 'message', room: 'lobby', seq: 1, ts: 1000, from: ann, clientId: 'a-1', text: 'hello' },
      });
      assert.deepEqual([second.message.seq, third.message.seq], [2, 3]);
      assert.equal(room.lastSeq, 3);
    });

    it('copies the sender rather than keeping a reference to it', () => {
      const room = new Room('lobby', 10);
      const from = { id: 'm-x', name: 'X' };
      const { message } = room.append(from, 'x-1', 'text', 1);
      from.name = 'changed';
      assert.deepEqual(message.from, { id: 'm-x', name: 'X' });
    });

    it('returns the stored message with duplicate: true for a resend of the same client id by the same sender', () => {
      const room = new Room('lobby', 10);
      const original = room.append(ann, 'a-1', 'hello', 1000);
      room.append(bob, 'b-1', 'hi', 1001);
      const resend = room.append(ann, 'a-1', 'hello (resent)', 2000);
      assert.equal(resend.duplicate, true);
      assert.equal(resend.message, original.message);
      assert.equal(room.lastSeq, 2);
      assert.deepEqual(
        room.historySince(0, 10).map((message) => message.text),
        ['hello', 'hi'],
      );
    });

    it('treats the same client id from another sender as a new message', () => {
      const room = new Room('lobby', 10);
      room.append(ann, 'same', 'from Ann', 1);
      const fromBob = room.append(bob, 'same', 'from Bob', 2);
      assert.equal(fromBob.duplicate, false);
      assert.equal(fromBob.message.seq, 2);
    });

    it('keeps at most maxHistory messages, dropping the oldest, while seq keeps counting', () => {
      const room = new Room('lobby', 3);
      for (let index = 1; index <= 5; index += 1) room.append(ann, `a-${index}`, `text ${index}`, index);
      assert.equal(room.lastSeq, 5);
      assert.deepEqual(
        room.historySince(0, 100).map((message) => message.seq),
        [3, 4, 5],
      );
    });

    it('forgets the client ids of dropped messages, so their resend is stored anew', () => {
      const room = new Room('lobby', 2);
      room.append(ann, 'a-1', 'one', 1);
      room.append(ann, 'a-2', 'two', 2);
      room.append(ann, 'a-3', 'three', 3);
      const resentDropped = room.append(ann, 'a-1', 'one', 4);
      assert.equal(resentDropped.duplicate, false);
      assert.equal(resentDropped.message.seq, 4);
      const resentKept = room.append(ann, 'a-3', 'three', 5);
      assert.equal(resentKept.duplicate, true);
      assert.equal(resentKept.message.seq, 3);
    });
  });

  describe('#historySince', () => {
    const room = new Room('lobby', 100);
    for (let index = 1; index <= 10; index += 1) room.append(ann, `a-${index}`, `text ${index}`, index);
    const seqs = (since: number, limit: number) => room.historySince(since, limit).map((message) => message.seq);

    it('returns messages after since, oldest first', () => {
      assert.deepEqual(seqs(7, 100), [8, 9, 10]);
      assert.deepEqual(seqs(0, 100), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    });

    it('returns nothing when since is the last seq or beyond', () => {
      assert.deepEqual(seqs(10, 100), []);
      assert.deepEqual(seqs(99, 100), []);
    });

    it('keeps the newest ones when more than limit match', () => {
      assert.deepEqual(seqs(0, 3), [8, 9, 10]);
      assert.deepEqual(seqs(5, 2), [9, 10]);
    });

    it('returns nothing for an empty room', () => {
      assert.deepEqual(new Room('empty', 10).historySince(0, 10), []);
    });

    it('starts at the oldest kept message when since predates the history cap', () => {
      const capped = new Room('capped', 3);
      for (let index = 1; index <= 6; index += 1) capped.append(ann, `a-${index}`, 'x', index);
      assert.deepEqual(
        capped.historySince(1, 100).map((message) => message.seq),
        [4, 5, 6],
      );
      assert.deepEqual(
        capped.historySince(4, 100).map((message) => message.seq),
        [5, 6],
      );
    });
  });

  describe('members', () => {
    it('adds, lists in join order and removes members', () => {
      const room = new Room('lobby', 10);
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

  describe('#broadcast', () => {
    it('sends the same frame to every member', () => {
      const room = new Room('lobby', 10);
      const a = addMember(room, 'm1', 'Ann');
      const b = addMember(room, 'm2', 'Bob');
      room.broadcast('frame-1');
      assert.deepEqual(a.connection.sent, ['frame-1']);
      assert.deepEqual(b.connection.sent, ['frame-1']);
    });

    it('skips the member named by exceptId', () => {
      const room = new Room('lobby', 10);
      const a = addMember(room, 'm1', 'Ann');
      const b = addMember(room, 'm2', 'Bob');
      const c = addMember(room, 'm3', 'Cy');
      room.broadcast('frame-2', 'm2');
      assert.deepEqual(a.connection.sent, ['frame-2']);
      assert.deepEqual(b.connection.sent, []);
      assert.deepEqual(c.connection.sent, ['frame-2']);
    });

    it('does not reach removed members', () => {
      const room = new Room('lobby', 10);
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
    it('creates a room once and returns the same one afterwards', () => {
      const registry = new RoomRegistry(10);
      const room = registry.getOrCreate('lobby');
      assert.equal(registry.getOrCreate('lobby'), room);
      assert.equal(registry.all().length, 1);
    });

    it('treats names case-insensitively and keeps the creator’s spelling', () => {
      const registry = new RoomRegistry(10);
      const room = registry.getOrCreate('Team Blue');
      assert.equal(registry.getOrCreate('team blue'), room);
      assert.equal(registry.getOrCreate('TEAM BLUE'), room);
      assert.equal(registry.get('tEaM bLuE'), room);
      assert.equal(room.name, 'Team Blue');
      assert.equal(registry.all().length, 1);
    });

    it('gives rooms the registry’s history cap', () => {
      const registry = new RoomRegistry(2);
      const room = registry.getOrCreate('small');
      for (let index = 1; index <= 4; index += 1) room.append(ann, `a-${index}`, 'x', index);
      assert.deepEqual(
        room.historySince(0, 10).map((message) => message.seq),
        [3, 4],
      );
    });

    it('keeps rooms apart: sequences and members are per room', () => {
      const registry = new RoomRegistry(10);
      const one = registry.getOrCreate('one');
      const two = registry.getOrCreate('two');
      one.append(ann, 'a-1', 'x', 1);
      one.append(ann, 'a-2', 'y', 2);
      assert.equal(two.append(ann, 'a-1', 'z', 3).message.seq, 1);
      const inOne = addMember(one, 'm1', 'Ann');
      const inTwo = addMember(two, 'm2', 'Bob');
      one.broadcast('only-one');
      assert.deepEqual(inOne.connection.sent, ['only-one']);
      assert.deepEqual(inTwo.connection.sent, []);
    });
  });

  describe('#get', () => {
    it('returns undefined for a room that was never created', () => {
      assert.equal(new RoomRegistry(10).get('nowhere'), undefined);
    });
  });

  describe('#all', () => {
    it('lists every room in creation order', () => {
      const registry = new RoomRegistry(10);
      registry.getOrCreate('b');
      registry.getOrCreate('a');
      registry.getOrCreate('B');
      assert.deepEqual(
        registry.all().map((room) => room.name),
        ['b', 'a'],
      );
    });
  });
});
