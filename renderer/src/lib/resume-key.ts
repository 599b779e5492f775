/**
 * Resume keys: the random secret a client sends with every `join` of one
 * room session. When the client reconnects before the host noticed that its
 * old connection died, the host sees the same name with the same key and
 * hands the name over (closing the old connection with 4003) instead of
 * refusing it with `CHAT_ERR_NAME_TAKEN`.
 */

/**
 * Random bytes in a key: 128 bits, written as 32 hex digits, which must stay
 * within the protocol's RESUME_KEY_MIN_LENGTH..RESUME_KEY_MAX_LENGTH
 * (tests/renderer/resume-key.test.ts checks it).
 */
export const RESUME_KEY_BYTES = 16;

/**
 * A new resume key: 32 lowercase hex digits.
 *
 * Built with `crypto.getRandomValues`, which, unlike `crypto.randomUUID`,
 * also works in non-secure contexts (a phone opening `http://192.168.x.y:8080`).
 */
export function createResumeKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(RESUME_KEY_BYTES));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}
