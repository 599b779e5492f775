/**
 * What every benchmark server process shares with the orchestrator (run.ts):
 * one stdout line `{"port":<n>}` once it listens, and an IPC channel that
 * answers memory questions (after a full GC, when started with
 * `--expose-gc`), profiles a load window with V8's CPU profiler (the one
 * `node --cpu-prof` uses, scoped to the window so connection set-up stays
 * out of it) and ends the process on request. Nothing here runs on the
 * message path.
 *
 * @public
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { getHeapSpaceStatistics } from 'node:v8';

/** A memory reading of a server process, in bytes. @public */
export interface MemoryReading {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  /** Physical size of each V8 heap space (new_space, old_space, …): where heapTotal went. */
  spaces?: Record<string, number>;
}

/** Requests the orchestrator sends over IPC. @public */
export type ServerRequest =
  | { type: 'memory' }
  | { type: 'profile-start'; intervalUs: number }
  | { type: 'profile-stop'; file: string }
  | { type: 'exit' };

/** Replies a server sends over IPC. @public */
export type ServerReply =
  | { type: 'memory'; memory: MemoryReading }
  | { type: 'profile-started' }
  | { type: 'profile-stopped'; file: string; error?: string };

/** Full GCs before a memory reading: the second one collects what the first one's finalizers freed. */
const GC_PASSES = 2;

function readMemory(): MemoryReading {
  const collect = (globalThis as { gc?: () => void }).gc;
  for (let pass = 0; pass < GC_PASSES; pass += 1) collect?.();
  const { rss, heapUsed, heapTotal, external, arrayBuffers } = process.memoryUsage();
  const spaces = Object.fromEntries(getHeapSpaceStatistics().map((space) => [space.space_name, space.physical_space_size]));
  return { rss, heapUsed, heapTotal, external, arrayBuffers, spaces };
}

/** The inspector session of a running profile. */
let profiler: Session | undefined;

/**
 * Announces the listening port on stdout and serves the orchestrator's IPC
 * requests. `exit` ends the process at once (process.exit, so
 * `--cpu-prof` still writes its profile); the orchestrator drops the
 * clients and the temporary files.
 *
 * @public
 */
export function announce(port: number): void {
  process.stdout.write(`${JSON.stringify({ port })}\n`);
  process.on('message', (request: ServerRequest) => {
    const reply = (message: ServerReply): void => {
      process.send?.(message);
    };
    if (request.type === 'memory') {
      reply({ type: 'memory', memory: readMemory() });
    } else if (request.type === 'profile-start') {
      profiler ??= new Session();
      profiler.connect();
      profiler.post('Profiler.enable', () =>
        profiler!.post('Profiler.setSamplingInterval', { interval: request.intervalUs }, () =>
          profiler!.post('Profiler.start', () => reply({ type: 'profile-started' })),
        ),
      );
    } else if (request.type === 'profile-stop') {
      profiler?.post('Profiler.stop', (error, result) => {
        if (error === null) writeFileSync(request.file, JSON.stringify(result.profile));
        profiler?.disconnect();
        reply({ type: 'profile-stopped', file: request.file, error: error?.message });
      });
    } else if (request.type === 'exit') {
      process.exit(0);
    }
  });
  // Without an orchestrator (a server started by hand), Ctrl+C and SIGTERM end it cleanly.
  process.on('SIGTERM', () => process.exit(0));
  process.on('SIGINT', () => process.exit(0));
  process.on('disconnect', () => process.exit(0));
}

/** The value after `--name` on the command line, if any. @public */
export function argValue(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? undefined : process.argv[index + 1];
}
