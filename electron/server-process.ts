/**
 * Entry point of the Electron utility process that runs the chat server, so
 * chat traffic never shares a thread with the UI or the main process. It
 * speaks only the messages in host-process-messages.ts.
 *
 * @public
 */
import { createChatServer, HostStartError, type ChatServer, type Logger } from '../server';

import type { FromHostProcess, ToHostProcess } from './host-process-messages';

interface ParentPort {
  on(event: 'message', listener: (event: { data: ToHostProcess }) => void): void;
  postMessage(message: FromHostProcess): void;
}

const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;
if (!parentPort) {
  throw new Error('server-process must run as an Electron utility process');
}
const port: ParentPort = parentPort;

const logger: Logger = {
  debug: () => {},
  info: (message, fields) => port.postMessage({ type: 'log', level: 'info', message, fields }),
  warn: (message, fields) => port.postMessage({ type: 'log', level: 'warn', message, fields }),
  error: (message, fields) => port.postMessage({ type: 'log', level: 'error', message, fields }),
};

let server: ChatServer | undefined;

async function start(message: Extract<ToHostProcess, { type: 'start' }>): Promise<void> {
  if (server) {
    port.postMessage({ type: 'startFailed', code: 'EALREADY', message: 'This app is already hosting.' });
    return;
  }
  try {
    server = createChatServer({
      port: message.port,
      host: message.host,
      rooms: [{ name: message.room, password: message.password, maxMembers: message.maxMembers }],
      webRoot: message.webRoot,
      dataPath: message.dataPath,
      logger,
      version: message.version,
    });
    const address = await server.start();
    port.postMessage({ type: 'started', address: address.address, port: address.port });
  } catch (error) {
    server = undefined;
    if (error instanceof HostStartError || error instanceof TypeError) {
      const code = error instanceof HostStartError ? error.code : 'EINVAL';
      port.postMessage({ type: 'startFailed', code, message: error.message });
    } else {
      port.postMessage({ type: 'startFailed', code: 'UNKNOWN', message: String(error) });
    }
  }
}

async function stop(): Promise<void> {
  const current = server;
  server = undefined;
  await current?.close();
  port.postMessage({ type: 'stopped' });
}

port.on('message', ({ data }) => {
  if (data.type === 'start') void start(data);
  else if (data.type === 'stop') void stop();
});

// The last line of defence of "no input can crash the host": log, keep serving.
process.on('uncaughtException', (error) => {
  logger.error('uncaught exception in host process', { error: error.stack ?? String(error) });
});
