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
    if (!this.has(now)) return false;
    this.#tokens -= 1;
    return true;
  }

  /** Whether a token is there to take (without taking it). */
  has(now: number): boolean {
    this.#tokens = Math.min(this.#capacity, this.#tokens + (now - this.#updatedAt) * this.#refillPerMs);
    this.#updatedAt = now;
    return this.#tokens >= 1;
  }
}

/**
 * One {@link TokenBucket} per key (a client address), created on first use.
 * Buckets that have refilled completely hold no information and are dropped
 * by {@link KeyedTokenBuckets.prune}, so the map stays as small as the set of
 * keys that used it lately.
 *
 * @public
 */
export class KeyedTokenBuckets {
  readonly #capacity: number;
  readonly #intervalMs: number;
  readonly #buckets = new Map<string, { bucket: TokenBucket; lastTakeAt: number }>();

  constructor(capacity: number, intervalMs: number) {
    this.#capacity = capacity;
    this.#intervalMs = intervalMs;
  }

  /** Takes one token from `key`'s bucket if it has one; returns whether it did. */
  take(key: string, now: number): boolean {
    let entry = this.#buckets.get(key);
    if (!entry) {
      entry = { bucket: new TokenBucket(this.#capacity, this.#intervalMs, now), lastTakeAt: now };
      this.#buckets.set(key, entry);
    }
    entry.lastTakeAt = now;
    return entry.bucket.take(now);
  }

  /** Whether `key`'s bucket has a token (a key without a bucket has a full one). */
  has(key: string, now: number): boolean {
    return this.#buckets.get(key)?.bucket.has(now) ?? true;
  }

  /** Drops the buckets untouched for a whole interval (full again, so equal to a new one). */
  prune(now: number): void {
    for (const [key, entry] of this.#buckets) {
      if (now - entry.lastTakeAt >= this.#intervalMs) this.#buckets.delete(key);
    }
  }

  /** Keys with a bucket. */
  get size(): number {
    return this.#buckets.size;
  }
}
