/**
 * Per-client-address accounting: how many sockets and sessions each address
 * holds, so one client (or one foreign page in one visitor's browser)
 * cannot take every file descriptor or every session slot of the host.
 *
 * @public
 */
import { isIPv6 } from 'node:net';

/** IPv6 hextets that make up a /64 prefix. */
const IPV6_PREFIX_HEXTETS = 4;
const IPV6_HEXTETS = 8;
const IPV4_MAPPED_PREFIX = '::ffff:';

/**
 * The key an address is counted under. IPv4-mapped IPv6 addresses
 * (`::ffff:10.0.0.5`, what a dual-stack listener reports) count as their
 * IPv4 address; other IPv6 addresses count per /64, because a single
 * machine picks new addresses inside its /64 at will (privacy addresses),
 * so counting per address would count nothing.
 *
 * @public
 */
export function addressKey(address: string | undefined): string {
  if (address === undefined || address === '') return 'unknown';
  const lower = address.toLowerCase();
  if (lower.startsWith(IPV4_MAPPED_PREFIX) && lower.includes('.')) return lower.slice(IPV4_MAPPED_PREFIX.length);
  if (!isIPv6(lower)) return lower;
  const zoneless = lower.split('%')[0] ?? lower;
  const [head = '', tail = ''] = zoneless.split('::');
  const headParts = head === '' ? [] : head.split(':');
  const tailParts = zoneless.includes('::') ? (tail === '' ? [] : tail.split(':')) : [];
  const missing = IPV6_HEXTETS - headParts.length - tailParts.length;
  const full = zoneless.includes('::') ? [...headParts, ...Array<string>(Math.max(0, missing)).fill('0'), ...tailParts] : headParts;
  return `${full
    .slice(0, IPV6_PREFIX_HEXTETS)
    .map((part) => part.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
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
