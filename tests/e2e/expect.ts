/**
 * Polls a value until it deep-equals the expected one, then returns; fails
 * with the last value seen after `timeoutMs`. UI state arrives over real
 * sockets, so tests wait for it instead of sleeping.
 */
import assert from 'node:assert/strict';

const POLL_INTERVAL_MS = 50;
const DEFAULT_TIMEOUT_MS = 15_000;

export async function expect<T>(read: () => Promise<T>, expected: T, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await read();
    try {
      assert.deepEqual(last, expected);
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}
