/**
 * Tests for renderer/src/lib/outbox.ts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { conversationKey } from '../../renderer/src/lib/local-store';
import { OUTBOX_KEY_PREFIX, Outbox, isDefinitiveRefusal } from '../../renderer/src/lib/outbox';
import { ErrorCode } from '../../server/protocol';

import { MemoryStorage } from './helpers';

const CONVERSATION = conversationKey('http://192.168.1.5:8080', 'lobby', 'Ann');

function entry(id: string, text = `text of ${id}`, createdAt = 1_000) {
  return { id, text, createdAt };
}

describe('Outbox', () => {
  test('stores under lanchat.outbox.<origin>|<room>|<name>', () => {
    const storage = new MemoryStorage();
    const outbox = new Outbox(storage, CONVERSATION);
    outbox.add(entry('a'));
    assert.equal(outbox.key, 'lanchat.outbox.http://192.168.1.5:8080|lobby|ann');
    assert.equal(OUTBOX_KEY_PREFIX, 'lanchat.outbox.');
    assert.deepEqual(JSON.parse(storage.getItem(outbox.key) ?? 'null'), [entry('a')]);
  });

  describe('#add', () => {
    test('keeps entries in the order they were sent, and survives a new instance (a reload)', () => {
      const storage = new MemoryStorage();
      const outbox = new Outbox(storage, CONVERSATION);
      assert.equal(outbox.add(entry('a')), true);
      assert.equal(outbox.add(entry('b')), true);
      assert.deepEqual(new Outbox(storage, CONVERSATION).entries(), [entry('a'), entry('b')]);
    });

    test('replaces an entry with the same id in place', () => {
      const outbox = new Outbox(new MemoryStorage(), CONVERSATION);
      outbox.add(entry('a'));
      outbox.add(entry('b'));
      outbox.add(entry('a', 'edited'));
      assert.deepEqual(outbox.entries().map((known) => [known.id, known.text]), [['a', 'edited'], ['b', 'text of b']]);
    });

    test('writes only the known fields', () => {
      const storage = new MemoryStorage();
      const outbox = new Outbox(storage, CONVERSATION);
      outbox.add({ ...entry('a'), secret: 'x' } as ReturnType<typeof entry>);
      assert.doesNotMatch(storage.getItem(outbox.key) ?? '', /secret/);
    });
  });

  describe('#remove', () => {
    test('drops an acknowledged entry and the key with the last one', () => {
      const storage = new MemoryStorage();
      const outbox = new Outbox(storage, CONVERSATION);
      outbox.add(entry('a'));
      outbox.add(entry('b'));
      outbox.remove('a');
      assert.deepEqual(outbox.entries(), [entry('b')]);
      outbox.remove('b');
      assert.equal(storage.getItem(outbox.key), null);
      outbox.remove('missing');
      assert.deepEqual(outbox.entries(), []);
    });
  });

  describe('#markFailed / #markPending', () => {
    test('keep a refused entry with its code until it is retried', () => {
      const storage = new MemoryStorage();
      const outbox = new Outbox(storage, CONVERSATION);
      outbox.add(entry('a'));
      outbox.markFailed('a', ErrorCode.TextTooLong);
      assert.deepEqual(new Outbox(storage, CONVERSATION).entries(), [{ ...entry('a'), failedCode: ErrorCode.TextTooLong }]);
      outbox.markPending('a');
      assert.deepEqual(new Outbox(storage, CONVERSATION).entries(), [entry('a')]);
    });
  });

  test("keeps other windows' changes: every change starts from what is stored", () => {
    const storage = new MemoryStorage();
    const first = new Outbox(storage, CONVERSATION);
    const second = new Outbox(storage, CONVERSATION);
    first.add(entry('a'));
    second.add(entry('b'));
    first.remove('a');
    assert.deepEqual(second.entries(), [entry('b')]);
  });

  test('keeps conversations apart', () => {
    const storage = new MemoryStorage();
    new Outbox(storage, CONVERSATION).add(entry('a'));
    assert.deepEqual(new Outbox(storage, conversationKey('http://192.168.1.5:8080', 'lobby', 'Bob')).entries(), []);
    assert.deepEqual(new Outbox(storage, conversationKey('http://192.168.1.5:8080', 'LOBBY', 'ann')).entries(), [entry('a')]);
  });

  test('skips malformed stored entries and reads corrupt data as empty', () => {
    const storage = new MemoryStorage();
    const outbox = new Outbox(storage, CONVERSATION);
    storage.setItem(outbox.key, JSON.stringify([entry('a'), { id: 'b' }, null, { ...entry('c'), createdAt: 'x' }, { ...entry(''), id: '' }]));
    assert.deepEqual(outbox.entries(), [entry('a')]);
    storage.setItem(outbox.key, '{broken');
    assert.deepEqual(outbox.entries(), []);
  });

  test('carries on in memory when storage refuses a write, and says so', () => {
    const storage = new MemoryStorage();
    const outbox = new Outbox(storage, CONVERSATION);
    outbox.add(entry('a'));
    storage.full = true;
    assert.equal(outbox.add(entry('b')), false);
    assert.equal(outbox.durable, false);
    assert.deepEqual(outbox.entries(), [entry('a'), entry('b')]);
    outbox.remove('a');
    assert.deepEqual(outbox.entries(), [entry('b')]);
  });

  test('works without storage at all', () => {
    const outbox = new Outbox(null, CONVERSATION);
    assert.equal(outbox.add(entry('a')), false);
    assert.deepEqual(outbox.entries(), [entry('a')]);
    outbox.remove('a');
    assert.deepEqual(outbox.entries(), []);
  });
});

describe('isDefinitiveRefusal', () => {
  test('fails the message for refusals a resend would not fix', () => {
    for (const code of [ErrorCode.TextTooLong, ErrorCode.EmptyText, ErrorCode.RateLimited, ErrorCode.Storage, ErrorCode.InvalidMessage]) {
      assert.equal(isDefinitiveRefusal(code), true, code);
    }
  });

  test('keeps sending after NOT_JOINED (the send crossed a reconnect)', () => {
    assert.equal(isDefinitiveRefusal(ErrorCode.NotJoined), false);
  });

  test('keeps the message after UNCONFIRMED (shown to the room, not flushed): it is resent after the host restarts', () => {
    assert.equal(isDefinitiveRefusal(ErrorCode.Unconfirmed), false);
  });
});
