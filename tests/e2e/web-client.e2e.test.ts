/**
 * A plain browser (Debian's Chromium) joins a room through the page the
 * desktop host serves, and chats with the host's user. Also forces the
 * SockJS xhr-polling fallback, as a browser behind a WebSocket-breaking
 * proxy would use.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import type { Browser } from 'playwright-core';

import { expect } from './expect';
import { hostRoom, joinRoom, launchApp, launchBrowser, memberNames, sendMessage, type LaunchedApp } from './helpers';

describe('LanChat web client served by the host', () => {
  let host: LaunchedApp;
  let browser: Browser;
  let shareUrl = '';

  before(async () => {
    [host, browser] = await Promise.all([launchApp('web-host'), launchBrowser()]);
    shareUrl = await hostRoom(host.window, 'Hana', 'kitchen');
  });

  after(async () => {
    await Promise.all([host?.close(), browser?.close()]);
  });

  it('serves the client and joins with the address prefilled', async () => {
    const page = await browser.newPage();
    const requested: string[] = [];
    page.on('request', (request) => requested.push(request.url()));
    await page.goto(`${shareUrl}/?room=kitchen`);
    assert.equal(await page.getByTestId('host-button').count(), 0, 'a browser cannot host');
    assert.equal(await page.getByTestId('join-address-input').inputValue(), shareUrl);
    assert.equal(await page.getByTestId('join-room-input').inputValue(), 'kitchen');
    await page.getByTestId('name-input').fill('Walt');
    await page.getByTestId('join-button').click();
    await page.getByTestId('chat-screen').waitFor();
    await expect(() => memberNames(page), ['Hana', 'Walt']);
    await expect(() => memberNames(host.window), ['Hana', 'Walt']);

    await sendMessage(page, 'from the browser');
    await host.window.getByTestId('message').filter({ hasText: 'from the browser' }).waitFor();
    await sendMessage(host.window, 'from the desktop');
    await page.getByTestId('message').filter({ hasText: 'from the desktop' }).waitFor();
    assert.deepEqual(
      requested.filter((url) => !url.startsWith(`${shareUrl}/`) && !url.startsWith('data:')),
      [],
      'nothing is fetched from outside the host',
    );
    await page.close();
  });

  it('works over the SockJS xhr-polling fallback', async () => {
    const page = await browser.newPage();
    await page.goto(`${shareUrl}/?room=kitchen&transports=xhr-polling`);
    await joinRoom(page, 'Pat', shareUrl, 'kitchen');
    await expect(() => memberNames(host.window), ['Hana', 'Pat']);
    await sendMessage(host.window, 'polling works');
    await page.getByTestId('message').filter({ hasText: 'polling works' }).waitFor();
    await page.close();
  });
});
