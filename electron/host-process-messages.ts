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
      version: string;
    }
  | { type: 'stop' };

/** Utility process → main. */
export type FromHostProcess =
  | { type: 'started'; address: string; port: number }
  | { type: 'startFailed'; code: string; message: string }
  | { type: 'stopped' }
  | { type: 'log'; level: 'debug' | 'info' | 'warn' | 'error'; message: string; fields?: Record<string, unknown> };
