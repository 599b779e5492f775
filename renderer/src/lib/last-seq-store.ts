/**
 * The catch-up position of one conversation (host origin + room + name): the
 * highest seq up to which every message was seen, kept in localStorage so a
 * join after a reload or a restart asks the host for exactly what was missed
 * (`join.since`). Pure apart from the injected storage (covered by
 * tests/renderer/last-seq-store.test.ts).
 */
import { readJson, writeJson, type KeyValueStore } from './local-store';

/** Prefix of catch-up position keys; the rest is a conversationKey. */
export const LAST_SEQ_KEY_PREFIX = 'lanchat.lastSeq.';

/** One conversation's stored position. */
export class LastSeqStore {
  readonly #storage: KeyValueStore | null;
  readonly #key: string;
  #saved: number | null = null;

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
  load(): number | null {
    const value = readJson(this.#storage, this.#key);
    this.#saved = typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : null;
    return this.#saved;
  }

  /**
   * Stores a position (skipped when unchanged, as it is on most calls).
   * @param seq - highest contiguous seq seen
   */
  save(seq: number): void {
    if (seq === this.#saved || !Number.isSafeInteger(seq) || seq < 0) return;
    this.#saved = seq;
    writeJson(this.#storage, this.#key, seq);
  }
}
