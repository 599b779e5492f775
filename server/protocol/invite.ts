/**
 * Invites: the links a host hands out so people land in the right room.
 *
 * - `http://<address>:<port>/?room=<room>` for browsers (the host serves the
 *   web client, which reads `room` from the query);
 * - `lanchat://join?host=<address>&port=<port>&room=<room>` for the desktop
 *   app (registered as the handler of the `lanchat` scheme).
 *
 * An invite never carries a password. Pure (no Node, no DOM beyond `URL`),
 * so the CLI, the main process and the renderer build and read the same links.
 *
 * @public
 */

/** The desktop app's URL scheme. */
export const APP_LINK_SCHEME = 'lanchat';

/** Where an invite leads. */
export interface InviteTarget {
  /** The host's origin, e.g. `http://192.0.2.5:8080` (IPv6 in brackets). */
  origin: string;
  /** The room, when the invite names one. */
  room?: string;
}

/**
 * The browser invite for `room` on the host at `origin`.
 *
 * @param origin - e.g. `http://192.0.2.5:8080`
 */
export function inviteUrl(origin: string, room: string): string {
  const url = new URL(origin);
  url.pathname = '/';
  url.search = new URLSearchParams({ room }).toString();
  return url.toString();
}

/**
 * The desktop app link for `room` on the host at `origin`.
 *
 * @param origin - e.g. `http://192.0.2.5:8080`
 */
export function appJoinLink(origin: string, room: string): string {
  const url = new URL(origin);
  const host = url.hostname;
  const port = url.port === '' ? (url.protocol === 'https:' ? '443' : '80') : url.port;
  return `${APP_LINK_SCHEME}://join?${new URLSearchParams({ host, port, room }).toString()}`;
}

/**
 * Reads an invite of either kind (or a bare host origin).
 *
 * @returns where it leads, or null when the text is not a LanChat invite
 *   (wrong scheme, no host, a bad port, credentials in it)
 */
export function parseInvite(text: string): InviteTarget | null {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return null;
  }
  if (url.username !== '' || url.password !== '') return null;
  const roomParam = url.searchParams.get('room');
  const room = roomParam !== null && roomParam.trim() !== '' ? roomParam : undefined;
  if (url.protocol === `${APP_LINK_SCHEME}:`) {
    // `lanchat://join?…`: Chromium and Node parse the non-special scheme's
    // "join" as the host, other parsers as the path; accept both.
    const action = (url.hostname || url.pathname.replace(/^\/+/, '')).toLowerCase();
    if (action !== 'join') return null;
    const host = url.searchParams.get('host')?.trim() ?? '';
    const port = Number(url.searchParams.get('port'));
    if (host === '' || !Number.isInteger(port) || port < 1 || port > 65535) return null;
    const bracketed = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
    let origin: string;
    try {
      const target = new URL(`http://${bracketed}:${port}`);
      if (target.pathname !== '/' || target.search !== '' || target.username !== '') return null;
      origin = target.origin;
    } catch {
      return null;
    }
    return room === undefined ? { origin } : { origin, room };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  return room === undefined ? { origin: url.origin } : { origin: url.origin, room };
}
