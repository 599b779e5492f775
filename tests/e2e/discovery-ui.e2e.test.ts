/**
 * "On your network" in the real desktop app and "Rooms on this host" in
 * Chromium, against a real CLI host on 127.0.0.1 with two rooms (issue 14).
 *
 * mDNS itself is tested in network namespaces (tests/server/lan-netns.integration.test.ts);
 * here the app's discovery is fed through its test seam
 * `LANCHAT_TEST_DISCOVERY_FEED` (a JSON file listing hosts as mDNS would
 * find them), and the app reads their rooms from the host's real `/rooms`.
 *
 * Screenshots (light and dark, desktop and phone width) go to
 * $LANCHAT_SHOTS_DIR when that is set, for people to look at.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import type { Browser, Page } from 'playwright-core';

import { PROTOCOL_VERSION } from '../../server/protocol';
import { WsTestClient, killRunningClis, spawnCli, waitForStdout, withTimeout, type CliRun } from '../server/helpers';

import { expect } from './expect';
import { launchApp, launchBrowser, type LaunchedApp, memberNames, shootScreens } from './helpers';

const REPO_ROOT = join(__dirname, '..', '..');
/** Environment variable of the main process's discovery test seam (electron/discovery). */
const DISCOVERY_FEED_ENV = 'LANCHAT_TEST_DISCOVERY_FEED';

/** The rooms listed on a start screen, by name: name and what its badge says (member count, or "locked"). */
async function listedRooms(page: Page): Promise<Array<[string, string]>> {
  const rooms = await page.getByTestId('network-room').evaluateAll((nodes) =>
    nodes.map((node): [string, string] => [
      node.getAttribute('data-room') ?? '',
      node.querySelector('[data-testid="network-room-locked"]') !== null
        ? 'locked'
        : (node.querySelector('[data-testid="network-room-members"]')?.textContent?.trim() ?? ''),
    ]),
  );
  // The host orders its rooms (most recently active first); the test only cares which are there.
  return rooms.sort(([a], [b]) => a.localeCompare(b));
}

describe('rooms of hosts on the network', () => {
  const tempDir = mkdtempSync(join(tmpdir(), 'lanchat-e2e-discovery-ui-'));
  let run: CliRun;
  let origin = '';
  const members: WsTestClient[] = [];
  let browser: Browser;

  before(async () => {
    run = spawnCli([
      '--port',
      '0',
      '--host',
      '127.0.0.1',
      '--data',
      join(tempDir, 'history.db'),
      '--web-root',
      join(REPO_ROOT, 'dist', 'renderer'),
      '--room',
      'standup',
      '--room',
      'design',
      '--host-name',
      'Dana’s laptop',
      '--log-level',
      'warn',
    ]);
    const match = await waitForStdout(run, /^LanChat host listening on http:\/\/127\.0\.0\.1:(\d+)$/m);
    const port = Number(match[1]);
    origin = `http://127.0.0.1:${port}`;
    for (const name of ['Dave', 'Erin']) {
      const client = await WsTestClient.connect({ port, address: '127.0.0.1', family: 'IPv4' }, name);
      await client.join('standup', name);
      members.push(client);
    }
    browser = await launchBrowser();
  });

  after(async () => {
    for (const client of members) client.close();
    await browser?.close();
    run?.child.kill('SIGTERM');
    if (run !== undefined) await withTimeout(run.exited, 20_000, 'the host to exit').catch(() => killRunningClis());
    rmSync(tempDir, { recursive: true, force: true });
  });

  it('the desktop app lists a discovered host with its rooms and member counts, and joins one in one click', async () => {
    // The app only trusts a /rooms answer from the instance mDNS announced, so the feed names the host's real id.
    const { instanceId } = (await (await fetch(`${origin}/rooms`)).json()) as { instanceId: string };
    const feed = join(tempDir, 'feed.json');
    writeFileSync(
      feed,
      JSON.stringify([{ instanceId, hostName: 'Dana’s laptop', protocol: PROTOCOL_VERSION, protected: false, origins: [origin] }]),
    );
    const app: LaunchedApp = await launchApp('discovery-ui', undefined, { [DISCOVERY_FEED_ENV]: feed });
    try {
      const { window } = app;
      const section = window.getByTestId('network-rooms');
      assert.equal((await section.getByRole('heading').textContent())?.trim(), 'On your network');
      await expect(() => listedRooms(window), [
        ['design', '0'],
        ['standup', '2'],
      ]);
      const host = window.getByTestId('network-host');
      assert.match((await host.textContent()) ?? '', /Dana’s laptop/);
      assert.match((await host.textContent()) ?? '', new RegExp(`127\\.0\\.0\\.1:${new URL(origin).port}`));
      const standup = window.locator('[data-testid="network-room"][data-room="standup"]');
      assert.equal(await standup.getAttribute('aria-label'), 'Join standup on Dana’s laptop’s host, 2 members');
      await window.getByTestId('name-input').fill('Fay');
      await shootScreens(window, 'network-rooms-app');

      await standup.click();
      await window.getByTestId('chat-screen').waitFor();
      await expect(() => memberNames(window), ['Dave', 'Erin', 'Fay']);
    } finally {
      await app.close();
    }
  });

  it('a browser on the host’s page lists that host’s rooms, keeps the counts current, and joins in one click', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(origin);
      const section = page.getByTestId('network-rooms');
      assert.equal((await section.getByRole('heading').textContent())?.trim(), 'Rooms on this host');
      await expect(() => listedRooms(page), [
        ['design', '0'],
        ['standup', '2'],
      ]);
      const late = await WsTestClient.connect({ port: Number(new URL(origin).port), address: '127.0.0.1', family: 'IPv4' }, 'Gil');
      members.push(late);
      await late.join('design', 'Gil');
      await expect(() => listedRooms(page), [
        ['design', '1'],
        ['standup', '2'],
      ]);
      await page.getByTestId('name-input').fill('Hal');
      await shootScreens(page, 'network-rooms-browser');
      await page.locator('[data-testid="network-room"][data-room="design"]').click();
      await page.getByTestId('chat-screen').waitFor();
      await expect(() => memberNames(page), ['Gil', 'Hal']);
    } finally {
      await page.close();
    }
  });
});
