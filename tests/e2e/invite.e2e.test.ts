/**
 * Invites in the real desktop app and in Chromium (issue 14): the invite
 * names the room, Copy puts it on the clipboard (through the main process in
 * the app, through the execCommand fallback in a browser without
 * `navigator.clipboard`, as on a plain-http LAN address), the QR code reads
 * back as the same link, opening the link in a browser lands in the room's
 * join form, and the Recent list brings the user back in one click.
 *
 * Screenshots (light and dark, desktop and phone width) go to
 * $LANCHAT_SHOTS_DIR when that is set, for people to look at.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import type { Browser } from 'playwright-core';

import { expect } from './expect';
import { hostRoom, launchApp, launchBrowser, type LaunchedApp, memberNames, shootScreens } from './helpers';
import { decodeQrPng } from './qr-decode';


describe('Invites', () => {
  let host: LaunchedApp;
  let browser: Browser;
  let shareUrl = '';
  let invite = '';

  before(async () => {
    [host, browser] = await Promise.all([launchApp('invite'), launchBrowser()]);
    shareUrl = await hostRoom(host.window, 'Alice', 'standup');
    invite = `${shareUrl}/?room=standup`;
  });

  after(async () => {
    await Promise.all([host?.close(), browser?.close()]);
  });

  it('names the room, and Copy in the app puts exactly that link on the clipboard', async () => {
    const { app, window } = host;
    assert.match(shareUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal((await window.getByTestId('invite-url').textContent())?.trim(), invite);
    await app.evaluate(({ clipboard }) => clipboard.writeText('before'));
    await window.getByTestId('copy-invite').click();
    await expect(() => app.evaluate(({ clipboard }) => clipboard.readText()), invite);
    assert.equal((await window.getByTestId('copy-invite').textContent())?.trim(), 'Copied');
    await shootScreens(window, 'invite-chat-sidebar');
  });

  it('opening the invite in a browser fills the join form with the room and joins the host’s member', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(invite);
      assert.equal(await page.getByTestId('join-address-input').inputValue(), shareUrl);
      assert.equal(await page.getByTestId('join-room-input').inputValue(), 'standup');
      await page.getByTestId('name-input').fill('Bob');
      await page.getByTestId('join-button').click();
      await page.getByTestId('chat-screen').waitFor();
      await expect(() => memberNames(page), ['Alice', 'Bob']);
    } finally {
      await page.close();
    }
  });

  it('the host card shows the invite with a QR code that reads back as the same link, and the app link', async () => {
    const { app, window } = host;
    await window.getByTestId('leave-button').click();
    await window.getByTestId('stop-hosting-button').waitFor();
    assert.equal((await window.getByTestId('invite-url').textContent())?.trim(), invite);
    const qr = window.getByTestId('invite-qr');
    const box = await qr.boundingBox();
    assert.ok(box !== null && box.width >= 190, `the QR code is big enough to scan (${box?.width}px)`);
    assert.equal(decodeQrPng(await qr.screenshot()), invite);
    await window.emulateMedia({ colorScheme: 'dark' });
    assert.equal(decodeQrPng(await qr.screenshot()), invite, 'black on white in the dark theme too');
    await window.emulateMedia({ colorScheme: 'light' });

    await window.getByTestId('copy-app-link').click();
    const port = new URL(shareUrl).port;
    await expect(() => app.evaluate(({ clipboard }) => clipboard.readText()), `lanchat://join?host=127.0.0.1&port=${port}&room=standup`);
    const card = (await window.getByTestId('invite-card').textContent()) ?? '';
    assert.doesNotMatch(card, /password=/i, 'an invite never carries a password');
    await shootScreens(window, 'invite-host-card');
  });

  it('Recent lists the room once joined and joins it again in one click; × forgets it', async () => {
    const { window } = host;
    const recent = window.getByTestId('recent-room');
    await expect(() => recent.evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-room'))), ['standup']);
    assert.match((await recent.getAttribute('aria-label')) ?? '', /^Join standup on 127\.0\.0\.1:\d+$/);
    await recent.click();
    await window.getByTestId('chat-screen').waitFor();
    await expect(() => memberNames(window), ['Alice']);
    await window.getByTestId('leave-button').click();
    await window.getByTestId('recent-remove').click();
    assert.equal(await window.getByTestId('recent-rooms').count(), 0);
    await window.reload();
    await window.getByTestId('name-input').waitFor();
    assert.equal(await window.getByTestId('recent-rooms').count(), 0, 'forgotten for good');
  });

  it('the host form passes the user\'s name as the host name and "Members may create rooms" to the host', async () => {
    const { window } = host;
    await window.getByTestId('stop-hosting-button').click();
    await window.getByTestId('host-button').waitFor();
    await window.getByTestId('host-options').click();
    const guestRooms = window.getByTestId('host-guest-rooms-checkbox');
    assert.equal(await guestRooms.isChecked(), true, 'on by default');
    await guestRooms.uncheck();
    await window.getByTestId('host-scope-select').selectOption('lan');
    assert.equal(await window.getByTestId('host-announce-checkbox').isChecked(), true, 'announcing is on by default on the LAN');
    // Tests never listen on the LAN: host on this computer only, where nothing is announced.
    await window.getByTestId('host-scope-select').selectOption('local');
    assert.equal(await window.getByTestId('host-announce-checkbox').count(), 0, 'no announcing for this computer only');
    shareUrl = await hostRoom(window, '  Alice  ', 'standup');
    invite = `${shareUrl}/?room=standup`;
    const report = (await (await fetch(`${shareUrl}/rooms`)).json()) as { hostName: string; guestRooms: boolean };
    assert.equal(report.hostName, 'Alice');
    assert.equal(report.guestRooms, false);
  });

  it('in a browser without navigator.clipboard (plain http on the LAN), Copy falls back to execCommand', async () => {
    const context = await browser.newContext();
    // A LAN address over http is not a secure context, so browsers hide the
    // Clipboard API there; 127.0.0.1 is one, so the test hides it by hand.
    await context.addInitScript(() => {
      Reflect.deleteProperty(Navigator.prototype, 'clipboard');
      const original = Document.prototype.execCommand;
      Document.prototype.execCommand = function (this: Document, ...args: Parameters<Document['execCommand']>) {
        const result = original.apply(this, args);
        (window as unknown as { copyCommands: unknown[] }).copyCommands = [
          ...((window as unknown as { copyCommands?: unknown[] }).copyCommands ?? []),
          { command: args[0], result, text: (document.activeElement as HTMLTextAreaElement | null)?.value },
        ];
        return result;
      };
    });
    const page = await context.newPage();
    try {
      await page.goto(invite);
      assert.equal(await page.evaluate(() => 'clipboard' in navigator), false);
      await page.getByTestId('name-input').fill('Carol');
      await page.getByTestId('join-button').click();
      await page.getByTestId('chat-screen').waitFor();
      assert.equal((await page.getByTestId('invite-url').textContent())?.trim(), invite);
      await page.getByTestId('copy-invite').click();
      assert.equal((await page.getByTestId('copy-invite').textContent())?.trim(), 'Copied');
      assert.deepEqual(await page.evaluate(() => (window as unknown as { copyCommands: unknown[] }).copyCommands), [
        { command: 'copy', result: true, text: invite },
      ]);
      // Read the clipboard back the way a user would: paste it.
      await page.getByTestId('message-input').focus();
      await page.keyboard.press('Control+V');
      assert.equal(await page.getByTestId('message-input').inputValue(), invite);
    } finally {
      await context.close();
    }
  });
});
