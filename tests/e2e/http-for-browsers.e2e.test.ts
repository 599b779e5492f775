/**
 * A CLI host serving TLS with a plain listener for browsers
 * (`--tls --http-for-browsers 0`, issue 15 item 4): a browser that opens the
 * plain port is told before joining that its connection is not encrypted,
 * joins, and is tagged "not encrypted" in its own member list and in that of
 * a member connected over https; the https member is not tagged and gets no
 * such note. Saves the member list's screenshots with $LANCHAT_SHOTS_DIR.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import type { Browser, Page } from 'playwright-core';

import { inviteUrl } from '../../server/protocol';
import { killRunningClis, spawnCli, waitForStdout, type CliRun } from '../server/helpers';

import { expect } from './expect';
import { joinRoom, launchBrowser, memberNames, shootScreens } from './helpers';

const REPO_ROOT = join(__dirname, '..', '..');
const ROOM = 'lobby';

/** The names tagged "not encrypted" in a page's member list, sorted. */
async function unencryptedNames(page: Page): Promise<string[]> {
  const names = await page
    .locator('li', { has: page.getByTestId('member-unencrypted') })
    .getByTestId('member')
    .allTextContents();
  return names.map((name) => name.trim()).sort();
}

describe('a TLS host with a plain listener for browsers', () => {
  let run: CliRun;
  let browser: Browser;
  let secureOrigin = '';
  let plainOrigin = '';

  before(async () => {
    run = spawnCli([
      '--port',
      '0',
      '--host',
      '127.0.0.1',
      '--data',
      ':memory:',
      '--web-root',
      join(REPO_ROOT, 'dist', 'renderer'),
      '--tls',
      '--http-for-browsers',
      '0',
      '--room',
      ROOM,
      '--log-level',
      'warn',
    ]);
    secureOrigin = `https://127.0.0.1:${(await waitForStdout(run, /^LanChat host listening on https:\/\/127\.0\.0\.1:(\d+)$/m))[1]}`;
    plainOrigin = `http://127.0.0.1:${(await waitForStdout(run, /^ {2}browsers without encryption: http:\/\/127\.0\.0\.1:(\d+)$/m))[1]}`;
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    killRunningClis();
  });

  it('says before joining that the page is not encrypted, and the member is tagged in every list', async () => {
    // The https member: a browser that accepted the self-signed certificate
    // (the page a person reaches after comparing the fingerprint).
    const secureContext = await browser.newContext({ ignoreHTTPSErrors: true });
    const secure = await secureContext.newPage();
    await secure.goto(inviteUrl(secureOrigin, ROOM));
    await secure.getByTestId('name-input').fill('Sana');
    assert.equal(await secure.getByTestId('join-unencrypted-page').count(), 0, 'an https page gets no note');
    await secure.getByTestId('join-button').click();
    await secure.getByTestId('chat-screen').waitFor();

    const plain = await browser.newPage();
    await plain.goto(inviteUrl(plainOrigin, ROOM));
    const note = plain.getByTestId('join-unencrypted-page');
    await note.waitFor();
    assert.match((await note.textContent()) ?? '', /This connection is not encrypted/);
    await shootScreens(plain, 'join-card-unencrypted-page');
    await joinRoom(plain, 'Pavel', plainOrigin, ROOM);
    await expect(() => memberNames(plain), ['Pavel', 'Sana']);
    await expect(() => unencryptedNames(plain), ['Pavel']); // the plain member sees itself tagged
    await plain.getByTestId('you-unencrypted').waitFor();
    assert.equal(
      await plain.getByTestId('member-unencrypted').first().getAttribute('title'),
      'Connected over plain HTTP: others on the network can read what this member sends and receives.',
    );

    await expect(() => memberNames(secure), ['Pavel', 'Sana']);
    await expect(() => unencryptedNames(secure), ['Pavel']); // the https member sees the plain one tagged, not itself
    assert.equal(await secure.getByTestId('you-unencrypted').count(), 0, 'the https member is told nothing about its own connection');

    await shootScreens(plain, 'member-unencrypted-self');
    await shootScreens(secure, 'member-unencrypted-other');
    await shootScreens(plain, 'member-list-unencrypted-self', { scrollTo: plain.getByTestId('member').last() });
    await shootScreens(secure, 'member-list-unencrypted-other', { scrollTo: secure.getByTestId('member').last() });
    await plain.close();
    await secureContext.close();
  });
});
