/**
 * When to restart the host's server process after it crashed, and when to
 * stop trying. Pure (no Electron, no timers; the caller passes the time), so
 * tests/electron/restart-policy.test.ts checks it in plain Node;
 * server-host.ts runs the timers.
 *
 * @public
 */

/** First restart delay after a crash; doubles with each further crash in the window. */
export const HOST_RESTART_BASE_DELAY_MS = 500;
/** Longest restart delay. */
export const HOST_RESTART_MAX_DELAY_MS = 8_000;
/** The host gives up when this many crashes fall within {@link HOST_RESTART_WINDOW_MS}. */
export const HOST_RESTART_MAX_CRASHES = 5;
/**
 * Crashes older than this are forgotten: a host that crashes once an hour is
 * restarted every time, one that crashes in a loop is not.
 */
export const HOST_RESTART_WINDOW_MS = 120_000;

/** Options of {@link RestartPolicy}; each defaults to the constant of the same name. */
export interface RestartPolicyOptions {
  /** @default HOST_RESTART_BASE_DELAY_MS */
  baseDelayMs?: number;
  /** @default HOST_RESTART_MAX_DELAY_MS */
  maxDelayMs?: number;
  /** @default HOST_RESTART_MAX_CRASHES */
  maxCrashes?: number;
  /** @default HOST_RESTART_WINDOW_MS */
  windowMs?: number;
}

/** What to do about one crash. */
export type RestartDecision =
  /** Start the server again after `delayMs`; `crashes` counts this one among those in the window. */
  | { action: 'restart'; delayMs: number; crashes: number }
  /** Too many crashes in the window: leave the host stopped and say so. */
  | { action: 'giveUp'; crashes: number };

/** Counts crashes in a sliding window and decides each restart. @public */
export class RestartPolicy {
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly maxCrashes: number;
  readonly windowMs: number;
  #crashes: number[] = [];

  /** @throws TypeError when a limit is not a positive whole number, or the base delay exceeds the maximum */
  constructor(options: RestartPolicyOptions = {}) {
    this.baseDelayMs = options.baseDelayMs ?? HOST_RESTART_BASE_DELAY_MS;
    this.maxDelayMs = options.maxDelayMs ?? HOST_RESTART_MAX_DELAY_MS;
    this.maxCrashes = options.maxCrashes ?? HOST_RESTART_MAX_CRASHES;
    this.windowMs = options.windowMs ?? HOST_RESTART_WINDOW_MS;
    for (const [name, value] of Object.entries({
      baseDelayMs: this.baseDelayMs,
      maxDelayMs: this.maxDelayMs,
      maxCrashes: this.maxCrashes,
      windowMs: this.windowMs,
    })) {
      if (!Number.isInteger(value) || value < 1) throw new TypeError(`RestartPolicy: ${name} must be a positive whole number`);
    }
    if (this.baseDelayMs > this.maxDelayMs) throw new TypeError('RestartPolicy: baseDelayMs must not exceed maxDelayMs');
  }

  /**
   * Records a crash (or a failed restart) and decides what follows.
   * @param now - the time of the crash, in milliseconds (Date.now())
   */
  onCrash(now: number): RestartDecision {
    this.#crashes = [...this.#crashes.filter((at) => now - at < this.windowMs), now];
    const crashes = this.#crashes.length;
    if (crashes >= this.maxCrashes) return { action: 'giveUp', crashes };
    const delayMs = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (crashes - 1));
    return { action: 'restart', delayMs, crashes };
  }

  /** Forgets every crash (the user started or stopped the host on purpose). */
  reset(): void {
    this.#crashes = [];
  }
}
