/**
 * Helpers of the "no message lost" suites (durability and chaos): a chat
 * client that behaves like the real one when its link drops (outbox of
 * unacknowledged messages, resume key, catch-up from the highest contiguous
 * seq, gap filling with `history`, resending the whole outbox), links that
 * can be cut abruptly on every transport, the host CLI as a child process,
 * reading a room's whole history, and a seeded PRNG.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

import SockJS from 'sockjs-client';
import WebSocket from 'ws';

import { decodeServerMessage, type ChatMessage, type ServerMessage, type ServerMessageMap } from '../../server/protocol';
import { EVENT_TIMEOUT_MS, WsTestClient, spawnCli, waitForStdout, withTimeout, type CliRun } from './helpers';

/** The repository root (the CLI runs from here). */
export const ROOT = join(__dirname, '..', '..');

/** Starting the CLI through tsx takes a while on a loaded machine. */
export const PROCESS_TIMEOUT_MS = 20_000;

/** Most messages one `history` request returns (HISTORY_PAGE_MAX). */
const PAGE = 100;

// ---------------------------------------------------------------------------
// Seeded randomness
// ---------------------------------------------------------------------------

/** mulberry32: a small seeded PRNG, values in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed from `envName` (to replay a failure), else a fresh one. */
export function seedFromEnv(envName: string): number {
  const fromEnv = process.env[envName];
  if (fromEnv !== undefined && fromEnv !== '') {
    const seed = Number(fromEnv);
    if (!Number.isInteger(seed) || seed < 0) throw new Error(`${envName} must be a non-negative integer, got ${fromEnv}`);
    return seed;
  }
  return randomBytes(4).readUInt32BE(0);
}

// ---------------------------------------------------------------------------
// Links that can be cut
// ---------------------------------------------------------------------------

/** How a resilient client reaches the host. */
export type LinkKind = 'ws' | 'websocket' | 'xhr-streaming';

/** One connection to the host. */
export interface Link {
  readonly kind: LinkKind;
  send(data: string): void;
  /** Drops the connection with no close handshake, as a dead Wi-Fi link would. */
  cut(): void;
  /** Closes politely. */
  close(): void;
}

/** The parts of sockjs-client (1.6, in Node) that hold its sockets. */
interface SockJsInternals {
  transport?: string;
  _transport?: {
    /** websocket: faye-websocket's client, whose _stream is the TCP socket. */
    ws?: { _stream?: { destroy(): void } } | null;
    /** xhr-streaming: the receiving request (SenderReceiver → Polling → XhrReceiver → XhrDriver). */
    poll?: { poll?: { xo?: { req?: { destroy(): void } | null } | null } | null } | null;
  } | null;
}

/**
 * Opens a link. `onMessage` gets every text frame, `onClose` the close code
 * once; neither is called after {@link Link.cut}.
 */
export async function openLink(port: number, kind: LinkKind, onMessage: (raw: string) => void, onClose: (code: number) => void): Promise<Link> {
  let live = true;
  let closedReported = false;
  const reportClose = (code: number): void => {
    if (!live || closedReported) return;
    closedReported = true;
    onClose(code);
  };
  if (kind === 'ws') {
    const socket = new WebSocket(`ws://127.0.0.1:${port}/ws`);
    // The close event follows every error; the error itself says nothing more.
    socket.on('error', () => undefined);
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        socket.once('open', () => resolve());
        socket.once('close', (code) => reject(new Error(`ws closed (${code}) before opening`)));
      }),
      EVENT_TIMEOUT_MS,
      'a /ws link to open',
    ).catch((error: unknown) => {
      socket.terminate();
      throw error;
    });
    socket.on('message', (data, isBinary) => {
      if (live) onMessage(isBinary ? '<binary>' : data.toString());
    });
    socket.on('close', (code) => reportClose(code));
    return {
      kind,
      send: (data) => {
        if (socket.readyState === WebSocket.OPEN) socket.send(data);
      },
      cut: () => {
        live = false;
        socket.terminate();
      },
      close: () => {
        socket.close(1000, 'done');
      },
    };
  }
  const sock = new SockJS(`http://127.0.0.1:${port}/sockjs`, null, { transports: [kind] });
  await withTimeout(
    new Promise<void>((resolve, reject) => {
      sock.onopen = () => resolve();
      sock.onclose = (event: CloseEvent) => reject(new Error(`sockjs ${kind} closed (${event.code}) before opening`));
    }),
    EVENT_TIMEOUT_MS,
    `a SockJS ${kind} link to open`,
  ).catch((error: unknown) => {
    sock.close();
    throw error;
  });
  const internals = sock as unknown as SockJsInternals;
  // sockjs-client falls back silently; these links must really use their transport.
  if (internals.transport !== kind) {
    sock.close();
    throw new Error(`sockjs-client chose ${String(internals.transport)} instead of ${kind}`);
  }
  sock.onmessage = (event: MessageEvent) => {
    if (live) onMessage(String(event.data));
  };
  sock.onclose = (event: CloseEvent) => reportClose(event.code);
  return {
    kind,
    send: (data) => {
      if (sock.readyState === 1) sock.send(data);
    },
    cut: () => {
      live = false;
      // Destroy the TCP socket under the transport: the host sees the
      // connection drop with no SockJS close frame. (In Node, sockjs-client
      // does not notice a cut streaming response, so it is told to stop.)
      internals._transport?.ws?._stream?.destroy();
      internals._transport?.poll?.poll?.xo?.req?.destroy();
      sock.close();
    },
    close: () => sock.close(1000, 'done'),
  };
}

// ---------------------------------------------------------------------------
// The resilient client
// ---------------------------------------------------------------------------

/** Chaos settings of a {@link ResilientClient}. */
export interface ChaosOptions {
  random: () => number;
  /** Chance, after each `send` frame, that the link is then cut. */
  cutAfterSend: number;
  /** Chance that the link is cut right after a `welcome`, before catching up. */
  cutAfterWelcome: number;
  /** Most cuts over the client's life (keeps runs bounded). */
  maxCuts: number;
  /** Longest wait before a cut or a reconnect, in ms (0: at once). */
  maxDelayMs: number;
}

/** Options of a {@link ResilientClient}. */
export interface ResilientClientOptions {
  port: number;
  kind: LinkKind;
  room: string;
  name: string;
  /** Messages to send (see {@link ResilientClient.sendMore}). */
  total: number;
  /** Most unacknowledged messages at once. */
  window: number;
  /** Reconnect by itself when the link drops (else only through {@link ResilientClient.reconnect}). */
  autoReconnect: boolean;
  chaos?: ChaosOptions;
  /** Called after every ack of a message that was in the outbox. */
  onAck?: (client: ResilientClient, seq: number) => void;
}

interface OutboxEntry {
  index: number;
  text: string;
}

interface PendingWait {
  generation: number;
  predicate: (message: ServerMessage) => boolean;
  resolve: (message: ServerMessage) => void;
  reject: (error: Error) => void;
}

/** The client message id of message `index` of `name`. */
export function messageId(name: string, index: number): string {
  return `${name}-${index}`;
}

/** The text of message `index` of `name` (non-ASCII on purpose: it must survive storage). */
export function messageText(name: string, index: number): string {
  return `${name} #${index} — grüße ✓`;
}

/**
 * A chat client as the "No message lost" issue asks of the real one: every
 * message has a unique id and stays in the outbox until acknowledged; when
 * the link drops it reconnects with its resume key and `since` = the highest
 * seq up to which it has seen everything, fills gaps with `history`
 * requests, then resends its whole outbox. It records everything it sees
 * and every inconsistency (a seq seen with two different messages, an id
 * acknowledged with two different seqs) as a violation.
 */
export class ResilientClient {
  readonly options: ResilientClientOptions;
  readonly resumeKey = randomBytes(16).toString('hex');
  /** Unacknowledged messages by client id, oldest first. */
  readonly outbox = new Map<string, OutboxEntry>();
  /** Acknowledged client ids → seq. */
  readonly acks = new Map<string, number>();
  /** Every message seen (broadcast, welcome or historyPage), by seq. */
  readonly view = new Map<number, ChatMessage>();
  readonly violations: string[] = [];
  /** `error` messages received. */
  readonly errors: Array<ServerMessageMap['error']> = [];
  /** Close codes of links that dropped by themselves (not cut by this client). */
  readonly closeCodes: number[] = [];
  /** Why connection attempts failed. */
  readonly failedAttempts: string[] = [];
  /** The first welcome's history id. */
  historyId: string | undefined;
  cuts = 0;
  connects = 0;
  /** `send` frames repeated for ids sent before. */
  resends = 0;
  /** Messages created so far (ids `<name>-0` … `<name>-(nextIndex-1)`). */
  nextIndex = 0;
  #total: number;
  #link: Link | undefined;
  #generation = 0;
  #ready = false;
  #connecting: Promise<void> | undefined;
  #paused = false;
  #stopped = false;
  #waits: PendingWait[] = [];
  #watchers: Array<() => boolean> = [];
  #sentIds = new Set<string>();

  constructor(options: ResilientClientOptions) {
    this.options = options;
    this.#total = options.total;
  }

  get name(): string {
    return this.options.name;
  }

  get label(): string {
    return `${this.options.name} (${this.options.kind})`;
  }

  /** Whether the client is joined and caught up (and so sending). */
  get ready(): boolean {
    return this.#ready;
  }

  /** The highest seq s such that every message 1..s has been seen. */
  contiguous(): number {
    let seq = 0;
    while (this.view.has(seq + 1)) seq += 1;
    return seq;
  }

  /** Connects (retrying failed attempts) and starts sending. */
  start(): Promise<void> {
    return this.#ensureConnecting();
  }

  /** Stops creating new messages (the outbox is still resent and acknowledged). */
  pause(): void {
    this.#paused = true;
  }

  /** Resumes sending: `more` new messages after those created so far, then no more. */
  sendMore(more: number): void {
    this.#total = this.nextIndex + more;
    this.#paused = false;
    this.#pump();
  }

  /** Cuts the link and stays offline until {@link reconnect} (for a host known to be gone). */
  disconnect(): void {
    this.#drop();
  }

  /**
   * Puts acknowledged messages back into the outbox, as if their acks had
   * been lost: they are resent on the next connection and must be
   * acknowledged with the same seq.
   */
  forgetAcks(ids: string[]): void {
    for (const id of ids) {
      const index = Number(id.slice(id.lastIndexOf('-') + 1));
      assert.ok(this.acks.has(id), `${id} was acknowledged`);
      this.outbox.set(id, { index, text: messageText(this.name, index) });
    }
  }

  /** Drops the current link (if any) and connects again: for a host known to have restarted. */
  reconnect(): Promise<void> {
    this.#drop();
    return this.#ensureConnecting();
  }

  /** Resolves once every message up to the total is acknowledged. */
  drained(timeoutMs: number): Promise<void> {
    return this.#until(
      () => this.outbox.size === 0 && (this.#paused || this.nextIndex >= this.#total),
      timeoutMs,
      `${this.label} to drain its outbox`,
    ).catch((error: unknown) => {
      throw new Error(`${String(error)} (${this.outbox.size} unacknowledged, ${this.nextIndex}/${this.#total} created, ready: ${this.#ready})`);
    });
  }

  /** Resolves once the client has seen every message 1..seq. */
  caughtUp(seq: number, timeoutMs: number): Promise<void> {
    return this.#until(() => this.contiguous() >= seq, timeoutMs, `${this.label} to see every message up to ${seq} (has ${this.contiguous()})`);
  }

  /** Closes politely and stops reconnecting. */
  stop(): void {
    this.#stopped = true;
    this.#ready = false;
    const link = this.#link;
    this.#link = undefined;
    this.#generation += 1;
    link?.close();
    this.#rejectWaits(new Error(`${this.label} stopped`));
  }

  /** The view as a list ordered by seq. */
  viewList(): ChatMessage[] {
    return [...this.view.values()].sort((a, b) => a.seq - b.seq);
  }

  #until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
    if (condition()) return Promise.resolve();
    let watcher!: () => boolean;
    const promise = new Promise<void>((resolve) => {
      watcher = () => {
        if (!condition()) return false;
        resolve();
        return true;
      };
      this.#watchers.push(watcher);
    });
    return withTimeout(promise, timeoutMs, what).finally(() => {
      this.#watchers = this.#watchers.filter((entry) => entry !== watcher);
    });
  }

  #notify(): void {
    if (this.#watchers.length > 0) this.#watchers = this.#watchers.filter((watcher) => !watcher());
  }

  #ensureConnecting(): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    this.#connecting ??= this.#connectLoop().finally(() => {
      this.#connecting = undefined;
    });
    return this.#connecting;
  }

  async #connectLoop(): Promise<void> {
    for (let attempt = 1; !this.#stopped; attempt += 1) {
      try {
        await this.#connectOnce();
        return;
      } catch (error) {
        this.failedAttempts.push(error instanceof Error ? error.message : String(error));
        this.#drop();
        if (attempt >= 50) {
          this.violations.push(`${this.label}: gave up connecting after ${attempt} attempts: ${this.failedAttempts.slice(-3).join(' | ')}`);
          throw error;
        }
        // Back off a little; the host may be restarting.
        await delay(Math.min(20 * attempt, 250));
      }
    }
  }

  async #connectOnce(): Promise<void> {
    const chaos = this.options.chaos;
    if (chaos && chaos.maxDelayMs > 0) await delay(Math.floor(chaos.random() * chaos.maxDelayMs));
    this.#generation += 1;
    const generation = this.#generation;
    const link = await openLink(
      this.options.port,
      this.options.kind,
      (raw) => this.#onFrame(generation, raw),
      (code) => this.#onLinkClosed(generation, code),
    );
    if (generation !== this.#generation || this.#stopped) {
      link.cut();
      throw new Error('superseded while opening');
    }
    this.#link = link;
    this.connects += 1;
    const since = this.contiguous();
    const historyId = this.historyId;
    link.send(JSON.stringify({ type: 'join', create: true, room: this.options.room, name: this.options.name, resumeKey: this.resumeKey, since, historyId }));
    const answer = await this.#wait(generation, (message) => message.type === 'welcome' || (message.type === 'error' && message.ref === undefined));
    if (answer.type !== 'welcome') throw new Error(`join refused: ${answer.type === 'error' ? answer.code : answer.type}`);
    // Hosts restarted on the same machine keep their history, and its id.
    if (historyId !== undefined && answer.historyId !== historyId) {
      this.violations.push(`${this.label}: the history id changed from ${historyId} to ${answer.historyId} although the machine never went down`);
    }
    this.historyId = answer.historyId;
    for (const message of answer.history) this.#see(message);
    if (answer.history.length > 0 && (answer.history[0] as ChatMessage).seq > since + 1 && !answer.hasEarlier) {
      this.violations.push(`${this.label}: welcome starts at ${(answer.history[0] as ChatMessage).seq} after since ${since} but says nothing is earlier`);
    }
    if (chaos && this.cuts < chaos.maxCuts && chaos.random() < chaos.cutAfterWelcome) {
      this.cuts += 1;
      throw new Error('chaos: cut right after welcome');
    }
    // Fill every gap below the welcome's lastSeq, newest first, a page at a time.
    for (;;) {
      const missing = this.#highestMissing(answer.lastSeq);
      if (missing === 0) break;
      link.send(JSON.stringify({ type: 'history', before: missing + 1, limit: PAGE }));
      const page = await this.#wait(generation, (message) => message.type === 'historyPage' && message.before === missing + 1);
      if (page.type !== 'historyPage') throw new Error('unreachable');
      for (const message of page.messages) this.#see(message);
      if (!this.view.has(missing)) {
        this.violations.push(`${this.label}: history before ${missing + 1} lacks seq ${missing} although welcome.lastSeq is ${answer.lastSeq}`);
        break;
      }
    }
    this.#ready = true;
    this.#notify();
    // Resend everything unacknowledged, oldest first, then carry on.
    for (const [id, entry] of [...this.outbox]) {
      if (generation !== this.#generation) break;
      this.#sendFrame(id, entry.text);
    }
    if (generation === this.#generation) this.#pump();
    // A cut while resending: this loop connects again (a cut only starts a loop when none runs).
    if (generation !== this.#generation) throw new Error('chaos: cut while resending');
  }

  #highestMissing(upTo: number): number {
    for (let seq = upTo; seq >= 1; seq -= 1) if (!this.view.has(seq)) return seq;
    return 0;
  }

  #pump(): void {
    while (this.#ready && !this.#paused && this.outbox.size < this.options.window && this.nextIndex < this.#total) {
      const index = this.nextIndex;
      this.nextIndex += 1;
      const id = messageId(this.name, index);
      const text = messageText(this.name, index);
      this.outbox.set(id, { index, text });
      this.#sendFrame(id, text);
    }
  }

  #sendFrame(id: string, text: string): void {
    const link = this.#link;
    if (!link) return;
    if (this.#sentIds.has(id)) this.resends += 1;
    this.#sentIds.add(id);
    link.send(JSON.stringify({ type: 'send', id, text }));
    const chaos = this.options.chaos;
    if (chaos && this.cuts < chaos.maxCuts && chaos.random() < chaos.cutAfterSend) {
      this.cuts += 1;
      const generation = this.#generation;
      const wait = Math.floor(chaos.random() * chaos.maxDelayMs);
      // Half the cuts right behind the frame (it may or may not arrive), half a little later.
      if (chaos.random() < 0.5) {
        this.#drop();
        void this.#ensureConnecting().catch(() => undefined);
      } else {
        setTimeout(() => {
          if (generation !== this.#generation || this.#stopped) return;
          this.#drop();
          void this.#ensureConnecting().catch(() => undefined);
        }, wait);
      }
    }
  }

  /** Cuts the current link and forgets it; waits on it fail. */
  #drop(): void {
    this.#ready = false;
    const link = this.#link;
    this.#link = undefined;
    this.#generation += 1;
    link?.cut();
    this.#rejectWaits(new Error(`${this.label}: link dropped`));
  }

  #onLinkClosed(generation: number, code: number): void {
    if (generation !== this.#generation) return;
    this.closeCodes.push(code);
    this.#ready = false;
    this.#link = undefined;
    this.#generation += 1;
    this.#rejectWaits(new Error(`${this.label}: link closed (${code})`));
    if (this.options.autoReconnect && !this.#stopped) void this.#ensureConnecting().catch(() => undefined);
  }

  #wait(generation: number, predicate: (message: ServerMessage) => boolean): Promise<ServerMessage> {
    let entry!: PendingWait;
    const promise = new Promise<ServerMessage>((resolve, reject) => {
      entry = { generation, predicate, resolve, reject };
      this.#waits.push(entry);
    });
    return withTimeout(promise, EVENT_TIMEOUT_MS, `${this.label}: an answer`).finally(() => {
      this.#waits = this.#waits.filter((candidate) => candidate !== entry);
    });
  }

  #rejectWaits(error: Error): void {
    for (const wait of this.#waits.splice(0)) wait.reject(error);
  }

  #onFrame(generation: number, raw: string): void {
    if (generation !== this.#generation) return;
    const decoded = decodeServerMessage(raw);
    if (!decoded.ok) {
      this.violations.push(`${this.label}: frame outside the protocol: ${raw.slice(0, 200)}`);
      return;
    }
    const message = decoded.message;
    switch (message.type) {
      case 'message':
        this.#see(message);
        break;
      case 'historyPage':
        for (const entry of message.messages) {
          if (entry.seq >= message.before) this.violations.push(`${this.label}: historyPage before ${message.before} holds seq ${entry.seq}`);
        }
        break;
      case 'ack':
        this.#onAck(message);
        break;
      case 'error':
        this.errors.push(message);
        break;
      default:
        break;
    }
    const wait = this.#waits.find((candidate) => candidate.generation === generation && candidate.predicate(message));
    if (wait) {
      this.#waits = this.#waits.filter((candidate) => candidate !== wait);
      wait.resolve(message);
    }
    this.#notify();
  }

  #see(message: ChatMessage): void {
    const known = this.view.get(message.seq);
    if (known === undefined) {
      this.view.set(message.seq, message);
      return;
    }
    if (JSON.stringify(known) !== JSON.stringify(message)) {
      this.violations.push(`${this.label}: seq ${message.seq} seen as ${JSON.stringify(known)} and as ${JSON.stringify(message)}`);
    }
  }

  #onAck(ack: ServerMessageMap['ack']): void {
    const earlier = this.acks.get(ack.id);
    if (earlier !== undefined && earlier !== ack.seq) {
      this.violations.push(`${this.label}: ${ack.id} acknowledged with seq ${earlier}, then with seq ${ack.seq}`);
    }
    if (earlier === undefined && !this.outbox.has(ack.id)) this.violations.push(`${this.label}: ack for an id never sent: ${ack.id}`);
    this.acks.set(ack.id, ack.seq);
    if (this.outbox.delete(ack.id)) {
      this.options.onAck?.(this, ack.seq);
      this.#pump();
    }
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// ---------------------------------------------------------------------------
// Reading a room's whole history
// ---------------------------------------------------------------------------

/**
 * Joins `room` with a fresh /ws client and `since: 0`, then pages back with
 * `history` requests to seq 1. Checks the pages' own shape (ordered, below
 * `before`, no overlap) and returns the welcome and every message, by seq.
 */
export async function readWholeHistory(
  port: number,
  room: string,
): Promise<{ welcome: ServerMessageMap['welcome']; messages: ChatMessage[] }> {
  const client = await WsTestClient.connect({ port, address: '127.0.0.1', family: 'IPv4' }, 'history reader');
  try {
    const welcome = await client.join(room, `reader-${randomBytes(4).toString('hex')}`, 0);
    const collected: ChatMessage[] = [...welcome.history];
    let hasMore = welcome.hasEarlier;
    let oldest = welcome.history[0]?.seq ?? welcome.lastSeq + 1;
    while (hasMore) {
      client.send({ type: 'history', before: oldest, limit: PAGE });
      const page = (await client.waitFor(
        (message) => message.type === 'historyPage' && message.before === oldest,
        EVENT_TIMEOUT_MS,
        `historyPage before ${oldest}`,
      )) as ServerMessageMap['historyPage'];
      assert.ok(page.messages.length > 0, `history before ${oldest} is empty although more was announced`);
      const pageSeqs = page.messages.map((message) => message.seq);
      assert.deepEqual(pageSeqs, [...pageSeqs].sort((a, b) => a - b), 'a page is ordered by seq');
      assert.ok(pageSeqs.every((seq) => seq < oldest), `page before ${oldest} holds ${pageSeqs.join(',')}`);
      collected.unshift(...page.messages);
      oldest = page.messages[0]?.seq ?? oldest;
      hasMore = page.hasMore;
    }
    return { welcome, messages: collected };
  } finally {
    client.close();
  }
}

/**
 * Asserts that `messages` (a history read whole) numbers 1..N without gaps
 * or repeats, in order, and that no client id appears twice (the suites'
 * ids are unique across senders). Returns a map client id → message.
 */
export function assertGapFreeHistory(messages: ChatMessage[]): Map<string, ChatMessage> {
  assert.deepEqual(
    messages.map((message) => message.seq),
    Array.from({ length: messages.length }, (_, index) => index + 1),
    'seqs are exactly 1..N, in order',
  );
  const byId = new Map<string, ChatMessage>();
  const repeated: string[] = [];
  for (const message of messages) {
    if (byId.has(message.clientId)) repeated.push(`${message.clientId} (seqs ${byId.get(message.clientId)?.seq} and ${message.seq})`);
    byId.set(message.clientId, message);
  }
  assert.deepEqual(repeated, [], 'no client id is stored twice');
  return byId;
}

// ---------------------------------------------------------------------------
// The host CLI as a child process
// ---------------------------------------------------------------------------

/** A running (or finished) `server/cli.ts` process and the port it listens on. */
export interface HostProcess extends CliRun {
  port: number;
}

/**
 * Starts `node --import tsx server/cli.ts …args` and resolves once it
 * printed the address it listens on.
 */
export async function startHost(args: string[]): Promise<HostProcess> {
  const run = spawnCli(args);
  const match = await waitForStdout(run, /^LanChat host listening on http:\/\/127\.0\.0\.1:(\d+)$/m, PROCESS_TIMEOUT_MS).catch(
    (error: unknown) => {
      run.child.kill('SIGKILL');
      throw error;
    },
  );
  return { ...run, port: Number(match[1]) };
}
