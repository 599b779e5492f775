/**
 * A desktop host whose history file lost what its record says it held (the
 * file was emptied) is refused with HISTORY_ERR_LOST, as the CLI is; the
 * window says so and offers "Start a new history", the desktop app's
 * counterpart of the CLI's --fresh-history. Nothing is accepted without
 * that click.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

import { openHistoryStore } from '../../server/history-store';

import { launchApp, submitHostForm, type LaunchedApp } from './helpers';

describe('LanChat desktop host on a history file that lost its history', () => {
  let host: LaunchedApp | undefined;

  after(async () => {
    await host?.close();
  });

  it('is refused with HISTORY_ERR_LOST, and hosts with a new history only after "Start a new history"', async () => {
    const profile = mkdtempSync(join(tmpdir(), 'lanchat-e2e-history-lost-'));
    const file = join(profile, 'history.sqlite');
    // A real history of three messages, closed cleanly (its record counts them), then emptied.
    const store = openHistoryStore(file);
    store.ensureRoom('lobby', 'lobby', 1);
    store.appendBatch(
      [1, 2, 3].map((seq) => ({
        roomKey: 'lobby',
        message: { type: 'message' as const, room: 'lobby', seq, ts: seq, from: { id: 'h', name: 'Hera' }, clientId: `c${seq}`, text: `kept ${seq}` },
      })),
    );
    store.close();
    assert.ok(existsSync(`${file}.record.json`), 'the store keeps a record beside the file');
    truncateSync(file, 0);

    host = await launchApp('history-lost', profile);
    const window = host.window;
    await submitHostForm(window, 'Hera', 'lobby');
    const error = window.getByTestId('start-error');
    await error.waitFor();
    assert.equal(await error.getAttribute('data-code'), 'HISTORY_ERR_LOST');
    const text = (await error.textContent()) ?? '';
    assert.ok(text.includes(file), text);
    assert.equal(await window.getByTestId('chat-screen').count(), 0, 'nothing was hosted without the user choosing it');

    await window.getByTestId('fresh-history-button').click();
    await window.getByTestId('chat-screen').waitFor();
    assert.equal(await window.getByTestId('start-error').count(), 0);
  });
});
