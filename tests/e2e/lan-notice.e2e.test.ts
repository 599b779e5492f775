/**
 * The first-time notice about hosting on the local network, in the real
 * desktop app (issue 13, finding 8). Hosting itself stays on 127.0.0.1 here
 * (tests never listen on the LAN), so the acknowledgement is checked from
 * storage: once it is remembered, the notice is gone after a reload.
 *
 * Screenshots (light and dark, desktop and phone width) go to
 * $LANCHAT_SHOTS_DIR when that is set, for people to look at.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { expect } from './expect';
import { launchApp, type LaunchedApp } from './helpers';

const SHOTS_DIR = process.env.LANCHAT_SHOTS_DIR;
const DESKTOP = { width: 1100, height: 900 };
const PHONE = { width: 390, height: 844 };

describe('LAN hosting notice', () => {
  let launched: LaunchedApp;

  before(async () => {
    launched = await launchApp('lan-notice');
  });

  after(async () => {
    await launched.close();
  });

  async function shoot(name: string, size: { width: number; height: number }, scheme: 'light' | 'dark'): Promise<void> {
    if (SHOTS_DIR === undefined) return;
    mkdirSync(SHOTS_DIR, { recursive: true });
    // The viewport is emulated: the window itself has a minimum width wider than a phone.
    await launched.window.setViewportSize(size);
    await launched.window.emulateMedia({ colorScheme: scheme });
    await launched.window.screenshot({ path: join(SHOTS_DIR, `${name}-${scheme}.png`), fullPage: true });
  }

  it('says, before the first LAN hosting, that anyone on the network can join and read, and whether messages are encrypted', async () => {
    const { window } = launched;
    await window.getByTestId('name-input').fill('Ann');
    const notice = window.getByTestId('lan-notice');
    await notice.waitFor();
    const text = (await notice.textContent()) ?? '';
    assert.match(text, /Anyone on this network can join the room and read/);
    assert.match(text, /unless you set a room password/);
    assert.match(text, /Messages are encrypted \(TLS\)/, 'TLS is on by default on the LAN');
    await window.getByTestId('host-options').click();
    await window.getByTestId('host-tls-checkbox').uncheck();
    assert.match((await notice.textContent()) ?? '', /not encrypted/);
    await window.getByTestId('host-tls-checkbox').check();
    await window.getByTestId('host-options').click();
    assert.equal((await window.getByTestId('host-button').textContent())?.trim(), 'I understand, host a room');
    for (const scheme of ['light', 'dark'] as const) {
      await shoot('lan-notice-desktop', DESKTOP, scheme);
      await shoot('lan-notice-phone', PHONE, scheme);
    }
  });

  it('offers the ways out: a room password, or this computer only (which needs no notice)', async () => {
    const { window } = launched;
    await window.getByTestId('lan-notice-password').click();
    await window.getByTestId('host-password-input').waitFor({ state: 'visible' });
    await expect(() => window.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? null), 'host-password-input');
    await window.getByTestId('lan-notice-local').click();
    assert.equal(await window.getByTestId('host-scope-select').inputValue(), 'local');
    assert.equal(await window.getByTestId('lan-notice').count(), 0);
    assert.equal((await window.getByTestId('host-button').textContent())?.trim(), 'Host a room');
    await window.getByTestId('host-scope-select').selectOption('lan');
    await window.getByTestId('lan-notice').waitFor();
  });

  it('is not shown again once acknowledged', async () => {
    const { window } = launched;
    // Still there after a reload while unacknowledged…
    await window.reload();
    await window.getByTestId('lan-notice').waitFor();
    // …and gone once the acknowledgement is remembered.
    await window.evaluate(() => localStorage.setItem('lanchat.lanHostingNoticeAcknowledged', 'yes'));
    await window.reload();
    await window.getByTestId('host-scope-select').waitFor();
    assert.equal(await window.getByTestId('host-scope-select').inputValue(), 'lan');
    assert.equal(await window.getByTestId('lan-notice').count(), 0);
  });
});
