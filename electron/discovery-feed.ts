/**
 * The end-to-end tests' stand-in for mDNS: answers read from a JSON file
 * instead of the network (electron/discovery.ts uses it when
 * `LANCHAT_DISCOVERY=off` and `LANCHAT_TEST_DISCOVERY_FEED=<file>`). Only
 * where answers come from differs: the `/rooms` polling of the origins
 * and the pushes to the window are the real code path.
 *
 * The file holds an array of `{ instanceId, hostName, protocol, protected,
 * origins: string[], fingerprint?: string }`; it is read again whenever it changes (polled every
 * {@link FEED_POLL_INTERVAL_MS}), so a test adds and removes hosts by
 * rewriting it. A missing file is an empty list; entries that do not fit
 * the shape are left out; a file that is not a JSON array (caught
 * mid-write) changes nothing.
 *
 * Pure Node (no Electron), so it is unit-testable.
 *
 * @public
 */
import { readFileSync } from 'node:fs';

import type { DiscoveryAnswer, DiscoveryAnswerSource } from '../server/discovery';
import { parseFingerprint } from '../server/protocol/fingerprint';

/** How often the feed file is checked for changes. */
export const FEED_POLL_INTERVAL_MS = 200;

/**
 * The answers in a feed file's text; invalid entries are dropped.
 *
 * @returns null when the text is not a JSON array (a file caught mid-write)
 */
export function parseFeed(text: string): DiscoveryAnswer[] | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (!Array.isArray(value)) return null;
  return value.flatMap((entry: unknown): DiscoveryAnswer[] => {
    if (typeof entry !== 'object' || entry === null) return [];
    const { instanceId, hostName, protocol, protected: locked, origins, fingerprint } = entry as Record<string, unknown>;
    const pinned = typeof fingerprint === 'string' ? parseFingerprint(fingerprint) : undefined;
    const valid =
      typeof instanceId === 'string' &&
      instanceId !== '' &&
      typeof hostName === 'string' &&
      typeof protocol === 'number' &&
      Number.isInteger(protocol) &&
      typeof locked === 'boolean' &&
      Array.isArray(origins) &&
      origins.every((origin) => typeof origin === 'string' && /^https?:\/\//.test(origin)) &&
      (fingerprint === undefined || pinned !== undefined);
    if (!valid) return [];
    const answer: DiscoveryAnswer = { instanceId, hostName, protocol, protected: locked, origins: origins as string[] };
    if (pinned !== undefined) answer.fingerprint = pinned;
    return [answer];
  });
}

/** An answer source that reads `path` now and on every change. */
export function createFeedAnswerSource(path: string): DiscoveryAnswerSource {
  let timer: ReturnType<typeof setInterval> | undefined;
  return {
    start(onAnswers) {
      let last: string | undefined;
      const read = (): void => {
        let text = '[]';
        try {
          text = readFileSync(path, 'utf8');
        } catch {
          // No file yet: no hosts.
        }
        if (text === last) return;
        const answers = parseFeed(text);
        // Half written: keep the hosts as they were until the file is whole.
        if (answers === null) return;
        last = text;
        onAnswers(answers);
      };
      // Reading the small file on a timer, not fs.watchFile: watchFile
      // misses a file created between its start and its first stat (that
      // stat becomes the baseline), which is exactly when tests write it.
      timer = setInterval(read, FEED_POLL_INTERVAL_MS);
      timer.unref();
      read();
    },
    async stop() {
      clearInterval(timer);
      timer = undefined;
    },
  };
}
