/**
 * Tests for renderer/src/lib/local-store.ts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { browserStorage, conversationKey, foldName, readJson, writeJson } from '../../renderer/src/lib/local-store';

import { MemoryStorage } from './helpers';

describe('conversationKey', () => {
  test('joins origin, room and name with |, folding letter case as the host does', () => {
    assert.equal(conversationKey('http://10.0.0.2:8080', ' Lobby ', 'Ann'), 'http://10.0.0.2:8080|lobby|ann');
    assert.equal(
      conversationKey('http://10.0.0.2:8080', 'LOBBY', 'ANN'),
      conversationKey('http://10.0.0.2:8080', 'lobby', 'ann'),
    );
  });

  test('keeps hosts, rooms and names apart', () => {
    const keys = new Set([
      conversationKey('http://a:1', 'lobby', 'ann'),
      conversationKey('http://a:2', 'lobby', 'ann'),
      conversationKey('http://a:1', 'kitchen', 'ann'),
      conversationKey('http://a:1', 'lobby', 'bob'),
      conversationKey('http://a:1', 'lobby', 'ann|x'),
    ]);
    assert.equal(keys.size, 5);
  });
});

describe('foldName', () => {
  test('trims and lower-cases without locale surprises', () => {
    assert.equal(foldName('  Iris '), 'iris');
  });
});

describe('readJson / writeJson', () => {
  test('round-trip a value and remove it with undefined', () => {
    const storage = new MemoryStorage();
    assert.equal(writeJson(storage, 'k', { a: 1 }), true);
    assert.deepEqual(readJson(storage, 'k'), { a: 1 });
    assert.equal(writeJson(storage, 'k', undefined), true);
    assert.equal(storage.getItem('k'), null);
  });

  test('treat corrupt JSON and missing storage as nothing stored', () => {
    const storage = new MemoryStorage();
    storage.items.set('k', '{not json');
    assert.equal(readJson(storage, 'k'), undefined);
    assert.equal(readJson(null, 'k'), undefined);
    assert.equal(writeJson(null, 'k', 1), false);
  });

  test('report a refused write instead of throwing', () => {
    const storage = new MemoryStorage();
    storage.full = true;
    assert.equal(writeJson(storage, 'k', 1), false);
  });
});

describe('browserStorage', () => {
  test('is null where there is no localStorage (Node)', () => {
    const had = Object.getOwnPropertyDescriptor(globalThis, 'localStorage');
    Object.defineProperty(globalThis, 'localStorage', { value: undefined, configurable: true });
    try {
      assert.equal(browserStorage(), null);
    } finally {
      if (had === undefined) delete (globalThis as { localStorage?: unknown }).localStorage;
      else Object.defineProperty(globalThis, 'localStorage', had);
    }
  });

  test('is null when reading localStorage throws (storage disabled)', () => {
    const had = Object.getOwnPropertyDescriptor(globalThis, 'localStorage');
    Object.defineProperty(globalThis, 'localStorage', {
      get() {
        throw new DOMException('The operation is insecure.', 'SecurityError');
      },
      configurable: true,
    });
    try {
      assert.equal(browserStorage(), null);
    } finally {
      if (had === undefined) delete (globalThis as { localStorage?: unknown }).localStorage;
      else Object.defineProperty(globalThis, 'localStorage', had);
    }
  });
});
