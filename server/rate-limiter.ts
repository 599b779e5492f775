/**
 * A token bucket: `capacity` messages at once, refilled evenly over
 * `intervalMs`. One per connection; it holds two numbers.
 *
 * @public
 */
export class TokenBucket {
  readonly #capacity: number;
  readonly #refillPerMs: number;
  #tokens: number;
  #updatedAt: number;

  constructor(capacity: number, intervalMs: number, now: number) {
    this.#capacity = capacity;
    this.#refillPerMs = capacity / intervalMs;
    this.#tokens = capacity;
    this.#updatedAt = now;
  }

  /** Takes one token if there is one; returns whether it did. */
  take(now: number): boolean {
    this.#tokens = Math.min(this.#capacity, this.#tokens + (now - this.#updatedAt) * this.#refillPerMs);
    this.#updatedAt = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}
