/**
 * What the start screen's "On your network" section lists, and where it
 * comes from:
 *
 * - in the desktop app, LAN discovery in the main process (mDNS
 *   `_lanchat._tcp`, electron/ipc-contract.ts `DiscoveryState`), read once
 *   and then followed through `onDiscovery` pushes;
 * - in a browser served by a host (no bridge, and browsers cannot do mDNS),
 *   that one host's `GET /rooms`, polled while the start screen shows.
 *
 * Owns the subscription or the polling timer; call {@link NetworkRooms.dispose}.
 *
 * @public
 */
import type { DiscoveryState } from '../../../electron/ipc-contract';
import type { LanChatBridge } from '../../../electron/preload';
import { ENDPOINT_PATHS, PROTOCOL_VERSION, ROOMS_REPORT_MAX_BYTES, parseRoomsReport } from '../../../server/protocol';

import { addressOf, byOwnThenName, viewOfDiscovered, type NetworkHost } from './network-host';

/** How often a browser asks its host for the room list while the start screen shows. */
export const ROOMS_POLL_MS = 4_000;

/** After this long without a host found, the list adds how far discovery reaches. */
export const SEARCH_HINT_MS = 8_000;

/**
 * `searching`: looking, nothing found yet; `found`: hosts to show;
 * `off`: discovery is turned off for this app; `error`: it could not run
 * (or the host's room list could not be read), see {@link NetworkRooms.error};
 * `unavailable`: neither the app nor a host page (e.g. opened from a file).
 */
export type NetworkRoomsState = 'searching' | 'found' | 'off' | 'error' | 'unavailable';

/** Where the list comes from. */
export type NetworkRoomsSource = 'discovery' | 'host' | 'none';

/** Options of {@link NetworkRooms}; the defaults are the page's own. */
export interface NetworkRoomsOptions {
  /** The preload bridge; defaults to `window.lanChat`. */
  bridge?: LanChatBridge;
  /** The page's origin when it was served by a host; defaults to `location.origin` for http(s) pages. */
  origin?: string | null;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
  /** @default ROOMS_POLL_MS */
  pollMs?: number;
  /** @default SEARCH_HINT_MS */
  searchHintMs?: number;
}

/** The hosts and rooms to offer on the start screen. */
export class NetworkRooms {
  /** Where the list comes from (decides the section's heading). */
  readonly source: NetworkRoomsSource;
  state = $state<NetworkRoomsState>('searching');
  hosts = $state.raw<NetworkHost[]>([]);
  /** Why the list is empty: discovery failed, or the host's room list could not be read. */
  error = $state<string | null>(null);
  /** Searching has gone on long enough to say how far discovery reaches. */
  searchingLong = $state(false);

  readonly #fetch: typeof fetch;
  readonly #pollMs: number;
  readonly #timers: Array<ReturnType<typeof setTimeout>> = [];
  #poll: ReturnType<typeof setTimeout> | undefined;
  #unsubscribe: (() => void) | undefined;
  #disposed = false;
  /** Set once a push arrived, so a slower first `getDiscovery` reply cannot overwrite it. */
  #pushed = false;

  constructor(options: NetworkRoomsOptions = {}) {
    const bridge = 'bridge' in options ? options.bridge : globalThis.window?.lanChat;
    const origin =
      'origin' in options
        ? options.origin
        : globalThis.location !== undefined && /^https?:$/.test(globalThis.location.protocol)
          ? globalThis.location.origin
          : null;
    this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.#pollMs = options.pollMs ?? ROOMS_POLL_MS;
    this.#timers.push(setTimeout(() => (this.searchingLong = true), options.searchHintMs ?? SEARCH_HINT_MS));
    if (bridge !== undefined) {
      this.source = 'discovery';
      this.#follow(bridge);
    } else if (origin !== null && origin !== undefined) {
      this.source = 'host';
      void this.#readHost(origin);
    } else {
      this.source = 'none';
      this.state = 'unavailable';
    }
  }

  /** Stops following discovery or polling the host. Safe to call twice. */
  dispose(): void {
    this.#disposed = true;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    clearTimeout(this.#poll);
    for (const timer of this.#timers) clearTimeout(timer);
  }

  #follow(bridge: LanChatBridge): void {
    this.#unsubscribe = bridge.onDiscovery((state) => {
      this.#pushed = true;
      this.#show(state);
    });
    bridge.getDiscovery().then(
      (state) => {
        if (!this.#pushed && !this.#disposed) this.#show(state);
      },
      (error: unknown) => {
        console.error('LanChat: could not read LAN discovery', error);
        if (this.#pushed || this.#disposed) return;
        this.state = 'error';
        this.error = 'LanChat could not look for hosts on your network.';
      },
    );
  }

  #show(discovery: DiscoveryState): void {
    if (discovery.state === 'off') {
      this.hosts = [];
      this.error = null;
      this.state = 'off';
      return;
    }
    if (discovery.state === 'error') {
      this.hosts = [];
      this.error = discovery.error ?? 'LanChat could not look for hosts on your network.';
      this.state = 'error';
      return;
    }
    this.hosts = discovery.hosts
      .map(viewOfDiscovered)
      .filter((host): host is NetworkHost => host !== null)
      .sort(byOwnThenName);
    this.error = null;
    this.state = this.hosts.length > 0 ? 'found' : 'searching';
  }

  /** One round of asking the host that served this page for its rooms; schedules the next. */
  async #readHost(origin: string): Promise<void> {
    try {
      const response = await this.#fetch(`${origin}${ENDPOINT_PATHS.rooms}`, { cache: 'no-store' });
      if (!response.ok) throw new Error(`the host answered ${response.status}`);
      const body = await response.text();
      // A host is trusted with its own page, but the list still has a size limit like the main process's reader.
      if (body.length > ROOMS_REPORT_MAX_BYTES) throw new Error('the room list is too long');
      const report = parseRoomsReport(JSON.parse(body) as unknown);
      if (report === null) throw new Error('the host sent no LanChat room list');
      if (this.#disposed) return;
      this.hosts = [
        {
          id: report.instanceId,
          hostName: report.hostName,
          origin,
          address: addressOf(origin),
          rooms: report.rooms,
          incompatible: report.protocol !== PROTOCOL_VERSION,
          own: false,
        },
      ];
      this.error = null;
      this.state = 'found';
    } catch (error) {
      if (this.#disposed) return;
      // Said once, not every few seconds while the host keeps failing.
      if (this.state !== 'error') console.warn('LanChat: could not read the host’s rooms', error);
      this.hosts = [];
      this.error = 'Could not read this host’s rooms. You can still type a room below.';
      this.state = 'error';
    } finally {
      if (!this.#disposed) this.#poll = setTimeout(() => void this.#readHost(origin), this.#pollMs);
    }
  }
}
