/**
 * A browser (Debian's Chromium) on the web client stays in a room while the
 * host behind its address changes history: the host stops, and another
 * history file, already longer than what the browser saw, is served on the
 * same address (as after a machine crash that lost the last messages shown,
 * or a host started over with new data). Its sequence numbers name other
 * messages, so the client must not merge them by seq: it keeps what it saw
 * and shows the new history whole. Real CLI hosts (the built web client from
 * dist/), real sockets, a real browser.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import type { Browser } from 'playwright-core';

import { WsTestClient, killRunningClis, sendAndAck, spawnCli, waitForStdout, withTimeout, type CliRun } from '../server/helpers';
import { expect } from './expect';
import { joinRoom, launchBrowser, messageTexts } from './helpers';

const REPO_ROOT = join(__dirname, '..', '..');
const ROOM = 'kitchen';
/** The browser reconnects with backoff; the new host must be up well within this. */
const RECONNECT_TIMEOUT_MS = 30_000;

interface Host {
  run: CliRun;
  port: number;
}

async function startHost(dataPath: string, port = 0): Promise<Host> {
  const run = spawnCli([
    '--port',
    String(port),
    '--host',
    '127.0.0.1',
    '--data',
    dataPath,
    '--web-root',
    join(REPO_ROOT, 'dist', 'renderer'),
    '--log-level',
    'warn',
  ]);
  const match = await waitForStdout(run, /^LanChat host listening on http:\/\/127\.0\.0\.1:(\d+)$/m);
  return { run, port: Number(match[1]) };
}

async function stopHost(host: Host): Promise<void> {
  host.run.child.kill('SIGTERM');
  assert.equal(await withTimeout(host.run.exited, 20_000, 'the host to exit'), 0);
}

/** Sends `texts` to ROOM as "Writer" over /ws, each acknowledged. */
async function write(port: number, texts: string[]): Promise<void> {
  const client = await WsTestClient.connect({ port, address: '127.0.0.1', family: 'IPv4' }, 'writer');
  try {
    await client.join(ROOM, 'Writer');
    for (const text of texts) await sendAndAck(client, text);
  } finally {
    client.close();
  }
}

describe('web client when the history behind an address is replaced', () => {
  const tempDir = mkdtempSync(join(tmpdir(), 'lanchat-e2e-replaced-'));
  let browser: Browser;

  before(async () => {
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    killRunningClis();
    rmSync(tempDir, { recursive: true, force: true });
  });

  it('keeps the messages it saw and shows the new history whole, none of it mistaken for what it already had', async () => {
    // The replacement history: five messages, more than the browser will have seen.
    const other = await startHost(join(tempDir, 'other.sqlite'));
    await write(other.port, ['new 1', 'new 2', 'new 3', 'new 4', 'new 5']);
    await stopHost(other);

    const first = await startHost(join(tempDir, 'first.sqlite'));
    const address = `http://127.0.0.1:${first.port}`;
    const page = await browser.newPage();
    await page.goto(`${address}/?room=${ROOM}`);
    // A fresh host has no kitchen yet: the join form asks before creating it.
    await joinRoom(page, 'Walt', address, ROOM, { create: true });
    await write(first.port, ['old 1', 'old 2', 'old 3']);
    await expect(() => messageTexts(page), ['old 1', 'old 2', 'old 3']);

    await stopHost(first);
    const replaced = await startHost(join(tempDir, 'other.sqlite'), first.port);
    try {
      // Merged by seq, "new 1".."new 3" would be taken for the old 1..3 the
      // page holds, and only "new 4" and "new 5" would appear.
      await expect(
        () => messageTexts(page),
        ['old 1', 'old 2', 'old 3', 'new 1', 'new 2', 'new 3', 'new 4', 'new 5'],
        RECONNECT_TIMEOUT_MS,
      );
      // And it chats on in the new history.
      await write(replaced.port, ['new 6']);
      await expect(() => messageTexts(page), ['old 1', 'old 2', 'old 3', 'new 1', 'new 2', 'new 3', 'new 4', 'new 5', 'new 6']);
    } finally {
      await page.close();
      await stopHost(replaced);
    }
  });
});
