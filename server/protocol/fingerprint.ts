/**
 * TLS certificate fingerprints as people and invites show them (issue 15):
 * the SHA-256 of the certificate's DER bytes in upper-case hex with colons,
 * the form Chromium's and Firefox's certificate viewers print, and a short
 * form for a host screen. Formatting only: hashing a certificate needs
 * node:crypto and lives in server/tls-identity.ts; this file is pure so the
 * renderer can import it.
 *
 * @public
 */

/** Bytes in a SHA-256 fingerprint. */
export const FINGERPRINT_BYTES = 32;

/** Groups of four hex digits in {@link shortFingerprint}'s form (64 bits of the 256). */
export const SHORT_FINGERPRINT_GROUPS = 4;

const HEX_DIGITS_PER_GROUP = 4;
const FULL_FINGERPRINT = /^[0-9A-F]{2}(?::[0-9A-F]{2}){31}$/;

/**
 * `AB:CD:…` (32 upper-case hex pairs) from the 32 bytes of a SHA-256 digest.
 *
 * @throws TypeError when `digest` is not 32 bytes long
 * @public
 */
export function formatFingerprint(digest: Uint8Array): string {
  if (digest.length !== FINGERPRINT_BYTES) throw new TypeError(`a SHA-256 fingerprint has ${FINGERPRINT_BYTES} bytes, got ${digest.length}`);
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, '0').toUpperCase()).join(':');
}

/**
 * The canonical `AB:CD:…` form of a fingerprint typed or pasted by a
 * person or carried by an invite: 64 hex digits in either case, with or
 * without `:`, spaces or `-` between them. `undefined` when it is not one
 * (a truncated copy must never pin anything).
 *
 * @public
 */
export function parseFingerprint(text: string): string | undefined {
  const hex = text.replace(/[\s:-]/g, '').toUpperCase();
  if (!/^[0-9A-F]{64}$/.test(hex)) return undefined;
  return hex.replace(/(..)(?!$)/g, '$1:');
}

/** Whether `text` is a fingerprint in the canonical `AB:CD:…` form. @public */
export function isFingerprint(text: string): boolean {
  return FULL_FINGERPRINT.test(text);
}

/**
 * The first 64 bits of a fingerprint as four groups of four hex digits,
 * `AB12 CD34 EF56 7890`: short enough to read aloud and compare on two
 * screens, long enough that nobody makes a certificate that matches it by
 * chance (an attacker would need ~2^64 key generations). Pinning always
 * compares the full fingerprint.
 *
 * @throws TypeError when `fingerprint` is not a fingerprint ({@link parseFingerprint})
 * @public
 */
export function shortFingerprint(fingerprint: string): string {
  const canonical = parseFingerprint(fingerprint);
  if (canonical === undefined) throw new TypeError(`not a SHA-256 fingerprint: ${JSON.stringify(fingerprint)}`);
  const hex = canonical.replace(/:/g, '');
  const groups: string[] = [];
  for (let group = 0; group < SHORT_FINGERPRINT_GROUPS; group += 1) {
    groups.push(hex.slice(group * HEX_DIGITS_PER_GROUP, (group + 1) * HEX_DIGITS_PER_GROUP));
  }
  return groups.join(' ');
}

/** Whether two fingerprints, in any form {@link parseFingerprint} accepts, name the same certificate. @public */
export function sameFingerprint(a: string, b: string): boolean {
  const left = parseFingerprint(a);
  return left !== undefined && left === parseFingerprint(b);
}
