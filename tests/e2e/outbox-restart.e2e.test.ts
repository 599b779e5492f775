/**
 * The outbox survives closing the app: a member writes while the host is
 * down (the message shows "sending"), closes the app, the host comes back,
 * the member reopens the app with the same profile, and the message is
 * delivered exactly once. The host is a real chat server run by this test
 * process (createChatServer on 127.0.0.1, with a history file in a
 * temporary directory); the member is the real desktop app. An outbox kept
 * only in memory loses the message here.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import WebSocket from 'ws';

import { createChatServer, type ChatServer } from '../../server';
import type { ServerMessage } from '../../server/protocol';

import { expect } from './expect';
import { joinRoom, launchApp, messageTexts, sendMessage, type LaunchedApp } from './helpers';

/** The texts of the room's history, as a fresh member is welcomed with it. */
async function historyTexts(url: string, room: string): Promise<string[]> {
  const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/ws`);
  try {
    return await new Promise<string[]>((resolve, reject) => {
      socket.once('error', reject);
      socket.once('open', () => socket.send(JSON.stringify({ type: 'join', create: true, room, name: 'History Reader' })));
      socket.on('message', (data) => {
        const message = JSON.parse(String(data)) as ServerMessage;
        if (message.type === 'welcome') resolve(message.history.map((entry) => entry.text));
        else if (message.type === 'error') reject(new Error(`${message.code}: ${message.message}`));
      });
    });
  } finally {
    socket.close();
  }
}

describe('LanChat desktop app: the outbox across an app restart', () => {
  let dir = '';
  let dataPath = '';
  let server: ChatServer | undefined;
  let member: LaunchedApp | undefined;
  let url = '';

  const startHost = async (port: number): Promise<number> => {
    server = createChatServer({ port, host: '127.0.0.1', dataPath, rooms: [{ name: 'lobby' }] });
    return (await server.start()).port;
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lanchat-e2e-outbox-'));
    dataPath = join(dir, 'history.sqlite');
    url = `http://127.0.0.1:${await startHost(0)}`;
  });

  after(async () => {
    await member?.close();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers a message written while the host was down exactly once after the app is closed and reopened', async () => {
    member = await launchApp('outbox-member');
    await joinRoom(member.window, 'Olga', url, 'lobby');
    await sendMessage(member.window, 'while the host was up');
    await expect(() => member!.window.getByTestId('message').filter({ hasText: 'while the host was up' }).getAttribute('data-state'), 'sent');

    await server?.close();
    await member.window.getByTestId('connection-banner').waitFor();
    await sendMessage(member.window, 'while the host was down');
    const pending = member.window.getByTestId('message').filter({ hasText: 'while the host was down' });
    assert.equal(await pending.getAttribute('data-state'), 'sending');

    const profile = member.userDataDir;
    await member.close({ keepProfile: true });
    member = undefined;
    await startHost(Number(new URL(url).port));
    assert.deepEqual(await historyTexts(url, 'lobby'), ['while the host was up'], 'nothing arrived while the app was closed');

    member = await launchApp('outbox-member', profile);
    await member.window.getByTestId('chat-screen').waitFor();
    const window = member.window;
    await expect(() => messageTexts(window), ['while the host was up', 'while the host was down'], 30_000);
    const delivered = window.getByTestId('message').filter({ hasText: 'while the host was down' });
    await expect(() => delivered.getAttribute('data-state'), 'sent', 30_000);
    assert.deepEqual(await historyTexts(url, 'lobby'), ['while the host was up', 'while the host was down']);
    assert.deepEqual(await messageTexts(window), ['while the host was up', 'while the host was down']);
  });
});
