/**
 * Socket.IO 4 the way its chat example broadcasts: every `msg` event is
 * re-emitted to all sockets with `io.emit` (the packet is encoded once per
 * broadcast by the adapter). Default options, no client bundle served.
 *
 * Usage: node --expose-gc bench/.build/socketio.js
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import { Server } from 'socket.io';

import { announce } from './harness';

const httpServer = createServer();
const io = new Server(httpServer, { serveClient: false });

io.on('connection', (socket) => {
  socket.on('msg', (message: unknown) => {
    io.emit('msg', message);
  });
});

httpServer.listen(0, '127.0.0.1', () => announce((httpServer.address() as AddressInfo).port));
