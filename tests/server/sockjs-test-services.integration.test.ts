/**
 * The SockJS protocol test suite's services (`sockjsTestServices: true`):
 * `/echo`, `/disabled_websocket_echo`, `/cookie_needed_echo` and `/close`,
 * checked the way sockjs-protocol 0.3.3 checks them, with plain HTTP and a
 * raw WebSocket speaking SockJS framing. Also the chat endpoint's own
 * `/sockjs/info`, heartbeat and iframe page.
 */
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';

import WebSocket from 'ws';

import {
  EVENT_TIMEOUT_MS,
  RawXhrSession,
  clientRequest,
  httpRequest,
  parseSockJsFrames,
  sockJsSessionId,
  upgradeWith,
  useServer,
  withTimeout,
  wsClientOptions,
  wsUrl,
} from './helpers';

/** The `/echo` service's streaming response limit (sockjs-protocol's expectation). */
const ECHO_RESPONSE_LIMIT = 4_096;
/** Length of the `h…h\n` prelude of xhr-streaming responses, for browsers that buffer the first 2 KiB. */
const PRELUDE = `${'h'.repeat(2_048)}\n`;

interface SockJsInfo {
  websocket: boolean;
  cookie_needed: boolean;
  origins: string[];
  entropy: number;
}

async function info(address: AddressInfo, prefix: string): Promise<SockJsInfo> {
  const response = await httpRequest(address, { path: `${prefix}/info` });
  assert.equal(response.status, 200);
  assert.match(String(response.headers['content-type']), /^application\/json/);
  return JSON.parse(response.body) as SockJsInfo;
}

/** A streaming HTTP response read as it arrives. */
class StreamReader {
  body = '';
  ended = false;
  readonly #listeners = new Set<() => void>();

  constructor(response: IncomingMessage) {
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      this.body += chunk;
      this.#notify();
    });
    response.on('end', () => {
      this.ended = true;
      this.#notify();
    });
  }

  /** Resolves once `condition` holds for the response so far. */
  until(condition: (reader: StreamReader) => boolean, what: string): Promise<void> {
    return withTimeout(
      new Promise<void>((resolve) => {
        const check = (): void => {
          if (!condition(this)) return;
          this.#listeners.delete(check);
          resolve();
        };
        this.#listeners.add(check);
        check();
      }),
      EVENT_TIMEOUT_MS,
      what,
    );
  }

  #notify(): void {
    for (const listener of [...this.#listeners]) listener();
  }
}

/** Opens a streaming POST and resolves with its reader once the headers are in; `abort` drops the connection. */
function openStream(address: AddressInfo, path: string): Promise<{ status: number; reader: StreamReader; abort: () => void }> {
  return withTimeout(
    new Promise((resolve, reject) => {
      const req = clientRequest({ host: '127.0.0.1', port: address.port, path, method: 'POST', agent: false }, (response) =>
        resolve({ status: response.statusCode ?? 0, reader: new StreamReader(response), abort: () => req.destroy() }),
      );
      req.on('error', reject);
      req.end();
    }),
    EVENT_TIMEOUT_MS,
    `POST ${path}`,
  );
}

/** A raw WebSocket on a SockJS websocket URL; frames are SockJS's, read as text. */
async function openSockJsWebSocket(address: AddressInfo, path: string): Promise<{ socket: WebSocket; next: () => Promise<string> }> {
  const socket = new WebSocket(wsUrl(address, path), wsClientOptions());
  const frames: string[] = [];
  const waiters: Array<(frame: string) => void> = [];
  socket.on('message', (data) => {
    const waiter = waiters.shift();
    if (waiter) waiter(data.toString());
    else frames.push(data.toString());
  });
  socket.on('error', () => undefined);
  await withTimeout(
    new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    }),
    EVENT_TIMEOUT_MS,
    `open of ${path}`,
  );
  const next = (): Promise<string> => {
    const frame = frames.shift();
    if (frame !== undefined) return Promise.resolve(frame);
    return withTimeout(new Promise<string>((resolve) => waiters.push(resolve)), EVENT_TIMEOUT_MS, `a frame on ${path}`);
  };
  return { socket, next };
}

describe('SockJS test services', () => {
  const fixture = useServer({ sockjsTestServices: true });

  describe('/info', () => {
    it('/echo/info offers websocket and needs no cookie', async () => {
      const echo = await info(fixture.address, '/echo');
      assert.equal(echo.websocket, true);
      assert.equal(echo.cookie_needed, false);
      assert.deepEqual(echo.origins, ['*:*']);
      assert.equal(typeof echo.entropy, 'number');
    });

    it('/disabled_websocket_echo/info offers no websocket', async () => {
      const disabled = await info(fixture.address, '/disabled_websocket_echo');
      assert.equal(disabled.websocket, false);
      assert.equal(disabled.cookie_needed, false);
    });

    it('/cookie_needed_echo/info needs a cookie', async () => {
      const cookie = await info(fixture.address, '/cookie_needed_echo');
      assert.equal(cookie.cookie_needed, true);
      assert.equal(cookie.websocket, true);
    });
  });

  describe('/disabled_websocket_echo', () => {
    it('refuses its websocket URL with 404, as a plain GET and as an upgrade', async () => {
      const path = `/disabled_websocket_echo/000/${sockJsSessionId()}/websocket`;
      assert.equal((await httpRequest(fixture.address, { path })).status, 404);
      assert.equal(await upgradeWith(fixture.address, path), 404);
    });

    it('still echoes over xhr-polling', async () => {
      const session = new RawXhrSession(fixture.address, '/disabled_websocket_echo');
      assert.deepEqual(await session.poll(), [{ kind: 'o' }]);
      assert.equal(await session.send('no websocket here'), 204);
      assert.deepEqual(await session.poll(), [{ kind: 'a', messages: ['no websocket here'] }]);
    });
  });

  describe('/cookie_needed_echo', () => {
    it('sets a JSESSIONID cookie on xhr', async () => {
      const response = await httpRequest(fixture.address, { method: 'POST', path: `/cookie_needed_echo/000/${sockJsSessionId()}/xhr` });
      assert.equal(response.status, 200);
      assert.equal(response.body, 'o\n');
      const cookies = [response.headers['set-cookie'] ?? []].flat();
      assert.ok(
        cookies.some((cookie) => /^JSESSIONID=[^;]+; path=\//i.test(cookie)),
        `Set-Cookie: ${JSON.stringify(cookies)}`,
      );
    });

    it('sets no cookie on the plain echo service', async () => {
      const response = await httpRequest(fixture.address, { method: 'POST', path: `/echo/000/${sockJsSessionId()}/xhr` });
      assert.equal(response.headers['set-cookie'], undefined);
    });
  });

  describe('/close', () => {
    it('opens and then closes every session with 3000 "Go away!"', async () => {
      const session = new RawXhrSession(fixture.address, '/close');
      assert.deepEqual(await session.poll(), [{ kind: 'o' }]);
      assert.deepEqual(await session.poll(), [{ kind: 'c', code: 3000, reason: 'Go away!' }]);
      // A closed session keeps answering with its close frame.
      assert.deepEqual(await session.poll(), [{ kind: 'c', code: 3000, reason: 'Go away!' }]);
    });

    it('closes a websocket session the same way', async () => {
      const { socket, next } = await openSockJsWebSocket(fixture.address, `/close/000/${sockJsSessionId()}/websocket`);
      try {
        assert.equal(await next(), 'o');
        assert.equal(await next(), 'c[3000,"Go away!"]');
      } finally {
        socket.terminate();
      }
    });
  });

  describe('/echo', () => {
    it('echoes over xhr-polling, keeping order and unicode', async () => {
      const session = new RawXhrSession(fixture.address, '/echo');
      assert.deepEqual(await session.poll(), [{ kind: 'o' }]);
      assert.equal(await session.send('msg'), 204);
      assert.deepEqual(await session.poll(), [{ kind: 'a', messages: ['msg'] }]);
      assert.equal(await session.send('one', 'twö', '{"json":"text"}', '\u2028'), 204);
      assert.deepEqual(await session.poll(), [{ kind: 'a', messages: ['one', 'twö', '{"json":"text"}', '\u2028'] }]);
    });

    it('answers a malformed xhr_send with 500 and keeps the session', async () => {
      const session = new RawXhrSession(fixture.address, '/echo');
      await session.poll();
      assert.equal((await session.sendBody('[broken')).status, 500);
      assert.equal((await session.sendBody('')).status, 500);
      assert.equal(await session.send('after'), 204);
      assert.deepEqual(await session.poll(), [{ kind: 'a', messages: ['after'] }]);
    });

    it('answers xhr_send to an unknown session with 404', async () => {
      const session = new RawXhrSession(fixture.address, '/echo');
      assert.equal(await session.send('nobody'), 404);
    });

    it('echoes over websocket with SockJS framing: ["msg"] → a["msg"]', async () => {
      const { socket, next } = await openSockJsWebSocket(fixture.address, `/echo/000/${sockJsSessionId()}/websocket`);
      try {
        assert.equal(await next(), 'o');
        socket.send('["msg"]');
        assert.equal(await next(), 'a["msg"]');
        socket.send('["a","b"]');
        const frames = [await next()];
        if (frames[0] !== 'a["a","b"]') frames.push(await next());
        assert.deepEqual(
          frames.flatMap((frame) => JSON.parse(frame.slice(1)) as string[]),
          ['a', 'b'],
        );
      } finally {
        socket.terminate();
      }
    });

    it('echoes over the raw websocket URL without framing', async () => {
      const { socket, next } = await openSockJsWebSocket(fixture.address, '/echo/websocket');
      try {
        socket.send('plain text');
        assert.equal(await next(), 'plain text');
      } finally {
        socket.terminate();
      }
    });

    it(`streams xhr_streaming after a 2048-byte h prelude and ends the response past ${ECHO_RESPONSE_LIMIT} bytes`, async (t) => {
      const session = new RawXhrSession(fixture.address, '/echo');
      const { status, reader } = await openStream(fixture.address, session.path('xhr_streaming'));
      assert.equal(status, 200);
      await reader.until((r) => r.body.length >= PRELUDE.length + 2, 'prelude and open frame');
      assert.equal(reader.body.slice(0, PRELUDE.length), PRELUDE);
      assert.equal(reader.body.slice(PRELUDE.length, PRELUDE.length + 2), 'o\n');

      // 1000-character messages: the frame that takes the response past the limit is its last.
      const text = 'x'.repeat(1_000);
      let sentFrames = 0;
      while (!reader.ended && sentFrames < 10) {
        const before = reader.body.length;
        assert.equal(await session.send(text), 204);
        sentFrames += 1;
        await reader.until((r) => r.ended || r.body.length > before, `echo ${sentFrames}`);
        await reader.until((r) => r.ended || r.body.endsWith('\n'), `end of frame ${sentFrames}`);
        const framesBytes = reader.body.length - PRELUDE.length;
        if (framesBytes < ECHO_RESPONSE_LIMIT) assert.equal(reader.ended, false, `ended early after ${framesBytes} bytes`);
      }
      await reader.until((r) => r.ended, 'end of the streaming response');
      const frames = parseSockJsFrames(reader.body.slice(PRELUDE.length));
      assert.deepEqual(frames[0], { kind: 'o' });
      assert.deepEqual(
        frames.slice(1),
        Array.from({ length: sentFrames }, () => ({ kind: 'a', messages: [text] })),
      );
      const framesBytes = reader.body.length - PRELUDE.length;
      t.diagnostic(`response ended after ${sentFrames} echoed frames, ${framesBytes} bytes after the prelude`);
      assert.ok(framesBytes >= ECHO_RESPONSE_LIMIT, `ended after ${framesBytes} bytes`);
      assert.ok(framesBytes - (text.length + 6) < ECHO_RESPONSE_LIMIT, `ran ${framesBytes} bytes, more than one frame past the limit`);

      // The session lives on: the next receiving request gets what was sent meanwhile.
      assert.equal(await session.send('after the limit'), 204);
      assert.deepEqual(await session.poll(), [{ kind: 'a', messages: ['after the limit'] }]);
    });

    it('serves an iframe page that loads the host’s own sockjs-client, not a CDN copy', async () => {
      const page = await httpRequest(fixture.address, { path: '/echo/iframe.html' });
      assert.equal(page.status, 200);
      assert.match(String(page.headers['content-type']), /^text\/html/);
      assert.match(page.body, /<script src="\/sockjs\.min\.js"><\/script>/);
      assert.doesNotMatch(page.body, /https?:\/\//);
    });
  });

  describe('the chat endpoint beside them', () => {
    it('reports its defaults on /sockjs/info: websocket on, no cookie', async () => {
      const chat = await info(fixture.address, '/sockjs');
      assert.equal(chat.websocket, true);
      assert.equal(chat.cookie_needed, false);
      assert.deepEqual(chat.origins, ['*:*']);
    });

    it('serves /sockjs/iframe.html loading /sockjs.min.js', async () => {
      const page = await httpRequest(fixture.address, { path: '/sockjs/iframe.html' });
      assert.equal(page.status, 200);
      assert.match(page.body, /<script src="\/sockjs\.min\.js"><\/script>/);
      assert.doesNotMatch(page.body, /https?:\/\//);
    });

    it('does not echo: /sockjs is the chat, which answers echo text with a protocol error', async () => {
      const session = new RawXhrSession(fixture.address, '/sockjs');
      assert.deepEqual(await session.poll(), [{ kind: 'o' }]);
      assert.equal(await session.send('msg'), 204);
      const [frame] = await session.poll();
      assert.equal(frame?.kind, 'a');
      const reply = JSON.parse(frame?.kind === 'a' ? (frame.messages[0] ?? '') : '') as { type: string; code: string };
      assert.deepEqual([reply.type, reply.code], ['error', 'CHAT_ERR_INVALID_JSON']);
    });
  });
});

describe('SockJS services off by default', () => {
  const fixture = useServer();

  it('answers the test services’ URLs with 404', async () => {
    for (const prefix of ['/echo', '/disabled_websocket_echo', '/cookie_needed_echo', '/close']) {
      assert.equal((await httpRequest(fixture.address, { path: `${prefix}/info` })).status, 404, prefix);
    }
    assert.equal(await upgradeWith(fixture.address, `/echo/000/${sockJsSessionId()}/websocket`), 404);
  });
});

describe('SockJS heartbeats', () => {
  const fixture = useServer({ sockjs: { heartbeatMs: 100 } });

  it('answers a poll that has nothing to deliver with an h frame after the heartbeat interval', async () => {
    const session = new RawXhrSession(fixture.address);
    assert.deepEqual(await session.poll(), [{ kind: 'o' }]);
    assert.deepEqual(await session.poll(), [{ kind: 'h' }]);
  });

  it('sends h frames on an idle xhr-streaming response', async () => {
    const session = new RawXhrSession(fixture.address);
    const { reader, abort } = await openStream(fixture.address, session.path('xhr_streaming'));
    try {
      await reader.until((r) => r.body.slice(PRELUDE.length).includes('h\n'), 'a heartbeat frame');
      assert.deepEqual(parseSockJsFrames(reader.body.slice(PRELUDE.length)).slice(0, 2), [{ kind: 'o' }, { kind: 'h' }]);
    } finally {
      abort();
    }
  });
});
