/**
 * Slows down password guessing on protected rooms. Without it one address
 * could try 7,000–21,000 passwords a second (issue 13, finding 2): a
 * 4-digit PIN fell in about a second.
 *
 * The rules, and why:
 *
 * - **Per address.** After `freeFailures` wrong passwords from an address
 *   (in any rooms), its next password check waits `baseDelayMs`, doubling
 *   with each further wrong one up to `maxDelayMs`. While it waits, its
 *   joins to protected rooms are refused with `CHAT_ERR_TOO_MANY_ATTEMPTS`
 *   and `retryAfterMs`, before the password is looked at; those refusals
 *   do not extend the wait, so a person retrying by hand is not punished
 *   for it. A right password does not wipe the count: otherwise knowing
 *   one room's password would buy unlimited guesses at another's.
 *   At the 60 s cap an address gets 60 guesses an hour instead of millions.
 * - **Per room, without locking anyone out.** A room that sees more than
 *   {@link JOIN_ROOM_ALERT_FAILURES} wrong passwords in a minute, from any
 *   addresses, is under attack (an attacker with many addresses: IPv6
 *   privacy addresses, a botnet on the LAN). A per-room lockout would let
 *   the attacker lock every member out, so instead the room only stops
 *   giving free guesses: an address that has given a wrong password at all
 *   is slowed down from its next one. An address that has never guessed
 *   wrong (everyone who knows the password) gets in at once, whatever
 *   anyone else does.
 * - Memory is bounded: addresses are forgotten {@link JOIN_FAILURE_MEMORY_MS}
 *   after their last wrong password, and at most
 *   {@link JOIN_THROTTLE_MAX_ENTRIES} are kept (the oldest go first).
 *
 * The clock and the address are parameters, so tests drive it directly.
 *
 * @public
 */
import {
  JOIN_FAILURE_MEMORY_MS,
  JOIN_FREE_FAILURES_UNDER_ATTACK,
  JOIN_ROOM_ALERT_FAILURES,
  JOIN_ROOM_ALERT_WINDOW_MS,
  JOIN_THROTTLE_MAX_ENTRIES,
} from './constants';
import type { Logger } from './logger';

/** Settings of a {@link JoinThrottle}. @public */
export interface JoinThrottleSettings {
  /** Wrong passwords an address may give before it is slowed down. */
  freeFailures: number;
  /** First delay, in ms; doubles with each further wrong password. */
  baseDelayMs: number;
  /** Longest delay, in ms. */
  maxDelayMs: number;
  /** Where lockouts are logged. */
  logger?: Logger;
}

interface AddressRecord {
  failures: number;
  lastFailureAt: number;
  /** Joins refused since the last logged lockout (logged with the next one). */
  refused: number;
}

interface RoomRecord {
  windowStart: number;
  failures: number;
}

/** Whether a join may go on to its password check. @public */
export type ThrottleDecision = { ok: true } | { ok: false; retryAfterMs: number };

/** Largest shift of the doubling (2^30 × a delay is past any cap). */
const MAX_DOUBLINGS = 30;

/**
 * Counts wrong room passwords per address and per room, and says when an
 * address must wait before its next password check (the rules are above).
 *
 * @public
 */
export class JoinThrottle {
  readonly #settings: JoinThrottleSettings;
  /** By address key; Map order is the order of last failure (oldest first). */
  readonly #addresses = new Map<string, AddressRecord>();
  readonly #rooms = new Map<string, RoomRecord>();

  constructor(settings: JoinThrottleSettings) {
    this.#settings = settings;
  }

  /**
   * Call before checking a join's password.
   * @param address - the client's address key (see address-limits.ts)
   * @param room - the room's key
   * @param now - the current time in ms
   */
  check(address: string, room: string, now: number): ThrottleDecision {
    const record = this.#address(address, now);
    if (!record) return { ok: true };
    const free = this.#underAttack(room, now) ? Math.min(JOIN_FREE_FAILURES_UNDER_ATTACK, this.#settings.freeFailures) : this.#settings.freeFailures;
    const waitUntil = record.lastFailureAt + this.#delay(record.failures - free);
    if (now >= waitUntil) return { ok: true };
    record.refused += 1;
    // The first refusal of each wait is logged; the rest are counted into
    // the next "slowed down" line, so a flood of guesses is not a flood of log lines.
    if (record.refused === 1) {
      this.#settings.logger?.warn('join refused: too many wrong passwords from this address', { address, room, retryAfterMs: waitUntil - now });
    }
    return { ok: false, retryAfterMs: waitUntil - now };
  }

  /**
   * Call when a join gave a wrong password.
   * @returns how long this address must now wait before its next check (0: not at all)
   */
  recordFailure(address: string, room: string, now: number): number {
    const record = this.#address(address, now) ?? { failures: 0, lastFailureAt: now, refused: 0 };
    record.failures += 1;
    record.lastFailureAt = now;
    // Re-insert so the Map stays ordered by last failure.
    this.#addresses.delete(address);
    this.#addresses.set(address, record);
    this.#evictOldest(this.#addresses);

    let roomRecord = this.#rooms.get(room);
    if (!roomRecord || now - roomRecord.windowStart > JOIN_ROOM_ALERT_WINDOW_MS) {
      roomRecord = { windowStart: now, failures: 0 };
    }
    roomRecord.failures += 1;
    this.#rooms.delete(room);
    this.#rooms.set(room, roomRecord);
    this.#evictOldest(this.#rooms);

    const free = this.#underAttack(room, now) ? Math.min(JOIN_FREE_FAILURES_UNDER_ATTACK, this.#settings.freeFailures) : this.#settings.freeFailures;
    const delay = this.#delay(record.failures - free);
    if (delay > 0) {
      this.#settings.logger?.warn('wrong room password: address slowed down', {
        address,
        room,
        failures: record.failures,
        retryAfterMs: delay,
        refusedMeanwhile: record.refused,
      });
      record.refused = 0;
    }
    return delay;
  }

  /** Addresses currently remembered (for tests and diagnostics). */
  get size(): number {
    return this.#addresses.size;
  }

  /** The delay after `excess` wrong passwords past the free ones. */
  #delay(excess: number): number {
    if (excess <= 0) return 0;
    const doublings = Math.min(excess - 1, MAX_DOUBLINGS);
    return Math.min(this.#settings.baseDelayMs * 2 ** doublings, this.#settings.maxDelayMs);
  }

  #underAttack(room: string, now: number): boolean {
    const record = this.#rooms.get(room);
    return record !== undefined && now - record.windowStart <= JOIN_ROOM_ALERT_WINDOW_MS && record.failures > JOIN_ROOM_ALERT_FAILURES;
  }

  /** The address's record, or undefined once it has been forgotten. */
  #address(address: string, now: number): AddressRecord | undefined {
    const record = this.#addresses.get(address);
    if (record && now - record.lastFailureAt > JOIN_FAILURE_MEMORY_MS) {
      this.#addresses.delete(address);
      return undefined;
    }
    return record;
  }

  #evictOldest(map: Map<string, unknown>): void {
    while (map.size > JOIN_THROTTLE_MAX_ENTRIES) {
      const oldest = map.keys().next().value;
      if (oldest === undefined) return;
      map.delete(oldest);
    }
  }
}
