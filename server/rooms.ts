/**
 * Rooms: who is in each room, the room's message sequence and its recent
 * history, and fan-out. Sees only {@link ClientConnection}.
 *
 * @public
 */
import type { ClientConnection } from './client-connection';
import type { ChatMessage, Member } from './protocol';

/** A member together with the connection it speaks through. */
export interface RoomMember {
  member: Member;
  connection: ClientConnection;
}

/** Result of appending a message: new, or a resend of one already stored. */
export interface AppendResult {
  message: ChatMessage;
  duplicate: boolean;
}

/** One chat room. @public */
export class Room {
  readonly name: string;
  readonly #members = new Map<string, RoomMember>();
  readonly #history: ChatMessage[] = [];
  readonly #maxHistory: number;
  /** Sender-scoped client ids of stored messages, so a resend is acknowledged, not repeated. */
  readonly #seqByClientKey = new Map<string, number>();
  #lastSeq = 0;

  constructor(name: string, maxHistory: number) {
    this.name = name;
    this.#maxHistory = maxHistory;
  }

  /** Highest sequence number assigned so far (0 when empty). */
  get lastSeq(): number {
    return this.#lastSeq;
  }

  /** Number of members. */
  get size(): number {
    return this.#members.size;
  }

  /** The members, in join order. */
  members(): Member[] {
    return Array.from(this.#members.values(), (entry) => entry.member);
  }

  /** Adds a member. */
  add(entry: RoomMember): void {
    this.#members.set(entry.member.id, entry);
  }

  /** Removes a member; returns whether it was present. */
  remove(memberId: string): boolean {
    return this.#members.delete(memberId);
  }

  /**
   * Stores a message from `from` and assigns it the next sequence number —
   * unless the same sender already sent that client id, in which case the
   * stored message is returned with `duplicate: true`.
   */
  append(from: Member, clientId: string, text: string, now: number): AppendResult {
    const key = `${from.name}\u0000${clientId}`;
    const existingSeq = this.#seqByClientKey.get(key);
    if (existingSeq !== undefined) {
      const stored = this.#find(existingSeq);
      if (stored) return { message: stored, duplicate: true };
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
    this.#history.push(message);
    this.#seqByClientKey.set(key, message.seq);
    if (this.#history.length > this.#maxHistory) {
      const dropped = this.#history.shift();
      if (dropped) this.#seqByClientKey.delete(`${dropped.from.name}\u0000${dropped.clientId}`);
    }
    return { message, duplicate: false };
  }

  /** Messages with `seq > since`, oldest first, at most `limit` (the newest ones). */
  historySince(since: number, limit: number): ChatMessage[] {
    const first = this.#history[0];
    if (!first) return [];
    const startIndex = Math.max(0, since - first.seq + 1);
    const slice = this.#history.slice(startIndex);
    return slice.length > limit ? slice.slice(slice.length - limit) : slice;
  }

  /**
   * Sends one already-encoded frame to every member except `exceptId`.
   * The frame is encoded once by the caller, not once per recipient.
   */
  broadcast(frame: string, exceptId?: string): void {
    for (const entry of this.#members.values()) {
      if (entry.member.id !== exceptId) entry.connection.send(frame);
    }
  }

  #find(seq: number): ChatMessage | undefined {
    const first = this.#history[0];
    if (!first) return undefined;
    return this.#history[seq - first.seq];
  }
}

/**
 * Room names are case-insensitive ("Lobby" and "lobby" are one room, named as
 * its creator spelt it), as people type them from memory.
 */
function roomKey(name: string): string {
  return name.toLocaleLowerCase('en-US');
}

/** All rooms of one host. @public */
export class RoomRegistry {
  readonly #rooms = new Map<string, Room>();
  readonly #maxHistory: number;

  constructor(maxHistory: number) {
    this.#maxHistory = maxHistory;
  }

  /** The room called `name`, created on first use. */
  getOrCreate(name: string): Room {
    const key = roomKey(name);
    let room = this.#rooms.get(key);
    if (!room) {
      room = new Room(name, this.#maxHistory);
      this.#rooms.set(key, room);
    }
    return room;
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
