/**
 * What only a TLS host does (issue 15), with real sockets on 127.0.0.1:
 * clients pinning another certificate are refused, plain HTTP on the TLS
 * port gets nothing, a TLS handshake that never comes is cut after the
 * headers timeout, the optional plain listener for browsers serves the same
 * routes, and each session knows whether its connection is encrypted and
 * marks its member `unencrypted` when it is not (a host without TLS marks nobody).
 * The protocol itself over TLS is tls.integration.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { globalAgent as httpsGlobalAgent } from 'node:https';
import { connect, createServer as createTcpServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import SockJS from 'sockjs-client';
import WebSocket from 'ws';

import { createChatServer, HostStartError, type ChatServer, type HealthReport, type Logger, type Member } from '../../server';
import { createSelfSignedIdentity, type TlsIdentity } from '../../server/tls-identity';

import { BASE_OPTIONS, EVENT_TIMEOUT_MS, httpGet, pinnedHttpsGet, pinnedTlsOptions, withTimeout } from './helpers';

/** A logger that keeps what the host says at debug level about each connection. */
function connectionLog(): { logger: Logger; opened: Array<{ transport: string; encrypted: boolean }> } {
  const opened: Array<{ transport: string; encrypted: boolean }> = [];
  const ignore = (): void => undefined;
  return {
    opened,
    logger: {
      debug: (message, fields) => {
        if (message === 'connection opened') opened.push({ transport: String(fields?.transport), encrypted: fields?.encrypted === true });
      },
      info: ignore,
      warn: ignore,
      error: ignore,
    },
  };
}

/** Opens a WebSocket, sends a join and resolves with the first frame's type. */
async function joinOver(url: string, options: WebSocket.ClientOptions = {}): Promise<string> {
  const socket = new WebSocket(url, options);
  try {
    return await withTimeout(
      new Promise<string>((resolve, reject) => {
        socket.once('error', reject);
        socket.once('open', () => socket.send(JSON.stringify({ type: 'join', room: 'lobby', create: true, name: `m${Math.random().toString(36).slice(2, 8)}` })));
        socket.once('message', (data) => resolve((JSON.parse(data.toString()) as { type: string }).type));
      }),
      EVENT_TIMEOUT_MS,
      `join over ${url}`,
    );
  } finally {
    socket.terminate();
  }
}

/** A joined member's socket and what it received, for the `unencrypted` marks. */
interface JoinedMember {
  socket: WebSocket;
  welcome: { you: Member; members: Member[] };
  /** Resolves with the next `memberJoined`'s member. */
  nextJoined: () => Promise<Member>;
}

/** Joins `room` as `name` over `url` and keeps the socket open (close it with `terminate`). */
async function joinAndStay(url: string, room: string, name: string, options: WebSocket.ClientOptions = {}): Promise<JoinedMember> {
  const socket = new WebSocket(url, options);
  const joined: Member[] = [];
  const waiting: Array<(member: Member) => void> = [];
  const welcome = await withTimeout(
    new Promise<JoinedMember['welcome']>((resolve, reject) => {
      socket.once('error', reject);
      socket.once('open', () => socket.send(JSON.stringify({ type: 'join', room, create: true, name })));
      socket.on('message', (data) => {
        const message = JSON.parse(data.toString()) as { type: string; member?: Member } & JoinedMember['welcome'];
        if (message.type === 'welcome') resolve(message);
        else if (message.type === 'memberJoined' && message.member) {
          const waiter = waiting.shift();
          if (waiter) waiter(message.member);
          else joined.push(message.member);
        } else if (message.type === 'error') reject(new Error(JSON.stringify(message)));
      });
    }),
    EVENT_TIMEOUT_MS,
    `join of ${name} over ${url}`,
  );
  const nextJoined = (): Promise<Member> => {
    const early = joined.shift();
    if (early) return Promise.resolve(early);
    return withTimeout(new Promise<Member>((resolve) => waiting.push(resolve)), EVENT_TIMEOUT_MS, `memberJoined on ${name}`);
  };
  return { socket, welcome, nextJoined };
}

/** Opens an xhr-polling sockjs-client session (https through the pinned global agent, or http) and closes it once open. */
async function openSockJs(url: string): Promise<void> {
  const sock = new SockJS(url, null, { transports: ['xhr-polling'] });
  await withTimeout(
    new Promise<void>((resolve, reject) => {
      sock.onopen = () => resolve();
      sock.onclose = (event: CloseEvent) => reject(new Error(`closed ${event.code}`));
    }),
    EVENT_TIMEOUT_MS,
    `sockjs open on ${url}`,
  );
  sock.onclose = null;
  sock.close();
}

let identity: TlsIdentity;
let other: TlsIdentity;
before(async () => {
  [identity, other] = await Promise.all([createSelfSignedIdentity(), createSelfSignedIdentity()]);
  // sockjs-client's xhr transports use https's global agent: it pins the host's certificate.
  Object.assign(httpsGlobalAgent.options, pinnedTlsOptions(identity));
});

describe('a TLS host with a plain listener for browsers', () => {
  const webRoot = mkdtempSync(join(tmpdir(), 'lanchat-tls-web-'));
  const log = connectionLog();
  let server: ChatServer;
  let address: AddressInfo;
  let browsers: AddressInfo;

  before(async () => {
    writeFileSync(join(webRoot, 'index.html'), '<!doctype html><title>LanChat test client</title>');
    server = createChatServer({
      ...BASE_OPTIONS,
      webRoot,
      tls: { cert: identity.cert, key: identity.key },
      httpForBrowsersPort: 0,
      headersTimeoutMs: 1_000,
      requestTimeoutMs: 2_000,
      logger: log.logger,
    });
    address = await server.start();
    const plain = server.httpForBrowsersAddress();
    assert.ok(plain, 'the plain listener is up once start() resolves');
    browsers = plain;
  });
  after(async () => {
    await server.close();
    rmSync(webRoot, { recursive: true, force: true });
  });

  it('serves its certificate, whose fingerprint it reports', async () => {
    assert.equal(server.tlsFingerprint, identity.fingerprint);
    const health = await pinnedHttpsGet(address.port, '/health', identity);
    assert.equal(health.status, 200);
    assert.equal((JSON.parse(health.body) as HealthReport).tls, true);
  });

  it('is refused by a client that pins another certificate', async () => {
    await assert.rejects(pinnedHttpsGet(address.port, '/health', { ...identity, fingerprint: other.fingerprint }), /is not the pinned/);
    await assert.rejects(pinnedHttpsGet(address.port, '/health', other), /self[- ]signed|unable to verify|certificate/i);
    await assert.rejects(joinOver(`wss://127.0.0.1:${address.port}/ws`, pinnedTlsOptions(other) as unknown as WebSocket.ClientOptions));
  });

  it('answers plain HTTP on its TLS port with nothing', async () => {
    await assert.rejects(httpGet(address, '/health'));
  });

  it('cuts a connection whose TLS handshake never comes after the headers timeout', async () => {
    const socket = connect(address.port, '127.0.0.1');
    socket.on('error', () => undefined);
    const started = Date.now();
    await withTimeout(new Promise((resolve) => socket.once('close', resolve)), 10_000, 'the silent socket to be closed');
    // Node's own handshake timeout is 120 s; the host's is its headers timeout (1 s here).
    assert.ok(Date.now() - started < 5_000, `closed after ${Date.now() - started} ms`);
  });

  it('serves the same web client, /health and /ws over plain HTTP on the browsers’ port', async () => {
    const overTls = await pinnedHttpsGet(address.port, '/', identity);
    const plain = await httpGet(browsers, '/');
    assert.equal(plain.status, 200);
    assert.equal(plain.body, overTls.body);
    assert.match(plain.body, /LanChat test client/);
    const health = await httpGet(browsers, '/health');
    assert.equal((JSON.parse(health.body) as HealthReport).tls, true, 'the host serves TLS, whichever listener answers');
    assert.equal(await joinOver(`ws://127.0.0.1:${browsers.port}/ws`), 'welcome');
  });

  it('knows which connections are encrypted, on /ws and SockJS', async () => {
    log.opened.length = 0;
    assert.equal(await joinOver(`wss://127.0.0.1:${address.port}/ws`, pinnedTlsOptions(identity) as unknown as WebSocket.ClientOptions), 'welcome');
    assert.equal(await joinOver(`ws://127.0.0.1:${browsers.port}/ws`), 'welcome');
    await openSockJs(`https://127.0.0.1:${address.port}/sockjs`);
    await openSockJs(`http://127.0.0.1:${browsers.port}/sockjs`);
    assert.deepEqual(log.opened, [
      { transport: 'ws', encrypted: true },
      { transport: 'ws', encrypted: false },
      { transport: 'sockjs', encrypted: true },
      { transport: 'sockjs', encrypted: false },
    ]);
  });

  it('marks members who came through the browsers’ port as unencrypted, in their own welcome and in others’ lists', async () => {
    const tlsOptions = pinnedTlsOptions(identity) as unknown as WebSocket.ClientOptions;
    const secure = await joinAndStay(`wss://127.0.0.1:${address.port}/ws`, 'marks', 'Secure', tlsOptions);
    after(() => secure.socket.terminate());
    assert.equal(secure.welcome.you.unencrypted, undefined, 'a TLS member is not marked');
    const plain = await joinAndStay(`ws://127.0.0.1:${browsers.port}/ws`, 'marks', 'Plain');
    after(() => plain.socket.terminate());
    assert.equal(plain.welcome.you.unencrypted, true, 'the plain member is told it is not encrypted');
    assert.deepEqual(
      plain.welcome.members.map((member) => [member.name, member.unencrypted]),
      [
        ['Secure', undefined],
        ['Plain', true],
      ],
    );
    const seen = await secure.nextJoined();
    assert.equal(seen.name, 'Plain');
    assert.equal(seen.unencrypted, true, 'the TLS member sees the plain one marked');
    // A later TLS member sees the mark in its welcome's list too.
    const late = await joinAndStay(`wss://127.0.0.1:${address.port}/ws`, 'marks', 'Late', tlsOptions);
    after(() => late.socket.terminate());
    assert.deepEqual(
      late.welcome.members.map((member) => [member.name, member.unencrypted]),
      [
        ['Secure', undefined],
        ['Plain', true],
        ['Late', undefined],
      ],
    );
  });
});

describe('a host without TLS', () => {
  it('marks nobody unencrypted: everyone is, and clients say so once', async () => {
    const server = createChatServer({ ...BASE_OPTIONS });
    const address = await server.start();
    after(() => server.close());
    const first = await joinAndStay(`ws://127.0.0.1:${address.port}/ws`, 'plain', 'First');
    after(() => first.socket.terminate());
    const second = await joinAndStay(`ws://127.0.0.1:${address.port}/ws`, 'plain', 'Second');
    after(() => second.socket.terminate());
    assert.equal(first.welcome.you.unencrypted, undefined);
    assert.ok(second.welcome.members.every((member) => !('unencrypted' in member)), JSON.stringify(second.welcome.members));
    assert.equal('unencrypted' in (await first.nextJoined()), false);
  });
});

describe('TLS options', () => {
  it('refuse a plain listener for browsers without TLS, or on the main port', () => {
    assert.throws(() => createChatServer({ ...BASE_OPTIONS, httpForBrowsersPort: 0 }), /needs tls/);
    assert.throws(() => createChatServer({ ...BASE_OPTIONS, port: 8443, httpForBrowsersPort: 8443, tls: identity }), /must differ/);
  });

  it('refuse a certificate and key that do not belong together, before opening the history file', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'lanchat-tls-data-'));
    after(() => rmSync(folder, { recursive: true, force: true }));
    const dataPath = join(folder, 'history.sqlite');
    assert.throws(() => createChatServer({ ...BASE_OPTIONS, dataPath, tls: { cert: identity.cert, key: other.key } }), TypeError);
    assert.throws(() => createChatServer({ ...BASE_OPTIONS, dataPath, tls: { cert: 'not a certificate', key: identity.key } }), TypeError);
    // The file is not left open (and locked) by the refused host.
    const server = createChatServer({ ...BASE_OPTIONS, dataPath, tls: identity });
    await server.start();
    await server.close();
  });

  it('fail the start when the browsers’ port is taken, with nothing left listening', async () => {
    const blocker = createTcpServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    after(() => blocker.close());
    const busy = (blocker.address() as AddressInfo).port;
    const server = createChatServer({ ...BASE_OPTIONS, tls: identity, httpForBrowsersPort: busy });
    await assert.rejects(server.start(), (error: unknown) => error instanceof HostStartError && error.code === 'EADDRINUSE' && error.port === busy);
    assert.equal(server.state, 'closed');
    assert.equal(server.address(), undefined);
  });

  it('release both ports on close', async () => {
    const server = createChatServer({ ...BASE_OPTIONS, tls: identity, httpForBrowsersPort: 0 });
    const main = await server.start();
    const plain = server.httpForBrowsersAddress();
    assert.ok(plain);
    await server.close();
    for (const port of [main.port, plain.port]) {
      const again = createTcpServer();
      await new Promise<void>((resolve, reject) => {
        again.once('error', reject);
        again.listen(port, '127.0.0.1', resolve);
      });
      await new Promise((resolve) => again.close(resolve));
    }
  });
});
