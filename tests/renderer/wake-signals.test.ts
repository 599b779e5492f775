/**
 * Tests for renderer/src/lib/wake-signals.ts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import type { SystemResumeReason } from '../../electron/ipc-contract';
import { HIDDEN_RECONNECT_AFTER_MS, pageWakeSources, watchWakeUps, type WakeReason } from '../../renderer/src/lib/wake-signals';

/** A document stand-in whose visibility the test sets. */
class FakeDocument extends EventTarget {
  visibilityState = 'visible';

  show(state: 'visible' | 'hidden'): void {
    this.visibilityState = state;
    this.dispatchEvent(new Event('visibilitychange'));
  }
}

/** A desktop bridge stand-in for `onSystemResume`. */
function fakeBridge() {
  const listeners = new Set<(reason: SystemResumeReason) => void>();
  return {
    listeners,
    onSystemResume(callback: (reason: SystemResumeReason) => void): () => void {
      listeners.add(callback);
      return () => listeners.delete(callback);
    },
    push(reason: SystemResumeReason): void {
      for (const listener of listeners) listener(reason);
    },
  };
}

function setup() {
  let time = 1_000_000;
  const window = new EventTarget();
  const document = new FakeDocument();
  const bridge = fakeBridge();
  const wakes: WakeReason[] = [];
  const stop = watchWakeUps((reason) => wakes.push(reason), {
    window,
    document,
    onSystemResume: (callback) => bridge.onSystemResume(callback),
    now: () => time,
  });
  return {
    window,
    document,
    bridge,
    wakes,
    stop,
    advance(ms: number) {
      time += ms;
    },
  };
}

describe('watchWakeUps', () => {
  test('wakes on the window going online', () => {
    const { window, wakes } = setup();
    window.dispatchEvent(new Event('online'));
    assert.deepEqual(wakes, ['online']);
  });

  test('wakes on a system resume or unlock from the desktop bridge', () => {
    const { bridge, wakes } = setup();
    bridge.push('resume');
    bridge.push('unlock-screen');
    assert.deepEqual(wakes, ['resume', 'unlock-screen']);
  });

  test(`wakes when the page is shown after ${HIDDEN_RECONNECT_AFTER_MS / 1000} s or more hidden`, () => {
    const { document, wakes, advance } = setup();
    document.show('hidden');
    advance(HIDDEN_RECONNECT_AFTER_MS);
    document.show('visible');
    assert.deepEqual(wakes, ['visible']);
  });

  test('stays quiet after a short absence, and for repeated hidden events', () => {
    const { document, wakes, advance } = setup();
    document.show('hidden');
    advance(HIDDEN_RECONNECT_AFTER_MS - 1);
    document.show('visible');
    document.show('visible');
    assert.deepEqual(wakes, []);
    document.show('hidden');
    advance(HIDDEN_RECONNECT_AFTER_MS / 2);
    document.show('hidden');
    advance(HIDDEN_RECONNECT_AFTER_MS / 2);
    document.show('visible');
    assert.deepEqual(wakes, ['visible'], 'the hidden time counts from the first hidden event');
  });

  test('counts a page loaded in the background as hidden from the start', () => {
    let time = 0;
    const document = new FakeDocument();
    document.visibilityState = 'hidden';
    const wakes: WakeReason[] = [];
    watchWakeUps((reason) => wakes.push(reason), { document, now: () => time });
    time += HIDDEN_RECONNECT_AFTER_MS;
    document.show('visible');
    assert.deepEqual(wakes, ['visible']);
  });

  test('stops listening everywhere when stopped (twice is fine)', () => {
    const { window, document, bridge, wakes, stop, advance } = setup();
    stop();
    stop();
    window.dispatchEvent(new Event('online'));
    document.show('hidden');
    advance(HIDDEN_RECONNECT_AFTER_MS);
    document.show('visible');
    bridge.push('resume');
    assert.deepEqual(wakes, []);
    assert.equal(bridge.listeners.size, 0);
  });

  test('skips sources that are absent', () => {
    const stop = watchWakeUps(() => assert.fail('no source, no wake-up'), {});
    stop();
  });
});

describe('pageWakeSources', () => {
  test('has no sources outside a page (Node)', () => {
    assert.deepEqual(pageWakeSources(), {});
  });
});
