/**
 * Entry point of the Electron utility process that runs the chat server, so
 * chat traffic never shares a thread with the UI or the main process. It
 * speaks only the messages in host-process-messages.ts.
 *
 * @public
 */
import { createChatServer, HostStartError, PROTOCOL_VERSION, type ChatServer, type Logger } from '../server';
import { startAnnouncer, type Announcer } from '../server/discovery';
import { loadOrCreateTlsIdentity, TlsIdentityError } from '../server/tls-identity';

import { isHistoryErrorCode } from './host-errors';
import { healthMessageOf, type FromHostProcess, type HealthMessage, type ToHostProcess } from './host-process-messages';

/**
 * How often the server's health is read. The main process learns of a
 * degraded history (a failed flush) within this time; reading it is cheap
 * (no I/O), and only changes are posted.
 */
const HEALTH_POLL_INTERVAL_MS = 1_000;

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
let announcer: Announcer | undefined;
let healthTimer: ReturnType<typeof setInterval> | undefined;

/** Posts the server's health whenever it changes (the first reading only when not ok: 'started' means ok). */
function watchHealth(current: ChatServer): void {
  let last: HealthMessage = { type: 'health', status: 'ok' };
  const check = (): void => {
    if (server !== current) return;
    let next: HealthMessage;
    try {
      next = healthMessageOf(current.health());
    } catch (error) {
      // A health report that cannot even be built is itself a sign of trouble.
      next = { type: 'health', status: 'degraded', reason: `Cannot read the chat server's health: ${String(error)}` };
    }
    if (next.status === last.status && next.reason === last.reason) return;
    last = next;
    port.postMessage(next);
  };
  clearInterval(healthTimer);
  healthTimer = setInterval(check, HEALTH_POLL_INTERVAL_MS);
  check();
}

async function start(message: Extract<ToHostProcess, { type: 'start' }>): Promise<void> {
  if (server) {
    port.postMessage({ type: 'startFailed', code: 'EALREADY', message: 'This app is already hosting.' });
    return;
  }
  try {
    // Made once and kept: the fingerprint people pinned stays valid across restarts.
    const identity = message.tlsDir === undefined ? undefined : await loadOrCreateTlsIdentity(message.tlsDir);
    server = createChatServer({
      tls: identity === undefined ? undefined : { cert: identity.cert, key: identity.key },
      port: message.port,
      host: message.host,
      rooms: [{ name: message.room, password: message.password, maxMembers: message.maxMembers }],
      webRoot: message.webRoot,
      dataPath: message.dataPath,
      freshHistory: message.freshHistory,
      logger,
      version: message.version,
      hostName: message.hostName,
      guestRooms: message.allowGuestRooms,
    });
    const address = await server.start();
    const { instanceId } = server;
    const fingerprint = identity?.fingerprint;
    const announced = message.announce ? await announce(message, address.port, instanceId, fingerprint) : { announcing: false };
    port.postMessage({ type: 'started', address: address.address, port: address.port, instanceId, ...announced, ...(fingerprint === undefined ? {} : { fingerprint }) });
    watchHealth(server);
  } catch (error) {
    server = undefined;
    const code = (error as { code?: unknown } | null)?.code;
    if (error instanceof TlsIdentityError) {
      port.postMessage({ type: 'startFailed', code: error.code, message: error.message });
    } else if (error instanceof HostStartError || error instanceof TypeError) {
      port.postMessage({ type: 'startFailed', code: error instanceof HostStartError ? error.code : 'EINVAL', message: error.message });
    } else if (error instanceof Error && typeof code === 'string' && isHistoryErrorCode(code)) {
      // The history store's typed start-up errors name the file and what is
      // wrong with it; the window shows them as they are.
      const path = (error as { path?: unknown }).path;
      port.postMessage({ type: 'startFailed', code, message: error.message, ...(typeof path === 'string' ? { path } : {}) });
    } else {
      port.postMessage({ type: 'startFailed', code: 'UNKNOWN', message: String(error) });
    }
  }
}

/**
 * Announces the started host on the LAN. A failure (port 5353 refused, say)
 * is reported, not fatal: the room works, people join by its address.
 */
async function announce(
  message: Extract<ToHostProcess, { type: 'start' }>,
  listeningPort: number,
  instanceId: string,
  fingerprint: string | undefined,
): Promise<{ announcing: boolean; announceError?: string }> {
  try {
    const started = await startAnnouncer({
      port: listeningPort,
      // The fingerprint in the TXT record: other apps list this host at https: origins and pin it.
      announcement: { protocol: PROTOCOL_VERSION, hostName: message.hostName, instanceId, protected: message.password !== undefined, fingerprint },
      logger,
    });
    if (started.off) return { announcing: false };
    announcer = started;
    return { announcing: true };
  } catch (error) {
    logger.warn('cannot announce the host on the LAN', { error: (error as Error).message });
    return { announcing: false, announceError: (error as Error).message };
  }
}

async function stop(): Promise<void> {
  const current = server;
  server = undefined;
  // Goodbye first, so other apps drop this host before its socket closes.
  const withdrawing = announcer;
  announcer = undefined;
  await withdrawing?.stop();
  clearInterval(healthTimer);
  healthTimer = undefined;
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
