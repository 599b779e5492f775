/**
 * Group commit: messages accepted during one turn of the event loop are
 * written in a single transaction, and one flush to the disk (fsync)
 * covers every batch written before it started. Under load, batches and
 * flushes simply grow.
 *
 * Each message goes through two steps:
 * - **written**: its transaction is in the log, so it survives the host
 *   process crashing; the room may show it to everyone now.
 * - **durable**: a flush after it has finished, so it also survives the
 *   machine crashing; only now may its sender be told it was sent.
 *
 * The flush runs on libuv's thread pool, so the event loop keeps
 * delivering while the disk works. After a failed flush nothing more is
 * accepted: once fsync has failed, the system may have dropped what it
 * was asked to flush, and a later success would not mean it is on disk.
 *
 * @public
 */
import type { HistoryStore } from './history-store';
import type { Logger } from './logger';
import type { ChatMessage } from './protocol';

/** Called once the message is durable (`error` undefined) or failed to be. */
export type CommitCallback = (error: Error | undefined) => void;

interface Entry {
  roomKey: string;
  message: ChatMessage;
  done: CommitCallback;
  written: (() => void) | undefined;
}

/** Batches appends to a {@link HistoryStore}. @public */
export class GroupCommitter {
  readonly #store: HistoryStore;
  readonly #logger: Logger;
  #queue: Entry[] = [];
  #scheduled = false;
  /** Written, waiting for the next flush to start. */
  #unflushed: Entry[] = [];
  #flushing = false;
  #failure: Error | undefined;

  constructor(store: HistoryStore, logger: Logger) {
    this.#store = store;
    this.#logger = logger;
  }

  /** Messages waiting for the next commit. */
  get pending(): number {
    return this.#queue.length;
  }

  /** Why the history stopped accepting messages (a failed flush), if it did. */
  get failure(): Error | undefined {
    return this.#failure;
  }

  /**
   * Queues a message. `written` runs once its transaction is in the log
   * (not when the write fails); `done` runs once a flush after it has
   * finished, or with the error when the write or the flush failed.
   */
  enqueue(roomKey: string, message: ChatMessage, done: CommitCallback, written?: () => void): void {
    this.#queue.push({ roomKey, message, done, written });
    if (!this.#scheduled) {
      this.#scheduled = true;
      // setImmediate runs after the I/O callbacks of this loop turn, so
      // every frame already read from the sockets joins the same batch.
      setImmediate(() => this.flush());
    }
  }

  /** Writes everything queued now (also used on shutdown) and starts its flush. */
  flush(): void {
    this.#scheduled = false;
    const batch = this.#queue;
    if (batch.length === 0) return;
    this.#queue = [];
    let failure = this.#failure;
    if (failure === undefined) {
      try {
        this.#store.appendBatch(batch);
      } catch (error) {
        failure = error instanceof Error ? error : new Error(String(error));
      }
    }
    if (failure !== undefined) {
      this.#settle(batch, failure);
      return;
    }
    for (const entry of batch) this.#call(() => entry.written?.());
    this.#unflushed.push(...batch);
    this.#startFlush();
  }

  /** Flushes what is written and waiting, unless a flush is running (its callback starts the next one). */
  #startFlush(): void {
    if (this.#flushing || this.#unflushed.length === 0) return;
    this.#flushing = true;
    const entries = this.#unflushed;
    this.#unflushed = [];
    this.#store.sync((error) => {
      this.#flushing = false;
      if (error !== undefined && this.#failure === undefined) {
        this.#failure = error;
        this.#logger.error('history flush (fsync) failed; the host accepts no more messages until it restarts', {
          error: error.message,
        });
      }
      this.#settle(entries, this.#failure);
      if (this.#failure !== undefined) this.#settle(this.#unflushed.splice(0), this.#failure);
      else this.#startFlush();
    });
  }

  #settle(entries: Entry[], failure: Error | undefined): void {
    // One failing callback must not keep the others from their ack.
    for (const entry of entries) this.#call(() => entry.done(failure));
  }

  #call(callback: () => void): void {
    try {
      callback();
    } catch (error) {
      this.#logger.error('commit callback failed', { error: error instanceof Error ? error.stack : String(error) });
    }
  }
}
