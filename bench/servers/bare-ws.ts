/**
 * The ceiling: a bare `ws` broadcast loop. Each text frame is parsed (as any
 * chat server must, to know what it got), then the received text is sent to
 * every open client, the sender included. No rooms, no validation, no
 * storage, no acks.
 *
 * Usage: node --expose-gc bench/.build/bare-ws.js
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import { WebSocket, WebSocketServer } from 'ws';

import { announce } from './harness';

const httpServer = createServer((_request, response) => response.writeHead(404).end());
const wss = new WebSocketServer({ server: httpServer, perMessageDeflate: false });

wss.on('connection', (socket) => {
  // Without an 'error' listener one bad frame would crash the process (websockets/ws#1777).
  socket.on('error', () => undefined);
  socket.on('message', (data) => {
    const text = data.toString();
    try {
      JSON.parse(text);
    } catch {
      // The ceiling drops garbage silently: it has no error reply to send.
      return;
    }
    for (const client of wss.clients) {
      if (client.readyState === WebSocket.OPEN) client.send(text);
    }
  });
});

httpServer.listen(0, '127.0.0.1', () => announce((httpServer.address() as AddressInfo).port));
