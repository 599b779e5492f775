/**
 * Rooms: who is in each room, the handshake check, the room's message
 * sequence with its recent history in memory, durable appends through the
 * group committer, and fan-out. Sees only {@link ClientConnection}.
 *
 * Lifecycle (issue 12 item 5): the registry holds in memory only rooms
 * someone is in or was in lately. A room empty for the idle time leaves
 * memory; its history stays on disk and is read again on the next join. A
 * room nobody ever wrote in (and that has no password) is forgotten when it
 * leaves memory, so it neither comes back after a restart nor counts against
 * the room limit forever. Each room's in-memory window is bounded in
 * messages and in bytes, and all windows together by a host-wide budget.
 *
 * @public
 */
import { createHash, timingSafeEqual } from 'node:crypto';

import { isVerifier, verifyPassword } from './password-verifier';

import type { ClientConnection } from './client-connection';
import type { GroupCommitter } from './group-commit';
import type { HistoryStore } from './history-store';
import { findLookalike, type ChatMessage, type Member } from './protocol';
import { SharedFrame } from './shared-frame';

/** A member together with the connection it speaks through. */
export interface RoomMember {
  member: Member;
  connection: ClientConnection;
  /** The client's secret for taking over its own name on reconnect. */
  resumeKey: string | undefined;
  /** Ends this membership from outside (the member was replaced by its own reconnect). */
  evict: () => void;
}

/** Rules of one room. */
export interface RoomRules {
  /**
   * Password verifier (password-verifier.ts) members' passwords are checked
   * against; undefined = the one stored with the room, if any.
   */
  verifier?: string;
  maxMembers: number;
}

/** Why {@link Room.admit} refused, or whom it replaces. */
export type Admission =
  | { ok: true; replaces?: RoomMember }
  | { ok: false; reason: 'passwordRequired' | 'wrongPassword' | 'nameTaken' | 'roomFull' };

/** Outcome of {@link Room.submit}: the stored message, and whether it was a resend of one stored before. */
export type SubmitResult =
  | { ok: true; message: ChatMessage; duplicate: boolean }
  | {
      ok: false;
      error: Error;
      /**
       * The message was written to the log and shown to the room as this
       * seq, but its flush to disk failed: the sender must not be told it
       * was lost (members saw it), nor that it is safe.
       */
      shownAs?: number;
    };

/** A page of older messages. */
export interface HistoryPage {
  messages: ChatMessage[];
  hasMore: boolean;
}

/** Where a room keeps its history durably. */
export interface RoomStorage {
  store: HistoryStore;
  committer: GroupCommitter;
}

/** How a room bounds its in-memory window, and whom it tells. */
export interface RoomCache {
  /** Bytes the window may hold (estimated, see {@link messageMemoryBytes}). */
  maxBytes: number;
  /** Told of every change of the window's size, in bytes. */
  onChange?: (deltaBytes: number) => void;
  /** Clock for idle times. */
  now?: () => number;
}

/** Names are unique per room regardless of letter case ("Ann" and "ann" are one name). */
function nameKey(name: string): string {
  return name.toLocaleLowerCase('en-US');
}

/**
 * Room names are case-insensitive ("Lobby" and "lobby" are one room, named as
 * its creator spelt it), as people type them from memory.
 */
export function roomKey(name: string): string {
  return name.toLocaleLowerCase('en-US');
}

/** Resends are recognised per sender name and client id. */
function clientKey(senderName: string, clientId: string): string {
  return `${nameKey(senderName)}\u0000${clientId}`;
}

/** SHA-256 of a password, to remember (in memory only) the last one that matched, compared in constant time. */
function digest(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

/** Fixed per-message cost in memory besides its strings (object, array slot, map entry). */
const MESSAGE_OVERHEAD_BYTES = 160;
/** Bytes a message adds to a JSON response besides its strings (keys, seq, ts, quotes). */
const MESSAGE_JSON_OVERHEAD_BYTES = 100;

/**
 * Estimated heap bytes of a cached message: its strings at two bytes per
 * UTF-16 unit (V8 keeps non-Latin-1 strings so) plus a fixed overhead.
 * @public
 */
export function messageMemoryBytes(message: ChatMessage): number {
  return 2 * (message.text.length + message.clientId.length + message.from.id.length + message.from.name.length) + MESSAGE_OVERHEAD_BYTES;
}

/**
 * Bytes of a message in a JSON response: its strings in UTF-8 plus the
 * fixed fields (JSON escapes of control characters, quotes and
 * backslashes add a little more; the bound is approximate by that much).
 */
function messageWireBytes(message: ChatMessage): number {
  return (
    Buffer.byteLength(message.text) +
    Buffer.byteLength(message.from.name) +
    message.clientId.length +
    message.from.id.length +
    message.room.length +
    MESSAGE_JSON_OVERHEAD_BYTES
  );
}

/** The newest messages of `messages` (oldest first) whose wire size fits `maxBytes`; at least one, so a page always advances. */
function newestWithin(messages: ChatMessage[], maxBytes: number): ChatMessage[] {
  let total = 0;
  let start = messages.length;
  while (start > 0) {
    total += messageWireBytes(messages[start - 1] as ChatMessage);
    if (total > maxBytes && start < messages.length) break;
    start -= 1;
  }
  return start === 0 ? messages : messages.slice(start);
}

/** A message waiting to be durable, with everyone waiting for it (its sender, and resends of it). */
interface PendingMessage {
  message: ChatMessage;
  waiters: Array<(result: SubmitResult) => void>;
  written: boolean;
}

/** One chat room. @public */
export class Room {
  readonly name: string;
  readonly key: string;
  readonly #members = new Map<string, RoomMember>();
  readonly #membersByName = new Map<string, RoomMember>();
  readonly #verifier: string | undefined;
  /** SHA-256 of the last password that matched the verifier (memory only): reconnects skip scrypt. */
  #acceptedDigest: Buffer | undefined;
  readonly #maxMembers: number;
  /** The newest written messages, oldest first, contiguous by seq. */
  #history: ChatMessage[];
  readonly #maxHistory: number;
  readonly #cache: RoomCache;
  /** Estimated bytes of #history. */
  #cachedBytes = 0;
  /** Client keys of the messages in #history → seq. */
  readonly #seqByClientKey = new Map<string, number>();
  /** Client keys of messages assigned a seq but not durable yet. */
  readonly #pending = new Map<string, PendingMessage>();
  readonly #storage: RoomStorage;
  /** Highest assigned sequence number (committed or pending). */
  #lastSeq: number;
  /** Highest written sequence number (what members have been shown). */
  #committedSeq: number;
  /** Every message with seq <= this was deleted by retention: history starts after it. */
  #prunedThrough: number;
  /** Joins waiting for their password check: the room must not leave memory under them. */
  #holds = 0;
  /** When the last member left (or the room was loaded empty); undefined while anyone is in. */
  #emptySince: number | undefined;

  constructor(name: string, maxHistory: number, rules: RoomRules, storage: RoomStorage, cache: RoomCache = { maxBytes: Number.POSITIVE_INFINITY }) {
    this.name = name;
    this.key = roomKey(name);
    this.#maxHistory = maxHistory;
    this.#cache = cache;
    this.#maxMembers = rules.maxMembers;
    this.#storage = storage;
    // A room picks up where its stored history ends (host restart, or back into memory).
    const info = storage.store.roomInfo(this.key);
    const verifier = rules.verifier ?? info?.verifier;
    if (verifier !== undefined && !isVerifier(verifier)) {
      // Unreadable protection must not turn into none: nobody gets in until the host resets the password.
      throw new Error(`room ${name} has an unreadable password verifier; reset it with a password change`);
    }
    this.#verifier = verifier;
    this.#prunedThrough = info?.prunedThrough ?? 0;
    this.#history = [];
    for (const message of storage.store.before(this.key, Number.MAX_SAFE_INTEGER, maxHistory)) this.#remember(message);
    this.#lastSeq = Math.max(this.#history.at(-1)?.seq ?? 0, info?.lastSeq ?? 0);
    this.#committedSeq = this.#lastSeq;
    this.#emptySince = cache.now?.() ?? 0;
    this.#trim();
  }

  /** Whether members need a password. */
  get isProtected(): boolean {
    return this.#verifier !== undefined;
  }

  /** Highest committed sequence number (0 when empty). */
  get lastSeq(): number {
    return this.#committedSeq;
  }

  /** Number of members. */
  get size(): number {
    return this.#members.size;
  }

  /** Messages in the in-memory window. */
  get cachedMessages(): number {
    return this.#history.length;
  }

  /** Estimated bytes of the in-memory window. */
  get cachedBytes(): number {
    return this.#cachedBytes;
  }

  /** Every message with seq at or below this was deleted by retention (0: none). */
  get prunedThrough(): number {
    return this.#prunedThrough;
  }

  /**
   * Whether the room may leave memory now: nobody in it, nobody joining,
   * nothing waiting to be written, and empty since `idleBefore` or earlier.
   */
  isIdle(idleBefore: number): boolean {
    return this.#members.size === 0 && this.#holds === 0 && this.#pending.size === 0 && this.#emptySince !== undefined && this.#emptySince <= idleBefore;
  }

  /** Keeps the room in memory while a join is being checked; call the returned function when done. */
  hold(): () => void {
    this.#holds += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#holds -= 1;
    };
  }

  /**
   * The handshake check, before any membership: password, name and room
   * size. A refusal says only why; it reveals nothing else about the room.
   * A name held by a member with the same resume key is the same client
   * reconnecting: it is admitted and replaces that member.
   *
   * Asynchronous: a password is checked with scrypt off the event loop
   * (password-verifier.ts). The name and size checks run after it, so they
   * see the room as it is when the answer comes; a caller must add the
   * member before its next `await`.
   */
  async admit(name: string, password: string | undefined, resumeKey: string | undefined): Promise<Admission> {
    const verifier = this.#verifier;
    if (verifier !== undefined) {
      if (password === undefined || password === '') return { ok: false, reason: 'passwordRequired' };
      if (!(await this.#passwordMatches(password, verifier))) return { ok: false, reason: 'wrongPassword' };
    }
    return this.admitMember(name, resumeKey);
  }

  /** The name and size part of {@link admit}, for a join whose password was already checked. */
  admitMember(name: string, resumeKey: string | undefined): Admission {
    const holder = this.#membersByName.get(nameKey(name));
    if (holder) {
      if (resumeKey !== undefined && holder.resumeKey === resumeKey) return { ok: true, replaces: holder };
      return { ok: false, reason: 'nameTaken' };
    }
    if (this.#members.size >= this.#maxMembers) return { ok: false, reason: 'roomFull' };
    return { ok: true };
  }

  async #passwordMatches(password: string, verifier: string): Promise<boolean> {
    const candidate = digest(password);
    const accepted = this.#acceptedDigest;
    if (accepted !== undefined && timingSafeEqual(candidate, accepted)) return true;
    const matches = await verifyPassword(password, verifier);
    if (matches) this.#acceptedDigest = candidate;
    return matches;
  }

  /** The members, in join order. */
  members(): Member[] {
    return Array.from(this.#members.values(), (entry) => entry.member);
  }

  /** Adds a member (after {@link admit}). */
  add(entry: RoomMember): void {
    this.#members.set(entry.member.id, entry);
    this.#membersByName.set(nameKey(entry.member.name), entry);
    this.#emptySince = undefined;
  }

  /** Removes a member; returns whether it was present. */
  remove(memberId: string): boolean {
    const entry = this.#members.get(memberId);
    if (!entry) return false;
    this.#members.delete(memberId);
    const key = nameKey(entry.member.name);
    if (this.#membersByName.get(key) === entry) this.#membersByName.delete(key);
    if (this.#members.size === 0) this.#emptySince = this.#cache.now?.() ?? 0;
    return true;
  }

  /**
   * Accepts a message from `from`: assigns the next sequence number and
   * queues it for the next group commit. Once its transaction is in the log
   * it is broadcast to the room; once it is flushed to disk, `done` gets it
   * (the sender's ack). A resend of a client id this sender already used
   * (stored or still pending) is not stored again: `done` gets the stored
   * message with `duplicate: true`, also only once it is on disk. If the
   * write fails, `done` gets the error and the sequence number is given
   * back; if the flush fails, `done` gets the error with `shownAs`, the seq
   * members were shown (and so does every later message: see
   * group-commit.ts).
   */
  submit(from: Member, clientId: string, text: string, now: number, done: (result: SubmitResult) => void): void {
    const key = clientKey(from.name, clientId);
    const pending = this.#pending.get(key);
    if (pending) {
      pending.waiters.push((result) => done(result.ok ? { ...result, duplicate: true } : result));
      return;
    }
    // After a failed flush nothing is known to be on disk: no ack, not even
    // for a resend. A resend of a message members were shown is told so.
    const { failure } = this.#storage.committer;
    if (failure !== undefined) {
      const shown = this.#seqByClientKey.get(key);
      done(shown === undefined ? { ok: false, error: failure } : { ok: false, error: failure, shownAs: shown });
      return;
    }
    const stored = this.#findStored(key, from.name, clientId);
    if (stored) {
      done({ ok: true, message: stored, duplicate: true });
      return;
    }
    this.#lastSeq += 1;
    const message: ChatMessage = {
      type: 'message',
      room: this.name,
      seq: this.#lastSeq,
      ts: now,
      from: { id: from.id, name: from.name },
      clientId,
      text,
    };
    const entry: PendingMessage = { message, waiters: [done], written: false };
    this.#pending.set(key, entry);
    this.#storage.committer.enqueue(
      this.key,
      message,
      (error) => this.#settle(key, entry, error),
      () => this.#written(key, entry),
    );
  }

  /**
   * The message is in the log: it survives a crash of the host process, so
   * members see it now, without waiting for the disk flush (the broadcast
   * does not wait on fsync). Its sender's ack waits for the flush.
   */
  #written(key: string, entry: PendingMessage): void {
    const { message } = entry;
    entry.written = true;
    this.#committedSeq = message.seq;
    // A window emptied by trimming restarts here only when it stays contiguous.
    if (this.#history.length === 0 || this.#history.at(-1)?.seq === message.seq - 1) this.#remember(message);
    this.#seqByClientKey.set(key, message.seq);
    this.#trim();
    this.broadcast(JSON.stringify(message));
  }

  /** Appends a message to the window (its accounting included). */
  #remember(message: ChatMessage): void {
    this.#history.push(message);
    this.#seqByClientKey.set(clientKey(message.from.name, message.clientId), message.seq);
    const bytes = messageMemoryBytes(message);
    this.#cachedBytes += bytes;
    this.#cache.onChange?.(bytes);
  }

  /**
   * Drops cached messages from the oldest on while `keepDropping` says so
   * (given the oldest message left, how many are left and their bytes), with
   * their resend keys, and gives their bytes back to the host-wide count.
   */
  #dropOldest(keepDropping: (oldest: ChatMessage, count: number, bytes: number) => boolean): void {
    let dropped = 0;
    let freed = 0;
    while (dropped < this.#history.length) {
      const oldest = this.#history[dropped] as ChatMessage;
      if (!keepDropping(oldest, this.#history.length - dropped, this.#cachedBytes - freed)) break;
      const key = clientKey(oldest.from.name, oldest.clientId);
      if (this.#seqByClientKey.get(key) === oldest.seq) this.#seqByClientKey.delete(key);
      freed += messageMemoryBytes(oldest);
      dropped += 1;
    }
    if (dropped === 0) return;
    this.#history = this.#history.slice(dropped);
    this.#cachedBytes -= freed;
    this.#cache.onChange?.(-freed);
  }

  /** Drops the oldest cached messages until the window fits its message and byte limits (or `maxBytes`, if lower). */
  #trim(maxBytes = this.#cache.maxBytes): void {
    this.#dropOldest((_oldest, count, bytes) => count > this.#maxHistory || bytes > maxBytes);
  }

  /** Shrinks the in-memory window to at most `maxBytes` (the registry's host-wide budget); older messages are read from the store. */
  shrinkCache(maxBytes: number): void {
    this.#trim(Math.max(0, maxBytes));
  }

  /** Empties the window before the room leaves memory, so the host-wide count stays exact. */
  releaseCache(): void {
    this.#trim(-1);
  }

  /** Retention deleted every message with seq <= `throughSeq` from the store: forget them here too. */
  pruned(throughSeq: number): void {
    if (throughSeq <= this.#prunedThrough) return;
    this.#prunedThrough = throughSeq;
    this.#dropOldest((oldest) => oldest.seq <= throughSeq);
  }

  /** The message is durable (or failed to be): its sender, and any resend of it, get their answer. */
  #settle(key: string, entry: PendingMessage, error: Error | undefined): void {
    this.#pending.delete(key);
    if (error) {
      // A failed write fails the whole batch, so every later seq of this
      // room failed too: hand the numbers back so the sequence stays
      // gap-free. A failed flush keeps them: those messages were written
      // (#committedSeq reached them) and shown, and their senders are told
      // which seq members saw.
      if (entry.message.seq > this.#committedSeq) this.#lastSeq = this.#committedSeq;
      const result: SubmitResult = entry.written ? { ok: false, error, shownAs: entry.message.seq } : { ok: false, error };
      for (const waiter of entry.waiters) waiter(result);
      return;
    }
    entry.waiters.forEach((waiter, index) => waiter({ ok: true, message: entry.message, duplicate: index > 0 }));
  }

  /** Whether the window holds every message the room still has (its first one, or none were written). */
  #windowComplete(): boolean {
    const first = this.#history[0];
    return first === undefined ? this.#committedSeq === this.#prunedThrough : first.seq === this.#prunedThrough + 1;
  }

  /** A committed message with this client key, from memory or, for older ones, from the store. */
  #findStored(key: string, senderName: string, clientId: string): ChatMessage | undefined {
    const seq = this.#seqByClientKey.get(key);
    if (seq !== undefined) {
      const cached = this.#cached(seq);
      if (cached) return cached;
    }
    // Memory holds everything when the room's first message is still cached;
    // only older rooms need the (indexed) lookup.
    if (this.#windowComplete()) return undefined;
    return this.#storage.store.findByClientId(this.key, senderName, clientId);
  }

  #cached(seq: number): ChatMessage | undefined {
    const first = this.#history[0];
    return first === undefined ? undefined : this.#history[seq - first.seq];
  }

  /**
   * The newest `limit` committed messages with `seq > since`, oldest first,
   * at most `maxBytes` of them on the wire (at least one), and whether
   * older messages exist before the first of them. History deleted by
   * retention simply starts later: nothing exists before it.
   */
  recentSince(since: number, limit: number, maxBytes = Number.POSITIVE_INFINITY): HistoryPage {
    const from = Math.max(since, this.#committedSeq - limit, this.#prunedThrough);
    const messages = newestWithin(this.#range(from, this.#committedSeq), maxBytes);
    const firstSeq = messages[0]?.seq ?? this.#committedSeq + 1;
    return { messages, hasMore: firstSeq > this.#prunedThrough + 1 };
  }

  /** Up to `limit` committed messages with `seq < before`, oldest first, at most `maxBytes` on the wire (at least one) (paging back). */
  page(before: number, limit: number, maxBytes = Number.POSITIVE_INFINITY): HistoryPage {
    const end = Math.min(before - 1, this.#committedSeq);
    const start = Math.max(this.#prunedThrough, end - limit);
    const messages = end <= start ? [] : newestWithin(this.#range(start, end), maxBytes);
    return { messages, hasMore: (messages[0]?.seq ?? this.#prunedThrough + 1) > this.#prunedThrough + 1 };
  }

  /** Committed messages with `afterSeq < seq <= lastSeq`: from memory when cached, else from the store. */
  #range(afterSeq: number, lastSeq: number): ChatMessage[] {
    if (lastSeq <= afterSeq) return [];
    const first = this.#history[0];
    if (first && afterSeq + 1 >= first.seq) {
      return this.#history.slice(afterSeq + 1 - first.seq, lastSeq + 1 - first.seq);
    }
    return this.#storage.store.after(this.key, afterSeq, lastSeq - afterSeq);
  }

  /**
   * Sends one message, already serialised by the caller, to every member
   * except `exceptId`. Each transport frames it once for all its recipients
   * ({@link SharedFrame}), not once per recipient.
   */
  broadcast(text: string, exceptId?: string): void {
    const frame = new SharedFrame(text);
    for (const entry of this.#members.values()) {
      if (entry.member.id !== exceptId) entry.connection.send(frame);
    }
  }
}

/** Limits of a {@link RoomRegistry}. */
export interface RegistryLimits {
  maxHistory: number;
  /** Rooms in memory at once (rooms people are in, or were in lately). */
  maxRooms: number;
  /** Rules of rooms created by joining. */
  defaultMaxMembers: number;
  /** Bytes of one room's in-memory window. @default unbounded */
  maxHistoryBytes?: number;
  /** Bytes of every room's window together. @default unbounded */
  maxCachedBytes?: number;
  /** An empty room leaves memory after this long. @default 0 (at the next sweep) */
  idleMs?: number;
}

/** Why {@link RoomRegistry.open} found no room. */
export type OpenResult =
  | { ok: true; room: Room; created: boolean }
  | { ok: false; reason: 'tooManyRooms' | 'tooManyNewRooms' };

/** What the registry holds in memory (for /health and the tests that memory stays bounded). */
export interface RegistryMemory {
  /** Rooms in memory. */
  rooms: number;
  /** Messages in their windows. */
  cachedMessages: number;
  /** Estimated bytes of those messages. */
  cachedBytes: number;
}

/** A room as `/health` lists it. */
export interface RoomSummary {
  name: string;
  protected: boolean;
  members: number;
  lastSeq: number;
}

/** A room as `GET /rooms` lists it (rooms-endpoint.ts hides a protected room's count). */
export interface RoomListing {
  name: string;
  protected: boolean;
  /** People in it now (0 for a room not in memory). */
  members: number;
}

/** All rooms of one host. @public */
export class RoomRegistry {
  /** Rooms in memory, least recently opened first. */
  readonly #rooms = new Map<string, Room>();
  /** Rooms of the host's configuration (kept in the store, listed by /health even when not in memory). */
  readonly #configured = new Map<string, { name: string; maxMembers: number }>();
  readonly #limits: RegistryLimits;
  readonly #storage: RoomStorage;
  readonly #now: () => number;
  #cachedBytes = 0;
  #enforcing = false;

  constructor(limits: RegistryLimits, storage: RoomStorage, now: () => number) {
    this.#limits = limits;
    this.#storage = storage;
    this.#now = now;
  }

  /** The host's history id ({@link HistoryStore.historyId}). */
  get historyId(): string {
    return this.#storage.store.historyId;
  }

  /**
   * A room of the host's configuration, with its rules: recorded in the
   * store, loaded into memory now, and loaded again with the same rules
   * whenever it comes back. Its password is the one stored with it
   * (set before, by the host: see chat-server.ts).
   */
  create(name: string, rules: RoomRules): Room {
    const key = roomKey(name);
    this.#configured.set(key, { name, maxMembers: rules.maxMembers });
    this.#storage.store.ensureRoom(key, name, this.#now());
    const loaded = this.#rooms.get(key);
    if (loaded) return loaded;
    return this.#load(name, rules);
  }

  /**
   * Registers a room of the host's configuration without loading it: it
   * is recorded in the store (so it is never forgotten) and listed by
   * `/health`, and loads with these rules on its first join.
   */
  configure(name: string, maxMembers: number): void {
    const key = roomKey(name);
    this.#configured.set(key, { name, maxMembers });
    this.#storage.store.ensureRoom(key, name, this.#now());
  }

  /** The room called `name`, created open on first use; undefined when the host cannot hold another room in memory. */
  getOrCreate(name: string): Room | undefined {
    const result = this.open(name, () => true);
    return result.ok ? result.room : undefined;
  }

  /**
   * The room called `name`: from memory, else from the store, else a new
   * open room if `mayCreate()` allows one (the caller's rate limit, asked
   * only for a room that does not exist). Past `maxRooms` rooms in memory,
   * the longest-empty room leaves memory to make space; with none empty,
   * the answer is `tooManyRooms`.
   */
  open(name: string, mayCreate: () => boolean): OpenResult {
    const key = roomKey(name);
    const existing = this.#rooms.get(key);
    if (existing) return { ok: true, room: existing, created: false };
    const info = this.#storage.store.roomInfo(key);
    const configured = this.#configured.get(key);
    if (info === undefined && configured === undefined && !mayCreate()) return { ok: false, reason: 'tooManyNewRooms' };
    if (this.#rooms.size >= this.#limits.maxRooms && !this.#unloadOne(Number.POSITIVE_INFINITY)) return { ok: false, reason: 'tooManyRooms' };
    const room = this.#load(configured?.name ?? info?.name ?? name, { maxMembers: configured?.maxMembers ?? this.#limits.defaultMaxMembers });
    if (info === undefined) this.#storage.store.ensureRoom(key, room.name, this.#now());
    return { ok: true, room, created: info === undefined };
  }

  #load(name: string, rules: RoomRules): Room {
    const room = new Room(name, this.#limits.maxHistory, rules, this.#storage, {
      maxBytes: this.#limits.maxHistoryBytes ?? Number.POSITIVE_INFINITY,
      onChange: (delta) => {
        this.#cachedBytes += delta;
        if (delta > 0) this.enforceBudget();
      },
      now: this.#now,
    });
    this.#rooms.set(room.key, room);
    // Held while the budget makes space, or the new (empty) room could be
    // the one to leave, and its caller would use a room the registry no
    // longer knows (a second one of the same name would then share its seqs).
    const release = room.hold();
    try {
      this.enforceBudget();
    } finally {
      release();
    }
    return room;
  }

  /** The room called `name` (any letter case), if it is in memory. */
  get(name: string): Room | undefined {
    return this.#rooms.get(roomKey(name));
  }

  /**
   * The name of an existing room (in memory, configured or stored) that
   * `name` only looks like (names.ts: same confusable skeleton, another
   * name), if any. Reads every stored room key: asked only before a new
   * room is created, which is rate-limited.
   */
  lookalikeOf(name: string): string | undefined {
    const candidates = new Map<string, { name: string }>();
    for (const key of this.#storage.store.roomKeys()) candidates.set(key, { name: key });
    for (const [key, configured] of this.#configured) candidates.set(key, { name: configured.name });
    for (const [key, room] of this.#rooms) candidates.set(key, { name: room.name });
    const found = findLookalike(name, candidates.values());
    if (found === undefined) return undefined;
    return this.#storage.store.roomInfo(roomKey(found.name))?.name ?? found.name;
  }

  /** Every room in memory. */
  all(): Room[] {
    return [...this.#rooms.values()];
  }

  /** The configured rooms (in configuration order), then the other rooms in memory, for `/health`. */
  summaries(): RoomSummary[] {
    const summary = (room: Room): RoomSummary => ({ name: room.name, protected: room.isProtected, members: room.size, lastSeq: room.lastSeq });
    const list: RoomSummary[] = [];
    for (const [key, configured] of this.#configured) {
      const loaded = this.#rooms.get(key);
      if (loaded) {
        list.push(summary(loaded));
        continue;
      }
      const info = this.#storage.store.roomInfo(key);
      list.push({ name: configured.name, protected: info?.verifier !== undefined, members: 0, lastSeq: info?.lastSeq ?? 0 });
    }
    for (const [key, room] of this.#rooms) if (!this.#configured.has(key)) list.push(summary(room));
    return list;
  }

  /**
   * The rooms people may join, for `GET /rooms`, at most `limit`: the
   * configured ones (configuration order), then the others people are in
   * (most members first), then the rest, in memory or only stored, by
   * their newest message (rooms-endpoint.ts cuts the list to its byte
   * limit, so the most useful rooms come first). Stored rooms are read
   * with one query of their names, not loaded.
   */
  directory(limit: number): RoomListing[] {
    const list: RoomListing[] = [];
    const listed = new Set<string>();
    const push = (key: string, entry: RoomListing): void => {
      if (list.length >= limit || listed.has(key)) return;
      listed.add(key);
      list.push(entry);
    };
    for (const [key, configured] of this.#configured) {
      const loaded = this.#rooms.get(key);
      const isProtected = loaded ? loaded.isProtected : this.#storage.store.roomInfo(key)?.verifier !== undefined;
      push(key, { name: loaded?.name ?? configured.name, protected: isProtected, members: loaded?.size ?? 0 });
    }
    const occupied = [...this.#rooms.values()].filter((room) => room.size > 0).sort((a, b) => b.size - a.size);
    for (const room of occupied) push(room.key, { name: room.name, protected: room.isProtected, members: room.size });
    if (list.length >= limit) return list;
    for (const stored of this.#storage.store.recentRooms(limit)) {
      const loaded = this.#rooms.get(stored.key);
      push(stored.key, { name: loaded?.name ?? stored.name, protected: loaded?.isProtected ?? stored.protected, members: loaded?.size ?? 0 });
    }
    return list;
  }

  /** What the registry holds in memory. */
  memory(): RegistryMemory {
    let cachedMessages = 0;
    for (const room of this.#rooms.values()) cachedMessages += room.cachedMessages;
    return { rooms: this.#rooms.size, cachedMessages, cachedBytes: this.#cachedBytes };
  }

  /**
   * Lets rooms empty for the idle time leave memory (their history stays
   * on disk); a room nobody wrote in, outside the configuration and without
   * a password, is forgotten. Returns how many left.
   */
  sweep(): number {
    const idleBefore = this.#now() - (this.#limits.idleMs ?? 0);
    let count = 0;
    for (const room of [...this.#rooms.values()]) {
      if (room.isIdle(idleBefore)) {
        this.#unload(room);
        count += 1;
      }
    }
    return count;
  }

  /** Retention deleted a room's history through `throughSeq`: the room in memory forgets it too. */
  pruned(key: string, throughSeq: number): void {
    this.#rooms.get(key)?.pruned(throughSeq);
  }

  /**
   * Keeps every window together within the host-wide budget: first rooms
   * nobody is in leave memory (longest empty first), then the largest
   * windows shrink by half until it fits.
   */
  enforceBudget(): void {
    const budget = this.#limits.maxCachedBytes;
    // Shrinking a window reports back through onChange: no re-entry.
    if (budget === undefined || this.#cachedBytes <= budget || this.#enforcing) return;
    this.#enforcing = true;
    try {
      this.#shrinkToBudget(budget);
    } finally {
      this.#enforcing = false;
    }
  }

  #shrinkToBudget(budget: number): void {
    while (this.#cachedBytes > budget && this.#unloadOne(Number.POSITIVE_INFINITY)) {
      // Each pass removed one empty room.
    }
    while (this.#cachedBytes > budget) {
      let largest: Room | undefined;
      for (const room of this.#rooms.values()) if (!largest || room.cachedBytes > largest.cachedBytes) largest = room;
      if (!largest || largest.cachedBytes === 0) return;
      largest.shrinkCache(Math.floor(largest.cachedBytes / 2));
    }
  }

  /** Unloads the room that has been empty longest (and at least since `idleBefore`); returns whether there was one. */
  #unloadOne(idleBefore: number): boolean {
    for (const room of this.#rooms.values()) {
      if (room.isIdle(Math.min(idleBefore, this.#now()))) {
        this.#unload(room);
        return true;
      }
    }
    return false;
  }

  #unload(room: Room): void {
    this.#rooms.delete(room.key);
    room.releaseCache();
    if (!this.#configured.has(room.key)) this.#storage.store.deleteRoomIfUnused(room.key);
  }

  /** Forgets every room nobody wrote in (at shutdown, so they do not come back). */
  forgetUnused(): void {
    for (const room of this.#rooms.values()) {
      if (!this.#configured.has(room.key)) this.#storage.store.deleteRoomIfUnused(room.key);
    }
  }
}
