/**
 * `GET /rooms` and confirmed room creation (`join.create`) through the real
 * server (createChatServer on 127.0.0.1 port 0, a temporary history file,
 * real HTTP requests and real ws/SockJS clients): issue 14, "no silent
 * rooms". Time-dependent behaviour (rooms leaving memory, the rate limit's
 * refill) runs on the server's injectable clock, which the tests move.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { createChatServer, type ChatServer, type ChatServerOptions } from '../../server';
import { ENDPOINT_PATHS, ErrorCode, PROTOCOL_VERSION, parseRoomsReport, type RoomsReport } from '../../server/protocol';
import { ROOMS_REQUEST_INTERVAL_MS, ROOMS_REQUESTS_PER_ADDRESS } from '../../server/rooms-endpoint';
import {
  BASE_OPTIONS,
  closeAll,
  connectClient,
  expectError,
  httpGet,
  httpRequest,
  sendAndAck,
  type ClientKind,
  type HttpResult,
  type TestClient,
} from './helpers';

const directory = mkdtempSync(join(tmpdir(), 'lanchat-rooms-endpoint-'));
after(() => rmSync(directory, { recursive: true, force: true }));
let fileCounter = 0;
function freshDataPath(): string {
  fileCounter += 1;
  return join(directory, `history-${fileCounter}.sqlite`);
}

const ROOM_IDLE_MS = 60_000;

/** A server on a fresh history file with a clock the test moves, plus the clients it opens. */
function useHost(options: ChatServerOptions = {}) {
  const fixture = {
    clock: 1_700_000_000_000,
    server: undefined as unknown as ChatServer,
    address: undefined as unknown as AddressInfo,
    clients: [] as TestClient[],
    async connect(kind: ClientKind = 'ws', label?: string): Promise<TestClient> {
      const client = await connectClient(fixture.address, kind, label);
      fixture.clients.push(client);
      return client;
    },
    /** `GET /rooms`, parsed; fails the test unless it is a 200 with a valid report. */
    async rooms(): Promise<RoomsReport> {
      const response = await httpGet(fixture.address, ENDPOINT_PATHS.rooms);
      assert.equal(response.status, 200, response.body);
      const report = parseRoomsReport(JSON.parse(response.body));
      assert.ok(report, `not a RoomsReport: ${response.body}`);
      return report;
    },
    /** The names `/rooms` lists, in its order. */
    async roomNames(): Promise<string[]> {
      return (await fixture.rooms()).rooms.map((room) => room.name);
    },
  };
  before(async () => {
    fixture.server = createChatServer({
      ...BASE_OPTIONS,
      dataPath: freshDataPath(),
      roomIdleMs: ROOM_IDLE_MS,
      now: () => fixture.clock,
      ...options,
    });
    fixture.address = await fixture.server.start();
  });
  after(async () => {
    await closeAll(fixture.clients);
    await fixture.server.close();
  });
  return fixture;
}

/** Sends a raw join (no helper default) and returns the refusal's code, or 'welcome'. */
async function joinOutcome(client: TestClient, fields: Record<string, unknown>): Promise<{ code: string; message: string }> {
  client.send({ type: 'join', ...fields });
  const answer = await client.waitFor((message) => message.type === 'welcome' || message.type === 'error');
  return answer.type === 'error' ? { code: answer.code, message: answer.message } : { code: 'welcome', message: '' };
}

/** Leaves the room and waits until the host has handled it (a second leave is answered with NOT_JOINED). */
async function leave(client: TestClient): Promise<void> {
  client.send({ type: 'leave' });
  client.send({ type: 'leave' });
  await expectError(client, ErrorCode.NotJoined);
}

describe('GET /rooms', () => {
  describe('what it reports', () => {
    const host = useHost({
      rooms: ['lobby', { name: 'vault', password: 'hunter2-secret' }],
      hostName: '  Kitchen laptop  ',
      version: '1.2.3',
    });

    it('reports the host and its configured rooms as a RoomsReport, readable by any origin and never cached', async () => {
      const response = await httpGet(host.address, '/rooms');
      assert.equal(response.status, 200);
      assert.equal(response.headers['access-control-allow-origin'], '*');
      assert.equal(response.headers['cache-control'], 'no-store');
      assert.match(String(response.headers['content-type']), /^application\/json/);
      const report = parseRoomsReport(JSON.parse(response.body));
      assert.ok(report, response.body);
      assert.deepEqual(report, {
        name: 'lanchat',
        protocol: PROTOCOL_VERSION,
        version: '1.2.3',
        hostName: 'Kitchen laptop',
        instanceId: host.server.instanceId,
        guestRooms: true,
        // A plain host says so (no fingerprint): clients know not to expect one.
        tls: false,
        rooms: [
          { name: 'lobby', protected: false, members: 0 },
          { name: 'vault', protected: true },
        ],
      });
      assert.match(host.server.instanceId, /^[0-9a-f-]{36}$/);
    });

    it('counts the members of open rooms, never those of protected ones, and reveals no password, verifier or member name', async () => {
      const ann = await host.connect('ws', 'ann');
      await ann.join('lobby', 'Ann');
      const bob = await host.connect('xhr-streaming', 'bob');
      await bob.joinWith({ room: 'vault', name: 'Bob', password: 'hunter2-secret' });
      const response = await httpGet(host.address, '/rooms');
      const report = parseRoomsReport(JSON.parse(response.body));
      assert.deepEqual(report?.rooms, [
        { name: 'lobby', protected: false, members: 1 },
        { name: 'vault', protected: true },
      ]);
      for (const secret of ['hunter2', 'scrypt', 'Ann', 'Bob']) assert.equal(response.body.includes(secret), false, `body mentions ${secret}`);
      await closeAll([ann, bob]);
    });

    it('answers HEAD with the headers only, and a query string changes nothing', async () => {
      const head = await httpGet(host.address, '/rooms', 'HEAD');
      assert.equal(head.status, 200);
      assert.equal(head.body, '');
      assert.equal(head.headers['access-control-allow-origin'], '*');
      assert.ok(Number(head.headers['content-length']) > 0);
      assert.ok(parseRoomsReport(JSON.parse((await httpGet(host.address, '/rooms?fresh=1')).body)));
    });

    it('answers a CORS preflight with 204, and any other method with 405 naming the allowed ones', async () => {
      const preflight = await httpRequest(host.address, {
        method: 'OPTIONS',
        path: '/rooms',
        headers: { Origin: 'http://192.0.2.9:5173', 'Access-Control-Request-Method': 'GET' },
      });
      assert.equal(preflight.status, 204);
      assert.equal(preflight.headers['access-control-allow-origin'], '*');
      assert.match(String(preflight.headers['access-control-allow-methods']), /\bGET\b/);
      for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
        const refused: HttpResult = await httpRequest(host.address, { method, path: '/rooms', body: '{}' });
        assert.equal(refused.status, 405, method);
        assert.equal(refused.headers.allow, 'GET, HEAD, OPTIONS', method);
      }
    });
  });

  describe('rooms not in memory', () => {
    const host = useHost({ rooms: ['lobby'] });

    it('lists a room with messages after it left memory, most recently active first; a room nobody wrote in is gone with it', async () => {
      const ann = await host.connect('ws', 'ann');
      await ann.join('Old Garden', 'Ann');
      await sendAndAck(ann, 'tulips');
      host.clock += 1_000;
      await ann.join('New Garden', 'Ann');
      await sendAndAck(ann, 'roses');
      await ann.join('Empty Shed', 'Ann');
      await leave(ann);

      host.clock += ROOM_IDLE_MS;
      assert.equal(host.server.sweepRooms(), 3);
      assert.deepEqual(
        host.server.health().rooms.map((room) => room.name),
        ['lobby'],
        'nothing but the configured room is in memory',
      );
      assert.deepEqual(await host.roomNames(), ['lobby', 'New Garden', 'Old Garden']);

      // Listing loaded nothing: the stored rooms are still out of memory.
      assert.equal(host.server.health().memory.rooms, 0);
      // And such a room is joined without asking to create it.
      const bob = await host.connect('xhr-polling', 'bob');
      assert.equal((await joinOutcome(bob, { room: 'old garden', name: 'Bob' })).code, 'welcome');
      assert.deepEqual((await host.rooms()).rooms[0], { name: 'lobby', protected: false, members: 0 });
      assert.ok((await host.rooms()).rooms.some((room) => room.name === 'Old Garden' && room.members === 1));
    });
  });

  describe('rate limit per address', () => {
    const host = useHost();

    it(`answers 429 with Retry-After past ${ROOMS_REQUESTS_PER_ADDRESS} requests, and again once the allowance refilled`, async () => {
      for (let index = 0; index < ROOMS_REQUESTS_PER_ADDRESS; index += 1) {
        assert.equal((await httpGet(host.address, '/rooms')).status, 200, `request ${index + 1}`);
      }
      const refused = await httpGet(host.address, '/rooms');
      assert.equal(refused.status, 429);
      assert.ok(Number(refused.headers['retry-after']) >= 1, `Retry-After: ${String(refused.headers['retry-after'])}`);
      assert.equal(refused.headers['access-control-allow-origin'], '*', 'a page can read why');
      // /health is not limited by it.
      assert.equal((await httpGet(host.address, '/health')).status, 200);

      host.clock += ROOMS_REQUEST_INTERVAL_MS;
      assert.equal((await httpGet(host.address, '/rooms')).status, 200);
    });
  });
});

describe('join.create: no silent rooms', () => {
  describe('a host that lets members create rooms', () => {
    const host = useHost({ rooms: ['lobby'] });

    for (const kind of ['ws', 'xhr-streaming'] as const) {
      it(`refuses a join of a room that does not exist with CHAT_ERR_NO_SUCH_ROOM and creates nothing (${kind})`, async () => {
        const ann = await host.connect(kind, `ann-${kind}`);
        const refused = await joinOutcome(ann, { room: `typo-${kind}`, name: 'Ann' });
        assert.equal(refused.code, ErrorCode.NoSuchRoom);
        assert.equal(refused.message, `There is no room "typo-${kind}" on this host.`);
        assert.equal((await joinOutcome(ann, { room: `typo-${kind}`, name: 'Ann', create: false })).code, ErrorCode.NoSuchRoom);
        assert.equal((await host.roomNames()).includes(`typo-${kind}`), false);
        assert.equal(host.server.health().rooms.some((room) => room.name === `typo-${kind}`), false);
        // The configured room exists without being asked to create it.
        assert.equal((await joinOutcome(ann, { room: 'Lobby', name: `Ann ${kind}` })).code, 'welcome');
      });
    }

    it('names the room a lookalike probably meant', async () => {
      const ann = await host.connect('ws', 'ann');
      const refused = await joinOutcome(ann, { room: 'l\u043Ebby', name: 'Ann' });
      assert.equal(refused.code, ErrorCode.NoSuchRoom);
      assert.match(refused.message, /Did you mean "lobby"\?/);
      // Asked to create it anyway, the lookalike is still refused.
      assert.equal((await joinOutcome(ann, { room: 'l\u043Ebby', name: 'Ann', create: true })).code, ErrorCode.RoomLookalike);
    });

    it('creates the room with create: true; once it exists, others join it without', async () => {
      const ann = await host.connect('ws', 'ann');
      assert.equal((await joinOutcome(ann, { room: 'Attic', name: 'Ann', create: true })).code, 'welcome');
      assert.ok((await host.rooms()).rooms.some((room) => room.name === 'Attic' && room.members === 1));
      const bob = await host.connect('websocket', 'bob');
      assert.equal((await joinOutcome(bob, { room: 'attic', name: 'Bob' })).code, 'welcome');
    });
  });

  describe('a host with guestRooms: false', () => {
    const host = useHost({ rooms: ['lobby'], guestRooms: false });

    it('refuses to create a room with CHAT_ERR_ROOM_CREATION_FORBIDDEN; its configured rooms stay open; /rooms says so', async () => {
      const ann = await host.connect('ws', 'ann');
      assert.equal((await joinOutcome(ann, { room: 'annex', name: 'Ann', create: true })).code, ErrorCode.RoomCreationForbidden);
      assert.equal((await joinOutcome(ann, { room: 'annex', name: 'Ann' })).code, ErrorCode.NoSuchRoom);
      assert.equal((await joinOutcome(ann, { room: 'lobby', name: 'Ann' })).code, 'welcome');
      const report = await host.rooms();
      assert.equal(report.guestRooms, false);
      assert.deepEqual(
        report.rooms.map((room) => room.name),
        ['lobby'],
      );
    });
  });
});
