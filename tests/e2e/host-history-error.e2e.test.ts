/**
 * A desktop host whose history file cannot be used says exactly that: the
 * history store's HISTORY_ERR_* code and its sentence naming the file reach
 * the window instead of a generic "hosting failed".
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

import { launchApp, submitHostForm, type LaunchedApp } from './helpers';

describe('LanChat desktop host with an unusable history file', () => {
  let host: LaunchedApp | undefined;

  after(async () => {
    await host?.close();
  });

  it("shows the history store's code and sentence naming the file", async () => {
    const profile = mkdtempSync(join(tmpdir(), 'lanchat-e2e-history-error-'));
    const file = join(profile, 'history.sqlite');
    writeFileSync(file, 'this is not a database, '.repeat(400));
    host = await launchApp('history-error', profile);
    const window = host.window;
    await submitHostForm(window, 'Hera', 'lobby');
    const error = window.getByTestId('start-error');
    await error.waitFor();
    assert.match((await error.getAttribute('data-code')) ?? '', /^HISTORY_ERR_/);
    assert.ok(((await error.textContent()) ?? '').includes(file), await error.textContent() ?? '');
  });
});
