/**
 * Which browser origins may open a connection (the Spring design's
 * allowedOrigins). Browsers always send `Origin` on WebSocket handshakes and
 * on cross-origin or POST requests, and page scripts cannot forge it, so this
 * stops other web pages from talking to a LAN host through a visitor's
 * browser (cross-site WebSocket hijacking). Clients that are not browsers
 * send no `Origin` and are not restricted by it, as in Spring.
 *
 * @public
 */
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { hostname } from 'node:os';

/** Origin of the desktop app's own pages (electron/app-protocol.ts serves them). */
export const DESKTOP_APP_ORIGIN = 'app://lanchat';

/** `*` allows every origin; otherwise a list of `http(s)://host[:port]` origins. */
export type AllowedOrigins = '*' | readonly string[];

const ORIGIN_PATTERN = /^https?:\/\/[^/?#\s]+\/?$/i;

/**
 * Checks an allowed-origins option, throwing a `TypeError` that names a bad
 * entry. Returns the origins normalised to lower case.
 *
 * @public
 */
export function normaliseAllowedOrigins(value: AllowedOrigins | undefined): AllowedOrigins {
  if (value === undefined) return [];
  if (value === '*') return '*';
  if (!Array.isArray(value)) throw new TypeError('allowedOrigins must be "*" or a list of origins');
  if (value.includes('*')) return '*';
  return value.map((origin) => {
    if (typeof origin !== 'string' || !ORIGIN_PATTERN.test(origin)) {
      throw new TypeError(`allowedOrigins entry ${JSON.stringify(origin)} is not an http(s)://host[:port] origin`);
    }
    return origin.toLowerCase().replace(/\/$/, '');
  });
}

/**
 * Whether a `Host` header names this machine in a way DNS rebinding cannot
 * fake: an IP literal, localhost, an mDNS `.local` name or this machine's
 * own hostname. Without this, a page on evil.example whose DNS later points
 * at a LAN address would count as "same origin".
 */
function isTrustworthyHost(hostHeader: string): boolean {
  const name = hostHeader.startsWith('[') ? hostHeader.slice(1, hostHeader.indexOf(']')) : hostHeader.replace(/:\d+$/, '');
  return isIP(name) !== 0 || name === 'localhost' || name.endsWith('.local') || name === hostname().toLowerCase();
}

/**
 * Creates the check. Always allowed: requests without `Origin`, the host's
 * own origin (the served web client: `Origin` names the `Host` the request
 * was sent to) and the desktop app.
 *
 * @public
 */
export function createOriginCheck(allowed: AllowedOrigins): (request: IncomingMessage) => boolean {
  if (allowed === '*') return () => true;
  const listed = new Set(allowed);
  return (request) => {
    const origin = request.headers.origin?.toLowerCase();
    if (origin === undefined) return true;
    if (origin === DESKTOP_APP_ORIGIN || listed.has(origin)) return true;
    const host = request.headers.host?.toLowerCase();
    if (host === undefined || !isTrustworthyHost(host)) return false;
    return origin === `http://${host}` || origin === `https://${host}`;
  };
}
