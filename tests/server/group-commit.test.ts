/**
 * GroupCommitter over a real SQLite store (a temporary file), wrapped only
 * to count the transactions: one batch per event-loop turn, callbacks told
 * of success or of the failure, and one failing callback not keeping the
 * others from theirs.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, beforeEach, describe, it } from 'node:test';

import { GroupCommitter, type CommitCallback } from '../../server/group-commit';
import { openHistoryStore, type HistoryStore } from '../../server/history-store';
import type { Logger } from '../../server/logger';
import type { ChatMessage } from '../../server/protocol';
import { withTimeout } from './helpers';

const tempRoot = mkdtempSync(join(tmpdir(), 'lanchat-group-commit-'));
after(() => rmSync(tempRoot, { recursive: true, force: true }));

/** A logger that keeps what it is told. */
function recordingLogger(): Logger & { errors: Array<{ message: string; fields?: Record<string, unknown> }> } {
  const errors: Array<{ message: string; fields?: Record<string, unknown> }> = [];
  return {
    errors,
    debug() {},
    info() {},
    warn() {},
    error(message, fields) {
      errors.push({ message, fields });
    },
  };
}

function message(seq: number, clientId = `c-${seq}`): ChatMessage {
  return { type: 'message', room: 'Lobby', seq, ts: 1000 + seq, from: { id: 'm-ann', name: 'Ann' }, clientId, text: `text ${seq}` };
}

/** A callback and a promise of what it was called with (rejects if it is called twice). */
function outcome(): { done: CommitCallback; result: Promise<Error | undefined>; calls: () => number } {
  let calls = 0;
  let resolve!: (error: Error | undefined) => void;
  const result = new Promise<Error | undefined>((settle) => {
    resolve = settle;
  });
  return {
    done: (error) => {
      calls += 1;
      resolve(error);
    },
    result: withTimeout(result, 5_000, 'a commit callback'),
    calls: () => calls,
  };
}

describe('GroupCommitter', () => {
  let store: HistoryStore;
  /** seqs of each batch the store was asked to append, in order. */
  let batches: number[][];
  /** What the real appendBatch threw, per call (undefined when it succeeded). */
  let thrown: unknown[];
  let counted: HistoryStore;
  let logger: ReturnType<typeof recordingLogger>;
  let fileCounter = 0;

  beforeEach(() => {
    fileCounter += 1;
    store = openHistoryStore(join(tempRoot, `commit-${fileCounter}.sqlite`));
    store.ensureRoom('lobby', 'Lobby', 1);
    batches = [];
    thrown = [];
    counted = {
      ...store,
      appendBatch(batch) {
        batches.push(batch.map((entry) => entry.message.seq));
        try {
          store.appendBatch(batch);
          thrown.push(undefined);
        } catch (error) {
          thrown.push(error);
          throw error;
        }
      },
    };
    logger = recordingLogger();
  });

  afterEach(() => store.close());

  it('commits everything enqueued in one turn of the event loop as one batch, in order', async () => {
    const committer = new GroupCommitter(counted, logger);
    const outcomes = [1, 2, 3, 4, 5].map((seq) => {
      const result = outcome();
      committer.enqueue('lobby', message(seq), result.done);
      return result;
    });
    assert.equal(committer.pending, 5);
    // Nothing is written, and no callback runs, in the turn that enqueued.
    assert.deepEqual(batches, []);
    assert.ok(outcomes.every((entry) => entry.calls() === 0));

    const results = await Promise.all(outcomes.map((entry) => entry.result));
    assert.deepEqual(results, [undefined, undefined, undefined, undefined, undefined]);
    assert.deepEqual(batches, [[1, 2, 3, 4, 5]]);
    assert.equal(committer.pending, 0);
    // On disk once the callbacks run.
    assert.deepEqual(
      store.after('lobby', 0, 10).map((entry) => entry.seq),
      [1, 2, 3, 4, 5],
    );
    assert.ok(outcomes.every((entry) => entry.calls() === 1));
  });

  it('commits messages of different turns in different batches, including one enqueued from a callback', async () => {
    const committer = new GroupCommitter(counted, logger);
    const first = outcome();
    committer.enqueue('lobby', message(1), first.done);
    assert.equal(await first.result, undefined);

    const second = outcome();
    const fromCallback = outcome();
    committer.enqueue('lobby', message(2), (error) => {
      second.done(error);
      committer.enqueue('lobby', message(3), fromCallback.done);
    });
    assert.equal(await second.result, undefined);
    assert.equal(await fromCallback.result, undefined);
    assert.deepEqual(batches, [[1], [2], [3]]);
    assert.deepEqual(
      store.after('lobby', 0, 10).map((entry) => entry.seq),
      [1, 2, 3],
    );
  });

  it('gives every callback of a failing batch the error, and writes none of it', async () => {
    const committer = new GroupCommitter(counted, logger);
    const ok = outcome();
    committer.enqueue('lobby', message(1), ok.done);
    assert.equal(await ok.result, undefined);

    // seq 3 twice: the primary key refuses the batch as a whole.
    const outcomes = [message(2), message(3), message(3, 'other')].map((entry) => {
      const result = outcome();
      committer.enqueue('lobby', entry, result.done);
      return result;
    });
    const results = await Promise.all(outcomes.map((entry) => entry.result));
    assert.equal(batches.length, 2);
    const error = thrown[1];
    assert.ok(error instanceof Error, 'the store threw an Error');
    for (const result of results) assert.equal(result, error);
    assert.deepEqual(
      store.after('lobby', 0, 10).map((entry) => entry.seq),
      [1],
    );

    // The committer carries on with the next batch.
    const next = outcome();
    committer.enqueue('lobby', message(2), next.done);
    assert.equal(await next.result, undefined);
    assert.deepEqual(
      store.after('lobby', 0, 10).map((entry) => entry.seq),
      [1, 2],
    );
  });

  it('hands callbacks an Error even when the store throws something else', async () => {
    const committer = new GroupCommitter(
      {
        ...store,
        appendBatch() {
          throw 'disk on fire';
        },
      },
      logger,
    );
    const result = outcome();
    committer.enqueue('lobby', message(1), result.done);
    const error = await result.result;
    assert.ok(error instanceof Error);
    assert.match(error.message, /disk on fire/);
  });

  it('still calls every other callback when one throws, and logs the throw', async () => {
    const committer = new GroupCommitter(counted, logger);
    const firstResult = outcome();
    const lastResult = outcome();
    let thrower = 0;
    committer.enqueue('lobby', message(1), firstResult.done);
    committer.enqueue('lobby', message(2), () => {
      thrower += 1;
      throw new Error('callback bug');
    });
    committer.enqueue('lobby', message(3), lastResult.done);
    assert.equal(await firstResult.result, undefined);
    assert.equal(await lastResult.result, undefined);
    assert.equal(thrower, 1);
    assert.deepEqual(batches, [[1, 2, 3]]);
    assert.deepEqual(
      store.after('lobby', 0, 10).map((entry) => entry.seq),
      [1, 2, 3],
    );
    assert.equal(logger.errors.length, 1);
    assert.match(String(logger.errors[0]?.fields?.error), /callback bug/);
  });

  it('flush() commits what is queued at once, and the scheduled turn then has nothing to write', async () => {
    const committer = new GroupCommitter(counted, logger);
    const first = outcome();
    const second = outcome();
    committer.enqueue('lobby', message(1), first.done);
    committer.enqueue('lobby', message(2), second.done);
    committer.flush();
    // Synchronously: written; called back once the flush to disk is done.
    assert.deepEqual(batches, [[1, 2]]);
    assert.equal(committer.pending, 0);
    assert.deepEqual(await Promise.all([first.result, second.result]), [undefined, undefined]);
    // The turn scheduled by the first enqueue runs and must not append again.
    await new Promise<void>((resolve) => setImmediate(resolve));
    const third = outcome();
    committer.enqueue('lobby', message(3), third.done);
    assert.equal(await third.result, undefined);
    assert.deepEqual(batches, [[1, 2], [3]]);
  });

  it('runs `written` as soon as the batch is in the log and `done` only after the flush to disk (fsync, off the event loop)', async () => {
    let flushes = 0;
    let flushed: (() => void) | undefined;
    const committer = new GroupCommitter(
      {
        ...counted,
        sync(done) {
          flushes += 1;
          // The real fsync, with its callback held until the test lets it go.
          store.sync((error) => {
            flushed = () => done(error);
          });
        },
      },
      logger,
    );
    const events: string[] = [];
    const result = outcome();
    committer.enqueue(
      'lobby',
      message(1),
      (error) => {
        events.push('done');
        result.done(error);
      },
      () => events.push('written'),
    );
    committer.flush();
    assert.deepEqual(events, ['written'], 'written at once, in the same turn');
    assert.deepEqual(
      store.after('lobby', 0, 10).map((entry) => entry.seq),
      [1],
      'readable once written',
    );
    while (flushed === undefined) await new Promise<void>((resolve) => setImmediate(resolve));
    assert.deepEqual(events, ['written'], 'no ack before the flush has called back');
    flushed();
    assert.equal(await result.result, undefined);
    assert.deepEqual(events, ['written', 'done']);
    assert.equal(flushes, 1);
  });

  it('covers every batch written during a running flush with one more flush', async () => {
    let flushes = 0;
    const committer = new GroupCommitter(
      {
        ...counted,
        sync(done) {
          flushes += 1;
          store.sync(done);
        },
      },
      logger,
    );
    const outcomes = [1, 2, 3].map((seq) => {
      const result = outcome();
      committer.enqueue('lobby', message(seq), result.done);
      // Each its own batch, written while the first flush runs.
      committer.flush();
      return result;
    });
    assert.deepEqual(await Promise.all(outcomes.map((entry) => entry.result)), [undefined, undefined, undefined]);
    assert.deepEqual(batches, [[1], [2], [3]]);
    assert.equal(flushes, 2, 'the first batch, then one flush for the two written meanwhile');
  });

  // A disk whose fsync fails cannot be had here: the store's sync reports the
  // failure instead (a stand-in for the real flush, said so here).
  it('fails the messages of a failed flush and every later one, writing nothing more, and says why once', async () => {
    const committer = new GroupCommitter(
      {
        ...counted,
        sync(done) {
          setImmediate(done, new Error('EIO: i/o error, fsync'));
        },
      },
      logger,
    );
    let written = 0;
    const first = outcome();
    committer.enqueue('lobby', message(1), first.done, () => (written += 1));
    const error = await first.result;
    assert.match(error?.message ?? '', /EIO/);
    assert.equal(written, 1, 'it was written (and shown) before the flush failed');
    assert.equal(committer.failure, error);

    const later = outcome();
    committer.enqueue('lobby', message(2), later.done, () => (written += 1));
    assert.equal(await later.result, error);
    assert.equal(written, 1, 'nothing written after the failure');
    assert.deepEqual(batches, [[1]]);
    assert.equal(logger.errors.length, 1);
    assert.match(logger.errors[0]!.message, /fsync/);
  });
});
