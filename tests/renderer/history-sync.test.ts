/**
 * Tests for renderer/src/lib/history-sync.ts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { HistorySync, type WelcomeFacts } from '../../renderer/src/lib/history-sync';
import { HISTORY_PAGE_MAX } from '../../server/protocol';

const NOTHING_HELD = Number.POSITIVE_INFINITY;

function welcome(facts: Partial<WelcomeFacts>): WelcomeFacts {
  return { since: undefined, firstSeq: undefined, lastSeq: 0, hasEarlier: false, boundaryBefore: NOTHING_HELD, ...facts };
}

describe('HistorySync', () => {
  describe('catch-up after a rejoin', () => {
    test('asks for nothing when the welcome follows on from since', () => {
      const sync = new HistorySync();
      sync.welcomed(welcome({ since: 10, firstSeq: 11, lastSeq: 15, hasEarlier: true, boundaryBefore: 1 }));
      assert.equal(sync.catchingUp, false);
      assert.equal(sync.next(1), null);
    });

    test('fills a gap page by page, newest first, until since is reached', () => {
      const sync = new HistorySync();
      // Missed 11..260; the welcome carried the newest 100 (261..360).
      sync.welcomed(welcome({ since: 10, firstSeq: 261, lastSeq: 360, hasEarlier: true, boundaryBefore: 1 }));
      assert.equal(sync.catchingUp, true);
      assert.deepEqual(sync.next(1), { before: 261, limit: HISTORY_PAGE_MAX, purpose: 'gap' });
      assert.equal(sync.next(1), null, 'one request in flight at most');

      assert.equal(sync.received({ before: 261, firstSeq: 161, hasMore: true }, 1), true);
      assert.deepEqual(sync.next(1), { before: 161, limit: HISTORY_PAGE_MAX, purpose: 'gap' });

      sync.received({ before: 161, firstSeq: 61, hasMore: true }, 1);
      // Only 11..60 are still missing: the last page asks for exactly those.
      assert.deepEqual(sync.next(1), { before: 61, limit: 50, purpose: 'gap' });

      sync.received({ before: 61, firstSeq: 11, hasMore: true }, 1);
      assert.equal(sync.catchingUp, false);
      assert.equal(sync.next(1), null);
    });

    test('sees a gap when the welcome carried no messages but the room moved on', () => {
      const sync = new HistorySync();
      sync.welcomed(welcome({ since: 4, lastSeq: 9, hasEarlier: true }));
      assert.deepEqual(sync.next(5), { before: 10, limit: 5, purpose: 'gap' });
    });

    test('ends the gap when the host has nothing older (trimmed history)', () => {
      const sync = new HistorySync();
      sync.welcomed(welcome({ since: 10, firstSeq: 300, lastSeq: 399, hasEarlier: true, boundaryBefore: 1 }));
      sync.next(1);
      sync.received({ before: 300, firstSeq: 250, hasMore: false }, 1);
      assert.equal(sync.catchingUp, false);
      sync.welcomed(welcome({ since: 10, firstSeq: 300, lastSeq: 399, hasEarlier: true, boundaryBefore: 1 }));
      sync.next(1);
      sync.received({ before: 300, firstSeq: undefined, hasMore: false }, 1);
      assert.equal(sync.catchingUp, false);
    });

    test('ignores a page that answers nothing in flight', () => {
      const sync = new HistorySync();
      sync.welcomed(welcome({ since: 10, firstSeq: 20, lastSeq: 30, hasEarlier: true, boundaryBefore: 1 }));
      sync.next(1);
      assert.equal(sync.received({ before: 99, firstSeq: 1, hasMore: false }, 1), false);
      assert.deepEqual(sync.inFlight, { before: 20, limit: 9, purpose: 'gap' });
    });

    test('a fresh join (no since) has no gap, whatever the welcome carried', () => {
      const sync = new HistorySync();
      sync.welcomed(welcome({ firstSeq: 901, lastSeq: 1_000, hasEarlier: true }));
      assert.equal(sync.catchingUp, false);
      assert.equal(sync.next(901), null);
    });
  });

  describe('older pages (scrolling back)', () => {
    test('asks for the page before the oldest held message', () => {
      const sync = new HistorySync();
      sync.welcomed(welcome({ firstSeq: 901, lastSeq: 1_000, hasEarlier: true }));
      assert.equal(sync.hasEarlier(901), true);
      sync.askEarlier();
      assert.equal(sync.loadingEarlier, true);
      assert.deepEqual(sync.next(901), { before: 901, limit: HISTORY_PAGE_MAX, purpose: 'earlier' });
      assert.equal(sync.loadingEarlier, true);
      sync.received({ before: 901, firstSeq: 801, hasMore: true }, 901);
      assert.equal(sync.loadingEarlier, false);
      assert.equal(sync.hasEarlier(801), true);
    });

    test('knows the start is reached from seq 1 or from the host saying so', () => {
      const sync = new HistorySync();
      sync.welcomed(welcome({ firstSeq: 101, lastSeq: 200, hasEarlier: true }));
      assert.equal(sync.hasEarlier(1), false, 'seqs start at 1');
      sync.askEarlier();
      sync.next(101);
      sync.received({ before: 101, firstSeq: 51, hasMore: false }, 101);
      assert.equal(sync.hasEarlier(51), false, 'the host has nothing before 51 (trimmed)');
    });

    test('believes a welcome without earlier messages', () => {
      const sync = new HistorySync();
      sync.welcomed(welcome({ firstSeq: 1, lastSeq: 3, hasEarlier: false }));
      assert.equal(sync.hasEarlier(1), false);
      const empty = new HistorySync();
      empty.welcomed(welcome({ lastSeq: 0, hasEarlier: false }));
      assert.equal(empty.hasEarlier(1), false);
    });

    test('does not let a welcome about newer messages hide older ones held', () => {
      const sync = new HistorySync();
      // Held 50..80 already; a reconnect's welcome says nothing is before 81? It cannot speak for 50.
      sync.welcomed(welcome({ since: 80, firstSeq: 81, lastSeq: 82, hasEarlier: false, boundaryBefore: 50 }));
      assert.equal(sync.hasEarlier(50), true);
    });

    test('fills the gap before paging back', () => {
      const sync = new HistorySync();
      sync.welcomed(welcome({ since: 10, firstSeq: 20, lastSeq: 30, hasEarlier: true, boundaryBefore: NOTHING_HELD }));
      sync.askEarlier();
      assert.equal(sync.next(20)?.purpose, 'gap');
      sync.received({ before: 20, firstSeq: 11, hasMore: true }, 20);
      assert.deepEqual(sync.next(11), { before: 11, limit: HISTORY_PAGE_MAX, purpose: 'earlier' });
    });

    test('drops the wish when nothing older exists', () => {
      const sync = new HistorySync();
      sync.welcomed(welcome({ firstSeq: 1, lastSeq: 5, hasEarlier: false }));
      sync.askEarlier();
      assert.equal(sync.next(1), null);
      assert.equal(sync.loadingEarlier, false);
    });
  });

  describe('lost connections and refusals', () => {
    test('forgets the request in flight and the gap, keeps the wish for older pages', () => {
      const sync = new HistorySync();
      sync.welcomed(welcome({ firstSeq: 101, lastSeq: 200, hasEarlier: true }));
      sync.askEarlier();
      sync.next(101);
      sync.disconnected();
      assert.equal(sync.inFlight, null);
      assert.equal(sync.loadingEarlier, true);
      sync.welcomed(welcome({ since: 200, firstSeq: 201, lastSeq: 201, hasEarlier: true, boundaryBefore: 101 }));
      assert.deepEqual(sync.next(101), { before: 101, limit: HISTORY_PAGE_MAX, purpose: 'earlier' });
    });

    test('pauses after a refusal to retry, until resumed', () => {
      const sync = new HistorySync();
      sync.welcomed(welcome({ since: 10, firstSeq: 20, lastSeq: 30, hasEarlier: true, boundaryBefore: 1 }));
      const plan = sync.next(1);
      assert.deepEqual(sync.failed(true), plan);
      assert.equal(sync.next(1), null, 'paused');
      sync.resume();
      assert.deepEqual(sync.next(1), plan);
    });

    test('gives up a refused gap or page when told not to retry', () => {
      const sync = new HistorySync();
      sync.welcomed(welcome({ since: 10, firstSeq: 20, lastSeq: 30, hasEarlier: true, boundaryBefore: 1 }));
      sync.next(1);
      sync.failed(false);
      assert.equal(sync.catchingUp, false);
      assert.equal(sync.next(1), null);
      assert.equal(sync.failed(false), null, 'nothing in flight');
    });

    test('retries a refused older page after resuming', () => {
      const sync = new HistorySync();
      sync.welcomed(welcome({ firstSeq: 101, lastSeq: 200, hasEarlier: true }));
      sync.askEarlier();
      sync.next(101);
      sync.failed(true);
      assert.equal(sync.loadingEarlier, true);
      sync.resume();
      assert.equal(sync.next(101)?.purpose, 'earlier');
    });

    test('reset forgets that the start was reached (a history that started again)', () => {
      const sync = new HistorySync();
      sync.welcomed(welcome({ firstSeq: 5, lastSeq: 9, hasEarlier: false }));
      assert.equal(sync.hasEarlier(5), false);
      sync.reset();
      assert.equal(sync.hasEarlier(5), true);
    });
  });
});
