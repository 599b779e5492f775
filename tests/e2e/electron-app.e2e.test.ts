/**
 * Two real LanChat desktop apps (Electron, separate profiles, under Xvfb):
 * A hosts on 127.0.0.1, B joins by address, they chat, B leaves.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { after, before, describe, it } from 'node:test';

import { expect } from './expect';
import { hostRoom, joinRoom, launchApp, memberNames, sendMessage, type LaunchedApp } from './helpers';

describe('LanChat desktop app', () => {
  let alice: LaunchedApp;
  let bob: LaunchedApp;
  let shareUrl = '';

  before(async () => {
    [alice, bob] = await Promise.all([launchApp('alice'), launchApp('bob')]);
  });

  after(async () => {
    await Promise.all([alice?.close(), bob?.close()]);
  });

  it('runs with context isolation and no Node in the page', async () => {
    const probe = await alice.window.evaluate(() => ({
      require: typeof (globalThis as { require?: unknown }).require,
      process: typeof (globalThis as { process?: unknown }).process,
      bridge: Object.keys((window as unknown as { lanChat?: object }).lanChat ?? {}).sort(),
    }));
    assert.equal(probe.require, 'undefined');
    assert.equal(probe.process, 'undefined');
    assert.deepEqual(probe.bridge, [
      'copyText',
      'getAppInfo',
      'getDiscovery',
      'getHostCertificate',
      'getHostStatus',
      'onDiscovery',
      'onHostStatus',
      'onJoinLink',
      'onSystemResume',
      'openExternalLink',
      'pinHost',
      'startHosting',
      'stopHosting',
      'takeJoinLink',
      'trustHost',
    ]);
  });

  it('hosts a room on 127.0.0.1 and shows its address', async () => {
    shareUrl = await hostRoom(alice.window, 'Alice', 'lobby');
    assert.match(shareUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
    const health = (await (await fetch(`${shareUrl}/health`)).json()) as { rooms: Array<{ name: string }> };
    assert.deepEqual(
      health.rooms.map((room) => room.name),
      ['lobby'],
    );
    await expect(() => memberNames(alice.window), ['Alice']);
  });

  it('lets a second app join by address; each sees the other in the member list', async () => {
    await joinRoom(bob.window, 'Bob', shareUrl, 'lobby');
    await expect(() => memberNames(bob.window), ['Alice', 'Bob']);
    await expect(() => memberNames(alice.window), ['Alice', 'Bob']);
  });

  it('delivers messages both ways with sender and time', async () => {
    await sendMessage(alice.window, 'Hello Bob');
    const received = bob.window.getByTestId('message').filter({ hasText: 'Hello Bob' });
    await received.waitFor();
    assert.equal((await received.getByTestId('message-sender').textContent())?.trim(), 'Alice');
    assert.match((await received.getByTestId('message-time').textContent()) ?? '', /\d{1,2}:\d{2}/);

    await sendMessage(bob.window, 'Hi Alice');
    await alice.window.getByTestId('message').filter({ hasText: 'Hi Alice' }).waitFor();
    const own = bob.window.getByTestId('message').filter({ hasText: 'Hi Alice' });
    await expect(() => own.getAttribute('data-state'), 'sent');
  });

  it('renders markup as text, never as HTML', async () => {
    const hostile = '<img src=x onerror="document.title=\'pwned\'"><b>bold</b>';
    await sendMessage(bob.window, hostile);
    const shown = alice.window.getByTestId('message-text').filter({ hasText: '<img' });
    await shown.waitFor();
    assert.equal(await shown.textContent(), hostile);
    assert.equal(await shown.locator('img, b').count(), 0);
    assert.notEqual(await alice.window.title(), 'pwned');
  });

  it('shows in A when B leaves', async () => {
    await bob.window.getByTestId('leave-button').click();
    await expect(() => memberNames(alice.window), ['Alice']);
  });

  it('protects a room with a password: wrong is refused in words, right gets in', async () => {
    // Bob hosts a second, protected room from his own app; Alice joins it.
    await bob.window.getByTestId('name-input').fill('Bob');
    await bob.window.getByTestId('host-port-input').fill('0');
    await bob.window.getByTestId('host-room-input').fill('vault');
    await bob.window.getByTestId('host-scope-select').selectOption('local');
    await bob.window.getByTestId('host-options').click();
    await bob.window.getByTestId('host-password-input').fill('open sesame');
    await bob.window.getByTestId('host-button').click();
    await bob.window.getByTestId('chat-screen').waitFor();
    await bob.window.getByTestId('room-protected-note').waitFor();
    const vaultUrl = (await bob.window.getByTestId('share-url').first().textContent())?.trim() ?? '';

    await alice.window.getByTestId('leave-button').click();
    await alice.window.getByTestId('join-address-input').fill(vaultUrl);
    await alice.window.getByTestId('join-room-input').fill('vault');
    await alice.window.getByTestId('join-password-input').fill('guess');
    await alice.window.getByTestId('join-button').click();
    const error = alice.window.getByTestId('start-error');
    await error.waitFor();
    assert.equal(await error.getAttribute('data-code'), 'CHAT_ERR_WRONG_PASSWORD');
    assert.equal(await alice.window.getByTestId('chat-screen').count(), 0);

    await alice.window.getByTestId('join-password-input').fill('open sesame');
    await alice.window.getByTestId('join-button').click();
    await alice.window.getByTestId('chat-screen').waitFor();
    await expect(() => memberNames(bob.window), ['Alice', 'Bob']);
    await bob.window.getByTestId('leave-button').click();
    await bob.window.getByTestId('stop-hosting-button').click();
    await alice.window.getByTestId('leave-button').click();
  });

  it('explains a busy port and offers another one', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const busyPort = (blocker.address() as { port: number }).port;
    try {
      await bob.window.getByTestId('name-input').fill('Bob');
      await bob.window.getByTestId('host-port-input').fill(String(busyPort));
      await bob.window.getByTestId('host-room-input').fill('second');
      await bob.window.getByTestId('host-scope-select').selectOption('local');
      await bob.window.getByTestId('host-button').click();
      const error = bob.window.getByTestId('start-error');
      await error.waitFor();
      assert.equal(await error.getAttribute('data-code'), 'HOST_ERR_PORT_IN_USE');
      assert.match((await error.textContent()) ?? '', new RegExp(String(busyPort)));
      await bob.window.getByTestId('pick-free-port-button').click();
      await bob.window.getByTestId('chat-screen').waitFor();
      const url = (await bob.window.getByTestId('share-url').first().textContent())?.trim() ?? '';
      assert.notEqual(url, `http://127.0.0.1:${busyPort}`);
      assert.equal((await fetch(`${url}/health`)).status, 200);
    } finally {
      blocker.close();
    }
  });
});
