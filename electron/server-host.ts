/**
 * Starts and stops this app's chat server in an Electron utility process and
 * keeps the {@link HostStatus} the renderer sees.
 *
 * @public
 */
import { join } from 'node:path';

import { app, utilityProcess, type UtilityProcess } from 'electron';

import { shareableUrls } from '../server/lan-addresses';

import type { FromHostProcess, ToHostProcess } from './host-process-messages';
import { isHostError, parseHostRequest } from './host-request';
import { handle, pushToAll } from './ipc';
import {
  IpcChannel,
  IpcPush,
  type HostError,
  type HostErrorCode,
  type HostRequest,
  type HostResult,
  type HostStatus,
} from './ipc-contract';

/** How long the utility process may take to exit after `stop` before it is killed. */
const STOP_TIMEOUT_MS = 5_000;

/** The host's history database, inside the user-data directory. */
const HISTORY_FILE = 'history.sqlite';

const BIND_ADDRESS = { lan: '0.0.0.0', local: '127.0.0.1' } as const;

const NODE_ERROR_TO_HOST: Record<string, HostErrorCode> = {
  EADDRINUSE: 'HOST_ERR_PORT_IN_USE',
  EACCES: 'HOST_ERR_PORT_ACCESS',
  EINVAL: 'HOST_ERR_INVALID_REQUEST',
};

/** Where the host's log lines go. */
export type HostLog = (level: 'debug' | 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;

/** Owns the host utility process. @public */
export class ServerHost {
  #child: UtilityProcess | undefined;
  #status: HostStatus = { state: 'stopped', shareUrls: [] };
  readonly #onStatus: (status: HostStatus) => void;
  readonly #log: HostLog;

  constructor(onStatus: (status: HostStatus) => void, log: HostLog) {
    this.#onStatus = onStatus;
    this.#log = log;
  }

  /** The current status. */
  get status(): HostStatus {
    return this.#status;
  }

  #setStatus(status: HostStatus): void {
    this.#status = status;
    this.#onStatus(status);
  }

  /** Starts hosting; resolves once listening or failed. */
  async start(request: HostRequest): Promise<HostResult> {
    if (this.#status.state === 'running' || this.#status.state === 'starting') {
      const error: HostError = { code: 'HOST_ERR_INVALID_REQUEST', message: 'This app is already hosting a room.' };
      return { ok: false, error, status: this.#status };
    }
    this.#setStatus({ state: 'starting', shareUrls: [], room: request.room, scope: request.scope });
    const child = utilityProcess.fork(join(__dirname, 'server-process.js'), [], {
      serviceName: 'LanChat host',
      stdio: 'inherit',
    });
    this.#child = child;
    child.on('message', (reply: FromHostProcess) => {
      if (reply.type === 'log') this.#log(reply.level, reply.message, reply.fields);
    });
    const message: ToHostProcess = {
      type: 'start',
      port: request.port,
      host: BIND_ADDRESS[request.scope],
      room: request.room,
      scope: request.scope,
      password: request.password,
      maxMembers: request.maxMembers,
      webRoot: join(__dirname, '..', 'renderer'),
      dataPath: join(app.getPath('userData'), HISTORY_FILE),
      version: app.getVersion(),
    };

    const outcome = await new Promise<FromHostProcess | { type: 'exited'; code: number }>((resolve) => {
      const onMessage = (reply: FromHostProcess): void => {
        if (reply.type === 'log') return;
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(reply);
      };
      const onExit = (code: number): void => {
        child.off('message', onMessage);
        resolve({ type: 'exited', code });
      };
      child.on('message', onMessage);
      child.once('exit', onExit);
      child.postMessage(message);
    });

    if (outcome.type === 'started') {
      child.on('exit', (code) => this.#onUnexpectedExit(child, code));
      this.#setStatus({
        state: 'running',
        port: outcome.port,
        room: request.room,
        scope: request.scope,
        protected: request.password !== undefined,
        localUrl: `http://127.0.0.1:${outcome.port}`,
        shareUrls: shareableUrls(BIND_ADDRESS[request.scope], outcome.port),
      });
      return { ok: true, status: this.#status };
    }
    this.#child = undefined;
    child.kill();
    const error: HostError =
      outcome.type === 'startFailed'
        ? { code: NODE_ERROR_TO_HOST[outcome.code] ?? 'HOST_ERR_UNKNOWN', message: outcome.message }
        : { code: 'HOST_ERR_CRASHED', message: `The host process exited during start (code ${outcome.type === 'exited' ? outcome.code : '?'}).` };
    this.#setStatus({ state: 'error', shareUrls: [], error });
    return { ok: false, error, status: this.#status };
  }

  /** Stops hosting: clients get close 1001, then the process exits. Safe when stopped. */
  async stop(): Promise<HostStatus> {
    const child = this.#child;
    this.#child = undefined;
    if (!child) {
      if (this.#status.state !== 'stopped') this.#setStatus({ state: 'stopped', shareUrls: [] });
      return this.#status;
    }
    await new Promise<void>((resolve) => {
      // Resolve only once the process is gone: it holds the history
      // database exclusively, and an immediate restart must find it free.
      child.removeAllListeners('exit');
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      const timer = setTimeout(() => child.kill(), STOP_TIMEOUT_MS);
      child.on('message', (reply: FromHostProcess) => {
        if (reply.type === 'stopped') child.kill();
      });
      child.postMessage({ type: 'stop' } satisfies ToHostProcess);
    });
    this.#setStatus({ state: 'stopped', shareUrls: [] });
    return this.#status;
  }

  #onUnexpectedExit(child: UtilityProcess, code: number): void {
    if (this.#child !== child) return;
    this.#child = undefined;
    this.#log('error', 'host process exited unexpectedly', { code });
    this.#setStatus({
      state: 'error',
      shareUrls: [],
      error: { code: 'HOST_ERR_CRASHED', message: `The host stopped unexpectedly (exit code ${code}).` },
    });
  }
}

/**
 * Creates the host, wires its IPC channels and stops it on quit, so clients
 * get a clean 1001 instead of a reset when the app closes.
 *
 * @public
 */
export function setupServerHost(): ServerHost {
  const host = new ServerHost(
    (status) => pushToAll(IpcPush.HostStatusChanged, status),
    (level, message, fields) => console[level === 'debug' ? 'log' : level](`[host] ${message}`, fields ?? ''),
  );
  handle(IpcChannel.StartHosting, (request) => {
    const parsed = parseHostRequest(request);
    if (isHostError(parsed)) return { ok: false, error: parsed, status: host.status };
    return host.start(parsed);
  });
  handle(IpcChannel.StopHosting, () => host.stop());
  handle(IpcChannel.GetHostStatus, () => host.status);

  let quitting = false;
  app.on('before-quit', (event) => {
    if (quitting || host.status.state === 'stopped') return;
    event.preventDefault();
    quitting = true;
    host.stop().finally(() => app.quit());
  });
  return host;
}
