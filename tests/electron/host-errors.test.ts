/**
 * Tests for electron/host-errors.ts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { hostErrorOf, isHistoryErrorCode } from '../../electron/host-errors';

describe('hostErrorOf', () => {
  test("passes a history store error's code and message through unchanged", () => {
    const message = 'The history file /tmp/x/history.sqlite is not a LanChat history database.';
    assert.deepEqual(hostErrorOf('HISTORY_ERR_NOT_A_DATABASE', message), { code: 'HISTORY_ERR_NOT_A_DATABASE', message });
    assert.deepEqual(hostErrorOf('HISTORY_ERR_LOST', message, '/data/h.sqlite'), { code: 'HISTORY_ERR_LOST', message, path: '/data/h.sqlite' });
  });

  test("maps Node's listen errors to their host codes", () => {
    assert.equal(hostErrorOf('EADDRINUSE', 'Port 5000 is already in use.').code, 'HOST_ERR_PORT_IN_USE');
    assert.equal(hostErrorOf('EACCES', 'Not allowed.').code, 'HOST_ERR_PORT_ACCESS');
    assert.equal(hostErrorOf('EINVAL', 'bad option').code, 'HOST_ERR_INVALID_REQUEST');
    assert.equal(hostErrorOf('EROOMPASSWORD', 'The room vault is protected with another password.').code, 'HOST_ERR_ROOM_PASSWORD');
  });

  test('reports anything else as unknown, keeping the message', () => {
    assert.deepEqual(hostErrorOf('UNKNOWN', 'Error: boom'), { code: 'HOST_ERR_UNKNOWN', message: 'Error: boom' });
    assert.equal(hostErrorOf('HISTORY_ERR_', 'no name').code, 'HOST_ERR_UNKNOWN');
    assert.equal(hostErrorOf('history_err_locked', 'lower case').code, 'HOST_ERR_UNKNOWN');
  });
});

describe('isHistoryErrorCode', () => {
  test('accepts HISTORY_ERR_ codes only', () => {
    assert.equal(isHistoryErrorCode('HISTORY_ERR_LOCKED'), true);
    assert.equal(isHistoryErrorCode('HOST_ERR_CRASHED'), false);
    assert.equal(isHistoryErrorCode('XHISTORY_ERR_LOCKED'), false);
  });
});
