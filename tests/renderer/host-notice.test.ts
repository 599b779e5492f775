/**
 * Tests for renderer/src/lib/host-notice.ts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import type { HostCrash, HostStatus } from '../../electron/ipc-contract';
import { hostNoticeOf } from '../../renderer/src/lib/host-notice';

const RUNNING: HostStatus = {
  state: 'running',
  port: 5123,
  room: 'lobby',
  scope: 'local',
  protected: false,
  localUrl: 'http://127.0.0.1:5123',
  shareUrls: ['http://127.0.0.1:5123'],
  pid: 4242,
};

const CRASH: HostCrash = { at: new Date(2026, 0, 1, 9, 5).getTime(), exitCode: 9, count: 1, maxCrashes: 5, restartWindowMs: 120_000 };

describe('hostNoticeOf', () => {
  test('says nothing about a healthy, stopped or starting host', () => {
    assert.equal(hostNoticeOf(RUNNING), null);
    assert.equal(hostNoticeOf({ state: 'stopped', shareUrls: [] }), null);
    assert.equal(hostNoticeOf({ state: 'starting', shareUrls: [] }), null);
  });

  test('says a crashed host is restarting by itself on its port, with when it crashed', () => {
    const notice = hostNoticeOf({ ...RUNNING, state: 'restarting', pid: undefined, crash: { ...CRASH, retryAt: CRASH.at + 500 } });
    assert.equal(notice?.kind, 'restarting');
    assert.equal(notice?.canRestart, false);
    assert.match(notice?.text ?? '', /09:05/);
    assert.match(notice?.text ?? '', /port 5123/);
    assert.match(notice?.text ?? '', /same history/);
    assert.doesNotMatch(notice?.text ?? '', /gives up/);
  });

  test('counts repeated crashes and says when it gives up', () => {
    const notice = hostNoticeOf({ ...RUNNING, state: 'restarting', crash: { ...CRASH, count: 3 } });
    assert.match(notice?.text ?? '', /Crash 3 in 2 minutes; LanChat gives up at 5/);
  });

  test('says why the last restart attempt failed', () => {
    const notice = hostNoticeOf({
      ...RUNNING,
      state: 'restarting',
      crash: { ...CRASH, count: 2, restartError: { code: 'HOST_ERR_PORT_IN_USE', message: 'Port 5123 is already in use on 127.0.0.1.' } },
    });
    assert.match(notice?.text ?? '', /The last attempt failed: Port 5123 is already in use by another program\./);
  });

  test('says the host is back after a crash', () => {
    const notice = hostNoticeOf({ ...RUNNING, crash: CRASH });
    assert.equal(notice?.kind, 'restarted');
    assert.match(notice?.text ?? '', /09:05/);
  });

  test('says a host that gave up is stopped, with its code, and offers a restart', () => {
    const notice = hostNoticeOf({
      state: 'error',
      shareUrls: [],
      port: 5123,
      crash: { ...CRASH, count: 5 },
      error: { code: 'HOST_ERR_RESTART_LIMIT', message: 'The chat server stopped 5 times within 2 minutes.' },
    });
    assert.equal(notice?.kind, 'stopped');
    assert.equal(notice?.code, 'HOST_ERR_RESTART_LIMIT');
    assert.equal(notice?.canRestart, true);
    assert.match(notice?.text ?? '', /stopped unexpectedly 5 times in 2 minutes, so LanChat stopped restarting it/);
  });

  test("shows a history store error's own sentence", () => {
    const message = 'The history file /data/history.sqlite is locked by another LanChat.';
    const notice = hostNoticeOf({ state: 'error', shareUrls: [], error: { code: 'HISTORY_ERR_LOCKED', message } });
    assert.equal(notice?.code, 'HISTORY_ERR_LOCKED');
    assert.match(notice?.text ?? '', /history\.sqlite is locked by another LanChat/);
  });

  test('says a degraded host refuses messages until restarted, in its own words for a failed flush, with the reason as detail, ahead of an older crash', () => {
    const reason = 'Flushing the history to disk failed (EIO: i/o error, fsync); the host refuses messages until it restarts.';
    const notice = hostNoticeOf({ ...RUNNING, crash: CRASH, degraded: { code: 'HEALTH_STORAGE_FLUSH_FAILED', reason, since: CRASH.at } });
    assert.equal(notice?.kind, 'degraded');
    assert.equal(notice?.code, 'HEALTH_STORAGE_FLUSH_FAILED');
    assert.equal(notice?.canRestart, true);
    assert.match(notice?.text ?? '', /could not write its history to disk and refuses new messages until it is restarted/);
    assert.equal(notice?.detail, reason);
  });

  test('reports a degraded host with an unknown problem in general words', () => {
    const notice = hostNoticeOf({ ...RUNNING, degraded: { reason: 'Something new.', since: 0 } });
    assert.equal(notice?.kind, 'degraded');
    assert.match(notice?.text ?? '', /reports a problem/);
    assert.equal(notice?.detail, 'Something new.');
  });
});
