/**
 * LAN discovery in the main process: browses `_lanchat._tcp`
 * (server/discovery.ts), marks this app's own host, pushes every change to
 * the windows (`IpcPush.DiscoveryChanged`) and answers
 * `IpcChannel.GetDiscovery`.
 *
 * Test seam: with `LANCHAT_DISCOVERY=off` (as every test runs) and
 * `LANCHAT_TEST_DISCOVERY_FEED=<file>`, the answers come from that JSON
 * file instead of mDNS (electron/discovery-feed.ts: an array of
 * `{ instanceId, hostName, protocol, protected, origins }`, re-read when it
 * changes). Everything after that, the `/rooms` polling of those origins
 * and the pushes, is the real code path. Without a feed the state is 'off'.
 *
 * @public
 */
import { app } from 'electron';

import { createDiscoveryBrowser, discoveryDisabled, type DiscoveryBrowser } from '../server/discovery';
import { createConsoleLogger } from '../server/logger';

import { createFeedAnswerSource } from './discovery-feed';
import { handle, pushToAll } from './ipc';
import { IpcChannel, IpcPush, type DiscoveryState } from './ipc-contract';

/** Environment variable naming the test feed file (used only when discovery is off). */
export const TEST_DISCOVERY_FEED_ENV = 'LANCHAT_TEST_DISCOVERY_FEED';

/** What discovery needs to know of this app's own host. */
export interface OwnHost {
  /** The running host's instance id; undefined when not hosting. */
  readonly instanceId: string | undefined;
}

/**
 * Starts discovery for the app's lifetime and wires its IPC.
 *
 * @param ownHost - this app's host, to mark its own entry (`own: true`)
 */
export function setupDiscovery(ownHost: OwnHost): DiscoveryBrowser {
  const feed = process.env[TEST_DISCOVERY_FEED_ENV];
  const source = discoveryDisabled() && feed ? createFeedAnswerSource(feed) : undefined;
  const browser = createDiscoveryBrowser({ source, logger: createConsoleLogger('warn') });

  const state = (): DiscoveryState => {
    const { state: browserState, error } = browser.status();
    const own = ownHost.instanceId;
    const current: DiscoveryState = {
      // 'stopped' happens only while quitting; the window sees it as off.
      state: browserState === 'running' || browserState === 'error' ? browserState : 'off',
      hosts: browser.hosts().map((host) => ({ ...host, own: own !== undefined && host.instanceId === own })),
    };
    if (error !== undefined) current.error = error;
    return current;
  };

  browser.onChange(() => pushToAll(IpcPush.DiscoveryChanged, state()));
  handle(IpcChannel.GetDiscovery, () => state());
  browser.start();
  app.on('will-quit', () => {
    void browser.stop();
  });
  return browser;
}
