/**
 * Tests for renderer/src/lib/reconnect-policy.ts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { HOST_SILENT_POLICY, nextDropReason, reconnectPolicy } from '../../renderer/src/lib/reconnect-policy';
import { CloseCode } from '../../server/protocol';

describe('reconnectPolicy', () => {
  test('reconnects at once after an idle timeout or a slow-consumer close', () => {
    assert.deepEqual(reconnectPolicy(CloseCode.IdleTimeout), { action: 'now', reason: 'idleTimeout' });
    assert.deepEqual(reconnectPolicy(CloseCode.SlowConsumer), { action: 'now', reason: 'slowConsumer' });
  });

  test('backs off while the host is full', () => {
    assert.deepEqual(reconnectPolicy(CloseCode.HostFull), { action: 'backoff', reason: 'hostFull' });
  });

  test('stops when another window took the room over', () => {
    assert.deepEqual(reconnectPolicy(CloseCode.Replaced), { action: 'stop', reason: 'replaced' });
  });

  test('backs off when the host goes away or fails', () => {
    assert.deepEqual(reconnectPolicy(CloseCode.GoingAway), { action: 'backoff', reason: 'hostGoingAway' });
    assert.deepEqual(reconnectPolicy(CloseCode.InternalError), { action: 'backoff', reason: 'hostError' });
  });

  test("backs off after sockjs-client's own transport codes and anything unknown", () => {
    // 1006 lost session / dropped, 1002 cannot connect, 2000 all transports failed.
    for (const code of [1006, 1002, 2000, CloseCode.Normal, CloseCode.MessageTooBig, 4999]) {
      assert.deepEqual(reconnectPolicy(code), { action: 'backoff', reason: 'connectionLost' }, `code ${code}`);
    }
  });

  test('has a policy for every LanChat close code', () => {
    for (const code of Object.values(CloseCode)) {
      const policy = reconnectPolicy(code);
      assert.ok(['now', 'backoff', 'stop'].includes(policy.action), `code ${code}`);
    }
  });

  test('reconnects at once when the client gave up on a silent host', () => {
    assert.deepEqual(HOST_SILENT_POLICY, { action: 'now', reason: 'hostSilent' });
  });
});

describe('nextDropReason', () => {
  test('shows the latest reason', () => {
    assert.equal(nextDropReason(null, 'connectionLost'), 'connectionLost');
    assert.equal(nextDropReason(null, 'hostGoingAway'), 'hostGoingAway');
    assert.equal(nextDropReason('connectionLost', 'hostFull'), 'hostFull');
    assert.equal(nextDropReason('hostGoingAway', 'hostFull'), 'hostFull');
    assert.equal(nextDropReason('hostFull', 'connectionLost'), 'connectionLost');
  });

  test('keeps "the host is away" through the failed attempts that follow it', () => {
    for (const shown of ['hostGoingAway', 'hostError', 'hostSilent'] as const) {
      assert.equal(nextDropReason(shown, 'connectionLost'), shown);
    }
  });
});
