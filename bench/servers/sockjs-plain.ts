/**
 * A plain `sockjs` server in the style of the Spring/SockJS broadcast demo:
 * every received message is parsed, then written to every open connection,
 * the sender included. SockJS's defaults (heartbeat 25 s, disconnect delay
 * 5 s, 128 KiB streaming limit), prefix `/echo`.
 *
 * Usage: node --expose-gc bench/.build/sockjs-plain.js
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import sockjs from 'sockjs';

import { announce } from './harness';

const connections = new Set<sockjs.Connection>();
const service = sockjs.createServer({ prefix: '/echo', log: () => undefined });

service.on('connection', (conn: sockjs.Connection | null) => {
  // sockjs emits null for a session closed before it opened.
  if (conn === null) return;
  connections.add(conn);
  conn.on('close', () => connections.delete(conn));
  conn.on('data', (message: string) => {
    try {
      JSON.parse(message);
    } catch {
      // Like the ceiling: garbage is dropped.
      return;
    }
    for (const peer of connections) peer.write(message);
  });
});

const httpServer = createServer();
service.installHandlers(httpServer);
httpServer.listen(0, '127.0.0.1', () => announce((httpServer.address() as AddressInfo).port));
