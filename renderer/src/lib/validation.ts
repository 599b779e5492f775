/**
 * Checks the start screen runs before asking a host, with the same rules the
 * host applies (server/protocol/limits.ts), so mistakes show up at once.
 */
import { ErrorCode, checkDisplayName, checkRoomName } from '../../../server/protocol';

import { UiErrorCode, chatErrorText, type ShownError } from './error-text';

/** Why a name with hidden characters is refused, in words. */
const FORBIDDEN_NAME_TEXT = 'Your name may not contain control, invisible or text-direction characters.';

/** Largest TCP port number. */
export const MAX_PORT = 65_535;

/**
 * Whether a display name and a room name would be accepted.
 * @returns the problem, or null when both are fine
 */
export function checkNameAndRoom(name: string, room: string): ShownError | null {
  // The host's own checks (server/protocol/names.ts): NFKC, length, no
  // control, invisible or text-direction characters.
  const nameCheck = checkDisplayName(name);
  if (!nameCheck.ok) {
    return {
      code: ErrorCode.InvalidName,
      text: nameCheck.problem === 'forbiddenCharacter' ? FORBIDDEN_NAME_TEXT : chatErrorText(ErrorCode.InvalidName, ''),
    };
  }
  if (!checkRoomName(room).ok) {
    return { code: ErrorCode.InvalidRoom, text: chatErrorText(ErrorCode.InvalidRoom, '') };
  }
  return null;
}

/**
 * Whether `port` can be asked of the host (0 means "any free port").
 * @returns the problem, or null when the port is fine
 */
export function checkPort(port: number | null | undefined): ShownError | null {
  if (typeof port === 'number' && Number.isInteger(port) && port >= 0 && port <= MAX_PORT) return null;
  return { code: UiErrorCode.InvalidPort, text: `The port must be a whole number from 0 to ${MAX_PORT} (0 picks any free port).` };
}

/**
 * Whether the host's max-members option is usable: blank (the host's
 * default) or a whole number of at least 1. The main process also caps it
 * (electron/host-request.ts) and refuses larger values itself.
 * @returns the problem, or null when the value is fine
 */
export function checkMaxMembers(maxMembers: number | null | undefined): ShownError | null {
  if (maxMembers === null || maxMembers === undefined) return null;
  if (Number.isInteger(maxMembers) && maxMembers >= 1) return null;
  return { code: UiErrorCode.InvalidMaxMembers, text: 'Max members must be a whole number of at least 1, or blank for the host default.' };
}
