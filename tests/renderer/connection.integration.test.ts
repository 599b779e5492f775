/**
 * Tests for renderer/src/lib/connection.ts against a real chat server
 * (createChatServer on 127.0.0.1, port 0, in-memory history) through
 * sockjs-client's Node transports: reconnection after the host restarts on
 * the same port or the connections are cut, backoff growth, the `stop`
 * policy, and the fallback to HTTP streaming when WebSockets are blocked.
 *
 * Connections are cut and WebSockets blocked by a real TCP proxy in front of
 * the server. The reconnect delays are read by watching `setTimeout` (a spy
 * that calls the real timer; ChatConnection has no injectable clock), never
 * by measuring time.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { describe, test, type TestContext } from 'node:test';

import {
  ChatConnection,
  RECONNECT_BASE_DELAY_MS,
  RECONNECT_MAX_DELAY_MS,
  reconnectDelay,
  type ChatConnectionOptions,
  type ConnectionDrop,
  type ConnectionState,
} from '../../renderer/src/lib/connection';
import { createChatServer, type ChatServer } from '../../server';
import { CloseCode, type ServerMessageMap } from '../../server/protocol';

/** How long a test waits for one event from the real server before failing. */
const EVENT_TIMEOUT_MS = 20_000;

async function startServer(port = 0): Promise<{ server: ChatServer; port: number }> {
  const server = createChatServer({ port, host: '127.0.0.1', rooms: [{ name: 'lobby' }] });
  return { server, port: (await server.start()).port };
}

/**
 * A TCP proxy in front of the server: it can cut every connection at once,
 * refuse new ones (a host that is unreachable), and refuse WebSocket
 * upgrades (a network that breaks them), and it notes each request line.
 */
class TcpProxy {
  readonly requests: string[] = [];
  blockUpgrades = false;
  refuse = false;
  readonly #sockets = new Set<Socket>();
  readonly #server: Server;
  port = 0;

  constructor(readonly targetPort: number) {
    this.#server = createServer((client) => this.#accept(client));
  }

  async listen(): Promise<void> {
    this.#server.listen(0, '127.0.0.1');
    await once(this.#server, 'listening');
    this.port = (this.#server.address() as { port: number }).port;
  }

  #accept(client: Socket): void {
    client.on('error', () => undefined); // a cut or refused connection errors; that is the point
    if (this.refuse) {
      client.destroy();
      return;
    }
    this.#sockets.add(client);
    client.once('close', () => this.#sockets.delete(client));
    client.once('data', (first: Buffer) => {
      const head = first.toString('latin1');
      if (this.blockUpgrades && /^upgrade:\s*websocket/im.test(head)) {
        this.#note(head);
        client.destroy();
        return;
      }
      const upstream = connect(this.targetPort, '127.0.0.1');
      upstream.on('error', () => client.destroy());
      this.#sockets.add(upstream);
      upstream.once('close', () => {
        this.#sockets.delete(upstream);
        client.destroy();
      });
      client.once('close', () => upstream.destroy());
      // Every chunk is scanned for request lines: HTTP keep-alive sends
      // several requests over one connection.
      const forward = (chunk: Buffer): void => {
        this.#note(chunk.toString('latin1'));
        upstream.write(chunk);
      };
      forward(first);
      client.on('data', forward);
      upstream.pipe(client);
    });
  }

  #note(text: string): void {
    for (const match of text.matchAll(/^(?:GET|POST|OPTIONS) \S+ HTTP\/1\.1$/gm)) this.requests.push(match[0]);
  }

  /** Resets every open connection, as a network failure would. */
  cutAll(): void {
    for (const socket of this.#sockets) socket.resetAndDestroy();
  }

  async close(): Promise<void> {
    this.cutAll();
    this.#server.close();
    await once(this.#server, 'close');
  }
}

/** A ChatConnection that joins the lobby whenever it opens, with what it saw. */
class Member {
  readonly connection: ChatConnection;
  readonly states: ConnectionState[] = [];
  readonly drops: ConnectionDrop[] = [];
  welcomes = 0;
  readonly #waiters: Array<() => void> = [];

  constructor(options: ChatConnectionOptions, name = 'Ada', resumeKey = 'resume-key-of-ada-0001') {
    this.connection = new ChatConnection(options);
    this.connection.on('state', (state) => {
      this.states.push(state);
      if (state === 'open') this.connection.send({ type: 'join', create: true, room: 'lobby', name, resumeKey });
      this.#notify();
    });
    this.connection.on('drop', (drop) => {
      this.drops.push(drop);
      this.#notify();
    });
    this.connection.on('welcome', () => {
      this.welcomes += 1;
      this.#notify();
    });
  }

  #notify(): void {
    for (const wake of this.#waiters.splice(0)) wake();
  }

  /** Resolves once `condition` holds, re-checked after each event. */
  async until(condition: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + EVENT_TIMEOUT_MS;
    while (!condition()) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`timed out waiting for ${what}; states ${this.states.join(',')}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(remaining, 250));
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async welcomed(count: number): Promise<void> {
    await this.until(() => this.welcomes >= count, `welcome #${count}`);
  }

  /** Sends a chat message and resolves with the host's ack. */
  async sendAndAck(text: string): Promise<ServerMessageMap['ack']> {
    const id = `c-${Math.random().toString(36).slice(2)}`;
    const acked = new Promise<ServerMessageMap['ack']>((resolve) => {
      const off = this.connection.on('ack', (ack) => {
        if (ack.id !== id) return;
        off();
        resolve(ack);
      });
    });
    assert.equal(this.connection.send({ type: 'send', id, text }), true);
    return acked;
  }
}

/** The delays ChatConnection schedules its reconnects with, read from a pass-through setTimeout spy. */
function watchReconnectDelays(t: TestContext): () => number[] {
  const spy = t.mock.method(globalThis, 'setTimeout');
  return () =>
    spy.mock.calls
      .filter((call) => call.stack.stack?.includes('#scheduleReconnect') === true)
      .map((call) => Number(call.arguments[1]));
}

/**
 * A member connecting through a {@link TcpProxy} to a fresh host, all closed
 * when the test ends; `blockUpgrades` makes the proxy refuse WebSockets.
 */
async function proxiedMember(
  t: TestContext,
  options: { transports?: ChatConnectionOptions['transports']; blockUpgrades?: boolean },
): Promise<{ proxy: TcpProxy; member: Member }> {
  const { server, port } = await startServer();
  const proxy = new TcpProxy(port);
  proxy.blockUpgrades = options.blockUpgrades === true;
  await proxy.listen();
  const connectionOptions: ChatConnectionOptions = { url: `http://127.0.0.1:${proxy.port}` };
  if (options.transports !== undefined) connectionOptions.transports = options.transports;
  const member = new Member(connectionOptions);
  t.after(async () => {
    member.connection.close();
    await proxy.close();
    await server.close();
  });
  return { proxy, member };
}

describe('ChatConnection', () => {
  test('reconnects by itself when the host restarts on the same port, and is welcomed again', async (t) => {
    let { server, port } = await startServer();
    const member = new Member({ url: `http://127.0.0.1:${port}`, transports: ['websocket'] });
    t.after(async () => {
      member.connection.close();
      await server.close();
    });
    member.connection.open();
    await member.welcomed(1);

    await server.close();
    await member.until(() => member.drops.length > 0, 'the drop');
    assert.equal(member.drops[0]?.code, CloseCode.GoingAway);
    assert.deepEqual(member.drops[0]?.policy, { action: 'backoff', reason: 'hostGoingAway' });
    assert.equal(member.connection.state, 'reconnecting');

    ({ server } = await startServer(port));
    await member.welcomed(2);
    assert.equal(member.connection.state, 'open');
    assert.deepEqual(member.states.slice(0, 3), ['connecting', 'open', 'reconnecting']);
    assert.equal(member.states[member.states.length - 1], 'open');
    assert.equal((await member.sendAndAck('back again')).seq, 1);
  });

  test('reconnects after its connection is cut, and backs off longer after each failed attempt until a welcome', async (t) => {
    const delays = watchReconnectDelays(t);
    const { proxy, member } = await proxiedMember(t, { transports: ['websocket'] });
    member.connection.open();
    await member.welcomed(1);

    // The host becomes unreachable: every attempt fails, and each waits longer.
    proxy.refuse = true;
    proxy.cutAll();
    const ATTEMPTS = 4;
    await member.until(() => delays().length >= ATTEMPTS, `${ATTEMPTS} reconnect attempts`);
    proxy.refuse = false;
    const seen = delays().slice(0, ATTEMPTS);
    seen.forEach((delay, attempt) => {
      const ceiling = Math.min(RECONNECT_MAX_DELAY_MS, RECONNECT_BASE_DELAY_MS * 2 ** attempt);
      assert.ok(delay >= ceiling / 2 && delay <= ceiling, `attempt ${attempt} waited ${delay} ms, outside ${ceiling / 2}..${ceiling}`);
    });
    assert.ok(seen.every((delay) => delay > 0));
    assert.ok(member.drops.every((drop) => drop.policy.action === 'backoff'));

    await member.welcomed(2);
    // Welcomed back: the next loss starts from the shortest delay again.
    const before = delays().length;
    proxy.cutAll();
    await member.until(() => delays().length > before, 'the reconnect after the second cut');
    const next = delays()[before] ?? -1;
    assert.ok(next >= RECONNECT_BASE_DELAY_MS / 2 && next <= RECONNECT_BASE_DELAY_MS, `waited ${next} ms after a welcome`);
    await member.welcomed(3);
  });

  test('falls back to HTTP streaming when WebSockets are blocked, and reconnects the same way after a cut', async (t) => {
    const { proxy, member } = await proxiedMember(t, { blockUpgrades: true });
    member.connection.open();
    await member.welcomed(1);
    assert.equal((await member.sendAndAck('over streaming')).seq, 1);
    assert.ok(
      proxy.requests.some((line) => / \/sockjs\/[^/]+\/[^/]+\/websocket /.test(line)),
      'WebSocket was tried first',
    );
    assert.ok(
      proxy.requests.some((line) => /^POST \/sockjs\/[^/]+\/[^/]+\/xhr_streaming /.test(line)),
      `fell back to xhr-streaming: ${proxy.requests.join(' | ')}`,
    );

    proxy.cutAll();
    await member.welcomed(2);
    assert.equal((await member.sendAndAck('still streaming')).seq, 2);
  });

  test('stops, without reconnecting, when the same member joins on another connection (4003)', async (t) => {
    const delays = watchReconnectDelays(t);
    const { server, port } = await startServer();
    const url = `http://127.0.0.1:${port}`;
    const first = new Member({ url, transports: ['websocket'] });
    const second = new Member({ url, transports: ['websocket'] });
    t.after(async () => {
      first.connection.close();
      second.connection.close();
      await server.close();
    });
    first.connection.open();
    await first.welcomed(1);
    second.connection.open();
    await second.welcomed(1);
    await first.until(() => first.connection.state === 'closed', 'the replaced connection to stop');
    assert.deepEqual(first.drops, [{ code: CloseCode.Replaced, policy: { action: 'stop', reason: 'replaced' } }]);
    assert.deepEqual(delays(), [], 'no reconnect was scheduled');

    // open() starts again, taking the name back.
    first.connection.open();
    await first.welcomed(2);
    await second.until(() => second.connection.state === 'closed', 'the other connection to stop');
  });
});

describe('reconnectDelay', () => {
  test('doubles its ceiling per attempt up to the maximum, with jitter in the upper half', () => {
    const ceilings = [0, 1, 2, 3, 4, 5, 6, 10].map((attempt) => reconnectDelay(attempt, () => 1));
    assert.deepEqual(ceilings, [500, 1_000, 2_000, 4_000, 8_000, 10_000, 10_000, 10_000]);
    const floors = [0, 1, 2, 5].map((attempt) => reconnectDelay(attempt, () => 0));
    assert.deepEqual(floors, [250, 500, 1_000, 5_000]);
  });
});
