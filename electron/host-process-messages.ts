/**
 * Messages between the main process and the utility process that runs the
 * chat server (electron/server-process.ts). Update both sides together.
 *
 * @public
 */
import type { HostScope } from './ipc-contract';

/** Main → utility process. */
export type ToHostProcess =
  | {
      type: 'start';
      port: number;
      host: string;
      room: string;
      scope: HostScope;
      password?: string;
      maxMembers?: number;
      webRoot: string;
      /** SQLite file holding the rooms' history (in the user-data directory). */
      dataPath: string;
      /** Accept a history file that lost history (the user chose to start a new history). */
      freshHistory?: boolean;
      version: string;
      /** Announce the host on the LAN (mDNS); the main process sends true only for scope 'lan'. */
      announce: boolean;
      /** The name announced and reported by `/rooms`. */
      hostName: string;
      /** Whether members may create rooms other than `room`. */
      allowGuestRooms: boolean;
      /** Serve TLS with the identity kept in this folder (made on first use); absent: plain HTTP. */
      tlsDir?: string;
    }
  | { type: 'stop' };

/** Utility process → main. */
export type FromHostProcess =
  | {
      type: 'started';
      address: string;
      port: number;
      /** This run's instance id (TXT `id`, `/rooms` `instanceId`): the app marks its own host in discovery by it. */
      instanceId: string;
      /** Whether the host is announced on the LAN now. */
      announcing: boolean;
      /** Why announcing failed, when asked for and it did (hosting goes on: people join by address). */
      announceError?: string;
      /** The served certificate's fingerprint, with TLS. */
      fingerprint?: string;
    }
  | { type: 'startFailed'; code: string; message: string; path?: string }
  | { type: 'stopped' }
  /** The server's health changed (sent on every change, polled from `health()`). */
  | { type: 'health'; status: 'ok' | 'degraded'; code?: string; reason?: string }
  | { type: 'log'; level: 'debug' | 'info' | 'warn' | 'error'; message: string; fields?: Record<string, unknown> };

/** The part of the server's `health()` report the host process forwards. */
export type HealthMessage = Extract<FromHostProcess, { type: 'health' }>;

/**
 * The `health` message for a server health report (`ChatServer.health()`).
 * Reads `status` and, when degraded, `problem: { code, message }` (a failed
 * flush is `HEALTH_STORAGE_FLUSH_FAILED`). Any status other than `'ok'`
 * counts as degraded, so a newer server's states are not shown as healthy.
 *
 * @param report - what `ChatServer.health()` returned
 */
export function healthMessageOf(report: { status: string }): HealthMessage {
  if (report.status === 'ok') return { type: 'health', status: 'ok' };
  const problem = (report as { problem?: { code?: unknown; message?: unknown } }).problem;
  const message: HealthMessage = {
    type: 'health',
    status: 'degraded',
    reason: typeof problem?.message === 'string' && problem.message !== '' ? problem.message : `The chat server reports "${report.status}".`,
  };
  if (typeof problem?.code === 'string') message.code = problem.code;
  return message;
}
