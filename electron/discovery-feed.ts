/**
 * The end-to-end tests' stand-in for mDNS: answers read from a JSON file
 * instead of the network (electron/discovery.ts uses it when
 * `LANCHAT_DISCOVERY=off` and `LANCHAT_TEST_DISCOVERY_FEED=<file>`). Only
 * where answers come from differs: the `/rooms` polling of the origins
 * and the pushes to the window are the real code path.
 *
 * The file holds an array of `{ instanceId, hostName, protocol, protected,
 * origins: string[] }`; it is read again whenever it changes (polled every
 * {@link FEED_POLL_INTERVAL_MS}), so a test adds and removes hosts by
 * rewriting it. A missing file is an empty list; entries that do not fit
 * the shape are left out.
 *
 * Pure Node (no Electron), so it is unit-testable.
 *
 * @public
 */
import { readFileSync, unwatchFile, watchFile } from 'node:fs';

import type { DiscoveryAnswer, DiscoveryAnswerSource } from '../server/discovery';

/** How often the feed file is checked for changes. */
export const FEED_POLL_INTERVAL_MS = 200;

/** The answers in a feed file's text; invalid entries are dropped. */
export function parseFeed(text: string): DiscoveryAnswer[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // Caught mid-write (or not JSON at all): no hosts until it is whole.
    return [];
  }
  if (!Array.isArray(value)) return [];
  return value.flatMap((entry: unknown): DiscoveryAnswer[] => {
    if (typeof entry !== 'object' || entry === null) return [];
    const { instanceId, hostName, protocol, protected: locked, origins } = entry as Record<string, unknown>;
    const valid =
      typeof instanceId === 'string' &&
      instanceId !== '' &&
      typeof hostName === 'string' &&
      typeof protocol === 'number' &&
      Number.isInteger(protocol) &&
      typeof locked === 'boolean' &&
      Array.isArray(origins) &&
      origins.every((origin) => typeof origin === 'string' && /^https?:\/\//.test(origin));
    return valid ? [{ instanceId, hostName, protocol, protected: locked, origins: origins as string[] }] : [];
  });
}

/** An answer source that reads `path` now and on every change. */
export function createFeedAnswerSource(path: string): DiscoveryAnswerSource {
  let listener: (() => void) | undefined;
  return {
    start(onAnswers) {
      const read = (): void => {
        let text = '[]';
        try {
          text = readFileSync(path, 'utf8');
        } catch {
          // No file yet: no hosts.
        }
        onAnswers(parseFeed(text));
      };
      listener = read;
      watchFile(path, { interval: FEED_POLL_INTERVAL_MS, persistent: false }, listener);
      read();
    },
    async stop() {
      if (listener !== undefined) unwatchFile(path, listener);
      listener = undefined;
    },
  };
}
