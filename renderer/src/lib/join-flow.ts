/**
 * The Join form's steps between "Join" and the chat screen (issue 14):
 * probe the host (host-probe.ts), ask before creating a room it does not
 * have, then wait for its welcome. App.svelte drives them; StartScreen.svelte
 * shows them on the join card. Pure, no Svelte.
 */
import type { RoomSummary, RoomsReport } from '../../../server/protocol';
import { normaliseName } from '../../../server/protocol';

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
  | { phase: 'joining'; origin: string; room: string };

/**
 * The room of a host's report that `room` names, compared as the host
 * compares room names (NFKC, then lower-cased: server/rooms.ts `roomKey`).
 * @returns that room, or undefined when the host has no such room
 */
export function findRoom(report: RoomsReport, room: string): RoomSummary | undefined {
  const wanted = foldName(normaliseName(room));
  return report.rooms.find((candidate) => foldName(normaliseName(candidate.name)) === wanted);
}
