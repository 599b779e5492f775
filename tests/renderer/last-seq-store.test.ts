/**
 * Tests for renderer/src/lib/last-seq-store.ts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { LAST_SEQ_KEY_PREFIX, LastSeqStore } from '../../renderer/src/lib/last-seq-store';
import { conversationKey } from '../../renderer/src/lib/local-store';

import { MemoryStorage } from './helpers';

const CONVERSATION = conversationKey('http://127.0.0.1:8080', 'lobby', 'ann');
const HISTORY = 'history-1';

describe('LastSeqStore', () => {
  test('is null for a conversation never joined here', () => {
    assert.equal(new LastSeqStore(new MemoryStorage(), CONVERSATION).load(), null);
  });

  test('keeps the position and its history per conversation across instances (a reload)', () => {
    const storage = new MemoryStorage();
    const store = new LastSeqStore(storage, CONVERSATION);
    store.save(0, HISTORY);
    assert.deepEqual(new LastSeqStore(storage, CONVERSATION).load(), { seq: 0, historyId: HISTORY });
    store.save(42, HISTORY);
    assert.equal(store.key, `${LAST_SEQ_KEY_PREFIX}${CONVERSATION}`);
    assert.deepEqual(new LastSeqStore(storage, CONVERSATION).load(), { seq: 42, historyId: HISTORY });
    assert.equal(new LastSeqStore(storage, conversationKey('http://127.0.0.1:8080', 'lobby', 'bob')).load(), null);
  });

  test('may move back, and to another history (a host whose history started again)', () => {
    const storage = new MemoryStorage();
    const store = new LastSeqStore(storage, CONVERSATION);
    store.save(42, HISTORY);
    store.save(3, HISTORY);
    assert.deepEqual(new LastSeqStore(storage, CONVERSATION).load(), { seq: 3, historyId: HISTORY });
    store.save(3, 'history-2');
    assert.deepEqual(new LastSeqStore(storage, CONVERSATION).load(), { seq: 3, historyId: 'history-2' });
  });

  test('reads a position stored as a bare number (before positions named their history)', () => {
    const storage = new MemoryStorage();
    const store = new LastSeqStore(storage, CONVERSATION);
    storage.items.set(store.key, '17');
    assert.deepEqual(store.load(), { seq: 17, historyId: null });
  });

  test('writes only when the position changes', () => {
    const storage = new MemoryStorage();
    const store = new LastSeqStore(storage, CONVERSATION);
    store.save(5, HISTORY);
    storage.items.set(store.key, '9');
    store.save(5, HISTORY);
    assert.deepEqual(new LastSeqStore(storage, CONVERSATION).load(), { seq: 9, historyId: null });
  });

  test('ignores nonsense, stored or given', () => {
    const storage = new MemoryStorage();
    const store = new LastSeqStore(storage, CONVERSATION);
    for (const raw of ['-1', '1.5', '"7"', 'null', '{', '{"seq":3}', '{"seq":-1,"historyId":"h"}', '{"seq":3,"historyId":4}']) {
      storage.items.set(store.key, raw);
      assert.equal(store.load(), null, raw);
    }
    storage.items.clear();
    store.save(-3, HISTORY);
    store.save(Number.NaN, HISTORY);
    assert.equal(store.load(), null);
  });

  test('works without storage', () => {
    const store = new LastSeqStore(null, CONVERSATION);
    store.save(4, HISTORY);
    assert.equal(store.load(), null);
  });
});
