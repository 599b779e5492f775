/**
 * Validates a {@link HostRequest} arriving over IPC: the renderer is not
 * trusted to send well-formed arguments (a compromised page could send
 * anything), so the main process checks every field.
 *
 * @public
 */
import { ANNOUNCED_NAME_MAX_LENGTH } from '../server/protocol/announcement';
import { PASSWORD_MAX_LENGTH, ROOM_MAX_LENGTH, ROOM_NAME_PATTERN } from '../server/protocol/limits';

import type { HostError, HostRequest } from './ipc-contract';

const MAX_PORT = 65_535;
/** Upper bound of the max-members option a user may set from the UI. */
const MAX_MEMBERS_LIMIT = 10_000;

/**
 * Returns the request with a trimmed room name, or the error to show.
 *
 * @public
 */
export function parseHostRequest(value: unknown): HostRequest | HostError {
  const invalid = (message: string): HostError => ({ code: 'HOST_ERR_INVALID_REQUEST', message });
  if (typeof value !== 'object' || value === null) return invalid('Missing hosting options.');
  const { port, room, scope, password, maxMembers, freshHistory, announce, allowGuestRooms, hostName, tls } = value as Record<string, unknown>;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > MAX_PORT) {
    return invalid(`The port must be a whole number from 0 to ${MAX_PORT}.`);
  }
  if (typeof room !== 'string') return invalid('The room name is missing.');
  const trimmed = room.trim();
  if (trimmed.length === 0 || trimmed.length > ROOM_MAX_LENGTH || !ROOM_NAME_PATTERN.test(trimmed)) {
    return invalid(`A room name must be 1 to ${ROOM_MAX_LENGTH} letters, digits, spaces, dots, dashes or underscores.`);
  }
  if (scope !== 'lan' && scope !== 'local') return invalid('Choose who can reach the room.');
  const request: HostRequest = { port, room: trimmed, scope };
  if (password !== undefined && password !== '') {
    if (typeof password !== 'string' || password.length > PASSWORD_MAX_LENGTH) {
      return invalid(`A password may have at most ${PASSWORD_MAX_LENGTH} characters.`);
    }
    request.password = password;
  }
  if (maxMembers !== undefined && maxMembers !== null) {
    if (typeof maxMembers !== 'number' || !Number.isInteger(maxMembers) || maxMembers < 1 || maxMembers > MAX_MEMBERS_LIMIT) {
      return invalid(`Max members must be a whole number from 1 to ${MAX_MEMBERS_LIMIT}.`);
    }
    request.maxMembers = maxMembers;
  }
  if (freshHistory !== undefined && freshHistory !== false) {
    if (freshHistory !== true) return invalid('Starting a new history is a yes or no choice.');
    request.freshHistory = true;
  }
  if (announce !== undefined) {
    if (typeof announce !== 'boolean') return invalid('Announcing the room on the network is a yes or no choice.');
    request.announce = announce;
  }
  if (allowGuestRooms !== undefined) {
    if (typeof allowGuestRooms !== 'boolean') return invalid('Letting members create rooms is a yes or no choice.');
    request.allowGuestRooms = allowGuestRooms;
  }
  if (hostName !== undefined && hostName !== '') {
    // Shown by other apps in one line and sent in an mDNS TXT string.
    const trimmed = typeof hostName === 'string' ? hostName.trim() : '';
    if (trimmed === '' || trimmed.length > ANNOUNCED_NAME_MAX_LENGTH || /\p{Cc}/u.test(trimmed)) {
      return invalid(`The host name must be 1 to ${ANNOUNCED_NAME_MAX_LENGTH} characters, without control characters.`);
    }
    request.hostName = trimmed;
  }
  if (tls !== undefined) {
    if (typeof tls !== 'boolean') return invalid('Encryption (TLS) is a yes or no choice.');
    request.tls = tls;
  }
  return request;
}

/**
 * Whether a host started for `request` serves TLS: as asked, else for scope
 * 'lan' (issue 15: on by default where others can listen in).
 *
 * @public
 */
export function shouldUseTls(request: Pick<HostRequest, 'scope' | 'tls'>): boolean {
  return request.tls ?? request.scope === 'lan';
}

/**
 * Whether a host started for `request` is announced on the LAN: for scope
 * 'lan' unless the user said no. Never for 'local': nobody who heard the
 * announcement could reach a loopback-only host.
 *
 * @public
 */
export function shouldAnnounce(request: Pick<HostRequest, 'scope' | 'announce'>): boolean {
  return request.scope === 'lan' && request.announce !== false;
}

/** Whether a parse result is an error. @public */
export function isHostError(value: HostRequest | HostError): value is HostError {
  return 'code' in value;
}
