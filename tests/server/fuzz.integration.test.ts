/**
 * Property-based fuzzing of both endpoints with fast-check: random strings,
 * random JSON, protocol-shaped messages with random field values, random
 * binary frames and invalid UTF-8, thrown at `/ws` and at SockJS's
 * `xhr_send`. The server runs in this process, so an uncaught exception
 * anywhere in it fails the run. After every batch the host must still serve
 * a normal client and answer `/health`.
 *
 * Runs are bounded (RUNS per property, small inputs) to stay within a few
 * seconds; a failure prints fast-check's seed and shrunk counterexample.
 */
import assert from 'node:assert/strict';
import { isUtf8 } from 'node:buffer';
import { after, before, describe, it } from 'node:test';

import fc from 'fast-check';

import { CloseCode, ErrorCode, type ServerMessage } from '../../server/protocol';
import {
  RawXhrSession,
  WsTestClient,
  clientId,
  connectClient,
  httpRequest,
  nextChat,
  sendAndAck,
  useServer,
  type TestClient,
} from './helpers';

/** Runs per property. */
const RUNS = 200;
/** The room the after-batch check uses; configured so that fuzzed joins cannot use up maxRooms before it exists. */
const CHECK_ROOM = 'fuzz-check';

/** Strings of any UTF-16 code units, lone surrogates included. */
const anyString = fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 200 }), fc.string({ unit: 'grapheme', maxLength: 50 }));

/** Values a protocol field might be sent with, sensible or not. */
const fieldValue = fc.oneof(
  fc.constantFrom('', ' ', 'lobby', CHECK_ROOM, 'Ann', 'x'.repeat(300), '0123456789abcdef0123456789abcdef', '../etc', '\u0000', '-1'),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.jsonValue({ maxDepth: 2 }),
);

/** Any field, any value: mostly refused. */
const looseMessage = fc.record(
  {
    type: fc.oneof(fc.constantFrom('join', 'send', 'leave', 'ping', 'pong', 'welcome', 'message', 'JOIN', ''), fieldValue),
    room: fieldValue,
    name: fieldValue,
    since: fieldValue,
    password: fieldValue,
    resumeKey: fieldValue,
    id: fieldValue,
    text: fieldValue,
  },
  { requiredKeys: ['type'] },
);

/** Messages of a real type with the fields it needs, so that fuzzing also gets past the decoder into joins and sends. */
const plausibleMessage = fc.oneof(
  fc.record(
    {
      type: fc.constant('join'),
      room: fc.oneof(fc.constantFrom('lobby', 'Lobby', CHECK_ROOM, 'Room 2', 'café'), fc.string({ minLength: 1, maxLength: 50 })),
      name: fc.oneof(fc.constantFrom('Ann', 'ann', ' Bob '), fc.string({ minLength: 1, maxLength: 40 })),
      since: fc.oneof({ arbitrary: fc.nat(), weight: 4 }, { arbitrary: fieldValue, weight: 1 }),
      password: fc.oneof({ arbitrary: fc.string({ maxLength: 128 }), weight: 4 }, { arbitrary: fc.constant('p'.repeat(129)), weight: 1 }),
      resumeKey: fc.oneof(
        { arbitrary: fc.string({ minLength: 16, maxLength: 64 }), weight: 4 },
        { arbitrary: fc.constantFrom('short', 'k'.repeat(65)), weight: 1 },
      ),
    },
    { requiredKeys: ['type', 'room', 'name'] },
  ),
  fc.record({
    type: fc.constant('send'),
    id: fc.oneof(fc.string({ minLength: 1, maxLength: 64 }), fc.constantFrom('dup', 'dup')),
    text: fc.oneof(anyString, fc.constantFrom(' ', '\n', 'x'.repeat(9_000))),
  }),
  fc.constantFrom({ type: 'leave' }, { type: 'ping' }),
);

/** Objects shaped like client (and server) messages, with random field values. */
const protocolShaped = fc.oneof(plausibleMessage, looseMessage);

/** Byte sequences no UTF-8 decoder may accept. */
const INVALID_UTF8 = [[0x80], [0xbf], [0xc0, 0xaf], [0xc1, 0xbf], [0xc3, 0x28], [0xe2, 0x28, 0xa1], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xf0, 0x28, 0x8c, 0xbc], [0xf4, 0x90, 0x80, 0x80], [0xf5, 0x80, 0x80, 0x80], [0xfe], [0xff]];

/** Random bytes around at least one invalid sequence, kept only when the whole really is invalid. */
const invalidUtf8 = fc
  .tuple(fc.uint8Array({ maxLength: 64 }), fc.constantFrom(...INVALID_UTF8), fc.uint8Array({ maxLength: 64 }))
  .map(([before, bad, after]) => Buffer.concat([before, Buffer.from(bad), after]))
  .filter((bytes) => !isUtf8(bytes));

/** A frame that is a JSON object the server answers, never produced by the generators above. */
let markerCount = 0;
function marker(): { id: string; frame: string } {
  markerCount += 1;
  const id = `sync-${process.pid}-${markerCount}`;
  return { id, frame: JSON.stringify({ type: 'send', id, text: 'marker' }) };
}

/** The server's answer to a marker: an ack when the fuzzed frames left the client in a room, a NOT_JOINED error otherwise. */
function answersMarker(id: string) {
  return (message: ServerMessage): boolean =>
    (message.type === 'ack' && message.id === id) || (message.type === 'error' && message.ref === id && message.code === ErrorCode.NotJoined);
}

describe('fuzzing the host', () => {
  const fixture = useServer({
    rooms: [CHECK_ROOM],
    // Fuzzed frames come as fast as the host answers; the limits under test here are the decoder's.
    rateLimit: { messages: 1_000_000, intervalMs: 1_000 },
    joinTimeoutMs: 120_000,
    // The fuzzing session polls after every input; this only has to outlast one round trip.
    sockjs: { disconnectDelayMs: 1_000 },
  });
  let checks = 0;

  /** A normal client on each endpoint still joins, sends and gets its ack; /health answers. */
  async function assertHostServes(): Promise<void> {
    checks += 1;
    assert.equal(fixture.server.state, 'running');
    const health = await httpRequest(fixture.address, { path: '/health' });
    assert.equal(health.status, 200);
    assert.equal((JSON.parse(health.body) as { status: string }).status, 'ok');
    const clients: TestClient[] = [];
    try {
      for (const kind of ['ws', 'xhr-polling'] as const) clients.push(await connectClient(fixture.address, kind, `check ${checks} ${kind}`));
      const [ws, sockjs] = clients as [TestClient, TestClient];
      await ws.join(CHECK_ROOM, `Checker ws ${checks}`);
      await sockjs.join(CHECK_ROOM, `Checker sockjs ${checks}`);
      for (const [from, to] of [
        [ws, sockjs],
        [sockjs, ws],
      ] as const) {
        const id = clientId('check');
        await sendAndAck(from, 'still serving', id);
        await nextChat(to, id);
      }
      for (const client of clients) assert.deepEqual(client.invalidFrames, []);
    } finally {
      for (const client of clients) client.close();
      await Promise.all(clients.map((client) => client.waitClosed().catch(() => undefined)));
    }
  }

  describe('/ws', () => {
    let client: WsTestClient;

    before(async () => {
      client = await fixture.connectWs('fuzzer');
    });

    after(async () => {
      assert.equal(client.isClosed, false, 'no valid frame under the size limit may cost the connection');
      assert.deepEqual(client.invalidFrames, [], 'the host only ever sends protocol messages');
      await assertHostServes();
    });

    /** Sends `frames`, then a marker, and waits for the marker's answer: every frame before it was handled. */
    async function throwFrames(send: () => void): Promise<void> {
      send();
      const sync = marker();
      client.sendRaw(sync.frame);
      await client.waitFor(answersMarker(sync.id), undefined, `answer to ${sync.id}`);
    }

    it('survives random strings as text frames', async () => {
      await fc.assert(
        fc.asyncProperty(anyString, (text) => throwFrames(() => client.sendRaw(text))),
        { numRuns: RUNS },
      );
    });

    it('survives random JSON values', async () => {
      await fc.assert(
        fc.asyncProperty(fc.jsonValue({ maxDepth: 4 }), (value) => throwFrames(() => client.sendRaw(JSON.stringify(value)))),
        { numRuns: RUNS },
      );
    });

    it('survives protocol-shaped messages with random field values', async () => {
      await fc.assert(
        fc.asyncProperty(protocolShaped, (message) => throwFrames(() => client.send(message))),
        { numRuns: RUNS },
      );
    });

    it('survives random binary frames', async () => {
      await fc.assert(
        fc.asyncProperty(fc.uint8Array({ maxLength: 2_048 }), (bytes) => throwFrames(() => client.sendBinary(Buffer.from(bytes)))),
        { numRuns: RUNS },
      );
    });

    it(`closes text frames of invalid UTF-8 with ${CloseCode.InvalidPayload}, one connection each`, async () => {
      await fc.assert(
        fc.asyncProperty(invalidUtf8, async (bytes) => {
          const victim = await WsTestClient.connect(fixture.address, 'invalid utf-8');
          victim.socket.send(bytes, { binary: false });
          assert.equal((await victim.waitClosed()).code, CloseCode.InvalidPayload);
        }),
        { numRuns: RUNS / 2 },
      );
    });
  });

  describe('SockJS xhr_send', () => {
    let session: RawXhrSession;
    /** Messages the session has delivered, in order. */
    const delivered: ServerMessage[] = [];

    before(async () => {
      session = new RawXhrSession(fixture.address);
      assert.deepEqual(await session.poll(), [{ kind: 'o' }]);
    });

    after(async () => {
      await assertHostServes();
    });

    /** Posts `body`, then a marker, and polls until the marker's answer arrives. */
    async function throwBody(body: string | Buffer): Promise<void> {
      const response = await session.sendBody(body);
      // 204: delivered; 500: sockjs refused the envelope (not JSON, not an array).
      assert.ok(response.status === 204 || response.status === 500, `xhr_send answered ${response.status}`);
      const sync = marker();
      assert.equal(await session.send(sync.frame), 204);
      const answered = answersMarker(sync.id);
      for (let polls = 0; polls < 20; polls += 1) {
        for (const frame of await session.poll()) {
          if (frame.kind === 'c') assert.fail(`the session was closed: ${frame.code} ${frame.reason}`);
          if (frame.kind !== 'a') continue;
          for (const raw of frame.messages) delivered.push(JSON.parse(raw) as ServerMessage);
        }
        if (delivered.some(answered)) return;
      }
      assert.fail(`no answer to ${sync.id}`);
    }

    it('survives random bodies', async () => {
      await fc.assert(
        fc.asyncProperty(anyString, (body) => throwBody(body)),
        { numRuns: RUNS },
      );
    });

    it('survives random JSON bodies', async () => {
      await fc.assert(
        fc.asyncProperty(fc.json({ maxDepth: 3 }), (body) => throwBody(body)),
        { numRuns: RUNS },
      );
    });

    it('survives well-framed bodies carrying random strings and protocol-shaped messages', async () => {
      const payload = fc.oneof(anyString, protocolShaped.map((message) => JSON.stringify(message)), fc.jsonValue({ maxDepth: 2 }));
      await fc.assert(
        fc.asyncProperty(fc.array(payload, { maxLength: 8 }), (payloads) => throwBody(JSON.stringify(payloads))),
        { numRuns: RUNS },
      );
    });

    it('survives bodies of random bytes and invalid UTF-8', async () => {
      const quoted = invalidUtf8.map((bytes) => Buffer.concat([Buffer.from('["'), bytes, Buffer.from('"]')]));
      await fc.assert(
        fc.asyncProperty(fc.oneof(fc.uint8Array({ maxLength: 512 }).map((bytes) => Buffer.from(bytes)), invalidUtf8, quoted), (body) => throwBody(body)),
        { numRuns: RUNS },
      );
    });
  });
});
