/**
 * A room chosen from a list on the start screen ("On your network",
 * "Recent"), for the join form.
 *
 * @public
 */

/** Which room on which host; never a password. */
export interface RoomPick {
  /** Host origin, e.g. `http://192.168.1.5:8080`. */
  origin: string;
  room: string;
  /** The room needs a password: the form asks for it instead of joining at once. */
  protected: boolean;
}

/**
 * How a screen reader announces a room button, e.g. "Join standup on
 * Alice's host, 3 members".
 *
 * @param where - e.g. "Alice's host", "this computer"
 */
export function roomPickLabel(room: string, where: string, details: { protected: boolean; members?: number }): string {
  const state = details.protected
    ? 'needs a password'
    : details.members === undefined
      ? null
      : `${details.members} ${details.members === 1 ? 'member' : 'members'}`;
  return `Join ${room} on ${where}${state === null ? '' : `, ${state}`}`;
}
