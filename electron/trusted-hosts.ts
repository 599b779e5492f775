/**
 * The certificates this app trusts, one per host and port (issue 15): the
 * SHA-256 fingerprint an invite's `fp=` or a discovery record named, or
 * the one the user accepted on first use. Kept in the profile
 * (`<userData>/trusted-hosts.json`) so the next join is silent, like SSH's
 * `known_hosts`.
 *
 * Pure Node (no Electron), so it is unit-testable; certificate-trust.ts
 * wires it to Chromium and IPC.
 *
 * @public
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

import { formatFingerprint, FINGERPRINT_BYTES, parseFingerprint } from '../server/protocol/fingerprint';

/** The file name in the profile directory. */
export const TRUSTED_HOSTS_FILE = 'trusted-hosts.json';

/** Where a pin came from: an invite's `fp=` or a discovery record (`pinned`), or the user's own check (`trusted`). */
export type PinSource = 'pinned' | 'trusted';

/** One trusted host. */
export interface HostPin {
  /** The certificate's fingerprint, `AB:CD:…`. */
  fingerprint: string;
  source: PinSource;
  /** When it was pinned, ms since the epoch. */
  at: number;
}

/** The file's shape: `host:port` (host lower-case, IPv6 without brackets) → pin. */
interface TrustedHostsFile {
  version: 1;
  hosts: Record<string, HostPin>;
}

/**
 * The key of an `https:` origin's host and port, e.g. `192.0.2.5:8443`,
 * `::1:8443`.
 *
 * @returns undefined when `origin` is not an `https:` origin
 */
export function hostKey(origin: string): string | undefined {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' || url.hostname === '') return undefined;
  return `${bareHost(url.hostname)}:${url.port === '' ? '443' : url.port}`;
}

/** A host name as compared: lower case, IPv6 without its brackets. */
function bareHost(hostname: string): string {
  return hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
}

/**
 * The `AB:CD:…` form of a fingerprint as Chromium reports it to
 * `setCertificateVerifyProc` (`Certificate.fingerprint`: `sha256/<base64>`).
 *
 * @returns undefined for any other form
 */
export function fingerprintFromChromium(fingerprint: string): string | undefined {
  const match = /^sha256\/([A-Za-z0-9+/=]+)$/.exec(fingerprint);
  if (match === null) return undefined;
  const digest = Buffer.from(match[1] as string, 'base64');
  return digest.length === FINGERPRINT_BYTES ? formatFingerprint(digest) : undefined;
}

/** The pins of one profile, read from and written to `path`. @public */
export class TrustedHosts {
  readonly #path: string | undefined;
  readonly #hosts = new Map<string, HostPin>();
  readonly #now: () => number;

  /**
   * @param path - the JSON file (missing: no pins yet); undefined keeps the pins in memory only
   * @param now - clock for {@link HostPin.at}
   */
  constructor(path: string | undefined, now: () => number = Date.now) {
    this.#path = path;
    this.#now = now;
    if (path === undefined) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(path, 'utf8'));
    } catch {
      // Missing or damaged: start with no pins (the worst case is a prompt to trust again).
      return;
    }
    const hosts = (parsed as Partial<TrustedHostsFile> | null)?.hosts;
    if (typeof hosts !== 'object' || hosts === null) return;
    for (const [key, pin] of Object.entries(hosts)) {
      const fingerprint = typeof pin?.fingerprint === 'string' ? parseFingerprint(pin.fingerprint) : undefined;
      if (fingerprint === undefined) continue;
      this.#hosts.set(key, { fingerprint, source: pin.source === 'trusted' ? 'trusted' : 'pinned', at: Number(pin.at) || 0 });
    }
  }

  /** The pin for an `https:` origin's host and port, if any. */
  get(origin: string): HostPin | undefined {
    const key = hostKey(origin);
    return key === undefined ? undefined : this.#hosts.get(key);
  }

  /**
   * Pins `fingerprint` for `origin`'s host and port, replacing an earlier
   * pin, and saves the file.
   *
   * @throws TypeError when `origin` is not `https:` or `fingerprint` not a fingerprint
   */
  pin(origin: string, fingerprint: string, source: PinSource): HostPin {
    const key = hostKey(origin);
    const canonical = parseFingerprint(fingerprint);
    if (key === undefined) throw new TypeError(`not an https origin: ${JSON.stringify(origin)}`);
    if (canonical === undefined) throw new TypeError(`not a SHA-256 fingerprint: ${JSON.stringify(fingerprint)}`);
    const pin: HostPin = { fingerprint: canonical, source, at: this.#now() };
    this.#hosts.set(key, pin);
    this.#save();
    return pin;
  }

  /**
   * Pins `fingerprint` for `origin` only when nothing is pinned there yet:
   * for a discovery record, which anyone on the LAN can forge, so it never
   * replaces what the user trusted or an invite named (a forged record then
   * ends in the changed-certificate warning, not a silent new pin).
   *
   * @returns the pin in effect afterwards
   * @throws TypeError as {@link pin}
   */
  offer(origin: string, fingerprint: string): HostPin {
    return this.get(origin) ?? this.pin(origin, fingerprint, 'pinned');
  }

  /**
   * Whether a certificate with `fingerprint` presented by `hostname` is one
   * pinned for that host. Chromium's verify proc knows the host name but
   * not the port, so a certificate pinned for any port of the host counts:
   * an impostor still needs that certificate's private key.
   */
  accepts(hostname: string, fingerprint: string): boolean {
    const host = bareHost(hostname);
    for (const [key, pin] of this.#hosts) {
      if (key.slice(0, key.lastIndexOf(':')) === host && pin.fingerprint === fingerprint) return true;
    }
    return false;
  }

  /** Writes the pins atomically (a crash mid-write leaves the old file). */
  #save(): void {
    if (this.#path === undefined) return;
    const file: TrustedHostsFile = { version: 1, hosts: Object.fromEntries(this.#hosts) };
    mkdirSync(dirname(this.#path), { recursive: true });
    const temporary = `${this.#path}.${process.pid}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
    renameSync(temporary, this.#path);
  }
}
