/**
 * The renderer's one client socket (shared/STYLE.md §10): a SockJS connection
 * to a host, with typed events, keep-alive pings, dead-host detection and
 * automatic reconnection (as reconnect-policy.ts decides from the close code).
 *
 * Only this module imports sockjs-client; everything else sees typed
 * `ServerMessage`s from the shared protocol and a {@link ConnectionState}.
 */
import SockJS from 'sockjs-client';

import {
  ENDPOINT_PATHS,
  decodeServerMessage,
  type ClientMessage,
  type DecodeFailure,
  type ServerMessageMap,
} from '../../../server/protocol';

import { DEAD_HOST_TIMEOUT_MS, pingIntervalFor } from './keep-alive';
import { HOST_SILENT_POLICY, reconnectPolicy, type ReconnectPolicy } from './reconnect-policy';

/** First reconnect delay; doubles on each failed attempt. */
export const RECONNECT_BASE_DELAY_MS = 500;
/** Longest reconnect delay: a host that is away is knocked at this often, forever. */
export const RECONNECT_MAX_DELAY_MS = 10_000;
/**
 * {@link ChatConnection.reconnectNow} leaves a socket younger than this alone:
 * it is already a fresh attempt, and wake-ups come in bursts (`online` and a
 * system resume together).
 */
export const RECONNECT_NOW_MIN_SOCKET_AGE_MS = 1_000;

/**
 * The SockJS transports a client may use: the ones that only exchange data
 * with the host. sockjs-client's other transports (iframe-eventsource,
 * iframe-htmlfile, iframe-xhr-polling, and jsonp-polling's script tags) load
 * the host's own pages or scripts into the client's page, so a hostile host
 * would run its code in the desktop app's window (issue 13, finding 3); the
 * app's CSP refuses frames as well (electron/app-protocol.ts).
 */
export const SAFE_TRANSPORTS: readonly string[] = ['websocket', 'xhr-streaming', 'xhr-polling'];

/** Where the connection is in its life. */
export type ConnectionState =
  /** First attempt in progress. */
  | 'connecting'
  /** Connected; messages flow. */
  | 'open'
  /** Lost the host; waiting before (or while) trying again. */
  | 'reconnecting'
  /** Closed on purpose by {@link ChatConnection.close}, or never opened. */
  | 'closed';

/** A connection that ended without {@link ChatConnection.close} being called. */
export interface ConnectionDrop {
  /** The close event's code; `null` when the client closed a silent host's socket itself. */
  code: number | null;
  /** What happens next. */
  policy: ReconnectPolicy;
}

/**
 * Everything a {@link ChatConnection} reports: each server message by its
 * `type` (from the shared protocol's map, never a second copy), plus its own
 * state changes, dropped connections (emitted before the state change they
 * cause) and frames it could not decode.
 */
export type ConnectionEvents = ServerMessageMap & {
  state: ConnectionState;
  drop: ConnectionDrop;
  protocolError: DecodeFailure;
};

/** A listener for one {@link ConnectionEvents} event. */
export type ConnectionListener<K extends keyof ConnectionEvents> = (payload: ConnectionEvents[K]) => void;

/** Options for {@link ChatConnection}. */
export interface ChatConnectionOptions {
  /** Host origin, such as `http://192.168.1.5:8080` (see normalizeAddress). */
  url: string;
  /**
   * SockJS transports to allow, e.g. `['xhr-streaming']`: a subset of
   * {@link SAFE_TRANSPORTS}; any other name is a `TypeError`.
   * @default SAFE_TRANSPORTS
   */
  transports?: string[];
}

/**
 * Delay before reconnect attempt number `attempt` (0-based): exponential
 * backoff with "equal jitter", so a room full of clients that lost the same
 * host do not all knock at the same instant when it comes back.
 */
export function reconnectDelay(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(RECONNECT_MAX_DELAY_MS, RECONNECT_BASE_DELAY_MS * 2 ** attempt);
  return ceiling / 2 + random() * (ceiling / 2);
}

/**
 * One SockJS connection to a chat host. Call {@link open} after subscribing;
 * it reconnects on its own until {@link close} is called, or until the host
 * closes it with a code whose policy is `stop` (then {@link open} starts again).
 */
export class ChatConnection {
  readonly #url: string;
  readonly #transports: string[];
  readonly #listeners = new Map<keyof ConnectionEvents, Set<(payload: never) => void>>();
  #socket: WebSocket | null = null;
  /** When the current socket was created (Date.now()). */
  #socketCreatedAt = 0;
  #state: ConnectionState = 'closed';
  #attempt = 0;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #closedOnPurpose = false;
  /**
   * An immediate reconnect was used since the last welcome. A second `now`
   * before a welcome backs off instead, so a host that drops every new
   * connection at once cannot drive a tight reconnect loop.
   */
  #reconnectedAtOnce = false;
  #pingIntervalMs = pingIntervalFor();
  #pingTimer: ReturnType<typeof setInterval> | undefined;
  #watchdogTimer: ReturnType<typeof setTimeout> | undefined;
  /**
   * When anything last arrived from the host (Date.now()). Wall-clock time on
   * purpose: it keeps running while the computer sleeps, so after a wake-up the
   * watchdog sees the whole silence (a monotonic clock may pause in suspend).
   */
  #lastHeardAt = 0;

  /**
   * @param options - where to connect and how
   * @throws TypeError when `transports` is empty or names a transport outside {@link SAFE_TRANSPORTS}
   */
  constructor(options: ChatConnectionOptions) {
    this.#url = options.url.replace(/\/+$/, '') + ENDPOINT_PATHS.sockJs;
    const transports = options.transports ?? SAFE_TRANSPORTS;
    const unsafe = transports.filter((transport) => !SAFE_TRANSPORTS.includes(transport));
    if (transports.length === 0 || unsafe.length > 0) {
      throw new TypeError(
        `transports must be a non-empty subset of ${SAFE_TRANSPORTS.join(', ')}` +
          (unsafe.length > 0 ? `; refused: ${unsafe.join(', ')}` : ''),
      );
    }
    this.#transports = [...transports];
  }

  /** The current state. */
  get state(): ConnectionState {
    return this.#state;
  }

  /**
   * Subscribes to one event.
   * @returns a function that removes the listener
   */
  on<K extends keyof ConnectionEvents>(event: K, listener: ConnectionListener<K>): () => void {
    let set = this.#listeners.get(event);
    if (set === undefined) {
      set = new Set();
      this.#listeners.set(event, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  }

  /** Starts connecting (no-op when already started). */
  open(): void {
    if (this.#socket !== null || this.#retryTimer !== undefined) return;
    this.#closedOnPurpose = false;
    this.#attempt = 0;
    this.#reconnectedAtOnce = false;
    this.#connect('connecting');
  }

  /**
   * Sends one message.
   * @returns false when not connected (the message was not sent)
   */
  send(message: ClientMessage): boolean {
    const socket = this.#socket;
    if (socket === null || this.#state !== 'open') return false;
    socket.send(JSON.stringify(message));
    return true;
  }

  /**
   * Reconnects at once, for moments when the socket is probably dead (the
   * network came back, the computer woke up, a hidden page was shown): skips
   * a pending backoff wait and replaces the current socket, which may look
   * open while leading nowhere. A rejoin with the same resume key takes the
   * name over from the old connection, so replacing a live socket costs one
   * round trip. Does nothing after {@link close}, when stopped (`stop`
   * policy: the user decides), or while a socket younger than
   * {@link RECONNECT_NOW_MIN_SOCKET_AGE_MS} is connecting.
   */
  reconnectNow(): void {
    if (this.#closedOnPurpose || this.#state === 'closed') return;
    const socket = this.#socket;
    if (socket !== null && Date.now() - this.#socketCreatedAt < RECONNECT_NOW_MIN_SOCKET_AGE_MS) return;
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    if (socket !== null) {
      // Forget the socket before closing it, so its late close event is ignored.
      this.#socket = null;
      this.#stopKeepAlive();
      socket.close();
    }
    this.#connect('reconnecting');
  }

  /** Closes the connection and stops reconnecting. Safe to call twice. */
  close(): void {
    this.#closedOnPurpose = true;
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    this.#stopKeepAlive();
    const socket = this.#socket;
    this.#socket = null;
    socket?.close();
    this.#setState('closed');
  }

  #connect(state: ConnectionState): void {
    this.#setState(state);
    const socket: WebSocket = new SockJS(this.#url, null, { transports: this.#transports });
    this.#socket = socket;
    this.#socketCreatedAt = Date.now();
    // Each handler first checks the socket is still the current one: a socket we
    // replaced or closed may still deliver a late close event.
    // The backoff attempt count is not reset on open but on welcome: a host
    // that accepts the socket and then closes it (4001 HostFull) must see the
    // delay grow, not a knock every half second.
    socket.onopen = () => {
      if (this.#socket !== socket) return;
      this.#startKeepAlive();
      this.#setState('open');
    };
    socket.onmessage = (event: MessageEvent) => {
      if (this.#socket !== socket) return;
      this.#lastHeardAt = Date.now();
      this.#receive(String(event.data));
    };
    // sockjs-client passes the host's close code through (it travels in the
    // SockJS close frame), or its own code for transport trouble.
    socket.onclose = (event: CloseEvent) => {
      if (this.#socket !== socket) return;
      this.#socket = null;
      this.#stopKeepAlive();
      if (this.#closedOnPurpose) return;
      this.#drop(event.code, reconnectPolicy(event.code));
    };
  }

  /** Reports a lost connection and carries out its policy. */
  #drop(code: number | null, policy: ReconnectPolicy): void {
    this.#emit('drop', { code, policy });
    // A listener may have closed or reopened the connection.
    if (this.#closedOnPurpose || this.#socket !== null || this.#retryTimer !== undefined) return;
    if (policy.action === 'stop') {
      this.#setState('closed');
      return;
    }
    if (policy.action === 'now' && !this.#reconnectedAtOnce) {
      this.#reconnectedAtOnce = true;
      this.#scheduleReconnect(0);
      return;
    }
    this.#scheduleReconnect(reconnectDelay(this.#attempt));
    this.#attempt += 1;
  }

  #scheduleReconnect(delay: number): void {
    this.#setState('reconnecting');
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      this.#connect('reconnecting');
    }, delay);
  }

  #startKeepAlive(): void {
    this.#stopKeepAlive();
    this.#lastHeardAt = Date.now();
    this.#startPings();
    this.#armWatchdog(DEAD_HOST_TIMEOUT_MS);
  }

  #startPings(): void {
    clearInterval(this.#pingTimer);
    this.#pingTimer = setInterval(() => this.send({ type: 'ping' }), this.#pingIntervalMs);
  }

  #stopKeepAlive(): void {
    clearInterval(this.#pingTimer);
    this.#pingTimer = undefined;
    clearTimeout(this.#watchdogTimer);
    this.#watchdogTimer = undefined;
  }

  // One timer that re-arms itself for the time left, rather than a timer
  // reset on every message: a busy room would otherwise churn a timer per frame.
  #armWatchdog(delay: number): void {
    this.#watchdogTimer = setTimeout(() => {
      this.#watchdogTimer = undefined;
      const silentFor = Date.now() - this.#lastHeardAt;
      if (silentFor < DEAD_HOST_TIMEOUT_MS) {
        this.#armWatchdog(DEAD_HOST_TIMEOUT_MS - silentFor);
        return;
      }
      const socket = this.#socket;
      if (socket === null) return;
      // Forget the socket before closing it, so its late close event is ignored.
      this.#socket = null;
      this.#stopKeepAlive();
      socket.close();
      this.#drop(null, HOST_SILENT_POLICY);
    }, delay);
  }

  #receive(raw: string): void {
    const result = decodeServerMessage(raw);
    if (!result.ok) {
      this.#emit('protocolError', result);
      return;
    }
    const message = result.message;
    if (message.type === 'welcome') {
      // Joined: this connection works, so the next loss starts a fresh backoff.
      this.#attempt = 0;
      this.#reconnectedAtOnce = false;
      const interval = pingIntervalFor(message.limits.idleTimeoutMs);
      if (interval !== this.#pingIntervalMs) {
        this.#pingIntervalMs = interval;
        this.#startPings();
      }
    }
    // The protocol map pairs each `type` with its own message type; TypeScript
    // cannot follow that correlation through a union, hence the cast.
    this.#emit(message.type, message as never);
  }

  #setState(state: ConnectionState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.#emit('state', state);
  }

  #emit<K extends keyof ConnectionEvents>(event: K, payload: ConnectionEvents[K]): void {
    const set = this.#listeners.get(event);
    if (set === undefined) return;
    for (const listener of [...set]) {
      try {
        (listener as ConnectionListener<K>)(payload);
      } catch (error) {
        // One faulty listener must not starve the others or break the socket's
        // own event handling, so it is reported and skipped.
        console.error(`ChatConnection: a "${event}" listener threw`, error);
      }
    }
  }
}
