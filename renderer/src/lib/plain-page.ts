/**
 * Whether this page reached a TLS host over its plain listener for browsers
 * (`--http-for-browsers`, issue 15 item 4): the page came over `http:` and
 * the host's `GET /rooms` says it serves TLS. The join card then says,
 * before joining, that this connection is not encrypted.
 *
 * No Svelte and no DOM beyond `fetch`.
 */
import { normalizeAddress } from './address';
import { probeHost } from './host-probe';

/**
 * Asks the page's own host whether it serves TLS, when the page came over plain HTTP.
 * @param page - the page's location (`globalThis.location`), or undefined outside a browser
 * @returns the page's origin when it is a plain-HTTP page of a TLS host; null otherwise (also when the host cannot be asked)
 */
export async function plainPageOfTlsHost(page: Pick<Location, 'protocol' | 'origin'> | undefined): Promise<string | null> {
  if (page?.protocol !== 'http:') return null;
  const result = await probeHost(page.origin);
  return result.ok && result.report.tls === true ? page.origin : null;
}

/**
 * Whether what the Join form's address box says names `origin` (so a note
 * about the page's own connection applies to this join).
 * @param typed - the address box's text
 * @param origin - the page's origin
 */
export function namesOrigin(typed: string, origin: string): boolean {
  try {
    return normalizeAddress(typed) === origin;
  } catch {
    // Not an address (yet): the note is about the page's host only.
    return false;
  }
}
