/**
 * Access to the page's persistent key-value storage (localStorage), shared by
 * the outbox, the catch-up position and the session store. Those modules take
 * a {@link KeyValueStore} rather than reaching for `localStorage` themselves,
 * so tests hand them an in-memory one.
 */

/** The part of the DOM `Storage` interface LanChat uses. */
export type KeyValueStore = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

/**
 * The page's localStorage, or `null` when there is none or it refuses access
 * (privacy settings, some `file://` setups, Node in tests).
 */
export function browserStorage(): KeyValueStore | null {
  try {
    const storage = globalThis.localStorage as Storage | undefined;
    return storage ?? null;
  } catch {
    // Reading the property itself throws a SecurityError when storage is
    // disabled; LanChat then keeps everything in memory only.
    return null;
  }
}

/**
 * Case-folds a room or member name the way the host compares them
 * (server/rooms.ts `roomKey`/`nameKey`): "Lobby" and "lobby" are one room,
 * "Ann" and "ann" one name. Update both together.
 * @param name - a room or display name
 */
export function foldName(name: string): string {
  return name.trim().toLocaleLowerCase('en-US');
}

/**
 * The part of a storage key that identifies one conversation: host origin,
 * room and display name, as in `http://192.168.1.5:8080|lobby|ann`. Room and
 * name are case-folded as the host folds them. Room names cannot contain `|`
 * (ROOM_NAME_PATTERN) and the name comes last, so the key is unambiguous.
 * @param origin - host origin (see normalizeAddress)
 * @param room - room name
 * @param name - display name
 */
export function conversationKey(origin: string, room: string, name: string): string {
  return `${origin}|${foldName(room)}|${foldName(name)}`;
}

/**
 * Reads and parses one JSON value.
 * @returns the parsed value, or `undefined` when absent, unreadable or not JSON
 */
export function readJson(storage: KeyValueStore | null, key: string): unknown {
  if (storage === null) return undefined;
  try {
    const raw = storage.getItem(key);
    return raw === null ? undefined : (JSON.parse(raw) as unknown);
  } catch {
    // Corrupt or inaccessible data counts as none: the caller starts afresh.
    return undefined;
  }
}

/**
 * Stores one value as JSON (or removes the key for `undefined`).
 * @returns false when the storage refused (quota, privacy mode)
 */
export function writeJson(storage: KeyValueStore | null, key: string, value: unknown): boolean {
  if (storage === null) return false;
  try {
    if (value === undefined) storage.removeItem(key);
    else storage.setItem(key, JSON.stringify(value));
    return true;
  } catch {
    // Reported by the return value; callers fall back to memory.
    return false;
  }
}
