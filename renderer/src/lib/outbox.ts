/**
 * The outbox: own messages the host has not acknowledged yet, kept in
 * localStorage per conversation (host origin + room + name), so that neither
 * a lost connection nor a reload, crash or restart of the app loses them.
 *
 * A message is written here *before* it is sent, and removed only when the
 * host acknowledges it (its `ack`, or its own `message` coming back). The
 * host de-duplicates resends by (sender name, client id) and re-acks with the
 * original seq, so resending an entry whose ack was lost is harmless.
 *
 * Pure apart from the injected storage (covered by tests/renderer/outbox.test.ts).
 */
import { CLIENT_ID_MAX_LENGTH, ErrorCode } from '../../../server/protocol';

import { readJson, writeJson, type KeyValueStore } from './local-store';

/** Prefix of outbox keys; the rest is a conversationKey. */
export const OUTBOX_KEY_PREFIX = 'lanchat.outbox.';

/** One unacknowledged message. */
export interface OutboxEntry {
  /** The client message id, sent unchanged with every resend. */
  readonly id: string;
  readonly text: string;
  /** When the user sent it (Date.now()). */
  readonly createdAt: number;
  /**
   * The `CHAT_ERR_*` code of a definitive refusal: the entry waits for the
   * user's Retry or Discard instead of being resent on rejoin.
   */
  readonly failedCode?: string;
}

/**
 * Refusals that a resend on the next join would not fix: the message stays
 * `failed` until the user retries or discards it. Anything else (`NOT_JOINED`:
 * the send crossed a reconnect; `UNCONFIRMED`: the host showed it but could
 * not flush it, and recognises the resend after it restarts) stays `sending`
 * and goes again after the next welcome.
 */
const RESEND_LATER_CODES: ReadonlySet<string> = new Set([ErrorCode.NotJoined, ErrorCode.Unconfirmed]);

/**
 * Whether a refusal of a `send` is definitive (TEXT_TOO_LONG, EMPTY_TEXT,
 * RATE_LIMITED, STORAGE, …), so the message is shown as failed.
 * @param code - the error's `CHAT_ERR_*` code
 */
export function isDefinitiveRefusal(code: string): boolean {
  return !RESEND_LATER_CODES.has(code);
}

function isEntry(value: unknown): value is OutboxEntry {
  if (typeof value !== 'object' || value === null) return false;
  const entry = value as Record<string, unknown>;
  return (
    typeof entry.id === 'string' &&
    entry.id.length > 0 &&
    entry.id.length <= CLIENT_ID_MAX_LENGTH &&
    typeof entry.text === 'string' &&
    typeof entry.createdAt === 'number' &&
    Number.isFinite(entry.createdAt) &&
    (entry.failedCode === undefined || typeof entry.failedCode === 'string')
  );
}

/** Only the known fields, so nothing else ever reaches storage. */
function plain(entry: OutboxEntry): OutboxEntry {
  const copy: { id: string; text: string; createdAt: number; failedCode?: string } = {
    id: entry.id,
    text: entry.text,
    createdAt: entry.createdAt,
  };
  if (entry.failedCode !== undefined) copy.failedCode = entry.failedCode;
  return copy;
}

/**
 * One conversation's outbox.
 *
 * Every change re-reads storage, applies itself and writes back, rather than
 * writing a copy held in memory: another window of the same conversation may
 * have changed the list meanwhile, and its entries must survive. When storage
 * is missing or refuses a write (quota, privacy mode), the outbox carries on
 * in memory for the life of the page.
 */
export class Outbox {
  readonly #storage: KeyValueStore | null;
  readonly #key: string;
  /** The list as last read or written; the only copy once storage failed. */
  #memory: OutboxEntry[] = [];
  #memoryOnly: boolean;

  /**
   * @param storage - where to keep the entries; `null` keeps them in memory only
   * @param conversation - the conversationKey of origin, room and name
   */
  constructor(storage: KeyValueStore | null, conversation: string) {
    this.#storage = storage;
    this.#key = OUTBOX_KEY_PREFIX + conversation;
    this.#memoryOnly = storage === null;
  }

  /** The storage key (for tests and diagnostics). */
  get key(): string {
    return this.#key;
  }

  /** Whether entries survive a reload (storage accepted every write so far). */
  get durable(): boolean {
    return !this.#memoryOnly;
  }

  /** The entries, oldest first. Malformed stored entries are skipped. */
  entries(): OutboxEntry[] {
    if (this.#memoryOnly) return [...this.#memory];
    const stored = readJson(this.#storage, this.#key);
    this.#memory = Array.isArray(stored) ? stored.filter(isEntry).map(plain) : [];
    return [...this.#memory];
  }

  /**
   * Adds a message (before it is sent). An entry with the same id is replaced in place.
   * @returns whether it was stored durably (false: memory only)
   */
  add(entry: OutboxEntry): boolean {
    return this.#update((entries) => {
      const index = entries.findIndex((known) => known.id === entry.id);
      if (index >= 0) entries[index] = plain(entry);
      else entries.push(plain(entry));
      return entries;
    });
  }

  /**
   * Removes an acknowledged or discarded message (no-op when absent).
   * @param id - its client id
   */
  remove(id: string): void {
    this.#update((entries) => entries.filter((entry) => entry.id !== id));
  }

  /**
   * Marks a message as definitively refused.
   * @param id - its client id
   * @param code - the refusal's `CHAT_ERR_*` code
   */
  markFailed(id: string, code: string): void {
    this.#update((entries) => entries.map((entry) => (entry.id === id ? { ...entry, failedCode: code } : entry)));
  }

  /**
   * Clears a refusal, for a retry.
   * @param id - its client id
   */
  markPending(id: string): void {
    this.#update((entries) => entries.map((entry) => (entry.id === id ? plain({ id: entry.id, text: entry.text, createdAt: entry.createdAt }) : entry)));
  }

  #update(change: (entries: OutboxEntry[]) => OutboxEntry[]): boolean {
    const next = change(this.entries());
    this.#memory = next;
    if (this.#memoryOnly) return false;
    const written = writeJson(this.#storage, this.#key, next.length === 0 ? undefined : next);
    // From now on memory is the truth: reading storage back would lose this change.
    if (!written) this.#memoryOnly = true;
    return written;
  }
}
