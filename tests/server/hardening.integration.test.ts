/**
 * The production-hardening layer ("A host that nothing can knock over"),
 * end to end on real sockets: origin check, the join handshake (passwords,
 * names, room size, resume, room count), limits (text size, frame size,
 * rate, idle and join timeouts, connection count), dead-peer detection and
 * slow consumers. Every server listens on 127.0.0.1 port 0.
 */
import assert from 'node:assert/strict';
import type { AddressInfo, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { describe, it } from 'node:test';

import SockJS from 'sockjs-client';

import { createChatServer } from '../../server';
import { WS_PING_SLICES } from '../../server/constants';
import { CloseCode, ErrorCode, type ServerMessage, type ServerMessageMap } from '../../server/protocol';
import {
  EVENT_TIMEOUT_MS,
  RawXhrSession,
  SockJsTestClient,
  WsTestClient,
  baseUrl,
  clientId,
  expectError,
  httpRequest,
  nextChat,
  sendAndAck,
  sockJsSessionId,
  upgradeWith,
  useServer,
  withTimeout,
  type ClientKind,
  type SockJsFrame,
  type SockJsTransportName,
  type TestClient,
} from './helpers';

const EVIL = 'http://evil.example';

/** Resolves once `condition()` holds, checking after every turn of the event loop; rejects after `timeoutMs`. */
function waitUntil(condition: () => boolean, what: string, timeoutMs = EVENT_TIMEOUT_MS): Promise<void> {
  return withTimeout(
    new Promise<void>((resolve) => {
      const check = (): void => {
        if (condition()) resolve();
        else setTimeout(check, 10);
      };
      check();
    }),
    timeoutMs,
    what,
  );
}

/** Consumes the `memberLeft` of `memberId`. */
function nextLeft(client: TestClient, memberId: string, timeoutMs = EVENT_TIMEOUT_MS): Promise<ServerMessage> {
  return client.waitFor((message) => message.type === 'memberLeft' && message.member.id === memberId, timeoutMs, `memberLeft of ${memberId}`);
}

/** After refusals: the client's next message is the answer to its own `ping`, and it got nothing but what it provoked. */
async function assertHeardOnlyItsOwn(client: TestClient, expectedTypes: string[]): Promise<void> {
  client.send({ type: 'ping' });
  assert.deepEqual(await client.nextAny(), { type: 'pong' });
  assert.deepEqual(
    client.received.map((message) => (message.type === 'error' ? message.code : message.type)),
    [...expectedTypes, 'pong'],
  );
  assert.equal(client.isClosed, false);
}

describe('origin check', () => {
  describe('with the default allowed origins', () => {
    const fixture = useServer();
    const port = (): number => fixture.address.port;

    it('lets /ws upgrades through without Origin, from the host’s own origin and from the desktop app', async () => {
      assert.equal(await upgradeWith(fixture.address, '/ws'), 101);
      assert.equal(await upgradeWith(fixture.address, '/ws', { Origin: `http://127.0.0.1:${port()}` }), 101);
      assert.equal(await upgradeWith(fixture.address, '/ws', { Origin: `http://localhost:${port()}`, Host: `localhost:${port()}` }), 101);
      assert.equal(await upgradeWith(fixture.address, '/ws', { Origin: 'app://lanchat' }), 101);
    });

    it('lets a desktop-app client chat', async () => {
      const client = await fixture.connectWs('desktop app', { origin: 'app://lanchat' });
      assert.equal((await client.join('origin-room', 'App')).room, 'origin-room');
    });

    it('refuses a foreign origin with HTTP 403 on the /ws upgrade', async () => {
      assert.equal(await upgradeWith(fixture.address, '/ws', { Origin: EVIL }), 403);
      assert.equal(await upgradeWith(fixture.address, '/ws?x=1', { Origin: EVIL }), 403);
      assert.equal(await upgradeWith(fixture.address, '/ws', { Origin: `http://127.0.0.1:${port() + 1}` }), 403);
    });

    it('refuses a foreign origin with HTTP 403 on both SockJS websocket URLs, which admit the host’s own origin', async () => {
      for (const path of [`/sockjs/000/${sockJsSessionId()}/websocket`, '/sockjs/websocket']) {
        assert.equal(await upgradeWith(fixture.address, path, { Origin: EVIL }), 403, path);
        assert.equal(await upgradeWith(fixture.address, path, { Origin: `http://127.0.0.1:${port()}` }), 101, path);
      }
    });

    const session = sockJsSessionId();
    for (const [method, suffix] of [
      ['POST', `000/${session}/xhr`],
      ['POST', `000/${session}/xhr_streaming`],
      ['POST', `000/${session}/xhr_send`],
      ['OPTIONS', `000/${session}/xhr`],
      ['GET', 'info'],
      ['GET', `000/${session}/eventsource`],
      ['GET', `000/${session}/htmlfile?c=callback`],
      ['GET', `000/${session}/jsonp?c=callback`],
      ['POST', `000/${session}/jsonp_send?c=callback`],
      ['GET', 'iframe.html'],
    ] as const) {
      it(`refuses a foreign origin with HTTP 403 on ${method} /sockjs/${suffix.replace(session, '<id>')}`, async () => {
        const response = await httpRequest(fixture.address, {
          method,
          path: `/sockjs/${suffix}`,
          headers: { Origin: EVIL, 'Content-Type': 'text/plain' },
          body: method === 'POST' ? '["{\\"type\\":\\"ping\\"}"]' : undefined,
        });
        assert.equal(response.status, 403);
      });
    }

    it('opens no SockJS session for a refused request', async () => {
      const refused = new RawXhrSession(fixture.address);
      const open = await httpRequest(fixture.address, { method: 'POST', path: refused.path('xhr'), headers: { Origin: EVIL } });
      assert.equal(open.status, 403);
      // Without Origin (not a browser) the same session id is unknown: nothing was opened.
      assert.equal((await refused.sendBody('["{\\"type\\":\\"ping\\"}"]')).status, 404);
    });

    it('answers SockJS requests from the host’s own origin and without Origin', async () => {
      const own = await httpRequest(fixture.address, { path: '/sockjs/info', headers: { Origin: `http://127.0.0.1:${port()}` } });
      assert.equal(own.status, 200);
      assert.equal((await httpRequest(fixture.address, { path: '/sockjs/info' })).status, 200);
      const polling = new RawXhrSession(fixture.address);
      assert.deepEqual(await polling.poll(), [{ kind: 'o' }]);
    });

    it('refuses DNS rebinding: Origin and Host agree on a name that is not this machine', async () => {
      const rebound = `evil.example:${port()}`;
      const headers = { Origin: `http://${rebound}`, Host: rebound };
      assert.equal(await upgradeWith(fixture.address, '/ws', headers), 403);
      assert.equal(await upgradeWith(fixture.address, `/sockjs/000/${sockJsSessionId()}/websocket`, headers), 403);
      assert.equal((await httpRequest(fixture.address, { path: '/sockjs/info', headers })).status, 403);
      assert.equal((await httpRequest(fixture.address, { method: 'POST', path: `/sockjs/000/${sockJsSessionId()}/xhr`, headers })).status, 403);
    });
  });

  describe('with allowedOrigins: ["http://ok.example"]', () => {
    const fixture = useServer({ allowedOrigins: ['http://ok.example'] });

    it('admits the configured origin on /ws and SockJS', async () => {
      assert.equal(await upgradeWith(fixture.address, '/ws', { Origin: 'http://ok.example' }), 101);
      assert.equal(await upgradeWith(fixture.address, '/sockjs/websocket', { Origin: 'http://ok.example' }), 101);
      assert.equal((await httpRequest(fixture.address, { path: '/sockjs/info', headers: { Origin: 'http://ok.example' } })).status, 200);
      const client = await fixture.connectWs('ok.example', { origin: 'http://ok.example' });
      assert.equal((await client.join('allowed', 'Ok')).room, 'allowed');
    });

    it('still refuses other origins', async () => {
      assert.equal(await upgradeWith(fixture.address, '/ws', { Origin: EVIL }), 403);
      assert.equal(await upgradeWith(fixture.address, '/ws', { Origin: 'https://ok.example' }), 403);
      assert.equal((await httpRequest(fixture.address, { method: 'POST', path: `/sockjs/000/${sockJsSessionId()}/xhr`, headers: { Origin: EVIL } })).status, 403);
    });
  });

  describe('with allowedOrigins: "*"', () => {
    const fixture = useServer({ allowedOrigins: '*' });

    it('admits any origin', async () => {
      assert.equal(await upgradeWith(fixture.address, '/ws', { Origin: EVIL }), 101);
      assert.equal(await upgradeWith(fixture.address, '/ws', { Origin: 'http://evil.example:1', Host: 'evil.example:1' }), 101);
      assert.equal((await httpRequest(fixture.address, { path: '/sockjs/info', headers: { Origin: EVIL } })).status, 200);
      const polling = new RawXhrSession(fixture.address);
      const open = await httpRequest(fixture.address, { method: 'POST', path: polling.path('xhr'), headers: { Origin: EVIL } });
      assert.equal(open.status, 200);
      assert.equal(open.body, 'o\n');
    });
  });

  it('throws TypeError for invalid allowedOrigins entries', () => {
    for (const entry of ['ok.example', 'http://ok.example/path', 'ftp://ok.example', '']) {
      assert.throws(() => createChatServer({ port: 0, host: '127.0.0.1', allowedOrigins: [entry] }), TypeError, entry);
    }
  });
});

const RESUME_KEY = '0123456789abcdef0123456789abcdef';
const OTHER_KEY = 'fedcba9876543210fedcba9876543210';

for (const kind of ['ws', 'xhr-streaming'] as const satisfies readonly ClientKind[]) {
  describe(`join handshake over ${kind}`, () => {
    // One protected room per test, so that no test meets members of another still on their way out.
    const rooms = ['secret', 'named', 'full', 'resume', 'health'].map((name) => ({ name, password: 'pw', maxMembers: 2 }));
    const fixture = useServer({ rooms });

    it('refuses a protected room without a password and with a wrong one; the refused client learns nothing of the room', async () => {
      const ann = await fixture.connect('ws', 'ann');
      const annWelcome = await ann.joinWith({ room: 'secret', name: 'Ann', password: 'pw' });
      const earlier = clientId('secret');
      await sendAndAck(ann, 'history a refused client must not see', earlier);
      await nextChat(ann, earlier);

      const eve = await fixture.connect(kind, `eve (${kind})`);
      eve.send({ type: 'join', create: true, room: 'secret', name: 'Eve' });
      await expectError(eve, ErrorCode.PasswordRequired);
      eve.send({ type: 'join', create: true, room: 'secret', name: 'Eve', password: '' });
      await expectError(eve, ErrorCode.PasswordRequired);
      eve.send({ type: 'join', create: true, room: 'SECRET', name: 'Eve', password: 'PW' });
      await expectError(eve, ErrorCode.WrongPassword);

      // The room carries on; the refused client hears none of it.
      const bob = await fixture.connect(kind, `bob (${kind})`);
      const bobWelcome = await bob.joinWith({ room: 'secret', name: 'Bob', password: 'pw' });
      assert.deepEqual(bobWelcome.members, [annWelcome.you, bobWelcome.you]);
      assert.deepEqual(
        bobWelcome.history.map((message) => message.clientId),
        [earlier],
      );
      assert.deepEqual(await ann.nextAny(), { type: 'memberJoined', room: 'secret', member: bobWelcome.you });
      const later = clientId('secret');
      await sendAndAck(bob, 'a message a refused client must not see', later);
      await nextChat(ann, later);
      await assertHeardOnlyItsOwn(eve, [ErrorCode.PasswordRequired, ErrorCode.PasswordRequired, ErrorCode.WrongPassword]);
      // Nobody heard of Eve.
      assert.equal(
        [...ann.received, ...bob.received].some((message) => 'member' in message && message.member.name === 'Eve'),
        false,
      );
      await Promise.all([ann, bob].map((client) => (client.close(), client.waitClosed())));
    });

    it('refuses a name already in the room, compared without letter case; the client may join under another name', async () => {
      const ann = await fixture.connect('ws', 'ann');
      await ann.joinWith({ room: 'named', name: 'Ann', password: 'pw' });
      const copycat = await fixture.connect(kind, `copycat (${kind})`);
      for (const name of ['Ann', 'aNN', '  ANN ']) {
        copycat.send({ type: 'join', create: true, room: 'named', name, password: 'pw' });
        await expectError(copycat, ErrorCode.NameTaken);
      }
      await assertHeardOnlyItsOwn(copycat, [ErrorCode.NameTaken, ErrorCode.NameTaken, ErrorCode.NameTaken]);
      const welcome = await copycat.joinWith({ room: 'named', name: 'Anne', password: 'pw' });
      assert.equal(welcome.you.name, 'Anne');
      // Open rooms have unique names too.
      const first = await fixture.connect('ws', 'first');
      await first.join(`open-${kind}`, 'Zed');
      const second = await fixture.connect(kind, 'second');
      second.send({ type: 'join', create: true, room: `OPEN-${kind}`, name: 'zed' });
      await expectError(second, ErrorCode.NameTaken);
      await Promise.all([ann, copycat, first, second].map((client) => (client.close(), client.waitClosed())));
    });

    it('refuses a member past maxMembers with CHAT_ERR_ROOM_FULL', async () => {
      const ann = await fixture.connect('ws', 'ann');
      await ann.joinWith({ room: 'full', name: 'Ann', password: 'pw' });
      const bob = await fixture.connect('ws', 'bob');
      await bob.joinWith({ room: 'full', name: 'Bob', password: 'pw' });
      await ann.next('memberJoined');
      const cy = await fixture.connect(kind, `cy (${kind})`);
      cy.send({ type: 'join', create: true, room: 'full', name: 'Cy', password: 'pw' });
      await expectError(cy, ErrorCode.RoomFull);
      await assertHeardOnlyItsOwn(cy, [ErrorCode.RoomFull]);
      assert.equal(
        ann.received.some((message) => message.type === 'memberJoined' && message.member.name === 'Cy'),
        false,
      );

      // Once someone leaves, there is room again.
      bob.send({ type: 'leave' });
      await ann.next('memberLeft');
      const cyWelcome = await cy.joinWith({ room: 'full', name: 'Cy', password: 'pw' });
      assert.equal(cyWelcome.members.length, 2);
      await Promise.all([ann, bob, cy].map((client) => (client.close(), client.waitClosed())));
    });

    it(`lets the same name and resume key take over from a new connection: the old one is closed with ${CloseCode.Replaced}`, async () => {
      const old = await fixture.connect(kind, `old (${kind})`);
      const oldWelcome = await old.joinWith({ room: 'resume', name: 'Ann', password: 'pw', resumeKey: RESUME_KEY });
      const bob = await fixture.connect('ws', 'bob');
      const bobWelcome = await bob.joinWith({ room: 'resume', name: 'Bob', password: 'pw' });
      await old.next('memberJoined');
      // Full now (2 of 2), and the name is taken: only the right key gets in.
      const impostor = await fixture.connect('ws', 'impostor');
      impostor.send({ type: 'join', create: true, room: 'resume', name: 'Ann', password: 'pw', resumeKey: OTHER_KEY });
      await expectError(impostor, ErrorCode.NameTaken);
      impostor.send({ type: 'join', create: true, room: 'resume', name: 'Ann', password: 'nope', resumeKey: RESUME_KEY });
      await expectError(impostor, ErrorCode.WrongPassword);

      const fresh = await fixture.connect(kind, `new (${kind})`);
      const freshWelcome = await fresh.joinWith({ room: 'resume', name: 'Ann', password: 'pw', resumeKey: RESUME_KEY });
      assert.notEqual(freshWelcome.you.id, oldWelcome.you.id);
      assert.deepEqual(freshWelcome.members, [bobWelcome.you, freshWelcome.you]);
      assert.equal((await old.waitClosed()).code, CloseCode.Replaced);
      assert.deepEqual(await bob.nextAny(), { type: 'memberLeft', room: 'resume', member: oldWelcome.you });
      assert.deepEqual(await bob.nextAny(), { type: 'memberJoined', room: 'resume', member: freshWelcome.you });

      // The new connection is a full member.
      const id = clientId('resumed');
      await sendAndAck(fresh, 'back again', id);
      assert.deepEqual((await nextChat(bob, id)).from, freshWelcome.you);
      await Promise.all([fresh, bob, impostor].map((client) => (client.close(), client.waitClosed())));
    });

    it('shows a protected room on /health by name only, without members or lastSeq', async () => {
      const ann = await fixture.connect('ws', 'ann');
      await ann.joinWith({ room: 'health', name: 'Ann', password: 'pw' });
      await sendAndAck(ann, 'counted nowhere public');
      const response = await httpRequest(fixture.address, { path: '/health' });
      assert.equal(response.status, 200);
      const report = JSON.parse(response.body) as { rooms: unknown[] };
      assert.deepEqual(report.rooms.slice(0, 5), [
        { name: 'secret', protected: true },
        { name: 'named', protected: true },
        { name: 'full', protected: true },
        { name: 'resume', protected: true },
        { name: 'health', protected: true },
      ]);
      // Open rooms keep their counts.
      const open = report.rooms.find((room) => (room as { name: string }).name === `open-${kind}`) as Record<string, unknown>;
      assert.deepEqual(Object.keys(open).sort(), ['lastSeq', 'members', 'name', 'protected']);
      assert.equal(open.protected, false);
      ann.close();
      await ann.waitClosed();
    });
  });

  describe(`room count over ${kind}`, () => {
    const fixture = useServer({ maxRooms: 2, rooms: ['lobby'] });

    // maxRooms bounds the rooms in memory: rooms with people in them (an
    // empty room leaves memory to make space; issue 12 item 5).
    it('refuses to create a room past maxRooms rooms with people in them with CHAT_ERR_TOO_MANY_ROOMS; existing rooms stay open', async () => {
      const other = await fixture.connect('ws', 'in the lobby');
      await other.join('lobby', 'Bob');
      const client = await fixture.connect(kind);
      assert.equal((await client.join('second', 'Ann')).room, 'second');
      client.send({ type: 'join', create: true, room: 'third', name: 'Ann' });
      await expectError(client, ErrorCode.TooManyRooms);
      assert.equal((await client.join('LOBBY', 'Ann')).room, 'lobby');
      assert.equal(fixture.server.health().rooms.length, 2);
    });
  });
}

describe('limits', () => {
  for (const kind of ['ws', 'xhr-polling'] as const) {
    describe(`text size over ${kind}`, () => {
      const fixture = useServer({ maxTextBytes: 16, maxFrameBytes: 1024 });

      it('refuses text over maxTextBytes with CHAT_ERR_TEXT_TOO_LONG and ref; nothing is broadcast', async () => {
        const watcher = await fixture.connect('ws', 'watcher');
        await watcher.join('small', 'Watcher');
        const sender = await fixture.connect(kind, `sender (${kind})`);
        const welcome = await sender.join('small', 'Sender');
        assert.equal(welcome.limits.maxTextBytes, 16);
        await watcher.next('memberJoined');
        sender.send({ type: 'send', id: 'long', text: 'x'.repeat(17) });
        await expectError(sender, ErrorCode.TextTooLong, 'long');
        sender.send({ type: 'send', id: 'long-bytes', text: 'é'.repeat(9) });
        await expectError(sender, ErrorCode.TextTooLong, 'long-bytes');
        const fits = clientId('fits');
        const ack = await sendAndAck(sender, 'x'.repeat(16), fits);
        assert.equal(ack.seq, 1);
        const heard = await watcher.nextAny();
        assert.equal(heard.type === 'message' && heard.clientId, fits);
      });
    });
  }

  describe('frame size on /ws', () => {
    const fixture = useServer({ maxTextBytes: 16, maxFrameBytes: 1024 });

    it(`closes a connection that sends a frame over maxFrameBytes with ${CloseCode.MessageTooBig}; others carry on`, async () => {
      const watcher = await fixture.connectWs('watcher');
      await watcher.join('frames', 'Watcher');
      const big = await fixture.connectWs('big');
      const bigWelcome = await big.join('frames', 'Big');
      await watcher.next('memberJoined');
      big.sendRaw(JSON.stringify({ type: 'send', id: 'huge', text: 'x'.repeat(1024) }));
      assert.equal((await big.waitClosed()).code, CloseCode.MessageTooBig);
      assert.deepEqual(await watcher.nextAny(), { type: 'memberLeft', room: 'frames', member: bigWelcome.you });
      await sendAndAck(watcher, 'still fine');
    });
  });

  for (const kind of ['ws', 'websocket'] as const) {
    describe(`rate limit over ${kind}`, () => {
      const fixture = useServer({ rateLimit: { messages: 3, intervalMs: 60_000 } });

      it('refuses the 4th message in the interval with CHAT_ERR_RATE_LIMITED and ref; it is not stored or broadcast; the connection stays', async () => {
        const watcher = await fixture.connect('ws', 'watcher');
        await watcher.join('rated', 'Watcher');
        const chatty = await fixture.connect(kind, `chatty (${kind})`);
        const chattyWelcome = await chatty.join('rated', 'Chatty'); // 1
        await watcher.next('memberJoined');
        const first = await sendAndAck(chatty, 'one'); // 2
        const second = await sendAndAck(chatty, 'two'); // 3
        assert.deepEqual([first.seq, second.seq], [1, 2]);
        // Its own copies of them.
        await chatty.next('message');
        await chatty.next('message');
        chatty.send({ type: 'send', id: 'fourth', text: 'three' }); // 4: over the limit
        await expectError(chatty, ErrorCode.RateLimited, 'fourth');

        // ping costs nothing and is still answered.
        for (let index = 0; index < 5; index += 1) chatty.send({ type: 'ping' });
        for (let index = 0; index < 5; index += 1) assert.deepEqual(await chatty.nextAny(), { type: 'pong' });
        chatty.send({ type: 'send', id: 'fifth', text: 'still too fast' });
        await expectError(chatty, ErrorCode.RateLimited, 'fifth');

        // The watcher heard one and two, then its own message, stored as seq 3: the refused ones are nowhere.
        const own = clientId('watcher');
        const ownAck = await sendAndAck(watcher, 'my turn', own);
        assert.equal(ownAck.seq, 3);
        const heard: Array<[number, string]> = [];
        for (let index = 0; index < 3; index += 1) {
          const message = (await watcher.next('message')) as ServerMessageMap['message'];
          heard.push([message.seq, message.text]);
        }
        assert.deepEqual(heard, [
          [1, 'one'],
          [2, 'two'],
          [3, 'my turn'],
        ]);
        // Receiving is not limited, and the connection is still a member.
        assert.equal((await nextChat(chatty, own)).seq, 3);
        assert.equal(chatty.isClosed, false);
        assert.deepEqual(
          fixture.server.health().rooms.find((room) => room.name === 'rated'),
          { name: 'rated', protected: false, members: 2, lastSeq: 3 },
        );
        assert.equal(watcher.received.some((message) => message.type === 'memberLeft' && message.member.id === chattyWelcome.you.id), false);
      });

      it('charges bad frames too: a flood of garbage runs into CHAT_ERR_RATE_LIMITED', async () => {
        const flooder = await fixture.connect(kind, `flooder (${kind})`);
        for (let index = 0; index < 4; index += 1) flooder.sendRaw('not json');
        for (let index = 0; index < 3; index += 1) await expectError(flooder, ErrorCode.InvalidJson);
        await expectError(flooder, ErrorCode.RateLimited);
        flooder.send({ type: 'ping' });
        assert.deepEqual(await flooder.nextAny(), { type: 'pong' });
      });
    });
  }

  describe('idle and join timeouts', () => {
    const fixture = useServer({ idleTimeoutMs: 600, pingIntervalMs: 200, joinTimeoutMs: 600 });

    it(`closes joined SockJS clients that stay silent with ${CloseCode.IdleTimeout}; a silent /ws client that answers pings stays`, async (t) => {
      const observer = await fixture.connectWs('observer (answers pings)');
      const observerWelcome = await observer.join('quiet', 'Observer');
      assert.equal(observerWelcome.limits.idleTimeoutMs, 600);
      const observerSilentSince = performance.now();
      const silent: TestClient[] = [];
      const silentIds: string[] = [];
      for (const kind of ['websocket', 'xhr-streaming'] as const) {
        const client = await fixture.connect(kind, `silent ${kind}`);
        silentIds.push((await client.join('quiet', `Silent ${kind}`)).you.id);
        silent.push(client);
      }
      for (const client of silent) assert.equal((await client.waitClosed()).code, CloseCode.IdleTimeout);
      for (const id of silentIds) await nextLeft(observer, id);
      // Both silent clients joined after the observer last spoke, so the
      // observer has been silent longer than they had: only its pongs kept it.
      t.diagnostic(`observer silent for ${Math.round(performance.now() - observerSilentSince)} ms, still open`);
      assert.equal(observer.isClosed, false);
      assert.deepEqual(
        fixture.server.health().rooms.find((room) => room.name === 'quiet'),
        { name: 'quiet', protected: false, members: 1, lastSeq: 0 },
      );
    });

    it('keeps a SockJS client that sends ping messages', async () => {
      const pinger = await fixture.connect('xhr-streaming', 'pinger');
      await pinger.join('pings', 'Pinger');
      // What the web client does every 15 s, here well within the 600 ms timeout.
      const timer = setInterval(() => pinger.send({ type: 'ping' }), 100);
      try {
        const silent = await fixture.connect('websocket', 'silent');
        await silent.join('pings', 'Silent');
        assert.equal((await silent.waitClosed()).code, CloseCode.IdleTimeout);
        // The silent client opened after the pinger, so the pinger outlived the timeout on its pings alone.
        assert.equal(pinger.isClosed, false);
        await pinger.next('pong');
      } finally {
        clearInterval(timer);
      }
    });

    for (const kind of ['ws', 'xhr-polling'] as const) {
      it(`closes a ${kind} connection that never joins with ${CloseCode.IdleTimeout}`, async () => {
        const loiterer = await fixture.connect(kind, `loiterer (${kind})`);
        // A ws client answers the host's pings, so it is not idle; it still never joined.
        assert.equal((await loiterer.waitClosed()).code, CloseCode.IdleTimeout);
        assert.deepEqual(
          loiterer.received.map((message) => message.type),
          [],
        );
      });
    }
  });

  describe('connection count', () => {
    const fixture = useServer({ maxConnections: 2 });

    it(`closes connections past maxConnections with ${CloseCode.HostFull}, and admits again once one is gone`, async () => {
      const first = await fixture.connectWs('first');
      const second = await fixture.connect('xhr-streaming', 'second');
      await first.join('crowd', 'First');
      await second.join('crowd', 'Second');
      const third = await fixture.connectWs('third');
      assert.equal((await third.waitClosed()).code, CloseCode.HostFull);
      assert.equal(await sockJsCloseCode(fixture.address, 'websocket'), CloseCode.HostFull);
      assert.equal(await sockJsCloseCode(fixture.address, 'xhr-polling'), CloseCode.HostFull);
      assert.equal(fixture.server.health().connections, 2);

      first.close();
      await first.waitClosed();
      await waitUntil(() => fixture.server.health().connections === 1, 'the host to drop the closed connection');
      const again = await fixture.connectWs('again');
      assert.equal((await again.join('crowd', 'Again')).members.length, 2);
    });
  });
});

/** Opens a SockJS session with sockjs-client on one transport and resolves with the code it is closed with. */
function sockJsCloseCode(address: AddressInfo, transport: SockJsTransportName): Promise<number> {
  const sock = new SockJS(`${baseUrl(address)}/sockjs`, null, { transports: [transport] });
  return withTimeout(
    new Promise<number>((resolve) => {
      sock.onclose = (event: CloseEvent) => resolve(event.code);
    }),
    EVENT_TIMEOUT_MS,
    `close of a SockJS ${transport} session`,
  );
}

describe('liveness on /ws', () => {
  const PING_INTERVAL_MS = 200;
  const fixture = useServer({ pingIntervalMs: PING_INTERVAL_MS });

  it('terminates a peer that stops answering pings; the others see memberLeft and stay', async () => {
    const observer = await fixture.connectWs('observer');
    await observer.join('alive', 'Observer');
    const steady = await fixture.connectWs('steady');
    await steady.join('alive', 'Steady');
    const dead = await fixture.connectWs('dead', { autoPong: false });
    const deadWelcome = await dead.join('alive', 'Dead');
    await observer.next('memberJoined');
    await observer.next('memberJoined');
    assert.deepEqual(await observer.nextAny(), { type: 'memberLeft', room: 'alive', member: deadWelcome.you });
    // Terminated without a close handshake.
    assert.equal((await dead.waitClosed()).code, 1006);
    assert.equal(observer.isClosed, false);
    assert.equal(steady.isClosed, false);
    const id = clientId('alive');
    await sendAndAck(steady, 'still here', id);
    await nextChat(observer, id);
  });

  it('spreads its pings over the interval instead of pinging every socket at once, and pings each once per interval', async () => {
    const clients = await Promise.all(Array.from({ length: WS_PING_SLICES }, (_, index) => fixture.connectWs(`spread-${index}`)));
    const pingTimes = clients.map(() => [] as number[]);
    const started = performance.now();
    clients.forEach((client, index) => client.socket.on('ping', () => pingTimes[index]!.push(performance.now() - started)));
    await new Promise((resolve) => setTimeout(resolve, PING_INTERVAL_MS * 3));
    for (const [index, times] of pingTimes.entries()) {
      // Three intervals: 2-4 pings each, whatever the phase of its slice.
      assert.ok(times.length >= 2 && times.length <= 4, `client ${index} got ${times.length} pings in three intervals`);
    }
    // One socket per slice: their first pings span most of an interval (all at once, it would be ~0 ms).
    const firsts = pingTimes.map((times) => times[0]!);
    const span = Math.max(...firsts) - Math.min(...firsts);
    assert.ok(span >= PING_INTERVAL_MS / 2, `first pings spanned ${span.toFixed(0)} ms of a ${PING_INTERVAL_MS} ms interval`);
  });
});

describe('slow consumers', () => {
  const SEND_BUFFER_BYTES = 64 * 1024;
  const SEND_TIME_LIMIT_MS = 2_000;

  /** The TCP socket under a test client, to stop reading from it. */
  const tcpSocketOf = (client: TestClient): Socket => {
    if (client instanceof WsTestClient) return (client.socket as unknown as { _socket: Socket })._socket;
    // sockjs-client 1.6 in Node: its websocket transport is a faye-websocket client whose _stream is the TCP socket.
    const internals = (client as SockJsTestClient).sock as unknown as { _transport?: { ws?: { _stream?: Socket } } };
    const socket = internals._transport?.ws?._stream;
    if (!socket) throw new Error('no TCP socket under the sockjs-client websocket transport');
    return socket;
  };

  // Broadcasts reach both endpoints as frames written straight to the TCP
  // socket (encoded once per broadcast), so the guard must see that queue on both.
  for (const kind of ['ws', 'websocket'] as const) describe(kind === 'ws' ? 'on /ws' : 'on SockJS websocket', () => {
    const fixture = useServer({
      sendBufferBytes: SEND_BUFFER_BYTES,
      sendTimeLimitMs: SEND_TIME_LIMIT_MS,
      // The sender is meant to be fast; history must hold what the slow client misses.
      rateLimit: { messages: 100_000, intervalMs: 1_000 },
      maxHistoryPerRoom: 1_000,
      historyOnJoin: 1_000,
      // No ping may cut the stalled client before the send-queue guard does.
      pingIntervalMs: 60_000,
      idleTimeoutMs: 120_000,
    });

    it(`cuts a client that stops reading with ${CloseCode.SlowConsumer} without holding up the others; it catches up from history`, async (t) => {
      const room = 'firehose';
      const sender = await fixture.connectWs('sender');
      await sender.join(room, 'Sender');
      const fast = await fixture.connectWs('fast');
      await fast.join(room, 'Fast');
      const slow = await fixture.connect(kind, 'slow');
      const slowWelcome = await slow.join(room, 'Slow');
      await sender.next('memberJoined');
      await sender.next('memberJoined');
      await fast.next('memberJoined');

      const sentAt = new Map<string, number>();
      let maxLatencyMs = 0;
      fast.socket.on('message', (data) => {
        const message = JSON.parse(data.toString()) as ServerMessage;
        if (message.type !== 'message') return;
        const started = sentAt.get(message.clientId);
        if (started !== undefined) maxLatencyMs = Math.max(maxLatencyMs, performance.now() - started);
      });

      // Stop reading: the kernel buffers fill first, then the host's queue for this client.
      const slowSocket = tcpSocketOf(slow);
      slowSocket.pause();
      const filler = 'x'.repeat(1_000);
      const slowLeft = () => fast.received.some((message) => message.type === 'memberLeft' && message.member.id === slowWelcome.you.id);
      let sent = 0;
      const sendBatch = async (count: number): Promise<void> => {
        let lastId = '';
        for (let index = 0; index < count; index += 1) {
          lastId = `fire-${sent + 1}`;
          sentAt.set(lastId, performance.now());
          sender.send({ type: 'send', id: lastId, text: `${sent + 1} ${filler}` });
          sent += 1;
        }
        await sender.waitFor((message) => message.type === 'ack' && message.id === lastId, EVENT_TIMEOUT_MS, `ack ${lastId}`);
      };
      // Loopback buffers hold a few MiB; 50 MB of messages is far past any of them.
      while (!slowLeft() && sent < 50_000) await sendBatch(100);
      assert.ok(slowLeft(), `the slow client was not cut off after ${sent} messages`);
      // What it misses while it is away.
      await sendBatch(5);

      // The fast client got every message, in order, while the slow one was stalled.
      for (let seq = 1; seq <= sent; seq += 1) {
        const message = (await fast.next('message')) as ServerMessageMap['message'];
        assert.equal(message.seq, seq);
        assert.equal(message.clientId, `fire-${seq}`);
      }
      assert.equal(slowSocket.isPaused(), true);
      t.diagnostic(`${sent} messages; fast client's max delivery latency ${maxLatencyMs.toFixed(1)} ms (limit ${SEND_TIME_LIMIT_MS} ms)`);
      // The one timing assertion: had the slow client held others up, this would reach the send time limit.
      assert.ok(maxLatencyMs < SEND_TIME_LIMIT_MS, `max latency ${maxLatencyMs} ms`);

      // The close frame waits behind the backlog: read it all.
      slowSocket.resume();
      assert.equal((await slow.waitClosed(20_000)).code, CloseCode.SlowConsumer);
      const seen = slow.received.filter((message): message is ServerMessageMap['message'] => message.type === 'message').map((message) => message.seq);
      const lastSeen = seen.at(-1) ?? 0;
      assert.deepEqual(
        seen,
        Array.from({ length: lastSeen }, (_, index) => index + 1),
        'the slow client got a gap-free prefix',
      );
      assert.ok(lastSeen < sent, `the slow client missed nothing (${lastSeen} of ${sent})`);

      // Reconnect and catch up from where it got to.
      const back = await fixture.connect(kind, 'slow again');
      const welcome = await back.join(room, 'Slow', lastSeen);
      assert.equal(welcome.lastSeq, sent);
      assert.deepEqual(
        welcome.history.map((message) => message.seq),
        Array.from({ length: sent - lastSeen }, (_, index) => lastSeen + index + 1),
      );
    });
  });

  describe('on SockJS xhr-polling', () => {
    const fixture = useServer({
      rateLimit: { messages: 1_000, intervalMs: 1_000 },
      // Long enough that the unpolled session outlives the test's few requests.
      sockjs: { messageCacheSize: 5, disconnectDelayMs: 2_000 },
    });

    it(`cuts a session that does not poll while messages pass messageCacheSize with ${CloseCode.SlowConsumer}`, async () => {
      const room = 'pile-up';
      const watcher = await fixture.connectWs('watcher');
      await watcher.join(room, 'Watcher');
      const sender = await fixture.connectWs('sender');
      await sender.join(room, 'Sender');
      await watcher.next('memberJoined');

      const poller = new RawXhrSession(fixture.address);
      assert.deepEqual(await poller.poll(), [{ kind: 'o' }]);
      assert.equal(await poller.send(JSON.stringify({ type: 'join', create: true, room, name: 'Poller' })), 204);
      const joined = (await watcher.next('memberJoined')) as ServerMessageMap['memberJoined'];
      assert.equal(joined.member.name, 'Poller');

      // welcome + 4 messages fill the cache of 5; the 5th message finds it full.
      const ids: string[] = [];
      for (let index = 1; index <= 8; index += 1) {
        const id = `pile-${index}`;
        ids.push(id);
        await sendAndAck(sender, `message ${index}`, id);
      }
      // The 5th message cut the poller off: the watcher heard memberLeft right after it, not
      // at the session's disconnect delay (when sockjs itself reports the session closed).
      const heard: string[] = [];
      for (let index = 0; index < ids.length + 1; index += 1) {
        const message = await watcher.nextAny();
        heard.push(message.type === 'message' ? message.clientId : message.type === 'memberLeft' ? `left ${message.member.name}` : message.type);
      }
      assert.deepEqual(heard, [...ids.slice(0, 5), 'left Poller', ...ids.slice(5)]);

      // Polling now drains what was cached, then the close frame.
      const frames: SockJsFrame[] = [];
      for (let poll = 0; poll < 3 && !frames.some((frame) => frame.kind === 'c'); poll += 1) frames.push(...(await poller.poll()));
      const delivered = frames.flatMap((frame) => (frame.kind === 'a' ? frame.messages.map((raw) => JSON.parse(raw) as ServerMessage) : []));
      assert.deepEqual(
        delivered.map((message) => (message.type === 'message' ? message.clientId : message.type)),
        ['welcome', ...ids.slice(0, 4)],
      );
      assert.deepEqual(frames.at(-1), { kind: 'c', code: CloseCode.SlowConsumer, reason: 'slow consumer' });
    });
  });
});
