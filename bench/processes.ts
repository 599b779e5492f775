/**
 * Process plumbing for the benchmarks: builds the measured programs with
 * esbuild (no transpiler in any measured process), starts servers and the
 * load generator on their own CPU cores, and reads a server's CPU time
 * from /proc/<pid>/stat.
 *
 * @public
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

import { build } from 'esbuild';

import type { LoadGeneratorCommand, LoadGeneratorConfig } from './load-generator';
import { sleep } from './pace';
import type { MemoryReading, ServerReply, ServerRequest } from './servers/harness';
import type { ServerProgram } from './stacks';

/** bench/ */
export const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
/** Where the built programs go (ignored by git). */
export const BUILD_DIR = join(BENCH_DIR, '.build');

/** Core the server runs on, and the core the load generator runs on (2-core machine: one each). */
export const SERVER_CPU = 0;
export const GENERATOR_CPU = 1;

/** How long a server may take to print its port. */
const SERVER_START_TIMEOUT_MS = 20_000;
/** How long a process may take to exit when asked. */
const EXIT_TIMEOUT_MS = 5_000;
/** Lines of a child's stderr kept for error messages. */
const STDERR_TAIL_LINES = 20;

const PROGRAMS: Record<ServerProgram | 'load-generator', string> = {
  'bare-ws': 'servers/bare-ws.ts',
  socketio: 'servers/socketio.ts',
  'sockjs-plain': 'servers/sockjs-plain.ts',
  'lanchat-server': 'servers/lanchat-server.ts',
  'load-generator': 'load-generator.ts',
};

/**
 * Bundles every measured program to CommonJS with esbuild, the way
 * scripts/build.mjs bundles the CLI host: our TypeScript (LanChat's
 * server/ included) is compiled ahead of time; packages stay in
 * node_modules and load as their authors ship them.
 *
 * @public
 */
export async function buildPrograms(): Promise<void> {
  await build({
    absWorkingDir: BENCH_DIR,
    entryPoints: Object.fromEntries(Object.entries(PROGRAMS).map(([name, source]) => [name, join(BENCH_DIR, source)])),
    outdir: BUILD_DIR,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked',
    logLevel: 'warning',
  });
}

/** Path of a built program. @public */
export function programPath(program: ServerProgram | 'load-generator'): string {
  return join(BUILD_DIR, `${program}.js`);
}

let pinning: boolean | undefined;

/** Whether `taskset` can pin processes to cores here (and there are at least two). @public */
export function canPin(): boolean {
  if (pinning === undefined) {
    try {
      execFileSync('taskset', ['-c', '0', 'true'], { stdio: 'ignore' });
      pinning = availableParallelism() >= 2;
    } catch {
      pinning = false;
    }
  }
  return pinning;
}

/** Spawns `node <args>`, pinned to `cpu` when pinning works (taskset execs node: the pid is node's). */
function spawnNode(cpu: number, args: string[], stdio: Array<'ignore' | 'pipe' | 'inherit' | 'ipc'>, env: NodeJS.ProcessEnv = {}): ChildProcess {
  const command = canPin() ? 'taskset' : process.execPath;
  const fullArgs = canPin() ? ['-c', String(cpu), process.execPath, ...args] : args;
  return spawn(command, fullArgs, { stdio, env: { ...process.env, NODE_OPTIONS: '', ...env } });
}

/**
 * glibc settings for a server whose memory is measured: one malloc arena,
 * and memory freed at its top (or freed from a large block) goes back to
 * the system at once. By default glibc keeps what other threads freed in
 * their own arenas until some later free happens to trim them: LanChat's
 * host held 20 + 14 MB in two such arenas after its warm-up (V8's
 * background compilation of the SQLite WebAssembly module) and gave them
 * back in the middle of the N joins, so RSS per connection came out
 * negative. With these, RSS follows what the process holds, for every
 * stack alike. The speed phases run with glibc's defaults.
 */
export const MEMORY_READING_MALLOC_ENV: NodeJS.ProcessEnv = {
  MALLOC_ARENA_MAX: '1',
  MALLOC_TRIM_THRESHOLD_: '131072',
  MALLOC_MMAP_THRESHOLD_: '131072',
};

function keepTail(child: ChildProcess): () => string {
  const lines: string[] = [];
  if (child.stderr) {
    createInterface({ input: child.stderr }).on('line', (line) => {
      lines.push(line);
      if (lines.length > STDERR_TAIL_LINES) lines.shift();
    });
  }
  return () => lines.join('\n');
}

function waitExit(child: ChildProcess, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** A running benchmark server. @public */
export interface ServerProcess {
  readonly pid: number;
  readonly port: number;
  /** Memory after a full GC. */
  memory(): Promise<MemoryReading>;
  /** Starts V8's CPU profiler in the server, sampling every `intervalUs`. */
  profileStart(intervalUs: number): Promise<void>;
  /** Stops it and has the server write the `.cpuprofile` to `file`. */
  profileStop(file: string): Promise<void>;
  /** Asks the server to exit (SIGKILL after a timeout). */
  stop(): Promise<void>;
  /** The last lines it wrote to stderr. */
  stderrTail(): string;
}

/**
 * Starts a server program on {@link SERVER_CPU} and waits for its port.
 *
 * @public
 */
export async function startServer(program: ServerProgram, args: string[], env: NodeJS.ProcessEnv = {}): Promise<ServerProcess> {
  const child = spawnNode(SERVER_CPU, ['--expose-gc', programPath(program), ...args], ['ignore', 'pipe', 'pipe', 'ipc'], env);
  const stderrTail = keepTail(child);
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${program} did not start within ${SERVER_START_TIMEOUT_MS} ms\n${stderrTail()}`)), SERVER_START_TIMEOUT_MS);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${program} exited (${code ?? signal}) before listening\n${stderrTail()}`));
    });
    createInterface({ input: child.stdout! }).once('line', (line) => {
      clearTimeout(timer);
      try {
        resolve((JSON.parse(line) as { port: number }).port);
      } catch {
        reject(new Error(`${program} printed "${line}" instead of its port`));
      }
    });
  });
  child.removeAllListeners('exit');
  // Replies come in request order per type; each waiter takes the next one of its type.
  const waiters: Array<{ type: ServerReply['type']; resolve: (reply: ServerReply) => void }> = [];
  child.on('message', (reply: ServerReply) => {
    const index = waiters.findIndex((waiter) => waiter.type === reply.type);
    if (index !== -1) waiters.splice(index, 1)[0]!.resolve(reply);
  });
  const ask = <T extends ServerReply['type']>(request: ServerRequest, replyType: T): Promise<Extract<ServerReply, { type: T }>> =>
    new Promise((resolve, reject) => {
      if (!child.connected) {
        reject(new Error(`${program} is gone\n${stderrTail()}`));
        return;
      }
      waiters.push({ type: replyType, resolve: (reply) => resolve(reply as Extract<ServerReply, { type: T }>) });
      child.send(request);
    });
  return {
    pid: child.pid!,
    port,
    memory: async () => (await ask({ type: 'memory' }, 'memory')).memory,
    async profileStart(intervalUs) {
      await ask({ type: 'profile-start', intervalUs }, 'profile-started');
    },
    async profileStop(file) {
      const reply = await ask({ type: 'profile-stop', file }, 'profile-stopped');
      if (reply.error !== undefined) throw new Error(`${program}: profiler: ${reply.error}`);
    },
    async stop() {
      if (child.connected) child.send({ type: 'exit' } satisfies ServerRequest);
      else child.kill('SIGTERM');
      await waitExit(child, EXIT_TIMEOUT_MS);
    },
    stderrTail,
  };
}

/** A running load generator. @public */
export interface GeneratorProcess {
  readonly pid: number;
  request<T>(command: LoadGeneratorCommand, timeoutMs: number): Promise<T>;
  stop(): Promise<void>;
}

/**
 * Starts the load generator on {@link GENERATOR_CPU}.
 *
 * @public
 */
export function startGenerator(config: LoadGeneratorConfig): GeneratorProcess {
  const child = spawnNode(GENERATOR_CPU, [programPath('load-generator'), JSON.stringify(config)], ['ignore', 'inherit', 'pipe', 'ipc']);
  const stderrTail = keepTail(child);
  let nextId = 1;
  const waiting = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  child.on('message', (message: { id: number; result?: unknown; error?: string }) => {
    const entry = waiting.get(message.id);
    if (!entry) return;
    waiting.delete(message.id);
    if (message.error !== undefined) entry.reject(new Error(`load generator: ${message.error}`));
    else entry.resolve(message.result);
  });
  child.on('exit', (code, signal) => {
    for (const entry of waiting.values()) entry.reject(new Error(`load generator exited (${code ?? signal})\n${stderrTail()}`));
    waiting.clear();
  });
  return {
    pid: child.pid!,
    request<T>(command: LoadGeneratorCommand, timeoutMs: number): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        const id = nextId;
        nextId += 1;
        const timer = setTimeout(() => {
          waiting.delete(id);
          reject(new Error(`load generator: no answer to ${command.cmd} within ${timeoutMs} ms`));
        }, timeoutMs);
        waiting.set(id, {
          resolve: (value) => {
            clearTimeout(timer);
            resolve(value as T);
          },
          reject: (error) => {
            clearTimeout(timer);
            reject(error);
          },
        });
        child.send({ id, command });
      });
    },
    async stop() {
      if (child.connected) {
        child.send({ id: 0, command: { cmd: 'close' } satisfies LoadGeneratorCommand });
      }
      await waitExit(child, EXIT_TIMEOUT_MS);
    },
  };
}

let clockTicks: number | undefined;

function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/**
 * User + system CPU time of a process (all its threads: JavaScript, GC
 * helpers, libuv) in ms, from /proc/<pid>/stat fields 14 and 15.
 *
 * @public
 */
export function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces; fields after it are plain.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1_000) / ticksPerSecond();
}

/**
 * CPU time the whole machine spent busy (every core; user, nice, system,
 * irq, softirq, steal) in ms, from /proc/stat. Minus the server's and the
 * generator's own time it shows what else ran during a phase: on a shared
 * machine, other work competes for the cores.
 *
 * @public
 */
export function machineBusyMs(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
  const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
  return (((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) * 1_000) / ticksPerSecond();
}

/** What {@link waitForIdleMachine} saw. @public */
export interface IdleWait {
  waitedMs: number;
  /** Busy cores in the last window before going on. */
  busyCores: number;
}

/** {@link waitForIdleMachine} goes on once the machine's other work is under this many cores… */
const IDLE_MACHINE_CORES = 0.3;
/** …measured over windows this long. */
const IDLE_WINDOW_MS = 500;

/**
 * Waits (at most `maxWaitMs`) until the machine's other work uses no more
 * than {@link IDLE_MACHINE_CORES}, measured while nothing of the benchmark
 * runs. On a machine shared with other jobs this keeps trials
 * from starting in the middle of someone else's burst; the load that
 * remains is recorded per phase (`backgroundCores`).
 *
 * @public
 */
export async function waitForIdleMachine(maxWaitMs: number): Promise<IdleWait> {
  const started = Date.now();
  let busyCores = Number.POSITIVE_INFINITY;
  while (Date.now() - started < maxWaitMs || busyCores === Number.POSITIVE_INFINITY) {
    const before = machineBusyMs();
    await sleep(IDLE_WINDOW_MS);
    busyCores = (machineBusyMs() - before) / IDLE_WINDOW_MS;
    if (busyCores <= IDLE_MACHINE_CORES) break;
  }
  return { waitedMs: Date.now() - started, busyCores };
}

/** Whether /proc is there to read CPU times from. @public */
export function hasProc(): boolean {
  return existsSync(`/proc/${process.pid}/stat`);
}
