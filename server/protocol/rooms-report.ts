/**
 * `GET /rooms`: what a host tells any client about itself and its rooms,
 * for the join form ("Create room 'x'?" lists the rooms that exist) and for
 * LAN discovery (member counts come from here, never from the mDNS TXT
 * record, so they are always current).
 *
 * Pure (zod only): the server builds it, the renderer and the main
 * process's discovery read it.
 *
 * @public
 */
import { z } from 'zod';

/** One room as `/rooms` lists it. A protected room shows no member count. */
export const RoomSummarySchema = z.object({
  name: z.string(),
  protected: z.boolean(),
  /** People in the room now; absent for protected rooms. */
  members: z.number().int().nonnegative().optional(),
});

/** The `/rooms` response body. */
export const RoomsReportSchema = z.object({
  /** Always "lanchat": tells a LanChat host from any other web server on that port. */
  name: z.literal('lanchat'),
  /** The host's wire protocol version (limits.ts PROTOCOL_VERSION). */
  protocol: z.number().int(),
  /** The host's app version. */
  version: z.string(),
  /** The host's display name (its owner's choice, or the computer's name). */
  hostName: z.string(),
  /** Random id of this run of the host: the same host reached by several addresses has one id. */
  instanceId: z.string(),
  /** Whether members may create rooms that do not exist yet (`join.create`). */
  guestRooms: z.boolean(),
  /**
   * Whether the host serves HTTPS/WSS (issue 15). Optional so reports of
   * hosts from before it still parse; absent means plain HTTP.
   */
  tls: z.boolean().optional(),
  /**
   * SHA-256 fingerprint (`AB:CD:…`) of the certificate the host serves
   * with TLS, for people to compare. A client never pins what a report says
   * (it came over the connection being checked): pins come from invites,
   * discovery records and the user.
   */
  fingerprint: z.string().optional(),
  /** The rooms people may join: those with members, messages or a password, and those the host configured. */
  rooms: z.array(RoomSummarySchema),
});

/** One room in a {@link RoomsReport}. @public */
export type RoomSummary = z.infer<typeof RoomSummarySchema>;
/** The `/rooms` response. @public */
export type RoomsReport = z.infer<typeof RoomsReportSchema>;

/** Longest `/rooms` body a client reads (a host with very many rooms is cut off there, not trusted further). */
export const ROOMS_REPORT_MAX_BYTES = 256 * 1024;

/**
 * Parses a `/rooms` body.
 *
 * @returns the report, or null when the body is not a LanChat `/rooms` report
 */
export function parseRoomsReport(body: unknown): RoomsReport | null {
  const parsed = RoomsReportSchema.safeParse(body);
  return parsed.success ? parsed.data : null;
}
