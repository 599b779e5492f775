/**
 * Broadcasts reach members on every SockJS transport — websocket,
 * xhr-streaming, xhr-polling, eventsource, htmlfile, jsonp-polling — in
 * order, byte for byte the JSON a /ws member gets, each in its transport's
 * own framing. The host frames a broadcast once per transport
 * (server/shared-frame.ts) and, while nothing waits in a session's buffer,
 * writes it straight to the receiver; the polling transports also take the
 * buffered path between polls, so both are exercised here.
 *
 * The clients are plain HTTP and ws sockets that speak SockJS 0.3.3 by hand:
 * sockjs-client in Node cannot run htmlfile or jsonp (they need a DOM).
 */
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';

import WebSocket from 'ws';

import type { ServerMessage } from '../../server/protocol';

import {
  EVENT_TIMEOUT_MS,
  clientId,
  clientRequest,
  httpRequest,
  parseSockJsFrame,
  sockJsSessionId,
  useServer,
  withTimeout,
  wsClientOptions,
  wsUrl,
  type SockJsFrame,
} from './helpers';

/** Messages the /ws member sends; enough that the polling transports see several polls. */
const MESSAGES = 12;

type TransportUnderTest = 'websocket' | 'xhr-streaming' | 'xhr-polling' | 'eventsource' | 'htmlfile' | 'jsonp-polling';
const TRANSPORTS: readonly TransportUnderTest[] = ['websocket', 'xhr-streaming', 'xhr-polling', 'eventsource', 'htmlfile', 'jsonp-polling'];

/**
 * Takes the complete frames off the front of a streaming body, in each
 * transport's framing (sockjs 0.3.x trans-xhr/eventsource/htmlfile), and
 * returns them with what is left over (a frame not complete yet).
 */
function takeStreamed(transport: 'xhr-streaming' | 'eventsource' | 'htmlfile', body: string): { frames: string[]; rest: string } {
  const frames: string[] = [];
  const pattern =
    transport === 'xhr-streaming' ? /^([^\n]*)\n/ : transport === 'eventsource' ? /^data: ([^\r]*)\r\n\r\n/ : /^<script>\np\(("(?:[^"\\]|\\.)*")\);\n<\/script>\r\n/;
  let rest = body;
  for (let match = pattern.exec(rest); match !== null; match = pattern.exec(rest)) {
    const frame = transport === 'htmlfile' ? (JSON.parse(match[1]!) as string) : match[1]!;
    frames.push(frame);
    rest = rest.slice(match[0].length);
  }
  return { frames, rest };
}

/** What every transport's prelude (before the first frame) looks like. */
const PRELUDE: Record<'xhr-streaming' | 'eventsource' | 'htmlfile', RegExp> = {
  'xhr-streaming': /^h{2048}\n/,
  eventsource: /^\r\n/,
  htmlfile: /^<!doctype html>[\s\S]*?<\/script> *\r\n\r\n/,
};

/** A member on one SockJS transport, driven by hand. */
class TransportMember {
  readonly frames: SockJsFrame[] = [];
  readonly #session = sockJsSessionId();
  readonly #waiters: Array<() => void> = [];
  #socket: WebSocket | undefined;
  #response: IncomingMessage | undefined;
  #polling = false;
  #closed = false;

  constructor(
    readonly transport: TransportUnderTest,
    readonly address: AddressInfo,
  ) {}

  #path(suffix: string): string {
    return `/sockjs/000/${this.#session}/${suffix}`;
  }

  #push(frames: string[]): void {
    for (const frame of frames) this.frames.push(parseSockJsFrame(frame));
    for (const wake of this.#waiters.splice(0)) wake();
  }

  /** Opens the receiving side and waits for the `o` frame. */
  async open(): Promise<void> {
    if (this.transport === 'websocket') {
      const socket = new WebSocket(wsUrl(this.address, this.#path('websocket')), wsClientOptions());
      socket.on('error', () => undefined);
      socket.on('message', (data) => this.#push([data.toString()]));
      this.#socket = socket;
    } else if (this.transport === 'xhr-polling' || this.transport === 'jsonp-polling') {
      this.#polling = true;
      void this.#pollLoop();
    } else {
      this.#stream(this.transport);
    }
    await this.waitUntil(() => this.frames.some((frame) => frame.kind === 'o'), 'open frame');
  }

  #stream(transport: 'xhr-streaming' | 'eventsource' | 'htmlfile'): void {
    const suffix = transport === 'xhr-streaming' ? 'xhr_streaming' : transport === 'eventsource' ? 'eventsource' : 'htmlfile?c=callback';
    const req = clientRequest({ host: '127.0.0.1', port: this.address.port, method: transport === 'xhr-streaming' ? 'POST' : 'GET', path: this.#path(suffix) });
    req.on('error', () => undefined);
    req.on('response', (response) => {
      this.#response = response;
      response.setEncoding('utf8');
      let body = '';
      let preludeSeen = false;
      response.on('data', (chunk: string) => {
        body += chunk;
        if (!preludeSeen) {
          const prelude = PRELUDE[transport].exec(body);
          if (!prelude) return;
          preludeSeen = true;
          body = body.slice(prelude[0].length);
        }
        const { frames, rest } = takeStreamed(transport, body);
        body = rest;
        this.#push(frames);
      });
    });
    req.end();
  }

  /** xhr-polling and jsonp-polling: one request at a time, each answered with one frame. */
  async #pollLoop(): Promise<void> {
    while (this.#polling) {
      const jsonp = this.transport === 'jsonp-polling';
      const response = await httpRequest(this.address, { method: jsonp ? 'GET' : 'POST', path: this.#path(jsonp ? 'jsonp?c=callback' : 'xhr') }).catch(
        () => undefined,
      );
      if (!response || !this.#polling) return;
      assert.equal(response.status, 200, `${this.transport} poll: ${response.body}`);
      if (jsonp) {
        const match = /^\/\*\*\/callback\(("(?:[^"\\]|\\.)*")\);\r\n$/.exec(response.body);
        assert.ok(match, `a JSONP response: ${response.body.slice(0, 80)}`);
        this.#push([JSON.parse(match[1]!) as string]);
      } else {
        this.#push(response.body.split('\n').filter((line) => line.length > 0));
      }
    }
  }

  /** Sends one protocol message: over the websocket, or with jsonp_send / xhr_send. */
  async send(message: object): Promise<void> {
    const payload = JSON.stringify([JSON.stringify(message)]);
    if (this.#socket) {
      this.#socket.send(payload);
      return;
    }
    const jsonp = this.transport === 'jsonp-polling';
    const response = await httpRequest(this.address, {
      method: 'POST',
      path: this.#path(jsonp ? 'jsonp_send' : 'xhr_send'),
      headers: { 'Content-Type': jsonp ? 'application/x-www-form-urlencoded' : 'text/plain' },
      body: jsonp ? `d=${encodeURIComponent(payload)}` : payload,
    });
    assert.equal(response.status, jsonp ? 200 : 204, `${this.transport} send: ${response.body}`);
  }

  /** The protocol messages received so far, in order. */
  messages(): ServerMessage[] {
    return this.frames.flatMap((frame) => (frame.kind === 'a' ? frame.messages.map((text) => JSON.parse(text) as ServerMessage) : []));
  }

  /** The raw JSON texts received so far, in order. */
  texts(): string[] {
    return this.frames.flatMap((frame) => (frame.kind === 'a' ? frame.messages : []));
  }

  async waitUntil(condition: () => boolean, what: string): Promise<void> {
    await withTimeout(
      (async () => {
        while (!condition()) await new Promise<void>((resolve) => this.#waiters.push(resolve));
      })(),
      EVENT_TIMEOUT_MS,
      `${this.transport}: ${what}`,
    );
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#polling = false;
    this.#socket?.terminate();
    this.#response?.destroy();
  }
}

describe('SockJS transports: broadcasts framed once, delivered on every transport', () => {
  const fixture = useServer();
  const members: TransportMember[] = [];
  after(() => members.forEach((member) => member.close()));

  it('delivers every broadcast, in order and byte-identical to /ws, to a member on each transport, with acks in between', async () => {
    // The /ws member as a plain ws socket, so its frames are compared as they came off the wire.
    const senderTexts: string[] = [];
    const sender = new WebSocket(wsUrl(fixture.address, '/ws'), wsClientOptions());
    after(() => sender.terminate());
    sender.on('message', (data) => senderTexts.push(data.toString()));
    await withTimeout(new Promise((resolve) => sender.once('open', resolve)), EVENT_TIMEOUT_MS, '/ws open');
    const sentMessages = (): string[] => senderTexts.filter((text) => (JSON.parse(text) as ServerMessage).type === 'message');
    const waitForSender = async (condition: () => boolean, what: string): Promise<void> => {
      await withTimeout(
        (async () => {
          while (!condition()) await new Promise((resolve) => sender.once('message', resolve));
        })(),
        EVENT_TIMEOUT_MS,
        `/ws: ${what}`,
      );
    };
    sender.send(JSON.stringify({ type: 'join', create: true, room: 'transports', name: 'sender' }));
    await waitForSender(() => senderTexts.some((text) => (JSON.parse(text) as ServerMessage).type === 'welcome'), 'welcome');

    for (const transport of TRANSPORTS) {
      const member = new TransportMember(transport, fixture.address);
      members.push(member);
      await member.open();
      await member.send({ type: 'join', create: true, room: 'transports', name: transport });
      await member.waitUntil(() => member.messages().some((message) => message.type === 'welcome'), 'welcome');
    }

    // The /ws member's messages, plus one from each transport member whose
    // ack (a unicast) must come after its own message's broadcast.
    const ids: string[] = [];
    for (let index = 0; index < MESSAGES; index += 1) {
      const id = clientId('ws');
      ids.push(id);
      sender.send(JSON.stringify({ type: 'send', id, text: `message ${index} ✓ <b>"quoted"</b> \u2028` }));
    }
    for (const member of members) {
      const id = clientId(member.transport);
      ids.push(id);
      await member.send({ type: 'send', id, text: `from ${member.transport}` });
    }

    const expected = ids.length;
    await waitForSender(() => sentMessages().length === expected, 'every message');
    const wsTexts = sentMessages();

    for (const member of members) {
      await member.waitUntil(() => member.messages().filter((message) => message.type === 'message').length === expected, 'every message');
      const texts = member.texts().filter((text) => (JSON.parse(text) as ServerMessage).type === 'message');
      assert.deepEqual(texts, wsTexts, `${member.transport}: the same messages, in the same order, byte for byte`);
      const received = member.messages();
      const ownMessage = received.findIndex((message) => message.type === 'message' && message.from.name === member.transport);
      const ownAck = received.findIndex((message) => message.type === 'ack');
      assert.ok(ownMessage !== -1 && ownAck > ownMessage, `${member.transport}: its ack comes after its own message`);
      assert.deepEqual(
        member.frames.filter((frame) => frame.kind === 'c'),
        [],
        `${member.transport}: no close frame`,
      );
    }
  });
});
