/**
 * Starts and stops this app's chat server in an Electron utility process,
 * restarts it when it crashes, and keeps the {@link HostStatus} the
 * renderer sees.
 *
 * @public
 */
import { hostname } from 'node:os';
import { join } from 'node:path';

import { app, utilityProcess, type UtilityProcess } from 'electron';

import { shareableUrls } from '../server/lan-addresses';

import { hostErrorOf, isHistoryErrorCode } from './host-errors';
import type { FromHostProcess, ToHostProcess } from './host-process-messages';
import { isHostError, parseHostRequest, shouldAnnounce, shouldUseTls } from './host-request';
import { handle, pushToAll } from './ipc';
import { IpcChannel, IpcPush, type HostCrash, type HostDegraded, type HostError, type HostRequest, type HostResult, type HostStatus } from './ipc-contract';
import { RestartPolicy } from './restart-policy';
import type { TrustedHosts } from './trusted-hosts';

/** How long the utility process may take to exit after `stop` before it is killed. */
const STOP_TIMEOUT_MS = 5_000;

/** The host's history database, inside the user-data directory. */
const HISTORY_FILE = 'history.sqlite';
/** Folder in the profile holding the host's TLS certificate and key (server/tls-identity.ts). */
const TLS_DIR = 'tls';

const BIND_ADDRESS = { lan: '0.0.0.0', local: '127.0.0.1' } as const;

/** Where the host's log lines go. */
export type HostLog = (level: 'debug' | 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;

/** How one attempt to start the server process ended. */
type LaunchOutcome =
  | { ok: true; child: UtilityProcess; port: number; instanceId: string; announcing: boolean; fingerprint?: string }
  | { ok: false; error: HostError; exitCode?: number };

/**
 * Owns the host utility process and supervises it: when the process dies
 * while hosting, the window hears of it at once (state `restarting`), and
 * the server is started again, with backoff, on the port it had and with
 * the same history file, so members' clients reconnect by themselves. After
 * {@link RestartPolicy.maxCrashes} crashes within its window the host stops
 * trying and reports `HOST_ERR_RESTART_LIMIT`.
 *
 * @public
 */
export class ServerHost {
  #child: UtilityProcess | undefined;
  #status: HostStatus = { state: 'stopped', shareUrls: [] };
  /** What the running host was started with, its port as bound: a restart asks for the same. */
  #request: HostRequest | undefined;
  #restartTimer: ReturnType<typeof setTimeout> | undefined;
  /** A start or restart under way: {@link stop} waits for it, so no server outlives a stop. */
  #launching: Promise<LaunchOutcome> | undefined;
  /** Bumped by every start and stop, so a restart that is under way when the user stops is dropped. */
  #generation = 0;
  /** The running server's instance id (discovery marks this app's own host by it). */
  #instanceId: string | undefined;
  readonly #policy: RestartPolicy;
  readonly #onStatus: (status: HostStatus) => void;
  readonly #log: HostLog;
  readonly #onFingerprint: ((origin: string, fingerprint: string) => void) | undefined;

  /**
   * @param onFingerprint - told the loopback origin and certificate fingerprint of a host started with TLS,
   *   so the app trusts its own host (certificate-trust.ts)
   */
  constructor(
    onStatus: (status: HostStatus) => void,
    log: HostLog,
    policy: RestartPolicy = new RestartPolicy(),
    onFingerprint?: (origin: string, fingerprint: string) => void,
  ) {
    this.#onStatus = onStatus;
    this.#log = log;
    this.#policy = policy;
    this.#onFingerprint = onFingerprint;
  }

  /** The current status. */
  get status(): HostStatus {
    return this.#status;
  }

  /** The instance id the running server announces and reports at `/rooms`; undefined when not running. */
  get instanceId(): string | undefined {
    return this.#status.state === 'running' ? this.#instanceId : undefined;
  }

  #setStatus(status: HostStatus): void {
    this.#status = status;
    this.#onStatus(status);
  }

  /** Starts hosting; resolves once listening or failed. */
  async start(request: HostRequest): Promise<HostResult> {
    const { state } = this.#status;
    if (state === 'running' || state === 'starting' || state === 'restarting') {
      const error: HostError = { code: 'HOST_ERR_INVALID_REQUEST', message: 'This app is already hosting a room.' };
      return { ok: false, error, status: this.#status };
    }
    this.#generation += 1;
    const generation = this.#generation;
    this.#policy.reset();
    this.#request = undefined;
    this.#setStatus({ state: 'starting', shareUrls: [], room: request.room, scope: request.scope });
    const outcome = await this.#track(this.#launch(request));
    if (generation !== this.#generation) {
      // Stopped while starting: stop() stops this server too.
      return { ok: false, error: { code: 'HOST_ERR_UNKNOWN', message: 'Hosting was stopped while it started.' }, status: this.#status };
    }
    if (!outcome.ok) {
      this.#setStatus({ state: 'error', shareUrls: [], error: outcome.error });
      return { ok: false, error: outcome.error, status: this.#status };
    }
    // A restart after a crash reuses this request; a loss of history found
    // then must be shown to the user again, not accepted on their behalf.
    this.#request = { ...request, port: outcome.port, freshHistory: undefined };
    this.#running(outcome, undefined);
    return { ok: true, status: this.#status };
  }

  /** Stops hosting: clients get close 1001, then the process exits. Safe when stopped. */
  async stop(): Promise<HostStatus> {
    this.#generation += 1;
    clearTimeout(this.#restartTimer);
    this.#restartTimer = undefined;
    this.#policy.reset();
    this.#request = undefined;
    let child = this.#child;
    this.#child = undefined;
    const launching = this.#launching;
    if (launching !== undefined) {
      // A server being started now would hold the history file after this
      // stop returned, and an immediate new start would find it locked.
      const outcome = await launching;
      if (outcome.ok) child = outcome.child;
    }
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

  /** Keeps `launching` as the launch under way until it settles. */
  async #track(launching: Promise<LaunchOutcome>): Promise<LaunchOutcome> {
    this.#launching = launching;
    try {
      return await launching;
    } finally {
      if (this.#launching === launching) this.#launching = undefined;
    }
  }

  /** Forks the server process and asks it to start; resolves once it listens, failed, or died. */
  async #launch(request: HostRequest): Promise<LaunchOutcome> {
    const child = utilityProcess.fork(join(__dirname, 'server-process.js'), [], {
      serviceName: 'LanChat host',
      stdio: 'inherit',
    });
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
      freshHistory: request.freshHistory,
      version: app.getVersion(),
      announce: shouldAnnounce(request),
      hostName: request.hostName ?? hostname(),
      allowGuestRooms: request.allowGuestRooms ?? true,
      tlsDir: shouldUseTls(request) ? join(app.getPath('userData'), TLS_DIR) : undefined,
    };
    const outcome = await new Promise<FromHostProcess | { type: 'exited'; code: number }>((resolve) => {
      const onMessage = (reply: FromHostProcess): void => {
        if (reply.type !== 'started' && reply.type !== 'startFailed') return;
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
      if (outcome.announceError !== undefined) this.#log('warn', 'the host is not announced on the LAN', { error: outcome.announceError });
      return { ok: true, child, port: outcome.port, instanceId: outcome.instanceId, announcing: outcome.announcing, fingerprint: outcome.fingerprint };
    }
    child.kill();
    if (outcome.type === 'startFailed') return { ok: false, error: hostErrorOf(outcome.code, outcome.message, outcome.path) };
    const exitCode = outcome.type === 'exited' ? outcome.code : undefined;
    return {
      ok: false,
      error: { code: 'HOST_ERR_CRASHED', message: `The host process exited during start (code ${exitCode ?? '?'}).` },
      exitCode,
    };
  }

  /** Takes `child` as the running server and reports it. */
  #running({ child, port, instanceId, announcing, fingerprint }: Extract<LaunchOutcome, { ok: true }>, crash: HostCrash | undefined): void {
    const request = this.#request as HostRequest;
    this.#child = child;
    this.#instanceId = instanceId;
    child.on('exit', (code) => this.#onUnexpectedExit(child, code));
    child.on('message', (reply: FromHostProcess) => {
      if (reply.type === 'health' && this.#child === child) this.#onHealth(reply);
    });
    // This app's own window joins over loopback: it must trust its own certificate there.
    if (fingerprint !== undefined) this.#onFingerprint?.(`https://127.0.0.1:${port}`, fingerprint);
    const status: HostStatus = {
      ...this.#addressOf(request, port, fingerprint),
      state: 'running',
      pid: child.pid,
      announcing,
    };
    if (crash !== undefined) status.crash = { ...crash, retryAt: undefined };
    this.#setStatus(status);
  }

  /** The fields of a status that stay the same across restarts. */
  #addressOf(request: HostRequest, port: number, fingerprint?: string): HostStatus {
    const scheme = fingerprint === undefined ? 'http' : 'https';
    const status: HostStatus = {
      state: 'running',
      port,
      room: request.room,
      scope: request.scope,
      protected: request.password !== undefined,
      localUrl: `${scheme}://127.0.0.1:${port}`,
      shareUrls: shareableUrls(BIND_ADDRESS[request.scope], port).map((url) => url.replace(/^http:/, `${scheme}:`)),
      allowGuestRooms: request.allowGuestRooms ?? true,
    };
    if (fingerprint !== undefined) status.fingerprint = fingerprint;
    return status;
  }

  #onHealth(health: Extract<FromHostProcess, { type: 'health' }>): void {
    if (this.#status.state !== 'running') return;
    if (health.status === 'ok') {
      if (this.#status.degraded === undefined) return;
      const { degraded: _cleared, ...rest } = this.#status;
      this.#setStatus(rest);
      return;
    }
    this.#log('error', 'host degraded: it refuses new messages until restarted', { code: health.code, reason: health.reason });
    const degraded: HostDegraded = {
      reason: health.reason ?? 'The chat server cannot save messages.',
      since: this.#status.degraded?.since ?? Date.now(),
    };
    if (health.code !== undefined) degraded.code = health.code;
    this.#setStatus({ ...this.#status, degraded });
  }

  #onUnexpectedExit(child: UtilityProcess, exitCode: number): void {
    if (this.#child !== child) return;
    this.#child = undefined;
    this.#log('error', 'host process exited unexpectedly', { code: exitCode });
    this.#onCrash(exitCode, { code: 'HOST_ERR_CRASHED', message: `The host stopped unexpectedly (exit code ${exitCode}).` });
  }

  /**
   * A crash or a failed restart: schedules the next start, or gives up.
   * @param restartFailed - `error` is why a restart failed (kept in the status), not a crash of a running server
   */
  /** The host stopped for good after a crash: the window keeps the room, port and scope to offer hosting them again. */
  #setStoppedAfterCrash(request: HostRequest, crash: HostCrash, error: HostError): void {
    this.#setStatus({
      state: 'error',
      shareUrls: [],
      port: request.port,
      room: request.room,
      scope: request.scope,
      protected: request.password !== undefined,
      crash,
      error,
    });
  }

  #onCrash(exitCode: number, error: HostError, restartFailed = false): void {
    const request = this.#request;
    if (request === undefined || request.port === 0) {
      this.#setStatus({ state: 'error', shareUrls: [], error });
      return;
    }
    const now = Date.now();
    const decision = this.#policy.onCrash(now);
    const crash: HostCrash = {
      at: now,
      exitCode,
      count: decision.crashes,
      maxCrashes: this.#policy.maxCrashes,
      restartWindowMs: this.#policy.windowMs,
    };
    if (restartFailed) crash.restartError = error;
    if (decision.action === 'giveUp') {
      this.#log('error', 'host crashed too often; not restarting it', { crashes: decision.crashes });
      const minutes = Math.round(this.#policy.windowMs / 60_000);
      this.#setStoppedAfterCrash(request, crash, {
        code: 'HOST_ERR_RESTART_LIMIT',
        message: `The chat server stopped ${decision.crashes} times within ${minutes} minutes, so LanChat stopped restarting it. Last error: ${error.message}`,
      });
      return;
    }
    crash.retryAt = now + decision.delayMs;
    this.#log('warn', 'restarting the host', { delayMs: decision.delayMs, crashes: decision.crashes });
    this.#setStatus({ ...this.#addressOf(request, request.port, this.#status.fingerprint), state: 'restarting', crash });
    const generation = this.#generation;
    this.#restartTimer = setTimeout(() => {
      this.#restartTimer = undefined;
      void this.#restart(generation, request, crash);
    }, decision.delayMs);
  }

  async #restart(generation: number, request: HostRequest, crash: HostCrash): Promise<void> {
    if (generation !== this.#generation) return;
    this.#setStatus({ ...this.#status, crash: { ...crash, retryAt: undefined } });
    const outcome = await this.#track(this.#launch(request));
    // The user stopped hosting while this restart was under way; stop() stops this server too.
    if (generation !== this.#generation) return;
    if (outcome.ok) {
      this.#log('info', 'host restarted', { port: outcome.port, crashes: crash.count });
      this.#running(outcome, crash);
      return;
    }
    this.#log('error', 'host restart failed', { code: outcome.error.code, message: outcome.error.message });
    if (isHistoryErrorCode(outcome.error.code)) {
      // The history file itself is the problem (unreadable, locked, from a
      // newer version): trying again cannot help, and the store's own
      // sentence says what to do, so it is shown as it is.
      this.#setStoppedAfterCrash(request, crash, outcome.error);
      return;
    }
    this.#onCrash(outcome.exitCode ?? crash.exitCode, outcome.error, true);
  }
}

/**
 * Creates the host, wires its IPC channels and stops it on quit, so clients
 * get a clean 1001 instead of a reset when the app closes.
 *
 * @public
 */
export function setupServerHost(trust?: TrustedHosts): ServerHost {
  const host = new ServerHost(
    (status) => pushToAll(IpcPush.HostStatusChanged, status),
    (level, message, fields) => console[level === 'debug' ? 'log' : level](`[host] ${message}`, fields ?? ''),
    new RestartPolicy(),
    (origin, fingerprint) => {
      try {
        trust?.pin(origin, fingerprint, 'trusted');
      } catch (error) {
        // Unlikely (the profile is not writable); the window then cannot open its own room, and says so.
        console.error('[host] cannot trust its own certificate', error);
      }
    },
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
