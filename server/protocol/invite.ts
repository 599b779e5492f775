/**
 * Invites: the links a host hands out so people land in the right room.
 *
 * - `http://<address>:<port>/?room=<room>` for browsers (the host serves the
 *   web client, which reads `room` from the query);
 * - `lanchat://join?host=<address>&port=<port>&room=<room>` for the desktop
 *   app (registered as the handler of the `lanchat` scheme).
 *
 * A host serving TLS (issue 15) adds its certificate's SHA-256 fingerprint,
 * `fp=<64 hex digits>`, to both (and `tls=1` to the app link): the app
 * pins it, so even the first connection is verified. A browser shows a
 * self-signed warning page for such a host and ignores `fp`.
 *
 * An invite never carries a password. Pure (no Node, no DOM beyond `URL`),
 * so the CLI, the main process and the renderer build and read the same links.
 *
 * @public
 */
import { parseFingerprint } from './fingerprint';

/** The desktop app's URL scheme. */
export const APP_LINK_SCHEME = 'lanchat';

/** Where an invite leads. */
export interface InviteTarget {
  /** The host's origin, e.g. `http://192.0.2.5:8080` (IPv6 in brackets). */
  origin: string;
  /** The room, when the invite names one. */
  room?: string;
  /** The host certificate's SHA-256 fingerprint (`AB:CD:…`), when the invite carries one; the origin is then `https:`. */
  fingerprint?: string;
}

/** `fp=` as invites carry it: the 64 hex digits without colons (shorter links and QR codes). */
function fingerprintParam(fingerprint: string): string {
  const canonical = parseFingerprint(fingerprint);
  if (canonical === undefined) throw new TypeError(`not a SHA-256 fingerprint: ${JSON.stringify(fingerprint)}`);
  return canonical.replace(/:/g, '');
}

/**
 * The browser invite for `room` on the host at `origin`.
 *
 * @param origin - e.g. `http://192.0.2.5:8080`
 * @param fingerprint - the certificate fingerprint of a host serving TLS:
 *   adds `fp=` and makes the link `https:`
 * @throws TypeError when `fingerprint` is not a fingerprint
 */
export function inviteUrl(origin: string, room: string, fingerprint?: string): string {
  const url = new URL(origin);
  if (fingerprint !== undefined) url.protocol = 'https:';
  url.pathname = '/';
  const params = new URLSearchParams({ room });
  if (fingerprint !== undefined) params.set('fp', fingerprintParam(fingerprint));
  url.search = params.toString();
  return url.toString();
}

/**
 * The desktop app link for `room` on the host at `origin`.
 *
 * @param origin - e.g. `http://192.0.2.5:8080`
 * @param fingerprint - the certificate fingerprint of a host serving TLS:
 *   adds `tls=1` and `fp=`
 * @throws TypeError when `fingerprint` is not a fingerprint
 */
export function appJoinLink(origin: string, room: string, fingerprint?: string): string {
  const url = new URL(origin);
  const host = url.hostname;
  const port = url.port === '' ? (url.protocol === 'https:' ? '443' : '80') : url.port;
  const params = new URLSearchParams({ host, port, room });
  if (url.protocol === 'https:' || fingerprint !== undefined) params.set('tls', '1');
  if (fingerprint !== undefined) params.set('fp', fingerprintParam(fingerprint));
  return `${APP_LINK_SCHEME}://join?${params.toString()}`;
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
  const fpParam = url.searchParams.get('fp');
  // A damaged fingerprint (cut short by a chat app, mistyped) makes the
  // whole invite unreadable rather than a join with nothing pinned.
  const fingerprint = fpParam === null ? undefined : parseFingerprint(fpParam);
  if (fpParam !== null && fingerprint === undefined) return null;
  const target = (origin: string): InviteTarget => {
    const result: InviteTarget = { origin };
    if (room !== undefined) result.room = room;
    if (fingerprint !== undefined) result.fingerprint = fingerprint;
    return result;
  };
  if (url.protocol === `${APP_LINK_SCHEME}:`) {
    // `lanchat://join?…`: Chromium and Node parse the non-special scheme's
    // "join" as the host, other parsers as the path; accept both.
    const action = (url.hostname || url.pathname.replace(/^\/+/, '')).toLowerCase();
    if (action !== 'join') return null;
    const host = url.searchParams.get('host')?.trim() ?? '';
    const port = Number(url.searchParams.get('port'));
    if (host === '' || !Number.isInteger(port) || port < 1 || port > 65535) return null;
    const bracketed = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
    const scheme = url.searchParams.get('tls') === '1' || fingerprint !== undefined ? 'https' : 'http';
    let origin: string;
    try {
      const parsed = new URL(`${scheme}://${bracketed}:${port}`);
      if (parsed.pathname !== '/' || parsed.search !== '' || parsed.username !== '') return null;
      origin = parsed.origin;
    } catch {
      return null;
    }
    return target(origin);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  // Only a host serving TLS has a fingerprint: an `http:` link with `fp=`
  // was rewritten on the way, and the app goes where the fingerprint says.
  if (fingerprint !== undefined && url.protocol === 'http:') url.protocol = 'https:';
  return target(url.origin);
}
