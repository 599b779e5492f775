/**
 * A desktop host whose history flush failed refuses messages until it is
 * restarted; the window says so (polled from the server's health()) and its
 * Restart server button brings it back. A disk whose fsync fails cannot be
 * had here: removing the log file the host flushes through makes the real
 * flush fail instead (its open for fsync gets ENOENT), as in
 * tests/server/rooms-cli.integration.test.ts.
 */
import assert from 'node:assert/strict';
import { existsSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import type { HostStatus } from '../../electron/ipc-contract';

import { expect } from './expect';
import { hostRoom, launchApp, sendMessage, type LaunchedApp } from './helpers';

describe('LanChat desktop host with a failed history flush', () => {
  let host: LaunchedApp;

  before(async () => {
    host = await launchApp('degraded-host');
    await hostRoom(host.window, 'Hera', 'lobby');
  });

  after(async () => {
    await host?.close();
  });

  it('shows that the host refuses messages until restarted, and Restart server brings it back', async () => {
    const wal = join(host.userDataDir, 'history.sqlite-wal');
    assert.ok(existsSync(wal));
    unlinkSync(wal);
    await sendMessage(host.window, 'during the failure');

    const notice = host.window.getByTestId('host-notice');
    await expect(() => notice.getAttribute('data-state'), 'degraded');
    assert.equal(await notice.getAttribute('data-code'), 'HEALTH_STORAGE_FLUSH_FAILED');
    assert.match((await host.window.getByTestId('host-notice-detail').textContent()) ?? '', /ENOENT/);
    const status = (await host.window.evaluate(() =>
      (window as unknown as { lanChat: { getHostStatus(): Promise<HostStatus> } }).lanChat.getHostStatus(),
    )) as HostStatus;
    assert.equal(status.degraded?.code, 'HEALTH_STORAGE_FLUSH_FAILED');

    await host.window.getByTestId('restart-host-button').click();
    await expect(() => host.window.getByTestId('host-notice').count(), 0, 60_000);
    await sendMessage(host.window, 'after the restart');
    await expect(() => host.window.getByTestId('message').filter({ hasText: 'after the restart' }).getAttribute('data-state'), 'sent', 60_000);
  });
});
