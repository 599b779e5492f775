/**
 * One LanChat host as the start screen's "On your network" list shows it,
 * read from what discovery found (electron/ipc-contract.ts `DiscoveredHost`)
 * or from the `/rooms` report of the host that served the page.
 *
 * Pure (covered by tests/renderer/network-host.test.ts).
 *
 * @public
 */
import type { DiscoveredHost } from '../../../electron/ipc-contract';
import { PROTOCOL_VERSION, type RoomSummary } from '../../../server/protocol';

/** One host as the list shows it. */
export interface NetworkHost {
  /** Stable key: the host's instance id. */
  id: string;
  hostName: string;
  /** Where to join it, e.g. `http://192.168.1.5:8080`. */
  origin: string;
  /** The origin as people read it, without `http://`. */
  address: string;
  /** Its rooms; null while not known yet. */
  rooms: RoomSummary[] | null;
  /** Why its rooms could not be read. */
  roomsError?: string;
  /** It speaks another protocol version: joining would fail, so its rooms are not offered. */
  incompatible: boolean;
  /** This computer's own host. */
  own: boolean;
}

/** The origin without its scheme, as people type it into the Join box. */
export function addressOf(origin: string): string {
  return origin.replace(/^https?:\/\//, '');
}

/** Reads a discovered host for the list; null when it has no address to join. */
export function viewOfDiscovered(host: DiscoveredHost): NetworkHost | null {
  const origin = host.origins[0];
  if (origin === undefined) return null;
  const view: NetworkHost = {
    id: host.instanceId,
    hostName: host.hostName,
    origin,
    address: addressOf(origin),
    rooms: host.rooms,
    incompatible: host.protocol !== PROTOCOL_VERSION,
    own: host.own,
  };
  if (host.roomsError !== undefined) view.roomsError = host.roomsError;
  return view;
}

/** Sort order of the list: others' hosts first, by name; this computer's last (its owner knows it is there). */
export function byOwnThenName(a: NetworkHost, b: NetworkHost): number {
  return Number(a.own) - Number(b.own) || a.hostName.localeCompare(b.hostName) || a.origin.localeCompare(b.origin);
}
