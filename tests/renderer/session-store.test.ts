/**
 * Tests for renderer/src/lib/session-store.ts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { SESSION_STORAGE_KEY, SessionStore, parseSession, type StoredSession } from '../../renderer/src/lib/session-store';

import { MemoryStorage } from './helpers';

const RESUME_KEY = '0123456789abcdef0123456789abcdef';

const JOINED: StoredSession = { address: 'http://192.168.1.5:8080', room: 'lobby', name: 'Ann', resumeKey: RESUME_KEY };

const HOSTED: StoredSession = {
  address: 'http://127.0.0.1:8080',
  room: 'lobby',
  name: 'Ann',
  resumeKey: RESUME_KEY,
  hosting: { port: 8080, room: 'lobby', scope: 'lan', maxMembers: 10, protected: false },
};

describe('SessionStore', () => {
  test('remembers a joined session under lanchat.session', () => {
    const storage = new MemoryStorage();
    new SessionStore(storage).save(JOINED);
    assert.ok(storage.getItem(SESSION_STORAGE_KEY) !== null);
    assert.equal(SESSION_STORAGE_KEY, 'lanchat.session');
    assert.deepEqual(new SessionStore(storage).load(), JOINED);
  });

  test('remembers how this app was hosting', () => {
    const storage = new MemoryStorage();
    new SessionStore(storage).save(HOSTED);
    assert.deepEqual(new SessionStore(storage).load(), HOSTED);
  });

  test('never stores a password, even when handed one', () => {
    const storage = new MemoryStorage();
    const withPassword = {
      ...HOSTED,
      password: 'hunter2',
      hosting: { ...HOSTED.hosting, password: 'hunter2', protected: true },
    } as StoredSession;
    new SessionStore(storage).save(withPassword);
    const raw = storage.getItem(SESSION_STORAGE_KEY) ?? '';
    assert.doesNotMatch(raw, /hunter2|password/);
    assert.equal(new SessionStore(storage).load()?.hosting?.protected, true);
  });

  test('forgets the session on clear (Leave)', () => {
    const storage = new MemoryStorage();
    const store = new SessionStore(storage);
    store.save(JOINED);
    store.clear();
    assert.equal(store.load(), null);
    assert.equal(storage.getItem(SESSION_STORAGE_KEY), null);
  });

  test('remembers nothing without storage, and survives a refused write', () => {
    const store = new SessionStore(null);
    store.save(JOINED);
    assert.equal(store.load(), null);
    const full = new MemoryStorage();
    full.full = true;
    new SessionStore(full).save(JOINED);
    assert.equal(new SessionStore(full).load(), null);
  });
});

describe('parseSession', () => {
  test('refuses values that are not a usable session', () => {
    const broken: unknown[] = [
      null,
      'session',
      { ...JOINED, address: '' },
      { ...JOINED, room: 3 },
      { ...JOINED, resumeKey: 'short' },
      { ...HOSTED, hosting: { ...HOSTED.hosting, port: 0 } },
      { ...HOSTED, hosting: { ...HOSTED.hosting, port: 70_000 } },
      { ...HOSTED, hosting: { ...HOSTED.hosting, scope: 'world' } },
      { ...HOSTED, hosting: { ...HOSTED.hosting, maxMembers: 0 } },
      { ...HOSTED, hosting: 'yes' },
    ];
    for (const value of broken) assert.equal(parseSession(value), null, JSON.stringify(value));
  });

  test('reads a hosting entry without max-members or protected flag', () => {
    const parsed = parseSession({ ...JOINED, hosting: { port: 9000, room: 'lobby', scope: 'local' } });
    assert.deepEqual(parsed?.hosting, { port: 9000, room: 'lobby', scope: 'local', protected: false });
  });

  test('drops unknown fields', () => {
    assert.deepEqual(parseSession({ ...JOINED, extra: 1 }), JOINED);
  });
});
