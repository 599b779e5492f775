import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { IN_MEMORY, openHistoryStore, type HistoryStore } from '../../server/history-store';
import { silentLogger } from '../../server/logger';
import type { ChatMessage } from '../../server/protocol';
import { limitsHistory, runRetention, type RetentionPolicy } from '../../server/retention';

const DAY_MS = 24 * 60 * 60_000;

function message(seq: number, ts: number, text = `text ${seq}`): ChatMessage {
  return { type: 'message', room: 'lobby', seq, ts, from: { id: 'm-ann', name: 'Ann' }, clientId: `c-${seq}`, text };
}

/** A real (in-memory) store with `count` messages in "lobby", the first at `ts`, one ms apart. */
function storeWith(count: number, ts = 0): HistoryStore {
  const store = openHistoryStore(IN_MEMORY);
  store.ensureRoom('lobby', 'lobby', 0);
  store.appendBatch(Array.from({ length: count }, (_, index) => ({ roomKey: 'lobby', message: message(index + 1, ts + index) })));
  return store;
}

function run(store: HistoryStore, policy: RetentionPolicy, now: number, graceMs = DAY_MS) {
  const pruned: number[] = [];
  const report = runRetention({
    store,
    policyFor: () => policy,
    graceMs,
    now: () => now,
    onPruned: (_key, through) => pruned.push(through),
    logger: silentLogger,
  });
  return { report, pruned };
}

describe('runRetention', () => {
  it('deletes a prefix in bounded steps (each reported), keeping the newest messages gap-free', async () => {
    const store = storeWith(1_234);
    const { report, pruned } = run(store, { maxMessages: 10 }, 2 * DAY_MS);
    assert.deepEqual(await report, { rooms: 1, deleted: 1_224 });
    assert.deepEqual(pruned, [500, 1_000, 1_224], 'at most 500 rows per step');
    assert.deepEqual(
      store.after('lobby', 0, 100).map((entry) => entry.seq),
      Array.from({ length: 10 }, (_, index) => 1_225 + index),
    );
    assert.deepEqual(store.roomInfo('lobby'), { name: 'lobby', lastSeq: 1_234, prunedThrough: 1_224, verifier: undefined });
  });

  it('never deletes a message younger than the grace time, nor anything after it', async () => {
    const store = storeWith(5, 0);
    // Messages 4 and 5 are young; 6 is old again (a clock set back), but after them: the prefix ends at 3.
    store.appendBatch([{ roomKey: 'lobby', message: message(6, 0) }]);
    const { report } = run(store, { maxMessages: 1 }, 3 + DAY_MS);
    assert.equal((await report).deleted, 3);
    assert.deepEqual(
      store.after('lobby', 0, 10).map((entry) => entry.seq),
      [4, 5, 6],
    );
  });

  it('keeps its sequence when every message goes', async () => {
    const store = storeWith(3);
    await run(store, { maxAgeMs: 1 }, 10 * DAY_MS).report;
    assert.deepEqual(store.after('lobby', 0, 10), []);
    assert.equal(store.roomInfo('lobby')?.lastSeq, 3);
  });

  it('keeps everything without a policy', async () => {
    assert.equal(limitsHistory({}), false);
    assert.equal(limitsHistory(undefined), false);
    const store = storeWith(3);
    assert.deepEqual(await run(store, {}, 10 * DAY_MS).report, { rooms: 0, deleted: 0 });
    assert.equal(store.after('lobby', 0, 10).length, 3);
  });
});
