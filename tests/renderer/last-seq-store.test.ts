/**
 * Tests for renderer/src/lib/last-seq-store.ts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { LAST_SEQ_KEY_PREFIX, LastSeqStore } from '../../renderer/src/lib/last-seq-store';
import { conversationKey } from '../../renderer/src/lib/local-store';

import { MemoryStorage } from './helpers';

const CONVERSATION = conversationKey('http://127.0.0.1:8080', 'lobby', 'ann');

describe('LastSeqStore', () => {
  test('is null for a conversation never joined here', () => {
    assert.equal(new LastSeqStore(new MemoryStorage(), CONVERSATION).load(), null);
  });

  test('keeps the position per conversation across instances (a reload)', () => {
    const storage = new MemoryStorage();
    const store = new LastSeqStore(storage, CONVERSATION);
    store.save(0);
    assert.equal(new LastSeqStore(storage, CONVERSATION).load(), 0);
    store.save(42);
    assert.equal(store.key, `${LAST_SEQ_KEY_PREFIX}${CONVERSATION}`);
    assert.equal(new LastSeqStore(storage, CONVERSATION).load(), 42);
    assert.equal(new LastSeqStore(storage, conversationKey('http://127.0.0.1:8080', 'lobby', 'bob')).load(), null);
  });

  test('may move back (a host whose history started again)', () => {
    const storage = new MemoryStorage();
    const store = new LastSeqStore(storage, CONVERSATION);
    store.save(42);
    store.save(3);
    assert.equal(new LastSeqStore(storage, CONVERSATION).load(), 3);
  });

  test('writes only when the position changes', () => {
    const storage = new MemoryStorage();
    const store = new LastSeqStore(storage, CONVERSATION);
    store.save(5);
    storage.items.set(store.key, '9');
    store.save(5);
    assert.equal(new LastSeqStore(storage, CONVERSATION).load(), 9);
  });

  test('ignores nonsense, stored or given', () => {
    const storage = new MemoryStorage();
    const store = new LastSeqStore(storage, CONVERSATION);
    for (const raw of ['-1', '1.5', '"7"', 'null', '{']) {
      storage.items.set(store.key, raw);
      assert.equal(store.load(), null, raw);
    }
    storage.items.clear();
    store.save(-3);
    store.save(Number.NaN);
    assert.equal(store.load(), null);
  });

  test('works without storage', () => {
    const store = new LastSeqStore(null, CONVERSATION);
    store.save(4);
    assert.equal(store.load(), null);
  });
});
