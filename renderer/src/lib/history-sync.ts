/**
 * Which `history` request to send next, and when: filling the gap a rejoin
 * left (catch-up) and paging back through older messages (scrolling up).
 * At most one request is in flight; the gap goes before older pages, since
 * "what did I miss" matters more than "what was said last week".
 *
 * Pure and timer-free (covered by tests/renderer/history-sync.test.ts):
 * chat-room.svelte.ts sends what {@link HistorySync.next} returns and reports
 * answers, refusals and lost connections back.
 */
import { HISTORY_PAGE_MAX } from '../../../server/protocol';

import { gapRequest, type HistoryPageRequest } from './seq-merge';

/** Why a request is made. */
export type HistoryPurpose =
  /** Messages between the join's `since` and the welcome's oldest message. */
  | 'gap'
  /** Messages before the oldest one shown (scrolling back). */
  | 'earlier';

/** A request with its purpose. */
export interface PlannedRequest extends HistoryPageRequest {
  readonly purpose: HistoryPurpose;
}

/** What a `welcome` tells about history. */
export interface WelcomeFacts {
  /** The join's `since`, or `undefined` for a join without one. */
  since: number | undefined;
  /** `welcome.history[0]?.seq`. */
  firstSeq: number | undefined;
  /** `welcome.lastSeq`. */
  lastSeq: number;
  /** `welcome.hasEarlier`. */
  hasEarlier: boolean;
  /** The oldest seq held before this welcome; `Infinity` when none. */
  boundaryBefore: number;
}

/** What a `historyPage` tells. */
export interface PageFacts {
  /** The page's `before` (matches the request it answers). */
  before: number;
  /** `messages[0]?.seq`. */
  firstSeq: number | undefined;
  hasMore: boolean;
}

/** The request plan for one room session. */
export class HistorySync {
  #inFlight: PlannedRequest | null = null;
  /** Messages `floor < seq < top` are still to fetch. */
  #gap: { floor: number; top: number } | null = null;
  #wantEarlier = false;
  /** The host said nothing older than the oldest held message exists. */
  #startReached = false;
  /** A refused request waits for {@link resume} (e.g. after RATE_LIMITED). */
  #paused = false;

  /** The request awaiting its answer, if any. */
  get inFlight(): PlannedRequest | null {
    return this.#inFlight;
  }

  /** Older messages were asked for and have not arrived yet. */
  get loadingEarlier(): boolean {
    return this.#wantEarlier || this.#inFlight?.purpose === 'earlier';
  }

  /** A gap is still being filled. */
  get catchingUp(): boolean {
    return this.#gap !== null;
  }

  /**
   * Whether older messages exist: seqs start at 1 without gaps, so they do
   * while the oldest held seq is above 1, unless the host said otherwise.
   * @param boundary - the oldest held seq, or `lastSeq + 1` when none is held
   */
  hasEarlier(boundary: number): boolean {
    return !this.#startReached && boundary > 1;
  }

  /** Forgets everything: a new session, or a host whose history started again. */
  reset(): void {
    this.#inFlight = null;
    this.#gap = null;
    this.#wantEarlier = false;
    this.#startReached = false;
    this.#paused = false;
  }

  /**
   * The connection is gone: the request in flight will not be answered. The
   * next welcome works out the gap again; a wish for older pages is kept.
   */
  disconnected(): void {
    if (this.#inFlight?.purpose === 'earlier') this.#wantEarlier = true;
    this.#inFlight = null;
    this.#gap = null;
    this.#paused = false;
  }

  /**
   * Takes in a welcome: a rejoin whose `since` is below the welcome's oldest
   * message (or below `lastSeq` when the welcome carried none) left a gap.
   * @param facts - what the welcome said
   */
  welcomed(facts: WelcomeFacts): void {
    const top = facts.firstSeq ?? facts.lastSeq + 1;
    if (facts.since !== undefined && gapRequest(facts.since, top) !== null) {
      this.#gap = { floor: facts.since, top };
    }
    if (!facts.hasEarlier && top <= facts.boundaryBefore) this.#startReached = true;
  }

  /** The reader wants older messages (scrolled to the top). */
  askEarlier(): void {
    this.#wantEarlier = true;
  }

  /**
   * The request to send now, or `null` (one in flight, paused, or nothing to ask).
   * @param boundary - the oldest held seq, or `lastSeq + 1` when none is held
   */
  next(boundary: number): PlannedRequest | null {
    if (this.#inFlight !== null || this.#paused) return null;
    let plan: PlannedRequest | null = null;
    const gap = this.#gap === null ? null : gapRequest(this.#gap.floor, this.#gap.top);
    if (gap !== null) {
      plan = { ...gap, purpose: 'gap' };
    } else {
      this.#gap = null;
      if (this.#wantEarlier && this.hasEarlier(boundary)) {
        plan = { before: boundary, limit: HISTORY_PAGE_MAX, purpose: 'earlier' };
      }
      this.#wantEarlier = false;
    }
    this.#inFlight = plan;
    return plan;
  }

  /**
   * Takes in a page. The caller inserts its messages whatever this returns.
   * @param page - what the page said
   * @param boundaryBefore - the oldest held seq before inserting it; `Infinity` when none
   * @returns whether it answered the request in flight
   */
  received(page: PageFacts, boundaryBefore: number): boolean {
    const plan = this.#inFlight;
    if (plan === null || plan.before !== page.before) return false;
    this.#inFlight = null;
    const gap = this.#gap;
    if (plan.purpose === 'gap' && gap !== null) {
      const first = page.firstSeq;
      // An empty page, or one without older messages, means the host has
      // nothing more for this gap (it may have trimmed its history).
      const top = first === undefined || !page.hasMore ? null : Math.min(gap.top, first);
      this.#gap = top === null || gapRequest(gap.floor, top) === null ? null : { floor: gap.floor, top };
    }
    if (!page.hasMore && (page.firstSeq ?? page.before) <= boundaryBefore) this.#startReached = true;
    return true;
  }

  /**
   * The host refused the request in flight.
   * @param retry - keep it for after {@link resume} (true, e.g. RATE_LIMITED) or drop it
   * @returns the refused request, if one was in flight
   */
  failed(retry: boolean): PlannedRequest | null {
    const plan = this.#inFlight;
    if (plan === null) return null;
    this.#inFlight = null;
    if (retry) {
      this.#paused = true;
      if (plan.purpose === 'earlier') this.#wantEarlier = true;
    } else if (plan.purpose === 'gap') {
      this.#gap = null;
    }
    return plan;
  }

  /** Ends the pause after a refusal; call {@link next} then. */
  resume(): void {
    this.#paused = false;
  }
}
