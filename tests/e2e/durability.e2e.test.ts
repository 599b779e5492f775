/**
 * No message lost, in the real desktop app: a joined window closed and
 * reopened gets its conversation back; a host app closed and reopened
 * re-hosts the same room with its stored history, and the other app
 * reconnects by itself and delivers what was written while the host was
 * away.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { expect } from './expect';
import { hostRoom, joinRoom, launchApp, memberNames, messageTexts, sendMessage, type LaunchedApp } from './helpers';

describe('LanChat desktop app across restarts', () => {
  let host: LaunchedApp;
  let guest: LaunchedApp;
  let shareUrl = '';

  before(async () => {
    [host, guest] = await Promise.all([launchApp('restart-host'), launchApp('restart-guest')]);
    shareUrl = await hostRoom(host.window, 'Hera', 'lobby');
    await joinRoom(guest.window, 'Gus', shareUrl, 'lobby');
    await sendMessage(host.window, 'first from Hera');
    await sendMessage(guest.window, 'first from Gus');
    await expect(() => messageTexts(guest.window), ['first from Hera', 'first from Gus']);
  });

  after(async () => {
    await Promise.all([host?.close(), guest?.close()]);
  });

  it('brings the conversation back when a joined window is closed and reopened', async () => {
    const profile = guest.userDataDir;
    await guest.close({ keepProfile: true });
    await expect(() => memberNames(host.window), ['Hera']);
    await sendMessage(host.window, 'while Gus was away');

    guest = await launchApp('restart-guest', profile);
    await guest.window.getByTestId('chat-screen').waitFor();
    await expect(() => messageTexts(guest.window), ['first from Hera', 'first from Gus', 'while Gus was away']);
    await expect(() => memberNames(host.window), ['Gus', 'Hera']);
  });

  it('re-hosts with the stored history after the host app restarts; the guest reconnects and its offline message arrives once', async () => {
    const profile = host.userDataDir;
    await host.close({ keepProfile: true });
    await guest.window.getByTestId('connection-banner').waitFor();
    await sendMessage(guest.window, 'written while the host was down');
    const pending = guest.window.getByTestId('message').filter({ hasText: 'written while the host was down' });
    assert.equal(await pending.getAttribute('data-state'), 'sending');

    host = await launchApp('restart-host', profile);
    await host.window.getByTestId('chat-screen').waitFor();
    assert.equal((await host.window.getByTestId('share-url').first().textContent())?.trim(), shareUrl, 'same port as before');
    const expected = ['first from Hera', 'first from Gus', 'while Gus was away', 'written while the host was down'];
    await expect(() => messageTexts(host.window), expected, 30_000);
    await expect(() => messageTexts(guest.window), expected, 30_000);
    await expect(() => pending.getAttribute('data-state'), 'sent');
    await expect(() => memberNames(host.window), ['Gus', 'Hera']);
  });
});
