/**
 * Strings stored byte-exact in SQLite through node-sqlite3-wasm.
 *
 * The library binds a JavaScript string as a C string (`sqlite3_bind_text`
 * with length -1) and reads text columns with `sqlite3_column_text` into a
 * C string again, so both ways stop at the first NUL: "before\0after" was
 * stored as "before", and the ids "same\0a" and "same\0b" became one. A
 * blob is bound with its length and read with `sqlite3_column_bytes`, so
 * every string column of the history holds its UTF-8 bytes as a BLOB
 * (schema 2, history-store.ts). Blobs compare with memcmp, which is what
 * the keys and the client-id index need.
 *
 * Use these two for every string column written or read, in migrations
 * too. (A string with a lone UTF-16 surrogate has no UTF-8 form; it is
 * stored with U+FFFD in its place, as any UTF-8 encoder does.)
 *
 * @public
 */

const encoder = new TextEncoder();
// ignoreBOM: a leading U+FEFF is part of the text, not a byte-order mark to drop.
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/** The value to bind for a string column. @public */
export function toSqlText(value: string): Uint8Array {
  return encoder.encode(value);
}

/** A string column's value as read: a blob (schema 2), or text from a file not yet migrated. @public */
export function fromSqlText(value: unknown): string {
  if (value instanceof Uint8Array) return decoder.decode(value);
  return value === null || value === undefined ? '' : String(value);
}
