/**
 * The host's network hardening through a real host on 127.0.0.1 (issue 13):
 * slowloris sockets are destroyed, one address cannot take every socket or
 * every session, password guessing is slowed per address while the right
 * password still works from elsewhere, lookalike names are refused, and the
 * web client cannot be framed.
 *
 * Distinct client addresses are distinct loopback addresses (127.0.0.2, …)
 * given as the client socket's localAddress: Linux routes all of 127/8 to lo.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

import { ErrorCode, CloseCode } from '../../server/protocol';

import {
  EVENT_TIMEOUT_MS,
  WsTestClient,
  expectError,
  httpGet,
  sockJsSessionId,
  useServer,
  withTimeout,
  type ServerFixture,
} from './helpers';

/** Waits until `condition` holds, checking every few ms; fails with `what` after the timeout. */
async function until(condition: () => boolean, what: string, timeoutMs = EVENT_TIMEOUT_MS * 2): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A raw TCP socket from `localAddress` that stays half-open when the server ends its side (as a slowloris client does); `gone` resolves when the host closed it. */
type RawSocket = Socket & { gone: Promise<void>; received: () => string };

function openSocket(port: number, localAddress = '127.0.0.1'): Promise<RawSocket> {
  return withTimeout(
    new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port, localAddress, allowHalfOpen: true }) as RawSocket;
      let received = '';
      socket.received = () => received;
      // 'end': the host closed its side (this client never closes its own, so 'close' would not come).
      socket.gone = new Promise((done) => {
        socket.once('end', () => done());
        socket.once('close', () => done());
      });
      socket.on('error', () => undefined);
      // Read whatever the host answers ('end' is emitted only once the data is read).
      socket.setEncoding('latin1').on('data', (chunk: string) => {
        received += chunk;
      });
      socket.once('connect', () => resolve(socket));
      socket.once('error', reject);
    }),
    EVENT_TIMEOUT_MS,
    'a TCP connection',
  );
}

/** A GET from `localAddress`, with optional headers; resolves with status and body. */
function getFrom(port: number, path: string, localAddress: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; body: string }> {
  return withTimeout(
    new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path, method, localAddress, headers, agent: false }, (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          body += chunk;
        });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end();
    }),
    EVENT_TIMEOUT_MS,
    `${method} ${path} from ${localAddress}`,
  );
}

/** Opens `/ws` from `localAddress`. */
function wsFrom(fixture: ServerFixture, localAddress: string, label: string): Promise<WsTestClient> {
  return WsTestClient.connect(fixture.address, label, '/ws', { localAddress }).then((client) => {
    fixture.clients.push(client);
    return client;
  });
}

describe('slowloris: half-sent requests', () => {
  // Long enough for a loaded machine to open every socket before the first is cut (the test checks they were all held).
  const fixture = useServer({ headersTimeoutMs: 2_000, requestTimeoutMs: 4_000, maxSocketsPerAddress: 100 });
  const HALF_SENT = 40;

  it(`destroys the sockets of ${HALF_SENT} requests whose headers never end, instead of keeping them half-open`, async () => {
    const sockets = await Promise.all(Array.from({ length: HALF_SENT }, () => openSocket(fixture.address.port)));
    for (const socket of sockets) socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: 1\r\n');
    await until(() => fixture.server.socketCount() === HALF_SENT, `the host holds all ${HALF_SENT} sockets`);
    // The clients never end their side: only a destroy on the host frees the sockets.
    await until(() => fixture.server.socketCount() === 0, 'the host has let go of every half-sent request');
    await withTimeout(Promise.all(sockets.map((socket) => socket.gone)), EVENT_TIMEOUT_MS, 'the clients to see their sockets closed');
    for (const socket of sockets) assert.match(socket.received(), /^HTTP\/1\.1 408 Request Timeout\r\n/);
    const health = await httpGet(fixture.address, '/health');
    assert.equal(health.status, 200, 'the host still answers');
  });
});

describe('sockets per address', () => {
  const LIMIT = 5;
  const fixture = useServer({ maxSocketsPerAddress: LIMIT });

  it(`closes a socket past ${LIMIT} from one address at once, while other addresses are served`, async () => {
    const held = await Promise.all(Array.from({ length: LIMIT }, () => openSocket(fixture.address.port, '127.0.0.2')));
    await until(() => fixture.server.socketCount() === LIMIT, `the host holds ${LIMIT} sockets`);
    const extra = await openSocket(fixture.address.port, '127.0.0.2');
    await withTimeout(extra.gone, EVENT_TIMEOUT_MS, 'the socket past the limit to be closed');
    assert.equal(fixture.server.socketCount(), LIMIT);

    const other = await getFrom(fixture.address.port, '/health', '127.0.0.3');
    assert.equal(other.status, 200);

    held[0]?.destroy();
    await until(() => fixture.server.socketCount() === LIMIT - 1, 'a held socket to be released');
    const again = await getFrom(fixture.address.port, '/health', '127.0.0.2');
    assert.equal(again.status, 200, 'a released slot can be used again');
    for (const socket of held) socket.destroy();
  });
});

describe('web client response headers', () => {
  const webRoot = mkdtempSync(join(tmpdir(), 'lanchat-web-'));
  writeFileSync(join(webRoot, 'index.html'), '<!doctype html><title>LanChat</title>');
  after(() => rmSync(webRoot, { recursive: true, force: true }));
  const fixture = useServer({ webRoot });

  for (const path of ['/', '/index.html', '/missing.js']) {
    it(`forbids framing and sniffing on ${path}`, async () => {
      const response = await httpGet(fixture.address, path);
      assert.equal(response.headers['x-frame-options'], 'DENY');
      assert.equal(response.headers['content-security-policy'], "frame-ancestors 'none'");
      assert.equal(response.headers['x-content-type-options'], 'nosniff');
      assert.equal(response.headers['referrer-policy'], 'no-referrer');
    });
  }
});

describe('sessions per address', () => {
  const fixture = useServer({
    maxSessionsPerAddress: 4,
    maxSessionsWithoutOriginPerAddress: 2,
    maxConnections: 100,
    // The polling sessions below are not polled again: they must outlive the test, not the fixtures' 500 ms.
    sockjs: { disconnectDelayMs: 60_000 },
  });

  /** Opens a SockJS jsonp session with a plain GET and no Origin, as a foreign page's <script> does; returns its first frame. */
  async function jsonpOpen(session: string, localAddress: string): Promise<string> {
    const response = await getFrom(fixture.address.port, `/sockjs/000/${session}/jsonp?c=cb`, localAddress);
    assert.equal(response.status, 200);
    return response.body;
  }

  it('closes SockJS sessions without Origin past the limit with 4001 (real jsonp requests), and counts sessions with Origin against the address limit', async () => {
    const [first, second, third] = [sockJsSessionId(), sockJsSessionId(), sockJsSessionId()];
    assert.match(await jsonpOpen(first, '127.0.0.2'), /cb\("o"\)/);
    assert.match(await jsonpOpen(second, '127.0.0.2'), /cb\("o"\)/);
    assert.match(await jsonpOpen(third, '127.0.0.2'), /cb\("o"\)/);
    // The third session was closed as soon as it opened: its next poll gets the close frame.
    const closed = await getFrom(fixture.address.port, `/sockjs/000/${third}/jsonp?c=cb`, '127.0.0.2');
    assert.match(closed.body, new RegExp(`c\\[${CloseCode.HostFull},`));
    await until(() => fixture.server.health().connections === 2, 'two sessions are left');

    // Sessions with Origin (the host's own page, over xhr) fill the rest of the address's limit of 4…
    const origin = { Origin: `http://127.0.0.1:${fixture.address.port}` };
    for (const session of [sockJsSessionId(), sockJsSessionId()]) {
      const opened = await getFrom(fixture.address.port, `/sockjs/000/${session}/xhr`, '127.0.0.2', origin, 'POST');
      assert.equal(opened.body, 'o\n');
    }
    await until(() => fixture.server.health().connections === 4, 'four sessions are open');
    // …and a fifth from that address is refused with 4001 on /ws too.
    const refused = await wsFrom(fixture, '127.0.0.2', 'fifth');
    assert.equal((await refused.waitClosed()).code, CloseCode.HostFull);

    // Another address is not affected.
    const other = await wsFrom(fixture, '127.0.0.3', 'other');
    await other.join('lobby', 'Other');
  });
});

describe('wrong room passwords', () => {
  const fixture = useServer({
    rooms: [{ name: 'vault', password: '2468' }],
    // A delay far longer than the test: the test never waits for it to pass.
    joinThrottle: { freeFailures: 3, baseDelayMs: 60_000, maxDelayMs: 60_000 },
  });

  it('are refused with CHAT_ERR_TOO_MANY_ATTEMPTS and retryAfterMs after the free ones, even with the right password, while another address gets in', async () => {
    const attacker = await wsFrom(fixture, '127.0.0.2', 'attacker');
    for (const guess of ['0000', '0001', '0002', '0003']) {
      attacker.send({ type: 'join', create: true, room: 'vault', name: 'Mallory', password: guess });
      await expectError(attacker, ErrorCode.WrongPassword);
    }
    attacker.send({ type: 'join', create: true, room: 'vault', name: 'Mallory', password: '2468' });
    const throttled = await expectError(attacker, ErrorCode.TooManyAttempts);
    assert.ok(throttled.retryAfterMs !== undefined && throttled.retryAfterMs > 0 && throttled.retryAfterMs <= 60_000, String(throttled.retryAfterMs));

    // A new connection from the same address is no fresh start.
    const again = await wsFrom(fixture, '127.0.0.2', 'attacker-again');
    again.send({ type: 'join', create: true, room: 'vault', name: 'Mallory', password: '2468' });
    await expectError(again, ErrorCode.TooManyAttempts);

    const member = await wsFrom(fixture, '127.0.0.3', 'member');
    const welcome = await member.joinWith({ room: 'vault', name: 'Alice', password: '2468' });
    assert.equal(welcome.room, 'vault');
  });
});

describe('names', () => {
  const fixture = useServer();

  it('refuses a name that looks like a present member\u2019s, a new room that looks like an existing one, and control, invisible and bidi characters in names', async () => {
    const alice = await fixture.connectWs('alice');
    await alice.join('lobby', 'Alice');
    const mallory = await fixture.connectWs('mallory');
    for (const fake of ['\u0410lice', '\uFF21lice', 'Al\u0456ce', 'A\u0301lice']) {
      mallory.send({ type: 'join', create: true, room: 'lobby', name: fake });
      await expectError(mallory, ErrorCode.NameTaken);
    }
    for (const bad of ['Al\u200Bice', 'Bob\u202Egpj.exe', 'Bob\u0000', 'Bob\u2066']) {
      mallory.send({ type: 'join', create: true, room: 'lobby', name: bad });
      await expectError(mallory, ErrorCode.InvalidName);
    }
    mallory.send({ type: 'join', create: true, room: 'lob\u200Bby', name: 'Bob' });
    await expectError(mallory, ErrorCode.InvalidRoom);
    mallory.send({ type: 'send', id: 'id\u0000', text: 'hi' });
    const badId = await expectError(mallory, ErrorCode.InvalidMessage);
    assert.equal(badId.ref, undefined, 'an id with a NUL is not echoed');

    // A room whose name only looks like an existing one is not created…
    mallory.send({ type: 'join', create: true, room: 'l\u043Ebby', name: 'Bob' });
    const lookalikeRoom = await expectError(mallory, ErrorCode.RoomLookalike);
    assert.match(lookalikeRoom.message, /"lobby"/);
    // …while the same name in other letter case is the same room, and a different name is a new one.
    const other = await fixture.connectWs('other-room');
    assert.equal((await other.join('LOBBY-2', 'Zed')).room, 'LOBBY-2');

    const welcome = await mallory.join('lobby', '\uFF22ob');
    assert.equal(welcome.you.name, 'Bob', 'the name is stored in its NFKC form');
    const hangul = await fixture.connectWs('hangul');
    const hangulWelcome = await hangul.join('lobby', '김민준');
    assert.equal(hangulWelcome.you.name, '김민준');
    assert.deepEqual(
      hangulWelcome.members.map((member) => member.name),
      ['Alice', 'Bob', '김민준'],
    );
  });
});
