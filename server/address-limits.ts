/**
 * Per-client-address accounting: how many sockets and sessions each address
 * holds, so one client (or one foreign page in one visitor's browser)
 * cannot take every file descriptor or every session slot of the host.
 *
 * @public
 */
import { isIPv6 } from 'node:net';

const IPV4_MAPPED_PREFIX = '::ffff:';

/**
 * The key an address is counted under: the address itself, lower-cased,
 * with an IPv4-mapped IPv6 address (`::ffff:10.0.0.5`, what a dual-stack
 * listener reports) counted as its IPv4 address and an IPv6 zone
 * (`%eth0`) dropped.
 *
 * Not per /64, as internet services count IPv6: on a LAN every device
 * shares one /64, so that would make the whole network one client, and one
 * guessing device would lock everyone out. A device that takes many
 * addresses meets the host-wide limits (maxConnections) and the join
 * throttle's per-room rule instead.
 *
 * @public
 */
export function addressKey(address: string | undefined): string {
  if (address === undefined || address === '') return 'unknown';
  const lower = address.toLowerCase();
  if (lower.startsWith(IPV4_MAPPED_PREFIX) && lower.includes('.')) return lower.slice(IPV4_MAPPED_PREFIX.length);
  return isIPv6(lower.split('%')[0] ?? lower) ? (lower.split('%')[0] ?? lower) : lower;
}

/**
 * Counts holders per address key against one limit.
 *
 * @public
 */
export class AddressCounter {
  readonly #limit: number;
  readonly #counts = new Map<string, number>();

  /** @param limit - most holders per address key */
  constructor(limit: number) {
    this.#limit = limit;
  }

  /** Takes a slot for `key`; false (and nothing taken) when the key is at the limit. */
  tryAcquire(key: string): boolean {
    const count = this.#counts.get(key) ?? 0;
    if (count >= this.#limit) return false;
    this.#counts.set(key, count + 1);
    return true;
  }

  /** Gives back a slot taken with {@link tryAcquire}. */
  release(key: string): void {
    const count = this.#counts.get(key) ?? 0;
    if (count <= 1) this.#counts.delete(key);
    else this.#counts.set(key, count - 1);
  }

  /** Slots `key` holds. */
  count(key: string): number {
    return this.#counts.get(key) ?? 0;
  }

  /** Slots held by every key together. */
  get total(): number {
    let sum = 0;
    for (const count of this.#counts.values()) sum += count;
    return sum;
  }
}
