/**
 * Turning what a person types into the "Join" box into a host origin.
 * Pure and side-effect free (covered by tests/renderer/address.test.ts).
 */

/** Port a LanChat host listens on unless told otherwise; used when the input names no scheme and no port. */
export const DEFAULT_HOST_PORT = 8080;

const SCHEME_PATTERN = /^([a-z][a-z0-9+.-]*):\/\//i;

/** Schemes people may paste, mapped to the HTTP scheme SockJS connects with. */
const SCHEME_TO_HTTP: Readonly<Record<string, string>> = {
  http: 'http',
  https: 'https',
  ws: 'http',
  wss: 'https',
};

/** DNS names (after IDNA, so ASCII) and dotted IPv4, as the URL parser normalises them. */
const HOSTNAME_PATTERN = /^[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?)*\.?$/i;
const IPV6_HOSTNAME_PATTERN = /^\[[0-9a-f:.]+\]$/i;

function invalid(input: string): Error {
  return new Error(`"${input}" is not a host address. Type something like 192.168.1.5:8080.`);
}

/**
 * Normalises a host address to an origin such as `http://192.168.1.5:8080`.
 *
 * - `192.168.1.5:8080`, `localhost:9000`, `[::1]:8080` get `http://`;
 * - without a scheme and a port (`192.168.1.5`, `fe80::1`) the port is {@link DEFAULT_HOST_PORT};
 * - with an explicit scheme the scheme's own default port is kept, so a page's
 *   `location.origin` (`http://host`, port 80) survives unchanged;
 * - `ws://` and `wss://` become `http://` and `https://`; any path, query or
 *   fragment is dropped.
 *
 * @param input - what the user typed
 * @returns the origin, without a trailing slash
 * @throws Error with a message fit to show the user, when the input is not an address
 */
export function normalizeAddress(input: string): string {
  const trimmed = input.trim();
  if (trimmed.length === 0) {
    throw new Error('Type the host address, for example 192.168.1.5:8080.');
  }

  let candidate = trimmed;
  let defaultPort: number | null = null;
  const scheme = SCHEME_PATTERN.exec(trimmed)?.[1]?.toLowerCase();
  if (scheme !== undefined) {
    const httpScheme = SCHEME_TO_HTTP[scheme];
    if (httpScheme === undefined) {
      throw new Error(`LanChat hosts are reached over http, not ${scheme}.`);
    }
    candidate = httpScheme + trimmed.slice(scheme.length);
  } else {
    // A bare IPv6 address ("fe80::1") has no port; brackets make it parseable.
    const bareIpv6 = !trimmed.includes('[') && (trimmed.match(/:/g)?.length ?? 0) >= 2;
    candidate = `http://${bareIpv6 ? `[${trimmed}]` : trimmed}`;
    defaultPort = DEFAULT_HOST_PORT;
  }

  let url: URL;
  try {
    url = new URL(candidate);
  } catch {
    // The URL parser's own message ("Invalid URL") tells the user nothing more.
    throw invalid(trimmed);
  }
  if (url.username !== '' || url.password !== '') {
    throw invalid(trimmed);
  }
  if (!HOSTNAME_PATTERN.test(url.hostname) && !IPV6_HOSTNAME_PATTERN.test(url.hostname)) {
    throw invalid(trimmed);
  }
  if (url.port === '0') {
    throw new Error('The port must be between 1 and 65535.');
  }
  // url.port is '' both when no port was typed and when the scheme's default was typed
  // ("http://host:80"); only the first case gets the LanChat default.
  if (url.port === '' && defaultPort !== null && !hasExplicitPort(url, trimmed)) {
    url.port = String(defaultPort);
  }
  return url.origin;
}

/** Whether the authority part of `input` spells out a port. */
function hasExplicitPort(url: URL, input: string): boolean {
  const authority = input.replace(SCHEME_PATTERN, '').split(/[/?#]/, 1)[0] ?? '';
  const afterHost = url.hostname.startsWith('[')
    ? authority.slice(authority.indexOf(']') + 1)
    : authority.slice(authority.lastIndexOf(':'));
  return /^:\d+$/.test(afterHost);
}
