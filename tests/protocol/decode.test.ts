import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  CloseCode,
  DEFAULT_MAX_TEXT_BYTES,
  ErrorCode,
  HISTORY_ID_MAX_LENGTH,
  HISTORY_PAGE_MAX,
  NAME_MAX_LENGTH,
  PASSWORD_MAX_LENGTH,
  RESUME_KEY_MAX_LENGTH,
  RESUME_KEY_MIN_LENGTH,
  ROOM_MAX_LENGTH,
  decodeClientMessage,
  decodeServerMessage,
  isValidCloseCode,
  type DecodeFailure,
  type DecodeResult,
} from '../../server/protocol';

function failure<T>(result: DecodeResult<T>): DecodeFailure {
  assert.equal(result.ok, false, `expected a failure, got ${JSON.stringify(result)}`);
  return result as DecodeFailure;
}

function success<T>(result: DecodeResult<T>): T {
  assert.equal(result.ok, true, `expected success, got ${JSON.stringify(result)}`);
  return (result as { ok: true; message: T }).message;
}

const decode = (value: unknown, maxTextBytes?: number) =>
  decodeClientMessage(JSON.stringify(value), maxTextBytes === undefined ? {} : { maxTextBytes });

describe('decodeClientMessage', () => {
  describe('frames that are not JSON objects', () => {
    for (const raw of ['', '{', '{"type":"join",}', 'not json', "{'type':'join'}", '\u0000']) {
      it(`refuses ${JSON.stringify(raw)} with CHAT_ERR_INVALID_JSON and no ref`, () => {
        const result = failure(decodeClientMessage(raw));
        assert.equal(result.code, ErrorCode.InvalidJson);
        assert.equal(result.ref, undefined);
      });
    }

    for (const raw of ['null', '42', '"join"', 'true', '[]', '[{"type":"leave"}]']) {
      it(`refuses non-object JSON ${raw} with CHAT_ERR_INVALID_MESSAGE`, () => {
        assert.equal(failure(decodeClientMessage(raw)).code, ErrorCode.InvalidMessage);
      });
    }
  });

  describe('type', () => {
    it('refuses an unknown type with CHAT_ERR_UNKNOWN_TYPE and echoes the id as ref', () => {
      const result = failure(decode({ type: 'shout', id: 'c-1', text: 'hi' }));
      assert.equal(result.code, ErrorCode.UnknownType);
      assert.equal(result.ref, 'c-1');
    });

    it('refuses a missing or non-string type with CHAT_ERR_UNKNOWN_TYPE', () => {
      assert.equal(failure(decode({ id: 'c-1', text: 'hi' })).code, ErrorCode.UnknownType);
      assert.equal(failure(decode({ type: 1 })).code, ErrorCode.UnknownType);
      assert.equal(failure(decode({ type: null })).code, ErrorCode.UnknownType);
    });

    it('matches types case-sensitively', () => {
      assert.equal(failure(decode({ type: 'JOIN', room: 'lobby', name: 'Ann' })).code, ErrorCode.UnknownType);
    });

    it('does not echo an unusable id as ref', () => {
      assert.equal(failure(decode({ type: 'nope', id: 7 })).ref, undefined);
      assert.equal(failure(decode({ type: 'nope', id: 'x'.repeat(65) })).ref, undefined);
    });
  });

  describe('join', () => {
    it('accepts a join and trims name and room', () => {
      assert.deepEqual(success(decode({ type: 'join', room: '  Lobby ', name: '\tAnn  ' })), {
        type: 'join',
        room: 'Lobby',
        name: 'Ann',
      });
    });

    it('keeps a valid since', () => {
      assert.deepEqual(success(decode({ type: 'join', room: 'lobby', name: 'Ann', since: 0 })), {
        type: 'join',
        room: 'lobby',
        name: 'Ann',
        since: 0,
      });
    });

    it('refuses missing room or name with CHAT_ERR_INVALID_MESSAGE', () => {
      assert.equal(failure(decode({ type: 'join', room: 'lobby' })).code, ErrorCode.InvalidMessage);
      assert.equal(failure(decode({ type: 'join', name: 'Ann' })).code, ErrorCode.InvalidMessage);
    });

    it('refuses wrong field types with CHAT_ERR_INVALID_MESSAGE', () => {
      assert.equal(failure(decode({ type: 'join', room: 5, name: 'Ann' })).code, ErrorCode.InvalidMessage);
      assert.equal(failure(decode({ type: 'join', room: 'lobby', name: ['Ann'] })).code, ErrorCode.InvalidMessage);
      for (const since of [-1, 1.5, '3', null]) {
        assert.equal(failure(decode({ type: 'join', room: 'lobby', name: 'Ann', since })).code, ErrorCode.InvalidMessage, `since=${since}`);
      }
    });

    it(`keeps a historyId of up to ${HISTORY_ID_MAX_LENGTH} characters and refuses a longer one or another type`, () => {
      const historyId = 'h'.repeat(HISTORY_ID_MAX_LENGTH);
      assert.deepEqual(success(decode({ type: 'join', room: 'lobby', name: 'Ann', since: 3, historyId })), {
        type: 'join',
        room: 'lobby',
        name: 'Ann',
        since: 3,
        historyId,
      });
      for (const bad of [`${historyId}h`, 7, null]) {
        assert.equal(failure(decode({ type: 'join', room: 'lobby', name: 'Ann', historyId: bad })).code, ErrorCode.InvalidMessage, String(bad));
      }
    });

    it('refuses an empty or whitespace name with CHAT_ERR_INVALID_NAME', () => {
      assert.equal(failure(decode({ type: 'join', room: 'lobby', name: '' })).code, ErrorCode.InvalidName);
      assert.equal(failure(decode({ type: 'join', room: 'lobby', name: ' \t\n ' })).code, ErrorCode.InvalidName);
    });

    it(`accepts a name of ${NAME_MAX_LENGTH} characters and refuses ${NAME_MAX_LENGTH + 1}`, () => {
      assert.equal(success(decode({ type: 'join', room: 'lobby', name: `  ${'n'.repeat(NAME_MAX_LENGTH)}  ` })).type, 'join');
      assert.equal(failure(decode({ type: 'join', room: 'lobby', name: 'n'.repeat(NAME_MAX_LENGTH + 1) })).code, ErrorCode.InvalidName);
    });

    for (const room of ['', '   ', '-lobby', '.hidden', 'a/b', '../etc', 'room<script>', 'tab\there', 'x'.repeat(ROOM_MAX_LENGTH + 1)]) {
      it(`refuses room ${JSON.stringify(room.length > 20 ? `${room.slice(0, 8)}…(${room.length})` : room)} with CHAT_ERR_INVALID_ROOM`, () => {
        assert.equal(failure(decode({ type: 'join', room, name: 'Ann' })).code, ErrorCode.InvalidRoom);
      });
    }

    for (const room of ['lobby', 'Team 7', 'build.bots_2-x', 'Café', '日本語', 'x'.repeat(ROOM_MAX_LENGTH)]) {
      it(`accepts room ${JSON.stringify(room)}`, () => {
        const message = success(decode({ type: 'join', room, name: 'Ann' }));
        assert.equal(message.type === 'join' && message.room, room);
      });
    }

    it('keeps a password and a resume key', () => {
      const resumeKey = '0123456789abcdef0123456789abcdef';
      assert.deepEqual(success(decode({ type: 'join', room: 'secret', name: 'Ann', password: 'pw', resumeKey })), {
        type: 'join',
        room: 'secret',
        name: 'Ann',
        password: 'pw',
        resumeKey,
      });
    });

    it(`accepts a password of ${PASSWORD_MAX_LENGTH} characters (and an empty one) and refuses ${PASSWORD_MAX_LENGTH + 1}`, () => {
      assert.equal(success(decode({ type: 'join', room: 'r', name: 'Ann', password: 'p'.repeat(PASSWORD_MAX_LENGTH) })).type, 'join');
      assert.equal(success(decode({ type: 'join', room: 'r', name: 'Ann', password: '' })).type, 'join');
      assert.equal(failure(decode({ type: 'join', room: 'r', name: 'Ann', password: 'p'.repeat(PASSWORD_MAX_LENGTH + 1) })).code, ErrorCode.InvalidMessage);
    });

    it('refuses a password that is not a string with CHAT_ERR_INVALID_MESSAGE', () => {
      for (const password of [1234, null, ['pw'], { pw: true }]) {
        assert.equal(failure(decode({ type: 'join', room: 'r', name: 'Ann', password })).code, ErrorCode.InvalidMessage, JSON.stringify(password));
      }
    });

    it(`accepts resume keys of ${RESUME_KEY_MIN_LENGTH} to ${RESUME_KEY_MAX_LENGTH} characters and refuses shorter, longer or non-string ones`, () => {
      for (const length of [RESUME_KEY_MIN_LENGTH, 32, RESUME_KEY_MAX_LENGTH]) {
        assert.equal(success(decode({ type: 'join', room: 'r', name: 'Ann', resumeKey: 'k'.repeat(length) })).type, 'join', `length ${length}`);
      }
      for (const resumeKey of ['', 'k'.repeat(RESUME_KEY_MIN_LENGTH - 1), 'k'.repeat(RESUME_KEY_MAX_LENGTH + 1), 12345678901234567890, null]) {
        assert.equal(failure(decode({ type: 'join', room: 'r', name: 'Ann', resumeKey })).code, ErrorCode.InvalidMessage, JSON.stringify(resumeKey));
      }
    });

    it('keeps create: true and create: false, and leaves it out when the join leaves it out', () => {
      for (const create of [true, false]) {
        assert.deepEqual(success(decode({ type: 'join', room: 'attic', name: 'Ann', create })), { type: 'join', room: 'attic', name: 'Ann', create });
      }
      assert.equal('create' in success(decode({ type: 'join', room: 'attic', name: 'Ann' })), false);
    });

    it('refuses a create that is not a boolean with CHAT_ERR_INVALID_MESSAGE', () => {
      for (const create of ['true', 1, 0, null, 'yes', {}]) {
        assert.equal(failure(decode({ type: 'join', room: 'r', name: 'Ann', create })).code, ErrorCode.InvalidMessage, JSON.stringify(create));
      }
    });

    it('checks the name before the room', () => {
      assert.equal(failure(decode({ type: 'join', room: '', name: '' })).code, ErrorCode.InvalidName);
    });

    it('normalises name and room to NFKC (fullwidth letters become plain ones)', () => {
      const message = success(decode({ type: 'join', room: '\uFF4C\uFF4F\uFF42\uFF42\uFF59', name: '\uFF21\uFF4E\uFF4E' }));
      assert.equal(message.type === 'join' && `${message.name}@${message.room}`, 'Ann@lobby');
    });

    for (const [label, name] of [
      ['NUL', 'Ann\u0000'],
      ['an escape', 'Ann\u001B[2J'],
      ['a right-to-left override', 'invoice\u202Egpj.exe'],
      ['a zero-width space', 'A\u200Bnn'],
      ['a bidi isolate', '\u2068Ann'],
    ] as const) {
      it(`refuses a name with ${label} with CHAT_ERR_INVALID_NAME`, () => {
        assert.equal(failure(decode({ type: 'join', room: 'lobby', name })).code, ErrorCode.InvalidName);
      });
    }

    it('refuses a room name with control, bidi or zero-width characters with CHAT_ERR_INVALID_ROOM', () => {
      for (const room of ['lob\u0000by', 'lobby\u202E', 'lob\u200Bby']) {
        assert.equal(failure(decode({ type: 'join', room, name: 'Ann' })).code, ErrorCode.InvalidRoom, JSON.stringify(room));
      }
    });

    it('refuses control characters in resumeKey, historyId and password with CHAT_ERR_INVALID_MESSAGE', () => {
      for (const extra of [{ resumeKey: `${'k'.repeat(20)}\u0000` }, { historyId: 'h\u0000' }, { password: 'pw\u0000' }]) {
        assert.equal(failure(decode({ type: 'join', room: 'r', name: 'Ann', ...extra })).code, ErrorCode.InvalidMessage, JSON.stringify(extra));
      }
    });
  });

  describe('send', () => {
    it('accepts a send and keeps its text exactly (no trimming of the body)', () => {
      assert.deepEqual(success(decode({ type: 'send', id: 'c-1', text: '  hello\n' })), { type: 'send', id: 'c-1', text: '  hello\n' });
    });

    it('refuses missing id or text with CHAT_ERR_INVALID_MESSAGE, echoing a readable id', () => {
      const noText = failure(decode({ type: 'send', id: 'c-2' }));
      assert.equal(noText.code, ErrorCode.InvalidMessage);
      assert.equal(noText.ref, 'c-2');
      const noId = failure(decode({ type: 'send', text: 'hi' }));
      assert.equal(noId.code, ErrorCode.InvalidMessage);
      assert.equal(noId.ref, undefined);
    });

    it('refuses wrong types, an empty id and an over-long id with CHAT_ERR_INVALID_MESSAGE', () => {
      assert.equal(failure(decode({ type: 'send', id: 'c-3', text: 42 })).code, ErrorCode.InvalidMessage);
      assert.equal(failure(decode({ type: 'send', id: 3, text: 'hi' })).code, ErrorCode.InvalidMessage);
      assert.equal(failure(decode({ type: 'send', id: '', text: 'hi' })).code, ErrorCode.InvalidMessage);
      assert.equal(failure(decode({ type: 'send', id: 'x'.repeat(65), text: 'hi' })).code, ErrorCode.InvalidMessage);
    });

    it('refuses an id with control characters with CHAT_ERR_INVALID_MESSAGE, without echoing it', () => {
      for (const id of ['c\u0000', 'c\u001B[31m', 'c\u0085']) {
        const result = failure(decode({ type: 'send', id, text: 'hi' }));
        assert.equal(result.code, ErrorCode.InvalidMessage);
        assert.equal(result.ref, undefined);
      }
    });

    for (const text of ['', ' ', '\n\t  \r\n', '\u00a0\u2003']) {
      it(`refuses text ${JSON.stringify(text)} with CHAT_ERR_EMPTY_TEXT and ref`, () => {
        const result = failure(decode({ type: 'send', id: 'c-4', text }));
        assert.equal(result.code, ErrorCode.EmptyText);
        assert.equal(result.ref, 'c-4');
      });
    }

    it(`accepts exactly ${DEFAULT_MAX_TEXT_BYTES} bytes by default and refuses one more with CHAT_ERR_TEXT_TOO_LONG and ref`, () => {
      assert.equal(success(decode({ type: 'send', id: 'c-5', text: 'a'.repeat(DEFAULT_MAX_TEXT_BYTES) })).type, 'send');
      const result = failure(decode({ type: 'send', id: 'c-5', text: 'a'.repeat(DEFAULT_MAX_TEXT_BYTES + 1) }));
      assert.equal(result.code, ErrorCode.TextTooLong);
      assert.equal(result.ref, 'c-5');
    });

    it('counts UTF-8 bytes, not characters (2-byte é)', () => {
      // 5 characters, 10 bytes.
      assert.equal(failure(decode({ type: 'send', id: 'c-6', text: 'ééééé' }, 9)).code, ErrorCode.TextTooLong);
      assert.equal(success(decode({ type: 'send', id: 'c-6', text: 'ééééé' }, 10)).type, 'send');
    });

    it('counts UTF-8 bytes, not characters (3-byte CJK)', () => {
      // 4 characters, 12 bytes: 4 * 3 > 11 forces the real count.
      assert.equal(failure(decode({ type: 'send', id: 'c-7', text: '日本語字' }, 11)).code, ErrorCode.TextTooLong);
      assert.equal(success(decode({ type: 'send', id: 'c-7', text: '日本語字' }, 12)).type, 'send');
    });

    it('counts a surrogate pair as 4 bytes', () => {
      // 2 emoji: 4 UTF-16 code units, 8 UTF-8 bytes.
      assert.equal(failure(decode({ type: 'send', id: 'c-8', text: '😀😀' }, 7)).code, ErrorCode.TextTooLong);
      assert.equal(success(decode({ type: 'send', id: 'c-8', text: '😀😀' }, 8)).type, 'send');
    });

    it('refuses multi-byte text over the default limit even though its character count is under it', () => {
      const text = 'é'.repeat(DEFAULT_MAX_TEXT_BYTES / 2 + 1);
      assert.ok(text.length < DEFAULT_MAX_TEXT_BYTES);
      assert.equal(failure(decode({ type: 'send', id: 'c-9', text })).code, ErrorCode.TextTooLong);
    });

    it('reports empty text before length', () => {
      assert.equal(failure(decode({ type: 'send', id: 'c-10', text: ' '.repeat(20) }, 4)).code, ErrorCode.EmptyText);
    });
  });

  describe('leave', () => {
    it('accepts a leave', () => {
      assert.deepEqual(success(decode({ type: 'leave' })), { type: 'leave' });
    });
  });

  describe('history', () => {
    it('accepts a history request with and without a limit', () => {
      assert.deepEqual(success(decode({ type: 'history', before: 10 })), { type: 'history', before: 10 });
      assert.deepEqual(success(decode({ type: 'history', before: 10, limit: HISTORY_PAGE_MAX })), { type: 'history', before: 10, limit: HISTORY_PAGE_MAX });
    });

    it('refuses a missing or non-positive before and a limit outside 1..HISTORY_PAGE_MAX with CHAT_ERR_INVALID_MESSAGE', () => {
      for (const value of [
        { type: 'history' },
        { type: 'history', before: 0 },
        { type: 'history', before: 1.5 },
        { type: 'history', before: '3' },
        { type: 'history', before: 3, limit: 0 },
        { type: 'history', before: 3, limit: HISTORY_PAGE_MAX + 1 },
      ]) {
        assert.equal(failure(decode(value)).code, ErrorCode.InvalidMessage, JSON.stringify(value));
      }
    });
  });

  describe('ping', () => {
    it('accepts a ping', () => {
      assert.deepEqual(success(decode({ type: 'ping' })), { type: 'ping' });
    });

    it('drops unknown extra fields of a ping', () => {
      assert.deepEqual(success(decode({ type: 'ping', id: 'p-1', at: 5 })), { type: 'ping' });
    });

    it('matches the ping type case-sensitively', () => {
      assert.equal(failure(decode({ type: 'Ping' })).code, ErrorCode.UnknownType);
    });
  });
});

describe('decodeServerMessage', () => {
  const member = { id: 'abc', name: 'Ann' };
  const chat = { type: 'message', room: 'lobby', seq: 1, ts: 1_700_000_000_000, from: member, clientId: 'c-1', text: 'hi' };
  const valid = [
    {
      type: 'welcome',
      protocol: 1,
      room: 'lobby',
      you: member,
      members: [member],
      history: [chat],
      hasEarlier: false,
      lastSeq: 1,
      historyId: 'f1e2d3c4-0000-4000-8000-000000000000',
      limits: { maxTextBytes: 8192, idleTimeoutMs: 45000 },
    },
    chat,
    { type: 'ack', id: 'c-1', seq: 1, ts: 1 },
    { type: 'memberJoined', room: 'lobby', member },
    { type: 'memberLeft', room: 'lobby', member },
    { type: 'error', code: ErrorCode.NotJoined, message: 'join first' },
    { type: 'error', code: ErrorCode.EmptyText, message: 'empty', ref: 'c-1' },
    { type: 'error', code: ErrorCode.RateLimited, message: 'slow down', ref: 'c-2' },
    { type: 'pong' },
    { type: 'historyPage', room: 'lobby', before: 2, messages: [chat], hasMore: false },
  ];

  for (const message of valid) {
    it(`accepts a ${message.type}${'ref' in message ? ' with ref' : ''}`, () => {
      assert.deepEqual(success(decodeServerMessage(JSON.stringify(message))), message);
    });
  }

  it('refuses a frame that is not JSON with CHAT_ERR_INVALID_JSON', () => {
    assert.equal(failure(decodeServerMessage('h')).code, ErrorCode.InvalidJson);
  });

  it('refuses unknown types and malformed messages with CHAT_ERR_INVALID_MESSAGE', () => {
    const emptyWelcome = {
      type: 'welcome',
      protocol: 1,
      room: 'lobby',
      you: member,
      members: [member],
      history: [],
      hasEarlier: false,
      lastSeq: 0,
      historyId: 'h',
      limits: { maxTextBytes: 8192, idleTimeoutMs: 45000 },
    };
    const withoutHistoryId = Object.fromEntries(Object.entries(emptyWelcome).filter(([field]) => field !== 'historyId'));
    // Complete, it is valid: each case below fails for its own reason.
    assert.equal(success(decodeServerMessage(JSON.stringify(emptyWelcome))).type, 'welcome');
    for (const value of [
      null,
      [],
      { type: 'shout' },
      { type: 'ack', id: 'c-1', seq: 0, ts: 1 },
      { type: 'ack', id: 'c-1', seq: 1.5, ts: 1 },
      { ...chat, from: { id: 'abc' } },
      { type: 'memberJoined', room: 'lobby' },
      { type: 'error', message: 'no code' },
      { type: 'ping' },
      { type: 'historyPage', room: 'lobby', before: 2, messages: [] },
      { ...emptyWelcome, limits: { maxTextBytes: 8192 } },
      { ...emptyWelcome, limits: { maxTextBytes: 8192, idleTimeoutMs: 0 } },
      withoutHistoryId,
    ]) {
      assert.equal(failure(decodeServerMessage(JSON.stringify(value))).code, ErrorCode.InvalidMessage, JSON.stringify(value));
    }
  });
});

describe('isValidCloseCode', () => {
  it('accepts every code LanChat sends', () => {
    for (const code of Object.values(CloseCode)) assert.equal(isValidCloseCode(code), true, String(code));
  });

  it('accepts the RFC 6455 codes an endpoint may send and the 3000–4999 ranges', () => {
    for (const code of [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4001, 4999]) {
      assert.equal(isValidCloseCode(code), true, String(code));
    }
  });

  it('refuses reserved, unassigned and out-of-range codes', () => {
    for (const code of [0, 999, 1004, 1005, 1006, 1015, 1016, 2000, 2999, 5000, 65535, -1000]) {
      assert.equal(isValidCloseCode(code), false, String(code));
    }
  });
});
