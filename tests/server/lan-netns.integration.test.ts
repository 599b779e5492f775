/**
 * A peer that vanishes from the LAN (cable pulled, lid closed: no FIN, no
 * RST, just silence) leaves the member list within a bounded time.
 *
 * Real network: the test makes its own test host, a network namespace
 * joined to this one by a veth pair with addresses of its own
 * (10.231.N.0/24 exists only between the two ends), runs real clients in
 * it, then takes the link down. Needs root and iproute2 (`ip`), as CI has.
 */
import assert from 'node:assert/strict';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import WebSocket from 'ws';

import { createChatServer, type ChatServer, type ServerMessage } from '../../server';

import { EVENT_TIMEOUT_MS, withTimeout } from './helpers';

const SUFFIX = String(process.pid % 10_000);
const NAMESPACE = `lanchat${SUFFIX}`;
const HOST_SIDE = `lch${SUFFIX}`;
const PEER_SIDE = `lcp${SUFFIX}`;
/** A /24 of the test's own: third octet from the pid so parallel runs do not collide. */
const SUBNET = `10.231.${process.pid % 250}`;
const HOST_ADDRESS = `${SUBNET}.1`;
const PEER_ADDRESS = `${SUBNET}.2`;
/** Short liveness settings so the test runs fast; the README states the bound for the defaults. */
const PING_INTERVAL_MS = 300;
const IDLE_TIMEOUT_MS = 1_500;
const CLIENT_PING_MS = 250;
/** The bound under test: two ping intervals on /ws, the idle timeout plus one sweep on SockJS, with slack for a loaded CI machine. */
const VANISH_BOUND_MS = 2 * IDLE_TIMEOUT_MS + 5 * PING_INTERVAL_MS;

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: 'pipe' });
}

describe('a peer vanishing from the LAN', () => {
  let server: ChatServer;
  let url = '';
  const peers: ChildProcess[] = [];

  before(async () => {
    ip('netns', 'add', NAMESPACE);
    ip('link', 'add', HOST_SIDE, 'type', 'veth', 'peer', 'name', PEER_SIDE);
    ip('link', 'set', PEER_SIDE, 'netns', NAMESPACE);
    ip('addr', 'add', `${HOST_ADDRESS}/24`, 'dev', HOST_SIDE);
    ip('link', 'set', HOST_SIDE, 'up');
    ip('netns', 'exec', NAMESPACE, 'ip', 'addr', 'add', `${PEER_ADDRESS}/24`, 'dev', PEER_SIDE);
    ip('netns', 'exec', NAMESPACE, 'ip', 'link', 'set', PEER_SIDE, 'up');
    ip('netns', 'exec', NAMESPACE, 'ip', 'link', 'set', 'lo', 'up');
    server = createChatServer({
      host: HOST_ADDRESS,
      port: 0,
      pingIntervalMs: PING_INTERVAL_MS,
      idleTimeoutMs: IDLE_TIMEOUT_MS,
      sockjs: { disconnectDelayMs: 500 },
    });
    const address = await server.start();
    url = `http://${HOST_ADDRESS}:${address.port}`;
  });

  after(async () => {
    for (const peer of peers) peer.kill('SIGKILL');
    await server?.close();
    // Deleting one end deletes the veth pair; the namespace goes after it.
    for (const args of [
      ['link', 'delete', HOST_SIDE],
      ['netns', 'delete', NAMESPACE],
    ]) {
      try {
        ip(...args);
      } catch {
        // Already gone (before() failed early, or the pair went with the namespace).
      }
    }
  });

  /** Starts a client inside the namespace and resolves once it joined. */
  function startPeer(transport: 'ws' | 'sockjs', name: string): Promise<void> {
    const peer = spawn(
      'ip',
      ['netns', 'exec', NAMESPACE, process.execPath, join(__dirname, '..', 'fixtures', 'lan-client.cjs'), url, transport, name, String(CLIENT_PING_MS)],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    peers.push(peer);
    return withTimeout(
      new Promise<void>((resolve, reject) => {
        peer.stdout?.on('data', (chunk: Buffer) => {
          if (chunk.toString().includes('joined')) resolve();
        });
        peer.once('exit', (code) => reject(new Error(`${name} exited early (${code})`)));
      }),
      EVENT_TIMEOUT_MS,
      `${name} joining from the namespace`,
    );
  }

  /** An observer on this side of the link, reporting what the room sees. */
  async function connectObserver(): Promise<{ socket: WebSocket; waitFor: (predicate: (m: ServerMessage) => boolean, ms: number) => Promise<ServerMessage> }> {
    const socket = new WebSocket(`${url.replace('http', 'ws')}/ws`);
    const inbox: ServerMessage[] = [];
    const waiters: Array<() => void> = [];
    socket.on('message', (data) => {
      inbox.push(JSON.parse(data.toString()) as ServerMessage);
      for (const wake of waiters.splice(0)) wake();
    });
    await withTimeout(new Promise((resolve) => socket.once('open', resolve)), EVENT_TIMEOUT_MS, 'observer open');
    const waitFor = (predicate: (m: ServerMessage) => boolean, ms: number): Promise<ServerMessage> =>
      withTimeout(
        new Promise<ServerMessage>((resolve) => {
          const check = (): void => {
            const index = inbox.findIndex(predicate);
            if (index === -1) {
              waiters.push(check);
              return;
            }
            const [found] = inbox.splice(index, 1);
            resolve(found as ServerMessage);
          };
          check();
        }),
        ms,
        'observer message',
      );
    return { socket, waitFor };
  }

  it('drops both a /ws and a SockJS peer after the cable is pulled', async (t) => {
    const observer = await connectObserver();
    const keepAlive = setInterval(() => observer.socket.send(JSON.stringify({ type: 'ping' })), CLIENT_PING_MS);
    try {
      observer.socket.send(JSON.stringify({ type: 'join', create: true, room: 'lan', name: 'Observer' }));
      await observer.waitFor((m) => m.type === 'welcome', EVENT_TIMEOUT_MS);
      await Promise.all([startPeer('ws', 'WsLaptop'), startPeer('sockjs', 'SockLaptop')]);
      await observer.waitFor((m) => m.type === 'memberJoined' && m.member.name === 'WsLaptop', EVENT_TIMEOUT_MS);
      await observer.waitFor((m) => m.type === 'memberJoined' && m.member.name === 'SockLaptop', EVENT_TIMEOUT_MS);

      // Both peers keep pinging: with the link up they stay in the room
      // well past the idle timeout.
      await new Promise((resolve) => setTimeout(resolve, IDLE_TIMEOUT_MS * 2));
      assert.deepEqual(
        server.health().rooms.find((room) => room.name === 'lan')?.members,
        3,
        'live peers are not dropped',
      );

      const pulledAt = Date.now();
      ip('link', 'set', HOST_SIDE, 'down');
      const left = new Set<string>();
      while (left.size < 2) {
        const message = await observer.waitFor((m) => m.type === 'memberLeft', VANISH_BOUND_MS);
        if (message.type === 'memberLeft') left.add(message.member.name);
      }
      t.diagnostic(`both peers left ${Date.now() - pulledAt} ms after the cable was pulled`);
      assert.deepEqual([...left].sort(), ['SockLaptop', 'WsLaptop']);
    } finally {
      clearInterval(keepAlive);
      observer.socket.close();
    }
  });
});
