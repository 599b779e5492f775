/**
 * The Join form says what went wrong before any chat opens (issue 14), in
 * the real desktop app: each failed join shows its message on the join card
 * and the chat screen never appears, not even for a moment (a
 * MutationObserver in the page would see it). The hosts are real: a LanChat
 * host on 127.0.0.1 (createChatServer, with members that are Node clients of
 * its /ws endpoint), the CLI host with --no-guest-rooms, and tiny HTTP
 * servers for the hosts that are not LanChat or speak another protocol.
 *
 * The app's page is app://lanchat, so a web server without CORS headers
 * fails its fetch of /rooms exactly like a closed port; only the `no-cors`
 * fallback of host-probe.ts tells them apart, which this file covers.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';

import type { Page } from 'playwright-core';

import { createChatServer, type ChatServer } from '../../server';
import { ErrorCode, PROTOCOL_VERSION } from '../../server/protocol';
import { UiErrorCode } from '../../renderer/src/lib/error-text';
import { JOIN_WELCOME_TIMEOUT_MS } from '../../renderer/src/lib/join-flow';
import { closeAll, killRunningClis, spawnCli, waitForStdout, WsTestClient, type TestClient } from '../server/helpers';

import { expect } from './expect';
import { launchApp, memberNames, submitJoinForm, type LaunchedApp } from './helpers';

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Records in the page whether the chat screen was ever on screen, from now on. */
async function watchForChatScreen(page: Page): Promise<void> {
  await page.evaluate(() => {
    const flags = window as unknown as { chatScreenSeen: boolean; chatScreenObserver?: MutationObserver };
    flags.chatScreenObserver?.disconnect();
    flags.chatScreenSeen = document.querySelector('[data-testid="chat-screen"]') !== null;
    flags.chatScreenObserver = new MutationObserver(() => {
      if (document.querySelector('[data-testid="chat-screen"]') !== null) flags.chatScreenSeen = true;
    });
    flags.chatScreenObserver.observe(document.body, { childList: true, subtree: true });
  });
}

async function chatScreenSeen(page: Page): Promise<boolean> {
  return page.evaluate(() => (window as unknown as { chatScreenSeen: boolean }).chatScreenSeen);
}

/** Waits for the join card's error and returns its code and text; the chat screen must never have shown. */
async function joinError(page: Page): Promise<{ code: string | null; text: string }> {
  const error = page.getByTestId('join-card').getByTestId('start-error');
  await error.waitFor();
  const shown = { code: await error.getAttribute('data-code'), text: (await error.textContent()) ?? '' };
  assert.equal(await chatScreenSeen(page), false, 'the chat screen never showed');
  return shown;
}

/** The host's rooms offered on the "no such room" question, without their member counts or password notes. */
async function roomChoices(page: Page): Promise<string[]> {
  return (await page.getByTestId('host-room-choice').allTextContents()).map((text) => text.trim().replace(/[\s(].*$/u, ''));
}

/** The data-testid of the element that has the keyboard focus. */
async function focused(page: Page): Promise<string | null> {
  return page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? null);
}

describe('the Join form reports failures before any chat opens', () => {
  let app: LaunchedApp;
  let chat: ChatServer;
  let lanchat = '';
  let chatAddress: AddressInfo;
  const members: TestClient[] = [];
  /** Every answer is an HTML page, without CORS headers: any web server that is not LanChat. */
  const plain = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>Printer setup</title>');
  });
  let plainAddress = '';
  /** A LanChat host of a future protocol version. */
  const future = createServer((request, response) => {
    if (request.url !== '/rooms') {
      response.writeHead(404).end();
      return;
    }
    response
      .writeHead(200, { 'content-type': 'application/json', 'access-control-allow-origin': '*' })
      .end(JSON.stringify({ name: 'lanchat', protocol: 999, version: '9.0.0', hostName: 'Future', instanceId: 'f', guestRooms: true, rooms: [] }));
  });
  let futureAddress = '';
  /** Answers the probe like a LanChat host but lets no chat connection in (SockJS's endpoints are missing). */
  const mute = createServer((request, response) => {
    if (request.url !== '/rooms') {
      response.writeHead(404, { 'access-control-allow-origin': '*' }).end();
      return;
    }
    response
      .writeHead(200, { 'content-type': 'application/json', 'access-control-allow-origin': '*' })
      .end(
        JSON.stringify({ name: 'lanchat', protocol: PROTOCOL_VERSION, version: '1.0.0', hostName: 'Mute', instanceId: 'm', guestRooms: true, rooms: [{ name: 'lobby', protected: false, members: 0 }] }),
      );
  });
  let muteAddress = '';
  /** Accepts connections and never answers. */
  const silentSockets = new Set<Socket>();
  const silent = createTcpServer((socket) => {
    silentSockets.add(socket);
    socket.on('error', () => undefined);
  });
  let silentAddress = '';
  let closedAddress = '';
  let scratch = '';

  before(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'lanchat-join-errors-'));
    chat = createChatServer({
      port: 0,
      host: '127.0.0.1',
      rooms: [{ name: 'lobby' }, { name: 'vault', password: 'open sesame' }, { name: 'tiny', maxMembers: 1 }],
    });
    const address = await chat.start();
    chatAddress = address;
    lanchat = `127.0.0.1:${address.port}`;
    // Alice sits in the lobby (a taken name) and Tom fills the tiny room.
    const alice = await WsTestClient.connect(address, 'alice');
    members.push(alice);
    await alice.join('lobby', 'Alice');
    const tom = await WsTestClient.connect(address, 'tom');
    members.push(tom);
    await tom.join('tiny', 'Tom');

    plainAddress = await listen(plain);
    futureAddress = await listen(future);
    muteAddress = await listen(mute);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    silentAddress = `127.0.0.1:${(silent.address() as AddressInfo).port}`;
    const closed = createServer();
    closedAddress = await listen(closed);
    await new Promise<void>((resolve) => closed.close(() => resolve()));

    app = await launchApp('join-errors');
  });

  after(async () => {
    killRunningClis();
    for (const socket of silentSockets) socket.destroy();
    await closeAll(members);
    await Promise.all([
      app?.close(),
      chat?.close(),
      new Promise((resolve) => plain.close(resolve)),
      new Promise((resolve) => future.close(resolve)),
      new Promise((resolve) => mute.close(resolve)),
      new Promise((resolve) => silent.close(resolve)),
    ]);
    rmSync(scratch, { recursive: true, force: true });
  });

  beforeEach(async () => {
    await watchForChatScreen(app.window);
  });

  it('shows "Connecting to …" with Cancel while the host is asked, and Cancel ends it quietly', async () => {
    const page = app.window;
    await submitJoinForm(page, 'Carl', silentAddress, 'lobby');
    const progress = page.getByTestId('join-progress');
    await progress.waitFor();
    assert.equal((await progress.textContent())?.replace(/\s+/g, ' ').trim(), `Connecting to ${silentAddress}…`);
    assert.equal(await page.getByTestId('join-button').isDisabled(), true);
    await page.getByTestId('join-cancel-button').click();
    await expect(() => page.getByTestId('join-progress').count(), 0);
    assert.equal(await page.getByTestId('join-button').isDisabled(), false);
    assert.equal(await page.getByTestId('start-error').count(), 0, 'a cancelled join is no error');
    assert.equal(await chatScreenSeen(page), false);
  });

  it('says nothing listens at a closed port, with the cursor in the address box', async () => {
    await submitJoinForm(app.window, 'Carl', closedAddress, 'lobby');
    const error = await joinError(app.window);
    assert.equal(error.code, UiErrorCode.HostUnreachable);
    assert.match(error.text, new RegExp(`Nothing answers at ${closedAddress.replace(/\./g, '\\.')}`));
    assert.equal(await focused(app.window), 'join-address-input');
  });

  it('says a web server without CORS is not a LanChat host (the no-cors probe tells it from a closed port)', async () => {
    await submitJoinForm(app.window, 'Carl', plainAddress, 'lobby');
    const error = await joinError(app.window);
    assert.equal(error.code, UiErrorCode.NotLanChat);
    assert.match(error.text, /not a LanChat host/);
  });

  it('names both protocol versions for a host of another version', async () => {
    await submitJoinForm(app.window, 'Carl', futureAddress, 'lobby');
    const error = await joinError(app.window);
    assert.equal(error.code, UiErrorCode.ProtocolMismatch);
    assert.match(error.text, /version 999/);
    assert.match(error.text, new RegExp(`version ${PROTOCOL_VERSION}\\b`));
    assert.match(error.text, /Update LanChat on this app/);
  });

  it('gives up when the host answered the probe but never lets the chat in', { timeout: JOIN_WELCOME_TIMEOUT_MS + 30_000 }, async () => {
    await submitJoinForm(app.window, 'Carl', muteAddress, 'lobby');
    const progress = app.window.getByTestId('join-progress');
    await progress.waitFor();
    assert.match((await progress.textContent())?.replace(/\s+/g, ' ') ?? '', /Joining #lobby on /);
    const error = app.window.getByTestId('join-card').getByTestId('start-error');
    await error.waitFor({ timeout: JOIN_WELCOME_TIMEOUT_MS + 10_000 });
    assert.equal(await error.getAttribute('data-code'), UiErrorCode.JoinTimeout);
    assert.match((await error.textContent()) ?? '', /did not let you into #lobby within 15 seconds/);
    assert.equal(await chatScreenSeen(app.window), false);
    assert.equal(await app.window.getByTestId('join-button').isDisabled(), false);
  });

  it('refuses a wrong room password on the form, with the cursor in the password box', async () => {
    await submitJoinForm(app.window, 'Carl', lanchat, 'vault', 'guess');
    const error = await joinError(app.window);
    assert.equal(error.code, ErrorCode.WrongPassword);
    assert.equal(await focused(app.window), 'join-password-input');
  });

  it('refuses a taken name on the form, with the cursor in the name box', async () => {
    await submitJoinForm(app.window, 'Alice', lanchat, 'lobby');
    const error = await joinError(app.window);
    assert.equal(error.code, ErrorCode.NameTaken);
    assert.equal(await focused(app.window), 'name-input');
  });

  it('says a full room is full', async () => {
    await submitJoinForm(app.window, 'Carl', lanchat, 'tiny');
    const error = await joinError(app.window);
    assert.equal(error.code, ErrorCode.RoomFull);
  });

  it('asks before creating a room the host does not have, listing its rooms; Create opens the new room', async () => {
    const page = app.window;
    await submitJoinForm(page, 'Carl', lanchat, 'kitchen');
    const question = page.getByTestId('no-such-room');
    await question.waitFor();
    assert.match((await question.textContent())?.replace(/\s+/g, ' ') ?? '', /There is no room 'kitchen' on /);
    assert.deepEqual((await roomChoices(page)).sort(), ['#lobby', '#tiny', '#vault']);
    assert.equal(await chatScreenSeen(page), false);

    await page.getByTestId('create-room-button').click();
    await page.getByTestId('chat-screen').waitFor();
    assert.equal((await page.getByTestId('room-name').textContent())?.trim(), 'kitchen');
    // The host has the room now: a member who does not ask to create it gets in.
    const dora = await WsTestClient.connect(chatAddress, 'dora');
    members.push(dora);
    await dora.joinWith({ room: 'kitchen', name: 'Dora' });
    await expect(() => memberNames(page), ['Carl', 'Dora']);
    await page.getByTestId('leave-button').click();
  });

  it('joins a room of the host picked from the list after a typo', async () => {
    const page = app.window;
    await submitJoinForm(page, 'Carl', lanchat, 'lobbby');
    await page.getByTestId('no-such-room').waitFor();
    await page.getByTestId('host-room-choice').filter({ hasText: '#lobby' }).click();
    await page.getByTestId('chat-screen').waitFor();
    assert.equal((await page.getByTestId('room-name').textContent())?.trim(), 'lobby');
    await expect(() => memberNames(page), ['Alice', 'Carl']);
    await page.getByTestId('leave-button').click();
  });

  it('offers no Create button on a host without guest rooms, and says why', async () => {
    const run = spawnCli(['--host', '127.0.0.1', '--port', '0', '--room', 'lobby', '--no-guest-rooms', '--no-web', '--data', join(scratch, 'closed.sqlite')]);
    const [, address] = (await waitForStdout(run, /listening on http:\/\/(127\.0\.0\.1:\d+)/)) as unknown as [string, string];
    const page = app.window;
    await submitJoinForm(page, 'Carl', address, 'kitchen');
    await page.getByTestId('no-such-room').waitFor();
    await page.getByTestId('no-guest-rooms').waitFor();
    assert.equal(await page.getByTestId('create-room-button').count(), 0);
    assert.deepEqual(await roomChoices(page), ['#lobby']);
    await page.getByTestId('join-cancel-button').click();
    await expect(() => page.getByTestId('no-such-room').count(), 0);
    assert.equal(await chatScreenSeen(page), false);
    run.child.kill('SIGTERM');
    await run.exited;
  });
});
