import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { createChatServer, HostStartError, type ChatServer } from '../../server';
import { DEFAULT_IDLE_TIMEOUT_MS, MAX_FRAME_BYTES } from '../../server/constants';
import { CloseCode, DEFAULT_MAX_TEXT_BYTES, ErrorCode, NAME_MAX_LENGTH, PROTOCOL_VERSION, type ServerMessageMap } from '../../server/protocol';
import {
  BASE_OPTIONS,
  CLIENT_KINDS,
  WsTestClient,
  closeAll,
  clientId,
  connectClient,
  httpGet,
  nextChat,
  sendAndAck,
  upgradeStatus,
  useServer,
  type TestClient,
} from './helpers';

describe('ChatServer over every transport', () => {
  const fixture = useServer();

  for (const kind of CLIENT_KINDS) {
    describe(`${kind} client`, () => {
      it('joins: welcome carries protocol, room, self, members, history and limits; others see memberJoined', async () => {
        const room = `room-${kind}`;
        const observer = await fixture.connectWs(`observer for ${kind}`);
        const observerWelcome = await observer.join(room, 'Observer');
        assert.deepEqual(observerWelcome.members, [observerWelcome.you]);

        const client = await fixture.connect(kind);
        const welcome = await client.join(room, `Client ${kind}`);
        assert.equal(welcome.protocol, PROTOCOL_VERSION);
        assert.equal(welcome.room, room);
        assert.equal(welcome.you.name, `Client ${kind}`);
        assert.notEqual(welcome.you.id, observerWelcome.you.id);
        assert.deepEqual(welcome.members, [observerWelcome.you, welcome.you]);
        assert.deepEqual(welcome.history, []);
        assert.equal(welcome.lastSeq, 0);
        assert.deepEqual(welcome.limits, { maxTextBytes: DEFAULT_MAX_TEXT_BYTES, idleTimeoutMs: DEFAULT_IDLE_TIMEOUT_MS });

        const joined = await observer.nextAny();
        assert.deepEqual(joined, { type: 'memberJoined', room, member: welcome.you });

        // Both directions, in real time, with seq/ts/from/clientId.
        const id = clientId(kind);
        const ack = await sendAndAck(client, `hello from ${kind}`, id);
        assert.equal(ack.seq, 1);
        assert.equal(typeof ack.ts, 'number');
        const seen = await observer.nextAny();
        assert.deepEqual(seen, { type: 'message', room, seq: 1, ts: ack.ts, from: welcome.you, clientId: id, text: `hello from ${kind}` });

        const replyId = clientId('reply');
        const replyAck = await sendAndAck(observer, 'hello back, ünïcödé ✓', replyId);
        assert.equal(replyAck.seq, 2);
        const reply = await nextChat(client, replyId);
        assert.deepEqual(reply, {
          type: 'message',
          room,
          seq: 2,
          ts: replyAck.ts,
          from: observerWelcome.you,
          clientId: replyId,
          text: 'hello back, ünïcödé ✓',
        });
        assert.deepEqual(client.invalidFrames, []);
        // The observer's own message comes back to it too; consume it before the presence check.
        await nextChat(observer, replyId);

        client.close();
        const left = await observer.nextAny();
        assert.deepEqual(left, { type: 'memberLeft', room, member: welcome.you });
      });
    });
  }

  it('lets clients of different transports chat in one room', async () => {
    const room = 'mixed';
    const clients = await Promise.all(CLIENT_KINDS.map((kind) => fixture.connect(kind, `mixed ${kind}`)));
    const welcomes = [];
    for (const [index, client] of clients.entries()) welcomes.push(await client.join(room, `member ${index}`));
    assert.equal(welcomes.at(-1)?.members.length, CLIENT_KINDS.length);
    for (const [index, client] of clients.entries()) {
      const id = clientId(`mixed-${index}`);
      const ack = await sendAndAck(client, `text ${index}`, id);
      for (const other of clients) {
        const message = await nextChat(other, id);
        assert.equal(message.seq, ack.seq);
        assert.deepEqual(message.from, welcomes[index]?.you);
      }
    }
    await closeAll(clients);
  });
});

describe('ChatServer rooms, presence and history', () => {
  const fixture = useServer();

  it('sends the sender an ack and the other members the message, in seq order', async () => {
    const ann = await fixture.connect('ws', 'ann');
    const bob = await fixture.connect('xhr-streaming', 'bob');
    await ann.join('order', 'Ann');
    await bob.join('order', 'Bob');
    const ids = [clientId('o'), clientId('o'), clientId('o')];
    for (const id of ids) ann.send({ type: 'send', id, text: id });
    const acks = [];
    for (const id of ids) acks.push((await ann.waitFor((m) => m.type === 'ack' && m.id === id)) as ServerMessageMap['ack']);
    assert.deepEqual(
      acks.map((ack) => ack.seq),
      [1, 2, 3],
    );
    const received = [];
    for (let index = 0; index < ids.length; index += 1) received.push(await bob.next('message'));
    assert.deepEqual(
      received.map((message) => [message.seq, message.clientId]),
      ids.map((id, index) => [index + 1, id]),
    );
  });

  it('announces memberLeft on leave; the connection stays open and may join again', async () => {
    const ann = await fixture.connect('ws', 'ann');
    const bob = await fixture.connect('websocket', 'bob');
    await ann.join('presence', 'Ann');
    const bobWelcome = await bob.join('presence', 'Bob');
    await ann.next('memberJoined');
    bob.send({ type: 'leave' });
    assert.deepEqual(await ann.nextAny(), { type: 'memberLeft', room: 'presence', member: bobWelcome.you });

    // No longer a member: sending is refused, the socket is still usable.
    const id = clientId('left');
    bob.send({ type: 'send', id, text: 'still there?' });
    const refused = await bob.next('error');
    assert.equal(refused.code, ErrorCode.NotJoined);
    assert.equal(refused.ref, id);

    const again = await bob.join('presence', 'Bob');
    assert.notEqual(again.you.id, bobWelcome.you.id);
    assert.deepEqual(await ann.nextAny(), { type: 'memberJoined', room: 'presence', member: again.you });
    assert.equal(bob.isClosed, false);
  });

  it('moves a member that joins another room: the old room sees memberLeft', async () => {
    const ann = await fixture.connect('ws', 'ann');
    const bob = await fixture.connect('ws', 'bob');
    await ann.join('move-from', 'Ann');
    const first = await bob.join('move-from', 'Bob');
    await ann.next('memberJoined');
    const second = await bob.join('move-to', 'Bob');
    assert.deepEqual(second.members, [second.you]);
    assert.deepEqual(await ann.nextAny(), { type: 'memberLeft', room: 'move-from', member: first.you });
  });

  for (const [label, kind, end] of [
    ['a ws close handshake', 'ws', (client: TestClient) => client.close()],
    ['a dropped ws TCP connection', 'ws', (client: TestClient) => (client as WsTestClient).terminate()],
    ['a SockJS websocket close', 'websocket', (client: TestClient) => client.close()],
    ['a SockJS xhr-streaming close', 'xhr-streaming', (client: TestClient) => client.close()],
    ['a SockJS xhr-polling close', 'xhr-polling', (client: TestClient) => client.close()],
  ] as const) {
    it(`announces memberLeft when ${label} ends the session`, async () => {
      const room = `gone-${kind}-${label.length}`;
      const ann = await fixture.connect('ws', 'ann');
      await ann.join(room, 'Ann');
      const bob = await fixture.connect(kind, 'bob');
      const bobWelcome = await bob.join(room, 'Bob');
      await ann.next('memberJoined');
      end(bob);
      assert.deepEqual(await ann.nextAny(), { type: 'memberLeft', room, member: bobWelcome.you });
      assert.equal(fixture.server.health().rooms.find((entry) => entry.name === room)?.members, 1);
    });
  }

  it('keeps several rooms on one host apart', async () => {
    const ann = await fixture.connect('ws', 'ann (iso-a)');
    const bob = await fixture.connect('xhr-polling', 'bob (iso-b)');
    const cy = await fixture.connect('ws', 'cy (iso-b)');
    const annWelcome = await ann.join('iso-a', 'Ann');
    await bob.join('iso-b', 'Bob');
    const cyWelcome = await cy.join('iso-b', 'Cy');
    assert.deepEqual(annWelcome.members, [annWelcome.you]);
    assert.equal(cyWelcome.members.length, 2);
    await bob.next('memberJoined');

    const inA = clientId('iso-a');
    const ackA = await sendAndAck(ann, 'only for room a', inA);
    assert.equal(ackA.seq, 1);
    const inB = clientId('iso-b');
    const ackB = await sendAndAck(cy, 'only for room b', inB);
    assert.equal(ackB.seq, 1, 'each room has its own sequence');
    // Bob's next message is Cy's: nothing from room a came first.
    assert.deepEqual(await bob.nextAny(), {
      type: 'message',
      room: 'iso-b',
      seq: 1,
      ts: ackB.ts,
      from: cyWelcome.you,
      clientId: inB,
      text: 'only for room b',
    });
    assert.equal(
      bob.received.some((message) => message.type === 'message' && message.room === 'iso-a'),
      false,
    );
  });

  it('treats room names case-insensitively, keeping the first spelling', async () => {
    const ann = await fixture.connect('ws', 'ann');
    const bob = await fixture.connect('xhr-streaming', 'bob');
    const annWelcome = await ann.join('Mixed Case', 'Ann');
    const bobWelcome = await bob.join('mIXED cASE', 'Bob');
    assert.equal(bobWelcome.room, 'Mixed Case');
    assert.deepEqual(bobWelcome.members, [annWelcome.you, bobWelcome.you]);
  });

  it('catches up: a join with since receives the missed history in order', async () => {
    const room = 'catch-up';
    const ann = await fixture.connect('ws', 'ann');
    await ann.join(room, 'Ann');
    const sent = [];
    for (const text of ['first', 'second', 'third']) {
      const id = clientId('h');
      const ack = await sendAndAck(ann, text, id);
      sent.push({ id, text, seq: ack.seq, ts: ack.ts });
    }

    const bob = await fixture.connect('xhr-streaming', 'bob');
    const partial = await bob.join(room, 'Bob', 1);
    assert.equal(partial.lastSeq, 3);
    assert.deepEqual(
      partial.history.map((message) => [message.seq, message.clientId, message.text, message.ts]),
      sent.slice(1).map((entry) => [entry.seq, entry.id, entry.text, entry.ts]),
    );

    const cy = await fixture.connect('ws', 'cy');
    const full = await cy.join(room, 'Cy');
    assert.deepEqual(
      full.history.map((message) => message.text),
      ['first', 'second', 'third'],
    );

    const dee = await fixture.connect('websocket', 'dee');
    const upToDate = await dee.join(room, 'Dee', 3);
    assert.deepEqual(upToDate.history, []);
    assert.equal(upToDate.lastSeq, 3);
  });

  it('acknowledges a resend of the same client id with the same seq and does not broadcast it twice', async () => {
    const room = 'dedupe';
    const ann = await fixture.connect('ws', 'ann');
    const bob = await fixture.connect('xhr-polling', 'bob');
    await ann.join(room, 'Ann');
    await bob.join(room, 'Bob');
    await ann.next('memberJoined');

    const id = clientId('dup');
    const first = await sendAndAck(ann, 'only once', id);
    const second = await sendAndAck(ann, 'only once', id);
    assert.deepEqual(second, first);
    const barrier = clientId('barrier');
    const barrierAck = await sendAndAck(ann, 'after the resend', barrier);
    assert.equal(barrierAck.seq, first.seq + 1);

    // Bob's inbox is in arrival order: the message once, then the barrier.
    const seenFirst = await bob.nextAny();
    assert.equal(seenFirst.type === 'message' ? seenFirst.clientId : seenFirst.type, id);
    const seenSecond = await bob.nextAny();
    assert.equal(seenSecond.type === 'message' ? seenSecond.clientId : seenSecond.type, barrier, 'the resend was broadcast again');
    assert.equal(
      ann.received.filter((message) => message.type === 'message' && message.clientId === id).length,
      1,
      'the sender saw its resent message twice',
    );
  });
});

/**
 * Bad input from one client: a typed `error` (with `ref` when the frame had a
 * usable id), the connection stays open, and the other members get nothing.
 */
for (const kind of CLIENT_KINDS) {
  describe(`ChatServer refusing bad input over ${kind}`, () => {
    // The offender sends a few dozen frames in a second or two; the default
    // rate limit (30 per 10 s) is tested in hardening.integration.test.ts.
    const fixture = useServer({ rateLimit: { messages: 1_000, intervalMs: 1_000 } });
    const room = 'strict';
    let offender: TestClient;
    let watcher: TestClient;

    before(async () => {
      watcher = await fixture.connect('ws', 'watcher');
      await watcher.join(room, 'Watcher');
      offender = await fixture.connect(kind, `offender (${kind})`);
      await offender.join(room, 'Offender');
      await watcher.next('memberJoined');
    });

    /** After a refusal: a valid message still works, and it is the first thing the watcher hears. */
    async function assertStillChatting(client: TestClient = offender): Promise<void> {
      const id = clientId('valid');
      await sendAndAck(client, 'a valid message afterwards', id);
      // The sender's copy of its own message: consumed so the next test starts from an empty inbox.
      await nextChat(client, id);
      const heard = await watcher.nextAny();
      assert.equal(heard.type === 'message' ? heard.clientId : heard.type, id, 'the watcher received something from the bad input');
      assert.equal(client.isClosed, false);
    }

    const cases: Array<{ label: string; frame: string; code: string; ref?: string }> = [
      { label: 'broken JSON', frame: '{"type":"send","id":"x1","text":', code: ErrorCode.InvalidJson },
      { label: 'a JSON array', frame: '[{"type":"leave"}]', code: ErrorCode.InvalidMessage },
      { label: 'a JSON string', frame: '"hello"', code: ErrorCode.InvalidMessage },
      { label: 'an unknown type', frame: JSON.stringify({ type: 'shout', id: 'bad-type', text: 'hi' }), code: ErrorCode.UnknownType, ref: 'bad-type' },
      { label: 'no type', frame: JSON.stringify({ id: 'no-type', text: 'hi' }), code: ErrorCode.UnknownType, ref: 'no-type' },
      { label: 'a send without text', frame: JSON.stringify({ type: 'send', id: 'no-text' }), code: ErrorCode.InvalidMessage, ref: 'no-text' },
      { label: 'a send without id', frame: JSON.stringify({ type: 'send', text: 'hi' }), code: ErrorCode.InvalidMessage },
      { label: 'a send with numeric text', frame: JSON.stringify({ type: 'send', id: 'num-text', text: 42 }), code: ErrorCode.InvalidMessage, ref: 'num-text' },
      { label: 'a join without name', frame: JSON.stringify({ type: 'join', room }), code: ErrorCode.InvalidMessage },
      {
        label: 'an over-long name',
        frame: JSON.stringify({ type: 'join', room, name: 'n'.repeat(NAME_MAX_LENGTH + 1) }),
        code: ErrorCode.InvalidName,
      },
      { label: 'an empty name', frame: JSON.stringify({ type: 'join', room, name: '   ' }), code: ErrorCode.InvalidName },
      { label: 'a bad room name', frame: JSON.stringify({ type: 'join', room: '../etc', name: 'Offender' }), code: ErrorCode.InvalidRoom },
      {
        label: 'over-long text (multi-byte: under the limit in characters, over it in bytes)',
        frame: JSON.stringify({ type: 'send', id: 'too-long', text: 'é'.repeat(DEFAULT_MAX_TEXT_BYTES / 2 + 1) }),
        code: ErrorCode.TextTooLong,
        ref: 'too-long',
      },
      { label: 'empty text', frame: JSON.stringify({ type: 'send', id: 'empty', text: '' }), code: ErrorCode.EmptyText, ref: 'empty' },
      { label: 'whitespace text', frame: JSON.stringify({ type: 'send', id: 'blank', text: ' \n\t ' }), code: ErrorCode.EmptyText, ref: 'blank' },
    ];

    for (const { label, frame, code, ref } of cases) {
      it(`answers ${label} with ${code}${ref ? ' and ref' : ''}, and stays open`, async () => {
        offender.sendRaw(frame);
        const error = await offender.nextAny();
        assert.equal(error.type, 'error');
        assert.equal(error.type === 'error' && error.code, code);
        assert.equal(error.type === 'error' ? error.ref : undefined, ref);
        await assertStillChatting();
      });
    }

    it(`answers send and leave before join with ${ErrorCode.NotJoined}; the client may join afterwards`, async () => {
      const newcomer = await fixture.connect(kind, `newcomer (${kind})`);
      newcomer.send({ type: 'send', id: 'early', text: 'am I in?' });
      const early = await newcomer.nextAny();
      assert.equal(early.type === 'error' && early.code, ErrorCode.NotJoined);
      assert.equal(early.type === 'error' ? early.ref : undefined, 'early');
      newcomer.send({ type: 'leave' });
      const leave = await newcomer.nextAny();
      assert.equal(leave.type === 'error' && leave.code, ErrorCode.NotJoined);
      assert.equal(leave.type === 'error' ? leave.ref : undefined, undefined);

      const welcome = await newcomer.join(room, 'Newcomer');
      // The watcher's first news is the join: the refused frames reached nobody.
      assert.deepEqual(await watcher.nextAny(), { type: 'memberJoined', room, member: welcome.you });
      await sendAndAck(newcomer, 'joined at last');
      await watcher.next('message');
      await offender.next('memberJoined');
      await offender.next('message');
    });

    if (kind === 'ws') {
      it('answers a binary frame of garbage with CHAT_ERR_INVALID_JSON and stays open', async () => {
        (offender as WsTestClient).sendBinary(Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00]));
        const error = await offender.nextAny();
        assert.equal(error.type === 'error' && error.code, ErrorCode.InvalidJson);
        await assertStillChatting();
      });

      it(`closes a connection that sends a frame over maxFrameBytes with ${CloseCode.MessageTooBig}; others carry on`, async () => {
        const big = await fixture.connectWs('oversize');
        const bigWelcome = await big.join(room, 'Big');
        await watcher.next('memberJoined');
        await offender.next('memberJoined');
        big.sendRaw(JSON.stringify({ type: 'send', id: 'huge', text: 'x'.repeat(MAX_FRAME_BYTES) }));
        const closed = await big.waitClosed();
        assert.equal(closed.code, CloseCode.MessageTooBig);
        assert.deepEqual(await watcher.nextAny(), { type: 'memberLeft', room, member: bigWelcome.you });
        await offender.next('memberLeft');
        assert.equal(big.received.some((message) => message.type === 'ack'), false);
        await assertStillChatting();
      });

      it('closes a connection that sends invalid UTF-8 in a text frame with 1007', async () => {
        const broken = await fixture.connectWs('bad utf-8');
        broken.socket.send(Buffer.from([0x7b, 0xc3, 0x28, 0x7d]), { binary: false });
        assert.equal((await broken.waitClosed()).code, 1007);
        await assertStillChatting();
      });
    }
  });
}

/** Whether the function calling the clock is in server/session.ts (the chat handlers). */
function calledFromSession(): boolean {
  // Stack: Error, calledFromSession, the injected clock, its caller.
  const caller = new Error().stack?.split('\n')[3] ?? '';
  return /server[\\/]session\.ts/.test(caller);
}

describe('ChatServer when a handler throws', () => {
  let clockBroken = false;
  // The clock fails only for the session's own calls (its rate limiter),
  // which run inside the handler that turns any failure into 1011. The
  // transports read the clock too (liveness), but outside that guard: a
  // throw there is not the handler failure this suite is about.
  const fixture = useServer({
    now: () => {
      if (clockBroken && calledFromSession()) throw new Error('injected clock failure');
      return Date.now();
    },
  });

  for (const kind of ['ws', 'xhr-streaming'] as const) {
    it(`closes only the failing ${kind} session with ${CloseCode.InternalError}; another client keeps chatting`, async () => {
      const room = `fragile-${kind}`;
      const steady = await fixture.connect('ws', 'steady');
      const steadyWelcome = await steady.join(room, 'Steady');
      const victim = await fixture.connect(kind, `victim (${kind})`);
      const victimWelcome = await victim.join(room, 'Victim');
      await steady.next('memberJoined');

      clockBroken = true;
      try {
        victim.send({ type: 'send', id: 'boom', text: 'this breaks the clock' });
        const error = await victim.next('error');
        assert.equal(error.code, ErrorCode.Internal);
        assert.equal(error.ref, 'boom');
        assert.equal((await victim.waitClosed()).code, CloseCode.InternalError);
      } finally {
        clockBroken = false;
      }

      assert.deepEqual(await steady.nextAny(), { type: 'memberLeft', room, member: victimWelcome.you });
      const id = clientId('steady');
      const ack = await sendAndAck(steady, 'still here', id);
      assert.equal(ack.seq, 1, 'the failed send was not stored');

      const late = await fixture.connect('xhr-polling', 'late');
      const lateWelcome = await late.join(room, 'Late');
      assert.deepEqual(lateWelcome.members, [steadyWelcome.you, lateWelcome.you]);
      assert.deepEqual(
        lateWelcome.history.map((message) => message.clientId),
        [id],
      );
      const reply = await sendAndAck(late, 'hi steady');
      assert.equal((await steady.waitFor((m) => m.type === 'message' && m.seq === reply.seq)).type, 'message');
      assert.equal(fixture.server.state, 'running');
    });
  }
});

describe('ChatServer HTTP', () => {
  let parent: string;
  const fixture = useServer({ version: '9.8.7-test', rooms: ['lobby', ' Announcements '] });
  let webFixture: { server: ChatServer; address: AddressInfo };

  before(async () => {
    parent = await mkdtemp(join(tmpdir(), 'lanchat-web-'));
    const webRoot = join(parent, 'web');
    await mkdir(join(webRoot, 'assets'), { recursive: true });
    await writeFile(join(webRoot, 'index.html'), '<!doctype html><title>LanChat test client</title>');
    await writeFile(join(webRoot, 'assets', 'app-1234.js'), 'console.log("app");');
    await writeFile(join(parent, 'package.json'), '{"secret":"outside the web root"}');
    await writeFile(join(parent, 'secret.txt'), 'outside the web root');
    const server = createChatServer({ ...BASE_OPTIONS, webRoot });
    webFixture = { server, address: await server.start() };
  });

  after(async () => {
    await webFixture?.server.close();
    if (parent) await rm(parent, { recursive: true, force: true });
  });

  describe('/health', () => {
    it('reports status, version, protocol, rooms and member counts', async () => {
      const idle = await httpGet(fixture.address, '/health');
      assert.equal(idle.status, 200);
      assert.match(String(idle.headers['content-type']), /^application\/json/);
      const report = JSON.parse(idle.body);
      assert.equal(report.status, 'ok');
      assert.equal(report.name, 'lanchat');
      assert.equal(report.version, '9.8.7-test');
      assert.equal(report.protocol, PROTOCOL_VERSION);
      assert.equal(typeof report.uptimeMs, 'number');
      assert.equal(report.members, 0);
      assert.deepEqual(report.rooms, [
        { name: 'lobby', protected: false, members: 0, lastSeq: 0 },
        { name: 'Announcements', protected: false, members: 0, lastSeq: 0 },
      ]);

      const ann = await fixture.connect('ws', 'ann');
      const bob = await fixture.connect('xhr-streaming', 'bob');
      const idleClient = await fixture.connect('ws', 'not joined');
      await ann.join('LOBBY', 'Ann');
      await bob.join('side room', 'Bob');
      await sendAndAck(ann, 'one');
      await sendAndAck(ann, 'two');
      // A round trip on the idle client proves its connection is registered.
      idleClient.send({ type: 'leave' });
      await idleClient.next('error');

      const busy = JSON.parse((await httpGet(fixture.address, '/health?fresh=1')).body);
      assert.equal(busy.members, 2);
      assert.equal(busy.connections, 3);
      assert.deepEqual(busy.rooms, [
        { name: 'lobby', protected: false, members: 1, lastSeq: 2 },
        { name: 'Announcements', protected: false, members: 0, lastSeq: 0 },
        { name: 'side room', protected: false, members: 1, lastSeq: 0 },
      ]);
      assert.deepEqual({ ...fixture.server.health(), uptimeMs: 0 }, { ...busy, uptimeMs: 0 });
    });
  });

  describe('web client', () => {
    it('serves nothing at / without a webRoot', async () => {
      assert.equal((await httpGet(fixture.address, '/')).status, 404);
      assert.equal((await httpGet(fixture.address, '/index.html')).status, 404);
    });

    it('serves index.html at / when webRoot is set', async () => {
      const response = await httpGet(webFixture.address, '/');
      assert.equal(response.status, 200);
      assert.match(String(response.headers['content-type']), /^text\/html/);
      assert.equal(response.body, '<!doctype html><title>LanChat test client</title>');
      assert.equal(response.headers['x-content-type-options'], 'nosniff');
    });

    it('serves hashed assets with a long cache lifetime, and HEAD without a body', async () => {
      const asset = await httpGet(webFixture.address, '/assets/app-1234.js');
      assert.equal(asset.status, 200);
      assert.match(String(asset.headers['content-type']), /^text\/javascript/);
      assert.match(String(asset.headers['cache-control']), /immutable/);
      const head = await httpGet(webFixture.address, '/index.html', 'HEAD');
      assert.equal(head.status, 200);
      assert.equal(head.body, '');
    });

    it('answers 404 for missing files and 405 for other methods', async () => {
      assert.equal((await httpGet(webFixture.address, '/nope.html')).status, 404);
      assert.equal((await httpGet(webFixture.address, '/assets/')).status, 404);
      assert.equal((await httpGet(webFixture.address, '/', 'POST')).status, 405);
    });

    for (const path of [
      '/../package.json',
      '/../secret.txt',
      '/assets/../../secret.txt',
      '/%2e%2e/package.json',
      '/%2E%2E/secret.txt',
      '/..%2fpackage.json',
      '/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
      '/index.html%00.js',
    ]) {
      it(`refuses path traversal ${path} with 404`, async () => {
        const response = await httpGet(webFixture.address, path);
        assert.equal(response.status, 404);
        assert.doesNotMatch(response.body, /outside the web root|root:/);
      });
    }

    it('still answers /health and SockJS beside the web client', async () => {
      assert.equal((await httpGet(webFixture.address, '/health')).status, 200);
      const info = await httpGet(webFixture.address, '/sockjs/info');
      assert.equal(info.status, 200);
      assert.equal(JSON.parse(info.body).websocket, true);
    });
  });

  describe('upgrades', () => {
    for (const path of ['/', '/nope', '/ws/extra', '/wsx', '/health']) {
      it(`answers an upgrade to ${path} with 404`, async () => {
        assert.equal(await upgradeStatus(fixture.address, path), 404);
      });
    }

    it('accepts an upgrade to /ws with a query string', async () => {
      const client = await WsTestClient.connect(fixture.address, 'query', '/ws?client=test');
      fixture.clients.push(client);
      assert.equal((await client.join('lobby', 'Query')).room, 'lobby');
    });
  });
});

describe('ChatServer lifecycle', () => {
  describe('#close', () => {
    it(`closes every client with ${CloseCode.GoingAway}, settles, and is safe to call twice`, async () => {
      const server = createChatServer(BASE_OPTIONS);
      const address = await server.start();
      assert.equal(server.state, 'running');
      const clients = await Promise.all(CLIENT_KINDS.map((kind) => connectClient(address, kind, `closing ${kind}`)));
      try {
        for (const [index, client] of clients.entries()) await client.join('closing', `member ${index}`);
        const first = server.close();
        assert.equal(server.state, 'closing');
        const second = server.close();
        await Promise.all([first, second]);
        assert.equal(server.state, 'closed');
        const closes = await Promise.all(clients.map((client) => client.waitClosed()));
        for (const [index, kind] of CLIENT_KINDS.entries()) {
          const code = closes[index]?.code;
          if (kind === 'xhr-polling') {
            // A polling session gets its close frame only on its next poll. When close() lands
            // between two polls the host has stopped listening before that poll arrives, and the
            // client sees 1006 instead (reported as a server limitation, not asserted away).
            assert.ok(code === CloseCode.GoingAway || code === 1006, `xhr-polling closed with ${code}`);
          } else {
            assert.equal(code, CloseCode.GoingAway, `${kind} closed with ${code}`);
          }
        }
        await server.close();
        assert.equal(server.state, 'closed');
        await assert.rejects(WsTestClient.connect(address, 'after close'));
      } finally {
        await closeAll(clients);
        await server.close();
      }
    });

    it('resolves for a server that never started', async () => {
      const server = createChatServer(BASE_OPTIONS);
      await server.close();
      await server.close();
      assert.equal(server.state, 'closed');
      await assert.rejects(server.start());
    });
  });

  describe('#start', () => {
    it('rejects with HostStartError EADDRINUSE when the port is busy', async () => {
      const first = createChatServer(BASE_OPTIONS);
      const { port } = await first.start();
      const second = createChatServer({ ...BASE_OPTIONS, port });
      try {
        await assert.rejects(second.start(), (error: unknown) => {
          assert.ok(error instanceof HostStartError);
          assert.equal(error.code, 'EADDRINUSE');
          assert.equal(error.port, port);
          return true;
        });
        assert.equal(second.state, 'closed');
        assert.equal(second.address(), undefined);
        assert.equal(first.state, 'running');
      } finally {
        await second.close();
        await first.close();
      }
    });

    it('refuses to start twice', async () => {
      const server = createChatServer(BASE_OPTIONS);
      try {
        const address = await server.start();
        assert.deepEqual(server.address(), address);
        assert.equal(address.address, '127.0.0.1');
        await assert.rejects(server.start());
        assert.equal(server.state, 'running');
      } finally {
        await server.close();
      }
    });

    it('throws TypeError for invalid options before listening', () => {
      assert.throws(() => createChatServer({ ...BASE_OPTIONS, maxTextBytes: 0 }), TypeError);
    });
  });
});
