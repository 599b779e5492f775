/**
 * Tests for renderer/src/lib/error-text.ts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  PASSWORD_ERROR_CODES,
  chatErrorText,
  dropNoticeText,
  hostPasswordNeededText,
} from '../../renderer/src/lib/error-text';
import type { ReconnectReason } from '../../renderer/src/lib/reconnect-policy';
import { ErrorCode } from '../../server/protocol';

describe('chatErrorText', () => {
  test('puts every protocol error code into its own words, never the fallback', () => {
    const texts = new Set<string>();
    for (const code of Object.values(ErrorCode)) {
      const text = chatErrorText(code, 'FALLBACK');
      assert.notEqual(text, 'FALLBACK', code);
      texts.add(text);
    }
    assert.equal(texts.size, Object.values(ErrorCode).length);
  });

  test('tells a rate-limited sender to slow down', () => {
    assert.match(chatErrorText(ErrorCode.RateLimited, ''), /^You are sending too fast/);
  });

  test('asks to retry when the host could not save a message', () => {
    assert.equal(chatErrorText(ErrorCode.Storage, ''), 'The host could not save this message. Retry in a moment.');
  });

  test("falls back to the host's text, then to the code, for codes this build does not know", () => {
    assert.equal(chatErrorText('CHAT_ERR_FUTURE', 'Host says no.'), 'Host says no.');
    assert.match(chatErrorText('CHAT_ERR_FUTURE', ''), /CHAT_ERR_FUTURE/);
  });

  test('marks exactly the two password refusals', () => {
    assert.deepEqual([...PASSWORD_ERROR_CODES].sort(), [ErrorCode.PasswordRequired, ErrorCode.WrongPassword].sort());
  });
});

describe('dropNoticeText', () => {
  test('explains a room opened elsewhere, a full host, and a going, failing or silent host', () => {
    assert.equal(dropNoticeText('replaced'), 'This room was opened in another window or tab.');
    for (const reason of ['hostFull', 'hostGoingAway', 'hostError', 'hostSilent'] as const) {
      assert.equal(typeof dropNoticeText(reason), 'string', reason);
    }
    assert.match(dropNoticeText('hostFull') ?? '', /full/);
  });

  test('leaves "Reconnecting…" to the connection banner', () => {
    for (const reason of ['hostError', 'hostSilent'] as const) {
      assert.doesNotMatch(dropNoticeText(reason) ?? '', /Reconnecting/, reason);
    }
  });

  test('leaves quick reconnects and plain network loss to the status line', () => {
    const quiet: ReconnectReason[] = ['idleTimeout', 'slowConsumer', 'connectionLost'];
    for (const reason of quiet) assert.equal(dropNoticeText(reason), null, reason);
  });
});

describe('hostPasswordNeededText', () => {
  test('names the room whose password must be typed again', () => {
    assert.match(hostPasswordNeededText('vault'), /#vault/);
    assert.match(hostPasswordNeededText('vault'), /password/);
  });
});
