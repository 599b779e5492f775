/**
 * probeHost (renderer/src/lib/host-probe.ts) against real local servers on
 * 127.0.0.1: a LanChat host (createChatServer), a plain web server, a
 * "LanChat" of another protocol version, a server that never answers, and a
 * closed port. Node's fetch has no CORS, so the `no-cors` fallback that
 * tells a foreign server from a closed port in the browser is covered by
 * tests/e2e/join-errors.e2e.test.ts; here it simply resolves or fails.
 */
import assert from 'node:assert/strict';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';

import { PROTOCOL_VERSION } from '../../server/protocol';
import { createChatServer, type ChatServer } from '../../server';
import { ProbeErrorCode, addressForForm, probeHost } from '../../renderer/src/lib/host-probe';

async function listen(server: HttpServer | TcpServer): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function closeServer(server: HttpServer | TcpServer): Promise<void> {
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

describe('probeHost', () => {
  let chat: ChatServer;
  let chatOrigin: string;
  const html = createHttpServer((_request, response) => {
    response.writeHead(404, { 'content-type': 'text/html' }).end('<!doctype html><title>Not found</title>');
  });
  let htmlOrigin: string;
  /** Answers /rooms with a JSON object that is not a rooms report. */
  const json = createHttpServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
  });
  let jsonOrigin: string;
  const future = createHttpServer((_request, response) => {
    response
      .writeHead(200, { 'content-type': 'application/json', 'access-control-allow-origin': '*' })
      .end(JSON.stringify({ name: 'lanchat', protocol: 999, version: '99.0.0', hostName: 'Future', instanceId: 'x', rooms: 'changed shape' }));
  });
  let futureOrigin: string;
  const sockets = new Set<Socket>();
  /** Accepts connections and never answers. */
  const silent = createTcpServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
  });
  let silentOrigin: string;
  let closedOrigin: string;

  before(async () => {
    chat = createChatServer({ port: 0, host: '127.0.0.1', rooms: [{ name: 'lobby' }] });
    chatOrigin = `http://127.0.0.1:${(await chat.start()).port}`;
    htmlOrigin = await listen(html);
    jsonOrigin = await listen(json);
    futureOrigin = await listen(future);
    silentOrigin = await listen(silent);
    // A port that was just free: nothing listens there once the server closed.
    const closed = createTcpServer();
    closedOrigin = await listen(closed);
    await closeServer(closed);
  });

  after(async () => {
    for (const socket of sockets) socket.destroy();
    await Promise.all([chat.close(), closeServer(html), closeServer(json), closeServer(future), closeServer(silent)]);
  });

  it('returns the rooms report of a LanChat host', async () => {
    const result = await probeHost(chatOrigin);
    assert.equal(result.ok, true, JSON.stringify(result));
    if (!result.ok) return;
    assert.equal(result.report.name, 'lanchat');
    assert.equal(result.report.protocol, PROTOCOL_VERSION);
    assert.deepEqual(
      result.report.rooms.map((room) => room.name),
      ['lobby'],
    );
  });

  it('says nothing answers at a closed port', async () => {
    const result = await probeHost(closedOrigin);
    assert.equal(result.ok, false);
    if (result.ok) return;
    assert.equal(result.code, ProbeErrorCode.Unreachable);
    assert.match(result.text, /Nothing answers at 127\.0\.0\.1:\d+/);
  });

  it('says a web server that is not LanChat is not a LanChat host', async () => {
    for (const origin of [htmlOrigin, jsonOrigin]) {
      const result = await probeHost(origin);
      assert.equal(result.ok, false, origin);
      if (result.ok) return;
      assert.equal(result.code, ProbeErrorCode.NotLanChat, origin);
      assert.match(result.text, /not a LanChat host/);
    }
  });

  it('names both protocol versions for a host of another version, whatever its report looks like', async () => {
    const result = await probeHost(futureOrigin);
    assert.equal(result.ok, false);
    if (result.ok) return;
    assert.equal(result.code, ProbeErrorCode.ProtocolMismatch);
    assert.match(result.text, /version 999/);
    assert.match(result.text, new RegExp(`version ${PROTOCOL_VERSION}\\b`));
    assert.match(result.text, /Update LanChat on this app/);
  });

  it('gives up on a host that never answers', async () => {
    const started = Date.now();
    const result = await probeHost(silentOrigin, { timeoutMs: 300 });
    assert.equal(result.ok, false);
    if (result.ok) return;
    assert.equal(result.code, ProbeErrorCode.Timeout);
    assert.ok(Date.now() - started < 5_000, 'the time limit holds');
  });

  it('rejects with the reason when cancelled', async () => {
    const controller = new AbortController();
    const probing = probeHost(silentOrigin, { signal: controller.signal, timeoutMs: 10_000 });
    const reason = new Error('cancelled by the user');
    setTimeout(() => controller.abort(reason), 50);
    await assert.rejects(probing, (error) => error === reason);
  });
});

describe('addressForForm', () => {
  it('drops http:// but keeps https://, which the address needs to mean TLS', () => {
    assert.equal(addressForForm('http://192.0.2.5:8080'), '192.0.2.5:8080');
    assert.equal(addressForForm('https://192.0.2.5:8443'), 'https://192.0.2.5:8443');
  });
});
