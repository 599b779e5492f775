/**
 * Discovery in the real desktop app, through its test seam: with
 * LANCHAT_DISCOVERY=off (as every test runs) and LANCHAT_TEST_DISCOVERY_FEED,
 * the main process takes its mDNS answers from a file (electron/discovery.ts)
 * and does the rest for real: it reads each origin's `/rooms` from a real
 * chat server on 127.0.0.1, marks the app's own host, and pushes every change
 * to the window over the real preload bridge.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import type { DiscoveryState } from '../../electron/ipc-contract';
import { createChatServer, type ChatServer } from '../../server';

import { expect } from './expect';
import { launchApp, type LaunchedApp } from './helpers';

/** The bridge as the tests call it from the page. */
type Bridge = {
  getDiscovery(): Promise<DiscoveryState>;
  onDiscovery(callback: (state: DiscoveryState) => void): () => void;
  startHosting(request: { port: number; room: string; scope: 'local' }): Promise<{ ok: boolean; status: { localUrl?: string } }>;
};
type PageWindow = { lanChat: Bridge; pushed: DiscoveryState[] };

describe('discovery in the desktop app (test feed)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lanchat-e2e-discovery-'));
  const feed = join(dir, 'feed.json');
  let server: ChatServer;
  let origin = '';
  let launched: LaunchedApp;

  const writeFeed = (hosts: Array<{ instanceId: string; hostName: string; origins: string[] }>): void =>
    writeFileSync(feed, JSON.stringify(hosts.map((host) => ({ protocol: 1, protected: false, ...host }))));

  /** What the window knows: the host names with their room names, own marks and errors. */
  const listed = async (): Promise<Array<{ hostName: string; own: boolean; rooms: string[] | null; roomsError?: string }>> => {
    const state = await launched.window.evaluate(() => (window as unknown as PageWindow).lanChat.getDiscovery());
    assert.equal(state.state, 'running', 'a feed makes discovery run although LANCHAT_DISCOVERY=off');
    return state.hosts.map((host) => ({
      hostName: host.hostName,
      own: host.own,
      rooms: host.rooms?.map((room) => room.name) ?? null,
      ...(host.roomsError === undefined ? {} : { roomsError: host.roomsError }),
    }));
  };

  before(async () => {
    server = createChatServer({ host: '127.0.0.1', port: 0, rooms: [{ name: 'kitchen' }], dataPath: ':memory:', hostName: 'Feed host' });
    const address = await server.start();
    origin = `http://127.0.0.1:${address.port}`;
    writeFeed([]);
    launched = await launchApp('discovery', undefined, { LANCHAT_TEST_DISCOVERY_FEED: feed });
    await launched.window.evaluate(() => {
      const page = window as unknown as PageWindow;
      page.pushed = [];
      page.lanChat.onDiscovery((state) => page.pushed.push(state));
    });
  });

  after(async () => {
    await launched?.close();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists a host from the feed with the rooms its /rooms reports, and pushes it to the window', async () => {
    await expect(listed, []);
    writeFeed([{ instanceId: server.instanceId, hostName: 'Feed host', origins: [origin] }]);
    await expect(listed, [{ hostName: 'Feed host', own: false, rooms: ['kitchen'] }]);
    const pushed = await launched.window.evaluate(() => (window as unknown as PageWindow).pushed);
    assert.ok(
      pushed.some((state) => state.hosts.some((host) => host.hostName === 'Feed host' && host.rooms !== null)),
      'the change was pushed, not only answered when asked',
    );
  });

  it("marks the app's own host", async () => {
    const result = await launched.window.evaluate(() =>
      (window as unknown as PageWindow).lanChat.startHosting({ port: 0, room: 'own-room', scope: 'local' }),
    );
    assert.ok(result.ok && result.status.localUrl, 'the app hosts');
    const own = (await (await fetch(`${result.status.localUrl}/rooms`)).json()) as { instanceId: string };
    writeFeed([
      { instanceId: server.instanceId, hostName: 'Feed host', origins: [origin] },
      { instanceId: own.instanceId, hostName: 'This app', origins: [result.status.localUrl as string] },
    ]);
    await expect(listed, [
      { hostName: 'Feed host', own: false, rooms: ['kitchen'] },
      { hostName: 'This app', own: true, rooms: ['own-room'] },
    ]);
  });

  it('drops a host that leaves the feed (a goodbye) at once, and one whose /rooms stops answering after 3 polls', async () => {
    writeFeed([{ instanceId: server.instanceId, hostName: 'Feed host', origins: [origin] }]);
    await expect(listed, [{ hostName: 'Feed host', own: false, rooms: ['kitchen'] }], 2_000);
    await server.close();
    // 3 polls, 3 s apart, plus slack for a loaded machine.
    await expect(listed, [], 15_000);
  });
});
