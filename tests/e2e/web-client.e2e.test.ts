/**
 * A plain browser (Debian's Chromium) joins a room through the page the
 * desktop host serves, and chats with the host's user. Also forces the
 * SockJS xhr-polling fallback, as a browser behind a WebSocket-breaking
 * proxy would use.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';

import type { Browser } from 'playwright-core';

import { inviteUrl } from '../../server/protocol';

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
    // The invite a host hands out (server/protocol/invite.ts) fills in the room.
    await page.goto(inviteUrl(shareUrl, 'kitchen'));
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

  it('refuses a page from a foreign origin on both endpoints (no cross-site hijacking)', async () => {
    // A page served by another origin (another port) tries to open the
    // host's endpoints from the visitor's browser, as a malicious site would.
    const foreign: Server = createServer((_request, response) => {
      response.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><title>foreign</title>');
    });
    await new Promise<void>((resolve) => foreign.listen(0, '127.0.0.1', resolve));
    const foreignPort = (foreign.address() as { port: number }).port;
    const connections = async (): Promise<number> =>
      ((await (await fetch(`${shareUrl}/health`)).json()) as { connections: number }).connections;
    const connectionsBefore = await connections();
    const page = await browser.newPage();
    try {
      await page.goto(`http://localhost:${foreignPort}/`);
      const outcome = await page.evaluate(async (host) => {
        const ws = await new Promise<string>((resolve) => {
          const socket = new WebSocket(`${host.replace('http', 'ws')}/ws`);
          socket.onopen = () => resolve('open');
          socket.onclose = (event) => resolve(`closed ${event.code}`);
        });
        const xhr = await fetch(`${host}/sockjs/000/foreign/xhr`, { method: 'POST' }).then(
          (response) => `status ${response.status}`,
          () => 'blocked',
        );
        return { ws, xhr };
      }, shareUrl);
      assert.equal(outcome.ws, 'closed 1006', 'the WebSocket handshake is refused');
      assert.equal(outcome.xhr, 'blocked', 'the SockJS HTTP transport is refused (403, no CORS grant)');
      assert.equal(await connections(), connectionsBefore, 'no session was created for the foreign page');
    } finally {
      await page.close();
      foreign.close();
    }
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
