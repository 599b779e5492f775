/**
 * `GET /rooms`: the host's rooms for a join form ("Create room 'x'?" shows
 * the rooms that exist) and for LAN discovery's member counts
 * (protocol/rooms-report.ts has the body's shape).
 *
 * Unauthenticated and readable by any page (`Access-Control-Allow-Origin:
 * *`), so it says only what anyone who may join can learn by joining: room
 * names, which rooms need a password, and how many people are in the open
 * ones. Never a password, a verifier, a member's name or a message. Each
 * request costs a token of its address's bucket: listing reads the store.
 *
 * @public
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

import { addressKey } from './address-limits';
import { PROTOCOL_VERSION, ROOMS_REPORT_MAX_BYTES, type RoomSummary, type RoomsReport } from './protocol';
import { KeyedTokenBuckets } from './rate-limiter';
import type { RoomListing } from './rooms';

/** Requests one address may make at once; a join form asks once, discovery every few seconds per host. */
export const ROOMS_REQUESTS_PER_ADDRESS = 20;
/** Time over which an address's allowance refills completely, in ms. */
export const ROOMS_REQUEST_INTERVAL_MS = 10_000;
/** Bytes of the shortest room entry (`{"name":"a","protected":true},`), to bound how many rooms one report reads. */
const MIN_ROOM_ENTRY_BYTES = 31;
/** Rooms read for one report at most: more could never fit in ROOMS_REPORT_MAX_BYTES. */
export const ROOMS_REPORT_MAX_ROOMS = Math.ceil(ROOMS_REPORT_MAX_BYTES / MIN_ROOM_ENTRY_BYTES);

const MS_PER_SECOND = 1_000;
/** Methods `/rooms` answers (OPTIONS: the CORS preflight). */
const ALLOWED_METHODS = 'GET, HEAD, OPTIONS';
/** How long a browser may cache the preflight's answer, in seconds. */
const PREFLIGHT_MAX_AGE_S = 86_400;

/** What `/rooms` says about the host itself. */
export type HostIdentity = Omit<RoomsReport, 'name' | 'protocol' | 'rooms'>;

/**
 * The report for `rooms` (most useful first): a protected room without its
 * member count, and only as many rooms as fit in `maxBytes` of JSON, so a
 * host with very many rooms still answers within what clients read.
 *
 * @public
 */
export function buildRoomsReport(host: HostIdentity, rooms: readonly RoomListing[], maxBytes = ROOMS_REPORT_MAX_BYTES): RoomsReport {
  const report: RoomsReport = {
    name: 'lanchat',
    protocol: PROTOCOL_VERSION,
    version: host.version,
    hostName: host.hostName,
    instanceId: host.instanceId,
    guestRooms: host.guestRooms,
    rooms: [],
  };
  if (host.tls !== undefined) report.tls = host.tls;
  if (host.fingerprint !== undefined) report.fingerprint = host.fingerprint;
  let bytes = Buffer.byteLength(JSON.stringify(report));
  for (const room of rooms) {
    const summary: RoomSummary = room.protected
      ? { name: room.name, protected: true }
      : { name: room.name, protected: false, members: room.members };
    // One comma between entries (counted for the first too: the bound stays safe).
    const size = Buffer.byteLength(JSON.stringify(summary)) + 1;
    if (bytes + size > maxBytes) break;
    bytes += size;
    report.rooms.push(summary);
  }
  return report;
}

/** What {@link createRoomsEndpoint} needs from its server. */
export interface RoomsEndpointOptions {
  /** The host's own part of the report (read on every request: the version or name may change). */
  host: () => HostIdentity;
  /** Up to `limit` rooms, most useful first (rooms.ts `RoomRegistry.directory`). */
  rooms: (limit: number) => RoomListing[];
  /** Clock for the rate limit. */
  now: () => number;
}

/** The `/rooms` handler. @public */
export interface RoomsEndpoint {
  /** Answers a request for `/rooms`. */
  handle(request: IncomingMessage, response: ServerResponse): void;
  /** Drops the rate-limit state of addresses that stopped asking (call it now and then). */
  prune(now: number): void;
}

/** Creates the `/rooms` handler with its per-address rate limit. @public */
export function createRoomsEndpoint(options: RoomsEndpointOptions): RoomsEndpoint {
  const buckets = new KeyedTokenBuckets(ROOMS_REQUESTS_PER_ADDRESS, ROOMS_REQUEST_INTERVAL_MS);
  // A page on any origin may read the report: it is what the join form of
  // the web client served by another host, or a discovery list, shows.
  const cors = { 'Access-Control-Allow-Origin': '*' };
  const plain = { ...cors, 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' };
  return {
    handle(request, response) {
      const method = request.method ?? 'GET';
      if (method === 'OPTIONS') {
        response.writeHead(204, {
          ...cors,
          'Access-Control-Allow-Methods': ALLOWED_METHODS,
          'Access-Control-Max-Age': String(PREFLIGHT_MAX_AGE_S),
        });
        response.end();
        return;
      }
      if (method !== 'GET' && method !== 'HEAD') {
        response.writeHead(405, { ...plain, Allow: ALLOWED_METHODS }).end('Only GET, HEAD and OPTIONS are allowed on /rooms.');
        return;
      }
      if (!buckets.take(addressKey(request.socket.remoteAddress), options.now())) {
        // One token comes back every interval/capacity ms.
        const retryAfterS = Math.ceil(ROOMS_REQUEST_INTERVAL_MS / ROOMS_REQUESTS_PER_ADDRESS / MS_PER_SECOND);
        response.writeHead(429, { ...plain, 'Retry-After': String(retryAfterS) }).end('Too many /rooms requests from your address; try again shortly.');
        return;
      }
      const body = JSON.stringify(buildRoomsReport(options.host(), options.rooms(ROOMS_REPORT_MAX_ROOMS)));
      response.writeHead(200, {
        ...cors,
        'Content-Type': 'application/json; charset=utf-8',
        'Content-Length': Buffer.byteLength(body),
        'Cache-Control': 'no-store',
        'X-Content-Type-Options': 'nosniff',
      });
      response.end(method === 'HEAD' ? undefined : body);
    },
    prune(now) {
      buckets.prune(now);
    },
  };
}
