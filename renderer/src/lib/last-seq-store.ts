/**
 * The catch-up position of one conversation (host origin + room + name): the
 * highest seq up to which every message was seen, and the host history it
 * belongs to, kept in localStorage so a join after a reload or a restart
 * asks the host for exactly what was missed (`join.since`, `join.historyId`).
 * Pure apart from the injected storage (covered by
 * tests/renderer/last-seq-store.test.ts).
 */
import { readJson, writeJson, type KeyValueStore } from './local-store';

/** Prefix of catch-up position keys; the rest is a conversationKey. */
export const LAST_SEQ_KEY_PREFIX = 'lanchat.lastSeq.';

/** A stored position. */
export interface Position {
  /** Highest contiguous seq seen. */
  seq: number;
  /** The welcome's `historyId` that `seq` counts in; `null` when kept by a LanChat that did not record it. */
  historyId: string | null;
}

function isSeq(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** One conversation's stored position. */
export class LastSeqStore {
  readonly #storage: KeyValueStore | null;
  readonly #key: string;
  #saved: Position | null = null;

  /**
   * @param storage - where to keep it; `null` keeps nothing
   * @param conversation - the conversationKey of origin, room and name
   */
  constructor(storage: KeyValueStore | null, conversation: string) {
    this.#storage = storage;
    this.#key = LAST_SEQ_KEY_PREFIX + conversation;
  }

  /** The storage key (for tests and diagnostics). */
  get key(): string {
    return this.#key;
  }

  /** The stored position, or `null` when this conversation was never joined here. */
  load(): Position | null {
    const value = readJson(this.#storage, this.#key);
    if (isSeq(value)) {
      // Written before positions recorded their history.
      this.#saved = { seq: value, historyId: null };
    } else if (typeof value === 'object' && value !== null && 'seq' in value && 'historyId' in value) {
      const { seq, historyId } = value;
      this.#saved = isSeq(seq) && typeof historyId === 'string' ? { seq, historyId } : null;
    } else {
      this.#saved = null;
    }
    return this.#saved;
  }

  /**
   * Stores a position (skipped when unchanged, as it is on most calls).
   * @param seq - highest contiguous seq seen
   * @param historyId - the history it counts in
   */
  save(seq: number, historyId: string): void {
    if (!isSeq(seq) || (seq === this.#saved?.seq && historyId === this.#saved.historyId)) return;
    this.#saved = { seq, historyId };
    writeJson(this.#storage, this.#key, this.#saved);
  }
}
