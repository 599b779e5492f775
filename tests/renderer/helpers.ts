/**
 * Shared helpers of the renderer unit tests.
 */
import type { KeyValueStore } from '../../renderer/src/lib/local-store';

/** An in-memory Storage stand-in that can be told to refuse writes (a full quota). */
export class MemoryStorage implements KeyValueStore {
  readonly items = new Map<string, string>();
  /** When true, setItem throws as a full localStorage does. */
  full = false;

  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }

  setItem(key: string, value: string): void {
    if (this.full) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    this.items.set(key, String(value));
  }

  removeItem(key: string): void {
    this.items.delete(key);
  }
}
