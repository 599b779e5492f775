/**
 * The chat session this page is in, remembered in localStorage so that a
 * reload, a crash or a restart of the app brings the user back into the room
 * (and, if this app was hosting, starts the host again first). Leaving the
 * room forgets it. Never holds a password: a protected room asks for it again.
 *
 * Pure apart from the injected storage (covered by tests/renderer/session-store.test.ts).
 */
import type { HostScope } from '../../../electron/ipc-contract';
import { RESUME_KEY_MAX_LENGTH, RESUME_KEY_MIN_LENGTH } from '../../../server/protocol';

import { readJson, writeJson, type KeyValueStore } from './local-store';
import { MAX_PORT } from './validation';

/** localStorage key of the session. */
export const SESSION_STORAGE_KEY = 'lanchat.session';

/** How this app was hosting the room, to host it again the same way. */
export interface StoredHosting {
  /** The port the host ended up on (not 0), so LAN members find it again. */
  port: number;
  room: string;
  scope: HostScope;
  maxMembers?: number;
  /** The room had a password; it is not stored, so hosting again needs it typed. */
  protected: boolean;
}

/** A remembered chat session. */
export interface StoredSession {
  /** Host origin (see normalizeAddress). */
  address: string;
  room: string;
  name: string;
  /** The session's resume key, so the host hands the name back after a crash. */
  resumeKey: string;
  /** Present when this app hosted the room. */
  hosting?: StoredHosting;
}

function isText(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

function parseHosting(value: unknown): StoredHosting | null {
  if (typeof value !== 'object' || value === null) return null;
  const hosting = value as Record<string, unknown>;
  const { port, room, scope, maxMembers } = hosting;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > MAX_PORT) return null;
  if (!isText(room) || (scope !== 'lan' && scope !== 'local')) return null;
  if (maxMembers !== undefined && (typeof maxMembers !== 'number' || !Number.isInteger(maxMembers) || maxMembers < 1)) return null;
  const parsed: StoredHosting = { port, room, scope, protected: hosting.protected === true };
  if (maxMembers !== undefined) parsed.maxMembers = maxMembers;
  return parsed;
}

/**
 * Checks a stored value field by field (it may come from an older or newer
 * build, or have been edited by hand) and copies only known fields.
 * @returns the session, or `null` when the value is not a usable session
 */
export function parseSession(value: unknown): StoredSession | null {
  if (typeof value !== 'object' || value === null) return null;
  const session = value as Record<string, unknown>;
  const { address, room, name, resumeKey } = session;
  if (!isText(address) || !isText(room) || !isText(name) || !isText(resumeKey)) return null;
  if (resumeKey.length < RESUME_KEY_MIN_LENGTH || resumeKey.length > RESUME_KEY_MAX_LENGTH) return null;
  const parsed: StoredSession = { address, room, name, resumeKey };
  if (session.hosting !== undefined) {
    const hosting = parseHosting(session.hosting);
    if (hosting === null) return null;
    parsed.hosting = hosting;
  }
  return parsed;
}

/** Reads, writes and forgets the session. */
export class SessionStore {
  readonly #storage: KeyValueStore | null;

  /** @param storage - where to keep it; `null` remembers nothing */
  constructor(storage: KeyValueStore | null) {
    this.#storage = storage;
  }

  /** The remembered session, or `null`. */
  load(): StoredSession | null {
    return parseSession(readJson(this.#storage, SESSION_STORAGE_KEY));
  }

  /**
   * Remembers a session. Only the fields of {@link StoredSession} are written,
   * so a host request passed in with its password keeps the password out.
   * @param session - the session to remember
   */
  save(session: StoredSession): void {
    const parsed = parseSession(session);
    if (parsed !== null) writeJson(this.#storage, SESSION_STORAGE_KEY, parsed);
  }

  /** Forgets the session (the user left the room). */
  clear(): void {
    writeJson(this.#storage, SESSION_STORAGE_KEY, undefined);
  }
}
