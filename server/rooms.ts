/**
 * Rooms: who is in each room, the handshake check, the room's message
 * sequence with its recent history in memory, durable appends through the
 * group committer, and fan-out. Sees only {@link ClientConnection}.
 *
 * @public
 */
import { createHash, timingSafeEqual } from 'node:crypto';

import type { ClientConnection } from './client-connection';
import type { GroupCommitter } from './group-commit';
import type { HistoryStore } from './history-store';
import type { ChatMessage, Member } from './protocol';
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
  /** Password members must give; undefined = open room. */
  password?: string;
  maxMembers: number;
}

/** Why {@link Room.admit} refused, or whom it replaces. */
export type Admission =
  | { ok: true; replaces?: RoomMember }
  | { ok: false; reason: 'passwordRequired' | 'wrongPassword' | 'nameTaken' | 'roomFull' };

/** Outcome of {@link Room.submit}: the stored message, and whether it was a resend of one stored before. */
export type SubmitResult = { ok: true; message: ChatMessage; duplicate: boolean } | { ok: false; error: Error };

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

/** SHA-256 of a password, so comparisons take the same time whatever the guess. */
function digest(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

/** A message waiting to be durable, with everyone waiting for it (its sender, and resends of it). */
interface PendingMessage {
  message: ChatMessage;
  waiters: Array<(result: SubmitResult) => void>;
}

/** One chat room. @public */
export class Room {
  readonly name: string;
  readonly key: string;
  readonly #members = new Map<string, RoomMember>();
  readonly #membersByName = new Map<string, RoomMember>();
  readonly #passwordDigest: Buffer | undefined;
  readonly #maxMembers: number;
  /** The newest written messages, oldest first, contiguous by seq. */
  readonly #history: ChatMessage[];
  readonly #maxHistory: number;
  /** Client keys of the messages in #history → seq. */
  readonly #seqByClientKey = new Map<string, number>();
  /** Client keys of messages assigned a seq but not durable yet. */
  readonly #pending = new Map<string, PendingMessage>();
  readonly #storage: RoomStorage;
  /** Highest assigned sequence number (committed or pending). */
  #lastSeq: number;
  /** Highest written sequence number (what members have been shown). */
  #committedSeq: number;

  constructor(name: string, maxHistory: number, rules: RoomRules, storage: RoomStorage) {
    this.name = name;
    this.key = roomKey(name);
    this.#maxHistory = maxHistory;
    this.#maxMembers = rules.maxMembers;
    this.#passwordDigest = rules.password === undefined ? undefined : digest(rules.password);
    this.#storage = storage;
    // A room picks up where its stored history ends (host restart).
    this.#history = storage.store.before(this.key, Number.MAX_SAFE_INTEGER, maxHistory);
    for (const message of this.#history) this.#seqByClientKey.set(clientKey(message.from.name, message.clientId), message.seq);
    this.#lastSeq = this.#history.at(-1)?.seq ?? 0;
    this.#committedSeq = this.#lastSeq;
  }

  /** Whether members need a password. */
  get isProtected(): boolean {
    return this.#passwordDigest !== undefined;
  }

  /** Highest committed sequence number (0 when empty). */
  get lastSeq(): number {
    return this.#committedSeq;
  }

  /** Number of members. */
  get size(): number {
    return this.#members.size;
  }

  /**
   * The handshake check, before any membership: password, name and room
   * size. A refusal says only why; it reveals nothing else about the room.
   * A name held by a member with the same resume key is the same client
   * reconnecting: it is admitted and replaces that member.
   */
  admit(name: string, password: string | undefined, resumeKey: string | undefined): Admission {
    if (this.#passwordDigest !== undefined) {
      if (password === undefined || password === '') return { ok: false, reason: 'passwordRequired' };
      if (!timingSafeEqual(digest(password), this.#passwordDigest)) return { ok: false, reason: 'wrongPassword' };
    }
    const holder = this.#membersByName.get(nameKey(name));
    if (holder) {
      if (resumeKey !== undefined && holder.resumeKey === resumeKey) return { ok: true, replaces: holder };
      return { ok: false, reason: 'nameTaken' };
    }
    if (this.#members.size >= this.#maxMembers) return { ok: false, reason: 'roomFull' };
    return { ok: true };
  }

  /** The members, in join order. */
  members(): Member[] {
    return Array.from(this.#members.values(), (entry) => entry.member);
  }

  /** Adds a member (after {@link admit}). */
  add(entry: RoomMember): void {
    this.#members.set(entry.member.id, entry);
    this.#membersByName.set(nameKey(entry.member.name), entry);
  }

  /** Removes a member; returns whether it was present. */
  remove(memberId: string): boolean {
    const entry = this.#members.get(memberId);
    if (!entry) return false;
    this.#members.delete(memberId);
    const key = nameKey(entry.member.name);
    if (this.#membersByName.get(key) === entry) this.#membersByName.delete(key);
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
   * back; if the flush fails, `done` gets the error (and so does every
   * later message: see group-commit.ts).
   */
  submit(from: Member, clientId: string, text: string, now: number, done: (result: SubmitResult) => void): void {
    const key = clientKey(from.name, clientId);
    const pending = this.#pending.get(key);
    if (pending) {
      pending.waiters.push((result) => done(result.ok ? { ...result, duplicate: true } : result));
      return;
    }
    // After a failed flush nothing is known to be on disk: no ack, not even for a resend.
    const { failure } = this.#storage.committer;
    if (failure !== undefined) {
      done({ ok: false, error: failure });
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
    const entry: PendingMessage = { message, waiters: [done] };
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
    this.#committedSeq = message.seq;
    this.#history.push(message);
    this.#seqByClientKey.set(key, message.seq);
    if (this.#history.length > this.#maxHistory) {
      const dropped = this.#history.shift();
      if (dropped) this.#seqByClientKey.delete(clientKey(dropped.from.name, dropped.clientId));
    }
    this.broadcast(JSON.stringify(message));
  }

  /** The message is durable (or failed to be): its sender, and any resend of it, get their answer. */
  #settle(key: string, entry: PendingMessage, error: Error | undefined): void {
    this.#pending.delete(key);
    if (error) {
      // A failed write fails the whole batch, so every later seq of this
      // room failed too: hand the numbers back so the sequence stays
      // gap-free. A failed flush keeps them: those messages were written
      // (#committedSeq reached them) and shown.
      if (entry.message.seq > this.#committedSeq) this.#lastSeq = this.#committedSeq;
      for (const waiter of entry.waiters) waiter({ ok: false, error });
      return;
    }
    entry.waiters.forEach((waiter, index) => waiter({ ok: true, message: entry.message, duplicate: index > 0 }));
  }

  /** A committed message with this client key, from memory or, for older ones, from the store. */
  #findStored(key: string, senderName: string, clientId: string): ChatMessage | undefined {
    const seq = this.#seqByClientKey.get(key);
    if (seq !== undefined) return this.#cached(seq);
    // Memory holds everything when the room's first message is still cached;
    // only older rooms need the (indexed) lookup.
    const first = this.#history[0];
    if (first === undefined || first.seq === 1) return undefined;
    return this.#storage.store.findByClientId(this.key, senderName, clientId);
  }

  #cached(seq: number): ChatMessage | undefined {
    const first = this.#history[0];
    return first === undefined ? undefined : this.#history[seq - first.seq];
  }

  /**
   * The newest `limit` committed messages with `seq > since`, oldest first,
   * and whether older messages exist before the first of them.
   */
  recentSince(since: number, limit: number): HistoryPage {
    const from = Math.max(since, this.#committedSeq - limit);
    const messages = this.#range(from, this.#committedSeq);
    const firstSeq = messages[0]?.seq ?? this.#committedSeq + 1;
    return { messages, hasMore: firstSeq > 1 };
  }

  /** Up to `limit` committed messages with `seq < before`, oldest first (paging back). */
  page(before: number, limit: number): HistoryPage {
    const end = Math.min(before - 1, this.#committedSeq);
    const messages = end < 1 ? [] : this.#range(Math.max(0, end - limit), end);
    return { messages, hasMore: (messages[0]?.seq ?? 1) > 1 };
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
  maxRooms: number;
  /** Rules of rooms created by joining. */
  defaultMaxMembers: number;
}

/** All rooms of one host. @public */
export class RoomRegistry {
  readonly #rooms = new Map<string, Room>();
  readonly #limits: RegistryLimits;
  readonly #storage: RoomStorage;
  readonly #now: () => number;

  constructor(limits: RegistryLimits, storage: RoomStorage, now: () => number) {
    this.#limits = limits;
    this.#storage = storage;
    this.#now = now;
  }

  /** The host's history id ({@link HistoryStore.historyId}). */
  get historyId(): string {
    return this.#storage.store.historyId;
  }

  /** Creates a room with its rules, picking up its stored history if it has any. */
  create(name: string, rules: RoomRules): Room {
    const room = new Room(name, this.#limits.maxHistory, rules, this.#storage);
    this.#storage.store.ensureRoom(room.key, name, this.#now());
    this.#rooms.set(room.key, room);
    return room;
  }

  /** The room called `name`, created open on first use; undefined when the host has all the rooms it allows. */
  getOrCreate(name: string): Room | undefined {
    const existing = this.#rooms.get(roomKey(name));
    if (existing) return existing;
    if (this.#rooms.size >= this.#limits.maxRooms) return undefined;
    return this.create(name, { maxMembers: this.#limits.defaultMaxMembers });
  }

  /** The room called `name` (any letter case), if it exists. */
  get(name: string): Room | undefined {
    return this.#rooms.get(roomKey(name));
  }

  /** Every room. */
  all(): Room[] {
    return [...this.#rooms.values()];
  }
}
