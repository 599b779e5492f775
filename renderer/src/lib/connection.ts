/**
 * The renderer's one client socket (shared/STYLE.md §10): a SockJS connection
 * to a host, with typed events and automatic reconnection.
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

/** First reconnect delay; doubles on each failed attempt. */
export const RECONNECT_BASE_DELAY_MS = 500;
/** Longest reconnect delay. */
export const RECONNECT_MAX_DELAY_MS = 10_000;

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

/**
 * Everything a {@link ChatConnection} reports: each server message by its
 * `type` (from the shared protocol's map, never a second copy), plus its own
 * state changes and frames it could not decode.
 */
export type ConnectionEvents = ServerMessageMap & {
  state: ConnectionState;
  protocolError: DecodeFailure;
};

/** A listener for one {@link ConnectionEvents} event. */
export type ConnectionListener<K extends keyof ConnectionEvents> = (payload: ConnectionEvents[K]) => void;

/** Options for {@link ChatConnection}. */
export interface ChatConnectionOptions {
  /** Host origin, such as `http://192.168.1.5:8080` (see normalizeAddress). */
  url: string;
  /**
   * SockJS transports to allow, e.g. `['xhr-streaming']`.
   * @default every transport sockjs-client supports
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
 * it reconnects on its own until {@link close} is called.
 */
export class ChatConnection {
  readonly #url: string;
  readonly #transports: string[] | undefined;
  readonly #listeners = new Map<keyof ConnectionEvents, Set<(payload: never) => void>>();
  #socket: WebSocket | null = null;
  #state: ConnectionState = 'closed';
  #attempt = 0;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #closedOnPurpose = false;

  /** @param options - where to connect and how */
  constructor(options: ChatConnectionOptions) {
    this.#url = options.url.replace(/\/+$/, '') + ENDPOINT_PATHS.sockJs;
    this.#transports = options.transports;
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

  /** Closes the connection and stops reconnecting. Safe to call twice. */
  close(): void {
    this.#closedOnPurpose = true;
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    const socket = this.#socket;
    this.#socket = null;
    socket?.close();
    this.#setState('closed');
  }

  #connect(state: ConnectionState): void {
    this.#setState(state);
    const socket: WebSocket = new SockJS(
      this.#url,
      null,
      this.#transports === undefined ? {} : { transports: this.#transports },
    );
    this.#socket = socket;
    // Each handler first checks the socket is still the current one: a socket we
    // replaced or closed may still deliver a late close event.
    socket.onopen = () => {
      if (this.#socket !== socket) return;
      this.#attempt = 0;
      this.#setState('open');
    };
    socket.onmessage = (event: MessageEvent) => {
      if (this.#socket !== socket) return;
      this.#receive(String(event.data));
    };
    socket.onclose = () => {
      if (this.#socket !== socket) return;
      this.#socket = null;
      if (this.#closedOnPurpose) return;
      this.#scheduleReconnect();
    };
  }

  #scheduleReconnect(): void {
    const delay = reconnectDelay(this.#attempt);
    this.#attempt += 1;
    this.#setState('reconnecting');
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      this.#connect('reconnecting');
    }, delay);
  }

  #receive(raw: string): void {
    const result = decodeServerMessage(raw);
    if (!result.ok) {
      this.#emit('protocolError', result);
      return;
    }
    const message = result.message;
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
