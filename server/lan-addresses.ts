/**
 * The URLs other machines can use to reach a host: one per non-internal IPv4
 * address of this machine (IPv6 link-local addresses need a zone id that
 * browsers cannot take, so they are left out).
 *
 * @public
 */
import { networkInterfaces } from 'node:os';

/** Loopback addresses that mean "this machine only". */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1']);

/**
 * Shareable `http://address:port` URLs for a host bound to `bindAddress`.
 * A loopback bind is shareable with nobody but this machine, so it yields
 * only the loopback URL; a wildcard bind yields every LAN address.
 *
 * @public
 */
export function shareableUrls(bindAddress: string, port: number): string[] {
  if (LOOPBACK_HOSTS.has(bindAddress)) return [`http://127.0.0.1:${port}`];
  if (bindAddress !== '0.0.0.0' && bindAddress !== '::') return [`http://${bindAddress}:${port}`];
  const urls: string[] = [];
  for (const entries of Object.values(networkInterfaces())) {
    for (const entry of entries ?? []) {
      if (entry.family === 'IPv4' && !entry.internal) urls.push(`http://${entry.address}:${port}`);
    }
  }
  return urls.length > 0 ? urls : [`http://127.0.0.1:${port}`];
}
