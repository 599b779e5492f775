/**
 * Sequence-number bookkeeping for catch-up: inserting messages by seq without
 * duplicates, the highest contiguous seq, and the `history` request that
 * fills a gap. Pure (covered by tests/renderer/seq-merge.test.ts).
 */
import { HISTORY_PAGE_MAX } from '../../../server/protocol';

/** Anything placed by a room sequence number. */
export interface Sequenced {
  readonly seq: number | null;
}

/**
 * Index at which `seq` sits or belongs in `sorted` (ascending by seq).
 * @param sorted - items sorted by seq, no nulls
 * @param seq - the seq to look for
 */
export function seqIndex(sorted: readonly Sequenced[], seq: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((sorted[middle]?.seq ?? 0) < seq) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * Inserts `item` into `sorted` (in place) at its seq, unless an item with that
 * seq is already there.
 * @returns whether it was inserted
 */
export function insertBySeq<T extends Sequenced>(sorted: T[], item: T & { readonly seq: number }): boolean {
  const index = seqIndex(sorted, item.seq);
  if (sorted[index]?.seq === item.seq) return false;
  sorted.splice(index, 0, item);
  return true;
}

/**
 * The highest seq up to which every message is present, starting from
 * `lastSeq` (already known to be contiguous): walks `sorted` upwards from
 * `lastSeq + 1` while the seqs follow one another.
 * @param lastSeq - the contiguous seq known so far
 * @param sorted - items sorted by seq, no duplicates
 */
export function advanceContiguous(lastSeq: number, sorted: readonly Sequenced[]): number {
  let seq = lastSeq;
  for (let index = seqIndex(sorted, seq + 1); index < sorted.length && sorted[index]?.seq === seq + 1; index += 1) {
    seq += 1;
  }
  return seq;
}

/** A `history` request: messages with `seq < before`, the newest `limit` of them. */
export interface HistoryPageRequest {
  readonly before: number;
  readonly limit: number;
}

/**
 * The request for the newest part of the gap between `floor` (the last seq
 * seen before) and `top` (the oldest seq known after it), or `null` when there
 * is no gap. The limit never asks for more than the gap holds, so a filled gap
 * does not drag older messages in with it.
 * @param floor - highest contiguous seq seen (the join's `since`)
 * @param top - lowest seq present above the floor (e.g. `welcome.history[0].seq`)
 */
export function gapRequest(floor: number, top: number): HistoryPageRequest | null {
  const missing = top - floor - 1;
  if (missing <= 0) return null;
  return { before: top, limit: Math.min(HISTORY_PAGE_MAX, missing) };
}
