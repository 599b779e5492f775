/**
 * The rooms this page joined lately, newest first, for the start screen's
 * "Recent" list: one click takes the user back in. Kept in localStorage
 * through local-store.ts; never holds a password (a protected room is only
 * marked as such, and asks for its password again).
 *
 * Pure apart from the injected storage (covered by tests/renderer/recent-rooms.test.ts).
 *
 * @public
 */
import { foldName, readJson, writeJson, type KeyValueStore } from './local-store';

/** localStorage key of the list. */
export const RECENT_ROOMS_STORAGE_KEY = 'lanchat.recentRooms';

/** Most rooms the list keeps; the oldest drop off. */
export const RECENT_ROOMS_MAX = 10;

/** One remembered room. */
export interface RecentRoom {
  /** Host origin (see normalizeAddress), e.g. `http://192.168.1.5:8080`. */
  origin: string;
  /** The room as the user last joined it (its spelling, not the folded key). */
  room: string;
  /** The room needed a password when it was joined. */
  protected: boolean;
  /** When it was last joined (milliseconds since the epoch). */
  at: number;
}

/** The identity of an entry: the same room on the same host, whatever its case. */
function keyOf(entry: Pick<RecentRoom, 'origin' | 'room'>): string {
  return `${entry.origin}|${foldName(entry.room)}`;
}

/**
 * Checks one stored value field by field (it may come from another build or
 * have been edited by hand) and copies only the known fields, so nothing
 * else, a password least of all, survives a round trip.
 *
 * @returns the entry, or null when the value is not one
 */
function parseEntry(value: unknown): RecentRoom | null {
  if (typeof value !== 'object' || value === null) return null;
  const { origin, room, at } = value as Record<string, unknown>;
  if (typeof origin !== 'string' || typeof room !== 'string' || origin === '' || room.trim() === '') return null;
  if (typeof at !== 'number' || !Number.isFinite(at)) return null;
  try {
    // Only host origins: a stored `javascript:` or path-carrying value is not one.
    const url = new URL(origin);
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin !== origin) return null;
  } catch {
    return null;
  }
  return { origin, room, protected: (value as Record<string, unknown>).protected === true, at };
}

/**
 * Parses a stored list: valid entries only, newest first, without
 * duplicates, at most {@link RECENT_ROOMS_MAX}.
 */
export function parseRecentRooms(value: unknown): RecentRoom[] {
  if (!Array.isArray(value)) return [];
  const seen = new Set<string>();
  const rooms: RecentRoom[] = [];
  for (const entry of value
    .map(parseEntry)
    .filter((parsed): parsed is RecentRoom => parsed !== null)
    .sort((a, b) => b.at - a.at)) {
    const key = keyOf(entry);
    if (seen.has(key)) continue;
    seen.add(key);
    rooms.push(entry);
  }
  return rooms.slice(0, RECENT_ROOMS_MAX);
}

/** Reads, records and forgets recent rooms. */
export class RecentRoomsStore {
  readonly #storage: KeyValueStore | null;

  /** @param storage - where the list lives (null: nowhere, the list stays empty) */
  constructor(storage: KeyValueStore | null) {
    this.#storage = storage;
  }

  /** The list, newest first. */
  load(): RecentRoom[] {
    return parseRecentRooms(readJson(this.#storage, RECENT_ROOMS_STORAGE_KEY));
  }

  /**
   * Puts a room at the top of the list (replacing its older entry, whatever
   * the case of its name) and drops the oldest beyond the limit.
   *
   * @returns the new list
   */
  record(origin: string, room: string, options: { protected?: boolean; at?: number } = {}): RecentRoom[] {
    const entry: RecentRoom = { origin, room: room.trim(), protected: options.protected === true, at: options.at ?? Date.now() };
    if (parseEntry(entry) === null) return this.load();
    const key = keyOf(entry);
    const rooms = [entry, ...this.load().filter((other) => keyOf(other) !== key)].slice(0, RECENT_ROOMS_MAX);
    writeJson(this.#storage, RECENT_ROOMS_STORAGE_KEY, rooms);
    return rooms;
  }

  /**
   * Forgets one room (matched as {@link record} matches).
   *
   * @returns the new list
   */
  remove(origin: string, room: string): RecentRoom[] {
    const key = keyOf({ origin, room });
    const rooms = this.load().filter((other) => keyOf(other) !== key);
    writeJson(this.#storage, RECENT_ROOMS_STORAGE_KEY, rooms.length > 0 ? rooms : undefined);
    return rooms;
  }
}
