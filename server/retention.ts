/**
 * History retention: deletes a room's oldest messages by age, count or
 * bytes, in the background and in bounded steps (at most
 * {@link RETENTION_STEP_ROWS} rows read or deleted per step, yielding to the
 * event loop between steps: SQLite runs on it).
 *
 * What it never does:
 * - leave a gap: it deletes a prefix of a room's history, so sequence
 *   numbers stay gap-free for clients; history simply starts later
 *   (`hasMore`/`hasEarlier` are false before its first message), and the
 *   store records how far it pruned, so numbering carries on even when every
 *   message is gone;
 * - delete a message younger than the grace time: a client whose ack was
 *   lost resends its message with the same client id when it reconnects,
 *   and the host can recognise the resend only while the message is stored
 *   (a deleted one would be stored again under a new seq). Clients reconnect
 *   within seconds; the default grace, a day, covers a laptop closed
 *   overnight. Past the grace a limit applies to the oldest messages first.
 *
 * The default policy keeps everything.
 *
 * @public
 */
import { RETENTION_STEP_ROWS } from './constants';
import type { HistoryStore } from './history-store';
import type { Logger } from './logger';

/** How much history a room keeps; every limit given applies (the strictest wins). @public */
export interface RetentionPolicy {
  /** Delete messages older than this, in ms. @default keep */
  maxAgeMs?: number;
  /** Keep at most this many messages. @default keep */
  maxMessages?: number;
  /** Keep at most this many bytes of messages (text and sender fields, as stored). @default keep */
  maxBytes?: number;
}

/** What a retention pass did. @public */
export interface RetentionReport {
  /** Rooms whose history it shortened. */
  rooms: number;
  /** Messages it deleted. */
  deleted: number;
}

/** What {@link runRetention} needs. */
export interface RetentionContext {
  store: HistoryStore;
  /** The policy of a room (by key); undefined or empty keeps everything. */
  policyFor: (roomKey: string) => RetentionPolicy | undefined;
  /** Never delete messages younger than this, in ms. */
  graceMs: number;
  now: () => number;
  /** Told after a room's history was deleted through `throughSeq`, so the room in memory forgets it too. */
  onPruned: (roomKey: string, throughSeq: number) => void;
  logger: Logger;
  /** Whether to stop (the host is closing). */
  stopped?: () => boolean;
}

/** Whether a policy limits anything. @public */
export function limitsHistory(policy: RetentionPolicy | undefined): boolean {
  return policy !== undefined && (policy.maxAgeMs !== undefined || policy.maxMessages !== undefined || policy.maxBytes !== undefined);
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** The seq through which `maxBytes` forces deletion (newest-first sum), or 0. */
async function bytesCut(context: RetentionContext, key: string, lastSeq: number, maxBytes: number): Promise<number> {
  let total = 0;
  let before = lastSeq + 1;
  for (;;) {
    const sizes = context.store.messageSizesBefore(key, before, RETENTION_STEP_ROWS);
    for (const size of sizes) {
      total += size.bytes;
      if (total > maxBytes) return size.seq;
    }
    if (sizes.length < RETENTION_STEP_ROWS) return 0;
    before = (sizes.at(-1) as { seq: number }).seq;
    await nextTurn();
    if (context.stopped?.()) return 0;
  }
}

/** Applies the policy to one room; returns how many messages it deleted. */
async function pruneRoom(context: RetentionContext, key: string, policy: RetentionPolicy): Promise<number> {
  const info = context.store.roomInfo(key);
  if (!info) return 0;
  const now = context.now();
  let target = info.prunedThrough;
  if (policy.maxMessages !== undefined) target = Math.max(target, info.lastSeq - policy.maxMessages);
  if (policy.maxBytes !== undefined) target = Math.max(target, await bytesCut(context, key, info.lastSeq, policy.maxBytes));
  const graceBefore = now - context.graceMs;
  const ageBefore = policy.maxAgeMs === undefined ? undefined : now - policy.maxAgeMs;
  let after = info.prunedThrough;
  let deleted = 0;
  // Oldest first: each message is deleted if a limit says so and it is past
  // the grace time; the first one that is not ends the pass (a prefix).
  for (;;) {
    if (context.stopped?.()) return deleted;
    const sizes = context.store.messageSizes(key, after, RETENTION_STEP_ROWS);
    let through = after;
    let done = sizes.length < RETENTION_STEP_ROWS;
    for (const size of sizes) {
      const limited = size.seq <= target || (ageBefore !== undefined && size.ts < ageBefore);
      if (!limited || size.ts >= graceBefore) {
        done = true;
        break;
      }
      through = size.seq;
    }
    if (through > after) {
      deleted += context.store.prune(key, after + 1, through);
      context.onPruned(key, through);
      after = through;
    }
    if (done) return deleted;
    await nextTurn();
  }
}

/**
 * One retention pass over every stored room with a policy.
 * @public
 */
export async function runRetention(context: RetentionContext): Promise<RetentionReport> {
  const report: RetentionReport = { rooms: 0, deleted: 0 };
  for (const key of context.store.roomKeys()) {
    if (context.stopped?.()) break;
    const policy = context.policyFor(key);
    if (!limitsHistory(policy)) continue;
    try {
      const deleted = await pruneRoom(context, key, policy as RetentionPolicy);
      if (deleted > 0) {
        report.rooms += 1;
        report.deleted += deleted;
      }
    } catch (error) {
      // One room's failure (a full disk, the store closing) must not stop the others; the next pass tries again.
      context.logger.error('history retention failed for a room', { room: key, error: error instanceof Error ? error.message : String(error) });
    }
    await nextTurn();
  }
  if (report.deleted > 0) context.logger.info('history retention deleted old messages', { ...report });
  return report;
}
