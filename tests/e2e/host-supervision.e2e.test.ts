/**
 * The desktop host supervises its server process (electron/server-host.ts):
 * the real app hosts a room, a browser joins it, and the test SIGKILLs the
 * server's utility process (its pid is in the host status). The window says
 * so at once, the server comes back on the same port with the same history,
 * and both members get messages through again without a click. A restart
 * that fails (the port was taken meanwhile) is retried. Killed too often,
 * the host gives up and says so; its Restart button brings it back.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { after, before, describe, it } from 'node:test';

import type { Browser, Page } from 'playwright-core';

import type { HostStatus } from '../../electron/ipc-contract';
import { HOST_RESTART_MAX_CRASHES } from '../../electron/restart-policy';

import { expect } from './expect';
import { hostRoom, joinRoom, launchApp, launchBrowser, messageTexts, sendMessage, type LaunchedApp } from './helpers';

/** Generous: every restart starts a utility process and opens the history on 2 busy cores. */
const RESTART_TIMEOUT_MS = 60_000;

/** The host status as the main process reports it. */
async function hostStatus(window: Page): Promise<HostStatus> {
  return window.evaluate(() => (window as unknown as { lanChat: { getHostStatus(): Promise<HostStatus> } }).lanChat.getHostStatus());
}

/** Waits until the host runs a server process other than `oldPid`; returns its status. */
async function waitForNewServer(window: Page, oldPid: number): Promise<HostStatus> {
  let status = await hostStatus(window);
  await expect(
    async () => {
      status = await hostStatus(window);
      return status.state === 'running' && status.pid !== oldPid;
    },
    true,
    RESTART_TIMEOUT_MS,
  );
  return status;
}

/**
 * Records every state the host notice shows (null: no notice) in
 * `window.noticeStates`, from a MutationObserver, so a state that lasts only
 * half a second is seen however slowly the test polls.
 */
async function recordNoticeStates(window: Page): Promise<void> {
  // A string, not a function: tsx's name-keeping helper (__name) does not exist in the page.
  await window.evaluate(`(() => {
    const states = [];
    window.noticeStates = states;
    const record = () => {
      const state = document.querySelector('[data-testid="host-notice"]')?.getAttribute('data-state') ?? null;
      if (states[states.length - 1] !== state) states.push(state);
    };
    record();
    new MutationObserver(record).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-state'] });
  })()`);
}

async function noticeStates(window: Page): Promise<Array<string | null>> {
  return window.evaluate(() => (window as unknown as { noticeStates: Array<string | null> }).noticeStates);
}

/** Listens on 127.0.0.1:`port`, retrying while it is still taken (a killed process is letting go of it). */
async function takePort(port: number): Promise<Server> {
  for (let attempt = 0; ; attempt += 1) {
    // Reconnecting members knock on it meanwhile: it hangs up on them, so close() need not wait for them.
    const server = createServer((socket) => socket.destroy());
    const error = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
      server.once('error', resolve);
      server.listen(port, '127.0.0.1', () => resolve(undefined));
    });
    if (error === undefined) return server;
    if (error.code !== 'EADDRINUSE' || attempt > 500) throw error;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** SIGKILLs the server again each time it is back, until the host gives up; returns that status. */
async function killUntilItGivesUp(window: Page): Promise<HostStatus> {
  let status = await hostStatus(window);
  for (let kills = 0; status.state === 'running' && kills < HOST_RESTART_MAX_CRASHES; kills += 1) {
    const pid = status.pid as number;
    process.kill(pid, 'SIGKILL');
    await expect(
      async () => {
        status = await hostStatus(window);
        return status.state === 'error' || (status.state === 'running' && status.pid !== pid);
      },
      true,
      RESTART_TIMEOUT_MS,
    );
  }
  return status;
}

async function lobbyLastSeq(url: string): Promise<number | undefined> {
  const health = (await (await fetch(`${url}/health`)).json()) as { rooms: Array<{ name: string; lastSeq?: number }> };
  return health.rooms.find((room) => room.name === 'lobby')?.lastSeq;
}

describe('LanChat desktop host supervision', () => {
  let host: LaunchedApp;
  let browser: Browser;
  let guest: Page;
  let shareUrl = '';

  before(async () => {
    [host, browser] = await Promise.all([launchApp('supervised-host'), launchBrowser()]);
    shareUrl = await hostRoom(host.window, 'Hera', 'lobby');
    guest = await browser.newPage();
    await guest.goto(shareUrl);
    await joinRoom(guest, 'Gus', shareUrl, 'lobby');
    await sendMessage(host.window, 'before the crash');
    await expect(() => messageTexts(guest), ['before the crash']);
  });

  after(async () => {
    await Promise.all([host?.close(), browser?.close()]);
  });

  it('restarts a SIGKILLed server on the same port with the same history; the window says so at once; members get through again by themselves', async () => {
    const before = await hostStatus(host.window);
    assert.equal(before.state, 'running');
    assert.ok(before.pid !== undefined && before.pid > 0, 'the status names the server process');
    const seqBefore = await lobbyLastSeq(shareUrl);
    await recordNoticeStates(host.window);

    process.kill(before.pid, 'SIGKILL');

    const after = await waitForNewServer(host.window, before.pid);
    assert.equal(after.port, before.port, 'same port');
    assert.deepEqual(after.shareUrls, before.shareUrls);
    assert.equal(after.crash?.count, 1);
    assert.equal(await lobbyLastSeq(shareUrl), seqBefore, 'same history');
    // The window showed the crash while the server was down, then that it is back.
    await expect(() => noticeStates(host.window), [null, 'restarting', 'restarted']);
    assert.match((await host.window.getByTestId('host-notice-text').textContent()) ?? '', new RegExp(`port ${before.port}`));

    // Both members reconnect by themselves: no click anywhere.
    await sendMessage(guest, 'after the crash, from the browser');
    await sendMessage(host.window, 'after the crash, from the host');
    const expected = ['before the crash', 'after the crash, from the browser', 'after the crash, from the host'];
    await expect(async () => (await messageTexts(host.window)).sort(), [...expected].sort(), RESTART_TIMEOUT_MS);
    await expect(async () => (await messageTexts(guest)).sort(), [...expected].sort(), RESTART_TIMEOUT_MS);
    await expect(() => guest.getByTestId('message').filter({ hasText: 'from the browser' }).getAttribute('data-state'), 'sent');

    await host.window.getByTestId('host-notice-dismiss').click();
    await expect(() => host.window.getByTestId('host-notice').count(), 0);
  });

  it('keeps retrying a restart that fails because another program took the port, says why, and comes back once it is free', async () => {
    const before = await hostStatus(host.window);
    const port = before.port as number;
    const seqBefore = await lobbyLastSeq(shareUrl);
    process.kill(before.pid as number, 'SIGKILL');
    // Take the port as soon as the dead process lets go of it, before the restart (0.5 s later).
    const squatter = await takePort(port);
    try {
      await expect(async () => (await hostStatus(host.window)).crash?.restartError?.code, 'HOST_ERR_PORT_IN_USE', RESTART_TIMEOUT_MS);
      const status = await hostStatus(host.window);
      assert.equal(status.state, 'restarting');
      assert.equal(status.port, port, 'still waiting for its own port');
      const notice = host.window.getByTestId('host-notice');
      await expect(() => notice.getAttribute('data-state'), 'restarting');
      await expect(async () => /The last attempt failed: Port \d+ is already in use/.test((await notice.textContent()) ?? ''), true);
    } finally {
      await new Promise<void>((resolve) => squatter.close(() => resolve()));
    }
    const after = await waitForNewServer(host.window, before.pid as number);
    assert.equal(after.port, port);
    assert.equal(await lobbyLastSeq(shareUrl), seqBefore, 'same history');
    await sendMessage(guest, 'after the port was free again');
    await host.window.getByTestId('message').filter({ hasText: 'after the port was free again' }).waitFor({ timeout: RESTART_TIMEOUT_MS });
  });

  it('gives up after repeated crashes and says so; Restart server brings the room back with its history', async () => {
    const seqBefore = await lobbyLastSeq(shareUrl);
    const port = (await hostStatus(host.window)).port;
    // The crashes of the previous tests still count: crashes are counted within a window.
    const status = await killUntilItGivesUp(host.window);
    assert.equal(status.error?.code, 'HOST_ERR_RESTART_LIMIT');
    assert.equal(status.crash?.count, HOST_RESTART_MAX_CRASHES);

    const notice = host.window.getByTestId('host-notice');
    await expect(() => notice.getAttribute('data-state'), 'stopped');
    assert.equal(await notice.getAttribute('data-code'), 'HOST_ERR_RESTART_LIMIT');
    assert.match((await host.window.getByTestId('host-notice-text').textContent()) ?? '', /stopped restarting it/);

    await host.window.getByTestId('restart-host-button').click();
    await expect(async () => (await hostStatus(host.window)).state, 'running', RESTART_TIMEOUT_MS);
    assert.equal((await hostStatus(host.window)).port, port, 'same port');
    assert.equal(await lobbyLastSeq(shareUrl), seqBefore, 'same history');
    await expect(() => host.window.getByTestId('host-notice').count(), 0);

    await sendMessage(guest, 'after the restart');
    await host.window.getByTestId('message').filter({ hasText: 'after the restart' }).waitFor({ timeout: RESTART_TIMEOUT_MS });
  });

  it('stops for good when the user stops hosting while it restarts', async () => {
    const before = await hostStatus(host.window);
    const port = before.port as number;
    process.kill(before.pid as number, 'SIGKILL');
    // Keep it restarting: its restarts fail while the port is taken.
    const squatter = await takePort(port);
    let retryAt = 0;
    try {
      await expect(async () => (await hostStatus(host.window)).crash?.restartError?.code, 'HOST_ERR_PORT_IN_USE', RESTART_TIMEOUT_MS);
      await host.window.getByTestId('leave-button').click();
      await host.window.getByTestId('host-restarting-note').waitFor();
      retryAt = (await hostStatus(host.window)).crash?.retryAt ?? Date.now();
      await host.window.getByTestId('stop-hosting-button').click();
      await expect(async () => (await hostStatus(host.window)).state, 'stopped');
    } finally {
      await new Promise<void>((resolve) => squatter.close(() => resolve()));
    }
    // Past the time the next restart was due, nothing came back.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, retryAt - Date.now()) + 3_000));
    assert.equal((await hostStatus(host.window)).state, 'stopped');
    await assert.rejects(fetch(`${shareUrl}/health`), 'nothing listens on the port');
    assert.equal(await host.window.getByTestId('host-restarting-note').count(), 0);
  });

  it('after giving up, the start screen explains it and offers the same room on the same port', async () => {
    const url = await hostRoom(host.window, 'Hera', 'lobby', Number(new URL(shareUrl).port));
    assert.equal(url, shareUrl);
    const status = await killUntilItGivesUp(host.window);
    assert.equal(status.error?.code, 'HOST_ERR_RESTART_LIMIT');

    await host.window.getByTestId('leave-button').click();
    const error = host.window.getByTestId('start-error');
    await error.waitFor();
    assert.equal(await error.getAttribute('data-code'), 'HOST_ERR_RESTART_LIMIT');
    assert.equal(await host.window.getByTestId('host-port-input').inputValue(), String(status.port));
    assert.equal(await host.window.getByTestId('host-room-input').inputValue(), 'lobby');
    await host.window.getByTestId('host-button').click();
    await host.window.getByTestId('chat-screen').waitFor();
    assert.equal((await host.window.getByTestId('share-url').first().textContent())?.trim(), shareUrl);
    await expect(() => host.window.getByTestId('host-notice').count(), 0);
  });
});
