/**
 * The state of the room this window is in: who is here, what was said, and
 * what happened to each message the user sent. Components read its fields and
 * call its methods; the socket itself stays in connection.ts.
 */
import type { ChatMessage, ErrorMessage, Member, WelcomeMessage } from '../../../server/protocol';
import { DEFAULT_MAX_TEXT_BYTES, ErrorCode } from '../../../server/protocol';

import { createClientId } from './client-id';
import { ChatConnection, type ConnectionState } from './connection';
import { chatErrorText, type ShownError } from './error-text';

/**
 * Delay between `join` retries after a reconnect is refused with
 * `CHAT_ERR_NAME_TAKEN`: the host may not have noticed yet that our previous
 * connection died (a SockJS session lingers for its disconnect delay, 5 s by
 * default), so our own ghost still holds the name for a moment.
 */
export const JOIN_RETRY_DELAY_MS = 2_000;
/** How many such retries before giving up (covers the ghost's lifetime with room to spare). */
export const JOIN_RETRY_LIMIT = 5;

/** Delivery of a message this window sent. */
export type DeliveryState = 'sending' | 'sent' | 'failed';

/** One line of the conversation as the UI shows it. */
export interface ChatEntry {
  /** Unique, stable key for keyed rendering. */
  readonly key: string;
  /** The room's sequence number; `null` while the host has not accepted it. */
  readonly seq: number | null;
  /** The sender's client message id. */
  readonly clientId: string;
  readonly from: Member;
  /** Milliseconds since the epoch: host time once accepted, local time while pending. */
  readonly ts: number;
  readonly text: string;
  /** Sent from this window. */
  readonly own: boolean;
  /** Delivery state of own messages; `null` for everyone else's. */
  readonly delivery: DeliveryState | null;
  /** Why an own message failed, in words. */
  readonly error: string | null;
}

/** Options for {@link ChatRoom}. */
export interface ChatRoomOptions {
  /**
   * SockJS transports to allow.
   * @default every transport sockjs-client supports
   */
  transports?: string[];
  /**
   * Called when the host refuses to let us in (bad name or room, name taken),
   * so the UI can go back to the start screen. The room stays joined-in-name
   * until {@link ChatRoom.leave} is called.
   */
  onJoinRefused?: (error: ShownError) => void;
}

const utf8 = new TextEncoder();

/** Index at which `seq` sits or belongs in `entries` (sorted by seq, all confirmed). */
function seqIndex(entries: readonly ChatEntry[], seq: number): number {
  let low = 0;
  let high = entries.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((entries[middle]?.seq ?? 0) < seq) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * A chat room session: {@link join} connects and joins, the connection
 * reconnects and rejoins by itself (asking for what it missed with `since`),
 * and {@link leave} ends it. One instance can join again after leaving.
 */
export class ChatRoom {
  /** State of the connection to the host. */
  status = $state<ConnectionState>('closed');
  /** Between {@link join} and {@link leave}. */
  active = $state(false);
  /** The host has welcomed us on the current connection. */
  joined = $state(false);
  /** Host origin. */
  address = $state('');
  /** Room name (as the host spells it once welcomed). */
  room = $state('');
  /** The name we asked for. */
  name = $state('');
  /** Who we are in the room; `null` until the first welcome. */
  me = $state.raw<Member | null>(null);
  /** Everyone in the room, ourselves included. */
  members = $state.raw<Member[]>([]);
  /** The conversation, oldest first: accepted messages by seq, then our pending ones. */
  messages = $state.raw<ChatEntry[]>([]);
  /** The latest error to show; cleared by {@link dismissError}. */
  lastError = $state.raw<ShownError | null>(null);
  /** Longest message text the host accepts, in UTF-8 bytes. */
  maxTextBytes = $state(DEFAULT_MAX_TEXT_BYTES);

  readonly #options: ChatRoomOptions;
  #connection: ChatConnection | null = null;
  #unsubscribers: Array<() => void> = [];
  /** Messages from before the host restarted (their seqs belong to an older history). */
  #archived: ChatEntry[] = [];
  /** Accepted messages of the current history, sorted by seq, no duplicates. */
  #confirmed: ChatEntry[] = [];
  /** Own messages the host has not accepted yet, in the order they were sent. */
  #pending: ChatEntry[] = [];
  /** Client ids of own messages already in #confirmed (a resend may come back twice). */
  #confirmedOwnIds = new Set<string>();
  /** Client ids of every message sent from this window. */
  #ownClientIds = new Set<string>();
  /** Member ids we have had (a new one per connection). */
  #myIds = new Set<string>();
  /** Bumped when the host's history restarts, keeping entry keys unique. */
  #epoch = 0;
  #lastSeq = 0;
  #welcomedBefore = false;
  #joinRetries = 0;
  #joinRetryTimer: ReturnType<typeof setTimeout> | undefined;

  /** @param options - transports and callbacks */
  constructor(options: ChatRoomOptions = {}) {
    this.#options = options;
  }

  /**
   * Connects to a host and joins a room, leaving any room joined before.
   * @param address - host origin (see normalizeAddress)
   * @param room - room name
   * @param name - display name
   */
  join(address: string, room: string, name: string): void {
    this.leave();
    this.address = address;
    this.room = room.trim();
    this.name = name.trim();
    this.active = true;

    const connection = new ChatConnection({ url: address, transports: this.#options.transports });
    this.#connection = connection;
    this.#unsubscribers = [
      connection.on('state', (state) => this.#onState(state)),
      connection.on('welcome', (message) => this.#onWelcome(message)),
      connection.on('message', (message) => {
        if (this.#acceptMessage(message)) this.#publish();
      }),
      connection.on('ack', ({ id, seq, ts }) => this.#onAck(id, seq, ts)),
      connection.on('memberJoined', ({ member }) => {
        if (!this.members.some((known) => known.id === member.id)) this.members = [...this.members, member];
      }),
      connection.on('memberLeft', ({ member }) => {
        this.members = this.members.filter((known) => known.id !== member.id);
      }),
      connection.on('error', (message) => this.#onError(message)),
      connection.on('protocolError', (failure) => {
        this.lastError = { code: failure.code, text: 'The host sent something this app could not read.' };
      }),
    ];
    connection.open();
  }

  /**
   * Sends a message. It shows at once as 'sending' and is delivered as soon as
   * the room is joined (after a reconnect, if need be).
   * @param text - the message text, sent as typed
   * @returns false when nothing was sent (empty, too long, or not in a room)
   */
  send(text: string): boolean {
    if (!this.active || text.trim().length === 0) return false;
    if (!this.fits(text)) {
      this.lastError = { code: ErrorCode.TextTooLong, text: chatErrorText(ErrorCode.TextTooLong, '') };
      return false;
    }
    const clientId = createClientId();
    this.#ownClientIds.add(clientId);
    this.#pending.push({
      key: `pending:${clientId}`,
      seq: null,
      clientId,
      from: this.me ?? { id: '', name: this.name },
      ts: Date.now(),
      text,
      own: true,
      delivery: 'sending',
      error: null,
    });
    this.#publish();
    if (this.joined) this.#connection?.send({ type: 'send', id: clientId, text });
    return true;
  }

  /**
   * Sends a failed message again, with the same client id.
   * @param clientId - the failed message's client id
   */
  retry(clientId: string): void {
    const index = this.#pending.findIndex((entry) => entry.clientId === clientId);
    const entry = this.#pending[index];
    if (entry === undefined || entry.delivery !== 'failed') return;
    this.#pending[index] = { ...entry, delivery: 'sending', error: null };
    this.#publish();
    if (this.joined) this.#connection?.send({ type: 'send', id: clientId, text: entry.text });
  }

  /**
   * Whether `text` is within the host's size limit.
   * @param text - a message text
   */
  fits(text: string): boolean {
    return text.length * 3 <= this.maxTextBytes || utf8.encode(text).length <= this.maxTextBytes;
  }

  /** Hides {@link lastError}. */
  dismissError(): void {
    this.lastError = null;
  }

  /** Leaves the room and closes the connection. Safe to call at any time. */
  leave(): void {
    const connection = this.#connection;
    if (connection !== null) {
      if (this.joined) connection.send({ type: 'leave' });
      for (const unsubscribe of this.#unsubscribers) unsubscribe();
      connection.close();
    }
    clearTimeout(this.#joinRetryTimer);
    this.#joinRetryTimer = undefined;
    this.#connection = null;
    this.#unsubscribers = [];
    this.#archived = [];
    this.#confirmed = [];
    this.#pending = [];
    this.#confirmedOwnIds.clear();
    this.#ownClientIds.clear();
    this.#myIds.clear();
    this.#epoch = 0;
    this.#lastSeq = 0;
    this.#welcomedBefore = false;
    this.#joinRetries = 0;
    this.status = 'closed';
    this.active = false;
    this.joined = false;
    this.me = null;
    this.members = [];
    this.messages = [];
    this.lastError = null;
    this.maxTextBytes = DEFAULT_MAX_TEXT_BYTES;
  }

  #onState(state: ConnectionState): void {
    this.status = state;
    clearTimeout(this.#joinRetryTimer);
    this.#joinRetryTimer = undefined;
    if (state === 'open') {
      this.#sendJoin();
    } else {
      this.joined = false;
    }
  }

  #sendJoin(): void {
    // `since` only after a first welcome: a first join gets the host's recent
    // history instead, and a rejoin gets exactly what it missed.
    this.#connection?.send(
      this.#welcomedBefore
        ? { type: 'join', room: this.room, name: this.name, since: this.#lastSeq }
        : { type: 'join', room: this.room, name: this.name },
    );
  }

  #onWelcome(welcome: WelcomeMessage): void {
    if (this.#welcomedBefore && welcome.lastSeq < this.#lastSeq) {
      // The host's history is shorter than what we saw: it restarted and its
      // sequence numbers start again. Keep what we have, in its own epoch.
      this.#archived = [...this.#archived, ...this.#confirmed];
      this.#confirmed = [];
      this.#confirmedOwnIds.clear();
      this.#epoch += 1;
      this.#lastSeq = 0;
    }
    this.#welcomedBefore = true;
    this.#joinRetries = 0;
    this.joined = true;
    this.room = welcome.room;
    this.me = welcome.you;
    this.#myIds.add(welcome.you.id);
    this.members = welcome.members.some((member) => member.id === welcome.you.id)
      ? welcome.members
      : [...welcome.members, welcome.you];
    this.maxTextBytes = welcome.limits.maxTextBytes;
    // The whole backfill lands in one update rather than one per message.
    for (const message of welcome.history) this.#acceptMessage(message);
    this.#lastSeq = Math.max(this.#lastSeq, welcome.lastSeq);
    // History first: it may already contain messages whose ack was lost.
    this.#pending = this.#pending.map((entry) => (entry.from.id === '' ? { ...entry, from: welcome.you } : entry));
    for (const entry of this.#pending) {
      if (entry.delivery === 'sending') {
        this.#connection?.send({ type: 'send', id: entry.clientId, text: entry.text });
      }
    }
    this.#publish();
  }

  /** Adds a message to the conversation. @returns whether anything changed */
  #acceptMessage(message: ChatMessage): boolean {
    this.#lastSeq = Math.max(this.#lastSeq, message.seq);
    const own =
      this.#ownClientIds.has(message.clientId) &&
      (this.#myIds.has(message.from.id) || message.from.name === this.name);
    const pendingIndex = own ? this.#pending.findIndex((entry) => entry.clientId === message.clientId) : -1;
    if (pendingIndex >= 0) this.#pending.splice(pendingIndex, 1);
    if (own && this.#confirmedOwnIds.has(message.clientId)) return pendingIndex >= 0;
    const inserted = this.#insertConfirmed({
      key: `${this.#epoch}:${message.seq}`,
      seq: message.seq,
      clientId: message.clientId,
      from: message.from,
      ts: message.ts,
      text: message.text,
      own,
      delivery: own ? 'sent' : null,
      error: null,
    });
    return inserted || pendingIndex >= 0;
  }

  #onAck(clientId: string, seq: number, ts: number): void {
    const index = this.#pending.findIndex((entry) => entry.clientId === clientId);
    const entry = this.#pending[index];
    if (entry === undefined) return;
    this.#pending.splice(index, 1);
    this.#lastSeq = Math.max(this.#lastSeq, seq);
    if (!this.#confirmedOwnIds.has(clientId)) {
      this.#insertConfirmed({
        ...entry,
        key: `${this.#epoch}:${seq}`,
        seq,
        ts,
        from: this.me ?? entry.from,
        delivery: 'sent',
      });
    }
    this.#publish();
  }

  #onError(error: ErrorMessage): void {
    const shown: ShownError = { code: error.code, text: chatErrorText(error.code, error.message) };
    const index = error.ref === undefined ? -1 : this.#pending.findIndex((entry) => entry.clientId === error.ref);
    const entry = this.#pending[index];
    if (entry !== undefined) {
      this.#pending[index] = { ...entry, delivery: 'failed', error: shown.text };
      this.lastError = shown;
      this.#publish();
      return;
    }
    if (this.joined || error.ref !== undefined) {
      this.lastError = shown;
      return;
    }
    // Not in the room yet, so this refuses our join.
    if (error.code === ErrorCode.NameTaken && this.#welcomedBefore && this.#joinRetries < JOIN_RETRY_LIMIT) {
      this.#joinRetries += 1;
      this.#joinRetryTimer = setTimeout(() => {
        this.#joinRetryTimer = undefined;
        this.#sendJoin();
      }, JOIN_RETRY_DELAY_MS);
      return;
    }
    this.lastError = shown;
    this.#options.onJoinRefused?.(shown);
  }

  /** @returns false when a message with that seq is already there */
  #insertConfirmed(entry: ChatEntry): boolean {
    const seq = entry.seq ?? 0;
    const index = seqIndex(this.#confirmed, seq);
    if (this.#confirmed[index]?.seq === seq) return false;
    this.#confirmed.splice(index, 0, entry);
    if (entry.own) this.#confirmedOwnIds.add(entry.clientId);
    return true;
  }

  #publish(): void {
    this.messages = [...this.#archived, ...this.#confirmed, ...this.#pending];
  }
}
