/**
 * LAN discovery's DNS-SD record (RFC 6763): the service type every LanChat
 * host announces over mDNS and the keys of its TXT record. Pure, so the
 * announcing host (server/discovery.ts) and every reader agree on it.
 *
 * The TXT record says only what does not change while a host runs: rooms
 * and member counts come from the host's `GET /rooms`, always current.
 *
 * @public
 */
import { parseFingerprint } from './fingerprint';
import type { RoomSummary } from './rooms-report';

/** DNS-SD service type, announced as `_lanchat._tcp.local`. */
export const DISCOVERY_SERVICE_TYPE = 'lanchat';

/** What a host's TXT record says about it. */
export interface Announcement {
  /** Wire protocol version (limits.ts PROTOCOL_VERSION). */
  protocol: number;
  /** The host's display name. */
  hostName: string;
  /** Random id of this run of the host (same as `/rooms`' `instanceId`). */
  instanceId: string;
  /** Whether any of its rooms needs a password. */
  protected: boolean;
  /**
   * SHA-256 fingerprint (`AB:CD:…`, fingerprint.ts) of the certificate a
   * host serving TLS presents; absent for a plain-HTTP host. Its presence
   * is what tells a browser to use `https:` origins, and the app pins it.
   */
  fingerprint?: string;
}

/** TXT keys, kept short (each TXT string costs bytes in every mDNS answer). */
export const TXT_KEYS = { protocol: 'v', hostName: 'name', instanceId: 'id', protected: 'locked', fingerprint: 'fp' } as const;

/** Longest host name put into TXT, in UTF-16 code units (a TXT string holds at most 255 bytes). */
export const ANNOUNCED_NAME_MAX_LENGTH = 63;

/**
 * The TXT record of an announcement. The fingerprint goes as its 64 hex
 * digits without colons (67 bytes with `fp=`, well within a TXT string).
 *
 * @throws TypeError when `announcement.fingerprint` is not a fingerprint
 */
export function announcementTxt(announcement: Announcement): Record<string, string> {
  const txt: Record<string, string> = {
    [TXT_KEYS.protocol]: String(announcement.protocol),
    [TXT_KEYS.hostName]: announcement.hostName.slice(0, ANNOUNCED_NAME_MAX_LENGTH),
    [TXT_KEYS.instanceId]: announcement.instanceId,
    [TXT_KEYS.protected]: announcement.protected ? '1' : '0',
  };
  if (announcement.fingerprint !== undefined) {
    const canonical = parseFingerprint(announcement.fingerprint);
    if (canonical === undefined) throw new TypeError(`not a SHA-256 fingerprint: ${JSON.stringify(announcement.fingerprint)}`);
    txt[TXT_KEYS.fingerprint] = canonical.replace(/:/g, '');
  }
  return txt;
}

/**
 * Reads a TXT record (values as strings or bytes, as mDNS libraries give them).
 *
 * @returns the announcement, or null when the record is not a LanChat host's
 */
export function parseAnnouncementTxt(txt: Readonly<Record<string, unknown>> | undefined): Announcement | null {
  if (txt === undefined) return null;
  const text = (key: string): string | undefined => {
    const value = txt[key];
    if (typeof value === 'string') return value;
    if (value instanceof Uint8Array) return new TextDecoder().decode(value);
    return undefined;
  };
  const protocol = Number(text(TXT_KEYS.protocol));
  const instanceId = text(TXT_KEYS.instanceId);
  if (!Number.isInteger(protocol) || instanceId === undefined || instanceId === '') return null;
  const announcement: Announcement = {
    protocol,
    hostName: (text(TXT_KEYS.hostName) ?? '').slice(0, ANNOUNCED_NAME_MAX_LENGTH),
    instanceId,
    protected: text(TXT_KEYS.protected) === '1',
  };
  const fp = text(TXT_KEYS.fingerprint);
  if (fp !== undefined) {
    // A damaged fingerprint must pin nothing; without one the host still
    // serves TLS, so the record is not the record of a plain host either.
    const fingerprint = parseFingerprint(fp);
    if (fingerprint === undefined) return null;
    announcement.fingerprint = fingerprint;
  }
  return announcement;
}

/**
 * A LanChat host found on the LAN by mDNS, with its rooms as it reports
 * them: what server/discovery.ts lists, and (with `own`) what the desktop
 * app shows under "On your network".
 */
export interface DiscoveredHostRecord {
  /** The host's instance id (TXT `id`): one entry per host, however many addresses it was found at. */
  instanceId: string;
  /** Its display name (TXT `name`). */
  hostName: string;
  /** Its wire protocol version (TXT `v`); joining one that differs from ours fails. */
  protocol: number;
  /** Whether any of its rooms needs a password (TXT `locked`). */
  protected: boolean;
  /** Origins it answered at, e.g. `http://192.0.2.5:8080`, the one that answered `/rooms` first. */
  origins: string[];
  /**
   * The certificate fingerprint (`AB:CD:…`) of a host serving TLS, from its
   * announcement; its origins are then `https:`, and joining pins it.
   */
  fingerprint?: string;
  /** Its rooms from `GET /rooms`; null until the first answer. */
  rooms: RoomSummary[] | null;
  /** Why its rooms could not be read, when the last attempt failed. */
  roomsError?: string;
  /** Whether members may create rooms there (from `/rooms`). */
  guestRooms?: boolean;
}
