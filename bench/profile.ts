/**
 * Where a server's CPU goes under fan-out load: runs a stack at N clients
 * and the reference delivery rate with V8's CPU profiler on in the server
 * (servers/harness.ts) for the load window only, saves the `.cpuprofile`
 * (open it in Chrome DevTools or speedscope) and summarises self time by
 * function and by origin: a package, a LanChat server/ file (mapped back
 * from the esbuild bundle), Node internals, GC.
 *
 * Used by `node --import tsx bench/run.ts --profile`.
 *
 * @public
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { ProfileSummary } from './figures';
import type { ConnectResult, RunResult } from './load-generator';
import { programPath, startGenerator, startServer } from './processes';
import { STACKS, type StackId } from './stacks';

/** Sampling interval: finer than the 1 ms default, still cheap. */
const SAMPLING_INTERVAL_US = 250;
/** Functions listed per profile. */
const TOP_FUNCTIONS = 25;
const CONNECT_CONCURRENCY = 50;
const CONNECT_TIMEOUT_MS = 30_000;
const REQUEST_SLACK_MS = 60_000;

/** Load of a profiling run. @public */
export interface ProfileLoad {
  host: string;
  senders: number;
  deliveriesPerSec: number;
  durationMs: number;
}

interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: CpuProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/**
 * esbuild writes `// <path>` before each bundled module; the last such line
 * at or before a line of the bundle names the source file it came from.
 */
function bundleSourceMap(bundle: string): (line: number) => string {
  const starts: Array<{ line: number; source: string }> = [];
  bundle.split('\n').forEach((text, index) => {
    const match = /^\/\/ (\S+\.[cm]?[jt]s)$/.exec(text);
    if (match) starts.push({ line: index, source: match[1]!.replace(/^(\.\.\/)+/, '') });
  });
  return (line) => {
    let source = 'bundle';
    for (const start of starts) {
      if (start.line > line) break;
      source = start.source;
    }
    return source;
  };
}

/** Where a frame's code comes from. */
function originOf(frame: CpuProfileNode['callFrame'], sourceOf: (url: string, line: number) => string): string {
  const { url, functionName } = frame;
  if (url === '') {
    if (functionName.startsWith('(')) return functionName === '(garbage collector)' ? 'GC' : functionName;
    return 'native (V8 builtins, C++ bindings)';
  }
  if (url.startsWith('wasm://')) return 'node-sqlite3-wasm (WebAssembly)';
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (modules) return `package ${modules[1]}`;
  if (url.startsWith('node:')) {
    const internal = /^node:(?:internal\/)?([^/]+)/.exec(url);
    return `node:${internal?.[1] ?? url}`;
  }
  if (url.includes('/.build/')) return sourceOf(url, frame.lineNumber);
  return url;
}

/**
 * Self time by function and by origin, excluding `(idle)`.
 *
 * @public
 */
export function summariseProfile(file: string, bundles: Record<string, string>): Omit<ProfileSummary, 'stack' | 'n' | 'rate' | 'durationMs'> {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const mappers = new Map<string, (line: number) => string>();
  const sourceOf = (url: string, line: number): string => {
    const bundle = Object.keys(bundles).find((candidate) => url.endsWith(candidate));
    if (bundle === undefined) return url;
    let mapper = mappers.get(bundle);
    if (!mapper) {
      mapper = bundleSourceMap(bundles[bundle]!);
      mappers.set(bundle, mapper);
    }
    return mapper(line);
  };
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  // Each sample lasts until the next one: timeDeltas[i + 1] (µs).
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, index) => {
    const duration = profile.timeDeltas[index + 1] ?? 0;
    selfUs.set(id, (selfUs.get(id) ?? 0) + duration);
  });
  const functions = new Map<string, { name: string; location: string; us: number }>();
  const origins = new Map<string, number>();
  let totalUs = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node || node.callFrame.functionName === '(idle)') continue;
    totalUs += us;
    const frame = node.callFrame;
    const origin = originOf(frame, sourceOf);
    const location = frame.url === '' ? origin : `${origin}:${frame.lineNumber + 1}`;
    const name = frame.functionName || '(anonymous)';
    const key = `${name}@${location}`;
    const entry = functions.get(key) ?? { name, location, us: 0 };
    entry.us += us;
    functions.set(key, entry);
    origins.set(origin, (origins.get(origin) ?? 0) + us);
  }
  const share = (us: number): number => (totalUs === 0 ? 0 : us / totalUs);
  return {
    file,
    totalMs: totalUs / 1_000,
    functions: [...functions.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, TOP_FUNCTIONS)
      .map((entry) => ({ name: entry.name, location: entry.location, selfMs: entry.us / 1_000, share: share(entry.us) })),
    origins: [...origins]
      .sort((a, b) => b[1] - a[1])
      .map(([origin, us]) => ({ origin, selfMs: us / 1_000, share: share(us) })),
  };
}

/**
 * Profiles each stack at `n` clients under the reference load; writes
 * `<outDir>/profile-<stack>-N<n>.cpuprofile`.
 *
 * @public
 */
export async function profileStacks(stacks: StackId[], n: number, outDir: string, load: ProfileLoad): Promise<ProfileSummary[]> {
  const summaries: ProfileSummary[] = [];
  const bundles = Object.fromEntries(
    (['lanchat-server', 'bare-ws', 'socketio', 'sockjs-plain'] as const).map((program) => [
      `.build/${program}.js`,
      readFileSync(programPath(program), 'utf8'),
    ]),
  );
  for (const id of stacks) {
    const spec = STACKS[id];
    const size = spec.smallNOnly ? Math.min(n, 100) : n;
    const rate = load.deliveriesPerSec / size;
    const file = join(outDir, `profile-${id}-N${size}.cpuprofile`);
    // The real configuration: history in a file, as in the measured trials.
    const tempDir = mkdtempSync(join(tmpdir(), 'lanchat-profile-'));
    const args = spec.server === 'lanchat-server' ? ['--data', join(tempDir, 'history.sqlite'), '--max-clients', String(size + 20)] : [];
    const server = await startServer(spec.server, args);
    const generator = startGenerator({ host: load.host, port: server.port, framing: spec.framing, envelope: spec.envelope, path: spec.path });
    try {
      const connected = await generator.request<ConnectResult>(
        { cmd: 'connect', count: size, concurrency: CONNECT_CONCURRENCY, timeoutMs: CONNECT_TIMEOUT_MS },
        CONNECT_TIMEOUT_MS + REQUEST_SLACK_MS,
      );
      if (connected.failed > 0) throw new Error(`${connected.failed} clients failed: ${connected.firstError}`);
      await generator.request({ cmd: 'quiet', quietMs: 300, maxWaitMs: 10_000 }, REQUEST_SLACK_MS);
      await server.profileStart(SAMPLING_INTERVAL_US);
      const result = await generator.request<RunResult>(
        { cmd: 'run', phase: 1, rate, durationMs: load.durationMs, senders: load.senders, drainMs: 1_000, quietMs: 200, maxQuietWaitMs: 5_000 },
        load.durationMs + REQUEST_SLACK_MS,
      );
      await server.profileStop(file);
      const summary = summariseProfile(file, bundles);
      summaries.push({ stack: id, n: size, rate, durationMs: load.durationMs, ...summary });
      console.log(
        `profiled ${id} at N=${size}, ${rate.toFixed(0)} msg/s: ${result.deliveredTotal} deliveries, ${summary.totalMs.toFixed(0)} ms busy; top: ${summary.origins
          .slice(0, 4)
          .map((origin) => `${origin.origin} ${(origin.share * 100).toFixed(0)} %`)
          .join(', ')}`,
      );
    } finally {
      await generator.stop();
      await server.stop();
      rmSync(tempDir, { recursive: true, force: true });
    }
  }
  return summaries;
}
