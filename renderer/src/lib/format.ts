/**
 * Small display helpers.
 */

/** Number of avatar colour classes in app.css (`hue-0` … `hue-7`). Update both together. */
export const AVATAR_HUES = 8;

/**
 * Local time as HH:MM (24-hour), the same on every platform and locale.
 * @param ts - milliseconds since the epoch
 */
export function formatTime(ts: number): string {
  const date = new Date(ts);
  return `${String(date.getHours()).padStart(2, '0')}:${String(date.getMinutes()).padStart(2, '0')}`;
}

/**
 * A stable colour class for a name, so each person keeps one colour.
 * @param name - a display name
 */
export function hueClass(name: string): string {
  let hash = 0;
  for (const char of name) hash = (hash * 31 + (char.codePointAt(0) ?? 0)) >>> 0;
  return `hue-${hash % AVATAR_HUES}`;
}

/**
 * The first letter of a name, for an avatar.
 * @param name - a display name
 */
export function initial(name: string): string {
  return (Array.from(name.trim())[0] ?? '?').toUpperCase();
}
