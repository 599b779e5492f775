/**
 * The state of the room this window is in: who is here, what was said, and
 * what happened to each message the user sent. Components read its fields and
 * call its methods; the socket itself stays in connection.ts.
 *
 * No message is lost (the "durable room history" issue):
 * - own messages go into a localStorage outbox (outbox.ts) before they are
 *   sent and leave it only when the host acknowledges them, which it does
 *   once they are committed to its history; every (re)join resends what is
 *   left, with the original ids, and the host de-duplicates;
 * - the highest contiguous seq seen is kept in localStorage too
 *   (last-seq-store.ts) and sent as `since` with every join, and the gap
 *   between it and the welcome's history is filled with `history` requests
 *   (history-sync.ts), as are older pages when the reader scrolls up;
 * - the connection reconnects by itself (connection.ts), and at once when
 *   the network returns or the computer wakes up (wake-signals.ts).
 */
import type {
  ChatMessage,
  ErrorMessage,
  HistoryPageMessage,
  JoinMessage,
  Member,
  WelcomeMessage,
} from '../../../server/protocol';
import { DEFAULT_MAX_TEXT_BYTES, ErrorCode, normaliseName } from '../../../server/protocol';

import { createClientId } from './client-id';
import { ChatConnection, type ConnectionState } from './connection';
import { chatErrorText, type ShownError } from './error-text';
import { HistorySync } from './history-sync';
import { LastSeqStore } from './last-seq-store';
import { browserStorage, conversationKey, foldName, type KeyValueStore } from './local-store';
import { Outbox, isDefinitiveRefusal, type OutboxEntry } from './outbox';
import { nextDropReason, type ReconnectReason } from './reconnect-policy';
import { createResumeKey } from './resume-key';
import { advanceContiguous, insertBySeq } from './seq-merge';
import { pageWakeSources, watchWakeUps, type WakeSources } from './wake-signals';

/**
 * How long a `history` request refused with RATE_LIMITED waits before it goes
 * again. The host's token bucket counts history requests (and resends) like
 * messages; with its default (30 per 10 s) this buys about six more.
 */
export const HISTORY_RETRY_DELAY_MS = 2_000;

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
  /** Sent under our name (from this window, or before a reload). */
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
   * Called when the host refuses to let us in (bad name or room, name taken,
   * password missing or wrong, room or host full of rooms), on the first join
   * or on a rejoin after a reconnect, so the UI can go back to the start
   * screen. The room stays joined-in-name until {@link ChatRoom.leave} is called.
   */
  onJoinRefused?: (error: ShownError) => void;
  /**
   * Where outboxes and catch-up positions are kept; `null` keeps them in memory.
   * @default the page's localStorage, when usable
   */
  storage?: KeyValueStore | null;
  /**
   * Events that make the connection reconnect at once.
   * @default the page's window and document, and the desktop bridge's system resume
   */
  wakeSources?: WakeSources;
}

/** Optional parts of a {@link ChatRoom.join}. */
export interface JoinOptions {
  /** The room's password; empty or absent sends none. */
  password?: string;
  /** The resume key of a restored session; absent makes a new one. */
  resumeKey?: string;
  /** The join restores a remembered session: {@link ChatRoom.restoring} until welcomed. */
  restoring?: boolean;
  /**
   * The user confirmed creating the room ("Create room 'x'"): the join asks
   * the host to create it (`join.create`). Without it a host refuses a room
   * it does not have with CHAT_ERR_NO_SUCH_ROOM.
   */
  create?: boolean;
}

const utf8 = new TextEncoder();

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
  /**
   * Why the last connection ended, until the host welcomes us again; `null`
   * while all is well. With `replaced` the room waits for {@link reconnect}.
   */
  dropReason = $state<ReconnectReason | null>(null);
  /** When the room was lost (Date.now()), until the host welcomes us again; `null` while in it. */
  disconnectedSince = $state<number | null>(null);
  /** The host holds messages older than the oldest one shown (known once welcomed). */
  hasEarlier = $state(false);
  /** Older messages were asked for ({@link loadEarlier}) and have not arrived yet. */
  loadingEarlier = $state(false);
  /** The join restores a remembered session and the host has not welcomed it yet. */
  restoring = $state(false);

  readonly #options: ChatRoomOptions;
  readonly #storage: KeyValueStore | null;
  #connection: ChatConnection | null = null;
  #unsubscribers: Array<() => void> = [];
  /** Messages from before the host's history started again (their seqs belong to the old one). */
  #archived: ChatEntry[] = [];
  /** Accepted messages of the current history, sorted by seq, no duplicates. */
  #confirmed: ChatEntry[] = [];
  /** Own messages the host has not accepted yet, in the order they were sent (the outbox, shown). */
  #pending: ChatEntry[] = [];
  #outbox: Outbox | null = null;
  #positions: LastSeqStore | null = null;
  readonly #history = new HistorySync();
  #historyRetryTimer: ReturnType<typeof setTimeout> | undefined;
  /** Bumped when the host's history starts again, keeping entry keys unique. */
  #epoch = 0;
  /** Highest seq up to which every message was seen (the next join's `since`). */
  #lastSeq = 0;
  /** {@link #lastSeq} means something: stored from an earlier visit, or welcomed since. */
  #sinceKnown = false;
  /** The `since` of the join sent on the current connection. */
  #joinSince: number | undefined;
  /** The host history {@link #lastSeq} counts in (the last welcome's `historyId`), once known; sent with `since`. */
  #historyId: string | undefined;
  #welcomedBefore = false;
  /**
   * Sent with every join of this session, so a rejoin takes over our own name
   * from a connection the host still thinks alive. One per {@link join} (a
   * new room or name is a new session), or the remembered one on a restore.
   */
  #resumeKey = '';
  #password: string | undefined;
  /** The user confirmed creating the room: joins send `create: true` (see {@link JoinOptions.create}). */
  #create = false;

  /** @param options - transports, callbacks, storage and wake-up sources */
  constructor(options: ChatRoomOptions = {}) {
    this.#options = options;
    this.#storage = options.storage === undefined ? browserStorage() : options.storage;
  }

  /** This session's resume key ('' when not in a room), for remembering the session. */
  get resumeKey(): string {
    return this.#resumeKey;
  }

  /**
   * Connects to a host and joins a room, leaving any room joined before.
   * Messages still in this conversation's outbox (from before a reload, or
   * from a visit that ended before they were delivered) show at once and are
   * sent once the host welcomes us.
   * @param address - host origin (see normalizeAddress)
   * @param room - room name
   * @param name - display name
   * @param options - the room password, a remembered resume key
   */
  join(address: string, room: string, name: string, options: JoinOptions = {}): void {
    this.leave();
    this.address = address;
    // The host keeps names and rooms in NFKC form ("Ａnn" joins as "Ann"):
    // the same form here, or our own messages would not be recognised as ours.
    this.room = normaliseName(room);
    this.name = normaliseName(name);
    this.#password = options.password === '' ? undefined : options.password;
    this.#create = options.create === true;
    this.#resumeKey = options.resumeKey ?? createResumeKey();
    this.restoring = options.restoring === true;
    this.active = true;

    const conversation = conversationKey(address, this.room, this.name);
    this.#outbox = new Outbox(this.#storage, conversation);
    this.#positions = new LastSeqStore(this.#storage, conversation);
    const stored = this.#positions.load();
    this.#sinceKnown = stored !== null;
    this.#lastSeq = stored?.seq ?? 0;
    this.#historyId = stored?.historyId ?? undefined;
    this.#pending = this.#outbox.entries().map((entry) => this.#pendingEntry(entry));
    this.#publish();

    const connection = new ChatConnection({ url: address, transports: this.#options.transports });
    this.#connection = connection;
    this.#unsubscribers = [
      connection.on('state', (state) => this.#onState(state)),
      connection.on('drop', ({ policy }) => {
        this.dropReason = nextDropReason(this.dropReason, policy.reason);
        this.disconnectedSince ??= Date.now();
      }),
      connection.on('welcome', (message) => this.#onWelcome(message)),
      connection.on('message', (message) => {
        if (!this.#acceptMessage(message)) return;
        this.#advance();
        this.#publish();
      }),
      connection.on('ack', ({ id, seq, ts }) => this.#onAck(id, seq, ts)),
      connection.on('historyPage', (page) => this.#onHistoryPage(page)),
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
      watchWakeUps(() => connection.reconnectNow(), this.#options.wakeSources ?? pageWakeSources()),
    ];
    connection.open();
  }

  /**
   * Sends a message. It is stored in the outbox first, shows at once as
   * 'sending', and is delivered as soon as the room is joined (after a
   * reconnect or a reload, if need be).
   * @param text - the message text, sent as typed
   * @returns false when nothing was sent (empty, too long, or not in a room)
   */
  send(text: string): boolean {
    if (!this.active || text.trim().length === 0) return false;
    if (!this.fits(text)) {
      this.lastError = { code: ErrorCode.TextTooLong, text: chatErrorText(ErrorCode.TextTooLong, '') };
      return false;
    }
    const entry: OutboxEntry = { id: createClientId(), text, createdAt: Date.now() };
    // Stored before it is sent: if the page dies in between, the next join sends it.
    this.#outbox?.add(entry);
    this.#pending.push(this.#pendingEntry(entry));
    this.#publish();
    if (this.joined) this.#sendEntry(entry.id, text);
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
    this.#outbox?.markPending(clientId);
    this.#pending[index] = { ...entry, delivery: 'sending', error: null };
    this.#publish();
    if (this.joined) this.#sendEntry(clientId, entry.text);
  }

  /**
   * Gives up on a failed message: removes it from the conversation and the
   * outbox. Only failed ones: a message still sending may already be stored.
   * @param clientId - the failed message's client id
   */
  discard(clientId: string): void {
    const index = this.#pending.findIndex((entry) => entry.clientId === clientId);
    if (this.#pending[index]?.delivery !== 'failed') return;
    this.#pending.splice(index, 1);
    this.#outbox?.remove(clientId);
    this.#publish();
  }

  /**
   * Asks the host for the page of messages before the oldest one shown (the
   * reader scrolled to the top). At most one history request is in flight;
   * asking again meanwhile changes nothing.
   */
  loadEarlier(): void {
    if (!this.active) return;
    this.#history.askEarlier();
    this.#requestHistory();
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

  /**
   * Connects again after the connection stopped for good, e.g. because the
   * room was opened in another window (`replaced`). With the same resume key,
   * this window then takes the room back from the other one.
   */
  reconnect(): void {
    if (!this.active || this.status !== 'closed') return;
    this.#connection?.open();
  }

  /**
   * Leaves the room and closes the connection. Safe to call at any time.
   * The outbox and the catch-up position stay stored: joining the same room
   * under the same name later sends what is left and catches up.
   */
  leave(): void {
    const connection = this.#connection;
    if (connection !== null) {
      if (this.joined) connection.send({ type: 'leave' });
      for (const unsubscribe of this.#unsubscribers) unsubscribe();
      connection.close();
    }
    clearTimeout(this.#historyRetryTimer);
    this.#historyRetryTimer = undefined;
    this.#history.reset();
    this.#connection = null;
    this.#unsubscribers = [];
    this.#archived = [];
    this.#confirmed = [];
    this.#pending = [];
    this.#outbox = null;
    this.#positions = null;
    this.#epoch = 0;
    this.#lastSeq = 0;
    this.#sinceKnown = false;
    this.#joinSince = undefined;
    this.#historyId = undefined;
    this.#welcomedBefore = false;
    this.#resumeKey = '';
    this.#password = undefined;
    this.#create = false;
    this.status = 'closed';
    this.active = false;
    this.joined = false;
    this.me = null;
    this.members = [];
    this.messages = [];
    this.lastError = null;
    this.maxTextBytes = DEFAULT_MAX_TEXT_BYTES;
    this.dropReason = null;
    this.disconnectedSince = null;
    this.hasEarlier = false;
    this.loadingEarlier = false;
    this.restoring = false;
  }

  #onState(state: ConnectionState): void {
    this.status = state;
    if (state === 'open') {
      this.#sendJoin();
      return;
    }
    if (this.joined) this.disconnectedSince ??= Date.now();
    this.joined = false;
    // A history request on the old connection will never be answered.
    clearTimeout(this.#historyRetryTimer);
    this.#historyRetryTimer = undefined;
    this.#history.disconnected();
    this.#updateHistoryView();
  }

  #sendJoin(): void {
    const join: JoinMessage = { type: 'join', room: this.room, name: this.name, resumeKey: this.#resumeKey };
    if (this.#password !== undefined) join.password = this.#password;
    // `create` only when the user asked for a new room, and on every rejoin
    // once the host has let us in: a host may forget an empty room (its
    // sweep) while we are reconnecting, and we are already in it, so asking
    // again would be a question nobody can answer. Absent otherwise, so a
    // typo in a room name is refused (CHAT_ERR_NO_SUCH_ROOM), not created.
    if (this.#create || this.#welcomedBefore) join.create = true;
    // `since` once known (stored from an earlier visit, or after a welcome):
    // the host then sends what we missed. A first join gets its recent history.
    this.#joinSince = this.#sinceKnown ? this.#lastSeq : undefined;
    if (this.#joinSince !== undefined) join.since = this.#joinSince;
    // The history it counts in: a host whose history changed since then ignores it.
    if (this.#joinSince !== undefined && this.#historyId !== undefined) join.historyId = this.#historyId;
    this.#connection?.send(join);
  }

  #onWelcome(welcome: WelcomeMessage): void {
    const since = this.#joinSince;
    // The host's history is another one than ours: shorter than what we
    // saw, or named differently (lost or replaced, or cut short by a crash of
    // the host's machine after we were shown its last messages), so its
    // sequence numbers may name other messages.
    const restarted =
      since !== undefined &&
      (welcome.lastSeq < since || (this.#historyId !== undefined && welcome.historyId !== this.#historyId));
    this.#historyId = welcome.historyId;
    if (restarted) {
      // Keep what we have, in its own epoch, and start over with the new history.
      this.#archived = [...this.#archived, ...this.#confirmed];
      this.#confirmed = [];
      this.#epoch += 1;
      this.#history.reset();
    }
    const boundaryBefore = this.#confirmed[0]?.seq ?? Number.POSITIVE_INFINITY;
    this.#sinceKnown = true;
    this.#welcomedBefore = true;
    this.joined = true;
    this.restoring = false;
    this.dropReason = null;
    this.disconnectedSince = null;
    this.room = welcome.room;
    this.me = welcome.you;
    this.members = welcome.members.some((member) => member.id === welcome.you.id)
      ? welcome.members
      : [...welcome.members, welcome.you];
    this.maxTextBytes = welcome.limits.maxTextBytes;
    this.#pending = this.#pending.map((entry) => (entry.from.id === '' ? { ...entry, from: welcome.you } : entry));

    // The whole backfill lands in one update rather than one per message.
    // History first: it may already hold outbox messages whose ack was lost.
    for (const message of welcome.history) this.#acceptMessage(message);
    // Without a `since`, the welcome's history is the newest and nothing before it counts as missed.
    if (since === undefined || restarted) this.#lastSeq = welcome.lastSeq;
    this.#advance();
    this.#history.welcomed({
      since: restarted ? undefined : since,
      firstSeq: welcome.history[0]?.seq,
      lastSeq: welcome.lastSeq,
      hasEarlier: welcome.hasEarlier,
      boundaryBefore,
    });
    // A restarted history came without messages (our `since` was past its
    // end): fetch its newest page like an older one.
    if (restarted && welcome.history.length === 0 && welcome.lastSeq > 0) this.#history.askEarlier();

    // Resend the outbox in order, with the original ids (the host
    // de-duplicates and re-acks what it already stored). Failed messages wait
    // for Retry.
    for (const entry of this.#pending) {
      if (entry.delivery === 'sending') this.#sendEntry(entry.clientId, entry.text);
    }
    this.#publish();
    this.#requestHistory();
  }

  #onHistoryPage(page: HistoryPageMessage): void {
    const boundaryBefore = this.#confirmed[0]?.seq ?? Number.POSITIVE_INFINITY;
    this.#history.received({ before: page.before, firstSeq: page.messages[0]?.seq, hasMore: page.hasMore }, boundaryBefore);
    // A page that answers nothing we asked (a late one) still holds real
    // messages; merging by seq makes it harmless.
    let changed = false;
    for (const message of page.messages) changed = this.#acceptMessage(message) || changed;
    if (changed) {
      this.#advance();
      this.#publish();
    }
    this.#requestHistory();
  }

  /** Sends the next history request, if one is due, and updates the flags the UI reads. */
  #requestHistory(): void {
    if (this.joined) {
      const plan = this.#history.next(this.#boundary());
      if (plan !== null && this.#connection?.send({ type: 'history', before: plan.before, limit: plan.limit }) !== true) {
        this.#history.disconnected();
      }
    }
    this.#updateHistoryView();
  }

  /** The oldest seq held, or where older history would end when none is held. */
  #boundary(): number {
    return this.#confirmed[0]?.seq ?? this.#lastSeq + 1;
  }

  #updateHistoryView(): void {
    this.hasEarlier = this.#welcomedBefore && this.#history.hasEarlier(this.#boundary());
    this.loadingEarlier = this.hasEarlier && this.#history.loadingEarlier;
  }

  /** Moves the catch-up position over every message that now follows it, and stores it. */
  #advance(): void {
    this.#lastSeq = advanceContiguous(this.#lastSeq, this.#confirmed);
    if (this.#historyId !== undefined) this.#positions?.save(this.#lastSeq, this.#historyId);
  }

  /**
   * Adds a message to the conversation, by seq, once. An own message the
   * outbox still holds (its ack was lost, or has not come yet) leaves the
   * outbox and shows as sent.
   * @returns whether anything changed
   */
  #acceptMessage(message: ChatMessage): boolean {
    // Names are the identity in a LanChat room (the host de-duplicates by
    // sender name and client id too), so a client id alone, which everyone
    // in the room sees, cannot make another member's message pass for ours.
    const own = foldName(message.from.name) === foldName(this.name);
    let changed = false;
    if (own) {
      const index = this.#pending.findIndex((entry) => entry.clientId === message.clientId);
      if (index >= 0) {
        this.#pending.splice(index, 1);
        this.#outbox?.remove(message.clientId);
        changed = true;
      }
    }
    const inserted = insertBySeq(this.#confirmed, {
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
    return inserted || changed;
  }

  #onAck(clientId: string, seq: number, ts: number): void {
    // The host committed it: it no longer needs us to keep it.
    this.#outbox?.remove(clientId);
    const index = this.#pending.findIndex((entry) => entry.clientId === clientId);
    const entry = this.#pending[index];
    if (entry === undefined) return;
    this.#pending.splice(index, 1);
    insertBySeq(this.#confirmed, {
      ...entry,
      key: `${this.#epoch}:${seq}`,
      seq,
      ts,
      from: this.me ?? entry.from,
      delivery: 'sent',
      error: null,
    });
    this.#advance();
    this.#publish();
  }

  #onError(error: ErrorMessage): void {
    const shown: ShownError = { code: error.code, text: chatErrorText(error.code, error.message) };
    const index = error.ref === undefined ? -1 : this.#pending.findIndex((entry) => entry.clientId === error.ref);
    const entry = this.#pending[index];
    if (entry !== undefined) {
      // Not definitive (NOT_JOINED: the send crossed a reconnect): it stays
      // 'sending' and goes again after the next welcome. UNCONFIRMED (the
      // host showed it to the room but its disk failed) also says why.
      if (!isDefinitiveRefusal(error.code)) {
        if (error.code === ErrorCode.Unconfirmed) {
          this.lastError = shown;
          this.#publish();
        }
        return;
      }
      this.#outbox?.markFailed(entry.clientId, error.code);
      this.#pending[index] = { ...entry, delivery: 'failed', error: shown.text };
      this.lastError = shown;
      this.#publish();
      return;
    }
    if (this.joined && error.ref === undefined && this.#history.inFlight !== null) {
      // In the room, the only request of ours an error without a ref can
      // answer is `history`. The host's rate limit counts those too, so a
      // long catch-up may run into it: wait and ask again, silently.
      const rateLimited = error.code === ErrorCode.RateLimited;
      this.#history.failed(rateLimited);
      if (rateLimited) this.#retryHistoryLater();
      else this.lastError = shown;
      this.#updateHistoryView();
      return;
    }
    if (this.joined || error.ref !== undefined) {
      this.lastError = shown;
      return;
    }
    // Not in the room yet, so this refuses our join. No retry, not even for
    // CHAT_ERR_NAME_TAKEN after a reconnect: the resume key lets the host hand
    // our own name back to us, so a taken name is someone else's.
    this.lastError = shown;
    this.#options.onJoinRefused?.(shown);
  }

  #retryHistoryLater(): void {
    clearTimeout(this.#historyRetryTimer);
    this.#historyRetryTimer = setTimeout(() => {
      this.#historyRetryTimer = undefined;
      this.#history.resume();
      this.#requestHistory();
    }, HISTORY_RETRY_DELAY_MS);
  }

  #sendEntry(clientId: string, text: string): void {
    this.#connection?.send({ type: 'send', id: clientId, text });
  }

  /** How an outbox entry shows before the host accepts it. */
  #pendingEntry(entry: OutboxEntry): ChatEntry {
    const failed = entry.failedCode !== undefined;
    return {
      key: `pending:${entry.id}`,
      seq: null,
      clientId: entry.id,
      from: this.me ?? { id: '', name: this.name },
      ts: entry.createdAt,
      text: entry.text,
      own: true,
      delivery: failed ? 'failed' : 'sending',
      error: entry.failedCode === undefined ? null : chatErrorText(entry.failedCode, ''),
    };
  }

  #publish(): void {
    this.messages = [...this.#archived, ...this.#confirmed, ...this.#pending];
    this.#updateHistoryView();
  }
}
