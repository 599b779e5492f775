/**
 * lanchat:// links in the real desktop app (electron/join-links.ts): a link
 * on the command line of the first start, a link passed by a second launch
 * (the single-instance lock of the same profile routes it to the running
 * app), and an invite pasted into the address box fill the Join form with
 * the host's address and the room; none joins by itself. In a chat, a link
 * is offered in a bar instead of leaving the chat.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import type { Page } from 'playwright-core';

import { appJoinLink, inviteUrl } from '../../server/protocol';

import { expect } from './expect';
import { hostRoom, launchApp, type LaunchedApp } from './helpers';

const REPO_ROOT = join(__dirname, '..', '..');
/** A second launch only hands its link over and quits. */
const SECOND_LAUNCH_TIMEOUT_MS = 30_000;

/** Starts the app again with `args` on the same profile, as the desktop does for a clicked link; resolves when that launch exits. */
async function launchAgain(first: LaunchedApp, args: string[]): Promise<number | null> {
  const executable = await first.app.evaluate(() => process.execPath);
  const child = spawn(executable, [REPO_ROOT, '--no-sandbox', ...args], {
    env: { ...process.env, LANCHAT_USER_DATA_DIR: first.userDataDir },
    stdio: 'ignore',
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), SECOND_LAUNCH_TIMEOUT_MS);
  try {
    return await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => resolve(code));
    });
  } finally {
    clearTimeout(timer);
  }
}

async function joinForm(page: Page): Promise<{ address: string; room: string }> {
  return {
    address: await page.getByTestId('join-address-input').inputValue(),
    room: await page.getByTestId('join-room-input').inputValue(),
  };
}

async function focused(page: Page): Promise<string | null> {
  return page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? null);
}

describe('lanchat:// links open the join form of the right room', () => {
  let first: LaunchedApp;
  let second: LaunchedApp | undefined;

  before(async () => {
    first = await launchApp('join-links', undefined, {}, [appJoinLink('http://127.0.0.1:45678', 'garden')]);
  });

  after(async () => {
    await Promise.all([first?.close(), second?.close()]);
  });

  it('fills the form from the link the app was started with', async () => {
    await expect(() => joinForm(first.window), { address: '127.0.0.1:45678', room: 'garden' });
    assert.equal(await first.window.getByTestId('chat-screen').count(), 0, 'a link never joins by itself');
    // The name box is empty in a new profile: the cursor goes there first.
    assert.equal(await focused(first.window), 'name-input');
  });

  it('fills the running app\'s form from a second launch with a link, cursor on Join', async () => {
    const page = first.window;
    await page.getByTestId('name-input').fill('Lina');
    const code = await launchAgain(first, [appJoinLink('http://127.0.0.1:34567', 'book club')]);
    assert.equal(code, 0, 'the second launch hands the link over and quits');
    await expect(() => joinForm(page), { address: '127.0.0.1:34567', room: 'book club' });
    await expect(() => focused(page), 'join-button');
    assert.equal(await page.getByTestId('chat-screen').count(), 0);
  });

  it('ignores arguments that are not lanchat: links', async () => {
    const page = first.window;
    await launchAgain(first, ['http://127.0.0.1:1/?room=elsewhere', 'lanchat://join?host=127.0.0.1&port=0&room=bad']);
    // Neither the http URL nor the link with port 0 changed the form.
    assert.deepEqual(await joinForm(page), { address: '127.0.0.1:34567', room: 'book club' });
  });

  it('reads invites pasted into the address box: browser invites and app links', async () => {
    const page = first.window;
    await page.getByTestId('join-address-input').fill(inviteUrl('http://192.0.2.5:8080', 'kitchen'));
    assert.deepEqual(await joinForm(page), { address: '192.0.2.5:8080', room: 'kitchen' });
    await page.getByTestId('join-address-input').fill(appJoinLink('http://192.0.2.6:9090', 'attic'));
    assert.deepEqual(await joinForm(page), { address: '192.0.2.6:9090', room: 'attic' });
    // A plain address stays as typed, and so does the room.
    await page.getByTestId('join-address-input').fill('192.0.2.7:8080');
    assert.deepEqual(await joinForm(page), { address: '192.0.2.7:8080', room: 'attic' });
  });

  it('offers a link that arrives during a chat in a bar; Open leaves the chat and fills the form', async () => {
    second = await launchApp('join-links-chat');
    const page = second.window;
    await hostRoom(page, 'Hana', 'lobby');
    await launchAgain(second, [appJoinLink('http://127.0.0.1:23456', 'games')]);
    const bar = page.getByTestId('invitation-bar');
    await bar.waitFor();
    assert.match((await bar.textContent())?.replace(/\s+/g, ' ') ?? '', /Invitation to #games on 127\.0\.0\.1:23456/);
    assert.equal(await page.getByTestId('chat-screen').count(), 1, 'still in the chat');
    await page.getByTestId('invitation-open').click();
    await page.getByTestId('join-card').waitFor();
    await expect(() => joinForm(page), { address: '127.0.0.1:23456', room: 'games' });
    assert.equal(await page.getByTestId('chat-screen').count(), 0);
  });
});
