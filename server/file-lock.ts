/**
 * An exclusive lock on a file that the operating system releases when the
 * process holding it dies, SIGKILL and power loss included.
 *
 * Node has no flock/fcntl lock, and a lock file or directory (what
 * node-sqlite3-wasm and LanChat used before) outlives a killed process: a
 * recorded pid cannot tell a dead owner from a recycled pid, nor from the
 * same pid in another pid namespace (a host run as pid 1 in a container
 * saw its own pid and refused to start). A listening socket is released by
 * the kernel with the process, and binding it is atomic: two hosts started
 * at the same moment cannot both get it. So the lock is a socket named
 * after the file's identity (device and inode of the real file), so that
 * every name of the file (symlink, hard link, relative path) is the same
 * lock:
 *
 * - Linux: an abstract Unix-domain socket (`\0lanchat-history/<dev>/<ino>`).
 *   No file on disk, nothing left behind. Its scope is the network
 *   namespace: two hosts in different network namespaces (containers
 *   without a shared network) sharing one file through a bind mount are not
 *   kept apart; pid namespaces do not matter.
 * - Windows: a named pipe `\\.\pipe\lanchat-history-<dev>-<ino>` (machine
 *   wide; the first instance is created exclusively).
 * - Elsewhere (macOS, BSD): a Unix-domain socket file in the temporary
 *   directory. The kernel frees the address when the process dies but the
 *   socket file remains; a socket file nobody answers on is stale and is
 *   replaced once. Two hosts starting in the very same instant after a
 *   crash could both replace it: a documented limit of this fallback.
 *
 * The holder answers a connection with its pid, so a refusal can say which
 * process has the file open.
 *
 * Binding a pipe happens synchronously inside `server.listen()` (only the
 * `listening`/`error` events are deferred), so `server.listening` tells at
 * once whether the lock is ours: the history store opens synchronously, and
 * Electron's utility process runs plain Node `net` as well. (Not in a
 * `cluster` worker, where listen is delegated to the primary; LanChat never
 * runs the store there.)
 *
 * @public
 */
import { statSync, unlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

import { LOCK_PROBE_TIMEOUT_MS } from './constants';

/** A lock held by this process. */
export interface FileLock {
  /** The socket or pipe name that is the lock. */
  readonly name: string;
  /** Releases the lock. Safe to call twice. */
  release(): void;
}

/** The outcome of {@link lockFile}. */
export type LockResult =
  | { locked: true; lock: FileLock }
  /**
   * `holderPid` as the holder sees it (in its pid namespace: a host in a
   * container may say 1, as may the asker); `thisProcess` when the lock is
   * this process's own.
   */
  | { locked: false; holderPid: number | undefined; thisProcess: boolean };

/** Locks this process holds, by name: a second store on the same file in this process is refused without asking itself. */
const heldHere = new Set<string>();

/** The lock's name for the file with this identity. */
function lockName(dev: bigint, ino: bigint): string {
  if (process.platform === 'linux') return `\0lanchat-history/${dev}/${ino}`;
  if (process.platform === 'win32') return `\\\\.\\pipe\\lanchat-history-${dev}-${ino}`;
  return join(tmpdir(), `lanchat-history-${dev}-${ino}.sock`);
}

/** Whether the name is a file on disk (the fallback) that can be left behind by a dead process. */
function isSocketFile(): boolean {
  return process.platform !== 'linux' && process.platform !== 'win32';
}

/** Tries to bind `name`; the server when bound, undefined when the name is taken. */
function bind(name: string): Server | undefined {
  const server = createServer((socket) => {
    // Answers "who holds it" and hangs up; a socket error there (the asker
    // left early) concerns nobody.
    socket.on('error', () => undefined);
    socket.end(`${process.pid}\n`);
  });
  // listen() reports a failed bind once more, as an 'error' event on the
  // next tick; the outcome is already known from `listening` below.
  server.on('error', () => undefined);
  server.listen({ path: name, exclusive: true });
  if (!server.listening) {
    server.close();
    return undefined;
  }
  // The lock must not keep the process alive on its own.
  server.unref();
  return server;
}

/** Source of the worker that asks the holder of a lock for its pid (plain CommonJS: it runs through `eval`). */
const PROBE_SOURCE = `
const { workerData } = require('node:worker_threads');
const { connect } = require('node:net');
const view = new Int32Array(workerData.shared);
const finish = (pid) => {
  Atomics.store(view, 1, pid);
  Atomics.store(view, 0, 1);
  Atomics.notify(view, 0);
};
let answer = '';
const socket = connect({ path: workerData.name });
socket.setEncoding('utf8');
socket.on('data', (chunk) => { answer += chunk; });
socket.on('end', () => finish(Number.parseInt(answer, 10) > 0 ? Number.parseInt(answer, 10) : 0));
socket.on('error', () => finish(-1));
`;

/**
 * Asks the process holding `name` for its pid, synchronously (the store
 * opens synchronously): a worker thread connects while this thread waits
 * on shared memory. `undefined` when nobody answered in time, `-1` when
 * nobody listens there (a stale socket file).
 */
function askHolder(name: string): number | undefined {
  const shared = new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT);
  const view = new Int32Array(shared);
  let worker: Worker;
  try {
    worker = new Worker(PROBE_SOURCE, { eval: true, workerData: { name, shared } });
  } catch {
    // No worker threads here: the refusal just cannot name the pid.
    return undefined;
  }
  worker.unref();
  try {
    Atomics.wait(view, 0, 0, LOCK_PROBE_TIMEOUT_MS);
  } catch {
    // A thread that may not block (none LanChat runs the store on): no pid to name.
  }
  void worker.terminate();
  if (Atomics.load(view, 0) !== 1) return undefined;
  const pid = Atomics.load(view, 1);
  return pid === 0 ? undefined : pid;
}

/**
 * Locks the file at `realPath` (which must exist; give the real path, so
 * the identity is the file's and not a link's). Never waits for the lock:
 * when another process holds it, says which one if it answers.
 *
 * @public
 */
export function lockFile(realPath: string): LockResult {
  const { dev, ino } = statSync(realPath, { bigint: true });
  const name = lockName(dev, ino);
  if (heldHere.has(name)) return { locked: false, holderPid: process.pid, thisProcess: true };
  let server = bind(name);
  let holderPid: number | undefined;
  if (server === undefined && isSocketFile()) {
    holderPid = askHolder(name);
    if (holderPid === -1) {
      // The fallback's socket file of a process that is gone: nobody listens.
      try {
        unlinkSync(name);
      } catch {
        // Removed by another starter meanwhile: binding below decides.
      }
      server = bind(name);
      holderPid = undefined;
    }
  }
  if (server === undefined) {
    holderPid ??= askHolder(name);
    return { locked: false, holderPid: holderPid !== undefined && holderPid > 0 ? holderPid : undefined, thisProcess: false };
  }
  heldHere.add(name);
  let held = true;
  const bound = server;
  return {
    locked: true,
    lock: {
      name,
      release() {
        if (!held) return;
        held = false;
        heldHere.delete(name);
        // close() stops listening at once (the address is free for the next
        // bind in this process right away); the callback only reports when
        // open answer sockets are gone.
        bound.close();
      },
    },
  };
}
