/**
 * Room lifecycle, memory bounds, rate limits and retention through the real
 * server (createChatServer on 127.0.0.1 port 0, a temporary history file,
 * real ws and SockJS clients): issue 12 item 5. Time-dependent behaviour
 * (idle rooms, retention ages) runs on the server's injectable clock, which
 * the tests move forward; nothing waits for wall-clock time.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { createChatServer, type ChatServer, type ChatServerOptions } from '../../server';
import { ErrorCode } from '../../server/protocol';
import {
  BASE_OPTIONS,
  closeAll,
  connectClient,
  expectError,
  sendAndAck,
  type ClientKind,
  type TestClient,
} from './helpers';

const DAY_MS = 24 * 60 * 60_000;

/** A temporary directory for this file's history databases, removed at the end. */
const directory = mkdtempSync(join(tmpdir(), 'lanchat-rooms-'));
after(() => rmSync(directory, { recursive: true, force: true }));
let fileCounter = 0;
function freshDataPath(): string {
  fileCounter += 1;
  return join(directory, `history-${fileCounter}.sqlite`);
}

/** A server on a fresh history file with a clock the test moves, plus the clients it opens. */
function useHost(options: ChatServerOptions = {}) {
  const fixture = {
    clock: 1_700_000_000_000,
    server: undefined as unknown as ChatServer,
    clients: [] as TestClient[],
    dataPath: freshDataPath(),
    async connect(kind: ClientKind = 'ws', label?: string): Promise<TestClient> {
      const client = await connectClient(fixture.server.address() as AddressInfo, kind, label);
      fixture.clients.push(client);
      return client;
    },
  };
  before(async () => {
    fixture.server = createChatServer({
      ...BASE_OPTIONS,
      dataPath: fixture.dataPath,
      now: () => fixture.clock,
      ...options,
      sockjs: { ...BASE_OPTIONS.sockjs, ...options.sockjs },
    });
    await fixture.server.start();
  });
  after(async () => {
    await closeAll(fixture.clients);
    await fixture.server.close();
  });
  return fixture;
}

describe('rooms through the real server', () => {
  describe('an empty, idle room leaves memory', () => {
    const host = useHost({ roomIdleMs: 60_000 });

    it('and comes back with its history on the next join', async () => {
      const ann = await host.connect('ws', 'ann');
      await ann.join('Garden', 'Ann');
      const first = await sendAndAck(ann, 'tulips');
      const second = await sendAndAck(ann, 'roses');
      assert.deepEqual(
        host.server.health().rooms.map((room) => room.name),
        ['Garden'],
      );
      ann.send({ type: 'leave' });
      // A round trip proves the leave was handled.
      ann.send({ type: 'leave' });
      await expectError(ann, ErrorCode.NotJoined);

      host.clock += 59_999;
      assert.equal(host.server.sweepRooms(), 0, 'not idle long enough yet');
      host.clock += 1;
      assert.equal(host.server.sweepRooms(), 1);
      assert.deepEqual(host.server.health().rooms, []);
      assert.deepEqual(host.server.health().memory, { rooms: 0, cachedMessages: 0, cachedBytes: 0 });

      const bob = await host.connect('xhr-streaming', 'bob');
      const welcome = await bob.join('garden', 'Bob');
      assert.equal(welcome.room, 'Garden', 'the stored spelling of its name');
      assert.deepEqual(
        welcome.history.map((message) => [message.seq, message.text]),
        [
          [first.seq, 'tulips'],
          [second.seq, 'roses'],
        ],
      );
      assert.equal(welcome.lastSeq, 2);
      // Numbering carries on where it stopped.
      assert.equal((await sendAndAck(bob, 'lilies')).seq, 3);
    });
  });

  describe('room creation is rate-limited per connection and per address', () => {
    const host = useHost({ roomCreation: { perConnection: 3, perAddress: 5, intervalMs: 60_000 } });

    it('refuses a new room past the connection allowance with CHAT_ERR_TOO_MANY_NEW_ROOMS; existing rooms stay open', async () => {
      const ann = await host.connect('ws', 'ann');
      for (const name of ['one', 'two', 'three']) await ann.join(name, 'Ann');
      ann.send({ type: 'join', create: true, room: 'four', name: 'Ann' });
      await expectError(ann, ErrorCode.TooManyNewRooms);
      // Still in "three": the refusal did not cost the membership.
      await sendAndAck(ann, 'still here');
      // Rooms that exist are not new.
      assert.equal((await ann.join('one', 'Ann')).room, 'one');

      // Another connection from the same address has its own allowance, but shares the address's.
      const bob = await host.connect('websocket', 'bob');
      await bob.join('four', 'Bob');
      await bob.join('five', 'Bob');
      bob.send({ type: 'join', create: true, room: 'six', name: 'Bob' });
      await expectError(bob, ErrorCode.TooManyNewRooms);
      assert.equal(
        host.server.health().rooms.some((room) => room.name === 'six'),
        false,
      );

      // The allowance refills over the interval.
      host.clock += 60_000;
      assert.equal((await bob.join('six', 'Bob')).room, 'six');
    });
  });

  describe('history requests', () => {
    const host = useHost({ rateLimit: { messages: 200, intervalMs: 60_000 }, maxHistoryPerRoom: 1_000 });

    it('count against a rate limit of their own (CHAT_ERR_RATE_LIMITED), and each response is bounded in bytes', async () => {
      const ann = await host.connect('ws', 'ann');
      await ann.join('archive', 'Ann');
      const text = 'é'.repeat(4_000); // 8,000 UTF-8 bytes
      for (let index = 0; index < 100; index += 1) await sendAndAck(ann, text);

      const reader = await host.connect('ws', 'reader');
      const welcome = await reader.join('archive', 'Reader');
      const welcomeBytes = Buffer.byteLength(JSON.stringify(welcome.history));
      assert.ok(welcomeBytes <= 256 * 1024, `welcome history of ${welcomeBytes} bytes`);
      assert.ok(welcome.history.length < 100);
      assert.equal(welcome.hasEarlier, true);
      assert.equal(welcome.history.at(-1)?.seq, 100);

      // Paging back gets everything, one bounded page at a time.
      const seen = new Set(welcome.history.map((message) => message.seq));
      let before = welcome.history[0]?.seq ?? 101;
      let hasMore: boolean = welcome.hasEarlier;
      let requests = 0;
      while (hasMore) {
        reader.send({ type: 'history', before, limit: 100 });
        const page = await reader.next('historyPage');
        requests += 1;
        const bytes = Buffer.byteLength(JSON.stringify(page));
        assert.ok(bytes <= 256 * 1024 + 1_024, `page of ${bytes} bytes`);
        assert.ok(page.messages.length > 0);
        for (const message of page.messages) seen.add(message.seq);
        before = page.messages[0]?.seq ?? 1;
        hasMore = page.hasMore;
      }
      assert.equal(seen.size, 100);

      // 200 requests per interval in all: ask until the allowance is gone.
      for (let index = requests; index < 200; index += 1) reader.send({ type: 'history', before: 2, limit: 1 });
      for (let index = requests; index < 200; index += 1) await reader.next('historyPage');
      reader.send({ type: 'history', before: 2, limit: 1 });
      await expectError(reader, ErrorCode.RateLimited);
      // Sends have their own allowance: paging did not use it up.
      await sendAndAck(reader, 'I can still talk');
    });
  });

  describe('memory stays bounded however many rooms fill up', () => {
    const budget = 1024 * 1024;
    const host = useHost({
      maxCachedHistoryBytes: budget,
      maxHistoryBytesPerRoom: 256 * 1024,
      roomCreation: { perConnection: 100, perAddress: 100, intervalMs: 60_000 },
      rateLimit: { messages: 1_000, intervalMs: 60_000 },
    });

    it('holds at most the byte budget in its windows, counted by the registry, and still serves every message', async () => {
      const text = 'x'.repeat(8_000);
      const writer = await host.connect('ws', 'writer');
      const rooms = 40;
      const perRoom = 12;
      for (let room = 0; room < rooms; room += 1) {
        await writer.join(`room ${room}`, 'Writer');
        for (let index = 0; index < perRoom; index += 1) await sendAndAck(writer, text);
        const { memory } = host.server.health();
        assert.ok(memory.cachedBytes <= budget, `after room ${room}: ${memory.cachedBytes} bytes cached`);
      }
      const { memory } = host.server.health();
      // 40 rooms × 12 × 8 kB = 3.8 MB written; about 16 kB per message in memory (UTF-16).
      assert.ok(memory.cachedMessages <= budget / 16_000, `${memory.cachedMessages} messages cached`);
      assert.ok(memory.rooms <= rooms);

      const reader = await host.connect('ws', 'reader');
      const welcome = await reader.join('room 0', 'Reader');
      assert.equal(welcome.lastSeq, perRoom);
      assert.equal(welcome.history.length, perRoom, 'read back from disk');
    });
  });

  describe('joining a protected room (its password checked off the event loop)', () => {
    const host = useHost({
      rooms: [
        { name: 'vault', password: 'pw' },
        { name: 'safe', password: 'pw2' },
      ],
    });

    it('admits only one of two joins racing for the same name while their passwords are checked', async () => {
      const one = await host.connect('ws', 'one');
      const two = await host.connect('ws', 'two');
      one.send({ type: 'join', create: true, room: 'vault', name: 'Ann', password: 'pw' });
      two.send({ type: 'join', create: true, room: 'vault', name: 'ann', password: 'pw' });
      const answers = await Promise.all(
        [one, two].map((client) => client.waitFor((message) => message.type === 'welcome' || message.type === 'error')),
      );
      assert.deepEqual(answers.map((answer) => (answer.type === 'error' ? answer.code : answer.type)).sort(), [ErrorCode.NameTaken, 'welcome'].sort());
      assert.equal(host.server.health().members, 1);
    });

    it('voids a join whose connection leaves before its password is checked', async () => {
      const client = await host.connect('ws', 'quick leaver');
      // "safe" has never admitted anyone: its password takes a real scrypt
      // check (tens of ms on the thread pool), and the leave arrives first.
      client.send({ type: 'join', create: true, room: 'safe', name: 'Bob', password: 'pw2' });
      client.send({ type: 'leave' });
      await expectError(client, ErrorCode.NotJoined);
      // Another scrypt check, answered after the first one: no welcome came before it.
      client.send({ type: 'join', create: true, room: 'safe', name: 'Bob', password: 'wrong' });
      await expectError(client, ErrorCode.WrongPassword);
      assert.equal(
        client.received.some((message) => message.type === 'welcome'),
        false,
      );
      assert.equal(host.server.health().members, 1);
    });
  });

  describe('retention', () => {
    const host = useHost({
      retention: { maxMessages: 3 },
      rooms: [
        'counted',
        { name: 'aged', retention: { maxAgeMs: 60 * 60_000, maxMessages: 1_000 } },
        { name: 'sized', retention: { maxBytes: 2_500, maxMessages: 1_000 } },
      ],
    });

    async function post(room: string, count: number, text = 'hello'): Promise<void> {
      const client = await host.connect('ws', `poster ${room}`);
      await client.join(room, 'Poster');
      for (let index = 0; index < count; index += 1) await sendAndAck(client, `${text} ${index}`);
      client.close();
      await client.waitClosed();
    }

    async function seqsOf(room: string): Promise<{ seqs: number[]; hasEarlier: boolean; lastSeq: number; olderPage: number[]; hasMore: boolean }> {
      const client = await host.connect('ws', `reader ${room}`);
      const welcome = await client.join(room, `Reader ${client.label.length}${Math.random().toString(36).slice(2, 6)}`);
      client.send({ type: 'history', before: welcome.history[0]?.seq ?? welcome.lastSeq + 1 });
      const page = await client.next('historyPage');
      client.close();
      return {
        seqs: welcome.history.map((message) => message.seq),
        hasEarlier: welcome.hasEarlier,
        lastSeq: welcome.lastSeq,
        olderPage: page.messages.map((message) => message.seq),
        hasMore: page.hasMore,
      };
    }

    it('keeps everything younger than the grace time (a day), whatever the limits', async () => {
      await post('counted', 10);
      assert.deepEqual(await host.server.pruneHistory(), { rooms: 0, deleted: 0 });
      assert.equal((await seqsOf('counted')).seqs.length, 10);
    });

    it('by count: keeps the newest messages; history starts later, without gaps, hasMore false before it', async () => {
      host.clock += 2 * DAY_MS;
      const report = await host.server.pruneHistory();
      assert.equal(report.deleted, 7);
      const counted = await seqsOf('counted');
      assert.deepEqual(counted.seqs, [8, 9, 10]);
      assert.equal(counted.hasEarlier, false);
      assert.deepEqual(counted.olderPage, []);
      assert.equal(counted.hasMore, false);
      // Numbering carries on.
      await post('counted', 1);
      assert.equal((await seqsOf('counted')).lastSeq, 11);
    });

    it('by age (a room of its own policy): deletes what is older than its age and past the grace time', async () => {
      await post('aged', 3, 'old');
      host.clock += 2 * DAY_MS;
      await post('aged', 2, 'new');
      await host.server.pruneHistory();
      const aged = await seqsOf('aged');
      assert.deepEqual(aged.seqs, [4, 5]);
      assert.equal(aged.hasEarlier, false);
    });

    it('by bytes: keeps the newest messages that fit', async () => {
      await post('sized', 5, 'y'.repeat(1_000));
      host.clock += 2 * DAY_MS;
      await host.server.pruneHistory();
      const sized = await seqsOf('sized');
      assert.deepEqual(sized.seqs, [4, 5]);
      assert.equal(sized.hasEarlier, false);
    });
  });
});
