/**
 * Group commit: messages accepted during one turn of the event loop are
 * written in a single transaction, then acknowledged together. One fsync
 * per batch instead of one per message keeps durability from capping
 * throughput; under load, batches simply grow.
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
}

/** Batches appends to a {@link HistoryStore}. @public */
export class GroupCommitter {
  readonly #store: HistoryStore;
  readonly #logger: Logger;
  #queue: Entry[] = [];
  #scheduled = false;

  constructor(store: HistoryStore, logger: Logger) {
    this.#store = store;
    this.#logger = logger;
  }

  /** Messages waiting for the next commit. */
  get pending(): number {
    return this.#queue.length;
  }

  /** Queues a message; `done` runs after the batch holding it commits or fails. */
  enqueue(roomKey: string, message: ChatMessage, done: CommitCallback): void {
    this.#queue.push({ roomKey, message, done });
    if (!this.#scheduled) {
      this.#scheduled = true;
      // setImmediate runs after the I/O callbacks of this loop turn, so
      // every frame already read from the sockets joins the same batch.
      setImmediate(() => this.flush());
    }
  }

  /** Commits everything queued now (also used on shutdown). */
  flush(): void {
    this.#scheduled = false;
    const batch = this.#queue;
    if (batch.length === 0) return;
    this.#queue = [];
    let failure: Error | undefined;
    try {
      this.#store.appendBatch(batch);
    } catch (error) {
      failure = error instanceof Error ? error : new Error(String(error));
    }
    for (const entry of batch) {
      // One failing callback must not keep the others from their ack.
      try {
        entry.done(failure);
      } catch (error) {
        this.#logger.error('commit callback failed', { error: error instanceof Error ? error.stack : String(error) });
      }
    }
  }
}
