/**
 * The Join form's steps between "Join" and the chat screen (issue 14):
 * probe the host (host-probe.ts), ask before creating a room it does not
 * have, then wait for its welcome. App.svelte drives them; StartScreen.svelte
 * shows them on the join card. Pure, no Svelte.
 */
import type { HostCertificateResult } from '../../../electron/ipc-contract';
import type { RoomSummary, RoomsReport } from '../../../server/protocol';
import { normaliseName, shortFingerprint } from '../../../server/protocol';

import { UiErrorCode, type ShownError } from './error-text';
import { displayAddress } from './host-probe';
import { foldName } from './local-store';

/**
 * How long the join waits for the host's welcome after the probe found it:
 * a host that answered `/rooms` but lets no socket in (a proxy that breaks
 * them, a host shutting down) is reported instead of a chat that never opens.
 */
export const JOIN_WELCOME_TIMEOUT_MS = 15_000;

/** Where a Join-form join is, as the join card shows it. */
export type JoinProgress =
  /** Asking the host who it is (`GET /rooms`). */
  | { phase: 'probing'; origin: string; room: string }
  /** The host has no such room: create it, or pick one of its rooms? */
  | { phase: 'confirm'; origin: string; room: string; hostName: string; rooms: RoomSummary[]; guestRooms: boolean }
  /** Connected or connecting, waiting for the host's welcome. */
  | { phase: 'joining'; origin: string; room: string }
  /** An `https:` host nothing is pinned for: trust its certificate (shown) on first use? */
  | { phase: 'trust'; origin: string; room: string; fingerprint: string }
  /** A plain-HTTP host and a password: send it unencrypted anyway? */
  | { phase: 'unencrypted'; origin: string; room: string };

/** What the join does after checking an `https:` host's certificate (issue 15). */
export type CertificateVerdict =
  /** The pinned certificate: connect without asking. */
  | { action: 'connect' }
  /** Nothing pinned: show the fingerprint and ask. */
  | { action: 'ask'; fingerprint: string }
  /** Not the pinned certificate, or none to read: refuse, with these words. */
  | { action: 'refuse'; error: ShownError };

/**
 * Decides a join to an `https:` host from the certificate it presents and
 * the one pinned for it (electron/certificate-trust.ts `getHostCertificate`).
 * A changed certificate is never accepted here: the user is told, with both
 * fingerprints, to ask the host.
 */
export function certificateVerdict(origin: string, result: HostCertificateResult): CertificateVerdict {
  const address = displayAddress(origin);
  if (!result.ok) {
    return {
      action: 'refuse',
      error: { code: UiErrorCode.CertificateUnavailable, text: `Could not read the certificate of ${address}: ${result.message}. Check the address and that the host is running with encryption on.` },
    };
  }
  if (result.pinned === undefined) return { action: 'ask', fingerprint: result.fingerprint };
  if (result.pinned === result.fingerprint) return { action: 'connect' };
  return { action: 'refuse', error: { code: UiErrorCode.CertificateChanged, text: certificateChangedText(address, result.pinned, result.fingerprint) } };
}

/** The warning for a host whose certificate is not the pinned one, naming both. */
export function certificateChangedText(address: string, pinned: string, presented: string): string {
  return (
    `The host at ${address} presented a different certificate than the one this app knows for it, so LanChat did not connect. ` +
    `This may be someone impersonating the host. Expected fingerprint ${shortFingerprint(pinned)} (${pinned}), ` +
    `got ${shortFingerprint(presented)} (${presented}). Ask the host to read you the fingerprint on their screen; ` +
    `if the host really made a new certificate, join with a new invite from them.`
  );
}

/** Whether an origin is this computer (a password sent there never crosses the network). */
export function isLoopbackOrigin(origin: string): boolean {
  let hostname: string;
  try {
    hostname = new URL(origin).hostname;
  } catch {
    return false;
  }
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

/**
 * The room of a host's report that `room` names, compared as the host
 * compares room names (NFKC, then lower-cased: server/rooms.ts `roomKey`).
 * @returns that room, or undefined when the host has no such room
 */
export function findRoom(report: RoomsReport, room: string): RoomSummary | undefined {
  const wanted = foldName(normaliseName(room));
  return report.rooms.find((candidate) => foldName(normaliseName(candidate.name)) === wanted);
}
